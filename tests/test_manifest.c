/* test_manifest.c - manifest records: canonical form, parsing, signatures, tail. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "docseal/docseal.h"
#include "testutil.h"

#define H8(c) c c c c c c c c
#define H64(c) H8(c) H8(c) H8(c) H8(c) H8(c) H8(c) H8(c) H8(c)

/* The vault test key (fixtures/keys/vault-test.key), copied to mode 0600. */
static ds_secret_key *test_key(const char *name)
{
    char *dir = tu_tmpdir(), path[512], src[512];
    size_t len;
    char *data;
    ds_secret_key *k = NULL;
    snprintf(src, sizeof src, "fixtures/keys/%s.key", name);
    data = tu_read(tu_src(src), &len);
    snprintf(path, sizeof path, "%s/k.key", dir);
    tu_write(path, data, len);
    chmod(path, 0600);
    cr_assert_eq(ds_secret_key_load(&k, path, NULL), 0, "%s", ds_error_last());
    remove(path);
    remove(dir);
    free(dir);
    free(data);
    return k;
}

static ds_public_key *test_pub(const ds_secret_key *k)
{
    ds_public_key *p = NULL;
    cr_assert_eq(ds_secret_key_public(&p, k), 0);
    return p;
}

static ds_manifest_record *sample(void)
{
    ds_manifest_record *r = NULL;
    cr_assert_eq(ds_manifest_record_new(&r), 0);
    r->seq = 1;
    r->time = 1515672000; /* 2018-01-11T12:00:00Z */
    memcpy(r->bundle, H64("a"), 65);
    memcpy(r->bundle_sha256, H64("b"), 65);
    r->message = strdup("first");
    cr_assert_eq(ds_manifest_record_add_doc(r, "article", 1, DS_DOC_NEW, H64("c"), H64("d")), 0);
    return r;
}

#define SAMPLE_UNSIGNED                                                                            \
    "{\"seq\":1,\"prev\":\"" H64("0") "\",\"time\":\"2018-01-11T12:00:00Z\",\"bundle\":\"" H64(    \
        "a") "\",\"bundle_sha256\":\"" H64("b") "\",\"key_id\":\"A67C4D5530FCDCF0\",\"message\":"  \
                                                "\"first\",\"documents\":[{\"id\":\"article\","    \
                                                "\"revision\":1,\"status\":\"new\","               \
                                                "\"content_sha256\":\"" H64(                       \
                                                    "c") "\",\"original_sha256\":\"" H64("d") "\"" \
                                                                                              "}]"

/* Ed25519 is deterministic: the test key always gives this signature. */
#define SAMPLE_SIG                                                                                 \
    "dALe5ZlgxRXDSG27W3rowWAysaZ0qvpmoc35fnP0PvFK3U9ip06zLaFC/UzabvL8wC/LpsI0qA/o5oPDwtTSDw=="

Test(manifest, format_is_canonical_and_signed)
{
    ds_secret_key *k = test_key("vault-test");
    ds_manifest_record *r = sample();
    char *line = NULL, *sb = NULL;
    size_t len = 0, sblen = 0;
    char hex[DS_SHA256_HEX_SIZE];

    cr_assert_eq(ds_manifest_record_sign(r, k), 0, "%s", ds_error_last());
    cr_assert_str_eq(r->key_id, "A67C4D5530FCDCF0");
    cr_assert_eq(ds_manifest_record_signed_bytes(&sb, &sblen, r), 0);
    cr_assert_str_eq(sb, SAMPLE_UNSIGNED "}");
    cr_assert_eq(ds_manifest_record_format(&line, &len, r), 0);
    cr_assert_str_eq(line, SAMPLE_UNSIGNED ",\"sig\":\"" SAMPLE_SIG "\"}");
    cr_assert_eq(len, strlen(line));
    /* signed bytes = the line without its sig member */
    cr_assert_eq(memcmp(line, sb, sblen - 1), 0);
    cr_assert_eq(ds_sha256_hex(hex, line, len), 0);
    cr_assert_str_eq(r->hash, hex);
    free(line);
    free(sb);
    ds_manifest_record_free(r);
    ds_secret_key_free(k);
}

