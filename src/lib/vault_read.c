/* vault_read.c - reading a vault: head, documents, history, revisions, texts. */
#include "docseal/hash.h"
#include "vault_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utf8proc.h>

int ds__torn_tail_error(ds_vault *v, const ds_manifest_tail *tail)
{
    char c = 0;
    int fd = -1;
    /* a lone '\n' after the last record is an empty line, not a record */
    if (tail->torn_length == 1 && ds__open_regular(&fd, v->manifest_path, "manifest.jsonl") == 0) {
        if (pread(fd, &c, 1, (off_t)tail->valid_size) != 1)
            c = 0;
        close(fd);
    }
    ds_error_clear();
    if (c == '\n')
        return ds__error_set(DS_EINTEGRITY,
                             "manifest.jsonl: an empty line at byte offset %" PRIu64
                             " ends the manifest (a stray line feed, not a record); run "
                             "'docseal repair'",
                             tail->valid_size);
    return ds__error_set(DS_EINTEGRITY,
                         "manifest.jsonl: torn final record at byte offset %" PRIu64
                         " (crash during append?); run 'docseal repair'",
                         tail->valid_size);
}

int ds_vault_head(char hash[DS_SHA256_HEX_SIZE], uint64_t *seq, ds_vault *v)
{
    ds_manifest_tail tail;
    int err = ds_manifest_read_tail(&tail, v->manifest_path);
    if (err < 0)
        return err;
    memcpy(hash, tail.last_hash, DS_SHA256_HEX_SIZE);
    if (seq)
        *seq = tail.last_seq;
    if (tail.torn)
        return ds__torn_tail_error(v, &tail);
    if (tail.last_seq == 0)
        return ds__error_set(DS_ENOTFOUND, "%s: the vault has no snapshots yet", v->path);
    return 0;
}

void ds_vault_doc_info_free(ds_vault_doc_info *docs, size_t count)
{
    size_t i;
    if (!docs)
        return;
    for (i = 0; i < count; i++)
        free(docs[i].id);
    free(docs);
}

int ds_vault_documents(ds_vault_doc_info **docs, size_t *count, ds_vault *v)
{
    ds_vault_doc_info *list;
    size_t i, n;
    int err;

    *docs = NULL;
    *count = 0;
    if ((err = ds__index_ensure(v, NULL)) < 0)
        return err;
    n = v->index->doc_count;
    if (!(list = ds__calloc(n ? n : 1, sizeof *list)))
        return DS_ENOMEM;
    for (i = 0; i < n; i++) {
        const ds__index_doc *d = &v->index->docs[i];
        if (!(list[i].id = ds__strdup(d->id))) {
            ds_vault_doc_info_free(list, i);
            return DS_ENOMEM;
        }
        list[i].revisions = d->revisions;
        list[i].sightings = d->sightings;
        list[i].first_seen = d->first_time;
        list[i].last_seen = d->last_time;
        list[i].last_change = d->last_change;
    }
    *docs = list;
    *count = n;
    return 0;
}

static int ds__unknown_doc_in(ds__index *ix, const char *id)
{
    /* "ID@X" where ID is a document but X is no revision form: say so */
    const char *at = strrchr(id, '@');
    if (at && ix) {
        char *base = ds__strndup(id, (size_t)(at - id));
        int known = base && ds__index_lookup(ix, base) != NULL;
        free(base);
        if (known)
            return ds__error_set(DS_ENOTFOUND,
                                 "%s: '%s' is not a revision of %.*s (use N >= 1, latest, ~N, "
                                 "YYYY-MM-DD or an RFC 3339 time)",
                                 id, at + 1, (int)(at - id), id);
    }
    return ds__error_set(DS_ENOTFOUND, "%s: no such document in the vault (see 'docseal log')", id);
}

