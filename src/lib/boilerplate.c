/*
 * boilerplate.c - boilerplate rules of norm-1 (docseal-formats(5),
 * NORMALIZED TEXT, "Boilerplate").
 *
 * Rules are POSIX extended regular expressions, compiled with
 * REG_EXTENDED | REG_ICASE | REG_NOSUB in the POSIX ("C") locale, whatever
 * the caller's locale: matching is byte-wise, '.' matches one byte and case
 * folding covers the ASCII letters only. A body paragraph (normalized, one
 * line, no final newline) is dropped when any rule matches in it. The default
 * rules are anchored at both ends and are tried only on paragraphs of at most
 * DS__DEFAULT_RULES_MAX bytes: page furniture is short, longer paragraphs are
 * prose whatever their first words.
 *
 * The defaults never change within a normalizer version. They are compiled
 * once per process into one anchored alternation (pthread_once; read-only afterwards,
 * regexec(3) is thread-safe): compiling them costs far more than normalizing
 * an article.
 */
#include "normalize_internal.h"

#include <locale.h>
#include <pthread.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* norm-1 default rules. Changing this list changes content hashes: it needs a
 * new normalizer version. */
static const char *const default_rules[] = {
    /* related-link teasers: "Read more: ...", "READ MORE ...", "See also ..." */
    "^(read more|see also|also read|read also)(( ?(:|>|»|[|]|-|–|—)| ).*)?$",
    /* "Related", "Related: ...", "Related articles", "Related stories: ..." */
    "^related( (articles?|stories|story|content|coverage|links?|posts?|news|reading|topics?|"
    "videos?))?( ?:.*)?$",
    /* advertising labels */
    "^(advertisement|advertising|sponsored( content| links?)?|paid (content|post)|"
    "promoted( content)?|partner content)$",
    "^(story continues below|continue reading( below| the main story)?|"
    "scroll to continue( reading)?)( advertisement)?[.:]?$",
    /* sharing and following */
    "^share (this|on|via)( [[:alnum:]]+){0,4}[.:!]?$",
    "^follow us( on .*|[.!:]?)$",
    "^(print|e-mail|email|share|tweet|comments?|leave a comment|reply)$",
    /* newsletter and call-to-action lines */
    "^(sign up|subscribe|register) (for|to) .*newsletter.*$",
    "^click here( (to|for) .*|[.!:]?)$",
    /* recommendation furniture */
    "^(you (may|might) also (like|be interested in)|recommended( for you| stories| articles)?|"
    "most (read|popular|viewed)|trending( now| stories)?|don't miss|don’t miss|do not miss)"
    "( ?:.*)?$",
    NULL,
};

const char *const *ds_boilerplate_default_rules(void)
{
    return default_rules;
}

struct ds__rules {
    int use_defaults;
    regex_t *user;
    size_t nuser;
};

static pthread_once_t defaults_once = PTHREAD_ONCE_INIT;
static regex_t defaults_re;
static int defaults_status = -1;
static locale_t c_locale = (locale_t)0;

/* Prefilter (an optimization only; it never changes a result): every
 * default rule starts with "^LITERAL" or "^(LITERAL...|LITERAL...)", so a
 * paragraph can only match when it starts with one of the literals (ASCII
 * case-insensitively, as REG_ICASE matches in the POSIX locale; at most
 * LITERAL_MAX bytes of each are compared, at least PREFIX). Derived from the
 * rule text at start-up; when a rule does not have that shape the prefilter
 * is off. */
enum { PREFIX = 4, LITERAL_MAX = 32, MAX_PREFIXES = 64 };
typedef struct prefix {
    char lit[LITERAL_MAX]; /* ASCII-lowercased */
    size_t len;
} prefix;
static prefix prefixes[MAX_PREFIXES];
static size_t nprefixes;
static int prefilter_on;

/* The first default rule accepts every paragraph that starts with one of its
 * literals followed by a space: the optional group takes the space and ".*"
 * the rest (a paragraph holds no NUL byte). Such a paragraph ("Read more
 * ...", the commonest furniture of news text) is a match without regexec(3),
 * which would read it to its end. Only while that rule is exactly this text:
 * prefixes[0, teaser_prefixes) are then its literals (0: shortcut off). */
