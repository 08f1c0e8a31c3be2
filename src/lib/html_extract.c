/*
 * html_extract.c - find the article body in a parsed page and emit it as
 * blocks (paragraphs, headings, list items, quotes, preformatted text).
 *
 * The method (our own; the ideas are those of the boilerplate-detection
 * literature: Readability's candidate scoring, text and link density,
 * class/id hints):
 *
 *  1. Index: one pre-order walk gives every element that can hold visible
 *     text a slot in an array (in document order, so a reverse loop sees
 *     children before parents: all aggregation is iterative). Elements that
 *     never hold article text are skipped with their subtrees: scripts,
 *     styles, form controls, media, navigation, asides, footers, dialogs,
 *     hidden elements (hidden, aria-hidden=true, display:none,
 *     visibility:hidden, screen-reader-only and hover-card classes) and
 *     furniture landmark roles (navigation, banner, contentinfo, ...).
 *  2. Count: per element, characters of text, of link text and commas in
 *     its subtree, and in its own "inline runs" (text not inside a child
 *     block), plus paragraph, list-item and image counts.
 *  3. Strict pass only: furniture by class/id (comments, share bars,
 *     related links, newsletters, sidebars, ...) is dropped unless it holds
 *     an <article>, a <main>, itemprop=articleBody or the first <h1>.
 *  4. Score: each paragraph (an element with >= 25 characters of inline
 *     text) gives 1 + commas + min(chars / 100, 3) to its container and
 *     decreasing shares to four more ancestors; containers start from a tag
 *     bias and a class/id weight; a score is scaled by 1 - link density.
 *  5. Choose: the best container, moved up to a common ancestor when other
 *     near-best containers share it, or to a parent that scores higher;
 *     then its siblings that score well or read as prose join it.
 *  6. Emit: walk the chosen subtrees in order, skipping link-dense lists
 *     and boxes, empty boxes, figures, galleries, furniture by class and
 *     paragraphs that are one link; every block element or <br> ends a
 *     block (an inline element that holds blocks does not).
 *  7. Tidy: drop runs of three or more one-link items (and any ending the
 *     article) with their lead-in ("More:"), the repeated headline, byline
 *     and date-only lines near the top, and bare URLs.
 *
 * If the strict pass yields too little text, it is retried without the
 * class/id furniture rules, then without class weights, then without box
 * cleaning, and the longest result wins.
 */
#include "html_internal.h"
#include "util.h"

#include <libxml/tree.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NONE UINT32_MAX

/* Tag kinds. */
enum {
    K_OTHER = 0, /* a block-level box: div, section, ... */
    K_INLINE,    /* phrasing content */
    K_P,
    K_HEADING,
    K_LI,
    K_LIST, /* ul, ol, dl */
    K_PRE,
    K_QUOTE,
    K_TABLE,
    K_CELL, /* td, th */
    K_A,
    K_BR,
    K_IMG,
    K_ARTICLE, /* article, main */
    K_BODY,
    K_FIGURE,
    K_FURNITURE, /* header, footer, nav, aside, form: skipped when emitting */
    K_SKIP       /* never holds article text */
};

/* Attempt flags. */
#define F_STRICT 1u /* drop furniture by class/id before scoring */
#define F_WEIGHT 2u /* use class/id weights */
#define F_CLEAN 4u  /* drop link-dense and empty boxes when emitting */

/* Info flags. */
#define I_BLOCKISH 0x01u  /* a block element, or an inline one holding a block */
#define I_BLOCKKIDS 0x02u /* has a blockish child */
#define I_REMOVED 0x04u
#define I_SCORED 0x08u
#define I_MAIN_SELF 0x10u /* <article>, <main>, itemprop=articleBody or the main <h1> */
#define I_HAS_MAIN 0x20u  /* ... in the subtree */
#define I_UNLIKELY 0x40u  /* class/id names furniture */
#define I_INCLUDED 0x80u

typedef struct ninfo {
    xmlNode *node;
    uint32_t parent;
    uint32_t dtext, dcommas;     /* direct text children */
    uint32_t text, link, commas; /* subtree totals (characters) */
    uint32_t itext, icommas;     /* own inline runs */
    uint32_t paras, lis, imgs;
    uint32_t ordinal; /* li number in an ordered list */
    float score;
    short weight;
    unsigned char kind;
    unsigned char heading; /* 1..6 for h1..h6 */
    unsigned short flags;
} ninfo;

typedef struct ctx {
    ninfo *v;
    size_t n, cap;
    unsigned flags;
    const xmlNode *main_h1;
    const char *title;
    /* output */
    char **blocks;
    unsigned char *teaser; /* per block: 1 when it is one link (a teaser) */
    size_t nblocks, blocks_cap;
    size_t chars; /* text emitted */
} ctx;

/* ---- tag classification ---- */