/* Read the manifest line at offset (without its '\n') from fd. */
static int ds__line_at(ds__buf *line, int fd, uint64_t offset)
{
    char buf[4096];
    uint64_t pos = offset;
    int err;
    ds__buf_clear(line);
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, (off_t)pos);
        char *nl;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ds__error_errno(DS_EIO, errno, "manifest.jsonl");
        }
        if (n == 0)
            return ds__error_set(DS_EINTEGRITY,
                                 "manifest.jsonl: no complete record at byte offset %" PRIu64,
                                 offset);
        nl = memchr(buf, '\n', (size_t)n);
        if ((err = ds__buf_put(line, buf, nl ? (size_t)(nl - buf) : (size_t)n)) < 0)
            return err;
        if (nl)
            return 0;
        pos += (uint64_t)n;
        if (line->len > DS_MANIFEST_MAX_LINE)
            return ds__error_set(
                DS_ELIMIT, "manifest.jsonl: line at byte offset %" PRIu64 " is too long", offset);
    }
}

/* Open the manifest for reading: a regular file, never blocking on a FIFO
 * or following a symbolic link. */
static int ds__open_manifest(int *fd, ds_vault *v)
{
    *fd = -1;
    return ds__open_regular(fd, v->manifest_path, "manifest.jsonl");
}

/* 1 when the canonical line's "unchanged" object holds the member quoted
 * (an id as the record writer escapes it, quotes included) with the value
 * revision. The member follows "documents", whose objects hold no such key,
 * and no string can hold ,"unchanged":{ unescaped; the object is walked
 * member by member, honouring escapes, so that no part of one id can pass
 * for another. */
static int ds__in_unchanged(const char *line, const char *quoted, unsigned revision)
{
    const char *p = strstr(line, ",\"unchanged\":{");
    size_t n = strlen(quoted);
    if (!p)
        return 0;
    p += strlen(",\"unchanged\":{");
    for (;;) {
        const char *key = p, *num;
        unsigned long long v = 0;
        if (*p++ != '"')
            return 0;
        while (*p && *p != '"')
            p += p[0] == '\\' && p[1] ? 2 : 1;
        if (*p++ != '"' || *p++ != ':')
            return 0;
        for (num = p; *p >= '0' && *p <= '9' && p - num < 11; p++)
            v = v * 10 + (unsigned)(*p - '0');
        if (p == num)
            return 0;
        if ((size_t)(num - 1 - key) == n && memcmp(key, quoted, n) == 0)
            return v == revision;
        if (*p == '}')
            return 0;
        if (*p++ != ',')
            return 0;
    }
}

/* Index entry n of document id, checked against the manifest: the line at
 * its offset must hash to the entry's record hash and list the document;
 * out is filled from that line (never from the index). DS__STALE when the
 * index does not match the manifest. */
