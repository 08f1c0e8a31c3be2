/*
 * sign.c - Ed25519 key pairs (generation, PKCS#8 PEM files, key ids) and raw
 * Ed25519 signatures, all through OpenSSL 3 EVP. The minisign text formats
 * (.pub, .minisig) live in minisig.c.
 *
 * Secret key file: PKCS#8 PrivateKeyInfo (RFC 5958) in PEM ("PRIVATE KEY"),
 * or, with a passphrase, EncryptedPrivateKeyInfo ("ENCRYPTED PRIVATE KEY")
 * using PBES2 (RFC 8018) with scrypt (RFC 7914: N = 16384, r = 8, p = 1,
 * 16-byte random salt) and AES-256-CBC (random 16-byte IV). These are the
 * parameters `openssl pkcs8 -topk8 -scrypt` uses, so stock OpenSSL reads the
 * file; scrypt at N = 16384 needs 16 MiB, under OpenSSL's 32 MiB default cap.
 */
#include "sign_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#define SECRET_KEY_FILE_MAX 65536 /* a PKCS#8 PEM Ed25519 key is ~120-300 bytes */
#define SCRYPT_N 16384
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SCRYPT_SALT_SIZE 16

static const char key_id_context[] = "docseal key id"; /* 14 bytes, no NUL hashed */
static const char pem_plain[] = "-----BEGIN PRIVATE KEY-----";
static const char pem_encrypted[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

int ds__ossl_error(int code, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    char reason[256];
    if (e)
        ERR_error_string_n(e, reason, sizeof reason);
    else
        snprintf(reason, sizeof reason, "OpenSSL call failed");
    ERR_clear_error();
    return ds__error_set(code, "%s: %s", what, reason);
}

int ds__blake2b512(unsigned char out[DS__BLAKE2B_SIZE], const void *a, size_t alen, const void *b,
                   size_t blen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_blake2b512(), NULL) == 1 &&
             (alen == 0 || EVP_DigestUpdate(ctx, a, alen) == 1) &&
             (blen == 0 || EVP_DigestUpdate(ctx, b, blen) == 1) &&
             EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == DS__BLAKE2B_SIZE;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : ds__ossl_error(DS_ERROR, "BLAKE2b-512");
}

void ds__key_id_hex(char hex[DS_KEY_ID_HEX_SIZE], const unsigned char id[DS__KEY_ID_SIZE])
{
    static const char digits[] = "0123456789ABCDEF";
    size_t i;
    /* little-endian: the last byte is the most significant */
    for (i = 0; i < DS__KEY_ID_SIZE; i++) {
        unsigned char c = id[DS__KEY_ID_SIZE - 1 - i];
        hex[2 * i] = digits[c >> 4];
        hex[2 * i + 1] = digits[c & 15];
    }
    hex[2 * DS__KEY_ID_SIZE] = '\0';
}

int ds__ed25519_sign(unsigned char sig[DS_ED25519_SIG_SIZE], EVP_PKEY *pkey, const void *msg,
                     size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t siglen = DS_ED25519_SIG_SIZE;
    int ok = ctx && EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) == 1 &&
             EVP_DigestSign(ctx, sig, &siglen, msg ? msg : (const void *)"", len) == 1 &&
             siglen == DS_ED25519_SIG_SIZE;
    EVP_MD_CTX_free(ctx);
    return ok ? 0 : ds__ossl_error(DS_ERROR, "Ed25519 signing");
}

int ds__ed25519_check(EVP_PKEY *pkey, const unsigned char sig[DS_ED25519_SIG_SIZE], const void *msg,
                      size_t len)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc;
    if (!ctx || EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1) {
        EVP_MD_CTX_free(ctx);
        return ds__ossl_error(DS_ERROR, "Ed25519 verification");
    }
    rc = EVP_DigestVerify(ctx, sig, DS_ED25519_SIG_SIZE, msg ? msg : (const void *)"", len);
    EVP_MD_CTX_free(ctx);
    ERR_clear_error(); /* a failed verification leaves entries behind */
    return rc == 1;
}

