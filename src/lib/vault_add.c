/* vault_add.c - one snapshot: bundle first, then the signed manifest record. */
#include "docseal/hash.h"
#include "bundle_internal.h"
#include "vault_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

/* Inputs normalized per call of ds_bundle_writer_add_files() (progress granularity). */
#define DS__ADD_CHUNK 64

void ds_vault_add_result_free(ds_vault_add_result *r)
{
    size_t i;
    if (!r)
        return;
    for (i = 0; i < r->doc_count; i++)
        free(r->docs[i].id);
    free(r->docs);
    free(r);
}

/* 0 when the key's public half is one of the vault's trusted keys. */
static int ds__check_trusted(ds_vault *v, const ds_secret_key *key)
{
    ds_public_key *pub = NULL;
    ds_public_key **keys = NULL;
    size_t n = 0, i;
    char kid[DS_KEY_ID_HEX_SIZE];
    int err;

    if ((err = ds_secret_key_public(&pub, key)) < 0)
        return err;
    ds_public_key_id(pub, kid);
    if ((err = ds_vault_trusted_keys(&keys, &n, v)) < 0)
        goto done;
    for (i = 0; i < n; i++)
        if (ds_public_key_equal(keys[i], pub))
            goto done;
    err = ds__error_set(DS_EPERM,
                        "signing key %s is not trusted by the vault %s (trusted-keys/%s.pub "
                        "is missing)",
                        kid, v->path, kid);
done:
    ds_vault_keys_free(keys, n);
    ds_public_key_free(pub);
    return err;
}

/* 1 when an existing entry of the index refers to bundle (hex). O(entries):
 * only used on the failure path. */
static int ds__bundle_referenced(ds__index *ix, const char *bundle)
{
    unsigned char raw[32];
    uint64_t n;
    if (!ix || ds__unhex(raw, bundle, 32) < 0)
        return 1;
    for (n = 0; n < ix->entry_count; n++) {
        ds__index_entry e;
        if (ds__index_entry_get(ix, n, &e) < 0)
            return 1; /* when in doubt, keep the file */
        if (memcmp(e.bundle, raw, 32) == 0)
            return 1;
    }
    return 0;
}

/* Append line + '\n' with one write(2) and fsync; on failure cut the file
 * back to its old size so that no torn record is left when that is possible. */
static int ds__append_record(ds_vault *v, const char *line, size_t len, uint64_t old_size,
                             int *maybe_written)
{
    char *buf = NULL;
    int fd = -1, err = 0;
    struct stat st;

    if (!(buf = ds__malloc(len + 1)))
        return DS_ENOMEM;
    memcpy(buf, line, len);
    buf[len] = '\n';
    fd = open(v->manifest_path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        err = ds__error_errno(DS_EIO, errno, v->manifest_path);
        goto done;
    }
    if (fstat(fd, &st) < 0) {
        err = ds__error_errno(DS_EIO, errno, v->manifest_path);
        goto done;
    }
    if ((uint64_t)st.st_size != old_size) {
        err = ds__error_set(DS_EIO,
                            "%s: changed size while locked (%" PRIu64 " bytes, expected %" PRIu64
                            "); is another program writing to it?",
                            v->manifest_path, (uint64_t)st.st_size, old_size);
        goto done;
    }
    if ((err = ds__write_all(fd, buf, len + 1, v->manifest_path)) < 0)
        goto undo;
    if (fsync(fd) < 0) {
        err = ds__error_errno(DS_EIO, errno, v->manifest_path);
        goto undo;
    }
    goto done;
undo:
    /* cut the file back; if even that fails, the record may be there */
    if (ftruncate(fd, (off_t)old_size) != 0 || fsync(fd) != 0) {
        *maybe_written = 1;
        err = ds__error_set(err,
                            "%s; the manifest could not be restored to %" PRIu64
                            " bytes: run 'docseal verify'",
                            ds_error_last(), old_size);
    }
done:
    if (fd >= 0)
        close(fd);
    free(buf);
    return err;
}