Test(manifest, parse_round_trip_and_verify)
{
    ds_secret_key *k = test_key("vault-test"), *other = test_key("vault-other");
    ds_public_key *pub = test_pub(k), *opub = test_pub(other);
    ds_manifest_record *r = sample(), *p = NULL;
    char *line = NULL, *line2 = NULL;
    size_t len = 0, len2 = 0;

    cr_assert_eq(ds_manifest_record_sign(r, k), 0);
    cr_assert_eq(ds_manifest_record_format(&line, &len, r), 0);
    cr_assert_eq(ds_manifest_record_parse(&p, line, len), 0, "%s", ds_error_last());
    cr_assert_eq(p->seq, 1);
    cr_assert_str_eq(p->prev, DS_MANIFEST_GENESIS);
    cr_assert_eq(p->time, 1515672000);
    cr_assert_str_eq(p->bundle, H64("a"));
    cr_assert_str_eq(p->bundle_sha256, H64("b"));
    cr_assert_str_eq(p->message, "first");
    cr_assert_eq(p->doc_count, 1);
    cr_assert_str_eq(p->docs[0].id, "article");
    cr_assert_eq(p->docs[0].status, DS_DOC_NEW);
    cr_assert_str_eq(p->hash, r->hash);
    cr_assert_eq(memcmp(p->sig, r->sig, 64), 0);
    cr_assert_eq(ds_manifest_record_verify(p, pub), 0, "%s", ds_error_last());
    cr_assert_eq(ds_manifest_record_format(&line2, &len2, p), 0);
    cr_assert_str_eq(line2, line);

    /* another key: named */
    cr_assert_eq(ds_manifest_record_verify(p, opub), DS_EINTEGRITY);
    cr_assert_str_eq(ds_error_last(), "record 1 is signed by key A67C4D5530FCDCF0, not "
                                      "534A73F91D4F36B1");
    /* a changed field: parses (still canonical) but the signature fails */
    p->docs[0].revision = 2;
    cr_assert_eq(ds_manifest_record_verify(p, pub), DS_EINTEGRITY);
    cr_assert_str_eq(ds_error_last(),
                     "record 1: the signature by key A67C4D5530FCDCF0 does not verify");
    free(line);
    free(line2);
    ds_manifest_record_free(r);
    ds_manifest_record_free(p);
    ds_public_key_free(pub);
    ds_public_key_free(opub);
    ds_secret_key_free(k);
    ds_secret_key_free(other);
}

/* Replace the first occurrence of from with to in a copy of s. */
static char *subst(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    char *out;
    cr_assert_not_null(at, "'%s' not in the line", from);
    out = malloc(strlen(s) + strlen(to) + 1);
    memcpy(out, s, (size_t)(at - s));
    strcpy(out + (at - s), to);
    strcat(out, at + strlen(from));
    return out;
}

static void expect_invalid(const char *line, const char *message)
{
    ds_manifest_record *p = NULL;
    int err = ds_manifest_record_parse(&p, line, strlen(line));
    cr_expect_eq(err, DS_EINVALID, "accepted: %s", line);
    cr_expect_null(p);
    cr_expect_str_eq(ds_error_last(), message, "got [%s]", ds_error_last());
    ds_manifest_record_free(p);
}

