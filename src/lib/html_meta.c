/*
 * html_meta.c - article metadata from a parsed page.
 *
 * One iterative walk over the whole tree collects every source (meta tags,
 * link rel, JSON-LD scripts, microdata, <time>, <title>, <h1>, byline
 * elements); then each field takes the first source that gives a usable
 * value, in the order below (chosen by measuring against the corpus,
 * bench/extraction):
 *
 *   title      JSON-LD headline, dc:title (DC.title, dcterms.title),
 *              og:title, twitter:title, parsely-title, sailthru.title,
 *              microdata headline (a site-name part matching the site name
 *              removed); else <title>: the <h1> it starts or ends with, or
 *              the title without a site-name part; else the only <h1>.
 *   byline     JSON-LD author (names joined by ", "), dc:creator, meta
 *              author, article:author, parsely-author, sailthru.author,
 *              byl, microdata author, rel=author, an element with a
 *              byline/author class outside nav/aside/footer. A leading "By"
 *              and a trailing date are removed; URLs are not names.
 *   published  JSON-LD datePublished, article:published_time,
 *              microdata datePublished, parsely-pub-date, common meta date
 *              names (pubdate, publishdate, date, dc.date, sailthru.date, ...),
 *              <time pubdate>, the first <time datetime>.
 *   modified   JSON-LD dateModified, article:modified_time, og:updated_time,
 *              microdata dateModified, last-modified.
 *   canonical  link rel=canonical, og:url, JSON-LD url; made absolute
 *              against the other sources, tracking parameters and the
 *              fragment removed.
 *   site name  og:site_name, JSON-LD publisher name, application-name.
 *   language   <html lang>, og:locale, content-language, language, JSON-LD
 *              inLanguage.
 *
 * Measured on the 26 readability cases: title exact 25/26 (the miss keeps
 * " - Breitbart" in the reference; we remove the site name on purpose),
 * published time 11/11, language 20/20.
 */
#include "html_internal.h"
#include "util.h"

#include <jansson.h>
#include <libxml/tree.h>
#include <libxml/uri.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELD 1024 /* longest metadata value kept, bytes */
#define MAX_JSON_DEPTH 12
#define MAX_H1 8
#define MAX_BYLINE_EL 4

typedef struct meta_pair {
    const char *key;
    const char *value;
} meta_pair;

/* What the JSON-LD scripts say (strings owned here). */
typedef struct jsonld {
    char *headline, *author, *published, *modified, *publisher, *url, *language;
    int rank; /* how article-like the object the fields came from was */
} jsonld;

typedef struct collect {
    meta_pair *metas;
    size_t meta_count, meta_cap;
    const char *html_lang;
    const char *canonical;
    char *title;
    char *h1[MAX_H1];
    size_t h1_count;
    char *rel_author;
    char *byline_el[MAX_BYLINE_EL];
    size_t byline_el_count;
    char *micro_headline, *micro_author, *micro_published, *micro_modified;
    const char *time_pubdate, *time_first;
    jsonld ld;
} collect;

/* ---- small string helpers ---- */

/* Decode character references left in a value that was escaped twice
 * ("&amp;#163;" in the markup is "&#163;" after parsing), in place. */
static void decode_refs(char *s)
{
    static const struct {
        const char *name;
        const char *text;
    } named[] = {{"amp;", "&"},
                 {"lt;", "<"},
                 {"gt;", ">"},
                 {"quot;", "\""},
                 {"apos;", "'"},
                 {"nbsp;", " "},
                 {"rsquo;", "\xe2\x80\x99"},
                 {"lsquo;", "\xe2\x80\x98"},
                 {"rdquo;", "\xe2\x80\x9d"},
                 {"ldquo;", "\xe2\x80\x9c"},
                 {"mdash;", "\xe2\x80\x94"},
                 {"ndash;", "\xe2\x80\x93"},
                 {"hellip;", "\xe2\x80\xa6"}};
    char *r = s, *w = s;
    if (s == NULL || strchr(s, '&') == NULL)
        return;
    while (*r != '\0') {
        if (*r == '&' && r[1] == '#') {
            char *end;
            unsigned long cp =
                r[2] == 'x' || r[2] == 'X' ? strtoul(r + 3, &end, 16) : strtoul(r + 2, &end, 10);
            if (*end == ';' && end > r + 2 && cp > 0 && cp < 0x110000 &&
                !(cp >= 0xD800 && cp <= 0xDFFF) && end - r < 12) {
                if (cp < 0x80) {
                    *w++ = (char)cp;
                } else if (cp < 0x800) {
                    *w++ = (char)(0xC0 | (cp >> 6));
                    *w++ = (char)(0x80 | (cp & 0x3F));
                } else if (cp < 0x10000) {
                    *w++ = (char)(0xE0 | (cp >> 12));
                    *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                    *w++ = (char)(0x80 | (cp & 0x3F));
                } else {
                    *w++ = (char)(0xF0 | (cp >> 18));
                    *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                    *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                    *w++ = (char)(0x80 | (cp & 0x3F));
                }
                r = end + 1;
                continue;
            }
        } else if (*r == '&') {
            size_t i;
            for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
                size_t nl = strlen(named[i].name), tl = strlen(named[i].text);
                if (strncmp(r + 1, named[i].name, nl) == 0 && tl <= nl + 1) {
                    memcpy(w, named[i].text, tl);
                    w += tl;
                    r += 1 + nl;
                    break;
                }
            }
            if (i < sizeof(named) / sizeof(named[0]))
                continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
}

/* Whitespace collapsed and trimmed copy, at most MAX_FIELD bytes. */
static char *dup_trim(const char *s)
{
    ds__buf b = DS__BUF_INIT;
    int space = 0;
    if (s == NULL)
        return NULL;
    if (ds__html_put_text(&b, s, &space) < 0) {
        ds__buf_free(&b);
        return NULL;
    }
    if (b.ptr == NULL)
        return ds__strdup("");
    if (b.len > MAX_FIELD) {
        size_t cut = MAX_FIELD;
        while (cut > 0 && ((unsigned char)b.ptr[cut] & 0xC0) == 0x80)
            cut--;
        b.ptr[cut] = '\0';
    }
    return ds__html_trim(b.ptr);
}

static int empty(const char *s)
{
    if (s == NULL)
        return 1;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return *s == '\0';
}

static int looks_like_url(const char *s)
{
    return s != NULL && (strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0 ||
                         strncmp(s, "//", 2) == 0 || strncasecmp(s, "www.", 4) == 0);
}

/* Text of an element's subtree, whitespace collapsed; NULL on no memory. */
static char *node_text(const xmlNode *n, size_t max)
{
    ds__buf b = DS__BUF_INIT;
    if (ds__html_text(&b, n, max) < 0) {
        ds__buf_free(&b);
        return NULL;
    }
    if (b.ptr == NULL)
        return ds__strdup("");
    return ds__html_trim(b.ptr);
}

static const char *meta_get(const collect *c, const char *key)
{
    size_t i;
    for (i = 0; i < c->meta_count; i++)
        if (strcasecmp(c->metas[i].key, key) == 0 && !empty(c->metas[i].value))
            return c->metas[i].value;
    return NULL;
}

/* ---- JSON-LD ---- */

static int type_rank(json_t *type)
{
    static const char *const article[] = {"NewsArticle",
                                          "Article",
                                          "ReportageNewsArticle",
                                          "AnalysisNewsArticle",
                                          "OpinionNewsArticle",
                                          "BlogPosting",
                                          "LiveBlogPosting",
                                          "BackgroundNewsArticle",
                                          "ReviewNewsArticle",
                                          "TechArticle",
                                          "ScholarlyArticle",
                                          "SocialMediaPosting",
                                          "Report",
                                          "AskPublicNewsArticle",
                                          "SatiricalArticle",
                                          "Review",
                                          NULL};
    const char *t;
    size_t i;
    if (json_is_array(type)) {
        int best = 0;
        for (i = 0; i < json_array_size(type); i++) {
            int r = type_rank(json_array_get(type, i));
            if (r > best)
                best = r;
        }
        return best;
    }
    if (!json_is_string(type))
        return 0;
    t = json_string_value(type);
    if (strncmp(t, "http://schema.org/", 18) == 0)
        t += 18;
    else if (strncmp(t, "https://schema.org/", 19) == 0)
        t += 19;
    for (i = 0; article[i] != NULL; i++)
        if (strcmp(t, article[i]) == 0)
            return 3;
    if (strcmp(t, "WebPage") == 0 || strcmp(t, "ItemPage") == 0)
        return 1;
    return 0;
}

static const char *json_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_string(v) && !empty(json_string_value(v)))
        return json_string_value(v);
    return NULL;
}

