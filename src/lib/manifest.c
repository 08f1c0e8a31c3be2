/* manifest.c - manifest records: canonical form, parsing, signatures, tail. */
#include "docseal/manifest.h"
#include "docseal/hash.h"
#include "util.h"
#include "vault_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DS__SIG_B64_LEN 88 /* base64 of 64 bytes, with "==" padding */

static const char *const ds__status_names[] = {"new", "changed", "unchanged"};

const char *ds_manifest_status_name(ds_doc_status s)
{
    return (unsigned)s < 3 ? ds__status_names[s] : "?";
}

int ds_manifest_status_parse(ds_doc_status *out, const char *name)
{
    unsigned i;
    for (i = 0; i < 3; i++) {
        if (strcmp(name, ds__status_names[i]) == 0) {
            *out = (ds_doc_status)i;
            return 0;
        }
    }
    return ds__error_set(DS_EINVALID, "\"%s\" is not a document status (new, changed, unchanged)",
                         name);
}

int ds_manifest_line_hash(char hex[DS_SHA256_HEX_SIZE], const char *line, size_t len)
{
    return ds_sha256_hex(hex, line, len);
}

int ds_manifest_record_new(ds_manifest_record **out)
{
    ds_manifest_record *r = ds__calloc(1, sizeof *r);
    *out = r;
    if (!r)
        return DS_ENOMEM;
    memcpy(r->prev, DS_MANIFEST_GENESIS, DS_SHA256_HEX_SIZE);
    return 0;
}

void ds_manifest_record_free(ds_manifest_record *r)
{
    size_t i;
    if (!r)
        return;
    for (i = 0; i < r->doc_count; i++)
        free(r->docs[i].id);
    free(r->docs);
    for (i = 0; i < r->unchanged_count; i++)
        free(r->unchanged[i].id);
    free(r->unchanged);
    free(r->message);
    free(r);
}

int ds__manifest_check_id(const char *id)
{
    size_t n = strlen(id), i;
    if (n == 0)
        return ds__error_set(DS_EINVALID, "document id is empty");
    if (n > DS_MANIFEST_MAX_ID)
        return ds__error_set(DS_EINVALID, "document id is longer than %d bytes",
                             DS_MANIFEST_MAX_ID);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        /* C0, DEL and C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F): an id is printed
         * to terminals, so it must not carry escape sequences */
        if (c < 0x20 || c == 0x7f ||
            (c == 0xc2 && i + 1 < n && (unsigned char)id[i + 1] >= 0x80 &&
             (unsigned char)id[i + 1] <= 0x9f))
            return ds__error_set(DS_EINVALID, "document id holds a control character at byte %zu",
                                 i);
    }
    if (id[0] == ' ' || id[n - 1] == ' ')
        return ds__error_set(DS_EINVALID, "document id \"%.64s\" begins or ends with a space", id);
    return 0;
}

