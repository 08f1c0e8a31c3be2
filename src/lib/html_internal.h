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

/* ---- Below: private to the html*.c files (the extractor's own parts). ---- */

/* Largest page accepted, in bytes (DS_ELIMIT above); DS_HTML_MAX_INPUT. */
#define DS__HTML_MAX_INPUT ((size_t)256 << 20)

struct _xmlNode;
struct _xmlDoc;
struct ds__buf;

/* html_charset.c: decode a page to UTF-8. The charset comes from the BOM,
 * else a <meta charset> / http-equiv Content-Type / XML declaration within
 * the first 64 KiB, else UTF-8; a declaration the bytes contradict is
 * overridden (valid multi-byte UTF-8 declared as a single-byte charset reads
 * as UTF-8; bytes mostly invalid as UTF-8 read as windows-1252). Invalid
 * sequences become U+FFFD; NUL and other control characters (except TAB, LF,
 * FF, CR) become spaces. *charset (static string) names what was used.
 * 0, DS_ENOMEM, DS_ELIMIT. *out is NUL-terminated; caller frees. */
int ds__html_to_utf8(char **out, size_t *out_len, const char **charset, const char *data,
                     size_t len);

/* html.c: shared DOM helpers (all iterative: safe on any nesting depth). */
/* The value of attribute name (lowercase) on an element, or NULL. Borrowed. */
const char *ds__html_attr(const struct _xmlNode *n, const char *name);
/* 1 when n is an element named tag (lowercase). */
int ds__html_is(const struct _xmlNode *n, const char *tag);
/* One step of an iterative pre-order walk of root's subtree: n's first child
 * when descend is set and n has children, else the next sibling of n or of
 * its nearest ancestor below root; NULL when the walk is over. */
struct _xmlNode *ds__html_walk_next(struct _xmlNode *n, const struct _xmlNode *root,
                                    int descend);
/* Append the text of the subtree at n to b, whitespace collapsed to single
 * spaces (leading/trailing trimmed by ds__html_trim), skipping script, style
 * and similar; at most max bytes are appended. C1 controls that pages
 * write for windows-1252 punctuation (&#146;) are mapped back to it. */
int ds__html_text(struct ds__buf *b, const struct _xmlNode *n, size_t max);
/* Append text s with whitespace collapsing; *space carries a pending space
 * between calls (start with 0). */
int ds__html_put_text(struct ds__buf *b, const char *s, int *space);
/* Trim ASCII and Unicode spaces at both ends in place; returns s. */
char *ds__html_trim(char *s);
/* 1 when s (under 100 bytes) only says when: "Posted: Fri 6:45 PM, Feb 16,
 * 2018 |", "Updated Nov 19, 6:55 AM", "Jun 7, 2023, 8:54 PM UTC" (English
 * month, day and zone names, digits, punctuation). */
int ds__html_is_dateline(const char *s);
/* ASCII case-insensitive substring search; NULL when absent. */
const char *ds__html_strcasestr(const char *hay, const char *needle);

/* html_meta.c: metadata (title, byline, dates, canonical URL, site name,
 * language) from the whole document. Fills the fields of a. */
int ds__html_meta(ds__html_article *a, struct _xmlDoc *doc);
/* ISO 8601 form of a date as pages write it ("2019-11-18T10:20:00.000Z",
 * "2019-11-18 10:20:00", "20191118", "November 18, 2019", ...): a freshly
 * allocated string or NULL when not understood. */
char *ds__html_iso_date(const char *raw);
/* The URL with tracking parameters and the fragment removed; caller frees. */
char *ds__html_clean_url(const char *url);

/* html_extract.c: the article body as blocks (see the conventions above).
 * a->title, when set, is used to drop a repeated headline. */
int ds__html_body(ds__html_article *a, struct _xmlDoc *doc);

#endif