int ds_vault_add(ds_vault_add_result **out, ds_vault *v, const ds_secret_key *key,
                 const char *const *paths, size_t count, const ds_vault_add_options *opts)
{
    ds_vault_add_options o = DS_VAULT_ADD_OPTIONS_INIT;
    ds_bundle_options bo = DS_BUNDLE_OPTIONS_INIT;
    ds_bundle_doc_options dopts = DS_BUNDLE_DOC_OPTIONS_INIT;
    ds_manifest_tail tail;
    ds_bundle_writer *w = NULL;
    ds_manifest_record *rec = NULL;
    ds_vault_add_result *res = NULL;
    char bundle_id[DS_SHA256_HEX_SIZE];
    char *bpath = NULL, *line = NULL;
    const ds_document **docs = NULL;
    ds__base_cache cache;
    ds__vault_bases vb = {v, NULL, UINT64_MAX, &cache};
    ds_bundle_base_provider provider = {ds__vault_base_load, &vb};
    ds__base_listings listings;
    size_t i, len = 0, stdin_count = 0;
    int64_t t;
    int err = 0, bundle_written = 0, maybe_written = 0;

    if (out)
        *out = NULL;
    memset(&listings, 0, sizeof listings);
    memset(&cache, 0, sizeof cache);
    /* a caller built against version 1 has a struct without allow_future:
     * copy only what it has (o keeps the default for the rest) */
    if (opts)
        memcpy(&o, opts,
               opts->version < 2 ? offsetof(ds_vault_add_options, allow_future) : sizeof o);
    if (count == 0)
        return ds__error_set(DS_EUSAGE, "add: no input files");
    if ((o.id || o.canonical_url) && count > 1)
        return ds__error_set(DS_EUSAGE,
                             "add: a document id or URL can be given for one input only");
    for (i = 0; i < count; i++)
        stdin_count += strcmp(paths[i], "-") == 0;
    if (stdin_count > 1)
        return ds__error_set(DS_EUSAGE, "add: standard input ('-') can be read only once");
    if (o.id && (err = ds__manifest_check_id(o.id)) < 0)
        return err;
    if (o.message && strlen(o.message) > DS_MANIFEST_MAX_MESSAGE)
        return ds__error_set(DS_EINVALID, "add: the message is longer than %d bytes",
                             DS_MANIFEST_MAX_MESSAGE);
    if ((err = ds__check_trusted(v, key)) < 0)
        return err;

    if ((err = ds__vault_lock(v, 1, 0)) < 0)
        return err;
    if ((err = ds_manifest_read_tail(&tail, v->manifest_path)) < 0) {
        if (err == DS_EINVALID)
            err = ds__error_set(DS_EINTEGRITY, "%s; run 'docseal verify'", ds_error_last());
        goto done;
    }
    if (tail.torn) {
        err = ds__torn_tail_error(v, &tail);
        goto done;
    }
    t = o.time == DS_TIME_NOW ? ds__now() : o.time;
    if (t < 0 || t > DS_MANIFEST_MAX_TIME) {
        err = ds__error_set(DS_EINVALID, "add: snapshot time %" PRId64 " is out of range", t);
        goto done;
    }
    if (!o.allow_future && t > (int64_t)time(NULL) + 86400) {
        char a[32], b[32];
        ds__format_time(a, t);
        ds__format_time(b, (int64_t)time(NULL));
        err = ds__error_set(DS_EINVALID,
                            "add: snapshot time %s is more than 24 hours in the future (now %s); "
                            "record times never decrease, so every later snapshot would be "
                            "refused until then (use --allow-future if this is meant)",
                            a, b);
        goto done;
    }
    if (tail.last_seq && t < tail.last_time) {
        char a[32], b[32];
        ds__format_time(a, t);
        ds__format_time(b, tail.last_time);
        err = ds__error_set(DS_EINVALID,
                            "add: snapshot time %s is earlier than the latest snapshot's (%s); "
                            "record times must not decrease",
                            a, b);
        goto done;
    }
    /* the index, reloaded under the lock */
    ds__index_free(v->index);
    v->index = NULL;
    if ((err = ds__index_ensure(v, &tail)) < 0)
        goto done;

    bo.compression_level = o.compression_level ? o.compression_level : v->compression_level;
    bo.threads = o.threads;
    bo.snapshot_time = t;
    if ((err = ds__own_dir(v->bundles_dir, "bundles/")) < 0)
        goto done;
    bo.out_dir = v->bundles_dir;
    dopts.id = o.id;
    dopts.canonical_url = o.canonical_url;
    dopts.normalize = o.normalize;
    if ((err = ds_bundle_writer_new(&w, key, &bo)) < 0 || (err = ds_manifest_record_new(&rec)) < 0)
        goto done;
    rec->seq = tail.last_seq + 1;
    memcpy(rec->prev, tail.last_hash, DS_SHA256_HEX_SIZE);
    rec->time = t;
    if (o.message && *o.message && !(rec->message = ds__strdup(o.message))) {
        err = DS_ENOMEM;
        goto done;
    }
    if (!(res = ds__calloc(1, sizeof *res)) ||
        !(res->docs = ds__calloc(count, sizeof *res->docs))) {
        err = DS_ENOMEM;
        goto done;
    }

    /* read and normalize every input (in parallel, in chunks for the progress bar);
     * nothing is written to the vault until all of them have been read */
    if (!(docs = ds__calloc(count, sizeof *docs))) {
        err = DS_ENOMEM;
        goto done;
    }
    for (i = 0; i < count;) {
        size_t n = count - i < DS__ADD_CHUNK ? count - i : DS__ADD_CHUNK;
        if ((err = ds_bundle_writer_add_files(w, paths + i, n, &dopts, docs + i, NULL)) < 0) {
            if (err == DS_EEXISTS)
                err = ds__error_set(DS_EINVALID, "%s (two inputs are the same document)",
                                    ds_error_last());
            goto done;
        }
        i += n;
        if (o.progress)
            o.progress(o.progress_ctx, i, count);
    }

    for (i = 0; i < count; i++) {
        const ds_document *doc = docs[i];
        ds__index_doc *d;
        ds_vault_added_doc *ad = &res->docs[i];
        char prev_hex[DS_SHA256_HEX_SIZE];
        const char *prev = NULL;
        int keep = 0;

        if ((err = ds__manifest_check_id(doc->id)) < 0) {
            err = ds__error_set(err, "%s: %s", ds__display_name(paths[i]), ds_error_last());
            goto done;
        }
        d = ds__index_find(v->index, doc->id);
        if (!d) {
            ad->revision = 1;
            ad->status = DS_DOC_NEW;
        } else {
            ds__hex(prev_hex, d->last_content, 32);
            prev = prev_hex;
            if (strcmp(prev_hex, doc->content_sha256) == 0) {
                ds__index_entry last;
                char last_orig[DS_SHA256_HEX_SIZE];
                ad->revision = d->revisions;
                ad->status = DS_DOC_UNCHANGED;
                /* the same text from other bytes (a page's furniture, or a
                 * change the normalizer does not see): keep the bytes, so
                 * that every original ever seen stays in the vault */
                if ((err = ds__index_entry_get(v->index, d->last_entry, &last)) < 0)
                    goto done;
                ds__hex(last_orig, last.original, 32);
                keep = strcmp(last_orig, doc->original_sha256) != 0;
            } else {
                ad->revision = d->revisions + 1;
                ad->status = DS_DOC_CHANGED;
            }
        }
        if (!(ad->id = ds__strdup(doc->id))) {
            err = DS_ENOMEM;
            goto done;
        }
        res->doc_count = i + 1;
        ad->path = paths[i];
        memcpy(ad->content_sha256, doc->content_sha256, DS_SHA256_HEX_SIZE);
        memcpy(ad->original_sha256, doc->original_sha256, DS_SHA256_HEX_SIZE);
        if ((err = ds_bundle_writer_mark(w, i, ad->revision, ad->status, prev)) < 0 ||
            (keep && (err = ds_bundle_writer_keep_original(w, i)) < 0))
            goto done;
        if (ad->status == DS_DOC_UNCHANGED && !keep && v->version >= 2) {
            /* read again from the same bytes: a compact sighting (vault version 2) */
            if ((err = ds_bundle_writer_mark_compact(w, i)) < 0 ||
                (err = ds_manifest_record_add_unchanged(rec, ad->id, ad->revision)) < 0)
                goto done;
            /* what was read, for unchanged_sha256 */
            memcpy(rec->unchanged[rec->unchanged_count - 1].content_sha256, ad->content_sha256,
                   DS_SHA256_HEX_SIZE);
            memcpy(rec->unchanged[rec->unchanged_count - 1].original_sha256, ad->original_sha256,
                   DS_SHA256_HEX_SIZE);
        } else if ((err = ds_manifest_record_add_doc(rec, ad->id, ad->revision, ad->status,
                                                     ad->content_sha256, ad->original_sha256)) <
                   0) {
            goto done;
        }
        /* a changed document: its text and original as patches against the
         * most recent revision stored in full, when that pays (decided by
         * the writer) */
        if ((ad->status == DS_DOC_CHANGED || keep) && ds__vault_writes_patches(v)) {
            char tb[DS_BUNDLE_MAX_PATH + 1], ob[DS_BUNDLE_MAX_PATH + 1];
            if (!vb.map && (err = ds__vault_base_map(&vb.map, v)) < 0)
                goto done;
            if ((err = ds__vault_choose_bases(v, &listings, d, ds__bundle_format_ext(doc->format),
                                              tb, ob)) < 0)
                goto done;
            if (keep)
                tb[0] = '\0'; /* its text is not stored */
            if ((tb[0] || ob[0]) &&
                (err = ds_bundle_writer_patch(w, i, tb[0] ? tb : NULL, ob[0] ? ob : NULL,
                                              &provider)) < 0)
                goto done;
        }
    }

    ds__base_listings_free(&listings); /* not needed while writing */
    if (rec->unchanged_count &&
        (err = ds_manifest_unchanged_digest(rec->unchanged_sha256, rec->unchanged,
                                            rec->unchanged_count)) < 0)
        goto done;

    /* 1. the bundle, durable before the record that names it */
    if ((err = ds_bundle_writer_finish(w, NULL, bundle_id, &bpath)) < 0)
        goto done;
    bundle_written = 1;
    memcpy(rec->bundle, bundle_id, DS_SHA256_HEX_SIZE);
    if ((err = ds_sha256_file(rec->bundle_sha256, bpath, NULL)) < 0)
        goto done;
    /* 2. the record */
    if ((err = ds_manifest_record_sign(rec, key)) < 0 ||
        (err = ds_manifest_record_format(&line, &len, rec)) < 0)
        goto done;
    if ((err = ds__append_record(v, line, len, tail.size, &maybe_written)) < 0) {
        if (maybe_written)
            bundle_written = 0; /* the record may name it: keep it */
        goto done;
    }
    bundle_written = 0; /* referenced now */

    /* 3. the derived index (a failure here loses nothing: it is rebuilt) */
    res->index_updated = 1;
    if (ds__index_apply(v->index, rec, tail.size, len) < 0 || ds__index_save(v) < 0) {
        ds__index_free(v->index);
        v->index = NULL;
        ds__index_invalidate(v);
        res->index_updated = 0;
        ds_error_clear();
    }
    res->seq = rec->seq;
    res->time = t;
    memcpy(res->record_hash, rec->hash, DS_SHA256_HEX_SIZE);
    memcpy(res->bundle, rec->bundle, DS_SHA256_HEX_SIZE);
    memcpy(res->bundle_sha256, rec->bundle_sha256, DS_SHA256_HEX_SIZE);
    if (out) {
        *out = res;
        res = NULL;
    }
done:
    if (bundle_written && bpath && !ds__bundle_referenced(v->index, bundle_id))
        unlink(bpath);
    ds__vault_unlock(v);
    ds__base_listings_free(&listings);
    ds__base_cache_clear(&cache);
    ds_bundle_writer_free(w);
    ds_manifest_record_free(rec);
    ds_vault_add_result_free(res);
    free(docs);
    free(bpath);
    free(line);
    return err;
}