static int ds__is_key_id_hex(const char *s)
{
    size_t i;
    for (i = 0; i < 16; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    return s[16] == '\0';
}

static int ds__record_has_id(const ds_manifest_record *r, const char *id)
{
    size_t i;
    for (i = 0; i < r->doc_count; i++)
        if (strcmp(r->docs[i].id, id) == 0)
            return 1;
    for (i = 0; i < r->unchanged_count; i++)
        if (strcmp(r->unchanged[i].id, id) == 0)
            return 1;
    return 0;
}

/* Append a document (id copied) to one of a record's arrays, after the
 * checks both kinds share: a valid id and revision, not yet in the record. */
static int ds__record_push(ds_manifest_doc **arr, size_t *count, const ds_manifest_record *r,
                           const char *id, unsigned revision, ds_doc_status status,
                           ds_manifest_doc **out)
{
    ds_manifest_doc *grown, *d;
    *out = NULL;
    if (ds__record_has_id(r, id))
        return ds__error_set(DS_EINVALID, "document id \"%s\" appears twice in one snapshot", id);
    grown = ds__realloc(*arr, (*count + 1) * sizeof **arr);
    if (!grown)
        return DS_ENOMEM;
    *arr = grown;
    d = &grown[*count];
    memset(d, 0, sizeof *d);
    if (!(d->id = ds__strdup(id)))
        return DS_ENOMEM;
    d->revision = revision;
    d->status = status;
    (*count)++;
    *out = d;
    return 0;
}

/* The checks of an id and a revision number. */
static int ds__doc_check(const char *id, unsigned revision)
{
    int err;
    if ((err = ds__manifest_check_id(id)) < 0)
        return err;
    if (revision == 0)
        return ds__error_set(DS_EINVALID, "%s: revision 0 (revisions start at 1)", id);
    return 0;
}

int ds_manifest_record_add_unchanged(ds_manifest_record *r, const char *id, unsigned revision)
{
    ds_manifest_doc *d = NULL;
    int err;
    if ((err = ds__doc_check(id, revision)) < 0)
        return err;
    return ds__record_push(&r->unchanged, &r->unchanged_count, r, id, revision, DS_DOC_UNCHANGED,
                           &d);
}

int ds_manifest_unchanged_digest(char out[DS_SHA256_HEX_SIZE], const ds_manifest_doc *sightings,
                                 size_t n)
{
    ds_sha256 *h = NULL;
    unsigned char sum[32];
    size_t i;
    int err;
    if ((err = ds_sha256_new(&h)) < 0)
        return err;
    for (i = 0; i < n && err == 0; i++) {
        char num[16];
        const ds_manifest_doc *d = &sightings[i];
        snprintf(num, sizeof num, "\t%u\t", d->revision);
        if ((err = ds_sha256_update(h, d->id, strlen(d->id))) < 0 ||
            (err = ds_sha256_update(h, num, strlen(num))) < 0 ||
            (err = ds_sha256_update(h, d->content_sha256, 64)) < 0 ||
            (err = ds_sha256_update(h, "\t", 1)) < 0 ||
            (err = ds_sha256_update(h, d->original_sha256, 64)) < 0 ||
            (err = ds_sha256_update(h, "\n", 1)) < 0)
            break;
    }
    if (err == 0 && (err = ds_sha256_final(h, sum)) == 0)
        ds__hex(out, sum, 32);
    ds_sha256_free(h);
    return err;
}

int ds_manifest_record_add_doc(ds_manifest_record *r, const char *id, unsigned revision,
                               ds_doc_status status, const char *content_sha256,
                               const char *original_sha256)
{
    ds_manifest_doc *d = NULL;
    int err;

    if ((err = ds__doc_check(id, revision)) < 0)
        return err;
    if ((unsigned)status > DS_DOC_UNCHANGED)
        return ds__error_set(DS_EINVALID, "%s: invalid status %d", id, (int)status);
    if (!ds__is_sha256_hex(content_sha256) || !ds__is_sha256_hex(original_sha256))
        return ds__error_set(DS_EINVALID, "%s: a digest is not 64 lowercase hex digits", id);
    if ((err = ds__record_push(&r->docs, &r->doc_count, r, id, revision, status, &d)) < 0)
        return err;
    memcpy(d->content_sha256, content_sha256, DS_SHA256_HEX_SIZE);
    memcpy(d->original_sha256, original_sha256, DS_SHA256_HEX_SIZE);
    return 0;
}

/* Check the fields that format() relies on. */
static int ds__record_check(const ds_manifest_record *r)
{
    size_t i;
    int err;
    if (r->seq == 0 || r->seq > (uint64_t)INT64_MAX)
        return ds__error_set(DS_EINVALID, "\"seq\": must be a positive integer");
    if (!ds__is_sha256_hex(r->prev))
        return ds__error_set(DS_EINVALID, "\"prev\": not 64 lowercase hex digits");
    if (r->time < 0 || r->time > DS_MANIFEST_MAX_TIME)
        return ds__error_set(DS_EINVALID, "\"time\": out of range (1970..9999)");
    if (!ds__is_sha256_hex(r->bundle))
        return ds__error_set(DS_EINVALID, "\"bundle\": not 64 lowercase hex digits");
    if (!ds__is_sha256_hex(r->bundle_sha256))
        return ds__error_set(DS_EINVALID, "\"bundle_sha256\": not 64 lowercase hex digits");
    if (!ds__is_key_id_hex(r->key_id))
        return ds__error_set(DS_EINVALID, "\"key_id\": not 16 uppercase hex digits");
    if (r->message && (r->message[0] == '\0' || strlen(r->message) > DS_MANIFEST_MAX_MESSAGE))
        return ds__error_set(DS_EINVALID, "\"message\": empty or longer than %d bytes",
                             DS_MANIFEST_MAX_MESSAGE);
    if (r->doc_count == 0 && r->unchanged_count == 0)
        return ds__error_set(DS_EINVALID, "\"documents\": a record needs at least one document");
    for (i = 0; i < r->unchanged_count; i++)
        if ((err = ds__manifest_check_id(r->unchanged[i].id)) < 0)
            return err;
        else if (r->unchanged[i].revision == 0)
            return ds__error_set(DS_EINVALID, "\"unchanged\"[%zu]: revision 0", i);
    if (r->unchanged_count && !ds__is_sha256_hex(r->unchanged_sha256))
        return ds__error_set(DS_EINVALID, "\"unchanged_sha256\": not 64 lowercase hex digits");
    for (i = 0; i < r->doc_count; i++) {
        const ds_manifest_doc *d = &r->docs[i];
        if ((err = ds__manifest_check_id(d->id)) < 0)
            return err;
        if (d->revision == 0 || (unsigned)d->status > DS_DOC_UNCHANGED ||
            !ds__is_sha256_hex(d->content_sha256) || !ds__is_sha256_hex(d->original_sha256))
            return ds__error_set(DS_EINVALID, "\"documents\"[%zu]: invalid member", i);
    }
    return 0;
}

/* Build the record object; with_sig adds the sig member last. */
/* One entry of "documents", in the record's fixed key order. */
static int ds__doc_json(json_t **out, const ds_manifest_doc *d)
{
    json_t *id = json_string(d->id), *e;
    *out = NULL;
    if (!id)
        return ds__error_set(DS_EINVALID, "document id \"%.64s\": not valid UTF-8", d->id);
    e = json_object();
    if (!e || json_object_set_new(e, "id", id) ||
        json_object_set_new(e, "revision", json_integer((json_int_t)d->revision)) ||
        json_object_set_new(e, "status", json_string(ds_manifest_status_name(d->status))) ||
        json_object_set_new(e, "content_sha256", json_string(d->content_sha256)) ||
        json_object_set_new(e, "original_sha256", json_string(d->original_sha256))) {
        json_decref(e);
        return ds__error_oom();
    }
    *out = e;
    return 0;
}

int ds__manifest_doc_dump(char **out, const ds_manifest_doc *d)
{
    json_t *e = NULL;
    int err = ds__doc_json(&e, d);
    *out = NULL;
    if (err < 0)
        return err;
    *out = json_dumps(e, JSON_COMPACT);
    json_decref(e);
    return *out ? 0 : ds__error_oom();
}

int ds__manifest_id_dump(char **out, const char *id)
{
    json_t *e = json_string(id);
    *out = NULL;
    if (!e)
        return ds__error_set(DS_EINVALID, "document id \"%.64s\": not valid UTF-8", id);
    *out = json_dumps(e, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(e);
    return *out ? 0 : ds__error_oom();
}

static int ds__record_json(json_t **out, const ds_manifest_record *r, int with_sig)
{
    json_t *o = NULL, *docs = NULL;
    char tbuf[32];
    size_t i;
    int err;

    *out = NULL;
    if ((err = ds__record_check(r)) < 0)
        return err;
    ds__format_time(tbuf, r->time);
    o = json_object();
    docs = json_array();
    if (!o || !docs)
        goto oom;
    if (json_object_set_new(o, "seq", json_integer((json_int_t)r->seq)) ||
        json_object_set_new(o, "prev", json_string(r->prev)) ||
        json_object_set_new(o, "time", json_string(tbuf)) ||
        json_object_set_new(o, "bundle", json_string(r->bundle)) ||
        json_object_set_new(o, "bundle_sha256", json_string(r->bundle_sha256)) ||
        json_object_set_new(o, "key_id", json_string(r->key_id)))
        goto oom;
    if (r->message) {
        json_t *m = json_string(r->message);
        if (!m)
            return json_decref(o), json_decref(docs),
                   ds__error_set(DS_EINVALID, "\"message\": not valid UTF-8");
        if (json_object_set_new(o, "message", m))
            goto oom;
    }
    for (i = 0; i < r->doc_count; i++) {
        json_t *e = NULL;
        if ((err = ds__doc_json(&e, &r->docs[i])) < 0) {
            json_decref(o);
            json_decref(docs);
            return err;
        }
        if (json_array_append_new(docs, e))
            goto oom;
    }
    if (json_object_set_new(o, "documents", docs)) {
        docs = NULL;
        goto oom;
    }
    docs = NULL;
    if (r->unchanged_count) {
        json_t *u = json_object();
        if (!u || json_object_set_new(o, "unchanged", u))
            goto oom;
        for (i = 0; i < r->unchanged_count; i++) {
            json_t *probe = json_string(r->unchanged[i].id); /* NULL: not UTF-8 */
            json_decref(probe);
            if (!probe) {
                json_decref(o);
                return ds__error_set(DS_EINVALID, "document id \"%.64s\": not valid UTF-8",
                                     r->unchanged[i].id);
            }
            if (json_object_set_new(u, r->unchanged[i].id,
                                    json_integer((json_int_t)r->unchanged[i].revision)))
                goto oom;
        }
        if (json_object_set_new(o, "unchanged_sha256", json_string(r->unchanged_sha256)))
            goto oom;
    }
    if (with_sig) {
        char b64[DS__SIG_B64_LEN + 1];
        EVP_EncodeBlock((unsigned char *)b64, r->sig, DS_ED25519_SIG_SIZE);
        if (json_object_set_new(o, "sig", json_string(b64)))
            goto oom;
    }
    *out = o;
    return 0;
oom:
    json_decref(o);
    json_decref(docs);
    return ds__error_oom();
}

static int ds__record_dump(char **out, size_t *len, const ds_manifest_record *r, int with_sig)
{
    json_t *o = NULL;
    char *s;
    int err;
    *out = NULL;
    *len = 0;
    if ((err = ds__record_json(&o, r, with_sig)) < 0)
        return err;
    s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!s)
        return ds__error_oom();
    *len = strlen(s);
    if (*len > DS_MANIFEST_MAX_LINE) {
        free(s);
        return ds__error_set(DS_ELIMIT, "manifest record: longer than %zu bytes",
                             DS_MANIFEST_MAX_LINE);
    }
    *out = s;
    return 0;
}

int ds_manifest_record_signed_bytes(char **out, size_t *len, const ds_manifest_record *r)
{
    return ds__record_dump(out, len, r, 0);
}

int ds_manifest_record_format(char **out, size_t *len, ds_manifest_record *r)
{
    int err = ds__record_dump(out, len, r, 1);
    if (err < 0)
        return err;
    if ((err = ds_manifest_line_hash(r->hash, *out, *len)) < 0) {
        free(*out);
        *out = NULL;
        *len = 0;
    }
    return err;
}

int ds_manifest_record_sign(ds_manifest_record *r, const ds_secret_key *key)
{
    ds_public_key *pub = NULL;
    char *msg = NULL;
    size_t len = 0;
    int err;

    if ((err = ds_secret_key_public(&pub, key)) < 0)
        goto done;
    ds_public_key_id(pub, r->key_id);
    if ((err = ds_manifest_record_signed_bytes(&msg, &len, r)) < 0)
        goto done;
    err = ds_ed25519_sign(r->sig, key, msg, len);
done:
    free(msg);
    ds_public_key_free(pub);
    return err;
}

int ds_manifest_record_verify(const ds_manifest_record *r, const ds_public_key *key)
{
    char kid[DS_KEY_ID_HEX_SIZE];
    char *msg = NULL;
    size_t len = 0;
    int err;

    ds_public_key_id(key, kid);
    if (strcmp(kid, r->key_id) != 0)
        return ds__error_set(DS_EINTEGRITY, "record %" PRIu64 " is signed by key %s, not %s",
                             r->seq, r->key_id, kid);
    if ((err = ds_manifest_record_signed_bytes(&msg, &len, r)) < 0)
        return err;
    err = ds_ed25519_verify(key, r->sig, msg, len);
    free(msg);
    if (err == DS_EINTEGRITY)
        return ds__error_set(DS_EINTEGRITY,
                             "record %" PRIu64 ": the signature by key %s does not verify", r->seq,
                             r->key_id);
    return err;
}

/* --- parsing --- */

static int ds__get_hex(char out[DS_SHA256_HEX_SIZE], json_t *o, const char *name)
{
    const char *s = json_string_value(json_object_get(o, name));
    if (!s || !ds__is_sha256_hex(s))
        return ds__error_set(DS_EINVALID, "\"%s\": missing or not 64 lowercase hex digits", name);
    memcpy(out, s, DS_SHA256_HEX_SIZE);
    return 0;
}

static int ds__get_posint(uint64_t *out, json_t *o, const char *name, uint64_t max)
{
    json_t *v = json_object_get(o, name);
    json_int_t n;
    if (!json_is_integer(v) || (n = json_integer_value(v)) < 1 || (uint64_t)n > max)
        return ds__error_set(DS_EINVALID, "\"%s\": missing or not a positive integer", name);
    *out = (uint64_t)n;
    return 0;
}

/* Parse a record from a JSON object (members checked by the canonical comparison). */
static int ds__record_from_json(ds_manifest_record *r, json_t *o)
{
    json_t *docs, *v;
    const char *s;
    size_t i;
    uint64_t u = 0;
    unsigned char sig[DS__SIG_B64_LEN];
    int err;

    if ((err = ds__get_posint(&r->seq, o, "seq", (uint64_t)INT64_MAX)) < 0 ||
        (err = ds__get_hex(r->prev, o, "prev")) < 0)
        return err;
    s = json_string_value(json_object_get(o, "time"));
    if (!s || strlen(s) != 20 || s[19] != 'Z' || ds__parse_time(&r->time, s) < 0 || r->time < 0 ||
        r->time > DS_MANIFEST_MAX_TIME)
        return ds__error_set(DS_EINVALID, "\"time\": missing or not an RFC 3339 UTC time "
                                          "(YYYY-MM-DDTHH:MM:SSZ)");
    if ((err = ds__get_hex(r->bundle, o, "bundle")) < 0 ||
        (err = ds__get_hex(r->bundle_sha256, o, "bundle_sha256")) < 0)
        return err;
    s = json_string_value(json_object_get(o, "key_id"));
    if (!s || !ds__is_key_id_hex(s))
        return ds__error_set(DS_EINVALID, "\"key_id\": missing or not 16 uppercase hex digits");
    memcpy(r->key_id, s, DS_KEY_ID_HEX_SIZE);
    v = json_object_get(o, "message");
    if (v) {
        if (!json_is_string(v))
            return ds__error_set(DS_EINVALID, "\"message\": not a string");
        if (!(r->message = ds__strdup(json_string_value(v))))
            return DS_ENOMEM;
    }
    docs = json_object_get(o, "documents");
    v = json_object_get(o, "unchanged");
    if (!json_is_array(docs) || (json_array_size(docs) == 0 && !v))
        return ds__error_set(DS_EINVALID, "\"documents\": missing, empty or not an array");
    if (v && (!json_is_object(v) || json_object_size(v) == 0))
        return ds__error_set(DS_EINVALID, "\"unchanged\": empty or not an object");
    for (i = 0; i < json_array_size(docs); i++) {
        json_t *d = json_array_get(docs, i);
        const char *id = json_string_value(json_object_get(d, "id"));
        const char *st = json_string_value(json_object_get(d, "status"));
        char ch[DS_SHA256_HEX_SIZE], oh[DS_SHA256_HEX_SIZE];
        ds_doc_status status;
        if (!json_is_object(d) || !id || !st)
            return ds__error_set(DS_EINVALID,
                                 "\"documents\"[%zu]: not an object with \"id\" and \"status\"", i);
        if ((err = ds__get_posint(&u, d, "revision", UINT32_MAX)) < 0 ||
            (err = ds_manifest_status_parse(&status, st)) < 0 ||
            (err = ds__get_hex(ch, d, "content_sha256")) < 0 ||
            (err = ds__get_hex(oh, d, "original_sha256")) < 0 ||
            (err = ds_manifest_record_add_doc(r, id, (unsigned)u, status, ch, oh)) < 0)
            return ds__error_set(err, "\"documents\"[%zu]: %s", i, ds_error_last());
    }
    if (v) {
        const char *id;
        json_t *rv;
        i = 0;
        json_object_foreach(v, id, rv)
        {
            json_int_t n = json_is_integer(rv) ? json_integer_value(rv) : 0;
            if (n < 1 || n > (json_int_t)UINT32_MAX)
                return ds__error_set(DS_EINVALID,
                                     "\"unchanged\"[%zu]: not an id with a revision number", i);
            if ((err = ds_manifest_record_add_unchanged(r, id, (unsigned)n)) < 0)
                return ds__error_set(err, "\"unchanged\"[%zu]: %s", i, ds_error_last());
            i++;
        }
        if ((err = ds__get_hex(r->unchanged_sha256, o, "unchanged_sha256")) < 0)
            return err;
    }
    s = json_string_value(json_object_get(o, "sig"));
    if (!s || strlen(s) != DS__SIG_B64_LEN ||
        EVP_DecodeBlock(sig, (const unsigned char *)s, DS__SIG_B64_LEN) != 66 ||
        s[DS__SIG_B64_LEN - 2] != '=' || s[DS__SIG_B64_LEN - 1] != '=')
        return ds__error_set(DS_EINVALID,
                             "\"sig\": missing or not the base64 of a 64-byte signature");
    memcpy(r->sig, sig, DS_ED25519_SIG_SIZE);
    return 0;
}

int ds_manifest_record_parse(ds_manifest_record **out, const char *line, size_t len)
{
    ds_manifest_record *r = NULL;
    json_t *o = NULL;
    json_error_t jerr;
    char *canon = NULL;
    size_t clen = 0;
    int err;

    *out = NULL;
    if (len > DS_MANIFEST_MAX_LINE)
        return ds__error_set(DS_ELIMIT, "record longer than %zu bytes", DS_MANIFEST_MAX_LINE);
    if (memchr(line, '\n', len))
        return ds__error_set(DS_EINVALID, "a record line holds a newline");
    o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!o) {
        err = ds__error_set(DS_EINVALID, "not valid JSON at byte %d: %s", jerr.position, jerr.text);
        goto done;
    }
    if (!json_is_object(o)) {
        err = ds__error_set(DS_EINVALID, "not a JSON object");
        goto done;
    }
    if ((err = ds_manifest_record_new(&r)) < 0 || (err = ds__record_from_json(r, o)) < 0)
        goto done;
    if ((err = ds__record_dump(&canon, &clen, r, 1)) < 0)
        goto done;
    if (clen != len || memcmp(canon, line, len) != 0) {
        size_t i = 0;
        while (i < len && i < clen && canon[i] == line[i])
            i++;
        err = ds__error_set(DS_EINVALID,
                            "not in canonical form (first difference at byte %zu; unknown or "
                            "reordered members, whitespace or escapes)",
                            i);
        goto done;
    }
    if ((err = ds_manifest_line_hash(r->hash, line, len)) < 0)
        goto done;
    *out = r;
    r = NULL;
done:
    free(canon);
    json_decref(o);
    ds_manifest_record_free(r);
    return err;
}

