/* vault_repair.c - undo what a crash leaves behind, never touching a valid record. */
#include "vault_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct ds__repair {
    ds_vault *v;
    const ds_vault_repair_options *o;
    size_t actions;
    unsigned char (*refs)[32];
    size_t ref_count, ref_cap;
    char *orphan_why; /* what the orphan actions say */
} ds__repair;

static int ds__ref_add(ds__repair *rp, const char *hex)
{
    if (rp->ref_count == rp->ref_cap) {
        size_t cap = rp->ref_cap ? rp->ref_cap * 2 : 64;
        unsigned char(*g)[32] = ds__realloc(rp->refs, cap * sizeof *g);
        if (!g)
            return DS_ENOMEM;
        rp->refs = g;
        rp->ref_cap = cap;
    }
    if (ds__unhex(rp->refs[rp->ref_count], hex, 32) == 0)
        rp->ref_count++;
    return 0;
}

static int ds__cmp32(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Announce a step; 1 when it must be performed (not a dry run). */
static int ds__announce(ds__repair *rp, ds_vault_repair_kind kind, const char *path,
                        const char *detail)
{
    ds_vault_repair_action a;
    a.kind = kind;
    a.path = path;
    a.detail = detail;
    rp->actions++;
    if (rp->o->on_action)
        rp->o->on_action(rp->o->ctx, &a);
    return !rp->o->dry_run;
}

/* Check a final line without '\n' that parses as a record: 1 when it follows
 * the chain, is signed by a trusted key and names an existing bundle (only
 * its '\n' is missing); 0 when it does not parse (a torn record); otherwise
 * DS_EINTEGRITY with a message: a complete record that a crash cannot have
 * left behind. */
static int ds__tail_check(ds_vault *v, const char *line, size_t len, const ds_manifest_tail *tail,
                          char bundle[DS_SHA256_HEX_SIZE])
{
    ds_manifest_record *rec = NULL;
    ds_public_key **keys = NULL;
    size_t n = 0, i;
    char *path = NULL;
    struct stat st;
    int ok = 0, err;

    if ((err = ds_manifest_record_parse(&rec, line, len)) < 0) {
        ds_error_clear();
        return err == DS_ENOMEM ? err : 0;
    }
    if (rec->seq != tail->last_seq + 1 || strcmp(rec->prev, tail->last_hash) != 0 ||
        rec->time < tail->last_time) {
        err = ds__error_set(DS_EINTEGRITY,
                            "manifest.jsonl: record %" PRIu64
                            " is complete but does not follow the record before it: that is "
                            "tampering, not a crash; not repairing (run 'docseal verify')",
                            rec->seq);
        goto done;
    }
    if ((err = ds_vault_trusted_keys(&keys, &n, v)) < 0)
        goto done;
    for (i = 0; i < n && !ok; i++)
        ok = ds_manifest_record_verify(rec, keys[i]) == 0;
    ds_error_clear();
    if (!ok) {
        err = ds__error_set(DS_EINTEGRITY,
                            "manifest.jsonl: record %" PRIu64
                            " is complete but its signature does not verify: that is tampering, "
                            "not a crash; not repairing (run 'docseal verify')",
                            rec->seq);
        goto done;
    }
    if (!(path = ds__vault_bundle_path(v, rec->bundle))) {
        err = DS_ENOMEM;
        goto done;
    }
    if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
        err = ds__error_set(DS_EINTEGRITY,
                            "manifest.jsonl: record %" PRIu64
                            " is complete and signed but bundles/%s.tar.zst is missing: a crash "
                            "cannot do that (the bundle is written first); not repairing (run "
                            "'docseal verify')",
                            rec->seq, rec->bundle);
        goto done;
    }
    memcpy(bundle, rec->bundle, DS_SHA256_HEX_SIZE);
    err = 1;
done:
    free(path);
    ds_vault_keys_free(keys, n);
    ds_manifest_record_free(rec);
    return err;
}

/* Read the whole manifest: every line before the tail must be a valid,
 * chained record. Collects the referenced bundles. */