static const struct tagkind {
    const char *name;
    unsigned char kind;
} tagkinds[] = {
    /* sorted by name (bsearch); unknown tags are inline */
    {"a", K_A},
    {"abbr", K_INLINE},
    {"acronym", K_INLINE},
    {"address", K_OTHER},
    {"applet", K_SKIP},
    {"area", K_SKIP},
    {"article", K_ARTICLE},
    {"aside", K_SKIP},
    {"audio", K_SKIP},
    {"b", K_INLINE},
    {"base", K_SKIP},
    {"bdi", K_INLINE},
    {"bdo", K_INLINE},
    {"big", K_INLINE},
    {"blockquote", K_QUOTE},
    {"body", K_BODY},
    {"br", K_BR},
    {"button", K_SKIP},
    {"canvas", K_SKIP},
    {"caption", K_OTHER},
    {"center", K_OTHER},
    {"cite", K_INLINE},
    {"code", K_INLINE},
    {"col", K_OTHER},
    {"colgroup", K_OTHER},
    {"data", K_INLINE},
    {"datalist", K_SKIP},
    {"dd", K_LI},
    {"del", K_INLINE},
    {"details", K_OTHER},
    {"dfn", K_INLINE},
    {"dialog", K_SKIP},
    {"dir", K_OTHER},
    {"div", K_OTHER},
    {"dl", K_LIST},
    {"dt", K_LI},
    {"em", K_INLINE},
    {"embed", K_SKIP},
    {"fieldset", K_OTHER},
    {"figcaption", K_OTHER},
    {"figure", K_FIGURE},
    {"font", K_INLINE},
    {"footer", K_SKIP},
    {"form", K_FURNITURE},
    {"frame", K_SKIP},
    {"frameset", K_SKIP},
    {"h1", K_HEADING},
    {"h2", K_HEADING},
    {"h3", K_HEADING},
    {"h4", K_HEADING},
    {"h5", K_HEADING},
    {"h6", K_HEADING},
    {"head", K_SKIP},
    {"header", K_FURNITURE},
    {"hgroup", K_OTHER},
    {"hr", K_BR},
    {"html", K_OTHER},
    {"i", K_INLINE},
    {"iframe", K_SKIP},
    {"img", K_IMG},
    {"input", K_SKIP},
    {"ins", K_INLINE},
    {"kbd", K_INLINE},
    {"label", K_INLINE},
    {"legend", K_OTHER},
    {"li", K_LI},
    {"link", K_SKIP},
    {"listing", K_PRE},
    {"main", K_ARTICLE},
    {"map", K_SKIP},
    {"mark", K_INLINE},
    {"marquee", K_OTHER},
    {"math", K_SKIP},
    {"menu", K_SKIP},
    {"meta", K_SKIP},
    {"meter", K_SKIP},
    {"multicol", K_OTHER},
    {"nav", K_SKIP},
    {"nobr", K_INLINE},
    {"noframes", K_OTHER},
    {"noscript", K_SKIP},
    {"object", K_SKIP},
    {"ol", K_LIST},
    {"optgroup", K_SKIP},
    {"option", K_SKIP},
    {"output", K_SKIP},
    {"p", K_P},
    {"param", K_SKIP},
    {"picture", K_IMG},
    {"plaintext", K_PRE},
    {"pre", K_PRE},
    {"progress", K_SKIP},
    {"q", K_INLINE},
    {"rp", K_SKIP},
    {"rt", K_INLINE},
    {"ruby", K_INLINE},
    {"s", K_INLINE},
    {"samp", K_INLINE},
    {"script", K_SKIP},
    {"search", K_OTHER},
    {"section", K_OTHER},
    {"select", K_SKIP},
    {"small", K_INLINE},
    {"source", K_SKIP},
    {"span", K_INLINE},
    {"strike", K_INLINE},
    {"strong", K_INLINE},
    {"style", K_SKIP},
    {"sub", K_INLINE},
    {"summary", K_OTHER},
    {"sup", K_INLINE},
    {"svg", K_SKIP},
    {"table", K_TABLE},
    {"tbody", K_OTHER},
    {"td", K_CELL},
    {"template", K_SKIP},
    {"textarea", K_SKIP},
    {"tfoot", K_OTHER},
    {"th", K_CELL},
    {"thead", K_OTHER},
    {"time", K_INLINE},
    {"title", K_SKIP},
    {"tr", K_OTHER},
    {"track", K_SKIP},
    {"tt", K_INLINE},
    {"u", K_INLINE},
    {"ul", K_LIST},
    {"var", K_INLINE},
    {"video", K_SKIP},
    {"wbr", K_INLINE},
    {"xmp", K_PRE},
};

static int tagcmp(const void *key, const void *elem)
{
    return strcmp((const char *)key, ((const struct tagkind *)elem)->name);
}

/* Unknown elements (custom elements included) render inline, as in CSS. */
static unsigned char tag_kind(const xmlNode *n)
{
    const struct tagkind *t = bsearch(n->name, tagkinds, sizeof(tagkinds) / sizeof(tagkinds[0]),
                                      sizeof(tagkinds[0]), tagcmp);
    return t != NULL ? t->kind : K_INLINE;
}

/* ---- class/id patterns ---- */

/* Lowercase "class id" of n into buf. */
static void class_id(char *buf, size_t size, const xmlNode *n)
{
    const char *parts[2];
    size_t o = 0;
    int i;
    parts[0] = ds__html_attr(n, "class");
    parts[1] = ds__html_attr(n, "id");
    for (i = 0; i < 2; i++) {
        const char *p = parts[i];
        if (p == NULL)
            continue;
        if (o > 0 && o + 1 < size)
            buf[o++] = ' ';
        for (; *p != '\0' && o + 1 < size; p++)
            buf[o++] = (char)tolower((unsigned char)*p);
    }
    buf[o] = '\0';
}

/* Does s contain w bounded by non-letters? */
static int has_word(const char *s, const char *w)
{
    size_t wl = strlen(w);
    const char *p = s;
    while ((p = strstr(p, w)) != NULL) {
        if ((p == s || !isalpha((unsigned char)p[-1])) && !isalpha((unsigned char)p[wl]))
            return 1;
        p++;
    }
    return 0;
}

static int has_any(const char *s, const char *const *subs, const char *const *words)
{
    size_t i;
    for (i = 0; subs != NULL && subs[i] != NULL; i++)
        if (strstr(s, subs[i]) != NULL)
            return 1;
    for (i = 0; words != NULL && words[i] != NULL; i++)
        if (has_word(s, words[i]))
            return 1;
    return 0;
}

