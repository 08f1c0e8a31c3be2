/* vault_verify.c - verify a whole vault from its manifest (never the index). */
#include "docseal/hash.h"
#include "vault_internal.h"

#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a check saw, for the summary line printed when it never failed. */
typedef struct ds__vstate {
    ds_vault *v;
    ds_report *rep;
    const ds_vault_verify_options *opts;
    ds_public_key **keys;
    char (*key_ids)[DS_KEY_ID_HEX_SIZE];
    char *key_owned; /* 1 when keys[i] is freed with the state (else a borrowed pin) */
    size_t key_count;
    ds__index *docs;         /* per-document state for the revisions check */
    ds_sha256 *entries_hash; /* SHA-256 of the index entries the manifest makes */
    ds__index *disk;         /* index/ as found, or NULL */
    int disk_state;          /* -1 absent, 0 damaged (disk_why), 1 loaded */
    int index_same;          /* -1 not compared yet, 0 differs (disk_why), 1 same */
    char disk_why[512];
    unsigned char (*bundles)[32];
    size_t bundle_count, bundle_cap;
    uint64_t records, bundles_checked, sightings;
    size_t fails_records, fails_chain, fails_time, fails_sig, fails_rev;
    size_t fails_present, fails_digest, fails_bundle, fails_agree, fails_summaries;
    uint64_t renorm_docs;              /* --deep: documents re-normalized, */
    size_t renorm_fails, renorm_skips; /* failed and skipped renormalize checks */
    int head_found;
    uint64_t head_line;
    ds__base_map bases;   /* where the records so far store their entries */
    ds__base_cache cache; /* bases read lately */
    int err;              /* first hard error (ENOMEM) */
} ds__vstate;

#define DS__ADD(st, name, res, subj, ...)                                                          \
    do {                                                                                           \
        int e_ = ds_report_add((st)->rep, name, res, subj, __VA_ARGS__);                           \
        if (e_ < 0 && !(st)->err)                                                                  \
            (st)->err = e_;                                                                        \
    } while (0)

static const ds_public_key *ds__find_key(ds__vstate *st, const char *kid)
{
    size_t i;
    for (i = 0; i < st->key_count; i++)
        if (strcmp(st->key_ids[i], kid) == 0)
            return st->keys[i];
    return NULL;
}

/* 1 when s is 16 hex digits; copies it, uppercased, to out. */
static int ds__key_id_norm(char out[DS_KEY_ID_HEX_SIZE], const char *s)
{
    size_t i;
    for (i = 0; i < 16; i++) {
        char c = s[i];
        if (c >= 'a' && c <= 'f')
            c = (char)(c - 'a' + 'A');
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
            return 0;
        out[i] = c;
    }
    out[16] = '\0';
    return s[16] == '\0';
}

/* Add a trusted key (owned: freed with the state; else borrowed). */
static void ds__trust(ds__vstate *st, ds_public_key *k, const char *kid, int owned)
{
    st->keys[st->key_count] = k;
    st->key_owned[st->key_count] = (char)owned;
    memcpy(st->key_ids[st->key_count], kid, DS_KEY_ID_HEX_SIZE);
    st->key_count++;
}

