/* test_man.c - the man pages against the tool's own --help, in both
 * directions, so that drift on either side fails.
 *
 * For every command listed by `docseal --help`:
 *   - man/docseal-CMD.1, section OPTIONS, and man/docseal.1, subsection
 *     "CMD" of COMMANDS, list exactly the options of `docseal CMD --help`:
 *     the same long names, the same short letters, the same argument names;
 *   - the option names in the synopses exist.
 * The global options of `docseal --help` are exactly man/docseal.1's GLOBAL
 * OPTIONS, and its COMMANDS subsections are the commands, in order.
 * Every page has a .TH with a parseable date and the tool's version, and
 * mandoc -T lint and man -l report nothing (skipped when not installed).
 *
 * An option in a man page is the tag of a .TP (or .TQ) paragraph whose text
 * starts with '-'; in plain text it reads as --help prints it, e.g.
 * ".BR \-k \", \" \-\-key \" \fIFILE\fR\"" is "-k, --key FILE".
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MAX_OPTS 64
#define MAX_CMDS 32
#define MSG_SIZE 8192

typedef struct opt {
    char name[48]; /* long name without "--" */
    char shrt;     /* short option letter, or 0 */
    char arg[32];  /* "FILE", "[=WHEN]" (optional argument) or "" */
} opt;

typedef struct optset {
    opt v[MAX_OPTS];
    size_t n;
} optset;

/* Mismatch messages, one per line. */
typedef struct msgs {
    char text[MSG_SIZE];
    size_t count;
} msgs;

