/*
 * bundle_verify.c - ds_bundle_verify(): every check of a bundle, by name.
 *
 * Pass 1 reads the archive once, streaming each allowed entry through
 * SHA-256 (MANIFEST, MANIFEST.minisig and snapshot.json are also kept in
 * memory, within the reader's limits), then checks MANIFEST, the signature,
 * the trusted comment and snapshot.json against what was read. With deep, pass
 * 2 reads the archive again and re-normalizes each original: in memory when
 * small, else streamed through a pipe into ds_normalize_file() running in a
 * thread, so memory stays bounded. Nothing is written to disk.
 */
#include "bundle_internal.h"
#include "docseal/hash.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Originals up to this size are re-normalized from memory in pass 2. */
#define DEEP_MEMORY_MAX ((uint64_t)16 << 20)

typedef struct vent {
    char *path; /* for a patch entry, the entry it expands to */
    char digest[DS_SHA256_HEX_SIZE];
    uint64_t size;
    int unsafe;     /* had a problem: not read */
    char *stored;   /* a patch entry's own path, else NULL */
    int unexpanded; /* a patch entry that could not be expanded: digest and size unknown */
} vent;

typedef struct vstate {
    ds_report *rep;
    const char *path;
    const ds_bundle_verify_options *opts;
    ds_bundle_limits limits;
    vent *ents;
    size_t n, cap;
    ds__buf manifest, signature, snapshot;
    int have_manifest, have_signature, have_snapshot;
    int complete; /* read to the end of the file without error */
    int stopped_by_limit;
    ds__manifest mf;
    int mf_ok;
    char manifest_id[DS_SHA256_HEX_SIZE];
    char sig_key_id[DS_KEY_ID_HEX_SIZE];
    int sig_ok;
    char *tc;
    ds_bundle_info *info;
    char *snap_error; /* why snapshot.json did not parse */
    const ds_bundle_base_provider *bases;
    size_t patches, patch_fails; /* patch entries seen, and those that failed */
} vstate;

static int vent_cmp(const void *a, const void *b)
{
    const vent *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c || (!x->stored && !y->stored))
        return c;
    /* an entry stored both ways: the full one first, then patches by name */
    if (!x->stored || !y->stored)
        return x->stored ? 1 : -1;
    return strcmp(x->stored, y->stored);
}

static const vent *vent_find(const vstate *v, const char *path)
{
    size_t lo = 0, hi = v->n, i;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->ents[mid].path, path);
        if (c == 0) {
            /* duplicates are adjacent: return the first safe one */
            while (mid > 0 && strcmp(v->ents[mid - 1].path, path) == 0)
                mid--;
            for (i = mid; i < v->n && strcmp(v->ents[i].path, path) == 0; i++)
                if (!v->ents[i].unsafe)
                    return &v->ents[i];
            return NULL;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Any entry (safe or not) with that path? */
static int vent_exists(const vstate *v, const char *path)
{
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v->ents[mid].path, path);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int add(vstate *v, const char *name, ds_check_result res, const char *subject,
               const char *fmt, ...) DS__PRINTF(5, 6);
static int add(vstate *v, const char *name, ds_check_result res, const char *subject,
               const char *fmt, ...)
{
    ds__buf b = DS__BUF_INIT;
    va_list ap;
    int n, err;
    char *q = subject ? ds__bundle_quote(subject) : NULL;
    if (subject && !q)
        return DS_ENOMEM;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || ds__buf_grow(&b, (size_t)n) < 0) {
        free(q);
        return ds__error_oom();
    }
    va_start(ap, fmt);
    vsnprintf(b.ptr, (size_t)n + 1, fmt, ap);
    va_end(ap);
    err = ds_report_add(v->rep, name, res, q, "%s", b.ptr);
    ds__buf_free(&b);
    free(q);
    return err;
}

/* The last error message without the "<bundle>: " and "<entry>: " prefixes
 * that the report's subject already gives. */