static void ds__load_keys(ds__vstate *st)
{
    char **names = NULL;
    size_t n = 0, i, j, bad = 0, cap;
    ds_vault *v = st->v;
    const ds_vault_verify_options *o = st->opts;
    int pinned = o->pin_key_count > 0 || o->pin_key_id_count > 0;
    char(*pin_ids)[DS_KEY_ID_HEX_SIZE] = NULL;
    ds__buf line = DS__BUF_INIT;
    int err = ds__list_dir(&names, &n, v->keys_dir, 0);

    if (err < 0) {
        DS__ADD(st, "trusted-keys", DS_CHECK_FAIL, "trusted-keys", "%s", ds_error_last());
        if (!pinned)
            return;
        ds_error_clear();
        n = 0;
    }
    cap = n + o->pin_key_count + 1;
    st->keys = ds__calloc(cap, sizeof *st->keys);
    st->key_ids = ds__calloc(cap, sizeof *st->key_ids);
    st->key_owned = ds__calloc(cap, 1);
    pin_ids = ds__calloc(o->pin_key_id_count + 1, sizeof *pin_ids);
    if (!st->keys || !st->key_ids || !st->key_owned || !pin_ids) {
        st->err = DS_ENOMEM;
        goto done;
    }
    for (i = 0; i < o->pin_key_id_count; i++) {
        if (!ds__key_id_norm(pin_ids[i], o->pin_key_ids[i])) {
            DS__ADD(st, "trusted-keys", DS_CHECK_FAIL, o->pin_key_ids[i],
                    "not a key id (16 hex digits)");
            pin_ids[i][0] = '\0';
            bad++;
        }
    }
    for (i = 0; i < n; i++) {
        char *path = NULL, subj[300];
        size_t len = strlen(names[i]);
        ds_public_key *k = NULL;
        char kid[DS_KEY_ID_HEX_SIZE];
        const ds_public_key *pin_key = NULL;
        int pin_id = 0;
        snprintf(subj, sizeof subj, "trusted-keys/%s", names[i]);
        if (len < 4 || strcmp(names[i] + len - 4, ".pub") != 0) {
            DS__ADD(st, "trusted-keys", DS_CHECK_FAIL, subj, "not a public key file (*.pub)");
            bad++;
            continue;
        }
        if (!(path = ds__asprintf("%s/%s", v->keys_dir, names[i]))) {
            st->err = DS_ENOMEM;
            goto done;
        }
        err = ds_public_key_load(&k, path);
        free(path);
        if (err < 0) {
            DS__ADD(st, "trusted-keys", DS_CHECK_FAIL, subj, "%s", ds_error_last());
            bad++;
            continue;
        }
        ds_public_key_id(k, kid);
        if (len != 20 || strncmp(names[i], kid, 16) != 0) {
            DS__ADD(st, "trusted-keys", DS_CHECK_FAIL, subj,
                    "holds key %s; the file must be named %s.pub (key not used)", kid, kid);
            ds_public_key_free(k);
            bad++;
            continue;
        }
        if (!pinned) {
            ds__trust(st, k, kid, 1);
            continue;
        }
        for (j = 0; j < o->pin_key_count && !pin_key; j++) {
            char pid[DS_KEY_ID_HEX_SIZE];
            ds_public_key_id(o->pin_keys[j], pid);
            if (strcmp(pid, kid) == 0)
                pin_key = o->pin_keys[j];
        }
        for (j = 0; j < o->pin_key_id_count && !pin_id; j++)
            pin_id = strcmp(pin_ids[j], kid) == 0;
        if (pin_key) {
            /* the pinned key itself is trusted below; the file must hold it */
            if (!ds_public_key_equal(pin_key, k)) {
                DS__ADD(st, "trusted-keys", DS_CHECK_FAIL, subj,
                        "key %s is not the pinned public key with that key id (key not used)", kid);
                bad++;
            }
            ds_public_key_free(k);
        } else if (pin_id) {
            ds__trust(st, k, kid, 1);
        } else {
            DS__ADD(st, "trusted-keys", DS_CHECK_FAIL, subj,
                    "key %s is not pinned (not given with --pubkey or --trusted-key): what it "
                    "signs is not trusted; was it added to trusted-keys/ by someone else?",
                    kid);
            ds_public_key_free(k);
            bad++;
        }
    }
    for (j = 0; j < o->pin_key_count; j++) {
        char pid[DS_KEY_ID_HEX_SIZE];
        ds_public_key_id(o->pin_keys[j], pid);
        if (!ds__find_key(st, pid))
            ds__trust(st, (ds_public_key *)o->pin_keys[j], pid, 0);
    }
    if (!bad) {
        if (st->key_count == 0) {
            DS__ADD(st, "trusted-keys", DS_CHECK_FAIL, "trusted-keys",
                    pinned ? "none of the pinned key ids is in trusted-keys/: nothing can be "
                             "verified"
                           : "no trusted public keys: nothing can be verified");
        } else {
            for (i = 0; i < st->key_count; i++)
                if (ds__buf_puts(&line, i ? ", " : "") < 0 ||
                    ds__buf_puts(&line, st->key_ids[i]) < 0) {
                    st->err = DS_ENOMEM;
                    goto done;
                }
            DS__ADD(st, "trusted-keys", DS_CHECK_PASS, NULL, "%zu key%s%s: %.*s", st->key_count,
                    st->key_count == 1 ? "" : "s", pinned ? " (pinned)" : "", (int)line.len,
                    line.ptr);
        }
    }
done:
    ds__buf_free(&line);
    free(pin_ids);
    ds__free_names(names, n);
}

static int ds__remember_bundle(ds__vstate *st, const char *hex)
{
    if (st->bundle_count == st->bundle_cap) {
        size_t cap = st->bundle_cap ? st->bundle_cap * 2 : 64;
        unsigned char(*g)[32] = ds__realloc(st->bundles, cap * sizeof *g);
        if (!g)
            return DS_ENOMEM;
        st->bundles = g;
        st->bundle_cap = cap;
    }
    if (ds__unhex(st->bundles[st->bundle_count], hex, 32) < 0)
        return 0;
    st->bundle_count++;
    return 0;
}

static int ds__cmp32(const void *a, const void *b)
{
    return memcmp(a, b, 32);
}

/* Compare index/ with the index the manifest makes once the scan has
 * reached the record index/ ends with: an index behind the manifest (an add
 * that could not update it) is caught up by readers; any other difference
 * is a stale or altered index. */
static void ds__index_at(ds__vstate *st)
{
    unsigned char sum[32];
    if (st->disk_state != 1 || st->index_same >= 0 ||
        st->docs->record_count != st->disk->record_count)
        return;
    if (ds_sha256_final(st->entries_hash, sum) < 0) {
        st->err = DS_ENOMEM;
        return;
    }
    st->index_same =
        ds__index_compare_with(st->disk, st->docs, sum, st->disk_why, sizeof st->disk_why);
}