static int ds__repair_scan(ds__repair *rp, const ds_manifest_tail *tail)
{
    ds__line_reader *r = NULL;
    ds_manifest_record *rec = NULL;
    const char *line;
    size_t len;
    uint64_t off, lineno = 0, seq = 0;
    char prev[DS_SHA256_HEX_SIZE];
    int term, rc, err = 0;

    memcpy(prev, DS_MANIFEST_GENESIS, DS_SHA256_HEX_SIZE);
    if ((err = ds__line_reader_open(&r, rp->v->manifest_path, 0)) < 0)
        return err;
    while ((rc = ds__line_reader_next(r, &line, &len, &off, &term)) > 0) {
        lineno++;
        if (off >= tail->valid_size)
            break;
        err = ds_manifest_record_parse(&rec, line, len);
        if (err == DS_ENOMEM)
            goto done;
        if (err < 0 || rec->seq != seq + 1 || strcmp(rec->prev, prev) != 0) {
            err = ds__error_set(DS_EINTEGRITY,
                                "manifest.jsonl line %" PRIu64
                                ": %s; the manifest is damaged before its end, which a crash "
                                "cannot do: refusing to repair (run 'docseal verify')",
                                lineno, err < 0 ? ds_error_last() : "broken chain");
            goto done;
        }
        seq = rec->seq;
        memcpy(prev, rec->hash, DS_SHA256_HEX_SIZE);
        if ((err = ds__ref_add(rp, rec->bundle)) < 0)
            goto done;
        ds_manifest_record_free(rec);
        rec = NULL;
    }
    if (rc < 0)
        err = rc;
done:
    ds_manifest_record_free(rec);
    ds__line_reader_free(r);
    return err;
}

static int ds__is_temp_name(const char *name)
{
    return strstr(name, ".tmp.") != NULL || strncmp(name, ".docseal-spool-", 15) == 0;
}

/* Remove temporary files in dir (vault-relative name rel). */
static int ds__repair_temps(ds__repair *rp, const char *dir, const char *rel)
{
    char **names = NULL;
    size_t n = 0, i;
    int err = ds__list_dir(&names, &n, dir, 1);
    if (err == DS_ENOTFOUND) {
        ds_error_clear();
        return 0;
    }
    if (err < 0)
        return err;
    for (i = 0; i < n && !err; i++) {
        char *path, *shown;
        if (!ds__is_temp_name(names[i]))
            continue;
        path = ds__asprintf("%s/%s", dir, names[i]);
        shown = ds__asprintf("%s%s%s", rel, *rel ? "/" : "", names[i]);
        if (!path || !shown)
            err = DS_ENOMEM;
        else if (ds__announce(rp, DS_VAULT_REPAIR_REMOVE_TEMP, shown,
                              "remove temporary file left by an interrupted write") &&
                 unlink(path) < 0 && errno != ENOENT)
            err = ds__error_errno(DS_EIO, errno, path);
        free(path);
        free(shown);
    }
    ds__free_names(names, n);
    return err;
}

typedef struct ds__bad_files {
    char **names;
    size_t count, cap;
    int err;
} ds__bad_files;

static void ds__note_bad_summary(void *ctx, const char *file, size_t lineno, const char *id,
                                 const char *cached, const char *actual, size_t count)
{
    ds__bad_files *b = ctx;
    char **grown;
    (void)lineno;
    (void)id;
    (void)cached;
    (void)actual;
    (void)count;
    if (b->err)
        return;
    if (b->count == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 8;
        if (!(grown = realloc(b->names, cap * sizeof *grown))) {
            b->err = DS_ENOMEM;
            return;
        }
        b->names = grown;
        b->cap = cap;
    }
    if (!(b->names[b->count] = ds__strdup(file)))
        b->err = DS_ENOMEM;
    else
        b->count++;
}

/* Delete the cache files of documents whose cached change summaries the
 * texts do not give, or that cannot be checked (names are vault-relative:
 * "index/summaries-vN/H.txt"); never through a link. */
static int ds__repair_summaries(ds__repair *rp, ds_vault *v)
{
    ds__bad_files b;
    size_t checked, i;
    int err;
    memset(&b, 0, sizeof b);
    err = ds__summary_check(v, ds__note_bad_summary, &b, &checked);
    if (!err)
        err = b.err;
    for (i = 0; i < b.count && err >= 0; i++)
        if (ds__announce(rp, DS_VAULT_REPAIR_DROP_SUMMARIES, b.names[i],
                         "delete cached change summaries that the texts do not give "
                         "(recomputed when next needed)"))
            err = ds__summary_unlink(v, b.names[i]);
    ds__free_names(b.names, b.count);
    return err;
}

