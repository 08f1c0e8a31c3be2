/* test_sign.c - Ed25519 keys, key files and minisign signatures. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "docseal/docseal.h"
#include "testutil.h"

/* ---- fixed values ---- */

/* RFC 8032 section 7.1, TEST 1 and TEST 2. */
static const char *const seed1_hex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *const sig1_hex =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b"
    "46bd25bf5f0595bbe24655141438e7a100b";
static const char *const seed2_hex =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
static const char *const sig2_hex =
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11"
    "d8c387b2eaeb4302aeeb00d291612bb0c00";

/* Key id of the TEST 1 key: BLAKE2b-512("docseal key id" || pk) starts with
 * 89 90 6c e4 e5 da e4 10 (checked with b2sum), shown little-endian. */
static const char *const id1 = "10E4DAE5E46C9089";
static const char *const id2 = "2CDE887CBD7BBD5B";
static const char *const pub1 = "untrusted comment: minisign public key 10E4DAE5E46C9089\n"
                                "RWSJkGzk5drkENdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\n";

/* fixtures/keys/message.txt signed with the TEST 1 key (fixtures/keys/
 * message.txt.docseal.minisig; minisign 0.11 accepts it, and the signature
 * line was re-derived with `b2sum` + `openssl pkeyutl -sign -rawin`). */
static const char *const tc1 = "timestamp:1700000000\tfile:message.txt\thashed";
static const char *const minisig1 =
    "untrusted comment: signature from docseal secret key\n"
    "RUSJkGzk5drkEHYzaaugf8dit9OYdtfR+"
    "ZlXhgTiBOIEklO9AI3eaaVQiAp06n3ujNToRg7lYqxP9OT1UBT48pawgsH0PWiu"
    "tQw=\n"
    "trusted comment: timestamp:1700000000\tfile:message.txt\thashed\n"
    "HKGjoBxU5Eqhm0kxlt1a5YiZ7RIajWKHfKBw1T5AP07Pa5U6D2AoDFt2FYZv9bWYNzxDVEAIhVRYSOtz9p3NCQ==\n";

static const char *const passphrase = "correct horse battery staple";

/* ---- helpers ---- */

