/*
 * html.c - the HTML article extractor: entry point and shared DOM helpers.
 *
 * Flow of ds__html_extract():
 *   1. html_charset.c decodes the page to clean UTF-8 (BOM, <meta charset>,
 *      http-equiv, else UTF-8; invalid bytes become U+FFFD, never a crash);
 *   2. libxml2's HTML parser builds the tree in recover mode, with no network
 *      access and the (already handled) encoding declaration ignored;
 *   3. html_meta.c reads the metadata from the untouched tree;
 *   4. html_extract.c finds the article body and emits its blocks.
 *
 * Depth: libxml2 refuses to nest deeper than 256 elements unless
 * XML_PARSE_HUGE is given, and then silently drops the rest of the page (a
 * page with a few hundred unclosed <font> tags loses its article). Its HTML
 * parser and tree freeing are iterative, so we pass XML_PARSE_HUGE and keep
 * every walk of our own iterative (parent/next pointers, no recursion); the
 * input size limit (DS__HTML_MAX_INPUT) bounds memory.
 */
#include "docseal/html.h"
#include "html_internal.h"
#include "normalize_internal.h"
#include "util.h"

#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_once_t ds__xml_once = PTHREAD_ONCE_INIT;

#define HTML_OPTIONS                                                                               \
    (HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |           \
     HTML_PARSE_COMPACT | HTML_PARSE_IGNORE_ENC | XML_PARSE_HUGE)

/* ---- DOM helpers ---- */

xmlNode *ds__html_walk_next(xmlNode *n, const xmlNode *root, int descend)
{
    if (descend && n->children != NULL)
        return n->children;
    while (n != root && n->next == NULL)
        n = n->parent;
    return n == root ? NULL : n->next;
}

const char *ds__html_attr(const xmlNode *n, const char *name)
{
    const xmlAttr *a;
    if (n == NULL || n->type != XML_ELEMENT_NODE)
        return NULL;
    for (a = n->properties; a != NULL; a = a->next) {
        if (a->name != NULL && strcmp((const char *)a->name, name) == 0) {
            if (a->children != NULL && a->children->content != NULL)
                return (const char *)a->children->content;
            return "";
        }
    }
    return NULL;
}

int ds__html_is(const xmlNode *n, const char *tag)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->name != NULL &&
           strcmp((const char *)n->name, tag) == 0;
}

const char *ds__html_strcasestr(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    if (hay == NULL)
        return NULL;
    for (; *hay != '\0'; hay++) {
        size_t i = 0;
        while (i < nl && hay[i] != '\0') {
            char a = hay[i], b = needle[i];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (char)(b - 'A' + 'a');
            if (a != b)
                break;
            i++;
        }
        if (i == nl)
            return hay;
    }
    return NULL;
}

/* Length of a whitespace character at s (ASCII space, NBSP U+00A0, the
 * U+2000..U+200A spaces, U+202F, U+205F, U+3000), else 0. */
static size_t space_len(const unsigned char *s)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
        return 1;
    if (s[0] == 0xC2 && s[1] == 0xA0)
        return 2;
    if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] <= 0x8A || s[2] == 0xAF))
        return s[2] >= 0x80 ? 3 : 0;
    if (s[0] == 0xE2 && s[1] == 0x81 && s[2] == 0x9F)
        return 3;
    if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
        return 3;
    return 0;
}

