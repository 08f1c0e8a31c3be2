/* fuzz_normalize.c - the text/Markdown reader and normalizer (textreader.c,
 * normalize.c, normdate.c, boilerplate.c) on arbitrary bytes.
 *
 * Input: one option byte, then the document.
 *   bits 0-1 format: auto, text, markdown, markdown
 *   bits 2-3 date order (none, mdy, dmy, ymd)
 *   bit  4   keep_boilerplate
 *   bit  5   also run ds_normalize_file() on the same bytes (streamed through
 *            sinks) and require the same result as ds_normalize_buffer()
 *   bits 6-7 from_encoding: none, none, ISO-8859-1, UTF-16LE
 * Invariants: never crashes or leaks; on success the text follows the norm-1
 * layout rules (common.h: fz_check_document); the file and buffer readers
 * agree on success, error code, digests and text. */
#include "common.h"

static const char *const encodings[4] = {NULL, NULL, "ISO-8859-1", "UTF-16LE"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *doc = NULL, *fdoc = NULL;
    unsigned cfg;
    int err, ferr;

    if (size < 1)
        return 0;
    cfg = data[0];
    data++, size--;
    switch (cfg & 3) {
    case 0:
        o.format = DS_FORMAT_AUTO;
        break;
    case 1:
        o.format = DS_FORMAT_TEXT;
        break;
    default:
        o.format = DS_FORMAT_MARKDOWN;
        break;
    }
    o.date_order = (ds_date_order)((cfg >> 2) & 3);
    o.keep_boilerplate = (cfg >> 4) & 1;
    o.from_encoding = encodings[(cfg >> 6) & 3];

    err = ds_normalize_buffer(&doc, data, size, &o);
    if (err == 0) {
        FZ_CHECK(doc != NULL);
        fz_check_document(doc, data, size);
    } else {
        FZ_CHECK(doc == NULL);
        FZ_CHECK(ds_error_last()[0] != '\0');
    }
    if (cfg & 0x20) {
        const char *path = fz_tmp_path(".in");
        fz_buf text = {0}, orig = {0};
        ds_sink ts = {fz_sink_write, &text}, os = {fz_sink_write, &orig};
        o.source_name = "<buffer>";
        if (fz_write_file(path, data, size) == 0) {
            ferr = ds_normalize_file(&fdoc, path, &ts, &os, &o);
            FZ_CHECK(ferr == err);
            if (ferr == 0) {
                FZ_CHECK(fdoc->text == NULL);
                FZ_CHECK(orig.n == size && (size == 0 || memcmp(orig.p, data, size) == 0));
                FZ_CHECK(text.n == doc->content_size && memcmp(text.p, doc->text, text.n) == 0);
                FZ_CHECK(strcmp(fdoc->content_sha256, doc->content_sha256) == 0);
                FZ_CHECK(strcmp(fdoc->original_sha256, doc->original_sha256) == 0);
                FZ_CHECK(fdoc->paragraph_count == doc->paragraph_count);
                FZ_CHECK(fdoc->format == doc->format);
            }
            unlink(path);
        }
        free(text.p);
        free(orig.p);
        ds_document_free(fdoc);
    }
    ds_document_free(doc);
    return 0;
}
