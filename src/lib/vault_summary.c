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

/* index/summaries/<sha256 of the id>.txt */
static char *ds__summary_path(const ds_vault *v, const char *id)
{
    char h[DS_SHA256_HEX_SIZE];
    if (ds_sha256_hex(h, id, strlen(id)) < 0)
        return NULL;
    return ds__asprintf("%s/summaries/%s.txt", v->index_dir, h);
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
            if (n > 130 && n - 130 < DS_VAULT_SUMMARY_SIZE && p[64] == ' ' && p[129] == ' ' &&
                memcmp(p, from, 64) == 0 && memcmp(p + 65, to, 64) == 0 &&
                !memchr(p + 130, '\0', n - 130)) {
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
    char *dir = ds__asprintf("%s/summaries", v->index_dir);
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

int ds_vault_change_summary(char buf[DS_VAULT_SUMMARY_SIZE], ds_vault *v, const char *id,
                            const ds_vault_entry *from, const ds_vault_entry *to)
{
    char *path = NULL, *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    int a_borrowed = 0, b_borrowed = 0;
    ds_diff *d = NULL;
    int err = 0;

    buf[0] = '\0';
    if (!(path = ds__summary_path(v, id)))
        return DS_ENOMEM;
    if (ds__summary_lookup(v, buf, path, from->content_sha256, to->content_sha256))
        goto done;
    if ((err = ds__text(&a, &alen, &a_borrowed, v, id, from)) < 0 ||
        (err = ds__text(&b, &blen, &b_borrowed, v, id, to)) < 0 ||
        (err = ds_diff_texts(&d, a, alen, b, blen, NULL)) < 0)
        goto done;
    ds_diff_summary_line(buf, DS_VAULT_SUMMARY_SIZE, d);
    if (!strchr(buf, '\n'))
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
    free(path);
    return err;
}