Test(manifest, strict_parser_rejects_non_canonical_and_malformed)
{
    ds_secret_key *k = test_key("vault-test");
    ds_manifest_record *r = sample();
    char *line = NULL, *bad;
    size_t len = 0;

    cr_assert_eq(ds_manifest_record_sign(r, k), 0);
    cr_assert_eq(ds_manifest_record_format(&line, &len, r), 0);

    bad = subst(line, "\"seq\":1,", "\"seq\": 1,");
    expect_invalid(bad, "not in canonical form (first difference at byte 7; unknown or "
                        "reordered members, whitespace or escapes)");
    free(bad);
    bad = subst(line, "\"seq\":1,", "\"seq\":1.0,");
    expect_invalid(bad, "\"seq\": missing or not a positive integer");
    free(bad);
    bad = subst(line, "\"seq\":1,", "\"seq\":0,");
    expect_invalid(bad, "\"seq\": missing or not a positive integer");
    free(bad);
    bad = subst(line, "\"seq\":1,", "\"seq\":01,");
    expect_invalid(bad, "not valid JSON at byte 8: invalid token near '0'");
    free(bad);
    bad = subst(line, "{\"seq\":1,", "{\"x\":1,\"seq\":1,");
    expect_invalid(bad, "not in canonical form (first difference at byte 2; unknown or "
                        "reordered members, whitespace or escapes)");
    free(bad);
    bad = subst(line, "\"seq\":1,", "\"seq\":1,\"seq\":1,");
    expect_invalid(bad, "not valid JSON at byte 14: duplicate object key near '\"seq\"'");
    free(bad);
    bad = subst(line, "12:00:00Z", "12:00:00+00:00");
    expect_invalid(bad, "\"time\": missing or not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ)");
    free(bad);
    bad = subst(line, "\"status\":\"new\"", "\"status\":\"old\"");
    expect_invalid(bad, "\"documents\"[0]: \"old\" is not a document status (new, changed, "
                        "unchanged)");
    free(bad);
    bad = subst(line, "\"revision\":1", "\"revision\":0");
    expect_invalid(bad, "\"documents\"[0]: \"revision\": missing or not a positive integer");
    free(bad);
    bad = subst(line, "\"key_id\":\"A67C4D5530FCDCF0\"", "\"key_id\":\"a67c4d5530fcdcf0\"");
    expect_invalid(bad, "\"key_id\": missing or not 16 uppercase hex digits");
    free(bad);
    bad = subst(line, "\"id\":\"article\"", "\"id\":\"art\\u0001icle\"");
    expect_invalid(bad, "\"documents\"[0]: document id holds a control character at byte 3");
    free(bad);
    /* C1 controls (CSI U+009B) and edge spaces are refused too */
    bad = subst(line, "\"id\":\"article\"",
                "\"id\":\"art\xc2\x9b"
                "icle\"");
    expect_invalid(bad, "\"documents\"[0]: document id holds a control character at byte 3");
    free(bad);
    bad = subst(line, "\"id\":\"article\"", "\"id\":\" article\"");
    expect_invalid(bad, "\"documents\"[0]: document id \" article\" begins or ends with a space");
    free(bad);
    bad = subst(line, "\"message\":\"first\"", "\"message\":\"a\\/b\"");
    expect_invalid(bad, "not in canonical form (first difference at byte 312; unknown or "
                        "reordered members, whitespace or escapes)");
    free(bad);
    bad = subst(line, "\"sig\":\"", "\"sig\":\"A");
    expect_invalid(bad, "\"sig\": missing or not the base64 of a 64-byte signature");
    free(bad);
    bad = subst(line, "\"}]",
                "\"},{\"id\":\"article\",\"revision\":1,\"status\":\"new\","
                "\"content_sha256\":\"" H64("c") "\",\"original_sha256\":\"" H64("d") "\"}]");
    expect_invalid(bad, "\"documents\"[1]: document id \"article\" appears twice in one "
                        "snapshot");
    free(bad);
    bad = subst(line, "[{", "[],\"x\":[{");
    expect_invalid(bad, "\"documents\": missing, empty or not an array");
    free(bad);
    expect_invalid("[1]", "not a JSON object");
    expect_invalid("", "not valid JSON at byte 0: '[' or '{' expected near end of file");
    {
        ds_manifest_record *p = NULL;
        char *two = malloc(len + 3);
        memcpy(two, line, len);
        memcpy(two + len, " {", 3);
        cr_assert_eq(ds_manifest_record_parse(&p, two, len + 2), DS_EINVALID);
        cr_assert_eq(ds_manifest_record_parse(&p, "{\n}", 3), DS_EINVALID);
        cr_assert_str_eq(ds_error_last(), "a record line holds a newline");
        free(two);
    }
    free(line);
    ds_manifest_record_free(r);
    ds_secret_key_free(k);
}

Test(manifest, escapes_are_jansson_compact)
{
    ds_secret_key *k = test_key("vault-test");
    ds_manifest_record *r = NULL, *p = NULL;
    char *line = NULL;
    size_t len = 0;
    cr_assert_eq(ds_manifest_record_new(&r), 0);
    r->seq = 7;
    r->time = 0;
    memcpy(r->prev, H64("e"), 65);
    memcpy(r->bundle, H64("a"), 65);
    memcpy(r->bundle_sha256, H64("b"), 65);
    r->message = strdup("line 1\nline 2\t\"quoted\" \\ caf\xc3\xa9 \x7f \x01");
    cr_assert_eq(ds_manifest_record_add_doc(r, "https://example.org/a?b=1&c=\"x\"@2", 3,
                                            DS_DOC_UNCHANGED, H64("c"), H64("d")),
                 0);
    cr_assert_eq(ds_manifest_record_sign(r, k), 0);
    cr_assert_eq(ds_manifest_record_format(&line, &len, r), 0);
    cr_assert_not_null(strstr(line, "\"time\":\"1970-01-01T00:00:00Z\""));
    cr_assert_not_null(
        strstr(line, "\"message\":\"line 1\\nline 2\\t\\\"quoted\\\" \\\\ caf\xc3\xa9 \x7f "
                     "\\u0001\""),
        "%s", line);
    cr_assert_not_null(strstr(line, "\"id\":\"https://example.org/a?b=1&c=\\\"x\\\"@2\","
                                    "\"revision\":3,\"status\":\"unchanged\""));
    cr_assert_eq(ds_manifest_record_parse(&p, line, len), 0, "%s", ds_error_last());
    cr_assert_str_eq(p->message, r->message);
    free(line);
    ds_manifest_record_free(r);
    ds_manifest_record_free(p);
    ds_secret_key_free(k);
}