static int key_id_derive(unsigned char id[DS__KEY_ID_SIZE], const unsigned char pk[DS__PK_SIZE])
{
    unsigned char h[DS__BLAKE2B_SIZE];
    int err = ds__blake2b512(h, key_id_context, sizeof key_id_context - 1, pk, DS__PK_SIZE);
    if (err == 0)
        memcpy(id, h, DS__KEY_ID_SIZE);
    return err;
}

/* Wrap an Ed25519 private EVP_PKEY (ownership taken, also on failure). */
static int secret_key_wrap(ds_secret_key **out, EVP_PKEY *pkey)
{
    ds_secret_key *k = NULL;
    size_t n = DS__PK_SIZE;
    int err;

    *out = NULL;
    if (!(k = ds__calloc(1, sizeof *k))) {
        EVP_PKEY_free(pkey);
        return DS_ENOMEM;
    }
    k->pkey = pkey;
    if (EVP_PKEY_get_raw_public_key(pkey, k->pk, &n) != 1 || n != DS__PK_SIZE) {
        err = ds__ossl_error(DS_ERROR, "Ed25519 public key");
        goto fail;
    }
    if ((err = key_id_derive(k->key_id, k->pk)) < 0)
        goto fail;
    *out = k;
    return 0;
fail:
    ds_secret_key_free(k);
    return err;
}

int ds_secret_key_generate(ds_secret_key **out)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    EVP_PKEY *pkey = NULL;

    *out = NULL;
    if (!ctx || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &pkey) != 1) {
        EVP_PKEY_CTX_free(ctx);
        return ds__ossl_error(DS_ERROR, "Ed25519 key generation");
    }
    EVP_PKEY_CTX_free(ctx);
    return secret_key_wrap(out, pkey);
}

int ds_secret_key_from_seed(ds_secret_key **out, const unsigned char seed[DS_ED25519_SEED_SIZE])
{
    EVP_PKEY *pkey =
        EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, DS_ED25519_SEED_SIZE);
    *out = NULL;
    if (!pkey)
        return ds__ossl_error(DS_ERROR, "Ed25519 key from seed");
    return secret_key_wrap(out, pkey);
}

void ds_secret_key_free(ds_secret_key *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey); /* OpenSSL wipes the private key */
    OPENSSL_cleanse(key, sizeof *key);
    free(key);
}

int ds__public_key_new(ds_public_key **out, const unsigned char pk[DS__PK_SIZE],
                       const unsigned char key_id[DS__KEY_ID_SIZE])
{
    ds_public_key *k;

    *out = NULL;
    if (!(k = ds__calloc(1, sizeof *k)))
        return DS_ENOMEM;
    k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, DS__PK_SIZE);
    if (!k->pkey) {
        free(k);
        return ds__ossl_error(DS_EINVALID, "Ed25519 public key");
    }
    memcpy(k->pk, pk, DS__PK_SIZE);
    memcpy(k->key_id, key_id, DS__KEY_ID_SIZE);
    *out = k;
    return 0;
}

int ds_secret_key_public(ds_public_key **out, const ds_secret_key *key)
{
    return ds__public_key_new(out, key->pk, key->key_id);
}

void ds_public_key_free(ds_public_key *key)
{
    if (!key)
        return;
    EVP_PKEY_free(key->pkey);
    free(key);
}

void ds_public_key_id(const ds_public_key *key, char hex[DS_KEY_ID_HEX_SIZE])
{
    ds__key_id_hex(hex, key->key_id);
}

void ds_secret_key_id(const ds_secret_key *key, char hex[DS_KEY_ID_HEX_SIZE])
{
    ds__key_id_hex(hex, key->key_id);
}

int ds_public_key_equal(const ds_public_key *a, const ds_public_key *b)
{
    return CRYPTO_memcmp(a->pk, b->pk, DS__PK_SIZE) == 0;
}