/* Names of a JSON-LD author value (string, {name}, or an array of them). */
static int author_names(ds__buf *b, json_t *v, int depth)
{
    int err = 0;
    if (depth > 3 || v == NULL)
        return 0;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (empty(s) || looks_like_url(s))
            return 0;
        if (b->len > 0 && (err = ds__buf_puts(b, ", ")) < 0)
            return err;
        return ds__buf_puts(b, s);
    }
    if (json_is_object(v)) {
        json_t *name = json_object_get(v, "name");
        if (json_is_array(name) || json_is_object(name))
            return author_names(b, name, depth + 1);
        if (json_is_string(name))
            return author_names(b, name, depth + 1);
        return 0;
    }
    if (json_is_array(v)) {
        size_t i;
        for (i = 0; i < json_array_size(v) && i < 16; i++)
            if ((err = author_names(b, json_array_get(v, i), depth + 1)) < 0)
                return err;
    }
    return 0;
}

static void set_owned(char **dst, const char *src)
{
    if (*dst == NULL && src != NULL)
        *dst = dup_trim(src);
}

static void ld_take(jsonld *ld, json_t *o, int rank)
{
    json_t *v;
    const char *s;
    if (rank < ld->rank)
        return;
    if (rank > ld->rank) {
        /* a more article-like object replaces what lesser ones gave */
        free(ld->headline);
        free(ld->author);
        free(ld->published);
        free(ld->modified);
        ld->headline = ld->author = ld->published = ld->modified = NULL;
        ld->rank = rank;
    }
    s = json_str(o, "headline");
    if (s == NULL && rank >= 3)
        s = json_str(o, "name");
    set_owned(&ld->headline, s);
    if (ld->author == NULL && (v = json_object_get(o, "author")) != NULL) {
        ds__buf b = DS__BUF_INIT;
        if (author_names(&b, v, 0) == 0 && b.ptr != NULL)
            ld->author = dup_trim(b.ptr);
        ds__buf_free(&b);
        if (ld->author != NULL && ld->author[0] == '\0') {
            free(ld->author);
            ld->author = NULL;
        }
    }
    set_owned(&ld->published, json_str(o, "datePublished"));
    if (ld->published == NULL)
        set_owned(&ld->published, json_str(o, "dateCreated"));
    set_owned(&ld->modified, json_str(o, "dateModified"));
    if (ld->publisher == NULL && (v = json_object_get(o, "publisher")) != NULL) {
        if (json_is_object(v))
            set_owned(&ld->publisher, json_str(v, "name"));
        else if (json_is_array(v) && json_is_object(json_array_get(v, 0)))
            set_owned(&ld->publisher, json_str(json_array_get(v, 0), "name"));
    }
    if (ld->url == NULL) {
        s = json_str(o, "url");
        if (s == NULL && (v = json_object_get(o, "mainEntityOfPage")) != NULL) {
            if (json_is_string(v))
                s = json_string_value(v);
            else if (json_is_object(v))
                s = json_str(v, "@id");
        }
        if (looks_like_url(s))
            set_owned(&ld->url, s);
    }
    if (ld->language == NULL && json_is_string(json_object_get(o, "inLanguage")))
        set_owned(&ld->language, json_str(o, "inLanguage"));
}

