/* vault_summary.c - change summaries between revisions (cached), time helpers. */
#include "docseal/diff.h"
#include "docseal/hash.h"
#include "vault_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

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

/* Longest cache file read, in bytes. */
#define DS__SUMMARY_MAX ((size_t)64 << 20)

/* index/summaries-vN/<H>.txt, H the SHA-256 of the id's NFC form (so that
 * every form of an id names one file). */
static char *ds__summary_name(const char *id)
{
    char h[DS_SHA256_HEX_SIZE];
    utf8proc_uint8_t *nfc = utf8proc_NFC((const utf8proc_uint8_t *)id);
    const char *key = nfc ? (const char *)nfc : id;
    int err = ds_sha256_hex(h, key, strlen(key));
    free(nfc);
    return err < 0 ? NULL : ds__asprintf("%s.txt", h);
}

static char *ds__summary_path(const ds_vault *v, const char *id)
{
    char *name = ds__summary_name(id), *path;
    if (!name)
        return NULL;
    path = ds__asprintf("%s/" DS__SUMMARY_CACHE "/%s", v->index_dir, name);
    free(name);
    return path;
}

/* A cache line "<from> <to> <summary>" of n bytes (no '\n'): 1 when it is one
 * (the summary at p + 130 is UTF-8 without control characters, as
 * ds_diff_summary_line() writes it). Anything else is never shown. */