/* --- reading lines --- */

struct ds__line_reader {
    int fd;
    char *buf;
    size_t cap, start, end; /* buffered bytes are buf[start..end) */
    uint64_t offset;        /* file offset of buf[start] */
    int eof;
};

int ds__line_reader_open(ds__line_reader **out, const char *path, uint64_t offset)
{
    ds__line_reader *r = ds__calloc(1, sizeof *r);
    *out = NULL;
    if (!r)
        return DS_ENOMEM;
    {
        int err = ds__open_regular(&r->fd, path, path);
        if (err < 0) {
            free(r);
            return err;
        }
    }
    if (offset && lseek(r->fd, (off_t)offset, SEEK_SET) < 0) {
        int e = errno;
        close(r->fd);
        free(r);
        return ds__error_errno(DS_EIO, e, path);
    }
    r->offset = offset;
    r->cap = 1 << 16;
    if (!(r->buf = ds__malloc(r->cap))) {
        close(r->fd);
        free(r);
        return DS_ENOMEM;
    }
    *out = r;
    return 0;
}

int ds__line_reader_next(ds__line_reader *r, const char **line, size_t *len, uint64_t *offset,
                         int *terminated)
{
    size_t scanned = 0;
    for (;;) {
        char *nl = memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned);
        if (nl) {
            *line = r->buf + r->start;
            *len = (size_t)(nl - *line);
            *offset = r->offset;
            *terminated = 1;
            r->offset += *len + 1;
            r->start += *len + 1;
            return 1;
        }
        scanned = r->end - r->start;
        if (r->eof) {
            if (scanned == 0)
                return 0;
            *line = r->buf + r->start;
            *len = scanned;
            *offset = r->offset;
            *terminated = 0;
            r->offset += scanned;
            r->start = r->end;
            return 1;
        }
        if (scanned > DS_MANIFEST_MAX_LINE)
            return ds__error_set(DS_ELIMIT,
                                 "manifest.jsonl: line at byte offset %" PRIu64
                                 " is longer than %zu bytes",
                                 r->offset, DS_MANIFEST_MAX_LINE);
        if (r->start > 0) {
            memmove(r->buf, r->buf + r->start, scanned);
            r->start = 0;
            r->end = scanned;
        }
        if (r->end == r->cap) {
            char *g = ds__realloc(r->buf, r->cap * 2);
            if (!g)
                return DS_ENOMEM;
            r->buf = g;
            r->cap *= 2;
        }
        {
            ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
            if (n < 0) {
                if (errno == EINTR)
                    continue;
                return ds__error_errno(DS_EIO, errno, "manifest.jsonl");
            }
            if (n == 0)
                r->eof = 1;
            r->end += (size_t)n;
        }
    }
}