Test(manifest, add_doc_validation)
{
    ds_manifest_record *r = NULL;
    cr_assert_eq(ds_manifest_record_new(&r), 0);
    cr_assert_eq(ds_manifest_record_add_doc(r, "", 1, DS_DOC_NEW, H64("c"), H64("d")), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "document id is empty");
    cr_assert_eq(ds_manifest_record_add_doc(r, "x", 0, DS_DOC_NEW, H64("c"), H64("d")),
                 DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "x: revision 0 (revisions start at 1)");
    cr_assert_eq(ds_manifest_record_add_doc(r, "x", 1, DS_DOC_NEW, H64("C"), H64("d")),
                 DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "x: a digest is not 64 lowercase hex digits");
    cr_assert_eq(ds_manifest_record_add_doc(r, "a\tb", 1, DS_DOC_NEW, H64("c"), H64("d")),
                 DS_EINVALID);
    cr_assert_eq(ds_manifest_record_add_doc(r, "x", 1, DS_DOC_NEW, H64("c"), H64("d")), 0);
    cr_assert_eq(ds_manifest_record_add_doc(r, "x", 2, DS_DOC_CHANGED, H64("c"), H64("d")),
                 DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "document id \"x\" appears twice in one snapshot");
    {
        char *line = NULL;
        size_t len;
        /* seq 0 cannot be formatted */
        cr_assert_eq(ds_manifest_record_format(&line, &len, r), DS_EINVALID);
        cr_assert_str_eq(ds_error_last(), "\"seq\": must be a positive integer");
    }
    ds_manifest_record_free(r);
}

Test(manifest, status_names)
{
    ds_doc_status s;
    cr_assert_str_eq(ds_manifest_status_name(DS_DOC_NEW), "new");
    cr_assert_str_eq(ds_manifest_status_name(DS_DOC_CHANGED), "changed");
    cr_assert_str_eq(ds_manifest_status_name(DS_DOC_UNCHANGED), "unchanged");
    cr_assert_str_eq(ds_manifest_status_name((ds_doc_status)9), "?");
    cr_assert_eq(ds_manifest_status_parse(&s, "unchanged"), 0);
    cr_assert_eq(s, DS_DOC_UNCHANGED);
    cr_assert_eq(ds_manifest_status_parse(&s, "New"), DS_EINVALID);
}

/* --- tail --- */

static char *two_records(ds_secret_key *k, size_t *len1, size_t *len2, char h2[65])
{
    ds_manifest_record *r = sample();
    char *l1 = NULL, *l2 = NULL, *all;
    cr_assert_eq(ds_manifest_record_sign(r, k), 0);
    cr_assert_eq(ds_manifest_record_format(&l1, len1, r), 0);
    r->seq = 2;
    memcpy(r->prev, r->hash, 65);
    r->time += 60;
    r->docs[0].revision = 2;
    r->docs[0].status = DS_DOC_CHANGED;
    memcpy(r->docs[0].content_sha256, H64("9"), 65);
    cr_assert_eq(ds_manifest_record_sign(r, k), 0);
    cr_assert_eq(ds_manifest_record_format(&l2, len2, r), 0);
    memcpy(h2, r->hash, 65);
    all = malloc(*len1 + *len2 + 3);
    sprintf(all, "%s\n%s\n", l1, l2);
    free(l1);
    free(l2);
    ds_manifest_record_free(r);
    return all;
}