static int ds__summary_line_ok(const char *p, size_t n)
{
    const utf8proc_uint8_t *q = (const utf8proc_uint8_t *)p + 130;
    utf8proc_ssize_t left;
    if (!(n > 130 && n - 130 < DS_VAULT_SUMMARY_SIZE && p[64] == ' ' && p[129] == ' '))
        return 0;
    for (left = (utf8proc_ssize_t)(n - 130); left > 0;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(q, left, &cp);
        if (k < 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            return 0;
        q += k;
        left -= k;
    }
    return 1;
}

/* Read a cache file: a regular file only (never a FIFO or a link planted in
 * index/). 0, DS_ENOTFOUND, or another error with a message. */
static int ds__summary_read(char **data, size_t *len, const char *path, const char *what)
{
    int fd, err;
    *data = NULL;
    *len = 0;
    if ((err = ds__open_regular(&fd, path, what)) < 0)
        return err;
    err = ds__read_fd(data, len, fd, what, DS__SUMMARY_MAX);
    close(fd);
    return err;
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
        if (ds__summary_read(&v->sum_data, &v->sum_len, path, path) < 0) {
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
    if (dir && line && ds__own_dir(v->index_dir, "index/") == 0 &&
        ds__own_dir(dir, DS__SUMMARY_CACHE) == 0 && ds__mkdirs(dir, 0755) == 0) {
        /* never through a link, never blocking on a FIFO planted there */
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
        if (fd >= 0) {
            struct stat st;
            if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
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

/* Check one document's cache file (data, len) against its texts: the lines
 * log can show are those of a revision and the one before it; each such pair
 * is computed once, however many lines name it. Other lines are never shown
 * and are left alone. */
static int ds__summary_check_doc(ds_vault *v, const char *id, const char *file, const char *data,
                                 size_t len, ds__summary_bad_fn bad, void *ctx, size_t *checked)
{
    ds_vault_entry *h = NULL, **revs = NULL;
    char(*sums)[DS_VAULT_SUMMARY_SIZE] = NULL;
    unsigned char *done = NULL;
    size_t hn = 0, nrev = 0, i, lineno = 0, nbad = 0, first_line = 0;
    char first_cached[DS_VAULT_SUMMARY_SIZE], first_actual[DS_VAULT_SUMMARY_SIZE];
    const char *p = data, *end = data + len;
    int err;

    if ((err = ds_vault_history(&h, &hn, v, id)) < 0)
        return err;
    if (!(revs = ds__calloc(hn ? hn : 1, sizeof *revs)) ||
        !(sums = ds__calloc(hn ? hn : 1, sizeof *sums)) || !(done = ds__calloc(hn ? hn : 1, 1))) {
        err = DS_ENOMEM;
        goto out;
    }
    for (i = 0; i < hn; i++)
        if (h[i].status != DS_DOC_UNCHANGED)
            revs[nrev++] = &h[i];
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n, k;
        lineno++;
        if (!nl)
            break; /* a torn append: never shown */
        n = (size_t)(nl - p);
        for (k = 1; ds__summary_line_ok(p, n) && k < nrev; k++) {
            if (memcmp(p, revs[k - 1]->content_sha256, 64) != 0 ||
                memcmp(p + 65, revs[k]->content_sha256, 64) != 0)
                continue;
            if (!done[k]) {
                if ((err = ds__summary_compute(sums[k], v, id, revs[k - 1], revs[k], NULL)) < 0)
                    goto out;
                done[k] = 1;
            }
            (*checked)++;
            if (strlen(sums[k]) != n - 130 || memcmp(sums[k], p + 130, n - 130) != 0) {
                if (!nbad++) {
                    first_line = lineno;
                    memcpy(first_cached, p + 130, n - 130);
                    first_cached[n - 130] = '\0';
                    memcpy(first_actual, sums[k], sizeof first_actual);
                }
            }
            break;
        }
        p = nl + 1;
    }
    if (nbad)
        bad(ctx, file, first_line, id, first_cached, first_actual, nbad);
out:
    free(done);
    free(sums);
    free(revs);
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
        char *name = ds__summary_name(docs[i].id), *path = NULL, *file = NULL, *data = NULL;
        size_t len = 0;
        int rc;
        if (!name || !(path = ds__asprintf("%s/" DS__SUMMARY_CACHE "/%s", v->index_dir, name)) ||
            !(file = ds__asprintf("index/" DS__SUMMARY_CACHE "/%s", name))) {
            err = DS_ENOMEM;
        } else if ((rc = ds__summary_read(&data, &len, path, file)) == 0) {
            rc = ds__summary_check_doc(v, docs[i].id, file, data, len, bad, ctx, checked);
            if (rc == DS_ENOMEM)
                err = rc;
            else if (rc < 0) /* the texts cannot be read: verify says why elsewhere */
                bad(ctx, file, 0, docs[i].id, ds_error_last(), NULL, 0);
        } else if (rc == DS_ENOMEM) {
            err = rc;
        } else if (rc != DS_ENOTFOUND) {
            bad(ctx, file, 0, docs[i].id, ds_error_last(), NULL, 0); /* not a regular file... */
        }
        ds_error_clear();
        free(data);
        free(file);
        free(path);
        free(name);
    }
    ds_vault_doc_info_free(docs, n);
    return err;
}

int ds__summary_cache_files(ds_vault *v)
{
    char *dir = ds__asprintf("%s/" DS__SUMMARY_CACHE, v->index_dir);
    char **names = NULL;
    size_t n = 0;
    int rc;
    if (!dir)
        return DS_ENOMEM;
    rc = ds__list_dir(&names, &n, dir, 1);
    free(dir);
    if (rc < 0) {
        ds_error_clear();
        return 0;
    }
    ds__free_names(names, n);
    return n > 0;
}

int ds__summary_unlink(ds_vault *v, const char *file)
{
    const char *base = strrchr(file, '/');
    int dfd = -1, sfd = -1, err = 0;
    base = base ? base + 1 : file;
    /* through directories opened without following links: a link planted as
     * index/ or its cache directory must not send the unlink elsewhere */
    dfd = open(v->index_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd >= 0)
        sfd = openat(dfd, DS__SUMMARY_CACHE, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sfd < 0 || (unlinkat(sfd, base, 0) < 0 && errno != ENOENT))
        err = ds__error_errno(DS_EIO, errno, file);
    if (sfd >= 0)
        close(sfd);
    if (dfd >= 0)
        close(dfd);
    return err;
}
