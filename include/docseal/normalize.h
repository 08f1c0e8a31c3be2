/*
 * docseal/normalize.h - the document model and normalization (norm-1).
 *
 * Reading a document turns its original bytes (text, Markdown or HTML) into
 * a ds_document: metadata plus the normalized text, the one canonical UTF-8
 * form that is content-hashed, stored and diffed. The exact layout and every
 * rule of normalization version DS_NORMALIZER_VERSION are specified in
 * docseal-formats(5), section NORMALIZED TEXT. In short:
 *
 *     # <headline>\n
 *     byline: <byline>\n          (only when a byline was found)
 *     date: <published, as written>\n   (only when a date was found)
 *     \n
 *     <paragraph>\n
 *     \n
 *     <paragraph>\n
 *
 * Content hash: SHA-256 of the normalized bytes, lowercase hex.
 * Original hash: SHA-256 of the input bytes exactly as given.
 */
#ifndef DOCSEAL_NORMALIZE_H
#define DOCSEAL_NORMALIZE_H

#include "docseal/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The normalization rules version recorded in bundles and manifests. */
#define DS_NORMALIZER_VERSION "norm-1"

/** Input formats. */
typedef enum ds_format {
    DS_FORMAT_AUTO = 0, /**< sniff: HTML when the first non-blank bytes look like markup */
    DS_FORMAT_TEXT,
    DS_FORMAT_MARKDOWN,
    DS_FORMAT_HTML
} ds_format;

/** How to read an all-numeric date such as 11/01/2018. */
typedef enum ds_date_order {
    DS_DATE_ORDER_NONE = 0, /**< ISO form only when unambiguous */
    DS_DATE_ORDER_MDY,
    DS_DATE_ORDER_DMY,
    DS_DATE_ORDER_YMD
} ds_date_order;

/**
 * A read document. All strings are NUL-terminated UTF-8 (NFC) or NULL when
 * absent. Ownership: the whole structure belongs to the library; free it
 * with ds_document_free(). Treat it as read-only.
 */
typedef struct ds_document {
    char *id;            /**< id from front matter, or NULL */
    char *canonical_url; /**< canonical URL (front matter url:, link rel=canonical, og:url) */
    char *title;         /**< the headline */
    char *byline;        /**< e.g. "By Jane Doe", or NULL */
    char *published_raw; /**< publication date as written in the input */
    char *published;     /**< ISO 8601 date ("2018-01-11") or date-time with offset; NULL
                              when absent or ambiguous */
    char *modified;      /**< ISO 8601 modification time (HTML only), or NULL */
    char *language;      /**< BCP 47 tag (e.g. "en", "en-GB"), or NULL */
    char *site_name;     /**< publisher / site name, or NULL */
    ds_format format;    /**< the reader actually used (never DS_FORMAT_AUTO) */
    char original_sha256[DS_SHA256_HEX_SIZE]; /**< SHA-256 of the input bytes */
    uint64_t original_size;                  /**< input size in bytes */
    char content_sha256[DS_SHA256_HEX_SIZE];  /**< SHA-256 of the normalized text */
    uint64_t content_size;                   /**< normalized text size in bytes */
    size_t paragraph_count;                  /**< body paragraphs in the normalized text */
    size_t boilerplate_removed;              /**< paragraphs dropped by boilerplate rules */
    char *text; /**< the normalized text (content_size bytes + NUL), or NULL when it was
                     streamed to a sink instead */
} ds_document;

typedef struct ds_normalize_options {
    unsigned int version;           /**< DS_NORMALIZE_OPTIONS_VERSION */
    ds_format format;               /**< DS_FORMAT_AUTO by default */
    ds_date_order date_order;       /**< DS_DATE_ORDER_NONE by default */
    int keep_boilerplate;           /**< non-zero: do not apply boilerplate rules */
    const char *boilerplate_rules;  /**< path of a file with extra rules (one POSIX ERE per
                                         line, '#' comments), or NULL */
    const char *from_encoding;      /**< iconv(3) name of the input encoding, or NULL for
                                         UTF-8 */
    const char *source_name;        /**< name used in error messages, or NULL */
} ds_normalize_options;

#define DS_NORMALIZE_OPTIONS_VERSION 1
#define DS_NORMALIZE_OPTIONS_INIT                                                                  \
    {                                                                                              \
        DS_NORMALIZE_OPTIONS_VERSION, DS_FORMAT_AUTO, DS_DATE_ORDER_NONE, 0, NULL, NULL, NULL     \
    }

/** Largest input accepted (bytes). Larger inputs fail with DS_ELIMIT. */
#define DS_NORMALIZE_MAX_INPUT ((uint64_t)1 << 40)

/**
 * Read and normalize a document held in memory.
 *
 * @param[out] out the document; out->text holds the normalized text.
 *             Ownership: caller frees with ds_document_free().
 * @param data the original bytes; len their size in bytes.
 * @param opts options, or NULL for defaults.
 * @return 0, or
 *   DS_EINVALID  invalid UTF-8 (the message names the byte offset), a NUL
 *                byte (binary input), an empty or whitespace-only document,
 *                an unknown encoding, a bad boilerplate rule;
 *   DS_ENOTFOUND the boilerplate rules file does not exist;
 *   DS_ENOMEM, DS_ERROR.
 */
int ds_normalize_buffer(ds_document **out, const void *data, size_t len,
                        const ds_normalize_options *opts);

/**
 * Read and normalize a file, streaming: memory stays bounded by the longest
 * paragraph (text/Markdown) or by the page size (HTML, which is parsed whole).
 *
 * @param[out] out the document's metadata and digests. out->text is NULL
 *             when text_sink is given, else it holds the normalized text.
 * @param path a file path, or "-" for standard input.
 * @param text_sink receives the normalized text as it is produced, or NULL.
 * @param original_sink receives every input byte as read (to keep a copy of
 *        standard input, say), or NULL.
 * @param opts options, or NULL for defaults.
 * @return 0, or the errors of ds_normalize_buffer() plus DS_ENOTFOUND (no
 *         such file), DS_EINVALID (a directory), DS_EIO (read error), and
 *         any code a sink returned.
 */
int ds_normalize_file(ds_document **out, const char *path, const ds_sink *text_sink,
                      const ds_sink *original_sink, const ds_normalize_options *opts);

/** Free a document; NULL is allowed. */
void ds_document_free(ds_document *doc);

/** "auto", "text", "markdown" or "html". */
const char *ds_format_name(ds_format f);

/**
 * Parse a format name ("auto", "text", "txt", "markdown", "md", "html").
 * @return 0 or DS_EINVALID.
 */
int ds_format_parse(ds_format *out, const char *name);

/**
 * Parse a date order name ("mdy", "dmy", "ymd").
 * @return 0 or DS_EINVALID.
 */
int ds_date_order_parse(ds_date_order *out, const char *name);

/**
 * The default boilerplate rules, POSIX extended regular expressions matched
 * case-insensitively against whole normalized paragraphs.
 * @return a NULL-terminated static array.
 */
const char *const *ds_boilerplate_default_rules(void);

#ifdef __cplusplus
}
#endif
#endif
