/*
 * vault_patch.c - patch entries in a vault: which bases add offers for a
 * changed document, and where readers and the verifier find a base (a
 * bundle of an earlier record that stores it in full). See PATCH ENTRIES in
 * docseal-formats(5).
 */
#include "bundle_internal.h"
#include "docseal/hash.h"
#include "vault_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ds__vault_writes_patches(const ds_vault *v)
{
    /* patch entries are written to vaults of version 2 only (in bundles of
     * format 2, see ds__bundle_patches_allowed()) */
    return v->version >= 2;
}

/* ------------------------------------------------------------------------ */
/* Where entries are stored                                                   */

static size_t bucket_of(const unsigned char digest[32], size_t buckets)
{
    uint64_t h;
    memcpy(&h, digest, sizeof h); /* a digest: its bytes are already well mixed */
    return (size_t)(h & (buckets - 1));
}

/* Rebuild the chains for twice as many buckets as references (at least). */
static int rehash(ds__base_map *m, size_t want)
{
    size_t nb = m->buckets ? m->buckets : 1024, i, *head;
    while (nb < want * 2)
        nb *= 2;
    if (!(head = ds__calloc(nb, sizeof *head)))
        return DS_ENOMEM;
    free(m->head);
    m->head = head;
    m->buckets = nb;
    for (i = 0; i < m->n; i++) {
        size_t b = bucket_of(m->refs[i].digest, nb);
        m->next[i] = head[b];
        head[b] = i + 1;
    }
    return 0;
}

int ds__base_map_add(ds__base_map *m, char kind, const char *digest_hex, const char *bundle_hex,
                     uint64_t seq)
{
    ds__base_ref *r;
    size_t b;
    int err;
    if (m->n == m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 256;
        ds__base_ref *g = ds__realloc(m->refs, ncap * sizeof *g);
        size_t *nx;
        if (!g)
            return DS_ENOMEM;
        m->refs = g;
        if (!(nx = ds__realloc(m->next, ncap * sizeof *nx)))
            return DS_ENOMEM;
        m->next = nx;
        m->cap = ncap;
    }
    r = &m->refs[m->n];
    if (ds__unhex(r->digest, digest_hex, 32) < 0 || ds__unhex(r->bundle, bundle_hex, 32) < 0)
        return 0; /* not a digest: nothing can be found by it */
    r->seq = seq;
    r->kind = kind;
    if (m->n + 1 > m->buckets / 2 && (err = rehash(m, m->n + 1)) < 0)
        return err;
    b = bucket_of(r->digest, m->buckets);
    m->next[m->n] = m->head[b];
    m->head[b] = m->n + 1;
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

void ds__base_map_clear(ds__base_map *m)
{
    free(m->refs);
    free(m->head);
    free(m->next);
    memset(m, 0, sizeof *m);
}

void ds__base_map_free(ds__base_map *m)
{
    if (!m)
        return;
    ds__base_map_clear(m);
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
    if (m->entries > v->index->entry_count) /* another index: start again */
        ds__base_map_clear(m);
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
            /* a compact sighting stores nothing: its bundle holds no base */
            ds__hex(digest, e->original, 32);
            if (!e->compact && (err = ds__base_map_add(m, 'o', digest, bundle, e->seq)) < 0)
                return err;
        }
        m->entries += n;
    }
    *out = m;
    return 0;
}

void ds__base_cache_clear(ds__base_cache *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) {
        free(c->ents[i].entry);
        free(c->ents[i].data);
    }
    free(c->ents);
    memset(c, 0, sizeof *c);
}

static struct ds__base_cached *cache_find(ds__base_cache *c, const char *entry,
                                          const unsigned char bundle[32])
{
    size_t i;
    for (i = 0; i < c->n; i++)
        if (memcmp(c->ents[i].bundle, bundle, 32) == 0 && strcmp(c->ents[i].entry, entry) == 0)
            return &c->ents[i];
    return NULL;
}

/* Make room for len bytes by dropping the entries of reads older than gen
 * (oldest first); 0 when there is no room even so. */
static int cache_room(ds__base_cache *c, size_t len, uint64_t gen)
{
    while (c->bytes + len > DS__BASE_CACHE_BYTES) {
        uint64_t oldest = gen;
        size_t i, j;
        for (i = 0; i < c->n; i++)
            if (c->ents[i].gen < oldest)
                oldest = c->ents[i].gen;
        if (oldest == gen)
            return 0;
        for (i = j = 0; i < c->n; i++) {
            if (c->ents[i].gen == oldest) {
                c->bytes -= c->ents[i].len;
                free(c->ents[i].entry);
                free(c->ents[i].data);
            } else {
                c->ents[j++] = c->ents[i];
            }
        }
        c->n = j;
    }
    return 1;
}

