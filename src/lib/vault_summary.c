/* vault_summary.c - change summaries between revisions (cached), time helpers. */
#include "docseal/diff.h"
#include "docseal/hash.h"
#include "vault_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ds_vault_time_parse(int64_t *out, const char *s)
{
    return ds__parse_time(out, s);
}

void ds_vault_time_format(char out[32], int64_t t)
{
    ds__format_time(out, t);
}

/* The cache directory is named after the version of the summary line's rules
 * (diff_summary.c): bump it whenever a summary of the same two texts can read
 * differently, so that a newer docseal neither shows nor flags an older one's
 * cache. Version 1 was index/summaries/ (left alone: a cache). */
#define DS__SUMMARY_CACHE "summaries-v2"

/* index/summaries-vN/<sha256 of the id>.txt */
static char *ds__summary_path(const ds_vault *v, const char *id)
{
    char h[DS_SHA256_HEX_SIZE];
    if (ds_sha256_hex(h, id, strlen(id)) < 0)
        return NULL;
    return ds__asprintf("%s/" DS__SUMMARY_CACHE "/%s.txt", v->index_dir, h);
}

/* A cache line "<from> <to> <summary>" of n bytes (no '\n'): 1 when it is one,
 * with the summary at p + 130. */
static int ds__summary_line_ok(const char *p, size_t n)
{
    return n > 130 && n - 130 < DS_VAULT_SUMMARY_SIZE && p[64] == ' ' && p[129] == ' ' &&
           !memchr(p + 130, '\0', n - 130);
}

/* Find a pair in the loaded cache file: lines "<from> <to> <summary>\n". Lookups
 * usually come in the order the lines were written, so the scan starts where
 * the last match ended. */
static int ds__summary_find(ds_vault *v, char buf[DS_VAULT_SUMMARY_SIZE], const char *from,
                            const char *to)
{
    size_t pass, start = v->sum_pos;
    for (pass = 0; pass < 2; pass++) {
        char *p = v->sum_data + (pass ? 0 : start);
        char *end = v->sum_data + (pass ? start : v->sum_len);
        while (p < end) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n;
            if (!nl)
                break; /* a torn append: ignored */
            n = (size_t)(nl - p);
            if (ds__summary_line_ok(p, n) && memcmp(p, from, 64) == 0 &&
                memcmp(p + 65, to, 64) == 0) {
                memcpy(buf, p + 130, n - 130);
                buf[n - 130] = '\0';
                v->sum_pos = (size_t)(nl + 1 - v->sum_data);
                return 1;
            }
            p = nl + 1;
        }
    }
    return 0;
}

static int ds__summary_lookup(ds_vault *v, char buf[DS_VAULT_SUMMARY_SIZE], const char *path,
                              const char *from, const char *to)
{
    if (!v->sum_path || strcmp(v->sum_path, path) != 0) {
        free(v->sum_path);
        free(v->sum_data);
        v->sum_data = NULL;
        v->sum_len = v->sum_pos = 0;
        if (!(v->sum_path = ds__strdup(path)))
            return 0;
        if (ds__read_file(&v->sum_data, &v->sum_len, path, (size_t)64 << 20) < 0) {
            ds_error_clear();
            v->sum_data = NULL;
            v->sum_len = 0;
        }
    }
    return v->sum_data && ds__summary_find(v, buf, from, to);
}

static void ds__summary_store(ds_vault *v, const char *path, const char *from, const char *to,
                              const char *summary)
{
    char *dir = ds__asprintf("%s/" DS__SUMMARY_CACHE, v->index_dir);
    char *line = ds__asprintf("%s %s %s\n", from, to, summary);
    int fd;
    if (dir && line && ds__mkdirs(dir, 0755) == 0) {
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (fd >= 0) {
            (void)ds__write_all(fd, line, strlen(line), path); /* a cache: no fsync */
            close(fd);
        }
    }
    ds_error_clear();
    free(dir);
    free(line);
}

/* Read a revision's text, reusing the last one read when it is the same. */
static int ds__text(char **out, size_t *len, int *borrowed, ds_vault *v, const char *id,
                    const ds_vault_entry *e)
{
    int err;
    if (v->text && strcmp(v->text_hash, e->content_sha256) == 0) {
        *out = v->text;
        *len = v->text_len;
        *borrowed = 1;
        return 0;
    }
    *borrowed = 0;
    if ((err = ds_vault_read(out, len, v, id, e, 0)) < 0)
        return err;
    return 0;
}

/* The summary of from -> to computed from the texts (store: also cached at
 * path). */
