/*
 * sign_internal.h - pieces shared by sign.c (keys, raw Ed25519) and
 * minisig.c (minisign text formats). Not installed.
 */
#ifndef DS_SIGN_INTERNAL_H
#define DS_SIGN_INTERNAL_H

#include "docseal/sign.h"
#include "util.h"

#include <openssl/evp.h>
#include <stddef.h>

#define DS__KEY_ID_SIZE 8   /* bytes of a key id */
#define DS__PK_SIZE 32      /* bytes of an Ed25519 public key */
#define DS__BLAKE2B_SIZE 64 /* bytes of a BLAKE2b-512 digest */

/* minisign's line limits (its COMMENTMAXBYTES and TRUSTEDCOMMENTMAXBYTES
 * buffers read a line including the prefix and the '\n'; longer lines make
 * minisign fail). These are the longest comment texts that fit. */
#define DS__UNTRUSTED_COMMENT_MAX 1003 /* 1024 - 1 - strlen("untrusted comment: ") - 1 */
#define DS__TRUSTED_COMMENT_MAX 8173   /* 8192 - 1 - strlen("trusted comment: ") - 1 */

struct ds_secret_key {
    EVP_PKEY *pkey; /* Ed25519 private key (holds the public key too) */
    unsigned char pk[DS__PK_SIZE];
    unsigned char key_id[DS__KEY_ID_SIZE];
};

struct ds_public_key {
    EVP_PKEY *pkey; /* Ed25519 public key */
    unsigned char pk[DS__PK_SIZE];
    unsigned char key_id[DS__KEY_ID_SIZE]; /* as stored in the .pub (minisign keys: random) */
};

/* A public key from its raw parts. 0 or DS_EINVALID / DS_ENOMEM / DS_ERROR. */
int ds__public_key_new(ds_public_key **out, const unsigned char pk[DS__PK_SIZE],
                       const unsigned char key_id[DS__KEY_ID_SIZE]);

/* Pure Ed25519 over msg with the private key. 0 or DS_ERROR (message set). */
int ds__ed25519_sign(unsigned char sig[DS_ED25519_SIG_SIZE], EVP_PKEY *pkey, const void *msg,
                     size_t len);
/* 1 when sig verifies, 0 when not, DS_ERROR when OpenSSL fails (message set). */
int ds__ed25519_check(EVP_PKEY *pkey, const unsigned char sig[DS_ED25519_SIG_SIZE], const void *msg,
                      size_t len);

/* Record an OpenSSL failure as "<what>: <OpenSSL reason>" with code and
 * clear OpenSSL's error queue; returns code. */
int ds__ossl_error(int code, const char *what);

/* BLAKE2b-512 of a || b (either may be empty). 0 or DS_ERROR. */
int ds__blake2b512(unsigned char out[DS__BLAKE2B_SIZE], const void *a, size_t alen, const void *b,
                   size_t blen);

/* minisign's display form of a key id: the 8 bytes read as a little-endian
 * 64-bit number, printed as 16 uppercase hex digits. */
void ds__key_id_hex(char hex[DS_KEY_ID_HEX_SIZE], const unsigned char id[DS__KEY_ID_SIZE]);

/* Standard base64 (RFC 4648 section 4, with '=' padding, no line breaks) of
 * n bytes appended to b. 0 or DS_ENOMEM. */
int ds__b64_append(ds__buf *b, const unsigned char *in, size_t n);

/*
 * Decode the canonical base64 text s[0..n) into exactly want bytes.
 * Returns 0 on success; DS_EINVALID with the message "<what>: <why>" when s
 * is not canonical base64 (bad character, bad padding, length not a multiple
 * of 4, non-zero unused bits) or decodes to a different length.
 */
int ds__b64_decode_exact(unsigned char *out, size_t want, const char *s, size_t n,
                         const char *what);

#endif