/* The revisions check for one record, then its effect on the state. */
static void ds__check_revisions(ds__vstate *st, const ds_manifest_record *rec, uint64_t lineno,
                                uint64_t offset, size_t len)
{
    char subj[64];
    size_t i;
    snprintf(subj, sizeof subj, "manifest.jsonl line %" PRIu64, lineno);
    for (i = 0; i < rec->doc_count; i++) {
        const ds_manifest_doc *md = &rec->docs[i];
        ds__index_doc *d = ds__index_find(st->docs, md->id);
        char last[DS_SHA256_HEX_SIZE];
        const char *why = NULL;
        if (!d) {
            if (md->status != DS_DOC_NEW || md->revision != 1)
                why = "first record of the document must say revision 1, new";
        } else {
            ds__hex(last, d->last_content, 32);
            if (md->status == DS_DOC_NEW)
                why = "status new, but the document was recorded before";
            else if (md->status == DS_DOC_CHANGED &&
                     (md->revision != d->revisions + 1 || strcmp(md->content_sha256, last) == 0))
                why = md->revision != d->revisions + 1
                          ? "status changed needs the next revision number"
                          : "status changed, but the content hash is the previous revision's";
            else if (md->status == DS_DOC_UNCHANGED &&
                     (md->revision != d->revisions || strcmp(md->content_sha256, last) != 0))
                why = md->revision != d->revisions
                          ? "status unchanged needs the same revision number"
                          : "status unchanged, but the content hash differs from the latest "
                            "revision's";
        }
        if (why) {
            DS__ADD(st, "revisions", DS_CHECK_FAIL, subj, "%s: revision %u %s: %s", md->id,
                    md->revision, ds_manifest_status_name(md->status), why);
            st->fails_rev++;
        }
    }
    if (rec->unchanged_count) {
        /* compact sightings: the revision the line gives, and what was read
         * (unchanged_sha256), must be what the earlier records say */
        ds_manifest_doc *sg = ds__calloc(rec->unchanged_count, sizeof *sg);
        int known = 1;
        if (!sg) {
            if (!st->err)
                st->err = DS_ENOMEM;
            return;
        }
        for (i = 0; i < rec->unchanged_count; i++) {
            const ds_manifest_doc *u = &rec->unchanged[i];
            ds__index_doc *d = ds__index_find(st->docs, u->id);
            const char *why = NULL;
            sg[i] = *u;
            if (!d)
                why = "listed as unchanged, but no earlier record lists it";
            else if (st->v->version < 2)
                why = "listed as unchanged (a compact sighting) in a version 1 vault";
            else if (u->revision != d->revisions)
                why = "listed as unchanged with another revision than the latest";
            if (d) {
                ds__hex(sg[i].content_sha256, d->last_content, 32);
                ds__hex(sg[i].original_sha256, d->last_original, 32);
            } else {
                known = 0;
            }
            if (why) {
                DS__ADD(st, "revisions", DS_CHECK_FAIL, subj, "%s: revision %u: %s", u->id,
                        u->revision, why);
                st->fails_rev++;
            }
        }
        if (known) {
            char sum[DS_SHA256_HEX_SIZE];
            if (ds_manifest_unchanged_digest(sum, sg, rec->unchanged_count) < 0) {
                if (!st->err)
                    st->err = DS_ENOMEM;
            } else if (strcmp(sum, rec->unchanged_sha256) != 0) {
                DS__ADD(st, "revisions", DS_CHECK_FAIL, subj,
                        "unchanged_sha256 is %s, but the compact sightings with the texts and "
                        "originals the earlier records give hash to %s: a document listed as "
                        "unchanged was read otherwise",
                        rec->unchanged_sha256, sum);
                st->fails_rev++;
            }
        }
        free(sg);
    }
    st->sightings += rec->doc_count + rec->unchanged_count;
    {
        int err = ds__index_apply(st->docs, rec, offset, len);
        if (err < 0 && err != DS_EINTEGRITY && !st->err) /* DS_EINTEGRITY: reported above */
            st->err = err;
    }
    if (st->index_same < 0 &&
        ds_sha256_update(st->entries_hash, st->docs->mem.ptr ? st->docs->mem.ptr : "",
                         st->docs->mem.len) < 0 &&
        !st->err)
        st->err = DS_ENOMEM;
    ds__buf_clear(&st->docs->mem);
    ds__index_at(st);
}

/* SHA-256 of what fd reads, as lowercase hex. */
static int ds__sha256_fd(char hex[DS_SHA256_HEX_SIZE], int fd, const char *what)
{
    ds_sha256 *h = NULL;
    char buf[131072];
    int err;
    if ((err = ds_sha256_new(&h)) < 0)
        return err;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = ds__error_errno(DS_EIO, errno, what);
            break;
        }
        if (n == 0) {
            err = ds_sha256_final_hex(h, hex);
            break;
        }
        if ((err = ds_sha256_update(h, buf, (size_t)n)) < 0)
            break;
    }
    ds_sha256_free(h);
    return err;
}

