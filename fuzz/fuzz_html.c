/* fuzz_html.c - the HTML extractor (html.c, html_charset.c, html_meta.c,
 * html_extract.c) behind ds_html_extract(), on arbitrary bytes.
 *
 * Input: one option byte, then the page.
 *   bits 0-1 date order; bit 2 keep_boilerplate;
 *   bits 3-4 from_encoding: none, none, windows-1252, UTF-16BE;
 *   bit 5    also go through ds_normalize_buffer(DS_FORMAT_HTML), which must
 *            give the same result.
 * Invariants: never crashes or leaks (libxml2 included); on success the text
 * follows the norm-1 layout (common.h); ds_html_sniff() never crashes. */
#include "common.h"

static const char *const encodings[4] = {NULL, NULL, "windows-1252", "UTF-16BE"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *doc = NULL, *doc2 = NULL;
    unsigned cfg;
    int err, err2;

    if (size < 1)
        return 0;
    cfg = data[0];
    data++, size--;
    o.date_order = (ds_date_order)(cfg & 3);
    o.keep_boilerplate = (cfg >> 2) & 1;
    o.from_encoding = encodings[(cfg >> 3) & 3];
    o.format = DS_FORMAT_TEXT; /* ignored by ds_html_extract() */

    (void)ds_html_sniff(data, size);
    err = ds_html_extract(&doc, data, size, &o);
    if (err == 0) {
        FZ_CHECK(doc != NULL && doc->format == DS_FORMAT_HTML);
        fz_check_document(doc, data, size);
    } else {
        FZ_CHECK(doc == NULL);
        FZ_CHECK(ds_error_last()[0] != '\0');
    }
    if (cfg & 0x20) {
        o.format = DS_FORMAT_HTML;
        err2 = ds_normalize_buffer(&doc2, data, size, &o);
        FZ_CHECK(err2 == err);
        if (err == 0)
            FZ_CHECK(strcmp(doc->text, doc2->text) == 0 &&
                     strcmp(doc->content_sha256, doc2->content_sha256) == 0);
        ds_document_free(doc2);
    }
    ds_document_free(doc);
    return 0;
}