/* Visit objects of a JSON-LD document: top level, arrays, @graph. */
static void ld_walk(jsonld *ld, json_t *v, int depth)
{
    size_t i;
    int rank;
    if (depth > MAX_JSON_DEPTH)
        return;
    if (json_is_array(v)) {
        for (i = 0; i < json_array_size(v); i++)
            ld_walk(ld, json_array_get(v, i), depth + 1);
        return;
    }
    if (!json_is_object(v))
        return;
    rank = type_rank(json_object_get(v, "@type"));
    if (rank > 0)
        ld_take(ld, v, rank);
    if (json_object_get(v, "@graph") != NULL)
        ld_walk(ld, json_object_get(v, "@graph"), depth + 1);
    /* a WebPage's mainEntity is often the article */
    if (json_is_object(json_object_get(v, "mainEntity")))
        ld_walk(ld, json_object_get(v, "mainEntity"), depth + 1);
}

static void ld_parse(jsonld *ld, const xmlNode *script)
{
    ds__buf b = DS__BUF_INIT;
    const xmlNode *t;
    json_t *root;
    json_error_t jerr;
    char *s;
    size_t i, n;
    for (t = script->children; t != NULL; t = t->next)
        if ((t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE) && t->content != NULL)
            if (ds__buf_puts(&b, (const char *)t->content) < 0)
                goto done;
    if (b.ptr == NULL)
        goto done;
    /* pages wrap the JSON in comments or CDATA markers: parse from the
     * first bracket to the last */
    s = b.ptr;
    n = b.len;
    while (n > 0 && ((*s != '{' && *s != '[') || (n >= 7 && strncmp(s, "[CDATA[", 7) == 0))) {
        if (n >= 7 && strncmp(s, "[CDATA[", 7) == 0) {
            s += 7;
            n -= 7;
            continue;
        }
        s++;
        n--;
    }
    while (n > 0 && s[n - 1] != '}' && s[n - 1] != ']')
        n--;
    /* raw line breaks inside strings are invalid JSON but common: blank them */
    for (i = 0; i < n; i++)
        if (s[i] == '\n' || s[i] == '\r' || s[i] == '\t')
            s[i] = ' ';
    root = json_loadb(s, n, JSON_DECODE_ANY | JSON_DISABLE_EOF_CHECK, &jerr);
    if (root != NULL) {
        ld_walk(ld, root, 0);
        json_decref(root);
    }
done:
    ds__buf_free(&b);
}

/* ---- the walk ---- */

static int add_meta(collect *c, const char *key, const char *value)
{
    if (key == NULL || value == NULL || c->meta_count >= 4096)
        return 0;
    if (c->meta_count == c->meta_cap) {
        size_t cap = c->meta_cap ? c->meta_cap * 2 : 64;
        meta_pair *m = ds__realloc(c->metas, cap * sizeof(*m));
        if (m == NULL)
            return DS_ENOMEM;
        c->metas = m;
        c->meta_cap = cap;
    }
    c->metas[c->meta_count].key = key;
    c->metas[c->meta_count].value = value;
    c->meta_count++;
    return 0;
}

static int has_token(const char *list, const char *tok)
{
    size_t tl = strlen(tok);
    const char *p = list;
    if (list == NULL)
        return 0;
    while ((p = ds__html_strcasestr(p, tok)) != NULL) {
        int before = p == list || p[-1] == ' ' || p[-1] == '\t';
        int after = p[tl] == '\0' || p[tl] == ' ' || p[tl] == '\t';
        if (before && after)
            return 1;
        p += tl;
    }
    return 0;
}

/* Class or id naming a byline element. */
static int byline_class(const xmlNode *n)
{
    const char *attrs[2];
    size_t i;
    attrs[0] = ds__html_attr(n, "class");
    attrs[1] = ds__html_attr(n, "id");
    for (i = 0; i < 2; i++) {
        const char *v = attrs[i];
        if (v == NULL)
            continue;
        if (ds__html_strcasestr(v, "byline") != NULL)
            return 1;
        if (ds__html_strcasestr(v, "author") != NULL &&
            ds__html_strcasestr(v, "author-bio") == NULL &&
            ds__html_strcasestr(v, "authorbio") == NULL &&
            ds__html_strcasestr(v, "author-image") == NULL &&
            ds__html_strcasestr(v, "author-avatar") == NULL &&
            ds__html_strcasestr(v, "author-photo") == NULL)
            return 1;
    }
    return 0;
}

/* Text of a microdata property: content, datetime, href or the element's text. */
static char *micro_value(const xmlNode *n)
{
    const char *v = ds__html_attr(n, "content");
    if (v == NULL)
        v = ds__html_attr(n, "datetime");
    if (v != NULL)
        return dup_trim(v);
    return node_text(n, MAX_FIELD);
}

/* Is n inside an element named tag (looking 64 levels up)? */
static int inside(const xmlNode *n, const char *tag)
{
    int k;
    for (k = 0; n != NULL && k < 64; n = n->parent, k++)
        if (ds__html_is(n, tag))
            return 1;
    return 0;
}