int ds_vault_repair(size_t *actions, ds_vault *v, const ds_vault_repair_options *opts)
{
    ds_vault_repair_options o = DS_VAULT_REPAIR_OPTIONS_INIT;
    ds__repair rp;
    ds_manifest_tail tail;
    char **names = NULL;
    size_t n = 0, i;
    char *line = NULL, *orphans_dir = NULL, detail[512];
    int err, fd = -1, stale;
    size_t moved = 0;

    if (actions)
        *actions = 0;
    if (opts)
        o = *opts;
    memset(&rp, 0, sizeof rp);
    rp.v = v;
    rp.o = &o;
    if (!(orphans_dir = ds__asprintf("%s/orphans", v->path)))
        return DS_ENOMEM;
    /* a dry run changes nothing: a shared lock will do (and works on a
     * read-only vault) */
    if ((err = ds__vault_lock(v, !o.dry_run, 0)) < 0) {
        free(orphans_dir);
        return err;
    }
    if ((err = ds_manifest_read_tail(&tail, v->manifest_path)) < 0) {
        if (err == DS_EINVALID)
            err = ds__error_set(DS_EINTEGRITY,
                                "%s: this is damage, not a crash: refusing to repair (run "
                                "'docseal verify')",
                                ds_error_last());
        goto done;
    }
    if ((err = ds__repair_scan(&rp, &tail)) < 0)
        goto done;

    /* 1. the torn tail */
    if (tail.torn) {
        char bundle[DS_SHA256_HEX_SIZE];
        int good = 0;
        fd = open(v->manifest_path, (o.dry_run ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        if (fd < 0) {
            err = ds__error_errno(DS_EIO, errno, v->manifest_path);
            goto done;
        }
        if (tail.torn_complete && tail.torn_length <= DS_MANIFEST_MAX_LINE) {
            if ((err = ds__read_range(&line, fd, tail.valid_size, tail.size, "manifest.jsonl")) < 0)
                goto done;
            if ((good = ds__tail_check(v, line, (size_t)tail.torn_length, &tail, bundle)) < 0) {
                err = good;
                goto done;
            }
        }
        if (good) {
            snprintf(detail, sizeof detail,
                     "complete the final record at byte offset %" PRIu64
                     " (whole and validly signed, but its newline was never written) by "
                     "appending '\\n'",
                     tail.valid_size);
            if (ds__announce(&rp, DS_VAULT_REPAIR_COMPLETE_TAIL, "manifest.jsonl", detail)) {
                if (pwrite(fd, "\n", 1, (off_t)tail.size) != 1 || fsync(fd) < 0) {
                    err = ds__error_errno(DS_EIO, errno, v->manifest_path);
                    goto done;
                }
            }
            if ((err = ds__ref_add(&rp, bundle)) < 0)
                goto done;
        } else {
            char c = 0;
            /* a lone '\n' after the last record is an empty line, not a record */
            if (tail.torn_length == 1 && pread(fd, &c, 1, (off_t)tail.valid_size) == 1 && c == '\n')
                snprintf(detail, sizeof detail,
                         "truncate from %" PRIu64 " to %" PRIu64
                         " bytes, removing the empty line at the end (a stray line feed at byte "
                         "offset %" PRIu64 ", not a record)",
                         tail.size, tail.valid_size, tail.valid_size);
            else
                snprintf(detail, sizeof detail,
                         "truncate from %" PRIu64 " to %" PRIu64
                         " bytes, removing the torn final record at byte offset %" PRIu64
                         " (%" PRIu64 " byte%s, crash during append)",
                         tail.size, tail.valid_size, tail.valid_size, tail.torn_length,
                         tail.torn_length == 1 ? "" : "s");
            if (ds__announce(&rp, DS_VAULT_REPAIR_TRUNCATE_TAIL, "manifest.jsonl", detail)) {
                if (ftruncate(fd, (off_t)tail.valid_size) < 0 || fsync(fd) < 0) {
                    err = ds__error_errno(DS_EIO, errno, v->manifest_path);
                    goto done;
                }
            }
        }
        close(fd);
        fd = -1;
    }

    /* 2. orphaned bundles: set aside in orphans/, never deleted. An add that
     * did not finish leaves one, but so does removing the newest records
     * from the manifest, and then the bundle is the evidence. */
    if (rp.ref_count)
        qsort(rp.refs, rp.ref_count, 32, ds__cmp32);
    if ((err = ds__list_dir(&names, &n, v->bundles_dir, 1)) < 0)
        goto done;
    {
        /* one crash leaves at most one orphan: several say records were
         * removed (a rollback), which only a noted head can tell */
        size_t orphans = 0;
        for (i = 0; i < n; i++) {
            unsigned char raw[32];
            if (!ds__is_bundle_name(names[i]))
                continue;
            ds__unhex(raw, names[i], 32);
            orphans += !(rp.ref_count && bsearch(raw, rp.refs, rp.ref_count, 32, ds__cmp32));
        }
        if (orphans > 1)
            snprintf(detail, sizeof detail,
                     "move orphaned bundle to orphans/: no record references it (%zu bundles "
                     "have no record: more than one crash leaves; were records removed from "
                     "the manifest? 'docseal verify --expect-head HASH' with a head noted "
                     "earlier tells)",
                     orphans);
        else
            snprintf(detail, sizeof detail,
                     "move orphaned bundle to orphans/: no record references it (an add that "
                     "did not finish, or records removed from the manifest)");
        if (!(rp.orphan_why = ds__strdup(detail))) {
            err = DS_ENOMEM;
            goto done;
        }
    }
    for (i = 0; i < n; i++) {
        unsigned char raw[32];
        char *path, *aside;
        if (!ds__is_bundle_name(names[i]))
            continue;
        ds__unhex(raw, names[i], 32);
        if (rp.ref_count && bsearch(raw, rp.refs, rp.ref_count, 32, ds__cmp32))
            continue;
        snprintf(detail, sizeof detail, "bundles/%s", names[i]);
        if (!ds__announce(&rp, DS_VAULT_REPAIR_REMOVE_ORPHAN, detail, rp.orphan_why))
            continue;
        if (!moved++ && ((err = ds__own_dir(orphans_dir, "orphans/")) < 0 ||
                         (err = ds__mkdirs(orphans_dir, 0755)) < 0))
            goto done;
        path = ds__asprintf("%s/%s", v->bundles_dir, names[i]);
        aside = ds__asprintf("%s/%s", orphans_dir, names[i]);
        if (!path || !aside) {
            free(path);
            free(aside);
            err = DS_ENOMEM;
            goto done;
        }
        if (rename(path, aside) < 0 && errno != ENOENT) {
            err = ds__error_errno(DS_EIO, errno, path);
            free(path);
            free(aside);
            goto done;
        }
        free(path);
        free(aside);
    }
    if (moved && (err = ds__fsync_dir(orphans_dir)) < 0)
        goto done;
    if ((err = ds__repair_temps(&rp, v->bundles_dir, "bundles")) < 0 ||
        (ds__own_dir(v->index_dir, "index/") == 0 &&
         (err = ds__repair_temps(&rp, v->index_dir, "index")) < 0) ||
        (err = ds__repair_temps(&rp, v->keys_dir, "trusted-keys")) < 0 ||
        (err = ds__repair_temps(&rp, v->path, "")) < 0)
        goto done;
    if (!o.dry_run && (err = ds__fsync_dir(v->bundles_dir)) < 0)
        goto done;

    /* 3. the index */
    if (tail.torn) {
        stale = 1;
    } else {
        char why[512];
        if ((stale = ds__index_check(v, why, sizeof why)) < -1) {
            err = stale;
            goto done;
        }
        stale = stale != 1;
    }
    if (stale && ds__announce(&rp, DS_VAULT_REPAIR_REBUILD_INDEX, "index",
                              "rebuild the index from the manifest")) {
        struct stat st;
        ds__index_free(v->index);
        v->index = NULL;
        /* a symbolic link planted as index/ is replaced by a directory (the
         * link alone goes, never what it points to) */
        if (lstat(v->index_dir, &st) == 0 && S_ISLNK(st.st_mode) && unlink(v->index_dir) < 0) {
            err = ds__error_errno(DS_EIO, errno, v->index_dir);
            goto done;
        }
        ds__index_invalidate(v);
        if ((err = ds__index_ensure(v, NULL)) < 0)
            goto done;
    }
    /* 4. cached change summaries: read through the public readers, which
     * lock for themselves */
    ds__vault_unlock(v);
    if ((!stale || !o.dry_run) && (err = ds__repair_summaries(&rp, v)) < 0)
        goto done;
    if (actions)
        *actions = rp.actions;
done:
    if (fd >= 0)
        close(fd);
    free(line);
    ds__free_names(names, n);
    free(rp.refs);
    free(rp.orphan_why);
    free(orphans_dir);
    ds__vault_unlock(v);
    return err;
}