/* Class/id naming page furniture (dropped in the strict pass) ... */
static const char *const unlikely_subs[] = {"banner",
                                            "breadcrumb",
                                            "combx",
                                            "comment",
                                            "community",
                                            "disqus",
                                            "footer",
                                            "menu",
                                            "related",
                                            "remark",
                                            "replies",
                                            "shoutbox",
                                            "sidebar",
                                            "skyscraper",
                                            "social",
                                            "sponsor",
                                            "supplemental",
                                            "ad-break",
                                            "agegate",
                                            "pagination",
                                            "popup",
                                            "share",
                                            "newsletter",
                                            "subscribe",
                                            "promo",
                                            "cookie",
                                            "outbrain",
                                            "taboola",
                                            "recommend",
                                            "trending",
                                            "most-popular",
                                            "mostpopular",
                                            "most-read",
                                            "signup",
                                            "modal",
                                            "toolbar",
                                            "byline",
                                            "breaking-news",
                                            "more-stories",
                                            "recirc",
                                            "masthead",
                                            "consent",
                                            "gdpr",
                                            "advert",
                                            "author-bio",
                                            "authorbio",
                                            "gallery",
                                            "slideshow",
                                            "carousel",
                                            "caption",
                                            "credit",
                                            "dfp-",
                                            NULL};
static const char *const unlikely_words[] = {
    "ad", "ads", "nav", "navbar", "navigation", "rss", "hidden", "tags", "topics", "pager", NULL};
/* ... unless it also names content. */
static const char *const maybe_subs[] = {"article", "body",        "column", "content",
                                         "main",    "shadow",      "story",  "entry",
                                         "prose",   "media-embed", "tweet",  NULL};

static const char *const positive_subs[] = {
    "article", "body", "content", "entry", "hentry",   "h-entry",     "main",  "page", "post",
    "text",    "blog", "story",   "prose", "richtext", "media-embed", "tweet", NULL};
static const char *const negative_subs[] = {
    "hidden", "banner",   "combx",      "comment",  "com-",       "contact",   "foot",
    "footer", "footnote", "gdpr",       "masthead", "outbrain",   "promo",     "related",
    "scroll", "share",    "shoutbox",   "sidebar",  "skyscraper", "sponsor",   "shopping",
    "tags",   "tool",     "widget",     "social",   "newsletter", "subscribe", "recommend",
    "byline", "advert",   "breadcrumb", "popup",    "modal",      "gallery",   "caption",
    "credit", "dfp-",     NULL};
static const char *const negative_words[] = {"ad", "ads", "meta", "nav", "menu", "hid", NULL};

static short class_weight(const char *cid)
{
    static const char *const embeds[] = {"tweet", "media-embed", "instagram-media", NULL};
    short w = 0;
    if (cid[0] == '\0')
        return 0;
    if (has_any(cid, embeds, NULL))
        return 25; /* quoted posts are part of the story */
    if (has_any(cid, negative_subs, negative_words))
        w -= 25;
    if (has_any(cid, positive_subs, NULL))
        w += 25;
    return w;
}

/* Class names of text that only screen readers or a mouse hover show. */
static int hidden_class(const char *cls)
{
    static const char *const subs[] = {
        "sr-only", "visually-hidden", "visuallyhidden", "screen-reader", "element-invisible",
        "tooltip", "popover",         "hovercard",      "hover-card",    NULL};
    char buf[256];
    size_t o = 0;
    if (cls == NULL)
        return 0;
    for (; *cls != '\0' && o + 1 < sizeof(buf); cls++)
        buf[o++] = (char)tolower((unsigned char)*cls);
    buf[o] = '\0';
    if (strstr(buf, "rollover") != NULL && strstr(buf, "block") != NULL)
        return 1;
    return has_any(buf, subs, NULL);
}

/* Hidden by attributes, inline style or class? */
static int is_hidden(const xmlNode *n)
{
    const char *v;
    if (ds__html_attr(n, "hidden") != NULL || hidden_class(ds__html_attr(n, "class")))
        return 1;
    v = ds__html_attr(n, "aria-hidden");
    if (v != NULL && strcasecmp(v, "true") == 0)
        return 1;
    v = ds__html_attr(n, "style");
    if (v != NULL) {
        char buf[256];
        size_t o = 0;
        for (; *v != '\0' && o + 1 < sizeof(buf); v++)
            if (*v != ' ' && *v != '\t' && *v != '\n' && *v != '\r')
                buf[o++] = (char)tolower((unsigned char)*v);
        buf[o] = '\0';
        if (strstr(buf, "display:none") != NULL || strstr(buf, "visibility:hidden") != NULL)
            return 1;
    }
    return 0;
}

static int furniture_role(const xmlNode *n)
{
    static const char *const roles[] = {"navigation", "banner",  "contentinfo", "complementary",
                                        "search",     "dialog",  "alertdialog", "menu",
                                        "menubar",    "toolbar", "alert",       NULL};
    const char *r = ds__html_attr(n, "role");
    size_t i;
    if (r == NULL)
        return 0;
    for (i = 0; roles[i] != NULL; i++)
        if (strcasecmp(r, roles[i]) == 0)
            return 1;
    return 0;
}

/* ---- text measuring ---- */

/* Characters (code points, a whitespace run counting as one between words)
 * and commas (ASCII, fullwidth, ideographic, Arabic) of s. */
static void measure(const unsigned char *s, uint32_t *chars, uint32_t *commas)
{
    uint32_t c = 0, k = 0;
    int pending = 0;
    for (; *s != '\0'; s++) {
        unsigned char b = *s;
        if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f') {
            pending = c > 0;
            continue;
        }
        if ((b & 0xC0) != 0x80) {
            c += 1u + (unsigned)pending;
            pending = 0;
        }
        if (b == ',')
            k++;
        else if (b == 0xEF && s[1] == 0xBC && s[2] == 0x8C)
            k++;
        else if (b == 0xE3 && s[1] == 0x80 && s[2] == 0x81)
            k++;
        else if (b == 0xD8 && s[1] == 0x8C)
            k++;
    }
    *chars += c;
    *commas += k;
}