static void ds__check_bundle(ds__vstate *st, const ds_manifest_record *rec, uint64_t lineno)
{
    ds_vault *v = st->v;
    char *path = NULL, subj[128], got[DS_SHA256_HEX_SIZE];
    ds_report *brep = NULL;
    ds_bundle_info *info = NULL;
    ds_bundle_verify_options bo = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    ds__vault_bases vb = {st->v, &st->bases, rec->seq, &st->cache};
    ds_bundle_base_provider provider = {ds__vault_base_load, &vb};
    size_t i, j;
    int err, fd = -1;

    snprintf(subj, sizeof subj, "bundles/%s.tar.zst", rec->bundle);
    if (ds__remember_bundle(st, rec->bundle) < 0 ||
        !(path = ds__vault_bundle_path(v, rec->bundle))) {
        st->err = DS_ENOMEM;
        return;
    }
    st->bundles_checked++;
    if ((err = ds__open_regular(&fd, path, subj)) < 0) {
        if (err == DS_ENOTFOUND)
            DS__ADD(st, "bundle-present", DS_CHECK_FAIL, subj,
                    "missing (referenced by manifest.jsonl line %" PRIu64 ")", lineno);
        else
            DS__ADD(st, "bundle-present", DS_CHECK_FAIL, subj,
                    "not a regular file (referenced by manifest.jsonl line %" PRIu64 ")", lineno);
        ds_error_clear();
        st->fails_present++;
        goto done;
    }
    err = ds__sha256_fd(got, fd, subj);
    close(fd);
    fd = -1;
    if (err < 0 || strcmp(got, rec->bundle_sha256) != 0) {
        DS__ADD(st, "bundle-digest", DS_CHECK_FAIL, subj,
                err < 0 ? "%s"
                        : "SHA-256 of the file is %s, manifest.jsonl line %" PRIu64
                          " says %s (the bundle was modified or replaced)",
                err < 0 ? ds_error_last() : got, lineno, rec->bundle_sha256);
        st->fails_digest++;
    }
    bo.keys = (const ds_public_key *const *)st->keys;
    bo.key_count = st->key_count;
    bo.deep = st->opts->deep;
    bo.bases = &provider; /* patch entries expand from bases of earlier records */
    if ((err = ds_bundle_verify(&brep, path, &bo, &info)) < 0) {
        DS__ADD(st, "bundle", DS_CHECK_FAIL, subj, "%s", ds_error_last());
        st->fails_bundle++;
        goto done;
    }
    for (i = 0; i < brep->count; i++) {
        const ds_check *c = &brep->checks[i];
        if (strcmp(c->name, "renormalize") == 0) {
            /* summed up in one vault line; a pass says "N documents
             * re-normalize ..." (bundle_verify.c, check_deep) */
            if (c->result == DS_CHECK_PASS && c->detail)
                st->renorm_docs += strtoull(c->detail, NULL, 10);
            else if (c->result == DS_CHECK_FAIL)
                st->renorm_fails++;
            else if (!c->detail || strncmp(c->detail, "no originals", 12) != 0)
                st->renorm_skips++;
        }
        if (c->result != DS_CHECK_FAIL)
            continue;
        DS__ADD(st, "bundle", DS_CHECK_FAIL, subj, "%s%s%s%s%s", c->name, c->subject ? " " : "",
                c->subject ? c->subject : "", c->detail ? ": " : "", c->detail ? c->detail : "");
        st->fails_bundle++;
    }
    if (!info) {
        DS__ADD(st, "bundle-agrees", DS_CHECK_SKIP, subj, "snapshot.json unreadable");
        goto done;
    }
    {
#define DS__DISAGREE(...)                                                                          \
    do {                                                                                           \
        DS__ADD(st, "bundle-agrees", DS_CHECK_FAIL, subj, __VA_ARGS__);                            \
        st->fails_agree++;                                                                         \
    } while (0)
        if (strcmp(info->bundle_id, rec->bundle) != 0)
            DS__DISAGREE("bundle id is %s, manifest.jsonl line %" PRIu64 " says %s",
                         info->bundle_id, lineno, rec->bundle);
        if (st->v->version < 2 && info->format_version >= 2)
            DS__DISAGREE("bundle format %d (compact sightings or patch entries) in a version 1 "
                         "vault, which older docseal cannot read",
                         info->format_version);
        if (strcmp(info->key_id, rec->key_id) != 0)
            DS__DISAGREE("signed by key %s, manifest.jsonl line %" PRIu64 " by %s", info->key_id,
                         lineno, rec->key_id);
        if (info->snapshot_time != rec->time) {
            char a[32], b[32];
            ds__format_time(a, info->snapshot_time);
            ds__format_time(b, rec->time);
            DS__DISAGREE("snapshot time %s, manifest.jsonl line %" PRIu64 " says %s", a, lineno, b);
        }
        if (info->doc_count != rec->doc_count)
            DS__DISAGREE("%zu documents, manifest.jsonl line %" PRIu64 " lists %zu",
                         info->doc_count, lineno, rec->doc_count);
        if (info->unchanged_count != rec->unchanged_count)
            DS__DISAGREE("%zu compact sighting%s (\"unchanged\"), manifest.jsonl line %" PRIu64
                         " lists %zu",
                         info->unchanged_count, info->unchanged_count == 1 ? "" : "s", lineno,
                         rec->unchanged_count);
        for (i = 0; i < rec->unchanged_count && i < info->unchanged_count; i++)
            if (strcmp(info->unchanged[i].id, rec->unchanged[i].id) != 0 ||
                info->unchanged[i].revision != rec->unchanged[i].revision)
                DS__DISAGREE("unchanged[%zu] is %s revision %u, manifest.jsonl line %" PRIu64
                             " says %s revision %u",
                             i, info->unchanged[i].id, info->unchanged[i].revision, lineno,
                             rec->unchanged[i].id, rec->unchanged[i].revision);
        if (rec->unchanged_count && strcmp(info->unchanged_sha256, rec->unchanged_sha256) != 0)
            DS__DISAGREE("unchanged_sha256 %s, manifest.jsonl line %" PRIu64 " says %s",
                         info->unchanged_sha256, lineno, rec->unchanged_sha256);
        for (i = 0; i < rec->doc_count; i++) {
            const ds_manifest_doc *md = &rec->docs[i];
            const ds_bundle_doc *bd = NULL;
            for (j = 0; j < info->doc_count; j++)
                if (info->docs[j].id && strcmp(info->docs[j].id, md->id) == 0)
                    bd = &info->docs[j];
            if (!bd) {
                DS__DISAGREE("%s: listed by manifest.jsonl line %" PRIu64 ", not in the bundle",
                             md->id, lineno);
                continue;
            }
            if (bd->revision != md->revision || bd->status != md->status ||
                strcmp(bd->content_sha256, md->content_sha256) != 0 ||
                strcmp(bd->original_sha256, md->original_sha256) != 0)
                DS__DISAGREE("%s: the bundle says revision %u %s content %.12s original %.12s, "
                             "manifest.jsonl line %" PRIu64
                             " says revision %u %s content %.12s original %.12s",
                             md->id, bd->revision, ds_manifest_status_name(bd->status),
                             bd->content_sha256, bd->original_sha256, lineno, md->revision,
                             ds_manifest_status_name(md->status), md->content_sha256,
                             md->original_sha256);
        }
#undef DS__DISAGREE
    }
done:
    ds_bundle_info_free(info);
    ds_report_free(brep);
    free(path);
}