#define DS__STALE 1
static int ds__entry_checked(ds_vault_entry *out, uint64_t *prev, ds_vault *v, int fd,
                             ds__buf *line, uint64_t n, const char *id)
{
    ds__index_entry e;
    char hex[DS_SHA256_HEX_SIZE], want[DS_SHA256_HEX_SIZE];
    int err;

    if ((err = ds__index_entry_get(v->index, n, &e)) < 0) {
        ds_error_clear();
        return DS__STALE;
    }
    if ((err = ds__line_at(line, fd, e.offset)) < 0) {
        if (err == DS_EINTEGRITY) {
            ds_error_clear();
            return DS__STALE;
        }
        return err;
    }
    ds__hex(want, e.line, 32);
    if ((err = ds_manifest_line_hash(hex, line->ptr ? line->ptr : "", line->len)) < 0)
        return err;
    if (strcmp(hex, want) != 0)
        return DS__STALE;
    /* The line hashes to the entry's record hash; now check that it says
     * what the entry says, by the exact bytes the record writer produces
     * (records are canonical compact JSON in a fixed key order, so a value
     * can only appear where its key puts it: a string holding '{"id":' would
     * have its quotes escaped). No full parse: a record of a big snapshot
     * holds hundreds of documents, and `log ID` reads one record per
     * revision. */
    {
        ds_manifest_doc md;
        char head[256], tbuf[32], bundle[DS_SHA256_HEX_SIZE], *obj = NULL;
        size_t hl;
        int found;
        memset(&md, 0, sizeof md);
        md.id = (char *)id;
        md.revision = e.revision;
        md.status = e.status;
        ds__hex(md.content_sha256, e.content, 32);
        ds__hex(md.original_sha256, e.original, 32);
        ds__hex(bundle, e.bundle, 32);
        ds__format_time(tbuf, e.time);
        hl = (size_t)snprintf(head, sizeof head, "{\"seq\":%" PRIu64 ",\"prev\":\"", e.seq);
        if ((err = e.compact ? ds__manifest_id_dump(&obj, id) : ds__manifest_doc_dump(&obj, &md)) <
            0) {
            if (err == DS_ENOMEM)
                return err;
            ds_error_clear();
            return DS__STALE;
        }
        found = line->len > hl + 64 && memcmp(line->ptr, head, hl) == 0 &&
                (e.compact ? ds__in_unchanged(line->ptr, obj, e.revision)
                           : strstr(line->ptr, obj) != NULL);
        free(obj);
        if (found) { /* the time and bundle follow prev at a fixed place */
            int tl =
                snprintf(head, sizeof head, "\",\"time\":\"%s\",\"bundle\":\"%s\",", tbuf, bundle);
            found = line->len > hl + 64 + (size_t)tl &&
                    memcmp(line->ptr + hl + 64, head, (size_t)tl) == 0;
        }
        if (!found)
            return DS__STALE;
        memset(out, 0, sizeof *out);
        out->compact = e.compact;
        out->seq = e.seq;
        out->record_offset = e.offset;
        out->time = e.time;
        out->revision = md.revision;
        out->status = md.status;
        memcpy(out->content_sha256, md.content_sha256, DS_SHA256_HEX_SIZE);
        memcpy(out->original_sha256, md.original_sha256, DS_SHA256_HEX_SIZE);
        memcpy(out->bundle, bundle, DS_SHA256_HEX_SIZE);
    }
    *prev = e.prev;
    /* the previous sighting of the same document is an earlier entry */
    return e.prev > n ? DS__STALE : 0;
}

/* 1 when a compact sighting says what the sighting before it says. */
static int ds__same_as_before(const ds_vault_entry *e, const ds_vault_entry *before)
{
    return e->status == DS_DOC_UNCHANGED && e->revision == before->revision &&
           strcmp(e->content_sha256, before->content_sha256) == 0 &&
           strcmp(e->original_sha256, before->original_sha256) == 0;
}

/* Run op on a fresh index; when it finds the index does not match the
 * manifest, rebuild the index from the manifest and run it once more. */
typedef int (*ds__index_op)(ds_vault *v, int fd, ds__buf *line, void *ctx);
static int ds__with_checked_index(ds_vault *v, ds__index_op op, void *ctx)
{
    ds__buf line = DS__BUF_INIT;
    int fd = -1, err, attempt;

    if ((err = ds__index_ensure(v, NULL)) < 0)
        return err;
    if ((err = ds__open_manifest(&fd, v)) < 0)
        return err;
    for (attempt = 0;; attempt++) {
        err = op(v, fd, &line, ctx);
        if (err != DS__STALE)
            break;
        if (attempt == 1) {
            err = ds__error_set(DS_EINTEGRITY,
                                "manifest.jsonl: changed while it was being read, or does not "
                                "match the index built from it; run 'docseal verify'");
            break;
        }
        /* the index does not match the manifest: rebuild it from the manifest */
        if ((err = ds__index_rebuild(v)) < 0)
            break;
    }
    ds__buf_free(&line);
    close(fd);
    return err;
}