/* ---- pass 1: index ---- */

static int push(ctx *c, xmlNode *n, uint32_t parent)
{
    ninfo *e;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        ninfo *v;
        if (cap >= UINT32_MAX)
            return ds__error_set(DS_ELIMIT, "page has too many elements");
        if ((v = ds__realloc(c->v, cap * sizeof(*v))) == NULL)
            return DS_ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    e = &c->v[c->n];
    memset(e, 0, sizeof(*e));
    e->node = n;
    e->parent = parent;
    n->_private = (void *)(uintptr_t)(c->n + 1);
    c->n++;
    return 0;
}

static uint32_t info_of(const xmlNode *n)
{
    return n != NULL && n->_private != NULL ? (uint32_t)((uintptr_t)n->_private - 1) : NONE;
}

static void unindex(ctx *c)
{
    size_t i;
    for (i = 0; i < c->n; i++)
        c->v[i].node->_private = NULL;
    c->n = 0;
}

static int main_marker(const xmlNode *n, unsigned char kind, const ctx *c)
{
    const char *ip;
    if (kind == K_ARTICLE || n == c->main_h1)
        return 1;
    ip = ds__html_attr(n, "itemprop");
    return ip != NULL && strstr(ip, "articleBody") != NULL;
}

static int index_element(ctx *c, xmlNode *n, unsigned char kind, uint32_t parent)
{
    ninfo *e;
    char cid[256];
    uint32_t me = (uint32_t)c->n;
    int err;
    if ((err = push(c, n, parent)) < 0)
        return err;
    e = &c->v[me];
    e->kind = kind;
    if (kind == K_HEADING)
        e->heading = (unsigned char)(n->name[1] - '0');
    class_id(cid, sizeof(cid), n);
    if (c->flags & F_WEIGHT)
        e->weight = class_weight(cid);
    if (cid[0] != '\0' && has_any(cid, unlikely_subs, unlikely_words) &&
        !has_any(cid, maybe_subs, NULL))
        e->flags |= I_UNLIKELY;
    if (main_marker(n, kind, c))
        e->flags |= I_MAIN_SELF;
    if (kind == K_LI && ds__html_is(n->parent, "ol")) {
        const xmlNode *p;
        uint32_t prev = NONE;
        for (p = n->prev; p != NULL && prev == NONE; p = p->prev)
            if (p->type == XML_ELEMENT_NODE)
                prev = info_of(p);
        if (prev != NONE && c->v[prev].kind == K_LI) {
            e->ordinal = c->v[prev].ordinal + 1;
        } else {
            const char *st = ds__html_attr(n->parent, "start");
            long s0 = st != NULL ? strtol(st, NULL, 10) : 1;
            e->ordinal = s0 > 0 && s0 < 1000000 ? (uint32_t)s0 : 1;
        }
    }
    return 0;
}

static int index_tree(ctx *c, xmlNode *root)
{
    xmlNode *n = root;
    int err;
    while (n != NULL) {
        int descend = 0;
        if (n->type == XML_ELEMENT_NODE) {
            unsigned char kind = tag_kind(n);
            if (kind != K_SKIP && !is_hidden(n) && !furniture_role(n)) {
                if ((err = index_element(c, n, kind, info_of(n->parent))) < 0)
                    return err;
                descend = 1;
            }
        } else if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
                   n->content != NULL) {
            uint32_t p = info_of(n->parent);
            if (p != NONE)
                measure(n->content, &c->v[p].dtext, &c->v[p].dcommas);
        }
        if (!(n = ds__html_walk_next(n, root, descend)))
            break;
    }
    return 0;
}

/* ---- pass 2: totals ---- */

static void aggregate(ctx *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) {
        ninfo *e = &c->v[i];
        e->text = e->itext = e->dtext;
        e->commas = e->icommas = e->dcommas;
        e->link = e->paras = e->lis = e->imgs = 0;
        e->flags &= (unsigned short)~(I_BLOCKISH | I_BLOCKKIDS | I_HAS_MAIN);
        if (e->flags & I_MAIN_SELF)
            e->flags |= I_HAS_MAIN;
    }
    for (i = c->n; i-- > 0;) {
        ninfo *e = &c->v[i], *p;
        if (e->flags & I_REMOVED)
            continue;
        if (e->kind == K_A)
            e->link = e->text;
        if (e->kind == K_P)
            e->paras++;
        else if (e->kind == K_LI)
            e->lis++;
        else if (e->kind == K_IMG)
            e->imgs++;
        if ((e->kind != K_INLINE && e->kind != K_A && e->kind != K_IMG) || (e->flags & I_BLOCKKIDS))
            e->flags |= I_BLOCKISH;
        if (e->parent == NONE)
            continue;
        p = &c->v[e->parent];
        p->text += e->text;
        p->link += e->link;
        p->commas += e->commas;
        p->paras += e->paras;
        p->lis += e->lis;
        p->imgs += e->imgs;
        p->flags |= e->flags & I_HAS_MAIN;
        if (e->flags & I_BLOCKISH) {
            p->flags |= I_BLOCKKIDS;
        } else {
            p->itext += e->text;
            p->icommas += e->commas;
        }
    }
}

/* ---- pass 3: furniture by class/id ---- */

static void drop_unlikely(ctx *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) {
        ninfo *e = &c->v[i];
        if (e->parent != NONE && (c->v[e->parent].flags & I_REMOVED)) {
            e->flags |= I_REMOVED;
            continue;
        }
        if ((e->flags & I_UNLIKELY) && !(e->flags & I_HAS_MAIN) && e->kind != K_BODY &&
            e->kind != K_ARTICLE) {
            e->flags |= I_REMOVED;
#ifdef DS_HTML_DEBUG
            if (e->text > 300)
                fprintf(stderr, "  unlikely %s.%s#%s text=%u\n", (const char *)e->node->name,
                        ds__html_attr(e->node, "class") ? ds__html_attr(e->node, "class") : "",
                        ds__html_attr(e->node, "id") ? ds__html_attr(e->node, "id") : "", e->text);
#endif
        }
    }
}