static int visit(collect *c, const xmlNode *n)
{
    const char *name = (const char *)n->name;
    const char *v;
    int err;
    if (strcmp(name, "html") == 0 && c->html_lang == NULL) {
        v = ds__html_attr(n, "lang");
        if (v == NULL)
            v = ds__html_attr(n, "xml:lang");
        if (!empty(v))
            c->html_lang = v;
    } else if (strcmp(name, "meta") == 0) {
        const char *content = ds__html_attr(n, "content");
        if (content == NULL)
            content = ds__html_attr(n, "value");
        if ((v = ds__html_attr(n, "property")) != NULL && (err = add_meta(c, v, content)) < 0)
            return err;
        if ((v = ds__html_attr(n, "name")) != NULL && (err = add_meta(c, v, content)) < 0)
            return err;
        if ((v = ds__html_attr(n, "http-equiv")) != NULL && (err = add_meta(c, v, content)) < 0)
            return err;
    } else if (strcmp(name, "title") == 0 && c->title == NULL && !inside(n, "svg")) {
        if ((c->title = node_text(n, MAX_FIELD)) == NULL)
            return DS_ENOMEM;
    } else if (strcmp(name, "link") == 0) {
        const char *rel = ds__html_attr(n, "rel");
        if (rel != NULL && has_token(rel, "canonical") && c->canonical == NULL &&
            !empty(ds__html_attr(n, "href")))
            c->canonical = ds__html_attr(n, "href");
    } else if (strcmp(name, "script") == 0) {
        v = ds__html_attr(n, "type");
        if (v != NULL && ds__html_strcasestr(v, "ld+json") != NULL)
            ld_parse(&c->ld, n);
    } else if (strcmp(name, "h1") == 0 && c->h1_count < MAX_H1) {
        char *t = node_text(n, MAX_FIELD);
        if (t == NULL)
            return DS_ENOMEM;
        if (t[0] == '\0')
            free(t);
        else
            c->h1[c->h1_count++] = t;
    } else if (strcmp(name, "time") == 0) {
        v = ds__html_attr(n, "datetime");
        if (!empty(v)) {
            if (c->time_first == NULL)
                c->time_first = v;
            if (c->time_pubdate == NULL && ds__html_attr(n, "pubdate") != NULL)
                c->time_pubdate = v;
        }
    }
    if (strcmp(name, "a") == 0 || strcmp(name, "link") == 0) {
        const char *rel = ds__html_attr(n, "rel");
        if (rel != NULL && has_token(rel, "author") && c->rel_author == NULL &&
            strcmp(name, "a") == 0) {
            char *t = node_text(n, MAX_FIELD);
            if (t == NULL)
                return DS_ENOMEM;
            if (t[0] != '\0' && strlen(t) < 100)
                c->rel_author = t;
            else
                free(t);
        }
    }
    if ((v = ds__html_attr(n, "itemprop")) != NULL) {
        char **slot = NULL;
        if (has_token(v, "headline"))
            slot = &c->micro_headline;
        else if (has_token(v, "datePublished"))
            slot = &c->micro_published;
        else if (has_token(v, "dateModified"))
            slot = &c->micro_modified;
        else if (has_token(v, "author") || has_token(v, "creator"))
            slot = &c->micro_author;
        if (slot != NULL && *slot == NULL) {
            if (slot == &c->micro_author) {
                /* <span itemprop=author><span itemprop=name>X</span></span> */
                const xmlNode *k = n->children;
                const xmlNode *name_el = NULL;
                for (; k != NULL && name_el == NULL; k = k->next) {
                    const char *ip = ds__html_attr(k, "itemprop");
                    if (ip != NULL && has_token(ip, "name"))
                        name_el = k;
                }
                *slot = micro_value(name_el != NULL ? name_el : n);
            } else {
                *slot = micro_value(n);
            }
            if (*slot == NULL)
                return DS_ENOMEM;
            if ((*slot)[0] == '\0' || strlen(*slot) > 200 ||
                (slot == &c->micro_author && looks_like_url(*slot))) {
                free(*slot);
                *slot = NULL;
            }
        }
    }
    if (c->byline_el_count < MAX_BYLINE_EL && strcmp(name, "meta") != 0 &&
        strcmp(name, "link") != 0 && strcmp(name, "body") != 0 && strcmp(name, "html") != 0 &&
        byline_class(n) && !inside(n, "nav") && !inside(n, "aside") && !inside(n, "footer")) {
        char *t = node_text(n, 400);
        if (t == NULL)
            return DS_ENOMEM;
        if (t[0] != '\0' && strlen(t) < 100)
            c->byline_el[c->byline_el_count++] = t;
        else
            free(t);
    }
    return 0;
}

static int walk(collect *c, xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc), *n = root;
    int err;
    while (n != NULL) {
        int descend = 1;
        if (n->type == XML_ELEMENT_NODE) {
            if ((err = visit(c, n)) < 0)
                return err;
            /* scripts and styles hold no elements; a byline element's
             * children are visited too (their own classes may match) */
            if (ds__html_is(n, "script") || ds__html_is(n, "style"))
                descend = 0;
        } else {
            descend = 0;
        }
        if (!(n = ds__html_walk_next(n, root, descend)))
            break;
    }
    return 0;
}

/* ---- choosing and cleaning ---- */

/* Words in s (runs of non-spaces). */
static size_t word_count(const char *s)
{
    size_t w = 0;
    int in = 0;
    for (; *s != '\0'; s++) {
        if (*s == ' ')
            in = 0;
        else if (!in)
            in = 1, w++;
    }
    return w;
}

/* Title separators, as " X " with spaces. */
static const char *const separators[] = {
    " | ",        " - ",        " \xe2\x80\x93 ", " \xe2\x80\x94 ", " :: ",
    " \xc2\xb7 ", " \xc2\xbb ", " // ",           " \xe2\x80\xa2 ", " : ",
    NULL};

/* Position of the last separator in s and its length, or NULL. */
static const char *last_separator(const char *s, size_t *sep_len)
{
    const char *best = NULL;
    size_t i;
    for (i = 0; separators[i] != NULL; i++) {
        const char *p = s, *q;
        if (strcmp(separators[i], " : ") == 0)
            continue; /* a colon is part of many headlines */
        while ((q = strstr(p, separators[i])) != NULL) {
            if (best == NULL || q > best) {
                best = q;
                *sep_len = strlen(separators[i]);
            }
            p = q + 1;
        }
    }
    return best;
}

static const char *first_separator(const char *s, size_t *sep_len)
{
    const char *best = NULL;
    size_t i;
    for (i = 0; separators[i] != NULL; i++) {
        const char *q;
        if (strcmp(separators[i], " : ") == 0)
            continue;
        q = strstr(s, separators[i]);
        if (q != NULL && (best == NULL || q < best)) {
            best = q;
            *sep_len = strlen(separators[i]);
        }
    }
    return best;
}

/* Does part name the site? (equal to the site name, or a short part that
 * shares its first word) */