/* Drop every entry (the generation count goes on). */
static void cache_drop_all(ds__base_cache *c)
{
    size_t i;
    for (i = 0; i < c->n; i++) {
        free(c->ents[i].entry);
        free(c->ents[i].data);
    }
    c->n = 0;
    c->bytes = 0;
}

/* Keep b's bytes (taken) as entry of bundle; a base asked for (must) always
 * finds room, dropping whatever else is kept. */
static int cache_put(ds__base_cache *c, const char *entry, const unsigned char bundle[32],
                     ds__buf *b, uint64_t gen, int must)
{
    struct ds__base_cached *e;
    if (!cache_room(c, b->len, gen)) {
        if (!must)
            return 0;
        cache_drop_all(c);
    }
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 64;
        struct ds__base_cached *g = ds__realloc(c->ents, ncap * sizeof *g);
        if (!g)
            return DS_ENOMEM;
        c->ents = g;
        c->cap = ncap;
    }
    e = &c->ents[c->n];
    if (!(e->entry = ds__strdup(entry)))
        return DS_ENOMEM;
    e->len = b->len;
    if (!(e->data = ds__buf_detach(b))) {
        free(e->entry);
        return DS_ENOMEM;
    }
    memcpy(e->bundle, bundle, 32);
    e->gen = gen;
    c->bytes += e->len;
    c->n++;
    return 0;
}

/* Read a bundle's full documents/ and originals/ entries of at most
 * DS_BUNDLE_MAX_PATCH_SIZE bytes into the cache (as room allows; entry
 * always, when it is there in full). *as_patch is set when the bundle holds
 * entry as a patch. DS_ENOTFOUND when entry is not there in full; reader
 * errors. */
static int cache_read_bundle(ds__base_cache *c, const char *bpath, const unsigned char bundle[32],
                             const char *entry, int *as_patch, int harvest)
{
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    ds__buf b = DS__BUF_INIT;
    ds_sink sink = {ds__buf_sink_write, &b};
    uint64_t gen = ++c->gen;
    int rc, err = 0, found = 0, full = 0;

    *as_patch = 0;
    if ((err = ds_bundle_reader_open(&r, bpath, NULL)) < 0)
        return err;
    while ((rc = ds_bundle_reader_next(r, &e)) == 1) {
        ds__entry_kind k = ds__bundle_entry_kind(e.path);
        int wanted = strcmp(e.path, entry) == 0;
        char target[DS__PATH_CAP];
        if (e.problem)
            continue;
        if (ds_bundle_patch_path_split(e.path, target, NULL) && strcmp(target, entry) == 0)
            *as_patch = 1;
        if ((k != DS__ENTRY_DOCUMENT && k != DS__ENTRY_ORIGINAL) ||
            e.size > DS_BUNDLE_MAX_PATCH_SIZE || (!wanted && !harvest) ||
            cache_find(c, e.path, bundle))
            continue;
        /* the others only while there is room (and once the cache is full
         * and the base found, stop reading) */
        if (!wanted && c->bytes + e.size > DS__BASE_CACHE_BYTES && !cache_room(c, e.size, gen)) {
            if (found)
                break;
            full = 1;
            continue;
        }
        ds__buf_clear(&b);
        if ((err = ds_bundle_reader_stream(r, &sink)) < 0)
            goto done;
        if ((err = cache_put(c, e.path, bundle, &b, gen, wanted)) < 0)
            goto done;
        if (wanted && !cache_find(c, e.path, bundle)) {
            err = DS_ENOMEM; /* no room at all: cannot happen for one base */
            goto done;
        }
        found |= wanted;
        if (found && (full || !harvest))
            break;
    }
    if (rc < 0) {
        err = rc;
        goto done;
    }
    if (!found)
        err = ds__error_set(DS_ENOTFOUND, "%s: %s: no such entry", bpath, entry);
done:
    ds__buf_free(&b);
    ds_bundle_reader_free(r);
    return err;
}