/* ---- pass 4: scoring ---- */

static float tag_bias(const ninfo *e)
{
    switch (e->kind) {
    case K_OTHER:
        return ds__html_is(e->node, "div") ? 5.0f : 0.0f;
    case K_ARTICLE:
        return 5.0f;
    case K_PRE:
    case K_CELL:
    case K_QUOTE:
        return 3.0f;
    case K_LIST:
    case K_LI:
    case K_FURNITURE:
        return -3.0f;
    case K_HEADING:
        return -5.0f;
    default:
        return 0.0f;
    }
}

static float link_density(const ninfo *e)
{
    return e->text > 0 ? (float)e->link / (float)e->text : 0.0f;
}

static void score(ctx *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) {
        ninfo *e = &c->v[i];
        uint32_t a;
        float cs;
        int level;
        if ((e->flags & I_REMOVED) || !(e->flags & I_BLOCKISH) || e->itext < 25)
            continue;
        if (e->kind == K_HEADING && e->heading == 1)
            continue;
        cs = 1.0f + (float)e->icommas + (float)(e->itext / 100 > 3 ? 3 : e->itext / 100);
        a = (e->flags & I_BLOCKKIDS) ? (uint32_t)i : e->parent;
        for (level = 0; level < 5 && a != NONE; level++, a = c->v[a].parent) {
            ninfo *t = &c->v[a];
            if (!(t->flags & I_SCORED)) {
                t->score = tag_bias(t) + (float)t->weight;
                t->flags |= I_SCORED;
            }
            t->score += cs / (level == 0 ? 1.0f : level == 1 ? 2.0f : (float)level * 3.0f);
        }
    }
    for (i = 0; i < c->n; i++)
        if (c->v[i].flags & I_SCORED)
            c->v[i].score *= 1.0f - link_density(&c->v[i]);
}

/* ---- pass 5: choosing ---- */

static int is_descendant(const ctx *c, uint32_t x, uint32_t a)
{
    int k;
    for (k = 0; k < 64 && x != NONE; k++, x = c->v[x].parent)
        if (x == a)
            return 1;
    return 0;
}

static void ensure_scored(ctx *c, uint32_t i)
{
    ninfo *e = &c->v[i];
    if (!(e->flags & I_SCORED)) {
        e->score = (tag_bias(e) + (float)e->weight) * (1.0f - link_density(e));
        e->flags |= I_SCORED;
    }
}

static uint32_t choose_top(ctx *c, uint32_t body)
{
    uint32_t top[5] = {NONE, NONE, NONE, NONE, NONE};
    uint32_t best, p;
    size_t i;
    int k, alts = 0;
    float last, threshold;
    for (i = 0; i < c->n; i++) {
        const ninfo *e = &c->v[i];
        if (!(e->flags & I_SCORED) || (e->flags & I_REMOVED) || e->parent == NONE)
            continue;
        for (k = 0; k < 5; k++) {
            if (top[k] == NONE || e->score > c->v[top[k]].score) {
                memmove(top + k + 1, top + k, (size_t)(4 - k) * sizeof(top[0]));
                top[k] = (uint32_t)i;
                break;
            }
        }
    }
    if (top[0] == NONE)
        return body;
    best = top[0];
    /* several near-best containers inside one ancestor: take the ancestor */
    for (k = 1; k < 5; k++)
        if (top[k] != NONE && c->v[top[k]].score >= 0.75f * c->v[best].score)
            alts++;
    if (alts >= 3) {
        int level;
        for (p = c->v[best].parent, level = 0; p != NONE && level < 12 && p != body;
             p = c->v[p].parent, level++) {
            int inside = 0;
            for (k = 1; k < 5; k++)
                if (top[k] != NONE && c->v[top[k]].score >= 0.75f * c->v[best].score &&
                    is_descendant(c, top[k], p))
                    inside++;
            if (inside >= 3) {
                best = p;
                ensure_scored(c, best);
                break;
            }
        }
    }
    /* a parent scoring higher than the way up to it */
    last = c->v[best].score;
    threshold = last / 3.0f;
    for (p = c->v[best].parent; p != NONE && p != body; p = c->v[p].parent) {
        const ninfo *e = &c->v[p];
        if (!(e->flags & I_SCORED))
            continue;
        if (e->score < threshold)
            break;
        if (e->score > last) {
            best = p;
            break;
        }
        last = e->score;
    }
    /* a lone child is no better than its parent */
    for (;;) {
        uint32_t parent = c->v[best].parent;
        const xmlNode *k2;
        int elements = 0;
        if (parent == NONE || parent == body)
            break;
        for (k2 = c->v[parent].node->children; k2 != NULL; k2 = k2->next) {
            uint32_t x = info_of(k2);
            if (x != NONE && !(c->v[x].flags & I_REMOVED) && c->v[x].text > 0)
                elements++;
        }
        if (elements != 1)
            break;
        best = parent;
        ensure_scored(c, best);
    }
    return best;
}

/* Text of a sibling looks like a sentence? */
static int reads_as_prose(const ninfo *e)
{
    ds__buf b = DS__BUF_INIT;
    int r = 0;
    if (ds__html_text(&b, e->node, 200) == 0 && b.ptr != NULL) {
        size_t l = strlen(ds__html_trim(b.ptr));
        r = strstr(b.ptr, ". ") != NULL || (l > 0 && b.ptr[l - 1] == '.');
    }
    ds__buf_free(&b);
    return r;
}

