/* html_stub.c - PLACEHOLDER until the HTML extractor lands (delete then). */
#include "html_internal.h"
#include "util.h"

#include <string.h>

int ds__html_extract(ds__html_article **out, const char *data, size_t len, const char *name)
{
    (void)data, (void)len;
    *out = NULL;
    return ds__error_set(DS_EUNSUPPORTED, "%s: HTML input is not supported yet", name);
}

void ds__html_article_free(ds__html_article *a)
{
    (void)a;
}

int ds__html_sniff(const char *data, size_t len)
{
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\n' || data[i] == '\r' || data[i] == '\t'))
        i++;
    return i < len && data[i] == '<';
}