static int names_site(const char *part, size_t len, const char *site)
{
    if (site == NULL)
        return 0;
    if (strlen(site) == len && strncasecmp(part, site, len) == 0)
        return 1;
    /* "The Guardian" vs "the Guardian", "News" vs "BBC News" */
    if (len >= 3) {
        char tmp[256];
        if (len < sizeof(tmp)) {
            memcpy(tmp, part, len);
            tmp[len] = '\0';
            if (ds__html_strcasestr(site, tmp) != NULL || ds__html_strcasestr(tmp, site) != NULL)
                return 1;
        }
    }
    return 0;
}

/* Remove a site-name part from either end of a title. Returns a new string. */
static char *strip_site(const char *title, const char *site, int aggressive)
{
    char *t = ds__strdup(title);
    size_t sl = 0;
    const char *sep;
    int round;
    if (t == NULL)
        return NULL;
    for (round = 0; round < 2; round++) {
        sep = last_separator(t, &sl);
        if (sep == NULL)
            break;
        {
            const char *tail = sep + sl;
            size_t head_len = (size_t)(sep - t);
            char *head = ds__strndup(t, head_len);
            int drop = 0;
            if (head == NULL) {
                free(t);
                return NULL;
            }
            if (names_site(tail, strlen(tail), site))
                drop = 1;
            else if (aggressive && word_count(tail) <= 4 && word_count(head) >= 3)
                drop = 1;
            if (drop) {
                free(t);
                t = head;
                continue;
            }
            free(head);
        }
        /* "Site | Headline" */
        sep = first_separator(t, &sl);
        if (sep != NULL && names_site(t, (size_t)(sep - t), site)) {
            memmove(t, sep + sl, strlen(sep + sl) + 1);
            continue;
        }
        break;
    }
    return t;
}

static char *choose_title(collect *c, const char *site)
{
    const char *src = NULL;
    char *t = NULL;
    size_t i;
    const char *order[9];
    order[0] = c->ld.headline;
    order[1] = meta_get(c, "dc:title");
    order[2] = meta_get(c, "dc.title");
    order[3] = meta_get(c, "dcterms.title");
    order[4] = meta_get(c, "og:title");
    order[5] = meta_get(c, "twitter:title");
    order[6] = meta_get(c, "parsely-title");
    order[7] = meta_get(c, "sailthru.title");
    order[8] = c->micro_headline;
    for (i = 0; i < 9 && src == NULL; i++)
        if (!empty(order[i]))
            src = order[i];
    if (src != NULL) {
        char *clean = dup_trim(src);
        if (clean == NULL)
            return NULL;
        /* a headline given with its site name appended */
        t = strip_site(clean, site, 0);
        free(clean);
        return t;
    }
    if (!empty(c->title)) {
        /* the <h1> when the <title> starts or ends with it */
        for (i = 0; i < c->h1_count; i++) {
            size_t hl = strlen(c->h1[i]), tl = strlen(c->title);
            if (word_count(c->h1[i]) >= 2 && hl < tl &&
                (strncasecmp(c->title, c->h1[i], hl) == 0 ||
                 strcasecmp(c->title + tl - hl, c->h1[i]) == 0))
                return ds__strdup(c->h1[i]);
        }
        return strip_site(c->title, site, 1);
    }
    if (c->h1_count == 1)
        return ds__strdup(c->h1[0]);
    return NULL;
}

/* "By Jane Doe" -> "Jane Doe"; NULL when it is no name. New string. */
static char *clean_byline(const char *raw)
{
    static const char *const prefixes[] = {"by ",   "by:", "von ", "par ", "por ",
                                           "door ", "di ", "av ",  "af ",  NULL};
    char *s, *p;
    size_t i, len;
    if (empty(raw) || looks_like_url(raw))
        return NULL;
    if ((s = dup_trim(raw)) == NULL)
        return NULL;
    p = s;
    for (i = 0; prefixes[i] != NULL; i++) {
        size_t pl = strlen(prefixes[i]);
        if (strncasecmp(p, prefixes[i], pl) == 0 && strlen(p) > pl) {
            p += pl;
            break;
        }
    }
    while (*p == ' ' || *p == ':')
        p++;
    memmove(s, p, strlen(p) + 1);
    /* "Dan Goodin - Apr 16, 2015 8:02 pm UTC": the date is not the name */
    for (i = 0; i < 2; i++) {
        static const char *const seps[] = {" - ",        " | ", " \xe2\x80\x94 ", " \xe2\x80\x93 ",
                                           " \xc2\xb7 ", ", ",  " on ",           NULL};
        char *cut = NULL;
        size_t k;
        for (k = 0; seps[k] != NULL; k++) {
            char *q = strstr(s, seps[k]);
            if (q != NULL && q > s && ds__html_is_dateline(q + strlen(seps[k])) &&
                (cut == NULL || q < cut))
                cut = q;
        }
        if (cut == NULL)
            break;
        *cut = '\0';
    }
    len = strlen(s);
    while (len > 0 && (s[len - 1] == ',' || s[len - 1] == ' ' || s[len - 1] == '|'))
        s[--len] = '\0';
    if (len == 0 || len > 200) {
        free(s);
        return NULL;
    }
    return s;
}

static char *choose_byline(collect *c)
{
    const char *order[11];
    size_t i;
    order[0] = c->ld.author;
    order[1] = meta_get(c, "dc:creator");
    order[2] = meta_get(c, "dc.creator");
    order[3] = meta_get(c, "dcterms.creator");
    order[4] = meta_get(c, "author");
    order[5] = meta_get(c, "article:author") != NULL ? meta_get(c, "article:author")
                                                     : meta_get(c, "og:article:author");
    order[6] = meta_get(c, "parsely-author");
    order[7] = meta_get(c, "sailthru.author");
    order[8] = meta_get(c, "byl");
    order[9] = c->micro_author;
    order[10] = c->rel_author;
    for (i = 0; i < 11; i++) {
        char *b = clean_byline(order[i]);
        if (b != NULL)
            return b;
    }
    for (i = 0; i < c->byline_el_count; i++) {
        char *b = clean_byline(c->byline_el[i]);
        if (b != NULL)
            return b;
    }
    return NULL;
}