Test(manifest, tail_of_complete_empty_and_torn_manifests)
{
    ds_secret_key *k = test_key("vault-test");
    char *dir = tu_tmpdir(), path[512], h2[65];
    size_t l1, l2, total;
    char *all = two_records(k, &l1, &l2, h2);
    ds_manifest_tail t;

    total = l1 + l2 + 2;
    snprintf(path, sizeof path, "%s/manifest.jsonl", dir);
    cr_assert_eq(ds_manifest_read_tail(&t, path), DS_ENOTFOUND);

    tu_write(path, "", 0);
    cr_assert_eq(ds_manifest_read_tail(&t, path), 0);
    cr_assert_eq(t.last_seq, 0);
    cr_assert_eq(t.torn, 0);
    cr_assert_str_eq(t.last_hash, DS_MANIFEST_GENESIS);

    tu_write(path, all, total);
    cr_assert_eq(ds_manifest_read_tail(&t, path), 0, "%s", ds_error_last());
    cr_assert_eq(t.size, total);
    cr_assert_eq(t.valid_size, total);
    cr_assert_eq(t.last_seq, 2);
    cr_assert_eq(t.last_offset, l1 + 1);
    cr_assert_eq(t.last_time, 1515672060);
    cr_assert_str_eq(t.last_hash, h2);
    cr_assert_eq(t.torn, 0);

    /* a crash in the middle of the second append */
    tu_write(path, all, l1 + 1 + 100);
    cr_assert_eq(ds_manifest_read_tail(&t, path), 0);
    cr_assert_eq(t.torn, 1);
    cr_assert_eq(t.torn_complete, 0);
    cr_assert_eq(t.valid_size, l1 + 1);
    cr_assert_eq(t.torn_length, 100);
    cr_assert_eq(t.last_seq, 1);

    /* the whole second record but not its newline */
    tu_write(path, all, total - 1);
    cr_assert_eq(ds_manifest_read_tail(&t, path), 0);
    cr_assert_eq(t.torn, 1);
    cr_assert_eq(t.torn_complete, 1);
    cr_assert_eq(t.valid_size, l1 + 1);
    cr_assert_eq(t.last_seq, 1);

    /* a final line of zeros with a newline: not JSON, torn */
    {
        char *z = calloc(1, l1 + 1 + 51);
        memcpy(z, all, l1 + 1);
        z[l1 + 1 + 50] = '\n';
        tu_write(path, z, l1 + 1 + 51);
        cr_assert_eq(ds_manifest_read_tail(&t, path), 0);
        cr_assert_eq(t.torn, 1);
        cr_assert_eq(t.valid_size, l1 + 1);
        cr_assert_eq(t.torn_length, 51);
        cr_assert_eq(t.last_seq, 1);
        free(z);
    }
    /* a final line that is JSON but no record: damage, not a crash */
    {
        char *j = malloc(l1 + 1 + 3);
        memcpy(j, all, l1 + 1);
        memcpy(j + l1 + 1, "{}\n", 3);
        tu_write(path, j, l1 + 4);
        cr_assert_eq(ds_manifest_read_tail(&t, path), DS_EINVALID);
        cr_assert_str_eq(ds_error_last(), "manifest.jsonl: the record at byte offset 644 is "
                                          "invalid: \"seq\": missing or not a positive integer");
        free(j);
    }
    remove(path);
    remove(dir);
    free(dir);
    free(all);
    ds_secret_key_free(k);
}

/* Compact sightings (vault version 2): "unchanged" (id: revision) and
 * "unchanged_sha256" follow "documents", are left out when empty, and may
 * stand alone */