typedef struct ds__history_ctx {
    const char *id;
    ds_vault_entry *list;
    size_t count;
} ds__history_ctx;

static int ds__history_op(ds_vault *v, int fd, ds__buf *line, void *p)
{
    ds__history_ctx *c = p;
    ds__index_doc *d;
    ds_vault_entry *list;
    uint64_t n, k, prev = 0;
    int err;

    free(c->list);
    c->list = NULL;
    c->count = 0;
    if (!(d = ds__index_lookup(v->index, c->id)))
        return ds__unknown_doc_in(v->index, c->id);
    if (!(list = ds__calloc((size_t)d->sightings ? (size_t)d->sightings : 1, sizeof *list)))
        return DS_ENOMEM;
    n = d->last_entry + 1;
    for (k = d->sightings; k > 0; k--) {
        if (n == 0) {
            free(list);
            return DS__STALE;
        }
        if ((err = ds__entry_checked(&list[k - 1], &prev, v, fd, line, n - 1, d->id)) != 0) {
            free(list);
            return err;
        }
        if (k < d->sightings && list[k - 1].seq >= list[k].seq) {
            free(list);
            return DS__STALE;
        }
        n = prev;
    }
    if (n != 0 || (d->sightings && (list[0].revision != 1 || list[0].status != DS_DOC_NEW))) {
        free(list);
        return DS__STALE;
    }
    /* a compact sighting's line holds only the id: what it says is what the
     * sighting before it says (checked from its own line, or so in turn) */
    for (k = 1; k < d->sightings; k++)
        if (list[k].compact && !ds__same_as_before(&list[k], &list[k - 1])) {
            free(list);
            return DS__STALE;
        }
    c->list = list;
    c->count = (size_t)d->sightings;
    return 0;
}

int ds_vault_history(ds_vault_entry **entries, size_t *count, ds_vault *v, const char *id)
{
    ds__history_ctx c;
    int err;

    *entries = NULL;
    *count = 0;
    memset(&c, 0, sizeof c);
    c.id = id;
    if ((err = ds__with_checked_index(v, ds__history_op, &c)) < 0) {
        free(c.list);
        return err;
    }
    *entries = c.list;
    *count = c.count;
    return 0;
}

static int ds__all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

int ds_vault_rev_parse(ds_vault_rev *out, const char *s)
{
    memset(out, 0, sizeof *out);
    if (strcmp(s, "latest") == 0) {
        out->kind = DS_VAULT_REV_LATEST;
        return 0;
    }
    if (ds__all_digits(s) || (s[0] == '~' && ds__all_digits(s + 1))) {
        const char *p = s[0] == '~' ? s + 1 : s;
        char *end;
        unsigned long long n;
        errno = 0;
        n = strtoull(p, &end, 10);
        if (errno || *end || n > UINT32_MAX || (s[0] != '~' && n == 0))
            return ds__error_set(DS_EINVALID, "%s: not a revision (1 is the first)", s);
        out->kind = s[0] == '~' ? DS_VAULT_REV_BACK : DS_VAULT_REV_NUMBER;
        out->n = n;
        return 0;
    }
    if (strlen(s) >= 10 && s[4] == '-' && ds__parse_time(&out->time, s) == 0) {
        if (strlen(s) == 10)
            out->time += 86399; /* a date: the end of that day, UTC */
        out->kind = DS_VAULT_REV_TIME;
        return 0;
    }
    return ds__error_set(DS_EINVALID,
                         "%s: not a revision (a number, 'latest', '~N', a date YYYY-MM-DD or "
                         "an RFC 3339 time)",
                         s);
}

