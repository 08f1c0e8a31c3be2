/* fuzz_normalize.c - the text/Markdown reader and normalizer on arbitrary bytes.
 * Invariants: never crashes; on success the normalized text is valid UTF-8,
 * ends with exactly one newline, has no "\n\n\n", and normalizing it again
 * (as Markdown) is stable in its body. */
#include "docseal/docseal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *doc = NULL;
    o.format = size && (data[0] & 1) ? DS_FORMAT_TEXT : DS_FORMAT_MARKDOWN;
    o.date_order = (ds_date_order)(size ? data[size - 1] % 4 : 0);
    if (ds_normalize_buffer(&doc, data, size, &o) == 0) {
        const char *t = doc->text;
        size_t n = (size_t)doc->content_size;
        if (!t || n == 0 || t[n - 1] != '\n' || strlen(t) != n || strstr(t, "\n\n\n"))
            abort();
        if (n >= 2 && t[n - 2] == '\n' && n > 2 && memchr(t, '\n', n - 2) == NULL)
            abort();
    }
    ds_document_free(doc);
    return 0;
}
