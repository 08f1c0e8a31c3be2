/* common.h - helpers shared by the fuzz harnesses (not a harness itself).
 * Every check calls abort() on a broken invariant so that libFuzzer records
 * the input as a crash. */
#ifndef DS_FUZZ_COMMON_H
#define DS_FUZZ_COMMON_H

#include "docseal/docseal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

/* Report a broken invariant on stderr and crash. */
#define FZ_CHECK(cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A growable byte buffer, also usable as a ds_sink context. */
typedef struct fz_buf {
    char *p;
    size_t n, cap;
} fz_buf;

static inline void fz_put(fz_buf *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = (b->n + n + 1) * 2;
        char *q = realloc(b->p, cap);
        FZ_CHECK(q != NULL);
        b->p = q;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static inline int fz_sink_write(void *ctx, const void *p, size_t n)
{
    fz_put(ctx, p, n);
    return 0;
}

static inline int fz_null_write(void *ctx, const void *p, size_t n)
{
    (void)ctx, (void)p, (void)n;
    return 0;
}

/* A per-process scratch file path on a memory file system when there is one. */
static inline const char *fz_tmp_path(const char *suffix)
{
    static char path[128];
    const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(path, sizeof path, "%s/docseal-fuzz-%d%s", dir, (int)getpid(), suffix);
    return path;
}

static inline int fz_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    if (len && fwrite(data, 1, len, f) != len) {
        fclose(f);
        return -1;
    }
    return fclose(f);
}

/* 1 when s[0, n) is well-formed UTF-8 (RFC 3629). */
static inline int fz_utf8_ok(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k =
            utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0)
            return 0;
        i += (size_t)k;
    }
    return 1;
}

/* The layout rules of norm-1 (docseal-formats(5), NORMALIZED TEXT, Layout)
 * and the document's digests and counts. data/size: the original input. */
static inline void fz_check_document(const ds_document *doc, const void *data, size_t size)
{
    const char *t = doc->text, *line, *end;
    size_t n = (size_t)doc->content_size, paras = 0;
    char hex[DS_SHA256_HEX_SIZE];
    int in_header = 1;
    utf8proc_uint8_t *nfc = NULL;

    FZ_CHECK(doc->format != DS_FORMAT_AUTO);
    FZ_CHECK(doc->original_size == size);
    FZ_CHECK(ds_sha256_hex(hex, data, size) == 0 && strcmp(hex, doc->original_sha256) == 0);
    FZ_CHECK(t != NULL && n > 0 && strlen(t) == n);
    FZ_CHECK(ds_sha256_hex(hex, t, n) == 0 && strcmp(hex, doc->content_sha256) == 0);
    FZ_CHECK(fz_utf8_ok(t, n));
    FZ_CHECK(t[n - 1] == '\n');                             /* ends with one LF ... */
    FZ_CHECK(n < 2 || t[n - 2] != '\n');                    /* ... never with an empty line */
    FZ_CHECK(memchr(t, '\r', n) == NULL);                   /* no CR */
    FZ_CHECK(t[0] == '#' && (t[1] == ' ' || t[1] == '\n')); /* "# headline" or "#" */
    FZ_CHECK(!(t[1] == ' ' && t[2] == '\n'));               /* "# " needs a headline */
    for (line = t; line < t + n; line = end + 1) {
        size_t len;
        end = memchr(line, '\n', (size_t)(t + n - line));
        FZ_CHECK(end != NULL);
        len = (size_t)(end - line);
        if (len == 0) {
            /* exactly one empty line between paragraphs */
            FZ_CHECK(end + 1 < t + n && end[1] != '\n');
            in_header = 0;
            continue;
        }
        FZ_CHECK(line[0] != ' ' && line[len - 1] != ' ');
        for (size_t i = 1; i < len; i++)
            FZ_CHECK(!(line[i] == ' ' && line[i - 1] == ' '));
        if (!in_header)
            paras++;
    }
    FZ_CHECK(paras == doc->paragraph_count);
    /* NFC */
    nfc = utf8proc_NFC((const utf8proc_uint8_t *)t);
    FZ_CHECK(nfc != NULL);
    FZ_CHECK(strcmp((const char *)nfc, t) == 0);
    free(nfc);
    /* metadata strings: UTF-8 without line breaks */
    {
        const char *const fields[] = {doc->title,     doc->byline,        doc->published_raw,
                                      doc->published, doc->modified,      doc->language,
                                      doc->site_name, doc->canonical_url, doc->id};
        for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
            if (fields[i])
                FZ_CHECK(fz_utf8_ok(fields[i], strlen(fields[i])));
    }
}

#endif
