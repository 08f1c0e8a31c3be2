/*
 * normalize_internal.h - the parts of the normalizer (norm-1) shared by
 * normalize.c (I/O, encodings, HTML, header and output), textreader.c (the
 * character scanner and the text/Markdown block reader), normdate.c (date
 * lines) and boilerplate.c (boilerplate rules). Not installed.
 *
 * Data flow for text/Markdown input, one pass, bounded memory:
 *
 *   bytes -> [iconv] -> scanner (UTF-8 check, line breaks, character
 *   cleaning, space collapsing; one cleaned line at a time) -> block reader
 *   (front matter, a norm-1 header read back, separators, headings, list
 *   items, quotes, paragraphs) ->
 *   paragraph finishing (links, NFC, headline markup) -> ds__norm_paragraph()
 *   (headline/date/byline header zone, boilerplate rules, output + hash).
 *
 * HTML input is extracted whole and its blocks go through the same scanner
 * (in "flat" mode: line breaks are spaces) and paragraph finishing.
 */
#ifndef DS_NORMALIZE_INTERNAL_H
#define DS_NORMALIZE_INTERNAL_H

#include "docseal/hash.h"
#include "docseal/normalize.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

/* Paragraph kinds produced by the block reader. */
enum {
    DS__P_TEXT = 0, /* an ordinary paragraph */
    DS__P_HEADLINE, /* the first non-empty line (markup already removed) */
    DS__P_HEADING,  /* a Markdown heading line "# ..." inside the body */
    DS__P_LIST,     /* a list item "- ...", "1. ..." */
    DS__P_QUOTE     /* a block quote "> ..." */
};

/* Flags of a cleaned line or paragraph. */
enum {
    DS__F_NFC = 1,   /* holds a code point that NFC may change: run utf8proc */
    DS__F_LEADWS = 2 /* the line had leading white space (front matter continuation) */
};

/* Front matter states. */
enum { DS__FM_FIRST = 0, DS__FM_COLLECT, DS__FM_NONE };

/* norm-1 header states: before the first non-empty line; after a first line
 * "#" / "# ..." (collecting "byline: " and "date: " lines); settled. */
enum { DS__HDR_FIRST = 0, DS__HDR_LINES, DS__HDR_DONE };

#define DS__NFC_CACHE 256

typedef struct ds__rules ds__rules;

typedef struct ds__norm {
    /* ---- configuration ---- */
    const char *name;      /* for messages */
    const char *conv_note; /* "" or " after conversion from NAME" */
    int markdown;          /* strip link syntax and headline markup */
    int zone_detect;       /* look for date and byline paragraphs */
    int html;              /* HTML input: each block is a paragraph as it is */
    ds_date_order date_order;
    const ds__rules *rules; /* NULL: keep boilerplate */

    /* ---- scanner ---- */
    uint64_t offset;        /* bytes of the UTF-8 stream scanned so far */
    unsigned char carry[4]; /* an incomplete sequence at the end of a chunk */
    unsigned carry_len;
    uint64_t carry_off; /* offset of carry[0] */
    int after_cr;       /* the last chunk ended with CR */
    int flat;           /* line breaks are spaces (HTML blocks) */
    ds__buf line;       /* the cleaned current line */
    unsigned line_flags;
    int last_space;            /* the cleaned line ends with a space or is empty */
    size_t zwj_start, zwj_end; /* a trailing run of ZWJ/ZWNJ in line, or SIZE_MAX */

    /* ---- block reader ---- */
    uint64_t line_no; /* lines seen */
    int fm_state;
    ds__buf fm; /* stashed front matter lines: flags byte, text, '\n' */
    ds__buf para;
    int para_open, para_kind;
    unsigned para_flags;
    int headline_done; /* the headline line was taken (or front matter title) */
    int headline_line; /* a headline line was read, even one empty without its markup */
    ds__buf scratch;
    int hdr_state;  /* DS__HDR_ */
    ds__buf hdr;    /* stashed header lines: flags byte, text, '\n' */
    int hdr_byline; /* a "byline: " line is stashed */
    int hdr_date;   /* a "date: " line is stashed */

    /* ---- header zone and metadata ---- */
    char *title, *byline, *date_raw, *published;
    char *id, *url, *language;
    int header_done;

    /* ---- output ---- */
    const ds_sink *sink;     /* NULL: collect into text */
    ds__buf text;            /* the whole text (no sink) */
    ds__buf obuf;            /* batched output (sink) */
    ds_sha256 *content_hash; /* NULL with DS_NORMALIZE_NO_DIGESTS */
    uint64_t content_size;
    size_t paragraphs, boilerplate;

    /* ---- NFC quick-check cache for precomposed characters ---- */
    uint32_t nfc_key[DS__NFC_CACHE];
    unsigned char nfc_val[DS__NFC_CACHE];
} ds__norm;

