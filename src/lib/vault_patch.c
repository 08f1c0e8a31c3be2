/*
 * vault_patch.c - patch entries in a vault: which bases add offers for a
 * changed document, and where readers and the verifier find a base (a
 * bundle of an earlier record that stores it in full). See PATCH ENTRIES in
 * docseal-formats(5).
 */
#include "bundle_internal.h"
#include "vault_internal.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ds__vault_writes_patches(const ds_vault *v)
{
    /* Patch entries are written to vaults of version 2 only (and then in
     * bundles of format 2, see ds__bundle_patches_allowed()). Version 2 is
     * being added on another branch; when it is merged this becomes a test
     * of the vault's version. */
    (void)v;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Where entries are stored                                                   */

int ds__base_map_add(ds__base_map *m, char kind, const char *digest_hex, const char *bundle_hex,
                     uint64_t seq)
{
    ds__base_ref *r;
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 256;
        ds__base_ref *g = ds__realloc(m->refs, ncap * sizeof *g);
        if (!g)
            return DS_ENOMEM;
        m->refs = g;
        m->cap = ncap;
    }
    r = &m->refs[m->n];
    if (ds__unhex(r->digest, digest_hex, 32) < 0 || ds__unhex(r->bundle, bundle_hex, 32) < 0)
        return 0; /* not a digest: nothing can be found by it */
    r->seq = seq;
    r->kind = kind;
    m->n++;
    return 0;
}

int ds__base_map_add_record(ds__base_map *m, const ds_manifest_record *rec)
{
    size_t i;
    int err;
    for (i = 0; i < rec->doc_count; i++) {
        const ds_manifest_doc *d = &rec->docs[i];
        if ((d->status != DS_DOC_UNCHANGED &&
             (err = ds__base_map_add(m, 'd', d->content_sha256, rec->bundle, rec->seq)) < 0) ||
            (err = ds__base_map_add(m, 'o', d->original_sha256, rec->bundle, rec->seq)) < 0)
            return err;
    }
    return 0;
}

void ds__base_map_free(ds__base_map *m)
{
    if (!m)
        return;
    free(m->refs);
    free(m);
}

int ds__vault_base_map(ds__base_map **out, ds_vault *v)
{
    ds__base_map *m = v->base_map;
    int err;

    *out = NULL;
    if ((err = ds__index_ensure(v, NULL)) < 0)
        return err;
    if (!m) {
        if (!(m = ds__calloc(1, sizeof *m)))
            return DS_ENOMEM;
        v->base_map = m;
    }
    if (m->entries > v->index->entry_count) { /* another index: start again */
        m->n = 0;
        m->entries = 0;
    }
    while (m->entries < v->index->entry_count) {
        ds__index_entry es[256];
        uint64_t left = v->index->entry_count - m->entries;
        size_t k, n = left < 256 ? (size_t)left : 256;
        if ((err = ds__index_entries_get(v->index, m->entries, n, es)) < 0)
            return err;
        for (k = 0; k < n; k++) {
            const ds__index_entry *e = &es[k];
            char digest[DS_SHA256_HEX_SIZE], bundle[DS_SHA256_HEX_SIZE];
            ds__hex(bundle, e->bundle, 32);
            ds__hex(digest, e->content, 32);
            if (e->status != DS_DOC_UNCHANGED &&
                (err = ds__base_map_add(m, 'd', digest, bundle, e->seq)) < 0)
                return err;
            ds__hex(digest, e->original, 32);
            if ((err = ds__base_map_add(m, 'o', digest, bundle, e->seq)) < 0)
                return err;
        }
        m->entries += n;
    }
    *out = m;
    return 0;
}

/* A sink that keeps at most DS_BUNDLE_MAX_PATCH_SIZE bytes. */
static int capped_write(void *ctx, const void *buf, size_t len)
{
    ds__buf *b = ctx;
    if (b->len + len > DS_BUNDLE_MAX_PATCH_SIZE)
        return ds__error_set(DS_ELIMIT, "larger than %llu bytes: not a base",
                             (unsigned long long)DS_BUNDLE_MAX_PATCH_SIZE);
    return ds__buf_put(b, buf, len);
}