static void include_siblings(ctx *c, uint32_t best, uint32_t body)
{
    const ninfo *t = &c->v[best];
    float threshold = t->score * 0.2f;
    const char *tclass = ds__html_attr(t->node, "class");
    const xmlNode *k;
    if (threshold < 10.0f)
        threshold = 10.0f;
    if (best == body || t->parent == NONE) {
        c->v[best].flags |= I_INCLUDED;
        return;
    }
    for (k = c->v[t->parent].node->children; k != NULL; k = k->next) {
        uint32_t x = info_of(k);
        ninfo *s;
        if (x == NONE)
            continue;
        s = &c->v[x];
        if ((s->flags & I_REMOVED) || (s->kind == K_FURNITURE && x != best))
            continue;
        if (x == best) {
            s->flags |= I_INCLUDED;
            continue;
        }
        if (s->flags & I_SCORED) {
            float bonus = 0.0f;
            const char *sc = ds__html_attr(k, "class");
            if (tclass != NULL && sc != NULL && tclass[0] != '\0' && strcmp(tclass, sc) == 0)
                bonus = t->score * 0.2f;
            if (s->score + bonus >= threshold) {
                s->flags |= I_INCLUDED;
                continue;
            }
        }
        /* a box of prose next to the best one (deeply nested paragraphs
         * leave it unscored) */
        if (s->paras >= 2 && s->text >= 400 && link_density(s) < 0.2f && s->weight >= 0 &&
            s->kind == t->kind && tclass != NULL && tclass[0] != '\0' &&
            xmlStrEqual(k->name, t->node->name) &&
            strcmp(tclass, ds__html_attr(k, "class") ? ds__html_attr(k, "class") : "") == 0) {
            s->flags |= I_INCLUDED;
            continue;
        }
        if (s->kind == K_P || (s->kind == K_OTHER && !(s->flags & I_BLOCKKIDS))) {
            float ld = link_density(s);
            if (s->text > 80 && ld < 0.25f)
                s->flags |= I_INCLUDED;
            else if (s->text > 0 && s->text <= 80 && s->link == 0 && reads_as_prose(s))
                s->flags |= I_INCLUDED;
        }
    }
}

/* ---- pass 6: emitting ---- */

/* Should the box e inside the chosen content be left out? */
static int drop_box(const ctx *c, const ninfo *e, const ninfo *root)
{
    float ld;
    if (e->kind == K_FURNITURE)
        return e->text * 2 < root->text;
    if (!(c->flags & F_CLEAN))
        return 0;
    /* a paragraph that is one link: a teaser (list items are judged in runs) */
    if ((e->kind == K_P || (e->kind == K_OTHER && !(e->flags & I_BLOCKKIDS))) && e->text < 150 &&
        link_density(e) > 0.8f)
        return 1;
    if (e->kind != K_OTHER && e->kind != K_LIST && e->kind != K_TABLE && e->kind != K_FIGURE &&
        e->kind != K_ARTICLE)
        return 0;
    if (e->text == 0)
        return 1;
    if (e->kind == K_FIGURE)
        return 1;
    ld = link_density(e);
    if (e->weight < 0 && e->commas < 10)
        return 1;
    if (e->commas >= 10)
        return ld > 0.5f;
    if (e->imgs > 1 && (float)e->paras / (float)e->imgs < 0.5f)
        return 1;
    if (e->kind != K_LIST && e->lis > e->paras + 1 && ld > 0.1f)
        return 1;
    if (e->kind == K_LIST && e->lis < 3)
        return 0; /* its items are judged as teasers one by one */
    if (e->weight < 25 && ld > 0.2f)
        return 1;
    if (ld > 0.5f)
        return 1;
    return 0;
}

typedef struct emitter {
    ds__buf cur;
    int space;
    uint32_t owner; /* innermost block holding the current text */
} emitter;

static int add_block(ctx *c, char *s, int teaser)
{
    if (s == NULL)
        return DS_ENOMEM;
    if (c->nblocks == c->blocks_cap) {
        size_t cap = c->blocks_cap ? c->blocks_cap * 2 : 32;
        char **v = ds__realloc(c->blocks, cap * sizeof(*v));
        unsigned char *t;
        if (v == NULL) {
            free(s);
            return DS_ENOMEM;
        }
        c->blocks = v;
        if ((t = ds__realloc(c->teaser, cap)) == NULL) {
            free(s);
            return DS_ENOMEM;
        }
        c->teaser = t;
        c->blocks_cap = cap;
    }
    c->teaser[c->nblocks] = (unsigned char)teaser;
    c->blocks[c->nblocks++] = s;
    return 0;
}

/* A paragraph or list item that is all link and short: a teaser. */
static int is_teaser(const ctx *c, uint32_t x)
{
    const ninfo *e = &c->v[x];
    if (e->kind != K_P && e->kind != K_LI && e->kind != K_HEADING &&
        !(e->kind == K_OTHER && !(e->flags & I_BLOCKKIDS)))
        return 0;
    return e->text < 150 && link_density(e) > 0.8f;
}

/* Block prefix for text owned by element x: quote markers, then the
 * innermost heading or list item marker. */
static int prefix(const ctx *c, ds__buf *out, uint32_t x, uint32_t stop)
{
    char marker[32] = "";
    int quotes = 0, k, err;
    for (k = 0; k < 64 && x != NONE; k++, x = c->v[x].parent) {
        const ninfo *e = &c->v[x];
        if (marker[0] == '\0' && e->kind == K_HEADING) {
            int lv = e->heading < 2 ? 2 : e->heading, j;
            for (j = 0; j < lv; j++)
                marker[j] = '#';
            marker[lv] = ' ';
            marker[lv + 1] = '\0';
        } else if (marker[0] == '\0' && e->kind == K_LI) {
            if (e->ordinal > 0)
                snprintf(marker, sizeof(marker), "%u. ", e->ordinal);
            else
                strcpy(marker, "- ");
        } else if (e->kind == K_QUOTE) {
            quotes++;
        }
        if (x == stop)
            break;
    }
    for (k = 0; k < quotes; k++)
        if ((err = ds__buf_puts(out, "> ")) < 0)
            return err;
    return ds__buf_puts(out, marker);
}

