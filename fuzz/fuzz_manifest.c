/* fuzz_manifest.c - the manifest record parser and tail reader (manifest.c).
 *
 * Input: one option byte (its low two bits choose the mode), then:
 *   mode 0, 1  one manifest line (without '\n') for ds_manifest_record_parse();
 *   mode 2     a whole manifest file for ds_manifest_read_tail();
 *   mode 3     fields for a record built with the API: 8 bytes seq, 4 bytes
 *              time, 1 byte revision, 1 byte status, then NUL-separated
 *              strings: the message, then document ids.
 * Invariants (docseal/manifest.h): never crashes or leaks;
 *   parse: a line that parses formats back to the very same bytes, its hash
 *   is the SHA-256 of the line, its signed bytes are the line without the
 *   ,"sig":"..." member, and verification with the vault test key either
 *   passes or fails with DS_EINTEGRITY;
 *   tail: sizes are consistent and the last good record, re-read from the
 *   file, parses with the reported seq and hash;
 *   build: a record the API accepts formats to a line that parses back to
 *   the same fields and verifies with the signing key. */
#include "common.h"

#include <inttypes.h>

/* vault-test.key.pub (fixtures/keys), which signed the seed lines */
static const char vault_test_pub[] = "RWTw3PwwVU18phDbBHDLAbfnJsaDYHST/aFCVSNxBuxTgChy9hvL293S\n";

static ds_public_key *test_key;
static ds_secret_key *sign_key;
static ds_public_key *sign_pub;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned char seed[DS_ED25519_SEED_SIZE];
    (void)argc, (void)argv;
    memset(seed, 7, sizeof seed);
    if (ds_public_key_parse(&test_key, vault_test_pub, strlen(vault_test_pub)) < 0 ||
        ds_secret_key_from_seed(&sign_key, seed) < 0 ||
        ds_secret_key_public(&sign_pub, sign_key) < 0)
        abort();
    return 0;
}

static void check_line(const char *line, size_t len)
{
    ds_manifest_record *r = NULL;
    char *out = NULL, *sb = NULL, hex[DS_SHA256_HEX_SIZE];
    size_t olen = 0, sblen = 0;
    int err;

    if (ds_manifest_record_parse(&r, line, len) < 0) {
        if (getenv("FZ_DEBUG"))
            fprintf(stderr, "parse: %s\n", ds_error_last());
        FZ_CHECK(r == NULL);
        return;
    }
    FZ_CHECK(ds_manifest_line_hash(hex, line, len) == 0 && strcmp(hex, r->hash) == 0);
    FZ_CHECK(ds_manifest_record_format(&out, &olen, r) == 0);
    FZ_CHECK(olen == len && memcmp(out, line, len) == 0 && strlen(out) == olen);
    FZ_CHECK(strcmp(hex, r->hash) == 0);
    FZ_CHECK(ds_manifest_record_signed_bytes(&sb, &sblen, r) == 0);
    {
        /* the line is the signed bytes with ,"sig":"<88 base64>"} in place of the final } */
        const char *tail = line + sblen - 1;
        FZ_CHECK(sblen < len && memcmp(sb, line, sblen - 1) == 0 && sb[sblen - 1] == '}');
        FZ_CHECK(len - (sblen - 1) == strlen(",\"sig\":\"\"}") + 88);
        FZ_CHECK(memcmp(tail, ",\"sig\":\"", 8) == 0 && line[len - 1] == '}');
    }
    FZ_CHECK(r->seq >= 1 && r->doc_count >= 1 && r->time >= 0 && r->time <= DS_MANIFEST_MAX_TIME);
    err = ds_manifest_record_verify(r, test_key);
    if (getenv("FZ_DEBUG"))
        fprintf(stderr, "parsed seq %" PRIu64 ", verify %d\n", r->seq, err);
    FZ_CHECK(err == 0 || err == DS_EINTEGRITY);
    free(out);
    free(sb);
    ds_manifest_record_free(r);
}