/* windows-1252 meanings of U+0080..U+009F (0 where undefined). */
static const unsigned short c1_map[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

int ds__html_put_text(ds__buf *b, const char *text, int *space)
{
    const unsigned char *s = (const unsigned char *)text;
    int err;
    while (*s != '\0') {
        size_t sl = space_len(s);
        const unsigned char *run;
        if (sl > 0) {
            *space = 1;
            s += sl;
            continue;
        }
        if (*space) {
            if (b->len > 0 && (err = ds__buf_putc(b, ' ')) < 0)
                return err;
            *space = 0;
        }
        if (s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F) {
            unsigned cp = c1_map[s[1] - 0x80];
            char u[3];
            s += 2;
            if (cp == 0)
                continue;
            u[0] = (char)(0xE0 | (cp >> 12));
            u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
            u[2] = (char)(0x80 | (cp & 0x3F));
            if (cp < 0x800) {
                u[0] = (char)(0xC0 | (cp >> 6));
                u[1] = (char)(0x80 | (cp & 0x3F));
                if ((err = ds__buf_put(b, u, 2)) < 0)
                    return err;
            } else if ((err = ds__buf_put(b, u, 3)) < 0) {
                return err;
            }
            continue;
        }
        run = s;
        while (*s != '\0' && space_len(s) == 0 && !(s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F))
            s++;
        if ((err = ds__buf_put(b, run, (size_t)(s - run))) < 0)
            return err;
    }
    return 0;
}

char *ds__html_trim(char *s)
{
    size_t len, sl;
    char *p = s;
    if (s == NULL)
        return NULL;
    while ((sl = space_len((const unsigned char *)p)) > 0)
        p += sl;
    if (p != s)
        memmove(s, p, strlen(p) + 1);
    len = strlen(s);
    while (len > 0) {
        if (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' || s[len - 1] == '\r' ||
            s[len - 1] == '\f' || s[len - 1] == '\v')
            len--;
        else if (len >= 2 && (unsigned char)s[len - 2] == 0xC2 && (unsigned char)s[len - 1] == 0xA0)
            len -= 2;
        else
            break;
    }
    s[len] = '\0';
    return s;
}

/* Elements whose text is never reader-visible. */
static int is_invisible(const xmlNode *n)
{
    static const char *const tags[] = {"script", "style",  "noscript", "template",
                                       "head",   "svg",    "select",   "textarea",
                                       "button", "iframe", "object",   NULL};
    size_t i;
    if (n->type != XML_ELEMENT_NODE)
        return 0;
    for (i = 0; tags[i] != NULL; i++)
        if (strcmp((const char *)n->name, tags[i]) == 0)
            return 1;
    return 0;
}

/* Phrasing elements: no word break at their edges. */
static int is_phrasing(const xmlNode *n)
{
    static const char *const tags[] = {
        "a",      "abbr", "b",    "bdi",  "bdo", "big",  "cite",  "code",  "data",
        "del",    "dfn",  "em",   "font", "i",   "ins",  "kbd",   "label", "mark",
        "nobr",   "q",    "ruby", "rt",   "s",   "samp", "small", "span",  "strike",
        "strong", "sub",  "sup",  "time", "tt",  "u",    "var",   "wbr",   NULL};
    size_t i;
    for (i = 0; tags[i] != NULL; i++)
        if (strcmp((const char *)n->name, tags[i]) == 0)
            return 1;
    return strchr((const char *)n->name, '-') != NULL; /* custom elements */
}

int ds__html_text(ds__buf *b, const xmlNode *root, size_t max)
{
    const xmlNode *n = root;
    size_t start = b->len;
    int space = 0, err;
    if (root == NULL)
        return 0;
    while (n != NULL) {
        int descend = 1;
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            if (n->content != NULL &&
                (err = ds__html_put_text(b, (const char *)n->content, &space)) < 0)
                return err;
            if (b->len - start >= max)
                break;
        } else if (n->type != XML_ELEMENT_NODE || (n != root && is_invisible(n))) {
            descend = 0;
        } else if (!is_phrasing(n)) {
            space = 1;
        }
        if (descend && n->children != NULL) {
            n = n->children;
            continue;
        }
        /* leaving n and finished ancestors: block edges break words */
        for (;;) {
            if (n->type == XML_ELEMENT_NODE && !is_phrasing(n))
                space = 1;
            if (n == root || n->next != NULL)
                break;
            n = n->parent;
        }
        if (n == root)
            break;
        n = n->next;
    }
    if (b->len - start > max) {
        /* cut at a character boundary */
        size_t cut = start + max;
        while (cut > start && ((unsigned char)b->ptr[cut] & 0xC0) == 0x80)
            cut--;
        b->len = cut;
        b->ptr[cut] = '\0';
    }
    return 0;
}