static int flush(ctx *c, emitter *em, uint32_t root)
{
    ds__buf b = DS__BUF_INIT;
    int err;
    em->space = 0;
    if (em->cur.len == 0)
        return 0;
    ds__html_trim(em->cur.ptr);
    em->cur.len = strlen(em->cur.ptr);
    if (em->cur.len == 0)
        return 0;
    if ((err = prefix(c, &b, em->owner, root)) < 0 ||
        (err = ds__buf_put(&b, em->cur.ptr, em->cur.len)) < 0) {
        ds__buf_free(&b);
        return err;
    }
    c->chars += em->cur.len;
    ds__buf_clear(&em->cur);
    return add_block(c, ds__buf_detach(&b), is_teaser(c, em->owner));
}

/* Does e start and end a block? (An inline element holding blocks does
 * not: its own text continues the paragraph around it, as in a browser.) */
static int breaks_line(const ninfo *e)
{
    return e->kind != K_INLINE && e->kind != K_A && e->kind != K_IMG && e->kind != K_BR;
}

static int emit_root(ctx *c, uint32_t root)
{
    emitter em;
    xmlNode *top = c->v[root].node, *n = top;
    int err = 0;
    memset(&em, 0, sizeof(em));
    em.owner = root;
    while (n != NULL) {
        int descend = 0;
        if (n->type == XML_ELEMENT_NODE) {
            uint32_t x = info_of(n);
            const ninfo *e = x != NONE ? &c->v[x] : NULL;
            if (e != NULL && !(e->flags & I_REMOVED) &&
                (n == top || !drop_box(c, e, &c->v[root]))) {
                if (e->kind == K_BR) {
                    if ((err = flush(c, &em, root)) < 0)
                        goto done;
                } else if (breaks_line(e)) {
                    if ((err = flush(c, &em, root)) < 0)
                        goto done;
                    em.owner = x;
                }
                descend = 1;
            }
        } else if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) &&
                   n->content != NULL) {
            if (em.cur.len == 0)
                em.space = 0;
            if ((err = ds__html_put_text(&em.cur, (const char *)n->content, &em.space)) < 0)
                goto done;
        }
        if (descend && n->children != NULL) {
            n = n->children;
            continue;
        }
        /* leave n and finished ancestors */
        for (;;) {
            uint32_t x = info_of(n);
            if (n->type == XML_ELEMENT_NODE && x != NONE && breaks_line(&c->v[x])) {
                if ((err = flush(c, &em, root)) < 0)
                    goto done;
                em.owner = c->v[x].parent != NONE ? c->v[x].parent : root;
            }
            if (n == top || n->next != NULL)
                break;
            n = n->parent;
        }
        if (n == top)
            break;
        n = n->next;
    }
    err = flush(c, &em, root);
done:
    ds__buf_free(&em.cur);
    return err;
}

static void free_blocks(ctx *c)
{
    size_t i;
    for (i = 0; i < c->nblocks; i++)
        free(c->blocks[i]);
    free(c->blocks);
    free(c->teaser);
    c->blocks = NULL;
    c->teaser = NULL;
    c->nblocks = c->blocks_cap = 0;
    c->chars = 0;
}

/* The first <h1> with text in the body. */
static const xmlNode *find_main_h1(xmlNode *root)
{
    xmlNode *n = root;
    while (n != NULL) {
        int descend = n->type == XML_ELEMENT_NODE && tag_kind(n) != K_SKIP;
        if (ds__html_is(n, "h1")) {
            ds__buf b = DS__BUF_INIT;
            int has = ds__html_text(&b, n, 16) == 0 && b.ptr != NULL && b.len > 0;
            ds__buf_free(&b);
            if (has)
                return n;
            descend = 0;
        }
        if (!(n = ds__html_walk_next(n, root, descend)))
            break;
    }
    return NULL;
}

static xmlNode *find_body(xmlDoc *doc)
{
    xmlNode *root = xmlDocGetRootElement(doc), *k;
    for (k = root != NULL ? root->children : NULL; k != NULL; k = k->next)
        if (ds__html_is(k, "body"))
            return k;
    return root;
}

#ifdef DS_HTML_DEBUG
/* Development aid: compile with -DDS_HTML_DEBUG to trace the choice. */
static void debug_node(const ctx *c, const char *what, uint32_t x)
{
    const ninfo *e = &c->v[x];
    const char *cl = ds__html_attr(e->node, "class"), *id = ds__html_attr(e->node, "id");
    fprintf(stderr, "  %s %s.%s#%s score=%.1f text=%u link=%u paras=%u\n", what,
            (const char *)e->node->name, cl ? cl : "", id ? id : "", (double)e->score, e->text,
            e->link, e->paras);
}
#define DEBUG_NODE(c, w, x) debug_node(c, w, x)
#else
#define DEBUG_NODE(c, w, x) ((void)0)
#endif

