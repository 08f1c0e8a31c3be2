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
    char *byline;        /**< the author line without its "By " ("Jane Doe"), or NULL */
    char *published_raw; /**< publication date as written in the input */
    char *published;     /**< ISO 8601 date ("2018-01-11") or date-time with offset; NULL
                              when absent or ambiguous */
    char *modified;      /**< ISO 8601 modification time (HTML only), or NULL */
    char *language;      /**< BCP 47 tag (e.g. "en", "en-GB"), or NULL */
    char *site_name;     /**< publisher / site name, or NULL */
    ds_format format;    /**< the reader actually used (never DS_FORMAT_AUTO) */
    char original_sha256[DS_SHA256_HEX_SIZE]; /**< SHA-256 of the input bytes ("" with
                                                   DS_NORMALIZE_NO_DIGESTS) */
    uint64_t original_size;                   /**< input size in bytes */
    char content_sha256[DS_SHA256_HEX_SIZE];  /**< SHA-256 of the normalized text ("" with
                                                   DS_NORMALIZE_NO_DIGESTS) */
    uint64_t content_size;                    /**< normalized text size in bytes */
    size_t paragraph_count;                   /**< body paragraphs in the normalized text */
    size_t boilerplate_removed;               /**< paragraphs dropped by boilerplate rules */
    char *text; /**< the normalized text (content_size bytes + NUL), or NULL when it was
                     streamed to a sink instead */
} ds_document;

typedef struct ds_normalize_options {
    unsigned int version;          /**< DS_NORMALIZE_OPTIONS_VERSION */
    ds_format format;              /**< DS_FORMAT_AUTO by default */
    ds_date_order date_order;      /**< DS_DATE_ORDER_NONE by default */
    int keep_boilerplate;          /**< non-zero: do not apply boilerplate rules */
    const char *boilerplate_rules; /**< path of a file with extra rules (one POSIX ERE per
                                        line, '#' comments), or NULL */
    const char *from_encoding;     /**< iconv(3) name of the input encoding, or NULL for
                                        UTF-8 */
    const char *source_name;       /**< name used in error messages, or NULL */
    unsigned int flags;            /**< (version 2) DS_NORMALIZE_* flags below; 0 by default */
} ds_normalize_options;

/**
 * ds_normalize_options.flags: do not compute the digests. original_sha256
 * and content_sha256 of the document are then empty strings (every other
 * field, the text included, is the same as without the flag). For callers
 * that only want the text (docseal diff): it saves hashing every byte twice.
 * The bundle writer and ds_vault_add() ignore it: they always need the
 * digests.
 */
#define DS_NORMALIZE_NO_DIGESTS 0x01u

/** Version 2 added flags. Version 1 structs (without it) are still accepted: only their
 * own size is read, and flags is 0 for them. */
#define DS_NORMALIZE_OPTIONS_VERSION 2
#define DS_NORMALIZE_OPTIONS_INIT                                                                  \
    {                                                                                              \
        DS_NORMALIZE_OPTIONS_VERSION, DS_FORMAT_AUTO, DS_DATE_ORDER_NONE, 0, NULL, NULL, NULL, 0   \
    }

/** Largest input accepted (bytes). Larger inputs fail with DS_ELIMIT. */
#define DS_NORMALIZE_MAX_INPUT ((uint64_t)1 << 40)

/** Largest HTML input accepted (bytes): a page is parsed whole. DS_ELIMIT above. */
#define DS_NORMALIZE_MAX_HTML ((uint64_t)256 << 20)
/** Longest paragraph (and line) of text/Markdown input, in bytes: memory is
 * bounded by it. Longer ones fail with DS_ELIMIT. */
#define DS_NORMALIZE_MAX_PARAGRAPH ((size_t)256 << 20)