/* ---- normalize.c ---- */

/* Copy the caller's options *src (NULL: the defaults) into *dst by the
 * caller's version: a version 1 struct ends before flags, so only its own
 * size is read and flags keeps its default (0). A struct of an unknown
 * version is read as a version 1 one and keeps its number, for the version
 * check of ds_normalize_*(). */
void ds__normalize_options_copy(ds_normalize_options *dst, const ds_normalize_options *src);

/* ---- textreader.c ---- */

/* Initialize / release the scanner and block reader parts of st. */
void ds__reader_init(ds__norm *st);
void ds__reader_free(ds__norm *st);
/* Scan len bytes of UTF-8 (any chunking). Errors: DS_EINVALID (bad UTF-8,
 * NUL byte: the message names the byte offset), DS_ENOMEM, and whatever
 * ds__norm_paragraph() returns. */
int ds__reader_feed(ds__norm *st, const char *data, size_t len);
/* End of input: flush the last line and paragraph, settle front matter. */
int ds__reader_finish(ds__norm *st);
/* Clean one string in flat mode (line breaks are spaces) into st->line;
 * *flags receives DS__F_ flags. Used for HTML blocks and metadata. */
int ds__reader_clean_flat(ds__norm *st, const char *s, size_t len, unsigned *flags);
/* Finish a paragraph held in b (modified in place): link syntax, NFC; then
 * hand it to ds__norm_paragraph() unless empty. */
int ds__reader_paragraph(ds__norm *st, ds__buf *b, int kind, unsigned flags);
/* Replace b (valid UTF-8) by its NFC form: only the segments around code
 * points for which ds__nfc_may_change() holds go through utf8proc.
 * 0, DS_ENOMEM or DS_ERROR. */
int ds__nfc_buf(ds__norm *st, ds__buf *b);
/* 1 when code point cp (>= U+0300) may change, or make its neighbours
 * change, under NFC; cached in st. */
int ds__nfc_may_change(ds__norm *st, uint32_t cp);
/* Byline: when the paragraph s[0..len) is "By NAME" (see the man page),
 * return 1 and set *name / *name_len. */
int ds__byline(const char *s, size_t len, const char **name, size_t *name_len);
/* Remove surrounding emphasis markers (*, **, _, __) and spaces: adjusts
 * [*s, *s + *len). */
void ds__strip_emphasis(const char **s, size_t *len);
/* Replace Markdown inline links and images by their text in place. Returns
 * 1 when something was removed. */
int ds__strip_links(ds__buf *b);

/* ---- normalize.c ---- */

/* A finished, non-empty paragraph (NUL-terminated in its buffer). */
int ds__norm_paragraph(ds__norm *st, int kind, const char *s, size_t len);
/* Store front matter: key (lowercase) and value (cleaned, NFC). */
int ds__norm_front_matter(ds__norm *st, const char *key, const char *value, size_t len);
/* Store the byline or date of a norm-1 header read back ("byline", "date";
 * value cleaned, NFC, as written) and end byline and date detection. */
int ds__norm_header(ds__norm *st, const char *key, const char *value, size_t len);

/* ---- normdate.c ---- */

/* When s[0..len) is a date line (see docseal-formats(5)), return 1 and set
 * iso to "YYYY-MM-DD", or to "" when the date is ambiguous or not a calendar
 * date. Return 0 otherwise. */
int ds__date_line(const char *s, size_t len, ds_date_order order, char iso[11]);

/* ---- boilerplate.c ---- */

/* Rules: the defaults (when use_defaults) plus those of the file at path (or
 * NULL). 0, DS_ENOTFOUND, DS_EINVALID (bad rule: file and line named),
 * DS_EIO, DS_ENOMEM, DS_ERROR. */
int ds__rules_new(ds__rules **out, int use_defaults, const char *path);
/* The default rules are only tried on paragraphs of at most this many bytes. */
#define DS__DEFAULT_RULES_MAX 300
/* 1 when a rule matches the NUL-terminated paragraph s (len bytes). */
int ds__rules_match(const ds__rules *r, const char *s, size_t len);
void ds__rules_free(ds__rules *r);
/* 1 when the default rules have the shape the prefilter needs (tests). */
int ds__boilerplate_prefilter(void);

#endif