/* ---- datelines ---- */

static int word_in(const char *w, size_t len, const char *const *list)
{
    size_t i;
    for (i = 0; list[i] != NULL; i++)
        if (strlen(list[i]) == len && strncasecmp(w, list[i], len) == 0)
            return 1;
    return 0;
}

/* A block that only says when: "Posted: Fri 6:45 PM, Feb 16, 2018 |",
 * "Updated Nov 19, 6:55 AM", "Jun 7, 2023, 8:54 PM UTC". */
int ds__html_is_dateline(const char *s)
{
    /* words that may surround a date, and words that name a time */
    static const char *const filler[] = {"posted", "updated", "published", "last", "modified",
                                         "on",     "at",      "date",      "time", "and",
                                         "a",      "p",       "m",         NULL};
    static const char *const named[] = {
        "am",    "pm",        "utc",  "gmt",      "et",      "est",      "edt",       "ct",
        "cst",   "cdt",       "pt",   "pst",      "pdt",     "bst",      "cet",       "cest",
        "jan",   "january",   "feb",  "february", "mar",     "march",    "apr",       "april",
        "may",   "jun",       "june", "jul",      "july",    "aug",      "august",    "sep",
        "sept",  "september", "oct",  "october",  "nov",     "november", "dec",       "december",
        "mon",   "monday",    "tue",  "tues",     "tuesday", "wed",      "wednesday", "thu",
        "thurs", "thursday",  "fri",  "friday",   "sat",     "saturday", "sun",       "sunday",
        NULL};
    int digits = 0, names = 0;
    if (strlen(s) > 100)
        return 0;
    while (*s != '\0') {
        const char *w;
        const unsigned char *u = (const unsigned char *)s;
        if (u[0] >= 0x80) {
            /* dashes, bullets, middle dots and no-break spaces are punctuation */
            if (u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0x93 || u[2] == 0x94 || u[2] == 0xA2))
                s += 3;
            else if (u[0] == 0xC2 && (u[1] == 0xB7 || u[1] == 0xA0))
                s += 2;
            else
                return 0; /* other letters: not our word lists */
            continue;
        }
        if (!isalnum(u[0])) {
            s++;
            continue;
        }
        w = s;
        if (isdigit(u[0])) {
            size_t nd;
            while (isdigit((unsigned char)*s))
                s++;
            nd = (size_t)(s - w);
            if (isalpha((unsigned char)*s)) {
                /* 1st, 2nd, 18th */
                while (isalpha((unsigned char)*s))
                    s++;
                if ((size_t)(s - w) - nd > 2)
                    return 0;
            }
            digits++;
            continue;
        }
        while (isalnum((unsigned char)*s))
            s++;
        if (word_in(w, (size_t)(s - w), named))
            names++;
        else if (!word_in(w, (size_t)(s - w), filler))
            return 0;
    }
    return digits > 0 && names > 0;
}

/* ---- the article ---- */

void ds__html_article_free(ds__html_article *a)
{
    size_t i;
    if (a == NULL)
        return;
    free(a->title);
    free(a->byline);
    free(a->published_raw);
    free(a->published);
    free(a->modified);
    free(a->canonical_url);
    free(a->site_name);
    free(a->language);
    for (i = 0; i < a->block_count; i++)
        free(a->blocks[i]);
    free(a->blocks);
    free(a);
}

static int only_space(const char *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f')
            return 0;
    }
    return 1;
}