int ds__vault_base_load(void *ctx, const char *entry, void **data, size_t *len)
{
    ds__vault_bases *vb = ctx;
    ds__base_map *m = vb->map;
    ds__base_cache local, *c = vb->cache ? vb->cache : &local;
    unsigned char digest[32], last[32];
    char *why = NULL, *bpath = NULL, hex[DS_SHA256_HEX_SIZE];
    int why_rank = 0;
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
    memset(&local, 0, sizeof local);
    for (i = m->buckets ? m->head[bucket_of(digest, m->buckets)] : 0; i; i = m->next[i - 1]) {
        const ds__base_ref *r = &m->refs[i - 1];
        struct ds__base_cached *hit;
        char bundle[DS_SHA256_HEX_SIZE];
        int as_patch = 0;
        if (r->seq >= vb->before_seq || r->kind != kind || memcmp(r->digest, digest, 32) != 0 ||
            (tried && memcmp(r->bundle, last, 32) == 0))
            continue;
        tried = 1;
        memcpy(last, r->bundle, 32);
        if (!(hit = cache_find(c, entry, r->bundle))) {
            ds__hex(bundle, r->bundle, 32);
            free(bpath);
            if (!(bpath = ds__vault_bundle_path(vb->v, bundle))) {
                err = DS_ENOMEM;
                goto done;
            }
            err = cache_read_bundle(c, bpath, r->bundle, entry, &as_patch, c != &local);
            if (err == DS_ENOMEM)
                goto done;
            if (err < 0) {
                /* the reason told: a bundle missing or unreadable (the cause)
                 * before one stored as a patch, before one that does not
                 * hold it; among equals, the newest record's */
                int rank = as_patch                   ? 2
                           : access(bpath, F_OK) != 0 ? 3
                           : err == DS_ENOTFOUND      ? 1
                                                      : 3;
                if (rank > why_rank) {
                    char *w;
                    if (as_patch)
                        w = ds__asprintf(
                            "bundles/%s.tar.zst (record %" PRIu64
                            ") holds it only as a patch, and a base must be stored in full",
                            bundle, r->seq);
                    else if (access(bpath, F_OK) != 0)
                        w = ds__asprintf("bundles/%s.tar.zst (record %" PRIu64
                                         "), which stores it, is missing",
                                         bundle, r->seq);
                    else if (err == DS_ENOTFOUND)
                        w = ds__asprintf("bundles/%s.tar.zst (record %" PRIu64 ") does not hold it",
                                         bundle, r->seq);
                    else
                        w = ds__asprintf("bundles/%s.tar.zst (record %" PRIu64
                                         ") cannot be read: %s",
                                         bundle, r->seq, ds_error_last());
                    if (!w) {
                        err = DS_ENOMEM;
                        goto done;
                    }
                    free(why);
                    why = w;
                    why_rank = rank;
                }
                continue;
            }
            hit = cache_find(c, entry, r->bundle);
        }
        if (!hit) {
            err = ds__error_set(DS_ERROR, "%s: not kept after reading", entry);
            goto done;
        }
        if (!(*data = ds__malloc(hit->len ? hit->len : 1))) {
            err = DS_ENOMEM;
            goto done;
        }
        if (hit->len)
            memcpy(*data, hit->data, hit->len);
        *len = hit->len;
        err = 0;
        goto done;
    }
    if (why)
        err = ds__error_set(DS_ENOTFOUND, "no earlier bundle of the vault holds %s in full: %s",
                            entry, why);
    else
        err = ds__error_set(DS_ENOTFOUND, "no earlier record of the vault stores %s", entry);
done:
    ds__base_cache_clear(&local);
    free(why);
    free(bpath);
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
    v->bases->cache = NULL;
    out->ctx = v->bases;
    return 0;
}

/* 1 when the bundle holds a patch entry, 0 when not (a listing: every
 * entry is checked when it is exported). */
static int ds__bundle_is_thin(const char *bpath)
{
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    int err, thin = 0;
    if ((err = ds_bundle_reader_open(&r, bpath, NULL)) < 0)
        return err;
    while (!thin && (err = ds_bundle_reader_next(r, &e)) == 1)
        thin = strstr(e.path, ".from-") != NULL;
    ds_bundle_reader_free(r);
    return err < 0 ? err : thin;
}

/* A bundle file as it is, to fd; its entries are read and checked first
 * (export's promise). */
typedef struct ds__copy_ctx {
    const char *bpath, *what;
} ds__copy_ctx;

