/*
 * vault_index.c - the derived index of a vault (index/docs, index/entries.bin).
 *
 * The index answers "which documents exist" and "what are the sightings of
 * document X" without reading the manifest. It is derived from the manifest
 * only and checked against it before every use: index/docs records the
 * manifest size it covers and the offset and record hash of the last line it
 * covers; the index is fresh when the manifest has that size and the bytes of
 * that line still hash to that value. A stale index is caught up (when the
 * manifest only grew) or rebuilt.
 *
 * index/entries.bin: fixed-size entries of DS__INDEX_ENTRY_SIZE bytes, one per
 * (record, document), in manifest order; integers little-endian:
 *   0 seq u64 | 8 record offset u64 | 16 time i64 | 24 previous entry of the
 *   same document + 1, 0 = none, u64 | 32 document number u32 | 36 revision
 *   u32 | 40 status u8 | 41 compact u8 (1: listed in "unchanged") | 42 zero[6] | 48 content
 * sha256[32] | 80 original sha256[32] | 112 bundle id[32] | 144 record hash[32] (SHA-256 of the
 *   record's line, checked against the manifest each time an entry is used)
 * index/docs: "DSVIDX03", u32 entry size, u32 zero, u64 manifest size, u64
 *   record count, u64 last record offset, i64 last time, [32] last record
 *   hash, u64 entry count, u64 document count; per document: u32 id length,
 *   id bytes, u64 first entry, u64 last entry, u64 last stored entry, u32
 *   revisions, u32 zero, u64 sightings, i64 first time, i64 last time, i64
 *   last change, [32] latest content hash, [32] last sighting's original
 *   hash; then SHA-256 of everything before.
 */
#include "docseal/hash.h"
#include "vault_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utf8proc.h>

static const char ds__index_magic[8] = {'D', 'S', 'V', 'I', 'D', 'X', '0', '3'};

/* --- little-endian helpers --- */