int ds__html_extract(ds__html_article **out, const char *data, size_t len, const char *name)
{
    ds__html_article *a = NULL;
    char *utf8 = NULL;
    size_t utf8_len = 0;
    const char *charset = NULL;
    htmlDocPtr doc = NULL;
    int err = 0;

    *out = NULL;
    if (name == NULL)
        name = "<html>";
    if (len > DS__HTML_MAX_INPUT) {
        err = ds__error_set(DS_ELIMIT, "%s: page too large (%zu bytes, at most %zu)", name, len,
                            DS__HTML_MAX_INPUT);
        goto done;
    }
    if (len == 0 || only_space(data, len)) {
        err = ds__error_set(DS_EINVALID, "%s: empty document", name);
        goto done;
    }
    if ((err = ds__html_to_utf8(&utf8, &utf8_len, &charset, data, len)) < 0) {
        if (err == DS_ELIMIT)
            err = ds__error_set(DS_ELIMIT, "%s: page too large once decoded from %s", name,
                                charset != NULL ? charset : "its charset");
        goto done;
    }
    if (utf8_len > INT_MAX) {
        err =
            ds__error_set(DS_ELIMIT, "%s: page too large once decoded (%zu bytes)", name, utf8_len);
        goto done;
    }
    /* libxml2 wants one xmlInitParser() before threads parse at once (the
     * bundle writer normalizes several documents in parallel). */
    pthread_once(&ds__xml_once, xmlInitParser);
    doc = htmlReadMemory(utf8, (int)utf8_len, NULL, "UTF-8", HTML_OPTIONS);
    free(utf8);
    utf8 = NULL;
    if (doc == NULL || xmlDocGetRootElement(doc) == NULL) {
        err = ds__error_set(DS_EINVALID, "%s: not parseable as HTML", name);
        goto done;
    }
    if ((a = ds__calloc(1, sizeof(*a))) == NULL) {
        err = DS_ENOMEM;
        goto done;
    }
    if ((err = ds__html_meta(a, doc)) < 0)
        goto done;
    if ((err = ds__html_body(a, doc)) < 0)
        goto done;
    *out = a;
    a = NULL;
done:
    free(utf8);
    if (doc != NULL)
        xmlFreeDoc(doc);
    ds__html_article_free(a);
    return err;
}

int ds__html_sniff(const char *data, size_t len)
{
    static const char *const starts[] = {
        "<!doctype html", "<html", "<head", "<body",    "<meta", "<title",  "<!--",   "<?xml",
        "<div",           "<p>",   "<p ",   "<article", "<link", "<script", "<style", NULL};
    size_t i = 0, k;
    if (len >= 2 && (((unsigned char)data[0] == 0xFF && (unsigned char)data[1] == 0xFE) ||
                     ((unsigned char)data[0] == 0xFE && (unsigned char)data[1] == 0xFF))) {
        /* UTF-16 with a byte order mark: sniff the ASCII characters of its start */
        char narrow[64];
        size_t m = 0, j, lo = (unsigned char)data[0] == 0xFF ? 0 : 1;
        for (j = 2; j + 1 < len && m < sizeof narrow; j += 2) {
            if (data[j + 1 - lo] != 0)
                break;
            narrow[m++] = data[j + lo];
        }
        return m > 0 && ds__html_sniff(narrow, m);
    }
    if (len >= 3 && (unsigned char)data[0] == 0xEF && (unsigned char)data[1] == 0xBB &&
        (unsigned char)data[2] == 0xBF)
        i = 3;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t' ||
                       data[i] == '\f'))
        i++;
    for (k = 0; starts[k] != NULL; k++) {
        size_t n = strlen(starts[k]), j;
        if (len - i < n)
            continue;
        for (j = 0; j < n; j++) {
            char c = data[i + j];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != starts[k][j])
                break;
        }
        if (j == n)
            return 1;
    }
    return 0;
}

/* ---- public API (docseal/html.h) ---- */

int ds_html_extract(ds_document **out, const void *data, size_t len,
                    const ds_normalize_options *opts)
{
    ds_normalize_options o;
    ds__normalize_options_copy(&o, opts); /* by the caller's version */
    o.format = DS_FORMAT_HTML;
    return ds_normalize_buffer(out, data, len, &o);
}

int ds_html_sniff(const void *data, size_t len)
{
    return data != NULL && ds__html_sniff(data, len);
}