static int ds__copy_fill(void *ctx, int out, const char *name)
{
    const ds__copy_ctx *c = ctx;
    char buf[65536];
    ds_report *rep = NULL;
    ds_bundle_verify_options vo = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    size_t i;
    int in = -1, err = 0;

    /* every entry against MANIFEST (no keys: the signature is the reader's to check) */
    if ((err = ds_bundle_verify(&rep, c->bpath, &vo, NULL)) < 0)
        return err;
    for (i = 0; i < rep->count && err == 0; i++)
        if (rep->checks[i].result == DS_CHECK_FAIL && strcmp(rep->checks[i].name, "signature") &&
            strcmp(rep->checks[i].name, "trusted-comment"))
            err = ds__error_set(DS_EINTEGRITY, "%s: %s: %s", c->what, rep->checks[i].name,
                                rep->checks[i].detail ? rep->checks[i].detail : "failed");
    ds_report_free(rep);
    if (err < 0 || (err = ds__open_regular(&in, c->bpath, c->what)) < 0)
        return err;
    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = ds__error_errno(DS_EIO, errno, c->what);
            break;
        }
        if (n == 0 || (err = ds__write_all(out, buf, (size_t)n, name)) < 0)
            break;
    }
    close(in);
    return err;
}

/* Copy a bundle file as it is to out_path ("-": standard output). */
static int ds__copy_bundle(const char *bpath, const char *out_path, const char *what)
{
    ds__copy_ctx c;
    c.bpath = bpath;
    c.what = what;
    return ds__bundle_write_out(bpath, out_path, ds__copy_fill, &c);
}

/* The record of seq (found in the index, read and parsed from the manifest)
 * names bundle_id and the SHA-256 of the file at bpath. */
static int ds__export_check_file(ds_vault *v, uint64_t seq, const char *bundle_id,
                                 const char *bpath, const char *what)
{
    ds__index_entry e;
    ds_manifest_record *rec = NULL;
    char got[DS_SHA256_HEX_SIZE], hex[DS_SHA256_HEX_SIZE];
    uint64_t lo = 0, hi = v->index->entry_count;
    int err;

    while (lo < hi) { /* the first entry of record seq (entries are in manifest order) */
        uint64_t mid = lo + (hi - lo) / 2;
        if ((err = ds__index_entry_get(v->index, mid, &e)) < 0)
            return err;
        if (e.seq < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= v->index->entry_count || (err = ds__index_entry_get(v->index, lo, &e)) < 0 ||
        e.seq != seq)
        return ds__error_set(DS_EINTEGRITY,
                             "index/: no entry of record %" PRIu64 "; run 'docseal repair'", seq);
    if ((err = ds__record_at(&rec, v, e.offset)) < 0)
        return err;
    ds__hex(hex, e.line, 32);
    if (rec->seq != seq || strcmp(rec->hash, hex) != 0 || strcmp(rec->bundle, bundle_id) != 0) {
        err = ds__error_set(DS_EINTEGRITY,
                            "manifest.jsonl: the record at byte offset %" PRIu64
                            " does not match the index (the manifest was changed?); run "
                            "'docseal verify'",
                            e.offset);
        goto done;
    }
    if ((err = ds_sha256_file(got, bpath, NULL)) < 0)
        goto done;
    if (strcmp(got, rec->bundle_sha256) != 0)
        err = ds__error_set(DS_EINTEGRITY,
                            "%s: SHA-256 is %s, the manifest (record %" PRIu64
                            ") says %s: the bundle was replaced or damaged; nothing exported",
                            what, got, seq, rec->bundle_sha256);
done:
    ds_manifest_record_free(rec);
    return err;
}

int ds_vault_export(ds_vault *v, const char *bundle_id, const char *out_path)
{
    ds__vault_bases vb = {v, NULL, 0, NULL};
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
    /* the file must be the one its record names: a swapped or replaced
     * bundle would otherwise go out under another bundle's id */
    if ((err = ds__export_check_file(v, vb.before_seq, bundle_id, bpath, what)) < 0)
        goto done;
    vb.map = m;
    if ((err = ds__bundle_is_thin(bpath)) < 0)
        goto done;
    /* a bundle without patch entries goes out byte for byte (the bytes whose
     * SHA-256 its record holds), so that a copy can restore a lost one */
    err =
        err ? ds_bundle_export(bpath, out_path, &provider) : ds__copy_bundle(bpath, out_path, what);
done:
    free(bpath);
    return err;
}