int ds_ed25519_sign(unsigned char sig[DS_ED25519_SIG_SIZE], const ds_secret_key *key,
                    const void *msg, size_t len)
{
    return ds__ed25519_sign(sig, key->pkey, msg, len);
}

int ds_ed25519_verify(const ds_public_key *key, const unsigned char sig[DS_ED25519_SIG_SIZE],
                      const void *msg, size_t len)
{
    int rc = ds__ed25519_check(key->pkey, sig, msg, len);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        char hex[DS_KEY_ID_HEX_SIZE];
        ds__key_id_hex(hex, key->key_id);
        return ds__error_set(DS_EINTEGRITY, "Ed25519 signature does not verify with key %s", hex);
    }
    return 0;
}

/* ---- secret key files ---- */

/* Never let OpenSSL prompt on the terminal (its default PEM callback does). */
static int no_passphrase_cb(char *buf, int size, int rwflag, void *u)
{
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

/*
 * Read a secret key file into a buffer the caller wipes and frees, after
 * checking that it is a regular file that group and others cannot access.
 */
static int secret_key_file_read(char **out, size_t *len, const char *path)
{
    struct stat st;
    char *buf = NULL;
    size_t n = 0;
    int fd, err = 0;

    *out = NULL;
    *len = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return ds__error_set(DS_ENOTFOUND,
                                 "%s: no such key file (make one with 'docseal keygen')", path);
        return ds__error_errno(DS_EIO, errno, path);
    }
    if (fstat(fd, &st) < 0) {
        err = ds__error_errno(DS_EIO, errno, path);
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        err = ds__error_set(DS_EINVALID, "%s: not a regular file", path);
        goto done;
    }
    if (st.st_mode & 077) {
        err = ds__error_set(DS_EPERM,
                            "%s: permissions %04o are too open; the secret key must not be "
                            "readable by others (chmod 600 %s)",
                            path, (unsigned)(st.st_mode & 07777), path);
        goto done;
    }
    if (!(buf = ds__malloc(SECRET_KEY_FILE_MAX + 1))) {
        err = DS_ENOMEM;
        goto done;
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, SECRET_KEY_FILE_MAX + 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = ds__error_errno(DS_EIO, errno, path);
            goto done;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > SECRET_KEY_FILE_MAX) {
            err = ds__error_set(DS_EINVALID, "%s: too large for a secret key file (over %d bytes)",
                                path, SECRET_KEY_FILE_MAX);
            goto done;
        }
    }
    buf[n] = '\0';
    *out = buf;
    *len = n;
    buf = NULL;
done:
    if (buf) {
        OPENSSL_cleanse(buf, SECRET_KEY_FILE_MAX + 1);
        free(buf);
    }
    close(fd);
    return err;
}

static void secret_free(char *buf, size_t len)
{
    if (buf) {
        OPENSSL_cleanse(buf, len);
        free(buf);
    }
}

/* 1 when needle (NUL-terminated) occurs in buf[0..len); buf may hold NULs. */
static int contains(const char *buf, size_t len, const char *needle)
{
    size_t n = strlen(needle), i;
    for (i = 0; i + n <= len; i++)
        if (buf[i] == needle[0] && memcmp(buf + i, needle, n) == 0)
            return 1;
    return 0;
}

/* 1 encrypted, 0 plain, DS_EINVALID when neither PEM label is present. */
static int pem_kind(const char *buf, size_t len, const char *path)
{
    if (contains(buf, len, pem_encrypted))
        return 1;
    if (contains(buf, len, pem_plain))
        return 0;
    return ds__error_set(DS_EINVALID, "%s: not a PKCS#8 PEM secret key (no '%s' or '%s' line)",
                         path, pem_plain, pem_encrypted);
}

static int invalid_key(const char *path, const char *why)
{
    ERR_clear_error();
    return ds__error_set(DS_EINVALID, "%s: not a valid secret key file (%s)", path, why);
}

