/*
 * docseal/hash.h - SHA-256 digests (FIPS 180-4) through OpenSSL 3 EVP.
 *
 * Digests are exchanged as 64 lowercase hexadecimal characters plus a NUL
 * (DS_SHA256_HEX_SIZE bytes), the form sha256sum(1) prints.
 */
#ifndef DOCSEAL_HASH_H
#define DOCSEAL_HASH_H

#include "docseal/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A streaming SHA-256 computation (opaque). */
typedef struct ds_sha256 ds_sha256;

/**
 * Start a SHA-256 computation.
 * @param[out] out the new context. Ownership: caller frees with ds_sha256_free().
 * @return 0, DS_ENOMEM, or DS_ERROR when OpenSSL cannot provide SHA-256.
 */
int ds_sha256_new(ds_sha256 **out);

/**
 * Feed len bytes. @return 0 or DS_ERROR (OpenSSL failure).
 */
int ds_sha256_update(ds_sha256 *ctx, const void *data, size_t len);

/**
 * Finish and write the digest as lowercase hex (64 characters + NUL).
 * The context may be reused after ds_sha256_reset().
 * @return 0 or DS_ERROR.
 */
int ds_sha256_final_hex(ds_sha256 *ctx, char hex[DS_SHA256_HEX_SIZE]);

/** Finish and write the 32 raw digest bytes. @return 0 or DS_ERROR. */
int ds_sha256_final(ds_sha256 *ctx, unsigned char digest[32]);

/** Restart the context for a new message. @return 0 or DS_ERROR. */
int ds_sha256_reset(ds_sha256 *ctx);

/** Free a context; NULL is allowed. */
void ds_sha256_free(ds_sha256 *ctx);

/**
 * SHA-256 of a buffer as lowercase hex.
 * @return 0, DS_ENOMEM or DS_ERROR.
 */
int ds_sha256_hex(char hex[DS_SHA256_HEX_SIZE], const void *data, size_t len);

/**
 * SHA-256 of a whole file, read in 128 KiB blocks (bounded memory).
 * @param path a file path, or "-" for standard input.
 * @param[out] size_out when not NULL, the number of bytes read.
 * @return 0, DS_ENOTFOUND (no such file), DS_EINVALID (a directory),
 *         DS_EIO (read error), DS_ENOMEM or DS_ERROR.
 */
int ds_sha256_file(char hex[DS_SHA256_HEX_SIZE], const char *path, uint64_t *size_out);

/**
 * A ds_sink whose ctx is a ds_sha256 *: hashes what is written to it.
 */
int ds_sha256_sink_write(void *ctx, const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