Test(manifest, compact_sightings_round_trip)
{
    ds_secret_key *k = test_key("vault-test");
    ds_manifest_record *r = sample(), *back = NULL;
    char *line = NULL, want[300], sum[DS_SHA256_HEX_SIZE], expect[DS_SHA256_HEX_SIZE];
    size_t len = 0;
    const char *input = "b\"q\t2\t" H64("c") "\t" H64("d") "\na\t1\t" H64("e") "\t" H64("f") "\n";

    cr_assert_eq(ds_manifest_record_add_unchanged(r, "b\"q", 2), 0);
    cr_assert_eq(ds_manifest_record_add_unchanged(r, "a", 1), 0);
    cr_assert_eq(ds_manifest_record_add_unchanged(r, "article", 1), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "document id \"article\" appears twice in one snapshot");
    cr_assert_eq(ds_manifest_record_add_doc(r, "a", 1, DS_DOC_NEW, H64("c"), H64("d")),
                 DS_EINVALID);
    cr_assert_eq(ds_manifest_record_add_unchanged(r, "x\ty", 1), DS_EINVALID);
    cr_assert_eq(ds_manifest_record_add_unchanged(r, "z", 0), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "z: revision 0 (revisions start at 1)");
    /* the digest of what was read: id TAB revision TAB content TAB original LF */
    memcpy(r->unchanged[0].content_sha256, H64("c"), 65);
    memcpy(r->unchanged[0].original_sha256, H64("d"), 65);
    memcpy(r->unchanged[1].content_sha256, H64("e"), 65);
    memcpy(r->unchanged[1].original_sha256, H64("f"), 65);
    cr_assert_eq(ds_manifest_unchanged_digest(sum, r->unchanged, 2), 0);
    cr_assert_eq(ds_sha256_hex(expect, input, strlen(input)), 0);
    cr_assert_str_eq(sum, expect);
    cr_assert_eq(ds_manifest_record_sign(r, k), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "\"unchanged_sha256\": not 64 lowercase hex digits");
    memcpy(r->unchanged_sha256, sum, sizeof sum);
    cr_assert_eq(ds_manifest_record_sign(r, k), 0, "%s", ds_error_last());
    cr_assert_eq(ds_manifest_record_format(&line, &len, r), 0, "%s", ds_error_last());
    snprintf(want, sizeof want,
             "}],\"unchanged\":{\"b\\\"q\":2,\"a\":1},\"unchanged_sha256\":\"%s\","
             "\"sig\":\"",
             sum);
    cr_assert_not_null(strstr(line, want), "%s", line);
    cr_assert_eq(ds_manifest_record_parse(&back, line, len), 0, "%s", ds_error_last());
    cr_assert_eq(back->unchanged_count, 2);
    cr_assert_str_eq(back->unchanged[0].id, "b\"q");
    cr_assert_eq(back->unchanged[0].revision, 2);
    cr_assert_str_eq(back->unchanged[1].id, "a");
    cr_assert_eq(back->unchanged[1].revision, 1);
    cr_assert_str_eq(back->unchanged[1].content_sha256, ""); /* not in the line */
    cr_assert_str_eq(back->unchanged_sha256, sum);
    {
        ds_public_key *pub = test_pub(k);
        cr_assert_eq(ds_manifest_record_verify(back, pub), 0, "%s", ds_error_last());
        ds_public_key_free(pub);
    }
    ds_manifest_record_free(back);
    free(line);
    ds_manifest_record_free(r);

    /* only compact sightings: "documents" is written empty */
    cr_assert_eq(ds_manifest_record_new(&r), 0);
    r->seq = 2;
    r->time = 1515672000;
    memcpy(r->bundle, H64("a"), 65);
    memcpy(r->bundle_sha256, H64("b"), 65);
    memcpy(r->unchanged_sha256, H64("9"), 65);
    cr_assert_eq(ds_manifest_record_add_unchanged(r, "article", 3), 0);
    cr_assert_eq(ds_manifest_record_sign(r, k), 0, "%s", ds_error_last());
    cr_assert_eq(ds_manifest_record_format(&line, &len, r), 0, "%s", ds_error_last());
    cr_assert_not_null(strstr(line, ",\"documents\":[],\"unchanged\":{\"article\":3},"
                                    "\"unchanged_sha256\":\"" H64("9") "\",\"sig\":\""),
                       "%s", line);
    cr_assert_eq(ds_manifest_record_parse(&back, line, len), 0, "%s", ds_error_last());
    ds_manifest_record_free(back);
    ds_manifest_record_free(r);
    {
        /* malformed: empty, a bad revision, a duplicate key, no digest; and
         * "documents" empty without compact sightings */
        char *bad = subst(line, "{\"article\":3}", "{}");
        expect_invalid(bad, "\"unchanged\": empty or not an object");
        free(bad);
        bad = subst(line, "{\"article\":3}", "{\"article\":0}");
        expect_invalid(bad, "\"unchanged\"[0]: not an id with a revision number");
        free(bad);
        bad = subst(line, "{\"article\":3}", "{\"article\":\"3\"}");
        expect_invalid(bad, "\"unchanged\"[0]: not an id with a revision number");
        free(bad);
        bad = subst(line, ",\"unchanged_sha256\":\"" H64("9") "\"", "");
        expect_invalid(bad, "\"unchanged_sha256\": missing or not 64 lowercase hex digits");
        free(bad);
        bad =
            subst(line, ",\"unchanged\":{\"article\":3},\"unchanged_sha256\":\"" H64("9") "\"", "");
        expect_invalid(bad, "\"documents\": missing, empty or not an array");
        free(bad);
    }
    free(line);
    ds_secret_key_free(k);
}