static void unhex(unsigned char *out, const char *hex)
{
    size_t i, n = strlen(hex) / 2;
    for (i = 0; i < n; i++) {
        unsigned v;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

static void tohex(char *out, const unsigned char *in, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", in[i]);
}

static ds_secret_key *key_from_seed(const char *hex)
{
    unsigned char seed[DS_ED25519_SEED_SIZE];
    ds_secret_key *k = NULL;
    unhex(seed, hex);
    cr_assert_eq(ds_secret_key_from_seed(&k, seed), 0, "%s", ds_error_last());
    return k;
}

static ds_public_key *pub_of(const ds_secret_key *k)
{
    ds_public_key *p = NULL;
    cr_assert_eq(ds_secret_key_public(&p, k), 0);
    return p;
}

static char *fixture(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "fixtures/keys/%s", name);
    return tu_read(tu_src(rel), len);
}

static ds_public_key *fixture_pub(const char *name)
{
    ds_public_key *p = NULL;
    char rel[256];
    snprintf(rel, sizeof rel, "fixtures/keys/%s", name);
    cr_assert_eq(ds_public_key_load(&p, tu_src(rel)), 0, "%s", ds_error_last());
    return p;
}

/* Copy a fixture into dir with mode (git does not keep 0600). */
static char *copy_fixture(const char *dir, const char *name, mode_t mode)
{
    size_t len;
    char *data = fixture(name, &len);
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    tu_write(path, data, len);
    cr_assert_eq(chmod(path, mode), 0);
    free(data);
    return path;
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static void rm_rf(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* Replace line n (1-based) of text by repl; returns a new string. */
static char *replace_line(const char *text, int n, const char *repl)
{
    const char *p = text, *end;
    char *out;
    int i;
    for (i = 1; i < n; i++) {
        p = strchr(p, '\n');
        cr_assert_not_null(p);
        p++;
    }
    end = strchr(p, '\n');
    cr_assert_not_null(end);
    out = malloc(strlen(text) + strlen(repl) + 1);
    memcpy(out, text, (size_t)(p - text));
    strcpy(out + (p - text), repl);
    strcat(out, end);
    return out;
}

/* Decode base64 line n, xor byte i with x, re-encode: a well-formed line
 * whose content differs in one byte. */
static char *flip_b64_line(const char *text, int n, size_t i, unsigned char x)
{
    const char *p = text, *end;
    unsigned char raw[128], enc[200];
    char line[200];
    int len, pad = 0, k;
    for (k = 1; k < n; k++)
        p = strchr(p, '\n') + 1;
    end = strchr(p, '\n');
    cr_assert_lt((size_t)(end - p), sizeof line);
    memcpy(line, p, (size_t)(end - p));
    line[end - p] = '\0';
    len = EVP_DecodeBlock(raw, (const unsigned char *)line, (int)strlen(line));
    cr_assert_gt(len, 0);
    if (line[strlen(line) - 1] == '=')
        pad = line[strlen(line) - 2] == '=' ? 2 : 1;
    len -= pad;
    cr_assert_lt(i, (size_t)len);
    raw[i] ^= x;
    EVP_EncodeBlock(enc, raw, len);
    return replace_line(text, n, (const char *)enc);
}

static void expect_verify(int code, const char *msg, const ds_public_key *key, const char *sig,
                          const void *m, size_t mlen)
{
    char *tc = (char *)"unchanged";
    int rc = ds_minisig_verify(key, m, mlen, sig, strlen(sig), &tc);
    cr_assert_eq(rc, code, "got %d (%s), want %d", rc, ds_error_last(), code);
    if (msg)
        cr_assert_str_eq(ds_error_last(), msg);
    if (code != 0)
        cr_assert_null(tc, "trusted comment must not be returned on failure");
    else
        free(tc);
}

static char *message(size_t *len)
{
    return fixture("message.txt", len);
}

/* ---- raw Ed25519 ---- */

Test(ed25519, rfc8032_test_vectors)
{
    unsigned char sig[DS_ED25519_SIG_SIZE];
    char hex[2 * DS_ED25519_SIG_SIZE + 1];
    ds_secret_key *k1 = key_from_seed(seed1_hex), *k2 = key_from_seed(seed2_hex);
    ds_public_key *p1 = pub_of(k1), *p2 = pub_of(k2);

    cr_assert_eq(ds_ed25519_sign(sig, k1, NULL, 0), 0);
    tohex(hex, sig, sizeof sig);
    cr_assert_str_eq(hex, sig1_hex);
    cr_assert_eq(ds_ed25519_verify(p1, sig, "", 0), 0);

    cr_assert_eq(ds_ed25519_sign(sig, k2, "\x72", 1), 0);
    tohex(hex, sig, sizeof sig);
    cr_assert_str_eq(hex, sig2_hex);
    cr_assert_eq(ds_ed25519_verify(p2, sig, "\x72", 1), 0);

    /* tampering: another message, another key, a flipped signature bit */
    cr_assert_eq(ds_ed25519_verify(p2, sig, "\x73", 1), DS_EINTEGRITY);
    cr_assert_str_eq(ds_error_last(),
                     "Ed25519 signature does not verify with key 2CDE887CBD7BBD5B");
    cr_assert_eq(ds_ed25519_verify(p1, sig, "\x72", 1), DS_EINTEGRITY);
    cr_assert_str_eq(ds_error_last(),
                     "Ed25519 signature does not verify with key 10E4DAE5E46C9089");
    sig[63] ^= 0x01;
    cr_assert_eq(ds_ed25519_verify(p2, sig, "\x72", 1), DS_EINTEGRITY);

    ds_public_key_free(p1);
    ds_public_key_free(p2);
    ds_secret_key_free(k1);
    ds_secret_key_free(k2);
}

/* ---- key ids and public keys ---- */

Test(keys, key_id_and_pub_text)
{
    ds_secret_key *k1 = key_from_seed(seed1_hex), *k2 = key_from_seed(seed2_hex);
    ds_public_key *p1 = pub_of(k1), *p2 = pub_of(k2), *back = NULL;
    char id[DS_KEY_ID_HEX_SIZE], *text = NULL;

    ds_public_key_id(p1, id);
    cr_assert_str_eq(id, id1);
    ds_secret_key_id(k1, id);
    cr_assert_str_eq(id, id1);
    ds_public_key_id(p2, id);
    cr_assert_str_eq(id, id2);

    cr_assert_eq(ds_public_key_format(&text, p1, NULL), 0);
    cr_assert_str_eq(text, pub1);
    cr_assert_eq(ds_public_key_parse(&back, text, strlen(text)), 0);
    cr_assert(ds_public_key_equal(back, p1));
    cr_assert_not(ds_public_key_equal(back, p2));
    ds_public_key_id(back, id);
    cr_assert_str_eq(id, id1);
    ds_public_key_free(back);
    free(text);

    cr_assert_eq(ds_public_key_format(&text, p1, "docseal test key"), 0);
    cr_assert_str_eq(text, "untrusted comment: docseal test key\n"
                           "RWSJkGzk5drkENdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\n");
    free(text);
    cr_assert_eq(ds_public_key_format(&text, p1, "two\nlines"), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "public key comment holds a line break");
    cr_assert_null(text);

    ds_public_key_free(p1);
    ds_public_key_free(p2);
    ds_secret_key_free(k1);
    ds_secret_key_free(k2);
}

Test(keys, public_key_parse_forms)
{
    ds_public_key *p = NULL;
    char id[DS_KEY_ID_HEX_SIZE];
    const char *bare = "RWSJkGzk5drkENdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea";
    const char *crlf = "untrusted comment: minisign public key 10E4DAE5E46C9089\r\n"
                       "RWSJkGzk5drkENdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\r\n\r\n";
    const char *bare_nl = "  RWSJkGzk5drkENdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\n";

    cr_assert_eq(ds_public_key_parse(&p, bare, strlen(bare)), 0, "%s", ds_error_last());
    ds_public_key_id(p, id);
    cr_assert_str_eq(id, id1);
    ds_public_key_free(p);
    cr_assert_eq(ds_public_key_parse(&p, crlf, strlen(crlf)), 0, "%s", ds_error_last());
    ds_public_key_free(p);
    cr_assert_eq(ds_public_key_parse(&p, bare_nl, strlen(bare_nl)), 0, "%s", ds_error_last());
    ds_public_key_free(p);
    /* not NUL-terminated: only len bytes are read */
    cr_assert_eq(ds_public_key_parse(&p, bare, 56), 0);
    ds_public_key_free(p);

    /* malformed */
    cr_assert_eq(ds_public_key_parse(&p, bare, 55), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(),
                     "minisign public key: not valid base64 (55 characters, not a multiple of 4)");
    cr_assert_null(p);
    cr_assert_eq(ds_public_key_parse(&p, bare, 52), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "minisign public key: decodes to 39 bytes, expected 42");
    cr_assert_eq(
        ds_public_key_parse(&p, "RWSJkGzk5drkENdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1E!", 56),
        DS_EINVALID);
    cr_assert_str_eq(ds_error_last(),
                     "minisign public key: not valid base64 (bad character at column 56)");
    cr_assert_eq(ds_public_key_parse(&p, "", 0), DS_EINVALID);
    cr_assert_eq(ds_public_key_parse(&p, "untrusted comment: x\n", 21), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "minisign public key: the public key line is missing");
    cr_assert_eq(ds_public_key_parse(&p, "a\nb\n", 4), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(),
                     "minisign public key: not a minisign public key (expected an 'untrusted "
                     "comment:' line or a single base64 line)");
    {
        const char *extra = "untrusted comment: x\n"
                            "RWSJkGzk5drkENdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\nmore\n";
        cr_assert_eq(ds_public_key_parse(&p, extra, strlen(extra)), DS_EINVALID);
        cr_assert_str_eq(ds_error_last(), "minisign public key: unexpected data after line 2");
    }
    /* another algorithm: "Ex" || key id || key */
    cr_assert_eq(
        ds_public_key_parse(&p, "RXiJkGzk5drkENdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea", 56),
        DS_EUNSUPPORTED);
    cr_assert_str_eq(ds_error_last(), "minisign public key: unsupported public key algorithm "
                                      "(0x4578; only 'Ed' is known)");
    cr_assert_null(p);
}

Test(keys, public_key_load_errors)
{
    ds_public_key *p = NULL;
    char *dir = tu_tmpdir(), *path = path_in(dir, "big.pub");
    char *big = malloc(20000);
    memset(big, 'A', 20000);
    tu_write(path, big, 20000);
    cr_assert_eq(ds_public_key_load(&p, "/nonexistent/x.pub"), DS_ENOTFOUND);
    cr_assert_str_eq(ds_error_last(), "/nonexistent/x.pub: No such file or directory");
    cr_assert_eq(ds_public_key_load(&p, path), DS_EINVALID);
    cr_assert(strstr(ds_error_last(), "too large for a public key file (over 16384 bytes)"));
    free(big);
    free(path);
    rm_rf(dir);
    free(dir);
}

/* ---- secret key files ---- */

Test(keyfile, save_matches_openssl_and_reloads)
{
    ds_secret_key *k = key_from_seed(seed1_hex), *back = NULL;
    ds_public_key *p = NULL;
    char *dir = tu_tmpdir(), *kdir = path_in(dir, "new/sub"), *path = path_in(kdir, "a.key");
    char *pub_path = path_in(kdir, "a.key.pub");
    char *want, *got, id[DS_KEY_ID_HEX_SIZE];
    struct stat st;
    unsigned char s1[64], s2[64];

    cr_assert_eq(ds_secret_key_save(k, path, NULL, NULL, 0), 0, "%s", ds_error_last());
    /* byte-identical to `openssl pkey` output for the same seed */
    want = fixture("rfc8032-1.key", NULL);
    got = tu_read(path, NULL);
    cr_assert_str_eq(got, want);
    free(want);
    free(got);
    got = tu_read(pub_path, NULL);
    cr_assert_str_eq(got, pub1);
    free(got);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600);
    cr_assert_eq(stat(pub_path, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0644);
    cr_assert_eq(stat(kdir, &st), 0);
    cr_assert_eq(st.st_mode & 0077, 0, "new key directories are private");

    cr_assert_eq(ds_secret_key_is_encrypted(path), 0);
    cr_assert_eq(ds_secret_key_load(&back, path, NULL), 0, "%s", ds_error_last());
    ds_secret_key_id(back, id);
    cr_assert_str_eq(id, id1);
    cr_assert_eq(ds_ed25519_sign(s1, k, "abc", 3), 0);
    cr_assert_eq(ds_ed25519_sign(s2, back, "abc", 3), 0);
    cr_assert_eq(memcmp(s1, s2, 64), 0);
    cr_assert_eq(ds_public_key_load(&p, pub_path), 0);
    cr_assert_eq(ds_ed25519_verify(p, s2, "abc", 3), 0);

    ds_public_key_free(p);
    ds_secret_key_free(back);
    ds_secret_key_free(k);
    free(path);
    free(pub_path);
    free(kdir);
    rm_rf(dir);
    free(dir);
}

Test(keyfile, refuses_to_overwrite_without_force)
{
    ds_secret_key *k = key_from_seed(seed1_hex), *k2 = key_from_seed(seed2_hex), *back = NULL;
    char *dir = tu_tmpdir(), *path = path_in(dir, "k"), *pub_path = path_in(dir, "k.pub");
    char msg[600], *text, id[DS_KEY_ID_HEX_SIZE];

    cr_assert_eq(ds_secret_key_save(k, path, NULL, NULL, 0), 0);
    cr_assert_eq(ds_secret_key_save(k2, path, NULL, NULL, 0), DS_EEXISTS);
    snprintf(msg, sizeof msg, "%s: already exists (use --force to replace it)", path);
    cr_assert_str_eq(ds_error_last(), msg);
    /* only the .pub left behind: still refused, naming it; nothing written */
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(ds_secret_key_save(k2, path, NULL, NULL, 0), DS_EEXISTS);
    snprintf(msg, sizeof msg, "%s: already exists (use --force to replace it)", pub_path);
    cr_assert_str_eq(ds_error_last(), msg);
    cr_assert_eq(access(path, F_OK), -1);
    text = tu_read(pub_path, NULL);
    cr_assert_str_eq(text, pub1);
    free(text);
    /* force replaces both */
    cr_assert_eq(ds_secret_key_save(k2, path, NULL, NULL, 1), 0);
    cr_assert_eq(ds_secret_key_load(&back, path, NULL), 0);
    ds_secret_key_id(back, id);
    cr_assert_str_eq(id, id2);
    text = tu_read(pub_path, NULL);
    cr_assert(strstr(text, id2));
    free(text);

    ds_secret_key_free(back);
    ds_secret_key_free(k);
    ds_secret_key_free(k2);
    free(path);
    free(pub_path);
    rm_rf(dir);
    free(dir);
}

Test(keyfile, permissions_too_open)
{
    ds_secret_key *k = NULL;
    char *dir = tu_tmpdir(), *path = copy_fixture(dir, "rfc8032-1.key", 0644);
    char msg[600];

    snprintf(msg, sizeof msg,
             "%s: permissions 0644 are too open; the secret key must not be readable by others "
             "(chmod 600 %s)",
             path, path);
    cr_assert_eq(ds_secret_key_load(&k, path, NULL), DS_EPERM);
    cr_assert_str_eq(ds_error_last(), msg);
    cr_assert_null(k);
    cr_assert_eq(ds_secret_key_is_encrypted(path), DS_EPERM);
    cr_assert_str_eq(ds_error_last(), msg);

    cr_assert_eq(chmod(path, 0640), 0);
    cr_assert_eq(ds_secret_key_load(&k, path, NULL), DS_EPERM);
    cr_assert(strstr(ds_error_last(), "permissions 0640 are too open"));
    cr_assert_eq(chmod(path, 0602), 0);
    cr_assert_eq(ds_secret_key_load(&k, path, NULL), DS_EPERM);
    cr_assert(strstr(ds_error_last(), "permissions 0602 are too open"));
    cr_assert_eq(chmod(path, 0400), 0);
    cr_assert_eq(ds_secret_key_load(&k, path, NULL), 0, "%s", ds_error_last());
    ds_secret_key_free(k);

    free(path);
    rm_rf(dir);
    free(dir);
}

Test(keyfile, missing_and_malformed)
{
    ds_secret_key *k = NULL;
    char *dir = tu_tmpdir(), *path = path_in(dir, "junk.key"), *x = NULL;
    char msg[600];

    cr_assert_eq(ds_secret_key_load(&k, "/nonexistent/docseal.key", NULL), DS_ENOTFOUND);
    cr_assert_str_eq(ds_error_last(),
                     "/nonexistent/docseal.key: no such key file (make one with 'docseal keygen')");
    cr_assert_eq(ds_secret_key_is_encrypted("/nonexistent/docseal.key"), DS_ENOTFOUND);

    tu_write(path, "hello\n", 6);
    cr_assert_eq(chmod(path, 0600), 0);
    cr_assert_eq(ds_secret_key_load(&k, path, NULL), DS_EINVALID);
    snprintf(msg, sizeof msg,
             "%s: not a PKCS#8 PEM secret key (no '-----BEGIN PRIVATE KEY-----' or "
             "'-----BEGIN ENCRYPTED PRIVATE KEY-----' line)",
             path);
    cr_assert_str_eq(ds_error_last(), msg);

    /* a PEM label with a broken body */
    {
        const char *pem = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
        tu_write(path, pem, strlen(pem));
    }
    cr_assert_eq(ds_secret_key_load(&k, path, NULL), DS_EINVALID);
    snprintf(msg, sizeof msg, "%s: not a valid secret key file (malformed PRIVATE KEY block)",
             path);
    cr_assert_str_eq(ds_error_last(), msg);
    cr_assert_null(k);
    {
        const char *pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n"
                          "-----END ENCRYPTED PRIVATE KEY-----\n";
        tu_write(path, pem, strlen(pem));
    }
    cr_assert_eq(ds_secret_key_load(&k, path, "pw"), DS_EINVALID);
    snprintf(msg, sizeof msg,
             "%s: not a valid secret key file (malformed ENCRYPTED PRIVATE KEY block)", path);
    cr_assert_str_eq(ds_error_last(), msg);
    cr_assert_null(k);

    /* an X25519 key is PKCS#8 but not a signing key */
    x = copy_fixture(dir, "x25519.key", 0600);
    cr_assert_eq(ds_secret_key_load(&k, x, NULL), DS_EINVALID);
    snprintf(msg, sizeof msg, "%s: not an Ed25519 key (PKCS#8 holds X25519)", x);
    cr_assert_str_eq(ds_error_last(), msg);

    /* a directory */
    cr_assert_eq(ds_secret_key_load(&k, dir, NULL), DS_EINVALID);
    snprintf(msg, sizeof msg, "%s: not a regular file", dir);
    cr_assert_str_eq(ds_error_last(), msg);

    free(x);
    free(path);
    rm_rf(dir);
    free(dir);
}

Test(keyfile, encrypted_round_trip)
{
    ds_secret_key *k = key_from_seed(seed2_hex), *back = NULL;
    char *dir = tu_tmpdir(), *path = path_in(dir, "enc.key"), *pem, msg[600];
    char id[DS_KEY_ID_HEX_SIZE];

    cr_assert_eq(ds_secret_key_save(k, path, passphrase, NULL, 0), 0, "%s", ds_error_last());
    pem = tu_read(path, NULL);
    cr_assert(strncmp(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n", 38) == 0);
    cr_assert_not(strstr(pem, "BEGIN PRIVATE KEY"));
    free(pem);
    cr_assert_eq(ds_secret_key_is_encrypted(path), 1);

    cr_assert_eq(ds_secret_key_load(&back, path, passphrase), 0, "%s", ds_error_last());
    ds_secret_key_id(back, id);
    cr_assert_str_eq(id, id2);
    ds_secret_key_free(back);
    back = NULL;

    cr_assert_eq(ds_secret_key_load(&back, path, "correct horse battery stapl"), DS_EINVALID);
    snprintf(msg, sizeof msg, "%s: cannot decrypt the secret key (wrong passphrase?)", path);
    cr_assert_str_eq(ds_error_last(), msg);
    cr_assert_null(back);
    cr_assert_eq(ds_secret_key_load(&back, path, ""), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), msg);
    cr_assert_eq(ds_secret_key_load(&back, path, NULL), DS_EINVALID);
    snprintf(msg, sizeof msg, "%s: the secret key is encrypted and no passphrase was given", path);
    cr_assert_str_eq(ds_error_last(), msg);

    ds_secret_key_free(k);
    free(path);
    rm_rf(dir);
    free(dir);
}

Test(keyfile, reads_openssl_scrypt_key)
{
    /* made by `openssl pkcs8 -topk8 -scrypt -v2 aes-256-cbc` (see fixtures/keys/README) */
    ds_secret_key *k = NULL;
    char *dir = tu_tmpdir(), *path = copy_fixture(dir, "rfc8032-1-encrypted.key", 0600);
    char id[DS_KEY_ID_HEX_SIZE];
    cr_assert_eq(ds_secret_key_is_encrypted(path), 1);
    cr_assert_eq(ds_secret_key_load(&k, path, passphrase), 0, "%s", ds_error_last());
    ds_secret_key_id(k, id);
    cr_assert_str_eq(id, id1);
    ds_secret_key_free(k);
    free(path);
    rm_rf(dir);
    free(dir);
}

Test(keyfile, default_key_path)
{
    char *p = NULL;
    setenv("XDG_CONFIG_HOME", "/x/config", 1);
    setenv("HOME", "/home/u", 1);
    cr_assert_eq(ds_default_key_path(&p), 0);
    cr_assert_str_eq(p, "/x/config/docseal/docseal.key");
    free(p);
    setenv("XDG_CONFIG_HOME", "relative", 1);
    cr_assert_eq(ds_default_key_path(&p), 0);
    cr_assert_str_eq(p, "/home/u/.config/docseal/docseal.key");
    free(p);
    unsetenv("XDG_CONFIG_HOME");
    cr_assert_eq(ds_default_key_path(&p), 0);
    cr_assert_str_eq(p, "/home/u/.config/docseal/docseal.key");
    free(p);
    unsetenv("HOME");
    cr_assert_eq(ds_default_key_path(&p), DS_ENOTFOUND);
    cr_assert_str_eq(ds_error_last(), "default key path: neither XDG_CONFIG_HOME nor HOME is set");
    cr_assert_null(p);
}

/* ---- minisign signatures ---- */

Test(minisig, known_answer)
{
    ds_secret_key *k = key_from_seed(seed1_hex);
    ds_public_key *p = pub_of(k);
    size_t len;
    char *msg = message(&len), *sig = NULL, *tc = NULL, *file, id[DS_KEY_ID_HEX_SIZE];

    cr_assert_eq(ds_minisig_sign(&sig, k, msg, len, tc1, NULL), 0, "%s", ds_error_last());
    cr_assert_str_eq(sig, minisig1);
    file = fixture("message.txt.docseal.minisig", NULL);
    cr_assert_str_eq(file, minisig1);
    cr_assert_eq(ds_minisig_verify(p, msg, len, sig, strlen(sig), &tc), 0, "%s", ds_error_last());
    cr_assert_str_eq(tc, tc1);
    cr_assert_eq(ds_minisig_key_id(sig, strlen(sig), id), 0);
    cr_assert_str_eq(id, id1);
    free(tc);
    free(sig);
    /* deterministic, and the untrusted comment is free text */
    cr_assert_eq(ds_minisig_sign(&sig, k, msg, len, tc1, "anything"), 0);
    cr_assert_str_eq(strchr(sig, '\n'), strchr(minisig1, '\n'));
    cr_assert(strncmp(sig, "untrusted comment: anything\n", 28) == 0);
    free(sig);
    /* empty message, empty trusted comment */
    cr_assert_eq(ds_minisig_sign(&sig, k, NULL, 0, NULL, NULL), 0);
    cr_assert_eq(ds_minisig_verify(p, "", 0, sig, strlen(sig), &tc), 0, "%s", ds_error_last());
    cr_assert_str_eq(tc, "");
    cr_assert(strstr(sig, "\ntrusted comment: \n"));
    free(tc);
    free(sig);

    free(file);
    free(msg);
    ds_public_key_free(p);
    ds_secret_key_free(k);
}

/* the example of docseal-formats(5), KEYS AND SIGNATURES: "abc" */
Test(minisig, manual_example)
{
    ds_secret_key *k = key_from_seed(seed1_hex);
    char *sig = NULL;
    cr_assert_eq(ds_minisig_sign(&sig, k, "abc", 3, "timestamp:0", NULL), 0);
    cr_assert_str_eq(sig, "untrusted comment: signature from docseal secret key\n"
                          "RUSJkGzk5drkEL/KEmeOD8/likKJaWp70VmAakuifmanMQiQ/D0S4yNbwpClZwHQ"
                          "C5vIvv2jSsw8aq5XcgIyDZ/SPmwm7gyP3wc=\n"
                          "trusted comment: timestamp:0\n"
                          "SojpqiqwJ8y1FgBmTDhIoD6rrdtbgjm5m350S70vEvjeIbnoER0H9NYJxur9qI4h"
                          "RWY+Fm1PyAvxE/jmw6JPDA==\n");
    free(sig);
    ds_secret_key_free(k);
}

Test(minisig, sign_rejects_bad_comments)
{
    ds_secret_key *k = key_from_seed(seed1_hex);
    char *sig = NULL, *longc = malloc(9000);
    cr_assert_eq(ds_minisig_sign(&sig, k, "m", 1, "a\nb", NULL), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "minisign signature: the trusted comment holds a line break");
    cr_assert_eq(ds_minisig_sign(&sig, k, "m", 1, "ok", "a\rb"), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(),
                     "minisign signature: the untrusted comment holds a line break");
    memset(longc, 'c', 8174);
    longc[8174] = '\0';
    cr_assert_eq(ds_minisig_sign(&sig, k, "m", 1, longc, NULL), DS_EINVALID);
    cr_assert_str_eq(
        ds_error_last(),
        "minisign signature: the trusted comment is 8174 bytes long; the limit is 8173");
    longc[8173] = '\0';
    cr_assert_eq(ds_minisig_sign(&sig, k, "m", 1, longc, NULL), 0);
    free(sig);
    longc[1004] = '\0';
    cr_assert_eq(ds_minisig_sign(&sig, k, "m", 1, "t", longc), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "minisign signature: the untrusted comment is 1004 bytes "
                                      "long; the limit is 1003");
    cr_assert_null(sig);
    free(longc);
    ds_secret_key_free(k);
}

Test(minisig, tampering_is_detected)
{
    ds_secret_key *k1 = key_from_seed(seed1_hex), *k2 = key_from_seed(seed2_hex);
    ds_public_key *p1 = pub_of(k1), *p2 = pub_of(k2), *p2_as_1 = NULL;
    size_t len;
    char *msg = message(&len), *bad;
    const char *sigfail = "minisign signature: signature verification failed (the message or the "
                          "signature was altered, or another key signed it)";
    const char *tcfail = "minisign signature: trusted comment signature verification failed (the "
                         "trusted comment was altered)";

    expect_verify(0, NULL, p1, minisig1, msg, len);

    /* a flipped message byte, first and last */
    msg[0] ^= 1;
    expect_verify(DS_EINTEGRITY, sigfail, p1, minisig1, msg, len);
    msg[0] ^= 1;
    msg[len - 1] ^= 0x80;
    expect_verify(DS_EINTEGRITY, sigfail, p1, minisig1, msg, len);
    msg[len - 1] ^= 0x80;
    expect_verify(DS_EINTEGRITY, sigfail, p1, minisig1, msg, len - 1);

    /* a flipped signature byte (line 2, after alg and key id) */
    bad = flip_b64_line(minisig1, 2, 10, 0x01);
    expect_verify(DS_EINTEGRITY, sigfail, p1, bad, msg, len);
    free(bad);
    bad = flip_b64_line(minisig1, 2, 73, 0x40);
    expect_verify(DS_EINTEGRITY, sigfail, p1, bad, msg, len);
    free(bad);

    /* a flipped global signature byte */
    bad = flip_b64_line(minisig1, 4, 0, 0x01);
    expect_verify(DS_EINTEGRITY, tcfail, p1, bad, msg, len);
    free(bad);

    /* an edited trusted comment */
    bad = replace_line(minisig1, 3,
                       "trusted comment: timestamp:1700000001\tfile:message.txt\thashed");
    expect_verify(DS_EINTEGRITY, tcfail, p1, bad, msg, len);
    free(bad);
    bad =
        replace_line(minisig1, 3, "trusted comment: timestamp:1700000000\tfile:message.txt\thashe");
    expect_verify(DS_EINTEGRITY, tcfail, p1, bad, msg, len);
    free(bad);

    /* the untrusted comment is not signed */
    bad = replace_line(minisig1, 1, "untrusted comment: edited freely");
    expect_verify(0, NULL, p1, bad, msg, len);
    free(bad);

    /* another key: key ids differ */
    expect_verify(DS_EINTEGRITY,
                  "signature key id 10E4DAE5E46C9089 does not match public key "
                  "2CDE887CBD7BBD5B",
                  p2, minisig1, msg, len);
    /* another key carrying our key id: the signature itself fails */
    {
        char *t = NULL, *t2;
        cr_assert_eq(ds_public_key_format(&t, p2, NULL), 0);
        /* bytes 2..9 of the .pub line are the key id: 5B BD 7B BD 7C 88 DE 2C -> 89 90 6C E4 E5 DA
         * E4 10 */
        t2 = flip_b64_line(t, 2, 2, 0x5b ^ 0x89);
        free(t);
        t = flip_b64_line(t2, 2, 3, 0xbd ^ 0x90);
        free(t2);
        t2 = flip_b64_line(t, 2, 4, 0x7b ^ 0x6c);
        free(t);
        t = flip_b64_line(t2, 2, 5, 0xbd ^ 0xe4);
        free(t2);
        t2 = flip_b64_line(t, 2, 6, 0x7c ^ 0xe5);
        free(t);
        t = flip_b64_line(t2, 2, 7, 0x88 ^ 0xda);
        free(t2);
        t2 = flip_b64_line(t, 2, 8, 0xde ^ 0xe4);
        free(t);
        t = flip_b64_line(t2, 2, 9, 0x2c ^ 0x10);
        free(t2);
        cr_assert_eq(ds_public_key_parse(&p2_as_1, t, strlen(t)), 0, "%s", ds_error_last());
        free(t);
    }
    {
        char id[DS_KEY_ID_HEX_SIZE];
        ds_public_key_id(p2_as_1, id);
        cr_assert_str_eq(id, id1);
    }
    expect_verify(DS_EINTEGRITY, sigfail, p2_as_1, minisig1, msg, len);

    /* a changed key id in the signature */
    bad = flip_b64_line(minisig1, 2, 2, 0x01);
    expect_verify(DS_EINTEGRITY,
                  "signature key id 10E4DAE5E46C9088 does not match public key "
                  "10E4DAE5E46C9089",
                  p1, bad, msg, len);
    free(bad);

    /* the legacy algorithm tag on a prehashed signature: Ed25519 over the raw message fails */
    bad = flip_b64_line(minisig1, 2, 1, 'D' ^ 'd');
    expect_verify(DS_EINTEGRITY, sigfail, p1, bad, msg, len);
    free(bad);

    ds_public_key_free(p2_as_1);
    ds_public_key_free(p1);
    ds_public_key_free(p2);
    ds_secret_key_free(k1);
    ds_secret_key_free(k2);
    free(msg);
}

Test(minisig, malformed_signatures)
{
    ds_secret_key *k1 = key_from_seed(seed1_hex);
    ds_public_key *p1 = pub_of(k1);
    size_t len;
    char *msg = message(&len), *bad, line2[128], id[DS_KEY_ID_HEX_SIZE];
    const char *l2 = "RUSJkGzk5drkEHYzaaugf8dit9OYdtfR+"
                     "ZlXhgTiBOIEklO9AI3eaaVQiAp06n3ujNToRg7lYqxP9OT1UBT48pawgsH0"
                     "PWiutQw=";

    /* truncated base64 */
    snprintf(line2, sizeof line2, "%.96s", l2);
    bad = replace_line(minisig1, 2, line2);
    expect_verify(DS_EINVALID, "minisign signature: line 2: decodes to 72 bytes, expected 74", p1,
                  bad, msg, len);
    free(bad);
    snprintf(line2, sizeof line2, "%.99s", l2);
    bad = replace_line(minisig1, 2, line2);
    expect_verify(DS_EINVALID,
                  "minisign signature: line 2: not valid base64 (99 characters, not a multiple "
                  "of 4)",
                  p1, bad, msg, len);
    free(bad);
    /* too long: one more group */
    snprintf(line2, sizeof line2, "%.96sAAAAAAA=", l2);
    bad = replace_line(minisig1, 2, line2);
    expect_verify(DS_EINVALID, "minisign signature: line 2: decodes to 77 bytes, expected 74", p1,
                  bad, msg, len);
    free(bad);
    /* garbage characters, padding in the middle, whitespace */
    snprintf(line2, sizeof line2, "%.10s*%s", l2, l2 + 11);
    bad = replace_line(minisig1, 2, line2);
    expect_verify(DS_EINVALID,
                  "minisign signature: line 2: not valid base64 (bad character at "
                  "column 11)",
                  p1, bad, msg, len);
    free(bad);
    snprintf(line2, sizeof line2, "%.10s=%s", l2, l2 + 11);
    bad = replace_line(minisig1, 2, line2);
    expect_verify(DS_EINVALID,
                  "minisign signature: line 2: not valid base64 (bad character at "
                  "column 11)",
                  p1, bad, msg, len);
    free(bad);
    snprintf(line2, sizeof line2, " %.99s", l2);
    bad = replace_line(minisig1, 2, line2);
    expect_verify(DS_EINVALID,
                  "minisign signature: line 2: not valid base64 (bad character at "
                  "column 1)",
                  p1, bad, msg, len);
    free(bad);
    /* non-canonical: unused low bits set in the last group ("w=" -> "x=") */
    snprintf(line2, sizeof line2, "%.98sx=", l2);
    bad = replace_line(minisig1, 2, line2);
    expect_verify(DS_EINVALID, "minisign signature: line 2: not canonical base64", p1, bad, msg,
                  len);
    free(bad);
    /* global signature truncated */
    bad = replace_line(minisig1, 4, "HKGjoBxU5Eqhm0kxlt1a5YiZ7RIajWKHfKBw1T5AP07Pa5U6D2AoDFt2");
    expect_verify(DS_EINVALID, "minisign signature: line 4: decodes to 42 bytes, expected 64", p1,
                  bad, msg, len);
    free(bad);
    /* unknown algorithm "EX" */
    bad = flip_b64_line(minisig1, 2, 1, 'D' ^ 'X');
    expect_verify(DS_EUNSUPPORTED,
                  "minisign signature: unsupported algorithm \"EX\" (known: \"ED\", \"Ed\")", p1,
                  bad, msg, len);
    /* the key id is still readable */
    cr_assert_eq(ds_minisig_key_id(bad, strlen(bad), id), 0);
    cr_assert_str_eq(id, id1);
    free(bad);
    bad = flip_b64_line(minisig1, 2, 0, 'E' ^ 0x01);
    expect_verify(DS_EUNSUPPORTED,
                  "minisign signature: unsupported algorithm 0x0144 (known: \"ED\", \"Ed\")", p1,
                  bad, msg, len);
    free(bad);
    /* bad prefixes */
    bad = replace_line(minisig1, 1, "untrusted comment:no space");
    expect_verify(DS_EINVALID,
                  "minisign signature: line 1 does not start with \"untrusted comment: \"", p1, bad,
                  msg, len);
    free(bad);
    bad = replace_line(minisig1, 3, "Trusted comment: timestamp:1700000000");
    expect_verify(DS_EINVALID,
                  "minisign signature: line 3 does not start with \"trusted comment: \"", p1, bad,
                  msg, len);
    free(bad);
    /* missing lines: cut after line 1, 2, 3 */
    {
        const char *cuts[] = {
            "minisign signature: the signature line (line 2) is missing",
            "minisign signature: the trusted comment line (line 3) is missing",
            "minisign signature: the global signature line (line 4) is missing",
        };
        const char *p = minisig1;
        int i;
        for (i = 0; i < 3; i++) {
            char *t;
            p = strchr(p, '\n') + 1;
            t = strndup(minisig1, (size_t)(p - minisig1));
            expect_verify(DS_EINVALID, cuts[i], p1, t, msg, len);
            free(t);
        }
    }
    expect_verify(DS_EINVALID, "minisign signature: empty", p1, "", msg, len);
    /* the last newline is optional; CRLF works; trailing blank lines are fine */
    {
        char *t = strndup(minisig1, strlen(minisig1) - 1);
        expect_verify(0, NULL, p1, t, msg, len);
        free(t);
        t = malloc(strlen(minisig1) + 8);
        strcpy(t, minisig1);
        strcat(t, "\n\r\n");
        expect_verify(0, NULL, p1, t, msg, len);
        strcat(t, "x");
        expect_verify(DS_EINVALID, "minisign signature: unexpected data after line 4", p1, t, msg,
                      len);
        free(t);
    }
    {
        char t[1024];
        const char *s = minisig1;
        size_t o = 0;
        for (; *s; s++) {
            if (*s == '\n')
                t[o++] = '\r';
            t[o++] = *s;
        }
        t[o] = '\0';
        expect_verify(0, NULL, p1, t, msg, len);
    }
    /* a stray carriage return and a NUL inside a line */
    bad = replace_line(minisig1, 3, "trusted comment: timestamp:1700000000\rfile:message.txt");
    expect_verify(DS_EINVALID, "minisign signature: line 3 holds a carriage return character", p1,
                  bad, msg, len);
    free(bad);
    {
        char t[1024];
        size_t n = strlen(minisig1);
        char *tc;
        memcpy(t, minisig1, n + 1);
        t[25] = '\0';
        cr_assert_eq(ds_minisig_verify(p1, msg, len, t, n, &tc), DS_EINVALID);
        cr_assert_str_eq(ds_error_last(), "minisign signature: line 1 holds a NUL character");
        /* only sig_len bytes are read: a prefix of the text is incomplete */
        cr_assert_eq(ds_minisig_verify(p1, msg, len, minisig1, 60, &tc), DS_EINVALID);
        cr_assert_str_eq(ds_error_last(), "minisign signature: line 2: not valid base64 (7 "
                                          "characters, not a multiple of 4)");
    }
    /* comments over minisign's limits */
    {
        char *t = malloc(9000 + strlen(minisig1));
        char *c = malloc(8200);
        strcpy(c, "trusted comment: ");
        memset(c + 17, 'x', 8174);
        c[17 + 8174] = '\0';
        free(t);
        t = replace_line(minisig1, 3, c);
        expect_verify(DS_EINVALID,
                      "minisign signature: the trusted comment is longer than 8173 "
                      "bytes",
                      p1, t, msg, len);
        free(t);
        strcpy(c, "untrusted comment: ");
        memset(c + 19, 'x', 1004);
        c[19 + 1004] = '\0';
        t = replace_line(minisig1, 1, c);
        expect_verify(DS_EINVALID,
                      "minisign signature: the untrusted comment is longer than 1003 "
                      "bytes",
                      p1, t, msg, len);
        cr_assert_eq(ds_minisig_key_id(t, strlen(t), id), DS_EINVALID);
        cr_assert_str_eq(id, "");
        free(t);
        free(c);
    }

    free(msg);
    ds_public_key_free(p1);
    ds_secret_key_free(k1);
}

/* ---- interop with real minisign output ---- */

Test(interop, minisign_fixtures_verify)
{
    ds_public_key *mp = fixture_pub("minisign.pub"), *p1 = NULL;
    ds_secret_key *k1 = key_from_seed(seed1_hex);
    size_t len, slen;
    char *msg = message(&len), *sig, *tc = NULL, id[DS_KEY_ID_HEX_SIZE];

    ds_public_key_id(mp, id);
    cr_assert_str_eq(id, "ECFA3903008C14E5");

    sig = fixture("message.txt.minisig", &slen);
    cr_assert_eq(ds_minisig_key_id(sig, slen, id), 0);
    cr_assert_str_eq(id, "ECFA3903008C14E5");
    cr_assert_eq(ds_minisig_verify(mp, msg, len, sig, slen, &tc), 0, "%s", ds_error_last());
    cr_assert_str_eq(tc, "timestamp:1700000000\tfile:message.txt\thashed");
    free(tc);
    msg[3] ^= 0x20;
    expect_verify(DS_EINTEGRITY, NULL, mp, sig, msg, len);
    msg[3] ^= 0x20;
    p1 = pub_of(k1);
    expect_verify(DS_EINTEGRITY,
                  "signature key id ECFA3903008C14E5 does not match public key 10E4DAE5E46C9089",
                  p1, sig, msg, len);
    free(sig);

    sig = fixture("message.txt.legacy.minisig", &slen);
    cr_assert(strncmp(strchr(sig, '\n') + 1, "RWT", 3) == 0, "legacy 'Ed' signature line");
    cr_assert_eq(ds_minisig_verify(mp, msg, len, sig, slen, &tc), 0, "%s", ds_error_last());
    cr_assert_str_eq(tc, "legacy signature of message.txt");
    free(tc);
    msg[len - 2] ^= 1;
    expect_verify(DS_EINTEGRITY,
                  "minisign signature: signature verification failed (the message or the "
                  "signature was altered, or another key signed it)",
                  mp, sig, msg, len);
    free(sig);

    free(msg);
    ds_public_key_free(p1);
    ds_public_key_free(mp);
    ds_secret_key_free(k1);
}

static int sh(const char *fmt, const char *dir)
{
    char cmd[8192];
    int st;
    snprintf(cmd, sizeof cmd, fmt, dir, dir, dir, dir, dir, dir, dir, dir);
    st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(interop, live_minisign_verifies_ours)
{
    ds_secret_key *k = NULL;
    ds_public_key *p = NULL;
    char *dir = tu_tmpdir(), *path = path_in(dir, "m.txt"), *sig = NULL, *pub = NULL;
    const char *m = "a message to check with the real minisign\n";
    char *sigpath = path_in(dir, "m.txt.minisig"), *pubpath = path_in(dir, "k.pub");

    cr_assert_eq(ds_secret_key_generate(&k), 0);
    p = pub_of(k);
    cr_assert_eq(ds_minisig_sign(&sig, k, m, strlen(m), "docseal interop\ttab", NULL), 0);
    cr_assert_eq(ds_public_key_format(&pub, p, NULL), 0);
    tu_write(path, m, strlen(m));
    tu_write(sigpath, sig, strlen(sig));
    tu_write(pubpath, pub, strlen(pub));

    cr_assert_eq(sh("minisign -Vm %s/m.txt -p %s/k.pub -x %s/m.txt.minisig >%s/out 2>&1", dir), 0,
                 "minisign rejected our signature");
    {
        char o[4200], *res;
        snprintf(o, sizeof o, "%s/out", dir);
        res = tu_read(o, NULL);
        cr_assert_str_eq(res, "Signature and comment signature verified\n"
                              "Trusted comment: docseal interop\ttab\n");
        free(res);
    }
    /* minisign -H (prehashed only) also accepts ours: we use "ED" */
    cr_assert_eq(sh("minisign -VHm %s/m.txt -p %s/k.pub -x %s/m.txt.minisig -q", dir), 0);
    /* a tampered copy fails in minisign too */
    tu_write(path, "A message to check with the real minisign\n", strlen(m));
    cr_assert_eq(sh("minisign -Vm %s/m.txt -p %s/k.pub -x %s/m.txt.minisig -q 2>/dev/null", dir),
                 1);
    /* and a tampered trusted comment */
    tu_write(path, m, strlen(m));
    {
        char *bad = replace_line(sig, 3, "trusted comment: docseal interop\ttaB");
        tu_write(sigpath, bad, strlen(bad));
        free(bad);
    }
    cr_assert_eq(sh("minisign -Vm %s/m.txt -p %s/k.pub -x %s/m.txt.minisig -q 2>/dev/null", dir),
                 1);

    free(sig);
    free(pub);
    free(path);
    free(sigpath);
    free(pubpath);
    ds_public_key_free(p);
    ds_secret_key_free(k);
    rm_rf(dir);
    free(dir);
}

Test(interop, live_minisign_signatures_verify_with_ours)
{
    char *dir = tu_tmpdir(), *pubpath = path_in(dir, "mk.pub"), *msgpath = path_in(dir, "doc");
    char *sigpath = path_in(dir, "doc.minisig"), *legpath = path_in(dir, "doc.legacy");
    ds_public_key *p = NULL;
    char *msg, *sig, *tc = NULL;
    size_t len, slen;
    int i;

    /* a message with every byte value */
    msg = malloc(70000);
    for (i = 0; i < 70000; i++)
        msg[i] = (char)(i * 7 + i / 256);
    tu_write(msgpath, msg, 70000);
    free(msg);
    cr_assert_eq(sh("minisign -G -W -p %s/mk.pub -s %s/mk.key >/dev/null", dir), 0);
    cr_assert_eq(sh("minisign -S -s %s/mk.key -m %s/doc -x %s/doc.minisig -t 'live trusted' "
                    ">/dev/null",
                    dir),
                 0);
    cr_assert_eq(sh("minisign -S -l -s %s/mk.key -m %s/doc -x %s/doc.legacy -t 'live legacy' "
                    ">/dev/null",
                    dir),
                 0);
    cr_assert_eq(ds_public_key_load(&p, pubpath), 0, "%s", ds_error_last());
    msg = tu_read(msgpath, &len);

    sig = tu_read(sigpath, &slen);
    cr_assert_eq(ds_minisig_verify(p, msg, len, sig, slen, &tc), 0, "%s", ds_error_last());
    cr_assert_str_eq(tc, "live trusted");
    free(tc);
    free(sig);

    sig = tu_read(legpath, &slen);
    cr_assert_eq(ds_minisig_verify(p, msg, len, sig, slen, &tc), 0, "%s", ds_error_last());
    cr_assert_str_eq(tc, "live legacy");
    free(tc);
    msg[69999] ^= 1;
    cr_assert_eq(ds_minisig_verify(p, msg, len, sig, slen, NULL), DS_EINTEGRITY);
    free(sig);

    free(msg);
    ds_public_key_free(p);
    free(pubpath);
    free(msgpath);
    free(sigpath);
    free(legpath);
    rm_rf(dir);
    free(dir);
}

/* ---- docseal keygen ---- */

Test(cli_keygen, makes_key_pair_and_refuses_overwrite)
{
    char *dir = tu_tmpdir(), *out, *err, want[4200], id[17], *pub, *key;
    struct stat st;
    ds_secret_key *k = NULL;
    char kid[DS_KEY_ID_HEX_SIZE];

    unsetenv("DOCSEAL_PASSPHRASE");
    cr_assert_eq(tu_run(&out, &err, "keygen -o %s/keys/my.key --no-passphrase </dev/null", dir), 0,
                 "%s", err);
    cr_assert_str_eq(err, "");
    snprintf(want, sizeof want,
             "secret key: %s/keys/my.key\npublic key: %s/keys/my.key.pub\nkey id: ", dir, dir);
    cr_assert(strncmp(out, want, strlen(want)) == 0, "%s", out);
    cr_assert_eq(strlen(out), strlen(want) + 17);
    memcpy(id, out + strlen(want), 16);
    id[16] = '\0';
    cr_assert_eq(strspn(id, "0123456789ABCDEF"), 16);
    free(out);
    free(err);

    snprintf(want, sizeof want, "%s/keys/my.key.pub", dir);
    pub = tu_read(want, NULL);
    cr_assert(strncmp(pub, "untrusted comment: minisign public key ", 39) == 0);
    cr_assert(strncmp(pub + 39, id, 16) == 0);
    free(pub);
    snprintf(want, sizeof want, "%s/keys/my.key", dir);
    key = tu_read(want, NULL);
    cr_assert(strncmp(key, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
    free(key);
    cr_assert_eq(stat(want, &st), 0);
    cr_assert_eq(st.st_mode & 07777, 0600);
    cr_assert_eq(ds_secret_key_load(&k, want, NULL), 0, "%s", ds_error_last());
    ds_secret_key_id(k, kid);
    cr_assert_str_eq(kid, id);
    ds_secret_key_free(k);

    cr_assert_eq(tu_run(&out, &err, "keygen -o %s/keys/my.key --no-passphrase </dev/null", dir), 2);
    cr_assert_str_eq(out, "");
    snprintf(want, sizeof want,
             "docseal: %s/keys/my.key: already exists (use --force to replace it)\n", dir);
    cr_assert_str_eq(err, want);
    free(out);
    free(err);

    cr_assert_eq(tu_run(&out, &err,
                        "keygen -o %s/keys/my.key --force --no-passphrase "
                        "--comment 'my key' </dev/null",
                        dir),
                 0, "%s", err);
    cr_assert_not(strstr(out, id), "--force made a new key");
    free(out);
    free(err);
    snprintf(want, sizeof want, "%s/keys/my.key.pub", dir);
    pub = tu_read(want, NULL);
    cr_assert(strncmp(pub, "untrusted comment: my key\nRW", 28) == 0);
    free(pub);

    rm_rf(dir);
    free(dir);
}

Test(cli_keygen, passphrase_sources)
{
    char *dir = tu_tmpdir(), *out, *err, path[4200], *pem, want[4200];
    ds_secret_key *k = NULL;

    snprintf(path, sizeof path, "%s/pass", dir);
    tu_write(path, "s3cret words\nsecond line ignored\n", 33);
    unsetenv("DOCSEAL_PASSPHRASE");
    cr_assert_eq(tu_run(&out, &err, "keygen -o %s/a.key --passphrase-file %s/pass", dir, dir), 0,
                 "%s", err);
    free(out);
    free(err);
    snprintf(path, sizeof path, "%s/a.key", dir);
    pem = tu_read(path, NULL);
    cr_assert(strncmp(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n", 38) == 0);
    free(pem);
    cr_assert_eq(ds_secret_key_load(&k, path, "s3cret words"), 0, "%s", ds_error_last());
    ds_secret_key_free(k);

    setenv("DOCSEAL_PASSPHRASE", "from the environment", 1);
    cr_assert_eq(tu_run(&out, &err, "keygen -o %s/b.key </dev/null", dir), 0, "%s", err);
    free(out);
    free(err);
    snprintf(path, sizeof path, "%s/b.key", dir);
    cr_assert_eq(ds_secret_key_is_encrypted(path), 1);
    cr_assert_eq(ds_secret_key_load(&k, path, "from the environment"), 0, "%s", ds_error_last());
    ds_secret_key_free(k);

    /* --no-passphrase wins over the environment */
    cr_assert_eq(tu_run(&out, &err, "keygen -o %s/c.key --no-passphrase", dir), 0, "%s", err);
    free(out);
    free(err);
    snprintf(path, sizeof path, "%s/c.key", dir);
    cr_assert_eq(ds_secret_key_is_encrypted(path), 0);
    unsetenv("DOCSEAL_PASSPHRASE");

    /* an empty passphrase file is an error, not a silently unencrypted key */
    snprintf(path, sizeof path, "%s/empty", dir);
    tu_write(path, "\n", 1);
    cr_assert_eq(tu_run(&out, &err, "keygen -o %s/d.key --passphrase-file %s/empty", dir, dir), 2);
    snprintf(want, sizeof want,
             "docseal: %s/empty: the passphrase is empty (use --no-passphrase for an unencrypted "
             "secret key)\n",
             dir);
    cr_assert_str_eq(err, want);
    free(out);
    free(err);
    snprintf(path, sizeof path, "%s/d.key", dir);
    cr_assert_eq(access(path, F_OK), -1);

    rm_rf(dir);
    free(dir);
}

Test(cli_keygen, usage_errors_and_default_path)
{
    char *dir = tu_tmpdir(), *out, *err, want[4200];
    struct stat st;

    cr_assert_eq(tu_run(&out, &err, "keygen extra"), 2);
    cr_assert_str_eq(err, "docseal: keygen: unexpected argument 'extra'\n"
                          "Try 'docseal keygen --help'.\n");
    free(out);
    free(err);
    cr_assert_eq(tu_run(&out, &err, "keygen --no-passphrase --passphrase-file x"), 2);
    cr_assert_str_eq(err, "docseal: keygen: --no-passphrase and --passphrase-file exclude each "
                          "other\nTry 'docseal keygen --help'.\n");
    free(out);
    free(err);
    cr_assert_eq(tu_run(&out, &err, "keygen --bogus"), 2);
    free(out);
    free(err);
    cr_assert_eq(tu_run(&out, &err, "keygen --help"), 0);
    cr_assert(strstr(out, "Usage: docseal keygen [OPTIONS]\n"));
    cr_assert(strstr(out, "  -o, --output PATH "));
    cr_assert(strstr(out, "      --passphrase-file FILE "));
    cr_assert(strstr(out, "      --no-passphrase "));
    cr_assert(strstr(out, "  -f, --force "));
    cr_assert(strstr(out, "      --comment TEXT "));
    free(out);
    free(err);

    /* default path under $XDG_CONFIG_HOME, directories made private */
    snprintf(want, sizeof want, "%s/xdg", dir);
    setenv("XDG_CONFIG_HOME", want, 1);
    cr_assert_eq(tu_run(&out, &err, "keygen --no-passphrase </dev/null"), 0, "%s", err);
    snprintf(want, sizeof want, "secret key: %s/xdg/docseal/docseal.key\n", dir);
    cr_assert(strncmp(out, want, strlen(want)) == 0, "%s", out);
    free(out);
    free(err);
    snprintf(want, sizeof want, "%s/xdg/docseal", dir);
    cr_assert_eq(stat(want, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700);
    unsetenv("XDG_CONFIG_HOME");

    rm_rf(dir);
    free(dir);
}