static int ds__summary_compute(char buf[DS_VAULT_SUMMARY_SIZE], ds_vault *v, const char *id,
                               const ds_vault_entry *from, const ds_vault_entry *to,
                               const char *path)
{
    char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    int a_borrowed = 0, b_borrowed = 0;
    ds_diff *d = NULL;
    int err = 0;

    buf[0] = '\0';
    if ((err = ds__text(&a, &alen, &a_borrowed, v, id, from)) < 0 ||
        (err = ds__text(&b, &blen, &b_borrowed, v, id, to)) < 0 ||
        (err = ds_diff_texts(&d, a, alen, b, blen, NULL)) < 0)
        goto done;
    ds_diff_summary_line(buf, DS_VAULT_SUMMARY_SIZE, d);
    if (path && !strchr(buf, '\n'))
        ds__summary_store(v, path, from->content_sha256, to->content_sha256, buf);
    /* keep the newer text: it is the next call's older one */
    if (!b_borrowed) {
        free(v->text); /* when a was borrowed, it was this: no longer needed */
        if (a_borrowed) {
            a = NULL;
            a_borrowed = 0;
        }
        v->text = b;
        v->text_len = blen;
        memcpy(v->text_hash, to->content_sha256, DS_SHA256_HEX_SIZE);
        b = NULL;
    }
done:
    ds_diff_free(d);
    if (!a_borrowed)
        free(a);
    if (!b_borrowed)
        free(b);
    return err;
}

int ds_vault_change_summary(char buf[DS_VAULT_SUMMARY_SIZE], ds_vault *v, const char *id,
                            const ds_vault_entry *from, const ds_vault_entry *to)
{
    char *path;
    int err = 0;

    buf[0] = '\0';
    if (!(path = ds__summary_path(v, id)))
        return DS_ENOMEM;
    if (!ds__summary_lookup(v, buf, path, from->content_sha256, to->content_sha256))
        err = ds__summary_compute(buf, v, id, from, to, path);
    free(path);
    return err;
}

/* The stored revision (a "new" or "changed" sighting) with this content hash. */
static const ds_vault_entry *ds__stored_rev(const ds_vault_entry *h, size_t n, const char *hash)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (h[i].status != DS_DOC_UNCHANGED && memcmp(h[i].content_sha256, hash, 64) == 0)
            return &h[i];
    return NULL;
}

/* Check one document's cache file (data, len): every line log could show. */
static int ds__summary_check_doc(ds_vault *v, const char *id, const char *file, const char *data,
                                 size_t len, ds__summary_bad_fn bad, void *ctx, size_t *checked)
{
    ds_vault_entry *h = NULL;
    size_t hn = 0, lineno = 0;
    const char *p = data, *end = data + len;
    int err;

    if ((err = ds_vault_history(&h, &hn, v, id)) < 0)
        return err;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const ds_vault_entry *from, *to;
        char cached[DS_VAULT_SUMMARY_SIZE], actual[DS_VAULT_SUMMARY_SIZE];
        size_t n;
        lineno++;
        if (!nl)
            break; /* a torn append: never shown */
        n = (size_t)(nl - p);
        if (ds__summary_line_ok(p, n)) {
            memcpy(cached, p + 130, n - 130);
            cached[n - 130] = '\0';
            from = ds__stored_rev(h, hn, p);
            to = ds__stored_rev(h, hn, p + 65);
            (*checked)++;
            if (!from || !to) {
                bad(ctx, file, lineno, id, cached, NULL);
            } else {
                if ((err = ds__summary_compute(actual, v, id, from, to, NULL)) < 0)
                    goto done;
                if (strcmp(actual, cached) != 0)
                    bad(ctx, file, lineno, id, cached, actual);
            }
        }
        p = nl + 1;
    }
done:
    free(h);
    return err;
}

int ds__summary_check(ds_vault *v, ds__summary_bad_fn bad, void *ctx, size_t *checked)
{
    ds_vault_doc_info *docs = NULL;
    size_t n = 0, i;
    int err;

    *checked = 0;
    if ((err = ds_vault_documents(&docs, &n, v)) < 0)
        return err;
    for (i = 0; i < n && err >= 0; i++) {
        char *path = ds__summary_path(v, docs[i].id), *data = NULL;
        size_t len = 0;
        if (!path) {
            err = DS_ENOMEM;
            break;
        }
        if (ds__read_file(&data, &len, path, (size_t)64 << 20) == 0)
            err = ds__summary_check_doc(v, docs[i].id, path + strlen(v->index_dir) - 5, data, len,
                                        bad, ctx, checked);
        else
            ds_error_clear(); /* no cache for this document */
        free(data);
        free(path);
    }
    ds_vault_doc_info_free(docs, n);
    return err;
}