int ds__vault_base_load(void *ctx, const char *entry, void **data, size_t *len)
{
    ds__vault_bases *vb = ctx;
    ds__base_map *m = vb->map;
    ds__buf b = DS__BUF_INIT;
    ds_sink sink = {capped_write, &b};
    unsigned char digest[32], last[32];
    char *why = NULL, *bpath = NULL, hex[DS_SHA256_HEX_SIZE];
    size_t i;
    int err = 0, tried = 0;
    char kind;

    *data = NULL;
    *len = 0;
    kind = strncmp(entry, "documents/", 10) == 0 ? 'd' : 'o';
    if (strlen(entry) < 74)
        return ds__error_set(DS_EINVALID, "%s: not a base entry name", entry);
    memcpy(hex, entry + 10, 64);
    hex[64] = '\0';
    if (ds__unhex(digest, hex, 32) < 0)
        return ds__error_set(DS_EINVALID, "%s: not a base entry name", entry);
    if (!m && (err = ds__vault_base_map(&m, vb->v)) < 0)
        return err;
    for (i = m->n; i-- > 0;) {
        const ds__base_ref *r = &m->refs[i];
        char bundle[DS_SHA256_HEX_SIZE];
        int as_patch = 0;
        if (r->seq >= vb->before_seq || r->kind != kind || memcmp(r->digest, digest, 32) != 0 ||
            (tried && memcmp(r->bundle, last, 32) == 0))
            continue;
        tried = 1;
        memcpy(last, r->bundle, 32);
        ds__hex(bundle, r->bundle, 32);
        free(bpath);
        if (!(bpath = ds__vault_bundle_path(vb->v, bundle))) {
            err = DS_ENOMEM;
            goto done;
        }
        ds__buf_clear(&b);
        err = ds__bundle_extract_full(bpath, entry, &sink, &as_patch);
        if (err == 0) {
            *len = b.len;
            if (!(*data = ds__buf_detach(&b)))
                err = DS_ENOMEM;
            goto done;
        }
        if (err == DS_ENOMEM)
            goto done;
        if (!why) {
            /* the newest record's reason is the one told */
            if (as_patch)
                why = ds__asprintf("bundles/%s.tar.zst (record %" PRIu64
                                   ") holds it only as a patch, and a base must be stored in full",
                                   bundle, r->seq);
            else if (access(bpath, F_OK) != 0)
                why = ds__asprintf("bundles/%s.tar.zst (record %" PRIu64 "), which stores it, is "
                                   "missing",
                                   bundle, r->seq);
            else if (err == DS_ENOTFOUND && strstr(ds_error_last(), "no such entry"))
                why = ds__asprintf("bundles/%s.tar.zst (record %" PRIu64 ") does not hold it",
                                   bundle, r->seq);
            else
                why = ds__asprintf("bundles/%s.tar.zst (record %" PRIu64 ") cannot be read: %s",
                                   bundle, r->seq, ds_error_last());
            if (!why) {
                err = DS_ENOMEM;
                goto done;
            }
        }
    }
    if (why)
        err = ds__error_set(DS_ENOTFOUND, "no earlier bundle of the vault holds %s in full: %s",
                            entry, why);
    else
        err = ds__error_set(DS_ENOTFOUND, "no earlier record of the vault stores %s", entry);
done:
    free(why);
    free(bpath);
    ds__buf_free(&b);
    return err;
}

/* ------------------------------------------------------------------------ */
/* Choosing bases                                                             */

void ds__base_listings_free(ds__base_listings *l)
{
    size_t i, j;
    for (i = 0; i < DS__BASE_LISTINGS; i++) {
        for (j = 0; j < l->slot[i].count; j++)
            free(l->slot[i].names[j]);
        free(l->slot[i].names);
    }
    memset(l, 0, sizeof *l);
}

/* The listing of a bundle, from the cache or read (evicting the least
 * recently used); NULL names when it cannot be read. */
static int listing(ds_vault *v, ds__base_listings *l, const unsigned char bundle[32],
                   char *const **names, size_t *count)
{
    size_t i, k = 0, j;
    char hex[DS_SHA256_HEX_SIZE], *bpath;
    int err;

    for (i = 0; i < DS__BASE_LISTINGS; i++) {
        if (l->slot[i].used && memcmp(l->slot[i].bundle, bundle, 32) == 0) {
            l->slot[i].used = ++l->tick;
            *names = l->slot[i].names;
            *count = l->slot[i].count;
            return 0;
        }
        if (l->slot[i].used < l->slot[k].used)
            k = i;
    }
    for (j = 0; j < l->slot[k].count; j++)
        free(l->slot[k].names[j]);
    free(l->slot[k].names);
    memset(&l->slot[k], 0, sizeof l->slot[k]);
    ds__hex(hex, bundle, 32);
    if (!(bpath = ds__vault_bundle_path(v, hex)))
        return DS_ENOMEM;
    err = ds__bundle_list(bpath, &l->slot[k].names, &l->slot[k].count);
    free(bpath);
    if (err == DS_ENOMEM)
        return err;
    ds_error_clear(); /* unreadable: an empty listing, so no base from it */
    memcpy(l->slot[k].bundle, bundle, 32);
    l->slot[k].used = ++l->tick;
    *names = l->slot[k].names;
    *count = l->slot[k].count;
    return 0;
}