int ds_secret_key_is_encrypted(const char *path)
{
    char *buf = NULL;
    size_t len = 0;
    int err;

    if ((err = secret_key_file_read(&buf, &len, path)) < 0)
        return err;
    err = pem_kind(buf, len, path);
    secret_free(buf, len);
    return err;
}

int ds_secret_key_load(ds_secret_key **out, const char *path, const char *passphrase)
{
    char *buf = NULL;
    size_t len = 0;
    BIO *bio = NULL;
    X509_SIG *p8e = NULL;
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    EVP_PKEY *pkey = NULL;
    int err, encrypted;

    *out = NULL;
    if ((err = secret_key_file_read(&buf, &len, path)) < 0)
        return err;
    if ((err = encrypted = pem_kind(buf, len, path)) < 0)
        goto done;
    if (!(bio = BIO_new_mem_buf(buf, (int)len))) {
        err = ds__error_oom();
        goto done;
    }
    if (encrypted) {
        size_t plen = passphrase ? strlen(passphrase) : 0;
        if (!passphrase) {
            err = ds__error_set(
                DS_EINVALID, "%s: the secret key is encrypted and no passphrase was given", path);
            goto done;
        }
        if (plen > INT_MAX) {
            err = ds__error_set(DS_EINVALID, "%s: passphrase too long", path);
            goto done;
        }
        if (!(p8e = PEM_read_bio_PKCS8(bio, NULL, no_passphrase_cb, NULL))) {
            err = invalid_key(path, "malformed ENCRYPTED PRIVATE KEY block");
            goto done;
        }
        if (!(p8 = PKCS8_decrypt(p8e, passphrase, (int)plen))) {
            ERR_clear_error();
            err = ds__error_set(DS_EINVALID,
                                "%s: cannot decrypt the secret key (wrong passphrase?)", path);
            goto done;
        }
    } else if (!(p8 = PEM_read_bio_PKCS8_PRIV_KEY_INFO(bio, NULL, no_passphrase_cb, NULL))) {
        err = invalid_key(path, "malformed PRIVATE KEY block");
        goto done;
    }
    if (!(pkey = EVP_PKCS82PKEY(p8))) {
        err = invalid_key(path, "the PKCS#8 structure holds no usable private key");
        goto done;
    }
    if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519) {
        err = ds__error_set(DS_EINVALID, "%s: not an Ed25519 key (PKCS#8 holds %s)", path,
                            OBJ_nid2sn(EVP_PKEY_get_id(pkey)));
        goto done;
    }
    err = secret_key_wrap(out, pkey);
    pkey = NULL;
done:
    EVP_PKEY_free(pkey);
    PKCS8_PRIV_KEY_INFO_free(p8);
    X509_SIG_free(p8e);
    BIO_free(bio);
    secret_free(buf, len);
    return err;
}

/* The PEM text of the secret key into bio (a secure-memory BIO). */
static int secret_key_pem(BIO *bio, EVP_PKEY *pkey, const char *passphrase)
{
    PKCS8_PRIV_KEY_INFO *p8 = NULL;
    X509_ALGOR *alg = NULL;
    X509_SIG *p8e = NULL;
    unsigned char salt[SCRYPT_SALT_SIZE];
    int err = 0;

    if (!(p8 = EVP_PKEY2PKCS8(pkey))) {
        err = ds__ossl_error(DS_ERROR, "PKCS#8 encoding");
        goto done;
    }
    if (passphrase && *passphrase) {
        size_t plen = strlen(passphrase);
        if (plen > INT_MAX) {
            err = ds__error_set(DS_EINVALID, "passphrase too long");
            goto done;
        }
        if (RAND_bytes(salt, sizeof salt) != 1 ||
            !(alg = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), salt, (int)sizeof salt, NULL, SCRYPT_N,
                                          SCRYPT_R, SCRYPT_P)) ||
            !(p8e = PKCS8_set0_pbe(passphrase, (int)plen, p8, alg))) {
            err = ds__ossl_error(DS_ERROR, "PKCS#8 encryption");
            goto done;
        }
        alg = NULL; /* owned by p8e now */
        if (PEM_write_bio_PKCS8(bio, p8e) != 1) {
            err = ds__ossl_error(DS_ERROR, "PEM encoding");
            goto done;
        }
    } else if (PEM_write_bio_PKCS8_PRIV_KEY_INFO(bio, p8) != 1) {
        err = ds__ossl_error(DS_ERROR, "PEM encoding");
        goto done;
    }