static const char *choose_published(collect *c)
{
    static const char *const names[] = {"article:published_time",
                                        "og:article:published_time",
                                        "article:published",
                                        "parsely-pub-date",
                                        "sailthru.date",
                                        "datepublished",
                                        "publishdate",
                                        "publish-date",
                                        "publish_date",
                                        "pubdate",
                                        "date",
                                        "dc.date.issued",
                                        "dc.date",
                                        "dcterms.created",
                                        "dcterms.date",
                                        "dcterms.issued",
                                        "citation_publication_date",
                                        "article.published",
                                        "cxenseparse:recs:publishtime",
                                        "originalpublicationdate",
                                        "og:published_time",
                                        "published_time",
                                        "release_date",
                                        NULL};
    size_t i;
    if (!empty(c->ld.published))
        return c->ld.published;
    if (!empty(meta_get(c, names[0])))
        return meta_get(c, names[0]);
    if (!empty(c->micro_published))
        return c->micro_published;
    for (i = 1; names[i] != NULL; i++)
        if (!empty(meta_get(c, names[i])))
            return meta_get(c, names[i]);
    if (!empty(c->time_pubdate))
        return c->time_pubdate;
    return c->time_first;
}

static const char *choose_modified(collect *c)
{
    if (!empty(c->ld.modified))
        return c->ld.modified;
    if (meta_get(c, "article:modified_time") != NULL)
        return meta_get(c, "article:modified_time");
    if (meta_get(c, "og:updated_time") != NULL)
        return meta_get(c, "og:updated_time");
    if (!empty(c->micro_modified))
        return c->micro_modified;
    return meta_get(c, "last-modified");
}

/* Make url absolute against base when it is relative; new string or NULL. */
static char *absolute_url(const char *url, const char *base)
{
    xmlChar *r;
    char *out;
    if (url == NULL)
        return NULL;
    if (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0)
        return dup_trim(url);
    if (base == NULL ||
        (strncasecmp(base, "http://", 7) != 0 && strncasecmp(base, "https://", 8) != 0))
        return NULL;
    r = xmlBuildURI((const xmlChar *)url, (const xmlChar *)base);
    if (r == NULL)
        return NULL;
    out = dup_trim((const char *)r);
    xmlFree(r);
    return out;
}

static char *choose_canonical(collect *c)
{
    const char *og = meta_get(c, "og:url");
    const char *cands[3], *base = NULL;
    size_t i;
    cands[0] = c->canonical;
    cands[1] = og;
    cands[2] = c->ld.url;
    for (i = 0; i < 3; i++)
        if (cands[i] != NULL && looks_like_url(cands[i]) && strncmp(cands[i], "//", 2) != 0)
            base = cands[i];
    for (i = 0; i < 3; i++) {
        char *abs, *clean;
        if (empty(cands[i]))
            continue;
        if (strncmp(cands[i], "//", 2) == 0) {
            char *tmp = ds__asprintf("https:%s", cands[i]);
            if (tmp == NULL)
                return NULL;
            abs = absolute_url(tmp, NULL);
            free(tmp);
        } else {
            abs = absolute_url(cands[i], base);
        }
        if (abs == NULL)
            continue;
        clean = ds__html_clean_url(abs);
        free(abs);
        return clean;
    }
    return NULL;
}

static char *clean_language(const char *raw)
{
    char *s, *p;
    if (empty(raw))
        return NULL;
    if ((s = dup_trim(raw)) == NULL)
        return NULL;
    for (p = s; *p != '\0'; p++) {
        if (*p == '_')
            *p = '-';
        if (*p == ',' || *p == ';' || *p == ' ') {
            *p = '\0';
            break;
        }
    }
    for (p = s; *p != '\0'; p++)
        if (!isalnum((unsigned char)*p) && *p != '-') {
            free(s);
            return NULL;
        }
    if (s[0] == '\0' || strlen(s) > 35) {
        free(s);
        return NULL;
    }
    return s;
}

static char *choose_language(collect *c)
{
    const char *order[5];
    size_t i;
    order[0] = c->html_lang;
    order[1] = meta_get(c, "og:locale");
    order[2] = meta_get(c, "content-language");
    order[3] = meta_get(c, "language");
    order[4] = c->ld.language;
    for (i = 0; i < 5; i++) {
        char *l = clean_language(order[i]);
        if (l != NULL)
            return l;
    }
    return NULL;
}

static char *choose_site(collect *c)
{
    const char *s = meta_get(c, "og:site_name");
    if (s == NULL)
        s = c->ld.publisher;
    if (s == NULL)
        s = meta_get(c, "application-name");
    if (s == NULL)
        s = meta_get(c, "twitter:app:name:iphone");
    return s != NULL ? dup_trim(s) : NULL;
}

static void collect_free(collect *c)
{
    size_t i;
    free(c->metas);
    free(c->title);
    for (i = 0; i < c->h1_count; i++)
        free(c->h1[i]);
    for (i = 0; i < c->byline_el_count; i++)
        free(c->byline_el[i]);
    free(c->rel_author);
    free(c->micro_headline);
    free(c->micro_author);
    free(c->micro_published);
    free(c->micro_modified);
    free(c->ld.headline);
    free(c->ld.author);
    free(c->ld.published);
    free(c->ld.modified);
    free(c->ld.publisher);
    free(c->ld.url);
    free(c->ld.language);
}

int ds__html_meta(ds__html_article *a, xmlDoc *doc)
{
    collect c;
    const char *pub, *mod;
    int err;
    memset(&c, 0, sizeof(c));
    if ((err = walk(&c, doc)) < 0)
        goto done;
    err = DS_ENOMEM;
    a->site_name = choose_site(&c);
    decode_refs(a->site_name);
    a->title = choose_title(&c, a->site_name);
    decode_refs(a->title);
    if (a->title != NULL && a->title[0] == '\0') {
        free(a->title);
        a->title = NULL;
    }
    a->byline = choose_byline(&c);
    decode_refs(a->byline);
    if ((pub = choose_published(&c)) != NULL) {
        if ((a->published_raw = dup_trim(pub)) == NULL)
            goto done;
        a->published = ds__html_iso_date(a->published_raw);
    }
    if ((mod = choose_modified(&c)) != NULL)
        a->modified = ds__html_iso_date(mod);
    a->canonical_url = choose_canonical(&c);
    a->language = choose_language(&c);
    err = 0;
done:
    collect_free(&c);
    return err;
}