int ds__line_reader_at_eof(ds__line_reader *r)
{
    while (r->start == r->end && !r->eof) {
        ssize_t n;
        r->start = r->end = 0;
        n = read(r->fd, r->buf, r->cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            r->eof = 1;
        else
            r->end = (size_t)n;
    }
    return r->start == r->end;
}

void ds__line_reader_free(ds__line_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->buf);
    free(r);
}

/* Read bytes [off, off+len) exactly. */
int ds__pread_all(int fd, void *buf, size_t len, uint64_t off, const char *what)
{
    char *p = buf;
    while (len > 0) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ds__error_errno(DS_EIO, errno, what);
        }
        if (n == 0)
            return ds__error_set(DS_EIO, "%s: unexpected end of file", what);
        p += n;
        len -= (size_t)n;
        off += (uint64_t)n;
    }
    return 0;
}

/* Offset of the start of the line that ends just before `end` (exclusive):
 * searches backwards for '\n' in [0, end). */
static int ds__find_line_start(uint64_t *out, int fd, uint64_t end, const char *what)
{
    char buf[65536];
    uint64_t pos = end;
    while (pos > 0) {
        size_t n = pos > sizeof buf ? sizeof buf : (size_t)pos;
        int err;
        char *nl;
        if ((err = ds__pread_all(fd, buf, n, pos - n, what)) < 0)
            return err;
        for (nl = buf + n; nl > buf && nl[-1] != '\n'; nl--)
            ;
        if (nl > buf) {
            *out = pos - n + (uint64_t)(nl - buf);
            return 0;
        }
        pos -= n;
        if (end - pos > DS_MANIFEST_MAX_LINE + 1)
            return ds__error_set(DS_ELIMIT,
                                 "%s: the line ending at byte offset %" PRIu64
                                 " is longer than %zu bytes",
                                 what, end, DS_MANIFEST_MAX_LINE);
    }
    *out = 0;
    return 0;
}