done:
    X509_ALGOR_free(alg);
    X509_SIG_free(p8e);
    PKCS8_PRIV_KEY_INFO_free(p8);
    return err;
}

static int exists_error(const char *path)
{
    return ds__error_set(DS_EEXISTS, "%s: already exists (use --force to replace it)", path);
}

int ds_secret_key_save(const ds_secret_key *key, const char *path, const char *passphrase,
                       const char *comment, int force)
{
    char *pub_path = NULL, *pub_text = NULL, *dir = NULL;
    ds_public_key *pub = NULL;
    BIO *bio = NULL;
    char *pem = NULL;
    long pem_len;
    struct stat st;
    int err, wrote_secret = 0, wrote_pub = 0;

    if (!(pub_path = ds__asprintf("%s.pub", path))) {
        err = DS_ENOMEM;
        goto done;
    }
    if ((err = ds_secret_key_public(&pub, key)) < 0 ||
        (err = ds_public_key_format(&pub_text, pub, comment)) < 0)
        goto done;
    if (!force) {
        if (lstat(path, &st) == 0) {
            err = exists_error(path);
            goto done;
        }
        if (lstat(pub_path, &st) == 0) {
            err = exists_error(pub_path);
            goto done;
        }
    }
    if (!(dir = ds__dirname(path))) {
        err = DS_ENOMEM;
        goto done;
    }
    if (strcmp(dir, ".") != 0 && strcmp(dir, "/") != 0 && (err = ds__mkdirs(dir, 0700)) < 0)
        goto done;
    if (!(bio = BIO_new(BIO_s_secmem()))) {
        err = ds__error_oom();
        goto done;
    }
    if ((err = secret_key_pem(bio, key->pkey, passphrase)) < 0)
        goto done;
    pem_len = BIO_get_mem_data(bio, &pem);
    if (pem_len <= 0) {
        err = ds__ossl_error(DS_ERROR, "PEM encoding");
        goto done;
    }
    /* from here on, a failure may come after the file was linked into place
     * (the directory fsync): the new file is then removed again */
    wrote_secret = 1;
    err = ds__write_file_atomic(path, pem, (size_t)pem_len, 0600, !force);
    if (err == DS_EEXISTS) {
        wrote_secret = 0; /* someone else's file: leave it alone */
        err = exists_error(path);
    }
    if (err < 0)
        goto done;
    wrote_pub = 1;
    err = ds__write_file_atomic(pub_path, pub_text, strlen(pub_text), 0644, !force);
    if (err == DS_EEXISTS) {
        wrote_pub = 0;
        err = exists_error(pub_path);
    }
done:
    if (err < 0 && !force) {
        /* we created them: leave no half key pair behind */
        if (wrote_secret)
            unlink(path);
        if (wrote_pub)
            unlink(pub_path);
    }
    BIO_free(bio); /* secure memory: wiped on free */
    ds_public_key_free(pub);
    free(pub_text);
    free(pub_path);
    free(dir);
    return err;
}

int ds_default_key_path(char **out)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");

    *out = NULL;
    if (xdg && xdg[0] == '/')
        *out = ds__asprintf("%s/docseal/docseal.key", xdg);
    else if (home && *home)
        *out = ds__asprintf("%s/.config/docseal/docseal.key", home);
    else
        return ds__error_set(DS_ENOTFOUND,
                             "default key path: neither XDG_CONFIG_HOME nor HOME is set");
    return *out ? 0 : DS_ENOMEM;
}
