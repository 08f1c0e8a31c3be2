/*
 * docseal/html.h - reading saved web pages: the article and its metadata.
 *
 * A saved news page is turned into a ds_document (docseal/normalize.h):
 * headline, byline, publication and modification time, canonical URL, site
 * name, language and the article body as normalized text (norm-1), without
 * navigation, share bars, related links, comments, ads or hidden elements.
 * The page is parsed with libxml2's HTML parser in recover mode and never
 * fetches anything. How pages are read (character sets, metadata sources and
 * their order, what counts as page furniture) is specified in
 * docseal-formats(5), section HTML PAGES.
 */
#ifndef DOCSEAL_HTML_H
#define DOCSEAL_HTML_H

#include "docseal/normalize.h"
#include "docseal/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest page accepted, in bytes (256 MiB). */
#define DS_HTML_MAX_INPUT ((size_t)256 << 20)

/**
 * Read a saved web page held in memory and normalize its article.
 *
 * The same as ds_normalize_buffer() with the format forced to
 * DS_FORMAT_HTML (opts->format is ignored; every other option applies).
 * The character set comes from a byte order mark, else <meta charset> or
 * http-equiv Content-Type, else UTF-8 (or opts->from_encoding when given);
 * invalid bytes become U+FFFD.
 *
 * @param[out] out the document: metadata, digests and out->text, the
 *             normalized text. Ownership: caller frees with
 *             ds_document_free(). Set to NULL on failure.
 * @param data the page's bytes exactly as saved; len their size in bytes.
 * @param opts options, or NULL for defaults.
 * @return 0, or
 *   DS_EINVALID  an empty or whitespace-only page, a NUL byte (binary
 *                input), a page that cannot be parsed, no text at all, an
 *                unknown opts->from_encoding, a bad boilerplate rule;
 *   DS_ELIMIT    a page larger than DS_HTML_MAX_INPUT bytes;
 *   DS_ENOTFOUND the boilerplate rules file does not exist;
 *   DS_ENOMEM, DS_ERROR.
 */
int ds_html_extract(ds_document **out, const void *data, size_t len,
                    const ds_normalize_options *opts);

/**
 * Does data look like an HTML page? (What DS_FORMAT_AUTO uses: the first
 * non-blank bytes, after an optional UTF-8 byte order mark, open a doctype,
 * <html>, <head>, <body>, a comment or another common leading tag.)
 *
 * @param data the first bytes of the input (1 KiB is enough); len their size.
 * @return 1 or 0.
 */
int ds_html_sniff(const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