/* Read [start, end) into a new buffer (NUL-terminated). */
int ds__read_range(char **out, int fd, uint64_t start, uint64_t end, const char *what)
{
    size_t n = (size_t)(end - start);
    char *b;
    int err;
    *out = NULL;
    if (end - start > DS_MANIFEST_MAX_LINE + 1)
        return ds__error_set(DS_ELIMIT, "%s: line at byte offset %" PRIu64 " is too long", what,
                             start);
    if (!(b = ds__malloc(n + 1)))
        return DS_ENOMEM;
    if ((err = ds__pread_all(fd, b, n, start, what)) < 0) {
        free(b);
        return err;
    }
    b[n] = '\0';
    *out = b;
    return 0;
}

/* 1 when data is not a complete JSON text (what a crash leaves), 0 when it
 * parses as JSON. */
int ds__json_unparsable(const char *data, size_t len)
{
    json_error_t e;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &e);
    if (!j)
        return 1;
    json_decref(j);
    return 0;
}

int ds_manifest_read_tail(ds_manifest_tail *out, const char *path)
{
    struct stat st;
    int fd = -1, err = 0;
    uint64_t size, start, end;
    char *line = NULL;
    ds_manifest_record *rec = NULL;

    memset(out, 0, sizeof *out);
    memcpy(out->last_hash, DS_MANIFEST_GENESIS, DS_SHA256_HEX_SIZE);
    if ((err = ds__open_regular(&fd, path, path)) < 0)
        return err;
    if (fstat(fd, &st) < 0) {
        err = ds__error_errno(DS_EIO, errno, path);
        goto done;
    }
    size = (uint64_t)st.st_size;
    out->size = size;
    out->valid_size = size;
    if (size == 0)
        goto done;
    /* end = offset just after the last '\n' (or 0) */
    if ((err = ds__find_line_start(&end, fd, size, "manifest.jsonl")) < 0)
        goto done;
    if (end < size) {
        /* bytes after the last newline: a torn record */
        out->torn = 1;
        out->valid_size = end;
        out->torn_length = size - end;
        if (size - end <= DS_MANIFEST_MAX_LINE) {
            if ((err = ds__read_range(&line, fd, end, size, "manifest.jsonl")) < 0)
                goto done;
            if (ds_manifest_record_parse(&rec, line, (size_t)(size - end)) == 0)
                out->torn_complete = 1;
            ds_manifest_record_free(rec);
            rec = NULL;
            free(line);
            line = NULL;
        }
    }
    /* the last newline-terminated line(s) */
    while (end > 0) {
        if ((err = ds__find_line_start(&start, fd, end - 1, "manifest.jsonl")) < 0 ||
            (err = ds__read_range(&line, fd, start, end - 1, "manifest.jsonl")) < 0)
            goto done;
        err = ds_manifest_record_parse(&rec, line, (size_t)(end - 1 - start));
        if (err == DS_ENOMEM)
            goto done;
        if (err < 0) {
            if (!out->torn && ds__json_unparsable(line, (size_t)(end - 1 - start))) {
                /* a final line that is not complete JSON: torn */
                out->torn = 1;
                out->torn_length = size - start;
                out->valid_size = start;
                free(line);
                line = NULL;
                end = start;
                err = 0;
                continue;
            }
            err = ds__error_set(
                DS_EINVALID, "manifest.jsonl: the record at byte offset %" PRIu64 " is invalid: %s",
                start, ds_error_last());
            goto done;
        }
        out->last_seq = rec->seq;
        out->last_offset = start;
        out->last_time = rec->time;
        memcpy(out->last_hash, rec->hash, DS_SHA256_HEX_SIZE);
        break;
    }
done:
    ds_manifest_record_free(rec);
    free(line);
    if (fd >= 0)
        close(fd);
    return err;
}