static int ds__is_orphan(const ds__vstate *st, const char *name)
{
    unsigned char raw[32];
    if (!ds__is_bundle_name(name))
        return 0;
    ds__unhex(raw, name, 32);
    return !(st->bundle_count && bsearch(raw, st->bundles, st->bundle_count, 32, ds__cmp32));
}

static void ds__check_stray(ds__vstate *st, int damaged)
{
    const char *advice = damaged ? "; the manifest is damaged, so repair refuses: see the "
                                   "failures above"
                                 : "; 'docseal repair' sets it aside in orphans/";
    char **names = NULL;
    size_t n = 0, i, fails = 0, orphans = 0;
    int err = ds__list_dir(&names, &n, st->v->bundles_dir, 1);
    if (err < 0) {
        DS__ADD(st, "stray-files", DS_CHECK_FAIL, "bundles", "%s", ds_error_last());
        return;
    }
    if (st->bundle_count)
        qsort(st->bundles, st->bundle_count, 32, ds__cmp32);
    for (i = 0; i < n; i++)
        orphans += (size_t)ds__is_orphan(st, names[i]);
    for (i = 0; i < n; i++) {
        char subj[300];
        snprintf(subj, sizeof subj, "bundles/%s", names[i]);
        if (ds__is_bundle_name(names[i])) {
            if (!ds__is_orphan(st, names[i]))
                continue;
            if (orphans == 1)
                DS__ADD(st, "stray-files", DS_CHECK_FAIL, subj,
                        "orphaned bundle: no record references it (left by an interrupted add, "
                        "or its record was removed from the manifest)%s",
                        advice);
            else
                DS__ADD(st, "stray-files", DS_CHECK_FAIL, subj,
                        "orphaned bundle: no record references it; %zu bundles are orphaned: "
                        "as many interrupted adds, or records removed from the manifest "
                        "(--expect-head with a head kept elsewhere tells)%s",
                        orphans, advice);
        } else if (strstr(names[i], ".tmp.") || strncmp(names[i], ".docseal-spool-", 15) == 0) {
            DS__ADD(st, "stray-files", DS_CHECK_FAIL, subj,
                    "temporary file (left by an interrupted add?)%s",
                    damaged ? advice : "; run 'docseal repair'");
        } else {
            DS__ADD(st, "stray-files", DS_CHECK_FAIL, subj, "unknown file: not a bundle");
        }
        fails++;
    }
    if (!fails)
        DS__ADD(st, "stray-files", DS_CHECK_PASS, "bundles/", "no stray files");
    ds__free_names(names, n);
    /* bundles repair set aside: not part of the history, but worth a look */
    {
        char *dir = ds__asprintf("%s/orphans", st->v->path);
        size_t set_aside = 0;
        names = NULL;
        n = 0;
        if (dir && ds__list_dir(&names, &n, dir, 1) == 0) {
            for (i = 0; i < n; i++)
                set_aside += ds__is_bundle_name(names[i]) != 0;
            if (set_aside)
                DS__ADD(st, "orphans", DS_CHECK_SKIP, "orphans/",
                        "%zu bundle%s set aside by repair, outside the history (from an add "
                        "that did not finish, or from records removed from the manifest: "
                        "check each with 'docseal verify orphans/ID.tar.zst' in the vault)",
                        set_aside, set_aside == 1 ? "" : "s");
            ds__free_names(names, n);
        }
        ds_error_clear();
        free(dir);
    }
}

static void ds__summary_bad(void *ctx, const char *file, size_t lineno, const char *id,
                            const char *cached, const char *actual, size_t count)
{
    ds__vstate *st = ctx;
    char subj[200];
    if (!count) {
        DS__ADD(st, "summaries", DS_CHECK_FAIL, file,
                "the cached change summaries of %s cannot be checked: %s; run 'docseal repair'", id,
                cached);
    } else {
        snprintf(subj, sizeof subj, "%s line %zu", file, lineno);
        DS__ADD(st, "summaries", DS_CHECK_FAIL, subj,
                "%zu cached change summar%s of %s differ%s from the texts; the first reads "
                "\"%s\", the texts give \"%s\" (the cache was altered); run 'docseal repair'",
                count, count == 1 ? "y" : "ies", id, count == 1 ? "s" : "", cached, actual);
    }
    st->fails_summaries++;
}