static const char teaser_rule[] =
    "^(read more|see also|also read|read also)(( ?(:|>|»|[|]|-|–|—)| ).*)?$";
static size_t teaser_prefixes;

static int is_meta(char c)
{
    return c == '\0' || strchr(".[]()*+?{}|^$\\", c) != NULL;
}

static char lower(char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* s[0, len) starts with the literal p (case-insensitively for ASCII letters). */
static int starts_with_literal(const char *s, size_t len, const prefix *p)
{
    size_t i;
    if (len < p->len)
        return 0;
    for (i = 0; i < p->len; i++)
        if (lower(s[i]) != p->lit[i])
            return 0;
    return 1;
}

/* Index of the '|' or ')' ending the alternative that starts at r[i], at
 * nesting depth 0, or of the terminating NUL. */
static size_t alt_end(const char *r, size_t i)
{
    int depth = 0;
    for (; r[i]; i++) {
        if (r[i] == '\\' && r[i + 1]) {
            i++;
        } else if (r[i] == '[') {
            i++;
            if (r[i] == '^')
                i++;
            if (r[i] == ']')
                i++;
            while (r[i] && r[i] != ']')
                i++;
            if (!r[i])
                return i;
        } else if (r[i] == '(') {
            depth++;
        } else if (r[i] == ')' || r[i] == '|') {
            if (depth == 0)
                return i;
            if (r[i] == ')')
                depth--;
        }
    }
    return i;
}

/* The mandatory literal at the start of s (its first LITERAL_MAX bytes); 0
 * when shorter than PREFIX. */
static int literal(const char *s, prefix *out)
{
    size_t k = 0, i;
    while (!is_meta(s[k]))
        k++;
    if (k && (s[k] == '?' || s[k] == '*' || s[k] == '{'))
        k--;
    if (k < PREFIX)
        return 0;
    if (k > LITERAL_MAX)
        k = LITERAL_MAX;
    for (i = 0; i < k; i++)
        out->lit[i] = lower(s[i]);
    out->len = k;
    return 1;
}

static int add_prefixes(const char *r)
{
    size_t i, e;
    if (r[0] != '^' || r[alt_end(r, 1)] != '\0')
        return 0; /* not anchored, or a top-level alternation */
    if (r[1] != '(')
        return nprefixes < MAX_PREFIXES && literal(r + 1, &prefixes[nprefixes++]);
    for (i = 2;; i = e + 1) {
        e = alt_end(r, i);
        if (r[e] == '\0' || nprefixes == MAX_PREFIXES || !literal(r + i, &prefixes[nprefixes++]))
            return 0;
        if (r[e] == ')')
            break;
    }
    return !(r[e + 1] == '?' || r[e + 1] == '*' || r[e + 1] == '{'); /* optional group */
}

/* Every default rule is "^BODY$"; together they compile as "^((BODY1)|(BODY2)|...)$"
 * so that regexec(3) sees one anchored pattern and only tries offset 0. */
static void defaults_init(void)
{
    ds__buf pat = DS__BUF_INIT;
    locale_t old = (locale_t)0;
    size_t i, n;

    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    prefilter_on = 1;
    for (i = 0; default_rules[i]; i++) {
        if (!add_prefixes(default_rules[i]))
            prefilter_on = 0;
        if (i == 0 && prefilter_on && strcmp(default_rules[0], teaser_rule) == 0)
            teaser_prefixes = nprefixes;
    }
    if (!prefilter_on)
        teaser_prefixes = 0;
    if (ds__buf_puts(&pat, "^(") < 0)
        return;
    for (i = 0; default_rules[i]; i++) {
        n = strlen(default_rules[i]);
        if (n < 2 || default_rules[i][0] != '^' || default_rules[i][n - 1] != '$' ||
            (i && ds__buf_putc(&pat, '|') < 0) || ds__buf_putc(&pat, '(') < 0 ||
            ds__buf_put(&pat, default_rules[i] + 1, n - 2) < 0 || ds__buf_putc(&pat, ')') < 0) {
            ds__buf_free(&pat);
            return;
        }
    }
    if (ds__buf_puts(&pat, ")$") < 0)
        return;
    if (c_locale)
        old = uselocale(c_locale);
    defaults_status = regcomp(&defaults_re, pat.ptr, REG_EXTENDED | REG_ICASE | REG_NOSUB);
    if (old)
        uselocale(old);
    ds__buf_free(&pat);
}

void ds__rules_free(ds__rules *r)
{
    size_t i;
    if (!r)
        return;
    for (i = 0; i < r->nuser; i++)
        regfree(&r->user[i]);
    free(r->user);
    free(r);
}

static int load_file(ds__rules *r, const char *path)
{
    char *data = NULL, *line, *end;
    size_t len = 0, lineno = 0, cap = 0;
    locale_t old = (locale_t)0;
    int err;

    if ((err = ds__read_file(&data, &len, path, (size_t)1 << 20)) < 0)
        return err;
    if (c_locale)
        old = uselocale(c_locale);
    for (line = data; line < data + len; line = end + 1) {
        size_t n, k;
        int rc;
        end = memchr(line, '\n', (size_t)(data + len - line));
        if (!end)
            end = data + len;
        lineno++;
        n = (size_t)(end - line);
        if (n && line[n - 1] == '\r')
            n--;
        for (k = 0; k < n && (line[k] == ' ' || line[k] == '\t'); k++)
            ;
        if (k == n || line[k] == '#')
            continue;
        if (memchr(line, '\0', n)) {
            err = ds__error_set(DS_EINVALID, "%s:%zu: NUL byte in a rule", path, lineno);
            break;
        }
        line[n] = '\0';
        if (r->nuser == cap) {
            regex_t *p;
            cap = cap ? cap * 2 : 8;
            if (!(p = ds__realloc(r->user, cap * sizeof *p))) {
                err = DS_ENOMEM;
                break;
            }
            r->user = p;
        }
        rc = regcomp(&r->user[r->nuser], line, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc != 0) {
            char msg[256];
            regerror(rc, &r->user[r->nuser], msg, sizeof msg);
            err = ds__error_set(DS_EINVALID, "%s:%zu: invalid regular expression: %s", path, lineno,
                                msg);
            break;
        }
        r->nuser++;
    }
    if (old)
        uselocale(old);
    free(data);
    return err;
}

int ds__rules_new(ds__rules **out, int use_defaults, const char *path)
{
    ds__rules *r = NULL;
    int err = 0;

    *out = NULL;
    if (pthread_once(&defaults_once, defaults_init) != 0 || defaults_status != 0)
        return ds__error_set(DS_ERROR, "boilerplate: the default rules do not compile");
    if (!(r = ds__calloc(1, sizeof *r)))
        return DS_ENOMEM;
    r->use_defaults = use_defaults;
    if (path && (err = load_file(r, path)) < 0) {
        ds__rules_free(r);
        return err;
    }
    *out = r;
    return 0;
}

int ds__boilerplate_prefilter(void)
{
    pthread_once(&defaults_once, defaults_init);
    return prefilter_on;
}

int ds__rules_match(const ds__rules *r, const char *s, size_t len)
{
    locale_t old = (locale_t)0;
    int hit = 0;
    size_t i;

    if (!r)
        return 0;
    if (c_locale)
        old = uselocale(c_locale);
    if (r->use_defaults && len <= DS__DEFAULT_RULES_MAX) {
        int candidate = !prefilter_on;
        size_t which = nprefixes;
        for (i = 0; i < nprefixes && !candidate; i++)
            if (starts_with_literal(s, len, &prefixes[i]))
                candidate = 1, which = i;
        if (which < teaser_prefixes && len > prefixes[which].len && s[prefixes[which].len] == ' ')
            hit = 1; /* see teaser_rule */
        else if (candidate)
            hit = regexec(&defaults_re, s, 0, NULL, 0) == 0;
    }
    for (i = 0; !hit && i < r->nuser; i++)
        hit = regexec(&r->user[i], s, 0, NULL, 0) == 0;
    if (old)
        uselocale(old);
    return hit;
}