int ds_vault_spec_split(char **id, ds_vault_rev *rev, const char *spec)
{
    const char *at = strrchr(spec, '@');
    memset(rev, 0, sizeof *rev);
    *id = NULL;
    if (at && at > spec && ds_vault_rev_parse(rev, at + 1) == 0) {
        *id = ds__strndup(spec, (size_t)(at - spec));
    } else {
        memset(rev, 0, sizeof *rev);
        ds_error_clear();
        if (!*spec)
            return ds__error_set(DS_EINVALID, "empty document id");
        *id = ds__strdup(spec);
    }
    return *id ? 0 : DS_ENOMEM;
}

typedef struct ds__resolve_ctx {
    const char *id;
    const ds_vault_rev *rev;
    ds_vault_entry out;
} ds__resolve_ctx;

static int ds__resolve_op(ds_vault *v, int fd, ds__buf *line, void *p)
{
    ds__resolve_ctx *c = p;
    const char *id = c->id;
    const ds_vault_rev *rev = c->rev;
    ds__index_doc *d;
    ds_vault_entry e;
    uint64_t n, prev = 0, want = 0;
    int err;
    char tb[32];

    if (!(d = ds__index_lookup(v->index, id)))
        return ds__unknown_doc_in(v->index, id);
    id = d->id; /* as stored (NFC) */
    switch (rev->kind) {
    case DS_VAULT_REV_LATEST:
        want = d->revisions;
        break;
    case DS_VAULT_REV_NUMBER:
        want = rev->n;
        if (want > d->revisions)
            return ds__error_set(DS_ENOTFOUND, "%s: no revision %" PRIu64 " (it has %u)", id, want,
                                 d->revisions);
        break;
    case DS_VAULT_REV_BACK:
        if (rev->n >= d->revisions)
            return ds__error_set(DS_ENOTFOUND,
                                 "%s: no revision ~%" PRIu64 " (it has %u revision%s)", id, rev->n,
                                 d->revisions, d->revisions == 1 ? "" : "s");
        want = d->revisions - rev->n;
        break;
    case DS_VAULT_REV_TIME:
        /* the last sighting at or before the time */
        n = d->last_entry + 1;
        while (n) {
            if ((err = ds__entry_checked(&e, &prev, v, fd, line, n - 1, id)) != 0)
                return err;
            if (e.time <= rev->time)
                break;
            n = prev;
        }
        /* a compact sighting says what the last full one before it says */
        while (n && e.compact) {
            ds_vault_entry c = e;
            n = prev;
            if (!n)
                return DS__STALE;
            if ((err = ds__entry_checked(&e, &prev, v, fd, line, n - 1, id)) != 0)
                return err;
            if (!ds__same_as_before(&c, &e))
                return DS__STALE;
        }
        if (!n) {
            char fb[32];
            ds__format_time(tb, rev->time);
            ds__format_time(fb, d->first_time);
            return ds__error_set(DS_ENOTFOUND, "%s: no revision at or before %s (first seen %s)",
                                 id, tb, fb);
        }
        want = e.revision;
        break;
    }
    /* the sighting that stored revision `want`: walk back from the latest */
    n = d->last_entry + 1;
    while (n) {
        if ((err = ds__entry_checked(&e, &prev, v, fd, line, n - 1, id)) != 0)
            return err;
        if (e.revision == want && e.status != DS_DOC_UNCHANGED)
            break;
        if (e.revision < want)
            return DS__STALE;
        n = prev;
    }
    if (!n)
        return DS__STALE;
    c->out = e;
    return 0;
}

int ds_vault_resolve(ds_vault_entry *out, ds_vault *v, const char *id, const ds_vault_rev *rev)
{
    ds__resolve_ctx c;
    int err;

    memset(out, 0, sizeof *out);
    memset(&c, 0, sizeof c);
    c.id = id;
    c.rev = rev;
    if ((err = ds__with_checked_index(v, ds__resolve_op, &c)) < 0)
        return err;
    *out = c.out;
    return 0;
}