/* One extraction attempt with the given flags; blocks go to c->blocks. */
static int attempt(ctx *c, xmlNode *body_node, unsigned flags)
{
    uint32_t body, best;
    size_t i;
    int err;
    c->flags = flags;
    if ((err = index_tree(c, body_node)) < 0)
        return err;
    if (c->n == 0)
        return 0;
    body = 0;
    aggregate(c);
    if (flags & F_STRICT) {
        drop_unlikely(c);
        aggregate(c);
    }
    score(c);
    best = choose_top(c, body);
    include_siblings(c, best, body);
#ifdef DS_HTML_DEBUG
    fprintf(stderr, "attempt flags=%u\n", flags);
    DEBUG_NODE(c, "best", best);
    for (i = 0; i < c->n; i++)
        if (c->v[i].flags & I_INCLUDED)
            DEBUG_NODE(c, "included", (uint32_t)i);
#endif
    if (c->v[best].parent == NONE) {
        return emit_root(c, best);
    }
    for (i = 0; i < c->n; i++)
        if ((c->v[i].flags & I_INCLUDED) && (err = emit_root(c, (uint32_t)i)) < 0)
            return err;
    return 0;
}

/* ---- clean-up of the chosen blocks ---- */

static void drop_block(ctx *c, size_t i)
{
    free(c->blocks[i]);
    memmove(c->blocks + i, c->blocks + i + 1, (c->nblocks - i - 1) * sizeof(*c->blocks));
    memmove(c->teaser + i, c->teaser + i + 1, c->nblocks - i - 1);
    c->nblocks--;
}

/* Does block repeat the byline ("By Jane Doe", "Jane Doe - 11/18/19")? */
static int is_byline_block(const char *block, const char *byline)
{
    size_t bl, l;
    const char *rest;
    int by = 0;
    if (byline == NULL || byline[0] == '\0')
        return 0;
    if (strncasecmp(block, "by ", 3) == 0) {
        block += 3;
        by = 1;
    }
    bl = strlen(byline);
    l = strlen(block);
    if (strncasecmp(block, byline, bl) != 0)
        return 0;
    if (by) /* "By Jane Doe, Science Editor" */
        return l < bl + 200 && strstr(block + bl, ". ") == NULL;
    /* "Jane Doe", "Jane Doe | November 18, 2019" */
    rest = block + bl;
    while (*rest == ' ' || *rest == '|' || *rest == '-' || *rest == ',' || *rest == ':')
        rest++;
    return *rest == '\0' || ds__html_is_dateline(rest);
}
/* "More:", "You may also like...", "## Related:" */
static int is_lead_in(const char *b)
{
    size_t l;
    while (*b == '#')
        b++;
    while (*b == ' ')
        b++;
    l = strlen(b);
    return l > 0 && l < 60 &&
           (b[l - 1] == ':' || (l >= 3 && strcmp(b + l - 3, "...") == 0) ||
            (l >= 3 && strcmp(b + l - 3, "\xe2\x80\xa6") == 0));
}

/* Drop furniture the scoring let through. */
static void tidy(ctx *c, const ds__html_article *a)
{
    size_t i, j;
    /* runs of three or more teasers, and teasers ending the article */
    for (i = 0; i < c->nblocks;) {
        for (j = i; j < c->nblocks && c->teaser[j]; j++)
            ;
        if (j - i >= 3 || (j == c->nblocks && j > i)) {
            while (j-- > i)
                drop_block(c, i);
            if (i > 0 && is_lead_in(c->blocks[i - 1])) {
                drop_block(c, i - 1);
                i--;
            }
            continue;
        }
        i = j + 1;
    }
    /* the headline repeated at the top */
    for (i = 0; i < c->nblocks && i < 3; i++) {
        const char *b = c->blocks[i];
        while (*b == '#')
            b++;
        while (*b == ' ')
            b++;
        if (a->title != NULL && strcasecmp(b, a->title) == 0) {
            drop_block(c, i);
            break;
        }
    }
    /* bylines and datelines near the top */
    for (i = 0; i < c->nblocks && i < 8;) {
        if (is_byline_block(c->blocks[i], a->byline) ||
            (c->blocks[i][0] != '#' && ds__html_is_dateline(c->blocks[i])))
            drop_block(c, i);
        else
            i++;
    }
    /* a bare URL (the page's own address printed for print-outs) */
    for (i = 0; i < c->nblocks;) {
        const char *b = c->blocks[i];
        if ((strncmp(b, "http://", 7) == 0 || strncmp(b, "https://", 8) == 0) &&
            strchr(b, ' ') == NULL)
            drop_block(c, i);
        else
            i++;
    }
    /* a lead-in left with nothing to lead to: "You may also like..." */
    while (c->nblocks > 0 && is_lead_in(c->blocks[c->nblocks - 1]))
        drop_block(c, c->nblocks - 1);
}

int ds__html_body(ds__html_article *a, xmlDoc *doc)
{
    static const unsigned attempts[] = {F_STRICT | F_WEIGHT | F_CLEAN, F_WEIGHT | F_CLEAN, F_CLEAN,
                                        0};
    ctx c, best;
    xmlNode *body_node = find_body(doc);
    size_t k;
    int err = 0, have = 0;
    memset(&c, 0, sizeof(c));
    memset(&best, 0, sizeof(best));
    if (body_node == NULL)
        return 0;
    c.main_h1 = find_main_h1(body_node);
    c.title = a->title;
    for (k = 0; k < sizeof(attempts) / sizeof(attempts[0]); k++) {
        err = attempt(&c, body_node, attempts[k]);
        unindex(&c);
        if (err < 0)
            goto done;
        tidy(&c, a);
        if (!have || c.chars > best.chars) {
            free_blocks(&best);
            best.blocks = c.blocks;
            best.teaser = c.teaser;
            best.nblocks = c.nblocks;
            best.chars = c.chars;
            c.blocks = NULL;
            c.teaser = NULL;
            c.nblocks = c.blocks_cap = 0;
            have = 1;
        }
        free_blocks(&c);
        if (best.chars >= 250)
            break;
    }
    a->blocks = best.blocks;
    a->block_count = best.nblocks;
    best.blocks = NULL;
    best.nblocks = 0;
done:
    free_blocks(&best);
    free_blocks(&c);
    free(c.v);
    return err;
}