static void check_tail(const uint8_t *data, size_t size)
{
    const char *path = fz_tmp_path(".jsonl");
    ds_manifest_tail t;
    int err;

    if (fz_write_file(path, data, size) < 0)
        return;
    memset(&t, 0xAA, sizeof t);
    err = ds_manifest_read_tail(&t, path);
    if (err == 0) {
        FZ_CHECK(t.size == size && t.valid_size <= t.size);
        FZ_CHECK(t.valid_size == 0 || data[t.valid_size - 1] == '\n');
        FZ_CHECK(t.torn == 0 || t.torn == 1);
        if (t.torn)
            FZ_CHECK(t.torn_length == t.size - t.valid_size && t.torn_length > 0);
        else
            FZ_CHECK(t.valid_size == t.size && t.torn_complete == 0);
        if (t.last_seq == 0) {
            FZ_CHECK(strcmp(t.last_hash, DS_MANIFEST_GENESIS) == 0);
        } else {
            const char *line = (const char *)data + t.last_offset;
            size_t len = (size_t)(t.valid_size - 1 - t.last_offset);
            ds_manifest_record *r = NULL;
            FZ_CHECK(t.last_offset < t.valid_size);
            FZ_CHECK(t.last_offset == 0 || data[t.last_offset - 1] == '\n');
            FZ_CHECK(ds_manifest_record_parse(&r, line, len) == 0);
            FZ_CHECK(r->seq == t.last_seq && strcmp(r->hash, t.last_hash) == 0 &&
                     r->time == t.last_time);
            ds_manifest_record_free(r);
        }
        if (t.torn_complete) {
            ds_manifest_record *r = NULL;
            FZ_CHECK(t.torn);
            FZ_CHECK(ds_manifest_record_parse(&r, (const char *)data + t.valid_size,
                                              (size_t)t.torn_length) == 0);
            ds_manifest_record_free(r);
        }
    }
    unlink(path);
}

static uint64_t be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | *p++;
    return v;
}

static void check_build(const uint8_t *data, size_t size)
{
    ds_manifest_record *r = NULL, *back = NULL;
    const char *s, *end, *msg;
    char *line = NULL;
    size_t len = 0, k;
    unsigned rev;
    ds_doc_status st;
    char digest[DS_SHA256_HEX_SIZE];
    int err;

    if (size < 14)
        return;
    FZ_CHECK(ds_manifest_record_new(&r) == 0);
    r->seq = be(data, 8);
    r->time = (int64_t)be(data + 8, 4) * 61;
    memset(r->bundle, 'b', 64);
    r->bundle[64] = '\0';
    memset(r->bundle_sha256, 'c', 64);
    r->bundle_sha256[64] = '\0';
    rev = data[12];
    st = (ds_doc_status)(data[13] % 4);
    s = (const char *)data + 14;
    end = (const char *)data + size;
    msg = s;
    s = memchr(s, '\0', (size_t)(end - s));
    if (!s)
        goto done; /* message must be NUL-terminated */
    if (*msg)
        FZ_CHECK((r->message = strdup(msg)) != NULL);
    for (s++, k = 0; s < end; k++) {
        const char *id = s, *nul = memchr(s, '\0', (size_t)(end - s));
        if (!nul)
            break;
        s = nul + 1;
        snprintf(digest, sizeof digest, "%064zx", k);
        (void)ds_manifest_record_add_doc(r, id, rev + (unsigned)k, st, digest, digest);
    }
    err = ds_manifest_record_sign(r, sign_key);
    if (getenv("FZ_DEBUG"))
        fprintf(stderr, "build: %zu docs, sign %d %s\n", r->doc_count, err,
                err ? ds_error_last() : "");
    if (err < 0) {
        FZ_CHECK(err == DS_EINVALID);
        goto done;
    }
    err = ds_manifest_record_format(&line, &len, r);
    FZ_CHECK(err == 0);
    FZ_CHECK(strlen(line) == len && fz_utf8_ok(line, len) && !memchr(line, '\n', len));
    err = ds_manifest_record_parse(&back, line, len);
    if (err != 0)
        fprintf(stderr, "parse of formatted line failed: %s\n%s\n", ds_error_last(), line);
    FZ_CHECK(err == 0);
    FZ_CHECK(back->seq == r->seq && back->time == r->time && back->doc_count == r->doc_count);
    FZ_CHECK((back->message == NULL) == (r->message == NULL));
    FZ_CHECK(!r->message || strcmp(back->message, r->message) == 0);
    FZ_CHECK(strcmp(back->hash, r->hash) == 0);
    for (k = 0; k < r->doc_count; k++) {
        FZ_CHECK(strcmp(back->docs[k].id, r->docs[k].id) == 0);
        FZ_CHECK(back->docs[k].revision == r->docs[k].revision);
        FZ_CHECK(back->docs[k].status == r->docs[k].status);
    }
    FZ_CHECK(ds_manifest_record_verify(back, sign_pub) == 0);
    FZ_CHECK(ds_manifest_record_verify(back, test_key) == DS_EINTEGRITY);
    check_line(line, len);
done:
    free(line);
    ds_manifest_record_free(back);
    ds_manifest_record_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned mode;
    if (size < 1)
        return 0;
    mode = data[0] & 3;
    data++, size--;
    switch (mode) {
    case 2:
        check_tail(data, size);
        break;
    case 3:
        check_build(data, size);
        break;
    default:
        check_line((const char *)data, size);
        break;
    }
    return 0;
}
