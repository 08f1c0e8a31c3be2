/* normalize.c - PLACEHOLDER until the normalize module lands. */
#include "docseal/normalize.h"
#include "util.h"

#include <stdlib.h>

int ds_normalize_file(ds_document **out, const char *path, const ds_sink *text_sink,
                      const ds_sink *original_sink, const ds_normalize_options *opts)
{
    (void)path, (void)text_sink, (void)original_sink, (void)opts;
    *out = NULL;
    return ds__error_set(DS_EUNSUPPORTED, "normalize: not implemented yet");
}

void ds_document_free(ds_document *doc)
{
    free(doc);
}
