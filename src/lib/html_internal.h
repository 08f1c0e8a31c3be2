/*
 * html_internal.h - the HTML article extractor as the normalizer uses it
 * (internal; the public entry point is docseal/html.h).
 *
 * ds__html_extract() parses a saved page (any charset: BOM, <meta charset>,
 * http-equiv, else UTF-8; converted to UTF-8) with libxml2's HTML parser in
 * recover mode without network access, finds the article and returns its
 * metadata and body blocks in reading order. Block texts are valid UTF-8 but
 * not yet normalized: normalize.c runs each through the paragraph pipeline
 * (NFC, ignorables, whitespace collapsing, boilerplate rules).
 *
 * Block text conventions (so HTML and Markdown inputs read alike):
 *   heading h1..h6 inside the body  "## text" ('#' repeated level times, min 2)
 *   list item                       "- text" (ordered lists: "1. text", ...)
 *   block quote paragraph           "> text"
 *   paragraph, pre, other blocks    the text itself
 */
#ifndef DS_HTML_INTERNAL_H
#define DS_HTML_INTERNAL_H

#include <stddef.h>

typedef struct ds__html_article {
    char *title;
    char *byline;
    char *published_raw; /* as found in the page */
    char *published;     /* ISO 8601 with offset when known, else NULL */
    char *modified;      /* ISO 8601, or NULL */
    char *canonical_url; /* tracking parameters (utm_*, fbclid, gclid, ...) removed */
    char *site_name;
    char *language;
    char **blocks;
    size_t block_count;
} ds__html_article;

/* 0, DS_EINVALID (not parseable at all / empty), DS_ELIMIT, DS_ENOMEM.
 * name is used in error messages. *out: free with ds__html_article_free(). */
int ds__html_extract(ds__html_article **out, const char *data, size_t len, const char *name);
void ds__html_article_free(ds__html_article *a);

/* 1 when the bytes look like HTML (for DS_FORMAT_AUTO). */
int ds__html_sniff(const char *data, size_t len);

#endif