/* Read the manifest line at offset and parse it. */
int ds__record_at(ds_manifest_record **out, ds_vault *v, uint64_t offset)
{
    int fd = -1;
    char buf[65536];
    ds__buf line = DS__BUF_INIT;
    uint64_t pos = offset;
    int err = 0;

    *out = NULL;
    if ((err = ds__open_manifest(&fd, v)) < 0)
        return err;
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, (off_t)pos);
        char *nl;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = ds__error_errno(DS_EIO, errno, v->manifest_path);
            goto done;
        }
        if (n == 0) {
            err = ds__error_set(DS_EINTEGRITY,
                                "manifest.jsonl: no complete record at byte offset %" PRIu64
                                " (the index is stale)",
                                offset);
            goto done;
        }
        nl = memchr(buf, '\n', (size_t)n);
        if ((err = ds__buf_put(&line, buf, nl ? (size_t)(nl - buf) : (size_t)n)) < 0)
            goto done;
        if (nl)
            break;
        pos += (uint64_t)n;
        if (line.len > DS_MANIFEST_MAX_LINE) {
            err = ds__error_set(
                DS_ELIMIT, "manifest.jsonl: line at byte offset %" PRIu64 " is too long", offset);
            goto done;
        }
    }
    if ((err = ds_manifest_record_parse(out, line.ptr, line.len)) < 0)
        err = ds__error_set(DS_EINTEGRITY,
                            "manifest.jsonl: record at byte offset %" PRIu64
                            ": %s; run 'docseal verify'",
                            offset, ds_error_last());
done:
    ds__buf_free(&line);
    close(fd);
    return err;
}

/* Reading from a bundle went wrong (err, with its message set): when the
 * bundle file no longer has the SHA-256 its record holds, that is the reason
 * to give, as an integrity failure. Otherwise err stays (an entry missing
 * from a bundle that matches its record is still an integrity failure).
 * Only called on failure: a successful read never hashes the bundle. */
static int ds__bundle_read_failed(int err, const ds_manifest_record *rec, const char *bpath)
{
    char got[DS_SHA256_HEX_SIZE], *why = NULL;
    int herr;
    if (err == DS_ENOMEM || !(why = ds__strdup(ds_error_last())))
        return err;
    herr = ds_sha256_file(got, bpath, NULL);
    if (herr == 0 && strcmp(got, rec->bundle_sha256) != 0)
        err = ds__error_set(DS_EINTEGRITY,
                            "bundles/%s.tar.zst: SHA-256 is %s, the manifest (record %" PRIu64
                            ") says %s: the bundle was replaced or damaged; run 'docseal verify'",
                            rec->bundle, got, rec->seq, rec->bundle_sha256);
    else if (strncmp(why, bpath, strlen(bpath)) == 0 && why[strlen(bpath)] == ':')
        /* the reason found while reading stands, naming the bundle once, as
         * the vault does */
        err = ds__error_set(err == DS_ENOTFOUND ? DS_EINTEGRITY : err, "bundles/%s.tar.zst%s",
                            rec->bundle, why + strlen(bpath));
    else
        err = ds__error_set(err == DS_ENOTFOUND ? DS_EINTEGRITY : err, "%s", why);
    free(why);
    return err;
}