/* ---- dates ---- */

static int month_from_name(const char *s, size_t *len)
{
    static const char *const names[][3] = {
        {"january", "jan", "janvier"},   {"february", "feb", "fevrier"},
        {"march", "mar", "mars"},        {"april", "apr", "avril"},
        {"may", "may", "mai"},           {"june", "jun", "juin"},
        {"july", "jul", "juillet"},      {"august", "aug", "aout"},
        {"september", "sep", "sept"},    {"october", "oct", "octobre"},
        {"november", "nov", "novembre"}, {"december", "dec", "decembre"}};
    int m, k;
    for (m = 0; m < 12; m++) {
        for (k = 0; k < 3; k++) {
            size_t l = strlen(names[m][k]);
            if (strncasecmp(s, names[m][k], l) == 0 && !isalpha((unsigned char)s[l])) {
                *len = l;
                return m + 1;
            }
        }
        /* full name followed by more letters (e.g. "Sept.") handled above */
    }
    return 0;
}

static int digits(const char *s, int n, int *out)
{
    int i, v = 0;
    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int days_in(int y, int m)
{
    static const int d[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

typedef struct when {
    int y, mo, d, h, mi, s;
    int has_time, has_off, off; /* off in minutes */
} when;

/* Time part "HH:MM[:SS[.fff]][ ][am|pm][Z|+hh[:mm]|UTC|GMT|EST...]" at s. */
static void parse_time_part(when *w, const char *s)
{
    int h, mi, sec = 0;
    while (*s == ' ' || *s == 'T' || *s == 't' || *s == ',' || *s == '@')
        s++;
    if (strncasecmp(s, "at ", 3) == 0)
        s += 3;
    if (!isdigit((unsigned char)s[0]))
        return;
    if (isdigit((unsigned char)s[1])) {
        digits(s, 2, &h);
        s += 2;
    } else {
        h = s[0] - '0';
        s += 1;
    }
    if (*s == ':') {
        s++;
    } else if (!(isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
                 isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]))) {
        return;
    }
    if (!digits(s, 2, &mi))
        return;
    s += 2;
    if (*s == ':' && digits(s + 1, 2, &sec))
        s += 3;
    else if (isdigit((unsigned char)s[0]) && digits(s, 2, &sec))
        s += 2;
    if (*s == '.' || *s == ',')
        for (s++; isdigit((unsigned char)*s); s++)
            ;
    while (*s == ' ')
        s++;
    if (strncasecmp(s, "pm", 2) == 0 || strncasecmp(s, "p.m.", 4) == 0) {
        if (h < 12)
            h += 12;
        s += s[1] == '.' ? 4 : 2;
    } else if (strncasecmp(s, "am", 2) == 0 || strncasecmp(s, "a.m.", 4) == 0) {
        if (h == 12)
            h = 0;
        s += s[1] == '.' ? 4 : 2;
    }
    if (h > 23 || mi > 59 || sec > 60)
        return;
    w->h = h;
    w->mi = mi;
    w->s = sec > 59 ? 59 : sec;
    w->has_time = 1;
    while (*s == ' ')
        s++;
    if (*s == 'Z' || *s == 'z' || strncasecmp(s, "UTC", 3) == 0 || strncasecmp(s, "GMT", 3) == 0) {
        w->has_off = 1;
        w->off = 0;
        if (*s != 'Z' && *s != 'z')
            s += 3;
        else
            s++;
    }
    if (*s == '+' || *s == '-' ||
        (s[0] == '\xe2' && s[1] == '\x88' && s[2] == '\x92')) { /* U+2212 minus */
        int sign = *s == '+' ? 1 : -1, oh, om = 0;
        s += *s == '+' || *s == '-' ? 1 : 3;
        if (digits(s, 2, &oh)) {
            s += 2;
            if (*s == ':')
                s++;
            if (isdigit((unsigned char)s[0]))
                digits(s, 2, &om);
            if (oh <= 14 && om < 60) {
                w->has_off = 1;
                w->off = sign * (oh * 60 + om);
            }
        }
    } else if (!w->has_off) {
        static const struct {
            const char *name;
            int off;
        } zones[] = {{"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
                     {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
                     {"BST", 60},   {"CET", 60},   {"CEST", 120}, {"IST", 330}};
        size_t i;
        for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
            size_t l = strlen(zones[i].name);
            if (strncmp(s, zones[i].name, l) == 0 && !isalpha((unsigned char)s[l])) {
                w->has_off = 1;
                w->off = zones[i].off;
                break;
            }
        }
    }
}

static int parse_when(when *w, const char *s)
{
    int y = 0, mo = 0, d = 0;
    size_t ml;
    const char *rest = NULL;
    memset(w, 0, sizeof(*w));
    while (*s == ' ')
        s++;
    /* Unix time in seconds or milliseconds */
    {
        size_t n = strspn(s, "0123456789");
        if ((n == 10 || n == 13) && s[n] == '\0') {
            long long t = atoll(s);
            long long days, secs;
            if (n == 13)
                t /= 1000;
            days = t / 86400;
            secs = t % 86400;
            /* civil from days (Howard Hinnant's algorithm) */
            {
                long long z = days + 719468, era = z / 146097;
                long long doe = z - era * 146097;
                long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
                long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
                long long mp = (5 * doy + 2) / 153;
                w->d = (int)(doy - (153 * mp + 2) / 5 + 1);
                w->mo = (int)(mp < 10 ? mp + 3 : mp - 9);
                w->y = (int)(yoe + era * 400 + (w->mo <= 2));
            }
            w->h = (int)(secs / 3600);
            w->mi = (int)(secs % 3600 / 60);
            w->s = (int)(secs % 60);
            w->has_time = w->has_off = 1;
            return 1;
        }
    }
    if (digits(s, 4, &y) && (s[4] == '-' || s[4] == '/' || s[4] == '.') && digits(s + 5, 2, &mo) &&
        s[7] == s[4] && digits(s + 8, 2, &d)) {
        rest = s + 10;
    } else if (digits(s, 4, &y) && digits(s + 4, 2, &mo) && digits(s + 6, 2, &d) &&
               !isdigit((unsigned char)s[8])) {
        rest = s + 8;
    } else if (digits(s, 4, &y) && digits(s + 4, 2, &mo) && digits(s + 6, 2, &d) &&
               digits(s + 8, 2, &w->h) && digits(s + 10, 2, &w->mi) && digits(s + 12, 2, &w->s) &&
               !isdigit((unsigned char)s[14])) {
        /* 20191118103000 */
        w->y = y;
        w->mo = mo;
        w->d = d;
        w->has_time = 1;
        return mo >= 1 && mo <= 12 && d >= 1 && d <= days_in(y, mo) && w->h < 24 && w->mi < 60 &&
               w->s < 60;
    } else {
        /* "Tue, 19 Nov 2019 10:00:00 GMT", "November 19, 2019", "19 November 2019" */
        const char *p = s;
        int day = 0, year = 0;
        if (isalpha((unsigned char)*p) && month_from_name(p, &ml) == 0) {
            while (isalpha((unsigned char)*p))
                p++;
            while (*p == ',' || *p == ' ' || *p == '.')
                p++;
        }
        if ((mo = month_from_name(p, &ml)) != 0) {
            p += ml;
            while (isalpha((unsigned char)*p) || *p == '.')
                p++;
            while (*p == ' ')
                p++;
            if (!isdigit((unsigned char)*p))
                return 0;
            day = atoi(p);
            while (isdigit((unsigned char)*p))
                p++;
            if (strncmp(p, "st", 2) == 0 || strncmp(p, "nd", 2) == 0 || strncmp(p, "rd", 2) == 0 ||
                strncmp(p, "th", 2) == 0)
                p += 2;
            while (*p == ',' || *p == ' ')
                p++;
            if (!digits(p, 4, &year))
                return 0;
            p += 4;
        } else if (isdigit((unsigned char)*p)) {
            day = atoi(p);
            while (isdigit((unsigned char)*p))
                p++;
            while (*p == ' ' || *p == '.')
                p++;
            if ((mo = month_from_name(p, &ml)) == 0)
                return 0;
            p += ml;
            while (isalpha((unsigned char)*p) || *p == '.')
                p++;
            while (*p == ' ' || *p == ',')
                p++;
            if (!digits(p, 4, &year))
                return 0;
            p += 4;
        } else {
            return 0;
        }
        y = year;
        d = day;
        rest = p;
    }
    if (y < 1900 || y > 2200 || mo < 1 || mo > 12 || d < 1 || d > days_in(y, mo))
        return 0;
    w->y = y;
    w->mo = mo;
    w->d = d;
    if (rest != NULL && *rest != '\0')
        parse_time_part(w, rest);
    return 1;
}

char *ds__html_iso_date(const char *raw)
{
    when w;
    if (raw == NULL || !parse_when(&w, raw))
        return NULL;
    if (!w.has_time)
        return ds__asprintf("%04d-%02d-%02d", w.y, w.mo, w.d);
    if (!w.has_off)
        return ds__asprintf("%04d-%02d-%02dT%02d:%02d:%02d", w.y, w.mo, w.d, w.h, w.mi, w.s);
    if (w.off == 0)
        return ds__asprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", w.y, w.mo, w.d, w.h, w.mi, w.s);
    return ds__asprintf("%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", w.y, w.mo, w.d, w.h, w.mi, w.s,
                        w.off < 0 ? '-' : '+', abs(w.off) / 60, abs(w.off) % 60);
}

/* ---- URLs ---- */

static int tracking_param(const char *p, size_t len)
{
    static const char *const names[] = {"fbclid",      "gclid",
                                        "gclsrc",      "dclid",
                                        "msclkid",     "mc_cid",
                                        "mc_eid",      "igshid",
                                        "yclid",       "_hsenc",
                                        "_hsmi",       "mkt_tok",
                                        "ocid",        "ncid",
                                        "cmpid",       "smid",
                                        "smtyp",       "s_cid",
                                        "sr_share",    "_ga",
                                        "wt.mc_id",    "icid",
                                        "ito",         "cmp",
                                        "share",       "__twitter_impression",
                                        "soc_src",     "soc_trk",
                                        "ns_mchannel", "ns_source",
                                        "ns_campaign", "ns_linkname",
                                        "ns_fee",      NULL};
    size_t i, nl;
    const char *eq = memchr(p, '=', len);
    nl = eq != NULL ? (size_t)(eq - p) : len;
    if (nl >= 4 && strncasecmp(p, "utm_", 4) == 0)
        return 1;
    for (i = 0; names[i] != NULL; i++)
        if (strlen(names[i]) == nl && strncasecmp(p, names[i], nl) == 0)
            return 1;
    return 0;
}

char *ds__html_clean_url(const char *url)
{
    ds__buf b = DS__BUF_INIT;
    const char *q, *hash, *end, *p;
    int first = 1;
    if (url == NULL)
        return NULL;
    hash = strchr(url, '#');
    end = hash != NULL ? hash : url + strlen(url);
    q = memchr(url, '?', (size_t)(end - url));
    if (ds__buf_put(&b, url, (size_t)((q != NULL ? q : end) - url)) < 0)
        goto oom;
    if (q != NULL) {
        p = q + 1;
        while (p < end) {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            const char *pe = amp != NULL ? amp : end;
            if (pe > p && !tracking_param(p, (size_t)(pe - p))) {
                if (ds__buf_putc(&b, first ? '?' : '&') < 0 ||
                    ds__buf_put(&b, p, (size_t)(pe - p)) < 0)
                    goto oom;
                first = 0;
            }
            p = pe + 1;
        }
    }
    if (b.ptr == NULL)
        return ds__strdup("");
    return ds__buf_detach(&b);
oom:
    ds__buf_free(&b);
    return NULL;
}