static const char *reader_detail(const vstate *v, const char *subject)
{
    const char *msg = ds_error_last();
    size_t n = strlen(v->path);
    if (strncmp(msg, v->path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
        msg += n + 2;
    if (subject) {
        char *q = ds__bundle_quote(subject);
        n = q ? strlen(q) : 0;
        if (q && strncmp(msg, q, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
            msg += n + 2;
        free(q);
    }
    return msg;
}

/* ------------------------------------------------------------------------ */
/* Pass 1                                                                     */

typedef struct tee {
    ds_sha256 *sha;
    ds__buf *keep;
} tee;

static int tee_write(void *ctx, const void *buf, size_t len)
{
    tee *t = ctx;
    int err;
    if ((err = ds_sha256_update(t->sha, buf, len)) < 0)
        return err;
    return t->keep ? ds__buf_put(t->keep, buf, len) : 0;
}

/* A patch entry's sink: the expander, whose own failures are told apart
 * from the reader's. */
typedef struct patch_tee {
    ds__patch_dec *dec;
    int failed;
} patch_tee;

static int patch_tee_write(void *ctx, const void *buf, size_t len)
{
    patch_tee *t = ctx;
    int err = ds__patch_dec_write(t->dec, buf, len);
    if (err < 0)
        t->failed = 1;
    return err;
}

/* Expand the current entry, a patch of target against base, through sha into
 * slot. Returns 0 (or an error of add()) when the report has what happened to
 * it ("patches" fails on a base that cannot be had or a patch that does not
 * expand: slot is then unexpanded); a negative reader error (archive-readable)
 * or DS_ENOMEM is returned as is. */
static int verify_patch(vstate *v, ds_bundle_reader *r, vent *slot, const char *target,
                        const char *base, ds_sha256 *sha)
{
    void *bdata = NULL;
    size_t blen = 0;
    ds__patch_dec *dec = NULL;
    ds_sink hs, ps;
    tee t = {sha, NULL};
    patch_tee pt;
    int err;

    slot->unexpanded = 1;
    if ((err = ds__patch_load_base(&bdata, &blen, v->bases, target, base)) < 0) {
        if (err == DS_ENOMEM)
            return err;
        v->patch_fails++;
        return add(v, "patches", DS_CHECK_FAIL, slot->stored, "%s", ds_error_last());
    }
    hs.write = tee_write;
    hs.ctx = &t;
    if ((err = ds_sha256_reset(sha)) < 0 || (err = ds__patch_dec_new(&dec, bdata, blen, &hs)) < 0)
        goto done;
    pt.dec = dec;
    pt.failed = 0;
    ps.write = patch_tee_write;
    ps.ctx = &pt;
    err = ds_bundle_reader_stream(r, &ps);
    if (err == 0 && (err = ds__patch_dec_end(dec)) < 0)
        pt.failed = 1;
    if (err < 0) {
        if (err == DS_ENOMEM || !pt.failed)
            goto done;
        v->patch_fails++;
        err = add(v, "patches", DS_CHECK_FAIL, slot->stored, "does not expand against %s: %s", base,
                  ds_error_last());
        goto done;
    }
    if ((err = ds_sha256_final_hex(sha, slot->digest)) < 0)
        goto done;
    slot->size = ds__patch_dec_size(dec);
    slot->unexpanded = 0;
done:
    ds__patch_dec_free(dec);
    free(bdata);
    return err;
}

static int pass1(vstate *v)
{
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    ds_sha256 *sha = NULL;
    size_t unsafe = 0;
    uint64_t comp = 0, decomp = 0;
    int rc, err = 0;

    if ((err = ds_bundle_reader_open(&r, v->path, &v->limits)) < 0)
        return err;
    if ((err = ds_sha256_new(&sha)) < 0)
        goto done;
    for (;;) {
        vent *slot;
        tee t;
        ds_sink sink;
        rc = ds_bundle_reader_next(r, &e);
        if (rc == 0)
            break;
        if (rc < 0) {
            if (rc == DS_ENOMEM) {
                err = rc;
                goto done;
            }
            if (rc == DS_ELIMIT) {
                v->stopped_by_limit = 1;
                if ((err = add(v, "entry-safety", DS_CHECK_FAIL, NULL, "%s",
                               reader_detail(v, NULL))) < 0)
                    goto done;
            } else {
                const char *subject = ds__bundle_reader_failed_entry(r);
                if ((err = add(v, "archive-readable", DS_CHECK_FAIL, subject, "%s",
                               reader_detail(v, subject))) < 0)
                    goto done;
            }
            goto done;
        }
        if (v->n == v->cap) {
            size_t ncap = v->cap ? v->cap * 2 : 64;
            vent *g = ds__realloc(v->ents, ncap * sizeof *g);
            if (!g) {
                err = DS_ENOMEM;
                goto done;
            }
            v->ents = g;
            v->cap = ncap;
        }
        slot = &v->ents[v->n];
        memset(slot, 0, sizeof *slot);
        if (!(slot->path = ds__strdup(e.path))) {
            err = DS_ENOMEM;
            goto done;
        }
        slot->size = e.size;
        v->n++;
        if (e.problem) {
            slot->unsafe = 1;
            unsafe++;
            if ((err = add(v, "entry-safety", DS_CHECK_FAIL, e.path, "%s", e.problem)) < 0)
                goto done;
            continue;
        }
        t.sha = sha;
        t.keep = NULL;
        {
            char target[DS__PATH_CAP], base[DS__PATH_CAP];
            if (ds_bundle_patch_path_split(e.path, target, base)) {
                slot->stored = slot->path;
                if (!(slot->path = ds__strdup(target))) {
                    err = DS_ENOMEM;
                    goto done;
                }
                v->patches++;
                if ((rc = verify_patch(v, r, slot, target, base, sha)) < 0) {
                    if (rc == DS_ENOMEM) {
                        err = rc;
                        goto done;
                    }
                    if ((err = add(v, "archive-readable", DS_CHECK_FAIL, e.path, "%s",
                                   reader_detail(v, e.path))) < 0)
                        goto done;
                    slot->unsafe = 1;
                    goto done;
                }
                continue;
            }
        }
        switch (ds__bundle_entry_kind(e.path)) {
        case DS__ENTRY_MANIFEST:
            t.keep = &v->manifest;
            v->have_manifest = 1;
            break;
        case DS__ENTRY_SIGNATURE:
            t.keep = &v->signature;
            v->have_signature = 1;
            break;
        case DS__ENTRY_SNAPSHOT:
            t.keep = &v->snapshot;
            v->have_snapshot = 1;
            break;
        default:
            break;
        }
        if (t.keep && (err = ds__buf_grow(t.keep, (size_t)e.size)) < 0)
            goto done;
        sink.write = tee_write;
        sink.ctx = &t;
        if ((err = ds_sha256_reset(sha)) < 0)
            goto done;
        if ((rc = ds_bundle_reader_stream(r, &sink)) < 0) {
            /* the entry stays listed as unsafe so that it is not mistaken
             * for a complete one */
            slot->unsafe = 1;
            if (t.keep) {
                ds__buf_free(t.keep);
                if (t.keep == &v->manifest)
                    v->have_manifest = 0;
                else if (t.keep == &v->signature)
                    v->have_signature = 0;
                else
                    v->have_snapshot = 0;
            }
            if (rc == DS_ENOMEM) {
                err = rc;
                goto done;
            }
            if ((err = add(v, "archive-readable", DS_CHECK_FAIL, e.path, "%s",
                           reader_detail(v, e.path))) < 0)
                goto done;
            goto done;
        }
        if ((err = ds_sha256_final_hex(sha, slot->digest)) < 0)
            goto done;
    }
    if ((rc = ds_bundle_reader_finish(r)) < 0) {
        if ((err = add(v, "archive-readable", DS_CHECK_FAIL, NULL, "%s", reader_detail(v, NULL))) <
            0)
            goto done;
        goto done;
    }
    v->complete = 1;
    ds_bundle_reader_offsets(r, &comp, &decomp);
    if ((err = add(v, "archive-readable", DS_CHECK_PASS, NULL,
                   "%zu entries; %llu bytes of tar from %llu bytes of zstd", v->n,
                   (unsigned long long)decomp, (unsigned long long)comp)) < 0)
        goto done;
done:
    if (v->n > 1)
        qsort(v->ents, v->n, sizeof *v->ents, vent_cmp);
    /* an entry stored both in full and as a patch (or as two patches) */
    for (size_t i = 1; err == 0 && i < v->n; i++) {
        vent *a = &v->ents[i - 1], *b = &v->ents[i];
        if (a->unsafe || b->unsafe || strcmp(a->path, b->path) != 0 || (!a->stored && !b->stored))
            continue;
        b->unsafe = 1;
        unsafe++;
        err = add(v, "entry-safety", DS_CHECK_FAIL, b->stored ? b->stored : b->path,
                  "%s is stored twice: in full or as a patch, and as %s", b->path,
                  a->stored ? a->stored : a->path);
    }
    if (err == 0 && v->stopped_by_limit)
        err = add(v, "archive-readable", DS_CHECK_SKIP, NULL,
                  "not read past the limit that was exceeded");
    if (err == 0 && unsafe == 0 && !v->stopped_by_limit)
        err =
            add(v, "entry-safety", DS_CHECK_PASS, NULL,
                "%zu entries: regular files with valid bundle paths and sizes within limits", v->n);
    ds_sha256_free(sha);
    ds_bundle_reader_free(r);
    return err;
}

/* ------------------------------------------------------------------------ */
/* MANIFEST checks                                                            */

static int check_manifest(vstate *v)
{
    size_t i, missing = 0, extra = 0, matched = 0, bad = 0, docs = 0, origs = 0, badname = 0;
    int err;

    if (!v->have_manifest) {
        if ((err = add(v, "manifest-format", DS_CHECK_FAIL, "MANIFEST",
                       v->complete ? "missing" : "not read")) < 0)
            return err;
    } else if (ds__manifest_parse(&v->mf, v->manifest.ptr, v->manifest.len) < 0) {
        if ((err = add(v, "manifest-format", DS_CHECK_FAIL, "MANIFEST", "%s", ds_error_last())) < 0)
            return err;
    } else {
        v->mf_ok = 1;
        if ((err = add(v, "manifest-format", DS_CHECK_PASS, "MANIFEST",
                       "%zu lines, sorted, in sha256sum format", v->mf.count)) < 0)
            return err;
    }
    if (v->have_manifest &&
        (err = ds_sha256_hex(v->manifest_id, v->manifest.ptr, v->manifest.len)) < 0)
        return err;

    /* manifest-complete */
    if (!v->mf_ok) {
        if ((err = add(v, "manifest-complete", DS_CHECK_SKIP, NULL,
                       "MANIFEST is missing or malformed")) < 0)
            return err;
    } else {
        for (i = 0; i < v->mf.count; i++) {
            const char *p = v->mf.lines[i].path;
            if (vent_find(v, p) || vent_exists(v, p))
                continue;
            missing++;
            if (v->complete && (err = add(v, "manifest-complete", DS_CHECK_FAIL, p,
                                          "listed in MANIFEST but missing from the archive")) < 0)
                return err;
        }
        if (missing && !v->complete &&
            (err = add(v, "manifest-complete", DS_CHECK_SKIP, NULL,
                       "%zu entries listed in MANIFEST were not reached: the archive could not "
                       "be read to its end",
                       missing)) < 0)
            return err;
        for (i = 0; i < v->n; i++) {
            const vent *e = &v->ents[i];
            ds__entry_kind k;
            if (e->unsafe)
                continue;
            k = ds__bundle_entry_kind(e->path);
            if (k == DS__ENTRY_MANIFEST || k == DS__ENTRY_SIGNATURE)
                continue;
            if (ds__manifest_find(&v->mf, e->path) < 0) {
                extra++;
                if ((err = add(v, "manifest-complete", DS_CHECK_FAIL, e->path,
                               "extra entry: not listed in MANIFEST")) < 0)
                    return err;
            }
        }
        if (ds__manifest_find(&v->mf, "snapshot.json") < 0 && !vent_exists(v, "snapshot.json")) {
            extra++;
            if ((err = add(v, "manifest-complete", DS_CHECK_FAIL, "snapshot.json",
                           "required entry missing (and not listed in MANIFEST)")) < 0)
                return err;
        }
    }
    if (!v->have_signature && !vent_exists(v, "MANIFEST.minisig") && v->complete) {
        extra++;
        if ((err = add(v, "manifest-complete", DS_CHECK_FAIL, "MANIFEST.minisig",
                       "required entry missing")) < 0)
            return err;
    }
    if (v->mf_ok && missing == 0 && extra == 0 &&
        (err = add(v, "manifest-complete", DS_CHECK_PASS, NULL,
                   "MANIFEST lists exactly the %zu other entries", v->mf.count)) < 0)
        return err;

    /* digests and content-hash */
    if (!v->mf_ok) {
        if ((err = add(v, "digests", DS_CHECK_SKIP, NULL, "MANIFEST is missing or malformed")) < 0)
            return err;
    } else {
        for (i = 0; i < v->mf.count; i++) {
            const vent *e = vent_find(v, v->mf.lines[i].path);
            if (!e || e->unexpanded)
                continue; /* an unexpanded patch fails the patches check */
            if (strcmp(e->digest, v->mf.lines[i].digest) != 0) {
                bad++;
                if ((err = add(v, "digests", DS_CHECK_FAIL, e->path,
                               "digest mismatch: MANIFEST says %s, content is %s",
                               v->mf.lines[i].digest, e->digest)) < 0)
                    return err;
            } else {
                matched++;
            }
        }
        if (bad == 0 && (err = add(v, "digests", DS_CHECK_PASS, NULL,
                                   "%zu of %zu entries match MANIFEST", matched, v->mf.count)) < 0)
            return err;
    }
    for (i = 0; i < v->n; i++) {
        const vent *e = &v->ents[i];
        ds__entry_kind k = ds__bundle_entry_kind(e->path);
        if (e->unsafe || e->unexpanded || (k != DS__ENTRY_DOCUMENT && k != DS__ENTRY_ORIGINAL))
            continue;
        if (memcmp(e->digest, e->path + 10, 64) != 0) {
            badname++;
            if (e->stored)
                err = add(v, "content-hash", DS_CHECK_FAIL, e->stored,
                          "expands to content that hashes to %s, not to the digest of %s",
                          e->digest, e->path);
            else
                err = add(v, "content-hash", DS_CHECK_FAIL, e->path,
                          "content hashes to %s, not to the digest in its name", e->digest);
            if (err < 0)
                return err;
        } else if (k == DS__ENTRY_DOCUMENT) {
            docs++;
        } else {
            origs++;
        }
    }
    if (badname == 0 && (err = add(v, "content-hash", DS_CHECK_PASS, NULL,
                                   "%zu normalized texts and %zu originals re-hash to their names",
                                   docs, origs)) < 0)
        return err;
    return 0;
}

/* The patches summary (only for bundles holding patch entries), and the
 * format rule: patch entries belong to bundle format 2. */
static int check_patches(vstate *v)
{
    size_t i;
    int err;
    if (!v->patches)
        return 0;
    if (v->info && !ds__bundle_patches_allowed(v->info->format_version)) {
        for (i = 0; i < v->n; i++) {
            if (!v->ents[i].stored)
                continue;
            v->patch_fails++;
            if ((err = add(v, "patches", DS_CHECK_FAIL, v->ents[i].stored,
                           "patch entries are not allowed in bundle format %d",
                           v->info->format_version)) < 0)
                return err;
        }
    }
    if (v->patch_fails)
        return 0;
    return add(v, "patches", DS_CHECK_PASS, NULL,
               "%zu patch entr%s expand%s against %s base%s stored in full elsewhere", v->patches,
               v->patches == 1 ? "y" : "ies", v->patches == 1 ? "s" : "",
               v->patches == 1 ? "its" : "their", v->patches == 1 ? "" : "s");
}

/* ------------------------------------------------------------------------ */
/* Signature, trusted comment, bundle id                                      */

static int check_signature(vstate *v)
{
    const ds_bundle_verify_options *o = v->opts;
    size_t i, tried = 0;
    int err, rc;
    ds__buf ids = DS__BUF_INIT;

    if (!v->have_manifest || !v->have_signature)
        return add(v, "signature", DS_CHECK_FAIL, "MANIFEST.minisig", "cannot check: %s not read",
                   v->have_manifest ? "MANIFEST.minisig" : "MANIFEST");
    if (ds_minisig_key_id(v->signature.ptr, v->signature.len, v->sig_key_id) < 0)
        return add(v, "signature", DS_CHECK_FAIL, "MANIFEST.minisig", "%s", ds_error_last());
    if (!o || o->key_count == 0)
        return add(v, "signature", DS_CHECK_FAIL, "MANIFEST.minisig",
                   "signed by key id %s; no trusted public key was given", v->sig_key_id);
    for (i = 0; i < o->key_count; i++) {
        char kid[DS_KEY_ID_HEX_SIZE];
        ds_public_key_id(o->keys[i], kid);
        if (strcmp(kid, v->sig_key_id) != 0) {
            if ((err = ds__buf_printf(&ids, "%s%s", ids.len ? ", " : "", kid)) < 0)
                return err;
            continue;
        }
        tried++;
        free(v->tc);
        v->tc = NULL;
        rc = ds_minisig_verify(o->keys[i], v->manifest.ptr, v->manifest.len, v->signature.ptr,
                               v->signature.len, &v->tc);
        if (rc == 0) {
            v->sig_ok = 1;
            ds__buf_free(&ids);
            return add(v, "signature", DS_CHECK_PASS, "MANIFEST.minisig",
                       "MANIFEST is signed by trusted key %s", kid);
        }
        if (rc == DS_ENOMEM) {
            ds__buf_free(&ids);
            return rc;
        }
        if ((err = add(v, "signature", DS_CHECK_FAIL, "MANIFEST.minisig", "key %s: %s", kid,
                       ds_error_last())) < 0) {
            ds__buf_free(&ids);
            return err;
        }
    }
    if (tried == 0)
        err = add(v, "signature", DS_CHECK_FAIL, "MANIFEST.minisig",
                  "no trusted key with key id %s (trusted: %s)", v->sig_key_id,
                  ids.ptr ? ids.ptr : "none");
    else
        err = 0;
    ds__buf_free(&ids);
    return err;
}

static int check_trusted_comment(vstate *v)
{
    const char *tc = v->tc, *p;
    char want_time[32];
    size_t tl;
    int fails = 0, err;

    if (!v->sig_ok)
        return add(v, "trusted-comment", DS_CHECK_SKIP, "MANIFEST.minisig",
                   "the signature did not verify, so its trusted comment is not trusted");
    if (strncmp(tc, DS__BUNDLE_TC_PREFIX, strlen(DS__BUNDLE_TC_PREFIX)) != 0)
        return add(v, "trusted-comment", DS_CHECK_FAIL, "MANIFEST.minisig",
                   "'%s' does not start with '" DS__BUNDLE_TC_PREFIX "'", tc);
    p = tc + strlen(DS__BUNDLE_TC_PREFIX);
    if (strncmp(p, "time:", 5) != 0 || !(tl = strcspn(p + 5, " ")) || tl >= 32 ||
        strncmp(p + 5 + tl, " bundle:", 8) != 0 || !ds__is_sha256_hex(p + 5 + tl + 8))
        return add(v, "trusted-comment", DS_CHECK_FAIL, "MANIFEST.minisig",
                   "'%s' is not 'docseal-bundle 1 time:<RFC 3339> bundle:<bundle id>'", tc);
    if (strcmp(p + 5 + tl + 8, v->manifest_id) != 0) {
        fails++;
        if ((err = add(v, "trusted-comment", DS_CHECK_FAIL, "MANIFEST.minisig",
                       "names bundle %s, but MANIFEST hashes to %s", p + 5 + tl + 8,
                       v->manifest_id)) < 0)
            return err;
    }
    if (v->info) {
        ds__format_time(want_time, v->info->snapshot_time);
        if (strlen(want_time) != tl || strncmp(p + 5, want_time, tl) != 0) {
            fails++;
            if ((err = add(v, "trusted-comment", DS_CHECK_FAIL, "MANIFEST.minisig",
                           "says time %.*s, snapshot.json says %s", (int)tl, p + 5, want_time)) < 0)
                return err;
        }
    }
    if (fails)
        return 0;
    return add(v, "trusted-comment", DS_CHECK_PASS, "MANIFEST.minisig", "%s", tc);
}

static int check_bundle_id(vstate *v)
{
    const char *base = strrchr(v->path, '/');
    base = base ? base + 1 : v->path;
    if (!v->have_manifest)
        return add(v, "bundle-id", DS_CHECK_SKIP, NULL, "no MANIFEST");
    if (strlen(base) == 64 + 8 && strcmp(base + 64, ".tar.zst") == 0) {
        char named[DS_SHA256_HEX_SIZE];
        memcpy(named, base, 64);
        named[64] = '\0';
        if (ds__is_sha256_hex(named)) {
            if (strcmp(named, v->manifest_id) != 0)
                return add(v, "bundle-id", DS_CHECK_FAIL, NULL,
                           "the file is named for bundle %s, but its MANIFEST hashes to %s", named,
                           v->manifest_id);
            return add(v, "bundle-id", DS_CHECK_PASS, NULL, "bundle %s", v->manifest_id);
        }
    }
    return add(v, "bundle-id", DS_CHECK_PASS, NULL,
               "bundle %s (the file name does not carry a bundle id)", v->manifest_id);
}

/* ------------------------------------------------------------------------ */
/* snapshot.json                                                              */

static int snap_entry(vstate *v, const ds_bundle_doc *d, const char *field, const char *entry,
                      const char *want, uint64_t size, int required, size_t *fails)
{
    const vent *e;
    long li;
    if (!entry) {
        if (required) {
            (*fails)++;
            return add(v, "snapshot-consistent", DS_CHECK_FAIL, "snapshot.json",
                       "document %s: %s is null, but a %s document must be stored", d->id, field,
                       ds_doc_status_name(d->status));
        }
        return 0;
    }
    if (strcmp(entry, want) != 0) {
        (*fails)++;
        return add(v, "snapshot-consistent", DS_CHECK_FAIL, "snapshot.json",
                   "document %s: %s is %s, expected %s", d->id, field, entry, want);
    }
    li = v->mf_ok ? ds__manifest_find(&v->mf, entry) : -1;
    if (v->mf_ok && li < 0) {
        (*fails)++;
        return add(v, "snapshot-consistent", DS_CHECK_FAIL, entry,
                   "document %s: %s is not listed in MANIFEST", d->id, field);
    }
    e = vent_find(v, entry);
    if (e && !e->unexpanded && e->size != size) {
        (*fails)++;
        return add(v, "snapshot-consistent", DS_CHECK_FAIL, entry,
                   "document %s: snapshot.json says %llu bytes, the entry has %llu", d->id,
                   (unsigned long long)size, (unsigned long long)e->size);
    }
    return 0;
}

static int check_snapshot(vstate *v)
{
    ds_bundle_info *info = NULL;
    ds__strset ids = {0};
    ds__strset used = {0};
    char want[128], created[32];
    size_t i, fails = 0;
    int err = 0;

    if (!v->have_snapshot)
        return add(v, "snapshot-consistent", DS_CHECK_FAIL, "snapshot.json",
                   v->complete ? "missing" : "not read");
    if (!v->info)
        return add(v, "snapshot-consistent", DS_CHECK_FAIL, "snapshot.json", "%s",
                   v->snap_error ? v->snap_error : "invalid");
    info = v->info;
    ds__format_time(created, info->snapshot_time);
    if (strcmp(created, info->created) != 0) {
        fails++;
        if ((err = add(v, "snapshot-consistent", DS_CHECK_FAIL, "snapshot.json",
                       "created is %s but snapshot_time %lld is %s", info->created,
                       (long long)info->snapshot_time, created)) < 0)
            goto done;
    }
    if (v->sig_key_id[0] && strcmp(v->sig_key_id, info->key_id) != 0) {
        fails++;
        if ((err = add(v, "snapshot-consistent", DS_CHECK_FAIL, "snapshot.json",
                       "signer_key_id is %s but MANIFEST.minisig names key %s", info->key_id,
                       v->sig_key_id)) < 0)
            goto done;
    }
    for (i = 0; i < info->doc_count; i++) {
        const ds_bundle_doc *d = &info->docs[i];
        int stored = d->status != DS_DOC_UNCHANGED;
        if ((err = ds__strset_add(&ids, d->id)) < 0)
            goto done;
        if (err == 0) {
            fails++;
            if ((err = add(v, "snapshot-consistent", DS_CHECK_FAIL, "snapshot.json",
                           "document id %s is listed twice", d->id)) < 0)
                goto done;
        }
        snprintf(want, sizeof want, "documents/%s.txt", d->content_sha256);
        if ((err = snap_entry(v, d, "document_entry", d->document_entry, want, d->content_size,
                              stored, &fails)) < 0)
            goto done;
        if (d->document_entry && (err = ds__strset_add(&used, d->document_entry)) < 0)
            goto done;
        snprintf(want, sizeof want, "originals/%s.%s", d->original_sha256,
                 strcmp(d->format, "markdown") == 0 ? "md"
                 : strcmp(d->format, "html") == 0   ? "html"
                                                    : "txt");
        if ((err = snap_entry(v, d, "original_entry", d->original_entry, want, d->original_size,
                              stored, &fails)) < 0)
            goto done;
        if (d->original_entry && (err = ds__strset_add(&used, d->original_entry)) < 0)
            goto done;
        if (d->previous_content_sha256[0] && d->status == DS_DOC_UNCHANGED &&
            strcmp(d->previous_content_sha256, d->content_sha256) != 0) {
            fails++;
            if ((err = add(v, "snapshot-consistent", DS_CHECK_FAIL, "snapshot.json",
                           "document %s is unchanged but its previous content hash differs",
                           d->id)) < 0)
                goto done;
        }
        if (d->previous_content_sha256[0] && d->status == DS_DOC_CHANGED &&
            strcmp(d->previous_content_sha256, d->content_sha256) == 0) {
            fails++;
            if ((err = add(v, "snapshot-consistent", DS_CHECK_FAIL, "snapshot.json",
                           "document %s is changed but has its previous content hash", d->id)) < 0)
                goto done;
        }
    }
    for (i = 0; i < info->unchanged_count; i++) {
        if ((err = ds__strset_add(&ids, info->unchanged[i].id)) < 0)
            goto done;
        if (err == 0) {
            fails++;
            if ((err = add(v, "snapshot-consistent", DS_CHECK_FAIL, "snapshot.json",
                           "document id %s is listed twice", info->unchanged[i].id)) < 0)
                goto done;
        }
    }
    if (v->mf_ok) {
        for (i = 0; i < v->mf.count; i++) {
            ds__entry_kind k = ds__bundle_entry_kind(v->mf.lines[i].path);
            if (k != DS__ENTRY_DOCUMENT && k != DS__ENTRY_ORIGINAL)
                continue;
            if ((err = ds__strset_add(&used, v->mf.lines[i].path)) < 0)
                goto done;
            if (err == 1) {
                fails++;
                if ((err = add(v, "snapshot-consistent", DS_CHECK_FAIL, v->mf.lines[i].path,
                               "stored, but no document in snapshot.json refers to it")) < 0)
                    goto done;
            }
        }
    }
    err = 0;
    if (fails == 0)
        err = add(v, "snapshot-consistent", DS_CHECK_PASS, "snapshot.json",
                  "%zu document%s agree%s with MANIFEST (format %d, %s, %s)",
                  info->doc_count + info->unchanged_count,
                  info->doc_count + info->unchanged_count == 1 ? "" : "s",
                  info->doc_count + info->unchanged_count == 1 ? "s" : "", info->format_version,
                  info->tool, info->normalizer);
done:
    ds__strset_free(&ids);
    ds__strset_free(&used);
    return err < 0 ? err : 0;
}

/* ------------------------------------------------------------------------ */
/* Pass 2: re-normalize originals                                             */

typedef struct deep_job {
    ds_normalize_options opts;
    /* streaming */
    int rfd, wfd;
    pthread_t th;
    int started;
    int err;
    char *msg;
    char content[DS_SHA256_HEX_SIZE];
} deep_job;

static int deep_opts(ds_normalize_options *o, const ds_bundle_doc *d, const char *entry)
{
    ds_normalize_options def = DS_NORMALIZE_OPTIONS_INIT;
    *o = def;
    if (ds_format_parse(&o->format, d->format) < 0)
        return DS_EINVALID;
    if (d->date_order && strcmp(d->date_order, "none") != 0 &&
        ds_date_order_parse(&o->date_order, d->date_order) < 0)
        return DS_EINVALID;
    o->keep_boilerplate = d->keep_boilerplate;
    o->from_encoding = d->from_encoding;
    o->source_name = entry;
    return 0;
}

static void *deep_thread(void *arg)
{
    deep_job *j = arg;
    ds_document *doc = NULL;
    ds_sink null_sink = {ds__null_sink_write, NULL};
    char path[64];
    snprintf(path, sizeof path, "/dev/fd/%d", j->rfd);
    j->err = ds_normalize_file(&doc, path, &null_sink, NULL, &j->opts);
    if (j->err < 0)
        j->msg = ds__strdup(ds_error_last());
    else
        memcpy(j->content, doc->content_sha256, DS_SHA256_HEX_SIZE);
    ds_document_free(doc);
    close(j->rfd);
    j->rfd = -1;
    return NULL;
}

typedef struct deep_stream {
    deep_job *jobs;
    size_t n;
} deep_stream;

/* Write to every job's pipe; a job whose reader is gone (it failed or
 * finished early) is dropped. SIGPIPE is blocked by the caller. */
static int deep_stream_write(void *ctx, const void *buf, size_t len)
{
    deep_stream *s = ctx;
    size_t i;
    for (i = 0; i < s->n; i++) {
        deep_job *j = &s->jobs[i];
        const char *p = buf;
        size_t left = len;
        while (j->wfd >= 0 && left > 0) {
            ssize_t n = write(j->wfd, p, left);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                close(j->wfd);
                j->wfd = -1;
                break;
            }
            p += n;
            left -= (size_t)n;
        }
    }
    return 0;
}

/* Normalize the current entry (an original) once per job; fills each job's
 * content hash or error. */
static int deep_entry(ds_bundle_reader *r, const ds_bundle_entry *e, deep_job *jobs, size_t n,
                      const ds_bundle_base_provider *bases)
{
    size_t i;
    int err = 0;
    char target[DS__PATH_CAP], base[DS__PATH_CAP];
    int patch = ds_bundle_patch_path_split(e->path, target, base);
    if (patch || e->size <= DEEP_MEMORY_MAX) {
        /* (a patch expands to at most DS_BUNDLE_MAX_PATCH_SIZE = DEEP_MEMORY_MAX bytes) */
        ds__buf b = DS__BUF_INIT;
        ds_sink sink = {ds__buf_sink_write, &b};
        if (patch)
            err = ds__bundle_expand_current(&b, r, target, base, bases);
        else if ((err = ds__buf_grow(&b, (size_t)e->size)) == 0)
            err = ds_bundle_reader_stream(r, &sink);
        if (err < 0) {
            ds__buf_free(&b);
            return err;
        }
        for (i = 0; i < n; i++) {
            ds_document *doc = NULL;
            jobs[i].err = ds_normalize_buffer(&doc, b.ptr ? b.ptr : "", b.len, &jobs[i].opts);
            if (jobs[i].err < 0)
                jobs[i].msg = ds__strdup(ds_error_last());
            else
                memcpy(jobs[i].content, doc->content_sha256, DS_SHA256_HEX_SIZE);
            ds_document_free(doc);
        }
        ds__buf_free(&b);
        return 0;
    } else {
        sigset_t pipe_set, old_set, pending;
        int was_pending;
        deep_stream s = {jobs, n};
        ds_sink sink = {deep_stream_write, &s};
        struct timespec zero = {0, 0};

        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
        sigpending(&pending);
        was_pending = sigismember(&pending, SIGPIPE);
        for (i = 0; i < n; i++) {
            int fds[2];
            jobs[i].rfd = jobs[i].wfd = -1;
            if (pipe(fds) < 0) {
                err = ds__error_errno(DS_EIO, errno, "pipe");
                break;
            }
            jobs[i].rfd = fds[0];
            jobs[i].wfd = fds[1];
            if (pthread_create(&jobs[i].th, NULL, deep_thread, &jobs[i]) != 0) {
                close(fds[0]);
                close(fds[1]);
                jobs[i].rfd = jobs[i].wfd = -1;
                err = ds__error_set(DS_ERROR, "cannot start a thread");
                break;
            }
            jobs[i].started = 1;
        }
        if (err == 0)
            err = ds_bundle_reader_stream(r, &sink);
        for (i = 0; i < n; i++) {
            if (jobs[i].wfd >= 0)
                close(jobs[i].wfd);
            jobs[i].wfd = -1;
            if (jobs[i].started)
                pthread_join(jobs[i].th, NULL);
            jobs[i].started = 0;
        }
        if (!was_pending)
            while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
                ;
        pthread_sigmask(SIG_SETMASK, &old_set, NULL);
        return err;
    }
}

static int doc_by_original(const void *a, const void *b)
{
    const ds_bundle_doc *x = *(const ds_bundle_doc *const *)a;
    const ds_bundle_doc *y = *(const ds_bundle_doc *const *)b;
    return strcmp(x->original_entry, y->original_entry);
}

static int same_options(const ds_normalize_options *a, const ds_normalize_options *b)
{
    return a->format == b->format && a->date_order == b->date_order &&
           a->keep_boilerplate == b->keep_boilerplate &&
           ((!a->from_encoding && !b->from_encoding) ||
            (a->from_encoding && b->from_encoding &&
             strcmp(a->from_encoding, b->from_encoding) == 0));
}

/* Distinct option sets normalized per original; a hostile snapshot cannot
 * make more threads than this. */
#define DEEP_MAX_JOBS 8

static int check_deep(vstate *v)
{
    ds_bundle_info *info = v->info;
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    deep_job jobs[DEEP_MAX_JOBS];
    const ds_bundle_doc **byorig = NULL;
    int *jobof = NULL;
    size_t i, j, n, norig = 0, fails = 0, checked = 0, skipped = 0;
    int err = 0, rc;

    if (!v->complete || !info)
        return add(v, "renormalize", DS_CHECK_SKIP, NULL,
                   "needs a readable archive and a valid snapshot.json");
    if (strcmp(info->normalizer, DS_NORMALIZER_VERSION) != 0)
        return add(v, "renormalize", DS_CHECK_SKIP, NULL,
                   "recorded normalizer %s is not this docseal's %s", info->normalizer,
                   DS_NORMALIZER_VERSION);
    /* the documents of each original, found by binary search */
    if (!(byorig = ds__calloc(info->doc_count, sizeof *byorig)) ||
        !(jobof = ds__calloc(info->doc_count, sizeof *jobof))) {
        err = DS_ENOMEM;
        goto done;
    }
    for (i = 0; i < info->doc_count; i++)
        if (info->docs[i].original_entry)
            byorig[norig++] = &info->docs[i];
    qsort(byorig, norig, sizeof *byorig, doc_by_original);
    if ((err = ds_bundle_reader_open(&r, v->path, &v->limits)) < 0)
        goto done;
    while ((rc = ds_bundle_reader_next(r, &e)) == 1) {
        const vent *ve;
        size_t lo = 0, hi = norig, first, last;
        char target[DS__PATH_CAP];
        const char *name = e.path;
        if (e.problem)
            continue;
        if (ds__bundle_entry_kind(e.path) == DS__ENTRY_ORIGINAL_PATCH &&
            ds_bundle_patch_path_split(e.path, target, NULL))
            name = target;
        else if (ds__bundle_entry_kind(e.path) != DS__ENTRY_ORIGINAL)
            continue;
        ve = vent_find(v, name);
        if (!ve || ve->unexpanded || memcmp(ve->digest, name + 10, 64) != 0)
            continue; /* damaged: reported by content-hash or patches */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(byorig[mid]->original_entry, name) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        first = lo;
        for (last = first; last < norig && strcmp(byorig[last]->original_entry, name) == 0;)
            last++;
        /* one job per distinct option set */
        n = 0;
        for (i = first; i < last; i++) {
            const ds_bundle_doc *d = byorig[i];
            ds_normalize_options o;
            jobof[i] = -1;
            if (d->boilerplate_rules_sha256) {
                skipped++;
                if ((err = add(v, "renormalize", DS_CHECK_SKIP, e.path,
                               "document %s: sealed with an extra boilerplate rules file "
                               "(SHA-256 %s) that the bundle does not hold",
                               d->id, d->boilerplate_rules_sha256)) < 0)
                    goto done;
                continue;
            }
            if (deep_opts(&o, d, e.path) < 0) {
                fails++;
                if ((err = add(v, "renormalize", DS_CHECK_FAIL, e.path,
                               "document %s: unknown format or date order", d->id)) < 0)
                    goto done;
                continue;
            }
            for (j = 0; j < n && !same_options(&jobs[j].opts, &o); j++)
                ;
            if (j == n) {
                if (n == DEEP_MAX_JOBS) {
                    skipped++;
                    if ((err = add(v, "renormalize", DS_CHECK_SKIP, e.path,
                                   "document %s: more than %d ways of normalizing one original",
                                   d->id, DEEP_MAX_JOBS)) < 0)
                        goto done;
                    continue;
                }
                memset(&jobs[n], 0, sizeof jobs[n]);
                jobs[n].opts = o;
                n++;
            }
            jobof[i] = (int)j;
        }
        if (n == 0)
            continue;
        err = deep_entry(r, &e, jobs, n, v->bases);
        if (err < 0) {
            for (j = 0; j < n; j++)
                free(jobs[j].msg);
            if (err == DS_ENOMEM)
                goto done;
            err = add(v, "renormalize", DS_CHECK_FAIL, e.path, "%s", reader_detail(v, e.path));
            goto done;
        }
        for (i = first; i < last && err == 0; i++) {
            const ds_bundle_doc *d = byorig[i];
            deep_job *jb;
            if (jobof[i] < 0)
                continue;
            jb = &jobs[jobof[i]];
            checked++;
            if (jb->err < 0) {
                fails++;
                err = add(v, "renormalize", DS_CHECK_FAIL, e.path,
                          "document %s: cannot re-normalize: %s", d->id,
                          jb->msg ? jb->msg : ds_status_name(jb->err));
            } else if (strcmp(jb->content, d->content_sha256) != 0) {
                fails++;
                err = add(v, "renormalize", DS_CHECK_FAIL, e.path,
                          "document %s: the original re-normalizes (%s) to content hash %s, "
                          "but %s is recorded",
                          d->id, d->format, jb->content, d->content_sha256);
            }
        }
        for (j = 0; j < n; j++)
            free(jobs[j].msg);
        if (err < 0)
            goto done;
    }
    if (rc < 0) {
        err = add(v, "renormalize", DS_CHECK_FAIL, NULL, "%s", reader_detail(v, NULL));
        goto done;
    }
    if (fails == 0) {
        if (checked)
            err =
                add(v, "renormalize", DS_CHECK_PASS, NULL,
                    "%zu document%s re-normalize%s (%s) to their recorded content hashes", checked,
                    checked == 1 ? "" : "s", checked == 1 ? "s" : "", DS_NORMALIZER_VERSION);
        else if (!skipped)
            err = add(v, "renormalize", DS_CHECK_SKIP, NULL, "no originals stored in this bundle");
    }
done:
    free(byorig);
    free(jobof);
    ds_bundle_reader_free(r);
    return err;
}

/* ------------------------------------------------------------------------ */

int ds_bundle_verify(ds_report **report, const char *path, const ds_bundle_verify_options *opts,
                     ds_bundle_info **info_out)
{
    ds_bundle_limits def = DS_BUNDLE_LIMITS_INIT;
    vstate v;
    size_t i;
    int err;

    *report = NULL;
    if (info_out)
        *info_out = NULL;
    memset(&v, 0, sizeof v);
    v.path = path;
    v.opts = opts;
    v.limits = opts && opts->limits ? *opts->limits : def;
    v.bases = opts && opts->version >= 2 ? opts->bases : NULL; /* version 1 had no bases */
    if ((err = ds_report_new(&v.rep)) < 0)
        return err;
    if ((err = pass1(&v)) < 0)
        goto done;
    if (v.have_snapshot) {
        err = ds__snapshot_parse(&v.info, v.snapshot.ptr, v.snapshot.len);
        if (err == DS_ENOMEM)
            goto done;
        if (err < 0 && !(v.snap_error = ds__strdup(ds_error_last()))) {
            err = DS_ENOMEM;
            goto done;
        }
    }
    if ((err = check_manifest(&v)) < 0 || (err = check_patches(&v)) < 0)
        goto done;
    if (v.info)
        memcpy(v.info->bundle_id, v.manifest_id, DS_SHA256_HEX_SIZE);
    if ((err = check_signature(&v)) < 0 || (err = check_trusted_comment(&v)) < 0 ||
        (err = check_bundle_id(&v)) < 0 || (err = check_snapshot(&v)) < 0)
        goto done;
    if (opts && opts->deep && (err = check_deep(&v)) < 0)
        goto done;
    *report = v.rep;
    v.rep = NULL;
    if (info_out) {
        *info_out = v.info;
        v.info = NULL;
    }
done:
    ds_report_free(v.rep);
    ds_bundle_info_free(v.info);
    for (i = 0; i < v.n; i++) {
        free(v.ents[i].path);
        free(v.ents[i].stored);
    }
    free(v.ents);
    free(v.tc);
    free(v.snap_error);
    ds__buf_free(&v.manifest);
    ds__buf_free(&v.signature);
    ds__buf_free(&v.snapshot);
    ds__manifest_free(&v.mf);
    return err;
}