static void msg_add(msgs *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg_add(msgs *m, const char *fmt, ...)
{
    size_t len = strlen(m->text);
    va_list ap;
    m->count++;
    if (len + 2 >= sizeof m->text)
        return;
    va_start(ap, fmt);
    vsnprintf(m->text + len, sizeof m->text - len - 1, fmt, ap);
    va_end(ap);
    len = strlen(m->text);
    m->text[len] = '\n';
    m->text[len + 1] = '\0';
}

/* ---- plain option syntax: "-k, --key FILE", "--color[=WHEN]", "--json" ---- */

/* Parse one option as --help prints it. Returns 0, or -1 when s is not
 * exactly an option. */
static int parse_option(opt *o, const char *s)
{
    size_t n;

    memset(o, 0, sizeof *o);
    while (*s == ' ')
        s++;
    if (s[0] == '-' && isalnum((unsigned char)s[1]) && s[2] == ',' && s[3] == ' ') {
        o->shrt = s[1];
        s += 4;
    }
    if (strncmp(s, "--", 2) != 0)
        return -1;
    s += 2;
    n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
    if (n == 0 || n >= sizeof o->name)
        return -1;
    memcpy(o->name, s, n);
    s += n;
    if (s[0] == '[' && s[1] == '=') {
        n = strcspn(s, "]");
        if (s[n] != ']' || n + 2 > sizeof o->arg)
            return -1;
        memcpy(o->arg, s, n + 1);
        s += n + 1;
    } else if (s[0] == ' ') {
        s++;
        n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.");
        if (n == 0 || n >= sizeof o->arg)
            return -1;
        memcpy(o->arg, s, n);
        s += n;
    }
    while (*s == ' ')
        s++;
    return *s ? -1 : 0;
}

static const opt *optset_find(const optset *set, const char *name)
{
    size_t i;
    for (i = 0; i < set->n; i++)
        if (strcmp(set->v[i].name, name) == 0)
            return &set->v[i];
    return NULL;
}

static void optset_add(optset *set, const opt *o, const char *where, msgs *m)
{
    if (optset_find(set, o->name)) {
        msg_add(m, "%s: --%s is listed twice", where, o->name);
        return;
    }
    if (set->n == MAX_OPTS) {
        msg_add(m, "%s: more than %d options", where, MAX_OPTS);
        return;
    }
    set->v[set->n++] = *o;
}

/* ---- --help output ---- */

/* The line after the line equal to header, or NULL. */
static const char *help_block(const char *help, const char *header)
{
    const char *p = help;
    size_t hl = strlen(header);
    while (p && *p) {
        if (strncmp(p, header, hl) == 0 && p[hl] == '\n')
            return p + hl + 1;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

/* The options of a help block ("Options:" or "Global options:"): lines
 * "  LEFT" where LEFT is the option column (28 characters, then a space and
 * the help text), up to an empty line; continuation lines have an empty
 * option column. */
static void help_options(optset *set, const char *help, const char *header, const char *where,
                         msgs *m)
{
    const char *p = help_block(help, header);

    memset(set, 0, sizeof *set);
    if (!p) {
        msg_add(m, "%s: no \"%s\" block in --help", where, header);
        return;
    }
    while (*p && *p != '\n') {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        char left[29];
        opt o;
        if (len < 31 || strncmp(p, "  ", 2) != 0 || p[30] != ' ') {
            msg_add(m, "%s: cannot read the --help line \"%.*s\"", where, (int)len, p);
        } else {
            memcpy(left, p + 2, 28);
            left[28] = '\0';
            for (len = 28; len > 0 && left[len - 1] == ' '; len--)
                left[len - 1] = '\0';
            if (len > 0) {
                if (parse_option(&o, left) < 0)
                    msg_add(m, "%s: cannot read the --help option \"%s\"", where, left);
                else
                    optset_add(set, &o, where, m);
            }
        }
        if (!end)
            break;
        p = end + 1;
    }
}

/* The commands of `docseal --help`, in order. */
static size_t help_commands(char names[MAX_CMDS][32], const char *help)
{
    const char *p = help_block(help, "Commands:");
    size_t n = 0;
    cr_assert_not_null(p, "no Commands: block in docseal --help");
    while (*p == ' ' && p[1] == ' ' && islower((unsigned char)p[2])) {
        size_t len = strcspn(p + 2, " \n");
        cr_assert_lt(len, 32);
        cr_assert_lt(n, MAX_CMDS);
        memcpy(names[n], p + 2, len);
        names[n][len] = '\0';
        n++;
        p = strchr(p, '\n');
        cr_assert_not_null(p);
        p++;
    }
    return n;
}

/* ---- roff ---- */

typedef struct page {
    char *data;
    char **line;
    size_t n;
    const char *name; /* for messages, e.g. "man/docseal-add.1" */
} page;

static void page_from_text(page *pg, char *data, const char *name)
{
    size_t cap = 1, i;
    char *p;
    for (p = data; *p; p++)
        cap += *p == '\n';
    pg->data = data;
    pg->line = calloc(cap, sizeof *pg->line);
    cr_assert_not_null(pg->line);
    pg->n = 0;
    pg->name = name;
    for (p = data; *p;) {
        char *nl = strchr(p, '\n');
        pg->line[pg->n++] = p;
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    for (i = 0; i < pg->n; i++) {
        size_t len = strlen(pg->line[i]);
        if (len && pg->line[i][len - 1] == '\r')
            pg->line[i][len - 1] = '\0';
    }
}

static void page_load(page *pg, const char *rel)
{
    page_from_text(pg, tu_read(tu_src(rel), NULL), rel);
}

static void page_free(page *pg)
{
    free(pg->data);
    free(pg->line);
}

/* Append the text of roff escapes in s (n bytes) to out, as plain text. */
static void unescape(char *out, size_t size, const char *s, size_t n)
{
    size_t k = strlen(out), i;
    for (i = 0; i < n && k + 1 < size; i++) {
        if (s[i] != '\\') {
            out[k++] = s[i];
            continue;
        }
        if (++i >= n)
            break;
        switch (s[i]) {
        case '-':
            out[k++] = '-';
            break;
        case 'e':
            out[k++] = '\\';
            break;
        case ' ':
        case '~':
            out[k++] = ' ';
            break;
        case 'f': /* font: \fB, \f(XX, \f[...] */
            if (i + 1 < n && s[i + 1] == '(')
                i += 3;
            else if (i + 1 < n && s[i + 1] == '[')
                while (i < n && s[i] != ']')
                    i++;
            else
                i++;
            break;
        case '(': /* special character \(xx: a placeholder */
            out[k++] = '?';
            i += 2;
            break;
        default: /* \& \| \^ \c and others: nothing */
            break;
        }
    }
    out[k] = '\0';
}

/* A roff line as plain text: the arguments of a font macro joined as troff
 * joins them (alternating macros such as .BR without spaces), or a text line
 * as it is. */
static void roff_plain(char *out, size_t size, const char *line)
{
    char macro[8] = "";
    int alternate = 0, first = 1;
    const char *p = line;

    out[0] = '\0';
    if (*p != '.' && *p != '\'') {
        unescape(out, size, p, strlen(p));
        return;
    }
    p++;
    while (*p == ' ')
        p++;
    {
        size_t len = strcspn(p, " ");
        if (len < sizeof macro)
            memcpy(macro, p, len), macro[len] = '\0';
        p += len;
    }
    alternate = strlen(macro) == 2 && strchr("BIR", macro[0]) && strchr("BIR", macro[1]);
    for (;;) {
        const char *start;
        size_t len;
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        if (!alternate && !first && strlen(out) + 1 < size)
            strcat(out, " ");
        first = 0;
        if (*p == '"') {
            start = ++p;
            while (*p && !(*p == '"' && p[1] != '"'))
                p += *p == '"' ? 2 : 1;
            len = (size_t)(p - start);
            unescape(out, size, start, len);
            if (*p)
                p++;
        } else {
            start = p;
            while (*p && *p != ' ') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            unescape(out, size, start, (size_t)(p - start));
        }
    }
}

/* The range of lines [*from, *to) of the section (macro ".SH" or ".SS")
 * titled title, starting the search at line start and ending at limit.
 * Returns 0, or -1 when there is none. */
static int page_section(const page *pg, const char *macro, const char *title, size_t start,
                        size_t limit, size_t *from, size_t *to)
{
    size_t i, ml = strlen(macro);
    char plain[256];
    for (i = start; i < limit; i++) {
        if (strncmp(pg->line[i], macro, ml) != 0 || pg->line[i][ml] != ' ')
            continue;
        roff_plain(plain, sizeof plain, pg->line[i]);
        if (strcmp(plain, title) != 0)
            continue;
        *from = i + 1;
        for (i = i + 1; i < limit; i++)
            if (strncmp(pg->line[i], ".SH", 3) == 0 ||
                (strcmp(macro, ".SS") == 0 && strncmp(pg->line[i], ".SS", 3) == 0))
                break;
        *to = i;
        return 0;
    }
    return -1;
}

/* The options tagged by .TP/.TQ paragraphs in lines [from, to). */
static void page_options(optset *set, const page *pg, size_t from, size_t to, const char *where,
                         msgs *m)
{
    size_t i;
    memset(set, 0, sizeof *set);
    for (i = from; i + 1 < to; i++) {
        char plain[256];
        opt o;
        if (strncmp(pg->line[i], ".TP", 3) != 0 && strncmp(pg->line[i], ".TQ", 3) != 0)
            continue;
        roff_plain(plain, sizeof plain, pg->line[i + 1]);
        if (plain[0] != '-')
            continue; /* a list of values, not an option */
        if (parse_option(&o, plain) < 0)
            msg_add(m, "%s line %zu: cannot read the option tag \"%s\"", where, i + 2, plain);
        else
            optset_add(set, &o, where, m);
    }
}

/* Both directions: every option of --help is in the page with the same
 * short letter and argument, and every option of the page is in --help. */
static void compare_options(const optset *help, const optset *man, const char *cmd,
                            const char *where, msgs *m)
{
    size_t i;
    for (i = 0; i < help->n; i++) {
        const opt *h = &help->v[i], *o = optset_find(man, h->name);
        if (!o) {
            msg_add(m, "%s: --%s is in --help but not in %s", cmd, h->name, where);
            continue;
        }
        if (h->shrt != o->shrt)
            msg_add(m, "%s: --%s: short option '%c' in --help, '%c' in %s", cmd, h->name,
                    h->shrt ? h->shrt : ' ', o->shrt ? o->shrt : ' ', where);
        if (strcmp(h->arg, o->arg) != 0)
            msg_add(m, "%s: --%s: argument \"%s\" in --help, \"%s\" in %s", cmd, h->name, h->arg,
                    o->arg, where);
    }
    for (i = 0; i < man->n; i++)
        if (!optset_find(help, man->v[i].name))
            msg_add(m, "%s: --%s is in %s but not in --help", cmd, man->v[i].name, where);
}

/* Every option named in lines [from, to) (a synopsis) is one of opts or
 * globals: "--name" anywhere, "-X" after a blank, '[' or '|'. */
static void check_synopsis(const page *pg, size_t from, size_t to, const optset *opts,
                           const optset *globals, const char *cmd, const char *where, msgs *m)
{
    size_t i, k;
    for (i = from; i < to; i++) {
        char plain[512];
        const char *p;
        roff_plain(plain, sizeof plain, pg->line[i]);
        for (p = plain; (p = strchr(p, '-')) != NULL; p++) {
            int after_blank = p == plain || strchr(" [|", p[-1]);
            if (p[1] == '-' && after_blank) {
                char name[48];
                size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz0123456789-");
                if (n == 0 || n >= sizeof name)
                    continue;
                memcpy(name, p + 2, n);
                name[n] = '\0';
                if (!optset_find(opts, name) && !optset_find(globals, name))
                    msg_add(m, "%s: --%s is in the synopsis of %s but not in --help", cmd, name,
                            where);
                p += 1 + n;
            } else if (after_blank && isalpha((unsigned char)p[1]) &&
                       !isalnum((unsigned char)p[2]) && p[2] != '-') {
                int found = 0;
                for (k = 0; k < opts->n; k++)
                    found |= opts->v[k].shrt == p[1];
                for (k = 0; k < globals->n; k++)
                    found |= globals->v[k].shrt == p[1];
                if (!found)
                    msg_add(m, "%s: -%c is in the synopsis of %s but not in --help", cmd, p[1],
                            where);
            }
        }
    }
}

/* ---- the tests ---- */

static void run_help(char **out, const char *cmd)
{
    char *err = NULL;
    int rc = cmd ? tu_run(out, &err, "%s --help", cmd) : tu_run(out, &err, "--help");
    cr_assert_eq(rc, 0, "docseal %s --help: exit %d: %s", cmd ? cmd : "", rc, err);
    free(err);
}

static void global_options(optset *globals)
{
    char *help = NULL;
    msgs m = {"", 0};
    run_help(&help, NULL);
    help_options(globals, help, "Global options:", "docseal --help", &m);
    cr_assert_eq(m.count, 0, "%s", m.text);
    cr_assert_geq(globals->n, 6, "only %zu global options in docseal --help", globals->n);
    free(help);
}

Test(man, command_pages_match_help)
{
    char *help = NULL, names[MAX_CMDS][32];
    size_t ncmd, c;
    optset globals;
    msgs m = {"", 0};

    global_options(&globals);
    run_help(&help, NULL);
    ncmd = help_commands(names, help);
    free(help);
    cr_assert_geq(ncmd, 11, "only %zu commands in docseal --help", ncmd);
    for (c = 0; c < ncmd; c++) {
        char rel[64], *cmd_help = NULL;
        optset want, got;
        size_t from, to;
        page pg;

        run_help(&cmd_help, names[c]);
        help_options(&want, cmd_help, "Options:", names[c], &m);
        free(cmd_help);
        cr_expect_geq(want.n, 2, "%s: only %zu options in --help", names[c], want.n);
        snprintf(rel, sizeof rel, "man/docseal-%s.1", names[c]);
        page_load(&pg, rel);
        if (page_section(&pg, ".SH", "OPTIONS", 0, pg.n, &from, &to) < 0) {
            msg_add(&m, "%s: %s has no OPTIONS section", names[c], rel);
        } else {
            page_options(&got, &pg, from, to, rel, &m);
            compare_options(&want, &got, names[c], rel, &m);
        }
        if (page_section(&pg, ".SH", "SYNOPSIS", 0, pg.n, &from, &to) < 0)
            msg_add(&m, "%s: %s has no SYNOPSIS section", names[c], rel);
        else
            check_synopsis(&pg, from, to, &want, &globals, names[c], rel, &m);
        page_free(&pg);
    }
    cr_expect_eq(m.count, 0, "%zu differences between --help and the command pages:\n%s", m.count,
                 m.text);
}

Test(man, overview_page_matches_help)
{
    char *help = NULL, names[MAX_CMDS][32];
    size_t ncmd, c, from, to, cmds_from, cmds_to, i, nss = 0;
    optset globals, got, none;
    msgs m = {"", 0};
    page pg;
    const char *rel = "man/docseal.1";

    memset(&none, 0, sizeof none);
    global_options(&globals);
    run_help(&help, NULL);
    ncmd = help_commands(names, help);
    free(help);
    page_load(&pg, rel);

    cr_assert_eq(page_section(&pg, ".SH", "GLOBAL OPTIONS", 0, pg.n, &from, &to), 0,
                 "%s: no GLOBAL OPTIONS section", rel);
    page_options(&got, &pg, from, to, rel, &m);
    compare_options(&globals, &got, "global options", rel, &m);
    cr_assert_eq(page_section(&pg, ".SH", "SYNOPSIS", 0, pg.n, &from, &to), 0);
    check_synopsis(&pg, from, to, &none, &globals, "docseal", rel, &m);

    /* COMMANDS: one .SS per command, in the order of --help. */
    cr_assert_eq(page_section(&pg, ".SH", "COMMANDS", 0, pg.n, &cmds_from, &cmds_to), 0,
                 "%s: no COMMANDS section", rel);
    for (i = cmds_from; i < cmds_to; i++) {
        char plain[64];
        if (strncmp(pg.line[i], ".SS ", 4) != 0)
            continue;
        roff_plain(plain, sizeof plain, pg.line[i]);
        if (nss >= ncmd)
            msg_add(&m, "%s: COMMANDS has \"%s\", which docseal --help does not list", rel, plain);
        else if (strcmp(plain, names[nss]) != 0)
            msg_add(&m, "%s: COMMANDS subsection %zu is \"%s\", docseal --help says \"%s\"", rel,
                    nss + 1, plain, names[nss]);
        nss++;
    }
    if (nss < ncmd)
        msg_add(&m, "%s: COMMANDS has %zu subsections for %zu commands", rel, nss, ncmd);

    for (c = 0; c < ncmd; c++) {
        char where[96], *cmd_help = NULL;
        optset want;
        size_t first_para;

        run_help(&cmd_help, names[c]);
        help_options(&want, cmd_help, "Options:", names[c], &m);
        free(cmd_help);
        snprintf(where, sizeof where, "%s (COMMANDS, %s)", rel, names[c]);
        if (page_section(&pg, ".SS", names[c], cmds_from, cmds_to, &from, &to) < 0) {
            msg_add(&m, "%s: no subsection for %s", rel, names[c]);
            continue;
        }
        page_options(&got, &pg, from, to, where, &m);
        compare_options(&want, &got, names[c], where, &m);
        /* The synopsis: from the .SS line to the first paragraph. */
        for (first_para = from; first_para < to; first_para++)
            if (strncmp(pg.line[first_para], ".PP", 3) == 0)
                break;
        check_synopsis(&pg, from, first_para, &want, &globals, names[c], where, &m);
    }
    page_free(&pg);
    cr_expect_eq(m.count, 0, "%zu differences between --help and %s:\n%s", m.count, rel, m.text);
}

/* The test's own parsers find drift: a made-up command against a made-up
 * page with every kind of difference. */
Test(man, comparison_finds_drift)
{
    const char *help = "Usage: docseal x [OPTIONS]\nsummary\n\nOptions:\n"
                       "  -k, --key FILE               signing key\n"
                       "      --color[=WHEN]           colour\n"
                       "      --json                   print JSON\n"
                       "      --threads N              threads, with a help text long enough\n"
                       "                               to wrap onto a second line\n"
                       "      --level N                level\n"
                       "      --help                   show this help and exit\n"
                       "\nExit status: 0 success.\n";
    char roff[] = ".TH X 1\n.SH SYNOPSIS\n.B docseal x\n.RB [ \\-\\-jsn ]\n.RB [ \\-z ]\n"
                  ".SH OPTIONS\n"
                  ".TP\n.BI \\-\\-key \" FILE\"\n" /* no -k */
                  ".TP\n.BR \\-\\-color [= \\fIWHEN\\fR ]\n"
                  ".TP\n.B \\-\\-json\n"
                  ".TP\n.BR \\-j \", \" \\-\\-level \" \\fIM\\fR\"\n" /* -j, M */
                  ".TP\n.B \\-\\-extra\n"                             /* not in --help */
                  ".TP\n.B auto\nA value, not an option.\n"
                  ".TP\n.B \\-\\-help\n"
                  ".SH EXIT STATUS\n.TP\n.B \\-\\-other\n";
    optset want, got, none;
    msgs m = {"", 0};
    size_t from, to;
    page pg;

    memset(&none, 0, sizeof none);
    help_options(&want, help, "Options:", "x", &m);
    cr_assert_eq(m.count, 0, "%s", m.text);
    cr_assert_eq(want.n, 6);
    cr_assert_str_eq(want.v[1].arg, "[=WHEN]");
    cr_assert_eq(want.v[0].shrt, 'k');
    page_from_text(&pg, strdup(roff), "x.1");
    cr_assert_eq(page_section(&pg, ".SH", "OPTIONS", 0, pg.n, &from, &to), 0);
    page_options(&got, &pg, from, to, "x.1", &m);
    cr_assert_eq(got.n, 6);
    compare_options(&want, &got, "x", "x.1", &m);
    cr_assert_eq(page_section(&pg, ".SH", "SYNOPSIS", 0, pg.n, &from, &to), 0);
    check_synopsis(&pg, from, to, &want, &none, "x", "x.1", &m);
    cr_expect_str_eq(m.text, "x: --key: short option 'k' in --help, ' ' in x.1\n"
                             "x: --threads is in --help but not in x.1\n"
                             "x: --level: short option ' ' in --help, 'j' in x.1\n"
                             "x: --level: argument \"N\" in --help, \"M\" in x.1\n"
                             "x: --extra is in x.1 but not in --help\n"
                             "x: --jsn is in the synopsis of x.1 but not in --help\n"
                             "x: -z is in the synopsis of x.1 but not in --help\n");
    page_free(&pg);
}

/* The man pages in man/ (*.1 and *.5, not the fragments), sorted. */
static size_t man_pages(char names[][64], size_t max)
{
    DIR *d = opendir(tu_src("man"));
    struct dirent *e;
    size_t n = 0, i, j;
    cr_assert_not_null(d, "cannot open man/");
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 3 || len >= 64 || e->d_name[len - 2] != '.' ||
            (e->d_name[len - 1] != '1' && e->d_name[len - 1] != '5'))
            continue;
        cr_assert_lt(n, max);
        strcpy(names[n++], e->d_name);
    }
    closedir(d);
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[64];
            strcpy(t, names[j]);
            strcpy(names[j], names[j - 1]);
            strcpy(names[j - 1], t);
        }
    return n;
}

Test(man, page_headers)
{
    char pages[64][64], *out = NULL, *err = NULL, version[64], want[96];
    size_t n = man_pages(pages, 64), i;
    msgs m = {"", 0};

    cr_assert_eq(tu_run(&out, &err, "--version"), 0);
    cr_assert_eq(sscanf(out, "docseal %63s", version), 1, "docseal --version: %s", out);
    free(out);
    free(err);
    cr_assert_geq(n, 13, "only %zu man pages in man/", n);
    for (i = 0; i < n; i++) {
        char rel[80], th[256], title[64], name_line[128], *dot;
        size_t k, from, to, len;
        page pg;
        snprintf(rel, sizeof rel, "man/%s", pages[i]);
        page_load(&pg, rel);
        /* .TH TITLE SECTION "YYYY-MM-DD" "docseal VERSION" "docseal manual" */
        for (k = 0; k < pg.n && strncmp(pg.line[k], ".TH ", 4) != 0; k++)
            ;
        if (k == pg.n) {
            msg_add(&m, "%s: no .TH line", rel);
            page_free(&pg);
            continue;
        }
        strcpy(title, pages[i]);
        dot = strrchr(title, '.');
        *dot = '\0';
        for (dot = title; *dot; dot++)
            *dot = (char)toupper((unsigned char)*dot);
        roff_plain(th, sizeof th, pg.line[k]);
        snprintf(want, sizeof want, "%s %c ", title, pages[i][strlen(pages[i]) - 1]);
        len = strlen(want);
        if (strncmp(th, want, len) != 0 || strlen(th) < len + 10 ||
            strspn(th + len, "0123456789") != 4 || th[len + 4] != '-' || th[len + 7] != '-') {
            msg_add(&m, "%s: .TH is \"%s\", want \"%sYYYY-MM-DD docseal %s docseal manual\"", rel,
                    th, want, version);
        } else {
            char full[256];
            snprintf(full, sizeof full, "%s%.10s docseal %s docseal manual", want, th + len,
                     version);
            if (strcmp(th, full) != 0)
                msg_add(&m, "%s: .TH is \"%s\", want \"%s\"", rel, th, full);
        }
        /* NAME: "docseal\-add \- ..." for docseal-add.1 */
        if (page_section(&pg, ".SH", "NAME", 0, pg.n, &from, &to) < 0 || from == to) {
            msg_add(&m, "%s: no NAME section", rel);
        } else {
            roff_plain(name_line, sizeof name_line, pg.line[from]);
            snprintf(want, sizeof want, "%.*s - ", (int)(strrchr(pages[i], '.') - pages[i]),
                     pages[i]);
            if (strncmp(name_line, want, strlen(want)) != 0)
                msg_add(&m, "%s: NAME line is \"%s\", want \"%s...\"", rel, name_line, want);
        }
        page_free(&pg);
    }
    cr_expect_eq(m.count, 0, "%s", m.text);
}

/* Run cmd (a shell command) and return its standard output and error. */
static char *capture(const char *cmd)
{
    FILE *f = popen(cmd, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0, r;
    cr_assert_not_null(f, "popen %s", cmd);
    do {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            cr_assert_not_null(buf);
        }
        r = fread(buf + len, 1, cap - len - 1, f);
        len += r;
    } while (r > 0);
    buf[len] = '\0';
    pclose(f);
    return buf;
}

static int have(const char *tool)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

Test(man, mandoc_lint_is_clean)
{
    char pages[64][64];
    size_t n = man_pages(pages, 64), i;
    msgs m = {"", 0};
    if (!have("mandoc"))
        cr_skip_test("mandoc is not installed");
    for (i = 0; i < n; i++) {
        char cmd[1024], *out;
        snprintf(cmd, sizeof cmd, "mandoc -T lint -W warning '%s/man/%s' 2>&1", DS_SOURCE_DIR,
                 pages[i]);
        out = capture(cmd);
        if (*out)
            msg_add(&m, "%s", out);
        free(out);
    }
    cr_expect_eq(m.count, 0, "mandoc -T lint -W warning:\n%s", m.text);
}

Test(man, man_renders_without_warnings)
{
    char pages[64][64];
    size_t n = man_pages(pages, 64), i;
    msgs m = {"", 0};
    if (!have("man") || !have("groff"))
        cr_skip_test("man or groff is not installed");
    for (i = 0; i < n; i++) {
        char cmd[1024], *out;
        /* stderr only: warnings such as "table wider than line width" */
        snprintf(cmd, sizeof cmd,
                 "MANWIDTH=80 man --warnings -l '%s/man/%s' 2>&1 >/dev/null | "
                 "grep -v '^$'",
                 DS_SOURCE_DIR, pages[i]);
        out = capture(cmd);
        if (*out)
            msg_add(&m, "man/%s: %s", pages[i], out);
        free(out);
    }
    cr_expect_eq(m.count, 0, "man -l:\n%s", m.text);
}