/* The change summaries log shows come from a cache in index/: recompute each
 * from the texts, so that an altered cache cannot put words in the vault's
 * mouth. Needs the public readers, which lock for themselves: runs after the
 * lock is released, and only with an index that is current (else the readers
 * would update it); a cache that cannot be checked fails. */
static int ds__check_summaries(ds__vstate *st)
{
    size_t checked = 0;
    int err;
    if (st->fails_records || st->fails_chain || st->fails_rev || st->fails_present ||
        st->fails_digest || st->fails_bundle || st->fails_agree) {
        DS__ADD(st, "summaries", DS_CHECK_SKIP, "index/",
                "cached change summaries not checked: see the failures above");
        return st->err;
    }
    if (st->disk_state != 1 || st->index_same != 1 ||
        st->disk->record_count != st->docs->record_count) {
        if ((err = ds__summary_cache_files(st->v)) < 0)
            return err;
        if (err) {
            DS__ADD(st, "summaries", DS_CHECK_FAIL, "index/",
                    "cached change summaries cannot be checked while the index is not "
                    "current; run 'docseal repair'");
            st->fails_summaries++;
        } else {
            DS__ADD(st, "summaries", DS_CHECK_PASS, "index/", "no cached change summaries");
        }
        return st->err;
    }
    ds__vault_unlock(st->v);
    err = ds__summary_check(st->v, ds__summary_bad, st, &checked);
    if (err == DS_ENOMEM)
        return err;
    if (err < 0) {
        DS__ADD(st, "summaries", DS_CHECK_FAIL, "index/", "%s", ds_error_last());
        st->fails_summaries++;
    } else if (!st->fails_summaries) {
        if (checked)
            DS__ADD(st, "summaries", DS_CHECK_PASS, "index/",
                    "%zu cached change summar%s recomputed from the texts", checked,
                    checked == 1 ? "y" : "ies");
        else
            DS__ADD(st, "summaries", DS_CHECK_PASS, "index/", "no cached change summaries");
    }
    return st->err;
}