static void ds__st64(unsigned char *p, uint64_t v)
{
    int i;
    for (i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t ds__ld64(const unsigned char *p)
{
    uint64_t v = 0;
    int i;
    for (i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static void ds__st32(unsigned char *p, uint32_t v)
{
    int i;
    for (i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t ds__ld32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int ds__put64(ds__buf *b, uint64_t v)
{
    unsigned char x[8];
    ds__st64(x, v);
    return ds__buf_put(b, x, 8);
}

static int ds__put32(ds__buf *b, uint32_t v)
{
    unsigned char x[4];
    ds__st32(x, v);
    return ds__buf_put(b, x, 4);
}

/* --- in-memory structure --- */

void ds__index_free(ds__index *ix)
{
    size_t i;
    if (!ix)
        return;
    for (i = 0; i < ix->doc_count; i++)
        free(ix->docs[i].id);
    free(ix->docs);
    free(ix->table);
    if (ix->entries_fd >= 0)
        close(ix->entries_fd);
    ds__buf_free(&ix->mem);
    free(ix);
}

static ds__index *ds__index_new(void)
{
    ds__index *ix = ds__calloc(1, sizeof *ix);
    if (!ix)
        return NULL;
    ix->entries_fd = -1;
    memset(ix->last_hash, 0, 32);
    return ix;
}

static uint64_t ds__hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
    return h;
}

static int ds__table_rehash(ds__index *ix, size_t cap)
{
    size_t *t = ds__calloc(cap, sizeof *t), i;
    if (!t)
        return DS_ENOMEM;
    for (i = 0; i < ix->doc_count; i++) {
        size_t k = (size_t)ds__hash_str(ix->docs[i].id) & (cap - 1);
        while (t[k])
            k = (k + 1) & (cap - 1);
        t[k] = i + 1;
    }
    free(ix->table);
    ix->table = t;
    ix->table_cap = cap;
    return 0;
}

ds__index_doc *ds__index_find(ds__index *ix, const char *id)
{
    size_t k;
    if (!ix->table_cap)
        return NULL;
    k = (size_t)ds__hash_str(id) & (ix->table_cap - 1);
    while (ix->table[k]) {
        ds__index_doc *d = &ix->docs[ix->table[k] - 1];
        if (strcmp(d->id, id) == 0)
            return d;
        k = (k + 1) & (ix->table_cap - 1);
    }
    return NULL;
}

static int ds__is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return 0;
    return 1;
}

int ds__id_same_nfc(const char *stored, const char *nfc)
{
    utf8proc_uint8_t *other;
    int same;
    if (ds__is_ascii(stored)) /* ASCII is its own NFC form */
        return strcmp(stored, nfc) == 0;
    other = utf8proc_NFC((const utf8proc_uint8_t *)stored);
    same = other && strcmp((const char *)other, nfc) == 0;
    free(other);
    return same;
}

ds__index_doc *ds__index_lookup(ds__index *ix, const char *id)
{
    ds__index_doc *d = ds__index_find(ix, id);
    utf8proc_uint8_t *nfc;
    size_t i;
    if (d || ds__is_ascii(id) || !(nfc = utf8proc_NFC((const utf8proc_uint8_t *)id)))
        return d;
    if (strcmp((const char *)nfc, id) != 0)
        d = ds__index_find(ix, (const char *)nfc);
    /* an id stored in another form, before ids were kept in NFC: compare the
     * NFC forms (only ids with non-ASCII bytes can differ) */
    for (i = 0; !d && i < ix->doc_count; i++)
        if (!ds__is_ascii(ix->docs[i].id) && ds__id_same_nfc(ix->docs[i].id, (const char *)nfc))
            d = &ix->docs[i];
    free(nfc);
    return d;
}

/* Append a document (id copied or taken). */
static int ds__index_add_doc(ds__index *ix, char *id_owned, ds__index_doc **out)
{
    ds__index_doc *d;
    int err;
    if (ix->doc_count == ix->doc_cap) {
        size_t cap = ix->doc_cap ? ix->doc_cap * 2 : 16;
        ds__index_doc *g = ds__realloc(ix->docs, cap * sizeof *g);
        if (!g) {
            free(id_owned);
            return DS_ENOMEM;
        }
        ix->docs = g;
        ix->doc_cap = cap;
    }
    d = &ix->docs[ix->doc_count++];
    memset(d, 0, sizeof *d);
    d->id = id_owned;
    if (ix->doc_count * 2 > ix->table_cap) {
        if ((err = ds__table_rehash(ix, ix->table_cap ? ix->table_cap * 2 : 64)) < 0)
            return err;
    } else {
        size_t k = (size_t)ds__hash_str(d->id) & (ix->table_cap - 1);
        while (ix->table[k])
            k = (k + 1) & (ix->table_cap - 1);
        ix->table[k] = ix->doc_count;
    }
    *out = d;
    return 0;
}

static void ds__entry_encode(unsigned char *p, const ds__index_entry *e)
{
    memset(p, 0, DS__INDEX_ENTRY_SIZE);
    ds__st64(p, e->seq);
    ds__st64(p + 8, e->offset);
    ds__st64(p + 16, (uint64_t)e->time);
    ds__st64(p + 24, e->prev);
    ds__st32(p + 32, e->doc);
    ds__st32(p + 36, e->revision);
    p[40] = (unsigned char)e->status;
    p[41] = (unsigned char)(e->compact != 0);
    memcpy(p + 48, e->content, 32);
    memcpy(p + 80, e->original, 32);
    memcpy(p + 112, e->bundle, 32);
    memcpy(p + 144, e->line, 32);
}

static void ds__entry_decode(ds__index_entry *e, const unsigned char *p)
{
    e->seq = ds__ld64(p);
    e->offset = ds__ld64(p + 8);
    e->time = (int64_t)ds__ld64(p + 16);
    e->prev = ds__ld64(p + 24);
    e->doc = ds__ld32(p + 32);
    e->revision = ds__ld32(p + 36);
    e->status = (ds_doc_status)p[40];
    e->compact = p[41];
    memcpy(e->content, p + 48, 32);
    memcpy(e->original, p + 80, 32);
    memcpy(e->bundle, p + 112, 32);
    memcpy(e->line, p + 144, 32);
}

int ds__index_entry_get(ds__index *ix, uint64_t n, ds__index_entry *out)
{
    unsigned char buf[DS__INDEX_ENTRY_SIZE];
    int err;
    if (n >= ix->entry_count)
        return ds__error_set(DS_EINVALID, "index: entry %" PRIu64 " out of range", n);
    if (n < ix->file_entries) {
        if ((err = ds__pread_all(ix->entries_fd, buf, sizeof buf, n * DS__INDEX_ENTRY_SIZE,
                                 "index/entries.bin")) < 0)
            return err;
        ds__entry_decode(out, buf);
    } else {
        ds__entry_decode(out, (const unsigned char *)ix->mem.ptr +
                                  (n - ix->file_entries) * DS__INDEX_ENTRY_SIZE);
    }
    if (out->doc >= ix->doc_count || (unsigned)out->status > DS_DOC_UNCHANGED || out->compact > 1 ||
        (out->compact && (out->status != DS_DOC_UNCHANGED || !out->prev)))
        return ds__error_set(DS_EINVALID, "index/entries.bin: entry %" PRIu64 " is damaged", n);
    return 0;
}

int ds__index_entries_get(ds__index *ix, uint64_t first, size_t n, ds__index_entry *out)
{
    unsigned char *buf = NULL;
    size_t i, infile = 0;
    int err = 0;
    if (first > ix->entry_count || n > ix->entry_count - first)
        return ds__error_set(DS_EINVALID, "index: entries %" PRIu64 "+%zu out of range", first, n);
    if (first < ix->file_entries)
        infile = ix->file_entries - first < n ? (size_t)(ix->file_entries - first) : n;
    if (infile) {
        /* one read for the part in index/entries.bin */
        if (!(buf = ds__malloc(infile * DS__INDEX_ENTRY_SIZE)))
            return DS_ENOMEM;
        if ((err = ds__pread_all(ix->entries_fd, buf, infile * DS__INDEX_ENTRY_SIZE,
                                 first * DS__INDEX_ENTRY_SIZE, "index/entries.bin")) < 0)
            goto done;
        for (i = 0; i < infile; i++)
            ds__entry_decode(&out[i], buf + i * DS__INDEX_ENTRY_SIZE);
    }
    for (i = infile; i < n; i++)
        ds__entry_decode(&out[i], (const unsigned char *)ix->mem.ptr +
                                      (first + i - ix->file_entries) * DS__INDEX_ENTRY_SIZE);
    for (i = 0; i < n; i++)
        if (out[i].doc >= ix->doc_count || (unsigned)out[i].status > DS_DOC_UNCHANGED) {
            err = ds__error_set(DS_EINVALID, "index/entries.bin: entry %" PRIu64 " is damaged",
                                first + i);
            goto done;
        }
done:
    free(buf);
    return err;
}

void ds__index_entry_to_public(ds_vault_entry *out, const ds__index_entry *e)
{
    memset(out, 0, sizeof *out);
    out->seq = e->seq;
    out->record_offset = e->offset;
    out->time = e->time;
    out->revision = e->revision;
    out->status = e->status;
    out->compact = e->compact;
    ds__hex(out->content_sha256, e->content, 32);
    ds__hex(out->original_sha256, e->original, 32);
    ds__hex(out->bundle, e->bundle, 32);
}

/* Append one sighting of document d (NULL: a new document named id_new). */
static int ds__index_sight(ds__index *ix, ds__index_doc *d, const char *id_new,
                           const ds_manifest_record *rec, uint64_t offset, ds__index_entry *e)
{
    unsigned char raw[DS__INDEX_ENTRY_SIZE];
    uint64_t n = ix->entry_count;
    int err;

    if (!d) {
        char *id = ds__strdup(id_new);
        if (!id)
            return DS_ENOMEM;
        if ((err = ds__index_add_doc(ix, id, &d)) < 0)
            return err;
        d->first_entry = n;
        d->first_time = rec->time;
    }
    e->seq = rec->seq;
    e->offset = offset;
    e->time = rec->time;
    e->prev = d->sightings ? d->last_entry + 1 : 0;
    e->doc = (uint32_t)(d - ix->docs);
    if (ds__unhex(e->bundle, rec->bundle, 32) < 0 || ds__unhex(e->line, rec->hash, 32) < 0)
        return ds__error_set(DS_EINVALID, "index: bad digest in record %" PRIu64, rec->seq);
    ds__entry_encode(raw, e);
    if ((err = ds__buf_put(&ix->mem, raw, sizeof raw)) < 0)
        return err;
    d->last_entry = n;
    d->last_time = rec->time;
    d->sightings++;
    memcpy(d->last_original, e->original, 32);
    if (e->status != DS_DOC_UNCHANGED || d->sightings == 1) {
        d->last_stored_entry = n;
        d->last_change = rec->time;
        memcpy(d->last_content, e->content, 32);
    }
    if (e->revision > d->revisions)
        d->revisions = e->revision;
    ix->entry_count++;
    return 0;
}

int ds__index_apply(ds__index *ix, const ds_manifest_record *rec, uint64_t offset,
                    uint64_t line_len)
{
    const char *unknown = NULL;
    size_t i;
    int err;
    for (i = 0; i < rec->doc_count; i++) {
        const ds_manifest_doc *md = &rec->docs[i];
        ds__index_entry e;
        memset(&e, 0, sizeof e);
        e.revision = md->revision;
        e.status = md->status;
        if (ds__unhex(e.content, md->content_sha256, 32) < 0 ||
            ds__unhex(e.original, md->original_sha256, 32) < 0)
            return ds__error_set(DS_EINVALID, "index: bad digest in record %" PRIu64, rec->seq);
        if ((err = ds__index_sight(ix, ds__index_find(ix, md->id), md->id, rec, offset, &e)) < 0)
            return err;
    }
    for (i = 0; i < rec->unchanged_count; i++) {
        ds__index_doc *d = ds__index_find(ix, rec->unchanged[i].id);
        ds__index_entry e;
        if (!d) {
            if (!unknown)
                unknown = rec->unchanged[i].id;
            continue;
        }
        /* what the previous sighting says (kept per document: verify applies
         * records to an index that does not keep their entries) */
        memset(&e, 0, sizeof e);
        e.revision = rec->unchanged[i].revision; /* verify checks it is d->revisions */
        memcpy(e.content, d->last_content, 32);
        memcpy(e.original, d->last_original, 32);
        e.status = DS_DOC_UNCHANGED;
        e.compact = 1;
        if ((err = ds__index_sight(ix, d, NULL, rec, offset, &e)) < 0)
            return err;
    }
    ix->manifest_size = offset + line_len + 1;
    ix->record_count = rec->seq;
    ix->last_offset = offset;
    ix->last_time = rec->time;
    if (ds__unhex(ix->last_hash, rec->hash, 32) < 0)
        return ds__error_set(DS_EINVALID, "index: bad record hash");
    if (unknown)
        return ds__error_set(DS_EINTEGRITY,
                             "record %" PRIu64 " lists %s as unchanged, but no earlier record "
                             "lists it",
                             rec->seq, unknown);
    return 0;
}

/* --- files --- */

static char *ds__ipath(const ds_vault *v, const char *name)
{
    return ds__asprintf("%s/%s", v->index_dir, name);
}

static int ds__index_load(ds__index **out, ds_vault *v)
{
    char *path = NULL, *data = NULL;
    size_t len = 0, pos;
    ds__index *ix = NULL;
    const unsigned char *p;
    uint64_t ndocs, i;
    unsigned char sum[32];
    struct stat st;
    int err = 0;

    *out = NULL;
    if ((err = ds__own_dir(v->index_dir, "index/")) < 0)
        return err; /* not ours to read (or write): rebuilt in memory */
    if (!(path = ds__ipath(v, "docs")))
        return DS_ENOMEM;
    if ((err = ds__read_file(&data, &len, path, (size_t)1 << 30)) < 0)
        goto done;
    p = (const unsigned char *)data;
    err = ds__error_set(DS_EINVALID, "index/docs: damaged");
    if (len < 96 + 32 || memcmp(p, ds__index_magic, 8) != 0 ||
        ds__ld32(p + 8) != DS__INDEX_ENTRY_SIZE)
        goto done;
    {
        ds_sha256 *h = NULL;
        if (ds_sha256_new(&h) < 0 || ds_sha256_update(h, p, len - 32) < 0 ||
            ds_sha256_final(h, sum) < 0) {
            ds_sha256_free(h);
            goto done;
        }
        ds_sha256_free(h);
        if (memcmp(sum, p + len - 32, 32) != 0)
            goto done;
    }
    if (!(ix = ds__index_new())) {
        err = DS_ENOMEM;
        goto done;
    }
    ix->manifest_size = ds__ld64(p + 16);
    ix->record_count = ds__ld64(p + 24);
    ix->last_offset = ds__ld64(p + 32);
    ix->last_time = (int64_t)ds__ld64(p + 40);
    memcpy(ix->last_hash, p + 48, 32);
    ix->entry_count = ds__ld64(p + 80);
    ndocs = ds__ld64(p + 88);
    pos = 96;
    len -= 32;
    for (i = 0; i < ndocs; i++) {
        uint32_t idlen;
        ds__index_doc *d;
        char *id;
        if (len - pos < 4)
            goto done;
        idlen = ds__ld32(p + pos);
        pos += 4;
        if (idlen == 0 || len - pos < (size_t)idlen + 128)
            goto done;
        if (!(id = ds__strndup((const char *)p + pos, idlen))) {
            err = DS_ENOMEM;
            goto done;
        }
        pos += idlen;
        if ((err = ds__index_add_doc(ix, id, &d)) < 0)
            goto done;
        err = DS_EINVALID;
        d->first_entry = ds__ld64(p + pos);
        d->last_entry = ds__ld64(p + pos + 8);
        d->last_stored_entry = ds__ld64(p + pos + 16);
        d->revisions = ds__ld32(p + pos + 24);
        d->sightings = ds__ld64(p + pos + 32);
        d->first_time = (int64_t)ds__ld64(p + pos + 40);
        d->last_time = (int64_t)ds__ld64(p + pos + 48);
        d->last_change = (int64_t)ds__ld64(p + pos + 56);
        memcpy(d->last_content, p + pos + 64, 32);
        memcpy(d->last_original, p + pos + 96, 32);
        pos += 128;
        if (d->last_entry >= ix->entry_count || d->first_entry > d->last_entry ||
            d->last_stored_entry > d->last_entry)
            goto done;
    }
    if (pos != len)
        goto done;
    free(path);
    if (!(path = ds__ipath(v, "entries.bin"))) {
        err = DS_ENOMEM;
        goto done;
    }
    ix->entries_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (ix->entries_fd < 0 || fstat(ix->entries_fd, &st) < 0 ||
        (uint64_t)st.st_size / DS__INDEX_ENTRY_SIZE < ix->entry_count) {
        err = ds__error_set(DS_EINVALID, "index/entries.bin: missing or short");
        goto done;
    }
    ix->file_entries = ix->entry_count;
    ds_error_clear();
    err = 0;
    *out = ix;
    ix = NULL;
done:
    ds__index_free(ix);
    free(data);
    free(path);
    return err;
}

/* 1 when the index covers exactly the manifest's complete records: its size is
 * manifest_size and the line at last_offset still hashes to last_hash. */
static int ds__index_check_prefix(ds__index *ix, int fd, uint64_t size)
{
    char *line = NULL;
    char hex[DS_SHA256_HEX_SIZE], want[DS_SHA256_HEX_SIZE];
    int ok;
    if (ix->record_count == 0)
        return ix->manifest_size == 0 && ix->entry_count == 0;
    if (ix->manifest_size > size || ix->last_offset >= ix->manifest_size)
        return 0;
    if (ds__read_range(&line, fd, ix->last_offset, ix->manifest_size, "manifest.jsonl") < 0)
        return 0;
    ok = line[ix->manifest_size - ix->last_offset - 1] == '\n' &&
         !memchr(line, '\n', (size_t)(ix->manifest_size - ix->last_offset - 1)) &&
         ds_manifest_line_hash(hex, line, (size_t)(ix->manifest_size - ix->last_offset - 1)) == 0;
    free(line);
    ds__hex(want, ix->last_hash, 32);
    return ok && strcmp(hex, want) == 0;
}

/* Read records from ix->manifest_size on, applying them; stop at a torn tail.
 * line_base: the line number of the first line read (0 when unknown). */
static int ds__index_scan(ds__index *ix, ds_vault *v, uint64_t line_base)
{
    ds__line_reader *r = NULL;
    ds_manifest_record *rec = NULL;
    const char *line;
    size_t len;
    uint64_t off, lineno = 0;
    int term, rc, err = 0;
    char want[DS_SHA256_HEX_SIZE];

    if ((err = ds__line_reader_open(&r, v->manifest_path, ix->manifest_size)) < 0)
        return err;
    while ((rc = ds__line_reader_next(r, &line, &len, &off, &term)) > 0) {
        if (line_base)
            lineno++;
        if (!term)
            break; /* torn tail */
        err = ds_manifest_record_parse(&rec, line, len);
        if (err == DS_ENOMEM)
            goto done;
        if (err < 0) {
            char msg[512];
            int unparsable = ds__json_unparsable(line, len);
            snprintf(msg, sizeof msg, "%s", ds_error_last());
            if (unparsable && ds__line_reader_at_eof(r)) {
                err = 0; /* the final line, not complete JSON: a torn record */
                break;
            }
            if (line_base)
                err = ds__error_set(DS_EINTEGRITY,
                                    "manifest.jsonl line %" PRIu64
                                    ": invalid record (%s); run 'docseal verify'",
                                    lineno, msg);
            else
                err = ds__error_set(DS_EINTEGRITY,
                                    "manifest.jsonl: invalid record at byte offset %" PRIu64
                                    " (%s); run 'docseal verify'",
                                    off, msg);
            goto done;
        }
        ds__hex(want, ix->last_hash, 32);
        if (rec->seq != ix->record_count + 1 ||
            (ix->record_count ? strcmp(rec->prev, want) != 0
                              : strcmp(rec->prev, DS_MANIFEST_GENESIS) != 0)) {
            err = ds__error_set(DS_EINTEGRITY,
                                "manifest.jsonl: the record at byte offset %" PRIu64
                                " (seq %" PRIu64 ") does not follow record %" PRIu64
                                " (broken chain); run 'docseal verify'",
                                off, rec->seq, ix->record_count);
            goto done;
        }
        if ((err = ds__index_apply(ix, rec, off, len)) < 0) {
            if (err == DS_EINTEGRITY)
                err = ds__error_set(DS_EINTEGRITY,
                                    "manifest.jsonl: the record at byte offset %" PRIu64
                                    ": %s; run 'docseal verify'",
                                    off, ds_error_last());
            goto done;
        }
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

int ds__index_save(ds_vault *v)
{
    ds__index *ix = v->index;
    ds__buf b = DS__BUF_INIT;
    char *epath = NULL, *dpath = NULL, *tmp = NULL;
    unsigned char hdr[96], sum[32];
    size_t i;
    int fd = -1, err = 0, fresh = ix->file_entries == 0;
    ds_sha256 *h = NULL;

    if (!(epath = ds__ipath(v, "entries.bin")) || !(dpath = ds__ipath(v, "docs"))) {
        err = DS_ENOMEM;
        goto done;
    }
    if ((err = ds__own_dir(v->index_dir, "index/")) < 0 ||
        (err = ds__mkdirs(v->index_dir, 0755)) < 0)
        goto done;
    if (fresh) {
        /* a new file, renamed into place so readers of the old one are unaffected */
        if (!(tmp = ds__asprintf("%s.tmp.XXXXXX", epath))) {
            err = DS_ENOMEM;
            goto done;
        }
        fd = mkstemp(tmp);
        if (fd < 0) {
            err = ds__error_errno(DS_EIO, errno, tmp);
            goto done;
        }
        if (fchmod(fd, 0644) < 0) {
            err = ds__error_errno(DS_EIO, errno, tmp);
            goto done;
        }
    } else {
        fd = open(epath, O_WRONLY | O_CLOEXEC);
        if (fd < 0) {
            err = ds__error_errno(DS_EIO, errno, epath);
            goto done;
        }
        if (ftruncate(fd, (off_t)(ix->file_entries * DS__INDEX_ENTRY_SIZE)) < 0 ||
            lseek(fd, 0, SEEK_END) < 0) {
            err = ds__error_errno(DS_EIO, errno, epath);
            goto done;
        }
    }
    if ((err = ds__write_all(fd, ix->mem.ptr, ix->mem.len, epath)) < 0)
        goto done;
    if (fsync(fd) < 0) {
        err = ds__error_errno(DS_EIO, errno, epath);
        goto done;
    }
    if (fresh) {
        if (rename(tmp, epath) < 0) {
            err = ds__error_errno(DS_EIO, errno, epath);
            goto done;
        }
        free(tmp);
        tmp = NULL;
    }
    /* docs */
    memset(hdr, 0, sizeof hdr);
    memcpy(hdr, ds__index_magic, 8);
    ds__st32(hdr + 8, DS__INDEX_ENTRY_SIZE);
    ds__st64(hdr + 16, ix->manifest_size);
    ds__st64(hdr + 24, ix->record_count);
    ds__st64(hdr + 32, ix->last_offset);
    ds__st64(hdr + 40, (uint64_t)ix->last_time);
    memcpy(hdr + 48, ix->last_hash, 32);
    ds__st64(hdr + 80, ix->entry_count);
    ds__st64(hdr + 88, ix->doc_count);
    if ((err = ds__buf_put(&b, hdr, sizeof hdr)) < 0)
        goto done;
    for (i = 0; i < ix->doc_count; i++) {
        const ds__index_doc *d = &ix->docs[i];
        if ((err = ds__put32(&b, (uint32_t)strlen(d->id))) < 0 ||
            (err = ds__buf_puts(&b, d->id)) < 0 || (err = ds__put64(&b, d->first_entry)) < 0 ||
            (err = ds__put64(&b, d->last_entry)) < 0 ||
            (err = ds__put64(&b, d->last_stored_entry)) < 0 ||
            (err = ds__put32(&b, d->revisions)) < 0 || (err = ds__put32(&b, 0)) < 0 ||
            (err = ds__put64(&b, d->sightings)) < 0 ||
            (err = ds__put64(&b, (uint64_t)d->first_time)) < 0 ||
            (err = ds__put64(&b, (uint64_t)d->last_time)) < 0 ||
            (err = ds__put64(&b, (uint64_t)d->last_change)) < 0 ||
            (err = ds__buf_put(&b, d->last_content, 32)) < 0 ||
            (err = ds__buf_put(&b, d->last_original, 32)) < 0)
            goto done;
    }
    if ((err = ds_sha256_new(&h)) < 0 || (err = ds_sha256_update(h, b.ptr, b.len)) < 0 ||
        (err = ds_sha256_final(h, sum)) < 0 || (err = ds__buf_put(&b, sum, 32)) < 0)
        goto done;
    if ((err = ds__write_file_atomic(dpath, b.ptr, b.len, 0644, 0)) < 0)
        goto done;
    /* the in-memory entries are now in the file */
    if (fresh) {
        close(fd);
        fd = -1;
        if (ix->entries_fd >= 0)
            close(ix->entries_fd);
        ix->entries_fd = open(epath, O_RDONLY | O_CLOEXEC);
        if (ix->entries_fd < 0) {
            err = ds__error_errno(DS_EIO, errno, epath);
            goto done;
        }
    } else if (ix->entries_fd < 0) {
        ix->entries_fd = open(epath, O_RDONLY | O_CLOEXEC);
        if (ix->entries_fd < 0) {
            err = ds__error_errno(DS_EIO, errno, epath);
            goto done;
        }
    }
    ix->file_entries = ix->entry_count;
    ds__buf_free(&ix->mem);
done:
    ds_sha256_free(h);
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    ds__buf_free(&b);
    free(epath);
    free(dpath);
    return err;
}

void ds__index_invalidate(ds_vault *v)
{
    char *p = ds__ipath(v, "docs");
    if (p) {
        unlink(p);
        free(p);
    }
}

int ds__index_ensure(ds_vault *v, const ds_manifest_tail *tail)
{
    ds__index *ix = NULL;
    struct stat st;
    int fd = -1, err = 0, took_lock = 0, changed = 0;
    uint64_t size, before = 0;

    if ((err = ds__open_regular(&fd, v->manifest_path, v->manifest_path)) < 0)
        goto done;
    if (fstat(fd, &st) < 0) {
        err = ds__error_errno(DS_EIO, errno, v->manifest_path);
        goto done;
    }
    size = (uint64_t)st.st_size;
    if (tail)
        size = tail->valid_size;
    if (!v->index) {
        err = ds__index_load(&v->index, v);
        if (err == DS_ENOMEM)
            goto done;
        err = 0;
    }
    ix = v->index;
    if (ix && ix->manifest_size == size && ds__index_check_prefix(ix, fd, size))
        goto done; /* fresh */
    if (!ix || !ds__index_check_prefix(ix, fd, size)) {
        /* rebuild from scratch */
        ds__index_free(v->index);
        if (!(v->index = ix = ds__index_new())) {
            err = DS_ENOMEM;
            goto done;
        }
        err = ds__index_scan(ix, v, 1);
        changed = 1;
    } else {
        /* the manifest grew (or ends torn): catch up */
        before = ix->record_count;
        err = ds__index_scan(ix, v, 0);
        changed = ix->record_count != before;
    }
    if (err < 0) {
        ds__index_free(v->index);
        v->index = NULL;
        goto done;
    }
done:
    if (fd >= 0)
        close(fd);
    if (!err && changed) {
        if (v->lock_mode == 0) {
            if (ds__vault_lock(v, 1, 1) == 0)
                took_lock = 1;
            else
                ds_error_clear(); /* busy or read-only: work from memory */
        }
        if (v->lock_mode == 2 && ds__index_save(v) < 0)
            ds_error_clear(); /* the index is derived: keep working from memory */
        if (took_lock)
            ds__vault_unlock(v);
    }
    return err;
}

/* Save a changed index when the exclusive lock is held or free; errors are
 * dropped (the index is derived: work continues from memory). */
static void ds__index_save_quietly(ds_vault *v)
{
    int took_lock = 0;
    if (v->lock_mode == 0) {
        if (ds__vault_lock(v, 1, 1) == 0)
            took_lock = 1;
        else
            ds_error_clear();
    }
    if (v->lock_mode == 2 && ds__index_save(v) < 0)
        ds_error_clear();
    if (took_lock)
        ds__vault_unlock(v);
}

int ds__index_rebuild(ds_vault *v)
{
    int err;
    ds__index_free(v->index);
    if (!(v->index = ds__index_new()))
        return DS_ENOMEM;
    if ((err = ds__index_scan(v->index, v, 1)) < 0) {
        ds__index_free(v->index);
        v->index = NULL;
        return err;
    }
    ds__index_save_quietly(v);
    return 0;
}

int ds__index_load_disk(ds__index **out, ds_vault *v)
{
    return ds__index_load(out, v);
}

int ds__index_compare_with(ds__index *ix, const ds__index *built,
                           const unsigned char entries_sha256[32], char *why, size_t why_size)
{
    ds_sha256 *h = NULL;
    unsigned char buf[DS__INDEX_ENTRY_SIZE * 64], sum[32];
    uint64_t n;
    size_t i;
    int err, same = 0;

    if (ix->manifest_size != built->manifest_size || ix->record_count != built->record_count ||
        memcmp(ix->last_hash, built->last_hash, 32) != 0) {
        snprintf(why, why_size,
                 "covers %" PRIu64 " records (%" PRIu64 " bytes), the manifest has %" PRIu64
                 " (%" PRIu64 " bytes)",
                 ix->record_count, ix->manifest_size, built->record_count, built->manifest_size);
        goto done;
    }
    if (ix->entry_count != built->entry_count || ix->doc_count != built->doc_count) {
        snprintf(why, why_size,
                 "%" PRIu64 " entries of %zu documents, the manifest has %" PRIu64 " of %zu",
                 ix->entry_count, ix->doc_count, built->entry_count, built->doc_count);
        goto done;
    }
    for (i = 0; i < ix->doc_count; i++) {
        const ds__index_doc *a = &ix->docs[i], *b = &built->docs[i];
        if (strcmp(a->id, b->id) != 0 || a->first_entry != b->first_entry ||
            a->last_entry != b->last_entry || a->last_stored_entry != b->last_stored_entry ||
            a->revisions != b->revisions || a->sightings != b->sightings ||
            a->first_time != b->first_time || a->last_time != b->last_time ||
            a->last_change != b->last_change || memcmp(a->last_content, b->last_content, 32) ||
            memcmp(a->last_original, b->last_original, 32)) {
            snprintf(why, why_size, "index/docs: document %.200s differs from the manifest", b->id);
            goto done;
        }
    }
    if ((err = ds_sha256_new(&h)) < 0)
        goto fail;
    for (n = 0; n < ix->entry_count;) {
        uint64_t k = ix->entry_count - n < 64 ? ix->entry_count - n : 64;
        if ((err = ds__pread_all(ix->entries_fd, buf, (size_t)k * DS__INDEX_ENTRY_SIZE,
                                 n * DS__INDEX_ENTRY_SIZE, "index/entries.bin")) < 0 ||
            (err = ds_sha256_update(h, buf, (size_t)k * DS__INDEX_ENTRY_SIZE)) < 0)
            goto fail;
        n += k;
    }
    if ((err = ds_sha256_final(h, sum)) < 0)
        goto fail;
    if (memcmp(sum, entries_sha256, 32) != 0) {
        snprintf(why, why_size, "index/entries.bin differs from the manifest");
        goto done;
    }
    same = 1;
    goto done;
fail:
    snprintf(why, why_size, "%s", ds_error_last());
    ds_error_clear();
done:
    ds_sha256_free(h);
    return same;
}

int ds__index_compare(ds_vault *v, const ds__index *built, const unsigned char entries_sha256[32],
                      char *why, size_t why_size)
{
    ds__index *ix = NULL;
    int err = ds__index_load(&ix, v), same;
    if (err == DS_ENOTFOUND) {
        ds_error_clear();
        return -1;
    }
    if (err < 0) {
        snprintf(why, why_size, "%s", ds_error_last());
        ds_error_clear();
        return 0;
    }
    same = ds__index_compare_with(ix, built, entries_sha256, why, why_size);
    ds__index_free(ix);
    return same;
}

static int ds__sha256_raw(unsigned char sum[32], const ds__buf *b)
{
    ds_sha256 *h = NULL;
    int err;
    if ((err = ds_sha256_new(&h)) == 0 &&
        (err = ds_sha256_update(h, b->ptr ? b->ptr : "", b->len)) == 0)
        err = ds_sha256_final(h, sum);
    ds_sha256_free(h);
    return err;
}

int ds__index_check(ds_vault *v, char *why, size_t why_size)
{
    ds__index *ix = ds__index_new();
    unsigned char sum[32];
    int err, same = 0;
    if (!ix)
        return DS_ENOMEM;
    if ((err = ds__index_scan(ix, v, 1)) < 0 || (err = ds__sha256_raw(sum, &ix->mem)) < 0) {
        snprintf(why, why_size, "%s", ds_error_last());
        ds_error_clear();
        same = err == DS_ENOMEM ? DS_ENOMEM : 0;
    } else {
        same = ds__index_compare(v, ix, sum, why, why_size);
    }
    ds__index_free(ix);
    return same;
}

int ds__index_is_fresh(ds_vault *v)
{
    ds__index *ix = NULL;
    struct stat st;
    int fd, fresh = 0;
    if (ds__index_load(&ix, v) < 0) {
        ds_error_clear();
        return 0;
    }
    if (ds__open_regular(&fd, v->manifest_path, v->manifest_path) < 0)
        fd = -1;
    if (fd >= 0 && fstat(fd, &st) == 0)
        fresh = ix->manifest_size == (uint64_t)st.st_size &&
                ds__index_check_prefix(ix, fd, (uint64_t)st.st_size);
    if (fd >= 0)
        close(fd);
    ds__index_free(ix);
    ds_error_clear();
    return fresh;
}