int ds__vault_choose_bases(ds_vault *v, ds__base_listings *cache, const ds__index_doc *d,
                           const char *ext, char text_base[DS_BUNDLE_MAX_PATH + 1],
                           char orig_base[DS_BUNDLE_MAX_PATH + 1])
{
    ds__index_entry p;
    char hex[DS_SHA256_HEX_SIZE], want[DS__PATH_CAP], target[DS__PATH_CAP], base[DS__PATH_CAP];
    char *const *names = NULL;
    const char *stored;
    size_t count = 0;
    int err;

    text_base[0] = orig_base[0] = '\0';
    /* the previous revision, in the record that stored it */
    if ((err = ds__index_entry_get(v->index, d->last_stored_entry, &p)) < 0) {
        if (err == DS_ENOMEM)
            return err;
        ds_error_clear();
        return 0;
    }
    if ((err = listing(v, cache, p.bundle, &names, &count)) < 0)
        return err;
    /* its text: the base when stored in full, else the base it was patched
     * against (bases are always stored in full: star topology, depth 1) */
    ds__hex(hex, p.content, 32);
    snprintf(want, sizeof want, "documents/%s.txt", hex);
    if ((stored = ds__bundle_list_find(names, count, want)) != NULL)
        snprintf(text_base, DS_BUNDLE_MAX_PATH + 1, "%s",
                 ds_bundle_patch_path_split(stored, target, base) ? base : stored);
    /* its original likewise, when it has the new original's extension */
    ds__hex(hex, p.original, 32);
    snprintf(want, sizeof want, "originals/%s", hex);
    if ((stored = ds__bundle_list_find(names, count, want)) != NULL) {
        const char *b = ds_bundle_patch_path_split(stored, target, base) ? base : stored;
        if (strcmp(b + 75, ext) == 0)
            snprintf(orig_base, DS_BUNDLE_MAX_PATH + 1, "%s", b);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Public                                                                     */

int ds_vault_base_provider(ds_bundle_base_provider *out, ds_vault *v)
{
    if (!v->bases && !(v->bases = ds__calloc(1, sizeof *v->bases)))
        return DS_ENOMEM;
    v->bases->v = v;
    v->bases->map = NULL;
    v->bases->before_seq = UINT64_MAX;
    out->load = ds__vault_base_load;
    out->ctx = v->bases;
    return 0;
}

int ds_vault_export(ds_vault *v, const char *bundle_id, const char *out_path)
{
    ds__vault_bases vb = {v, NULL, 0};
    ds_bundle_base_provider provider = {ds__vault_base_load, &vb};
    ds__base_map *m = NULL;
    unsigned char raw[32];
    char *bpath = NULL, what[100];
    size_t i;
    int err, fd;

    if (!ds__is_sha256_hex(bundle_id) || ds__unhex(raw, bundle_id, 32) < 0)
        return ds__error_set(DS_EINVALID, "%s: not a bundle id (64 lowercase hex digits)",
                             bundle_id);
    if ((err = ds__vault_base_map(&m, v)) < 0)
        return err;
    /* the record that names it: its bases come from records before it */
    for (i = 0; i < m->n && !vb.before_seq; i++)
        if (memcmp(m->refs[i].bundle, raw, 32) == 0)
            vb.before_seq = m->refs[i].seq;
    if (!vb.before_seq)
        return ds__error_set(DS_ENOTFOUND, "bundle %s: no record of the vault names it", bundle_id);
    if (!(bpath = ds__vault_bundle_path(v, bundle_id)))
        return DS_ENOMEM;
    snprintf(what, sizeof what, "bundles/%s.tar.zst", bundle_id);
    if ((err = ds__open_regular(&fd, bpath, what)) < 0)
        goto done;
    close(fd);
    vb.map = m;
    err = ds_bundle_export(bpath, out_path, &provider);
done:
    free(bpath);
    return err;
}