/**
 * Read and normalize a document held in memory (docseal-formats(5), NORMALIZED
 * TEXT): the same one-pass pipeline as ds_normalize_file().
 *
 * @param[out] out the document; out->text holds the normalized text
 *             (out->content_size bytes plus a NUL). Set to NULL on failure.
 *             Ownership: caller frees with ds_document_free().
 * @param data the original bytes (UTF-8, or opts->from_encoding); len their
 *        size in bytes. Borrowed; not modified.
 * @param opts options, or NULL for defaults. Messages name opts->source_name,
 *        or "<buffer>".
 * @return 0, or
 *   DS_EINVALID  "NAME: invalid UTF-8 at byte offset N" (N counted from 0 in
 *                the input, a BOM included: the first byte of the first
 *                ill-formed sequence), "NAME: binary input (NUL byte at
 *                offset N)", "NAME: empty document", "NAME: no text (only
 *                whitespace)", "NAME: invalid ENC input at byte offset N" and
 *                "NAME: cannot convert from 'ENC': unknown encoding" (with
 *                from_encoding; the first two then refer to the converted
 *                text and say "after conversion from ENC"), "FILE:LINE:
 *                invalid regular expression: ..." (boilerplate_rules), options
 *                with an unknown version (not 1 or 2), format, date order or
 *                flag;
 *   DS_ENOTFOUND the boilerplate rules file does not exist;
 *   DS_ELIMIT    HTML input above DS_NORMALIZE_MAX_HTML, input above
 *                DS_NORMALIZE_MAX_INPUT;
 *   DS_EUNSUPPORTED, DS_EINVALID from the HTML extractor (HTML input);
 *   DS_EIO (reading the rules file), DS_ENOMEM, DS_ERROR.
 */
int ds_normalize_buffer(ds_document **out, const void *data, size_t len,
                        const ds_normalize_options *opts);

/**
 * Read and normalize a file, streaming: the input is read in 128 KiB blocks,
 * hashed and passed to original_sink as read, and the normalized text is
 * written to text_sink as paragraphs complete (batched in 64 KiB writes; the
 * header comes first). Memory stays bounded by the longest paragraph for
 * text and Markdown; an HTML page is read whole (at most
 * DS_NORMALIZE_MAX_HTML bytes). On failure the sinks may already have
 * received part of their data.
 *
 * @param[out] out the document's metadata and digests; out->text is NULL
 *             when text_sink is given, else it holds the normalized text.
 *             Set to NULL on failure. Ownership: caller frees with
 *             ds_document_free().
 * @param path a file path, or "-" for standard input. Messages name
 *        opts->source_name, or path ("<stdin>" for "-").
 * @param text_sink receives the normalized text, or NULL.
 * @param original_sink receives every input byte as read (to keep a copy of
 *        standard input, say), or NULL.
 * @param opts options, or NULL for defaults.
 * @return 0, or the errors of ds_normalize_buffer() (messages naming the
 *         file), and DS_ENOTFOUND "NAME: No such file or directory",
 *         DS_EINVALID "NAME: is a directory", DS_EIO (open or read error:
 *         "NAME: <strerror>"), or any code a sink returned, unchanged.
 */
int ds_normalize_file(ds_document **out, const char *path, const ds_sink *text_sink,
                      const ds_sink *original_sink, const ds_normalize_options *opts);

/** Free a document; NULL is allowed. */
void ds_document_free(ds_document *doc);

/** "auto", "text", "markdown" or "html" ("unknown" for other values). Static. */
const char *ds_format_name(ds_format f);

/**
 * Parse a format name ("auto", "text", "txt", "markdown", "md", "html").
 * @param[out] out the format (unchanged on failure).
 * @return 0 or DS_EINVALID ("'NAME' is not a format (auto, text, markdown, html)").
 */
int ds_format_parse(ds_format *out, const char *name);

/**
 * Parse a date order name ("mdy", "dmy", "ymd").
 * @param[out] out the order (unchanged on failure).
 * @return 0 or DS_EINVALID ("'NAME' is not a date order (mdy, dmy, ymd)").
 */
int ds_date_order_parse(ds_date_order *out, const char *name);

/**
 * The default boilerplate rules of norm-1: POSIX extended regular
 * expressions, each anchored with ^ and $, matched case-insensitively (ASCII)
 * and byte-wise in the POSIX locale against body paragraphs of at most 300
 * bytes; a paragraph a rule matches is dropped.
 * @return a NULL-terminated static array. Ownership: borrowed, static.
 */
const char *const *ds_boilerplate_default_rules(void);

#ifdef __cplusplus
}
#endif
#endif