int ds_vault_verify(ds_report **report, ds_vault *v, const ds_vault_verify_options *opts)
{
    ds_vault_verify_options o = DS_VAULT_VERIFY_OPTIONS_INIT;
    ds__vstate st;
    ds__line_reader *r = NULL;
    ds_manifest_record *rec = NULL;
    const char *line;
    size_t len;
    uint64_t off, lineno = 0, expect_seq = 1, total = 0;
    int64_t last_time = 0;
    char prev[DS_SHA256_HEX_SIZE], linehash[DS_SHA256_HEX_SIZE];
    int term, rc, err = 0, torn = 0, torn_empty = 0, has_prev_time = 0;
    uint64_t torn_off = 0;
    size_t i;
    struct stat mst;

    *report = NULL;
    if (opts && opts->version >= 2)
        o = *opts;
    else if (opts)
        memcpy(&o, opts, offsetof(ds_vault_verify_options, pin_keys));
    o.version = DS_VAULT_VERIFY_OPTIONS_VERSION;
    memset(&st, 0, sizeof st);
    st.v = v;
    st.opts = &o;
    memcpy(prev, DS_MANIFEST_GENESIS, DS_SHA256_HEX_SIZE);
    if ((err = ds_report_new(&st.rep)) < 0)
        return err;
    if (!(st.docs = ds__calloc(1, sizeof *st.docs))) {
        err = DS_ENOMEM;
        goto done;
    }
    st.docs->entries_fd = -1;
    if ((err = ds_sha256_new(&st.entries_hash)) < 0)
        goto done;
    st.index_same = -1;
    if ((err = ds__vault_lock(v, 0, 0)) < 0)
        goto done;
    DS__ADD(&st, "config", DS_CHECK_PASS, "docseal.json", "docseal-vault version %d", v->version);
    err = ds__index_load_disk(&st.disk, v);
    if (err == DS_ENOMEM)
        goto done;
    st.disk_state = err == 0 ? 1 : err == DS_ENOTFOUND ? -1 : 0;
    if (err < 0 && err != DS_ENOTFOUND)
        snprintf(st.disk_why, sizeof st.disk_why, "%s", ds_error_last());
    ds_error_clear();
    err = 0;
    ds__index_at(&st); /* an index of no records */
    ds__load_keys(&st);
    if (st.err) {
        err = st.err;
        goto done;
    }
    if (lstat(v->manifest_path, &mst) == 0 && S_ISREG(mst.st_mode))
        total = (uint64_t)mst.st_size;
    if ((err = ds__line_reader_open(&r, v->manifest_path, 0)) < 0) {
        if (err == DS_EINVALID || err == DS_ENOMEM)
            goto done; /* not a regular file: an error, not a report */
        DS__ADD(&st, "manifest-records", DS_CHECK_FAIL, "manifest.jsonl", "%s", ds_error_last());
        err = 0;
        goto tail;
    }
    while ((rc = ds__line_reader_next(r, &line, &len, &off, &term)) > 0) {
        char subj[64];
        const ds_public_key *key;
        lineno++;
        snprintf(subj, sizeof subj, "manifest.jsonl line %" PRIu64, lineno);
        if (!term) {
            torn = 1;
            torn_off = off;
            break;
        }
        ds_manifest_line_hash(linehash, line, len);
        err = ds_manifest_record_parse(&rec, line, len);
        if (err == DS_ENOMEM)
            goto done;
        if (err < 0) {
            char msg[600];
            int unparsable = ds__json_unparsable(line, len);
            snprintf(msg, sizeof msg, "%s", ds_error_last());
            err = 0;
            if (unparsable && ds__line_reader_at_eof(r)) {
                /* the final line, not complete JSON: a torn record (or
                 * an empty line: a stray line feed) */
                torn = 1;
                torn_empty = len == 0;
                torn_off = off;
                break;
            }
            DS__ADD(&st, "manifest-records", DS_CHECK_FAIL, subj, "%s", msg);
            st.fails_records++;
            memcpy(prev, linehash, DS_SHA256_HEX_SIZE);
            expect_seq++;
            continue;
        }
        st.records++;
        /* chain */
        if (rec->seq != expect_seq) {
            DS__ADD(&st, "manifest-chain", DS_CHECK_FAIL, subj,
                    "seq %" PRIu64 ", expected %" PRIu64 " (a record was removed, duplicated or "
                    "reordered)",
                    rec->seq, expect_seq);
            st.fails_chain++;
        } else if (strcmp(rec->prev, prev) != 0) {
            DS__ADD(&st, "manifest-chain", DS_CHECK_FAIL, subj,
                    "prev %.16s... is not the hash of the line before (%.16s...): a record was "
                    "changed, removed or inserted",
                    rec->prev, prev);
            st.fails_chain++;
        }
        expect_seq = rec->seq + 1;
        memcpy(prev, rec->hash, DS_SHA256_HEX_SIZE);
        /* time */
        if (has_prev_time && rec->time < last_time) {
            char a[32], b[32];
            ds__format_time(a, rec->time);
            ds__format_time(b, last_time);
            DS__ADD(&st, "manifest-time", DS_CHECK_FAIL, subj,
                    "time %s is earlier than the previous record's %s", a, b);
            st.fails_time++;
        }
        last_time = rec->time;
        has_prev_time = 1;
        /* signature */
        key = ds__find_key(&st, rec->key_id);
        if (!key) {
            if (o.pin_key_count > 0 || o.pin_key_id_count > 0)
                DS__ADD(&st, "record-signature", DS_CHECK_FAIL, subj,
                        "signed by key %s, which is not among the keys pinned with --pubkey or "
                        "--trusted-key",
                        rec->key_id);
            else
                DS__ADD(&st, "record-signature", DS_CHECK_FAIL, subj,
                        "signed by key %s, which is not trusted (no trusted-keys/%s.pub)",
                        rec->key_id, rec->key_id);
            st.fails_sig++;
        } else if ((err = ds_manifest_record_verify(rec, key)) < 0) {
            if (err == DS_ENOMEM)
                goto done;
            DS__ADD(&st, "record-signature", DS_CHECK_FAIL, subj, "%s", ds_error_last());
            st.fails_sig++;
            err = 0;
        }
        /* expect-head */
        if (o.expect_head && strcmp(o.expect_head, rec->hash) == 0) {
            st.head_found = 1;
            st.head_line = lineno;
        }
        ds__check_revisions(&st, rec, lineno, off, len);
        ds__check_bundle(&st, rec, lineno);
        if (!st.err && ds__base_map_add_record(&st.bases, rec) < 0)
            st.err = DS_ENOMEM;
        if (st.err) {
            err = st.err;
            goto done;
        }
        ds_manifest_record_free(rec);
        rec = NULL;
        if (o.progress)
            o.progress(o.progress_ctx, off + len + 1, total);
    }
    if (rc < 0) {
        DS__ADD(&st, "manifest-records", DS_CHECK_FAIL, "manifest.jsonl", "%s", ds_error_last());
        st.fails_records++;
    }
    if (!st.fails_records)
        DS__ADD(&st, "manifest-records", DS_CHECK_PASS, "manifest.jsonl", "%" PRIu64 " record%s",
                st.records, st.records == 1 ? "" : "s");
    if (!st.fails_chain && st.records)
        DS__ADD(&st, "manifest-chain", DS_CHECK_PASS, "manifest.jsonl",
                "seq 1..%" PRIu64 ", head %s", st.records, prev);
    else if (!st.fails_chain)
        DS__ADD(&st, "manifest-chain", DS_CHECK_PASS, "manifest.jsonl", "no records yet");
    if (!st.fails_time)
        DS__ADD(&st, "manifest-time", DS_CHECK_PASS, "manifest.jsonl", "times never decrease");
    if (!st.fails_sig)
        DS__ADD(&st, "record-signature", DS_CHECK_PASS, "manifest.jsonl",
                "%" PRIu64 " record%s signed by trusted keys", st.records,
                st.records == 1 ? "" : "s");
    if (!st.fails_rev)
        DS__ADD(&st, "revisions", DS_CHECK_PASS, "manifest.jsonl",
                "%zu document%s, %" PRIu64 " sighting%s", st.docs->doc_count,
                st.docs->doc_count == 1 ? "" : "s", st.sightings, st.sightings == 1 ? "" : "s");
    if (!st.fails_present)
        DS__ADD(&st, "bundle-present", DS_CHECK_PASS, NULL,
                "%" PRIu64 " referenced bundle%s present", st.bundles_checked,
                st.bundles_checked == 1 ? "" : "s");
    if (!st.fails_digest)
        DS__ADD(&st, "bundle-digest", DS_CHECK_PASS, NULL,
                "%" PRIu64 " bundle file%s match%s the manifest", st.bundles_checked,
                st.bundles_checked == 1 ? "" : "s", st.bundles_checked == 1 ? "es" : "");
    if (!st.fails_bundle)
        DS__ADD(&st, "bundle", DS_CHECK_PASS, NULL, "%" PRIu64 " bundle%s verified",
                st.bundles_checked, st.bundles_checked == 1 ? "" : "s");
    if (!st.fails_agree)
        DS__ADD(&st, "bundle-agrees", DS_CHECK_PASS, NULL, "bundles and manifest records agree");
    if (o.deep && st.renorm_fails) /* each one is a "bundle" failure above */
        DS__ADD(&st, "renormalize", DS_CHECK_FAIL, NULL,
                "%zu failure%s (see the bundle failures above); %" PRIu64
                " document%s of the bundles without failures re-normalize%s (%s) to their "
                "recorded content hashes",
                st.renorm_fails, st.renorm_fails == 1 ? "" : "s", st.renorm_docs,
                st.renorm_docs == 1 ? "" : "s", st.renorm_docs == 1 ? "s" : "",
                DS_NORMALIZER_VERSION);
    else if (o.deep && st.renorm_docs)
        DS__ADD(&st, "renormalize", DS_CHECK_PASS, NULL,
                "%" PRIu64 " document%s re-normalize%s (%s) to their recorded content hashes%s",
                st.renorm_docs, st.renorm_docs == 1 ? "" : "s", st.renorm_docs == 1 ? "s" : "",
                DS_NORMALIZER_VERSION,
                st.renorm_skips ? "; some were skipped ('docseal verify --deep BUNDLE' says why)"
                                : "");
    else if (o.deep)
        DS__ADD(&st, "renormalize", DS_CHECK_SKIP, NULL, "%s",
                st.renorm_skips ? "skipped ('docseal verify --deep BUNDLE' says why)"
                                : "no originals stored in the vault's bundles");
tail:
    ds__check_stray(&st, st.fails_records > 0 || st.fails_chain > 0);
    if (torn && torn_empty)
        DS__ADD(&st, "torn-tail", DS_CHECK_FAIL, "manifest.jsonl",
                "an empty line at byte offset %" PRIu64
                " ends the manifest (a stray line feed, not a record); run 'docseal repair'",
                torn_off);
    else if (torn)
        DS__ADD(&st, "torn-tail", DS_CHECK_FAIL, "manifest.jsonl",
                "torn final record at byte offset %" PRIu64
                " (crash during append?); run 'docseal repair'",
                torn_off);
    else
        DS__ADD(&st, "torn-tail", DS_CHECK_PASS, "manifest.jsonl", "ends with a complete record");
    if (o.expect_head) {
        if (!ds__is_sha256_hex(o.expect_head))
            DS__ADD(&st, "expect-head", DS_CHECK_FAIL, o.expect_head,
                    "not a record hash (64 lowercase hex digits)");
        else if (st.head_found)
            DS__ADD(&st, "expect-head", DS_CHECK_PASS, o.expect_head,
                    "record at manifest.jsonl line %" PRIu64 "%s", st.head_line,
                    st.head_line == lineno - (uint64_t)torn ? " (the head)" : "");
        else
            DS__ADD(&st, "expect-head", DS_CHECK_FAIL, o.expect_head,
                    "no record has this hash: the manifest was truncated, rolled back or "
                    "rewritten");
    }
    if (st.fails_records || st.fails_chain) {
        DS__ADD(&st, "index", DS_CHECK_SKIP, "index/",
                "not compared: the manifest itself is damaged");
    } else if (st.disk_state < 0) {
        DS__ADD(&st, "index", DS_CHECK_PASS, "index/", "absent (rebuilt when needed)");
    } else if (st.disk_state == 0 || st.index_same == 0 || st.index_same < 0) {
        if (st.disk_state == 1 && st.index_same < 0)
            snprintf(st.disk_why, sizeof st.disk_why,
                     "covers %" PRIu64 " records, the manifest has %" PRIu64, st.disk->record_count,
                     st.docs->record_count);
        DS__ADD(&st, "index", DS_CHECK_FAIL, "index/",
                "%s: the derived index is stale or was altered; run 'docseal repair' (or "
                "delete index/)",
                st.disk_why);
    } else if (st.disk->record_count < st.docs->record_count) {
        DS__ADD(&st, "index", DS_CHECK_PASS, "index/",
                "matches the manifest up to record %" PRIu64 " (brought up to date when next "
                "read)",
                st.disk->record_count);
    } else {
        DS__ADD(&st, "index", DS_CHECK_PASS, "index/", "matches the manifest");
    }
    err = st.err;
    if (!err)
        err = ds__check_summaries(&st);
done:
    if (r)
        ds__line_reader_free(r);
    ds_manifest_record_free(rec);
    ds__vault_unlock(v);
    for (i = 0; i < st.key_count; i++)
        if (st.key_owned[i])
            ds_public_key_free(st.keys[i]);
    free(st.keys);
    free(st.key_owned);
    free(st.key_ids);
    free(st.bundles);
    ds__base_map_clear(&st.bases);
    ds__base_cache_clear(&st.cache);
    ds__index_free(st.docs);
    ds_sha256_free(st.entries_hash);
    ds__index_free(st.disk);
    if (err < 0) {
        ds_report_free(st.rep);
        return err;
    }
    *report = st.rep;
    return 0;
}