int ds_vault_read(char **data, size_t *len, ds_vault *v, const char *id, const ds_vault_entry *e,
                  int original)
{
    ds_manifest_record *rec = NULL;
    ds_bundle_info *info = NULL;
    const ds_manifest_doc *md = NULL;
    const char *entry = NULL;
    char *bpath = NULL, *owned_entry = NULL, *nfc = NULL;
    ds__buf b = DS__BUF_INIT;
    ds_sink sink;
    char got[DS_SHA256_HEX_SIZE];
    const char *want;
    ds__vault_bases vb;
    ds_bundle_base_provider provider;
    size_t i;
    int err;

    *data = NULL;
    *len = 0;
    if (e->status == DS_DOC_UNCHANGED)
        return ds__error_set(DS_EINVALID,
                             "%s: record %" PRIu64 " saw it unchanged; its text is stored with "
                             "the revision's first record",
                             id, e->seq);
    if ((err = ds__record_at(&rec, v, e->record_offset)) < 0)
        goto done;
    for (i = 0; i < rec->doc_count; i++)
        if (strcmp(rec->docs[i].id, id) == 0)
            md = &rec->docs[i];
    if (!md && (nfc = (char *)utf8proc_NFC((const utf8proc_uint8_t *)id)) != NULL)
        for (i = 0; i < rec->doc_count && !md; i++)
            if (ds__id_same_nfc(rec->docs[i].id, nfc)) /* one stored before ids were NFC */
                md = &rec->docs[i];
    if (rec->seq != e->seq || !md || md->revision != e->revision ||
        strcmp(md->content_sha256, e->content_sha256) != 0 || strcmp(rec->bundle, e->bundle)) {
        err = ds__error_set(
            DS_EINTEGRITY,
            "manifest.jsonl: the record at byte offset %" PRIu64
            " does not match the index (the manifest was changed?); run 'docseal verify'",
            e->record_offset);
        goto done;
    }
    if (!(bpath = ds__vault_bundle_path(v, rec->bundle))) {
        err = DS_ENOMEM;
        goto done;
    }
    {
        /* never block on a FIFO or follow a link planted as a bundle */
        char what[100];
        int bfd;
        snprintf(what, sizeof what, "bundles/%s.tar.zst", rec->bundle);
        if ((err = ds__open_regular(&bfd, bpath, what)) < 0)
            goto done;
        close(bfd);
    }
    if (!original) {
        /* texts are named by their content hash: no need to read snapshot.json */
        if (!(owned_entry = ds__asprintf("documents/%s.txt", md->content_sha256))) {
            err = DS_ENOMEM;
            goto done;
        }
        entry = owned_entry;
    } else {
        if ((err = ds_bundle_read_info(&info, bpath)) < 0) {
            err = ds__bundle_read_failed(err, rec, bpath);
            goto done;
        }
        for (i = 0; i < info->doc_count; i++) {
            if (info->docs[i].id && strcmp(info->docs[i].id, md->id) == 0) {
                entry = info->docs[i].original_entry;
                break;
            }
        }
        if (!entry) {
            err = ds__error_set(DS_ENOTFOUND, "bundles/%s.tar.zst: holds no original of %s",
                                rec->bundle, id);
            err = ds__bundle_read_failed(err, rec, bpath);
            goto done;
        }
    }
    sink.write = ds__buf_sink_write;
    sink.ctx = &b;
    /* a patch entry is expanded from its base, stored in full by an earlier record */
    vb.v = v;
    vb.map = NULL;
    vb.before_seq = rec->seq;
    vb.cache = NULL;
    provider.load = ds__vault_base_load;
    provider.ctx = &vb;
    if ((err = ds_bundle_extract_ext(bpath, entry, &sink, &provider)) < 0) {
        err = ds__bundle_read_failed(err, rec, bpath);
        goto done;
    }
    want = original ? md->original_sha256 : md->content_sha256;
    if ((err = ds_sha256_hex(got, b.ptr ? b.ptr : "", b.len)) < 0)
        goto done;
    if (strcmp(got, want) != 0) {
        err = ds__error_set(DS_EINTEGRITY,
                            "bundles/%s.tar.zst: %s: SHA-256 is %s, the manifest says %s",
                            rec->bundle, entry, got, want);
        err = ds__bundle_read_failed(err, rec, bpath);
        goto done;
    }
    *len = b.len;
    if (!(*data = ds__buf_detach(&b)))
        err = DS_ENOMEM;
done:
    ds__buf_free(&b);
    ds_bundle_info_free(info);
    ds_manifest_record_free(rec);
    free(owned_entry);
    free(bpath);
    free(nfc);
    return err;
}
