/*
 * docseal/sign.h - Ed25519 keys and minisign-compatible signatures.
 *
 * Keys are Ed25519 (RFC 8032) through OpenSSL 3 EVP. The secret key file is
 * PKCS#8 PEM (RFC 5958), encrypted (PBES2, AES-256-CBC, scrypt) when a
 * passphrase is given, mode 0600. The public key file is in minisign's
 * public-key format; signatures are minisign signatures with the prehashed
 * "ED" algorithm (Ed25519 over BLAKE2b-512 of the message) plus a trusted
 * comment and its global signature, so `minisign -V` checks ours and we
 * check minisign's. Formats are specified in docseal-formats(5), section
 * KEYS AND SIGNATURES.
 *
 * Key id: 8 bytes. docseal derives it from the public key (the first 8 bytes
 * of BLAKE2b-512("docseal key id" || public key)); keys made by minisign carry
 * a random one. It is shown as minisign shows it: 16 uppercase hex digits of
 * the little-endian 64-bit value.
 */
#ifndef DOCSEAL_SIGN_H
#define DOCSEAL_SIGN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Size of a key id as printed (16 uppercase hex digits + NUL). */
#define DS_KEY_ID_HEX_SIZE 17
/** Size of a raw Ed25519 signature in bytes. */
#define DS_ED25519_SIG_SIZE 64

typedef struct ds_secret_key ds_secret_key; /**< an Ed25519 key pair (opaque) */
typedef struct ds_public_key ds_public_key; /**< an Ed25519 public key with key id (opaque) */

/**
 * Generate a new key pair from the operating system's random source.
 * @param[out] out Ownership: caller frees with ds_secret_key_free().
 * @return 0, DS_ENOMEM or DS_ERROR.
 */
int ds_secret_key_generate(ds_secret_key **out);

/**
 * Write the secret key to path (PKCS#8 PEM, mode 0600, atomically) and its
 * public key to "<path>.pub" (minisign format, mode 0644).
 * @param passphrase encrypts the PEM when non-NULL and non-empty.
 * @param comment the .pub file's untrusted comment text, or NULL for
 *        "minisign public key <KEY ID>".
 * @param force non-zero to replace existing files; otherwise DS_EEXISTS.
 * @return 0, DS_EEXISTS, DS_EIO, DS_ENOMEM or DS_ERROR.
 */
int ds_secret_key_save(const ds_secret_key *key, const char *path, const char *passphrase,
                       const char *comment, int force);

/**
 * Load a secret key written by ds_secret_key_save().
 * Refuses (DS_EPERM) a file that group or others may read or write, as ssh
 * does, naming the file and its mode.
 * @param passphrase for an encrypted key, or NULL.
 * @return 0, DS_ENOTFOUND, DS_EPERM, DS_EINVALID (not an Ed25519 PKCS#8 key,
 *         or wrong passphrase), DS_EIO, DS_ENOMEM.
 */
int ds_secret_key_load(ds_secret_key **out, const char *path, const char *passphrase);

/** 1 when the PEM file at path is encrypted, 0 when not, negative DS_E on error. */
int ds_secret_key_is_encrypted(const char *path);

/** Free a secret key, wiping it; NULL is allowed. */
void ds_secret_key_free(ds_secret_key *key);

/**
 * The public half of a key pair.
 * @param[out] out Ownership: caller frees with ds_public_key_free().
 * @return 0 or DS_ENOMEM.
 */
int ds_secret_key_public(ds_public_key **out, const ds_secret_key *key);

/**
 * Parse a minisign public key: either a whole .pub file (an
 * "untrusted comment:" line then the base64 line) or the base64 line alone.
 * The decoded form is exactly 42 bytes: "Ed", 8-byte key id, 32-byte key.
 * @return 0, DS_EINVALID (with the reason), DS_EUNSUPPORTED (other algorithm),
 *         DS_ENOMEM.
 */
int ds_public_key_parse(ds_public_key **out, const char *text, size_t len);

/** Read and parse a public key file. @return as ds_public_key_parse() plus
 *  DS_ENOTFOUND and DS_EIO. */
int ds_public_key_load(ds_public_key **out, const char *path);

/**
 * The minisign .pub text of a key ("untrusted comment: ...\n<base64>\n").
 * @param comment untrusted comment text, or NULL for "minisign public key <KEY ID>".
 * @param[out] out Ownership: caller frees with free().
 * @return 0 or DS_ENOMEM.
 */
int ds_public_key_format(char **out, const ds_public_key *key, const char *comment);

/** The key id as 16 uppercase hex digits (minisign's display form). */
void ds_public_key_id(const ds_public_key *key, char hex[DS_KEY_ID_HEX_SIZE]);

/** 1 when both keys are the same Ed25519 key (key ids not compared). */
int ds_public_key_equal(const ds_public_key *a, const ds_public_key *b);

/** Free a public key; NULL is allowed. */
void ds_public_key_free(ds_public_key *key);

/**
 * Make a minisign signature file ("ED" prehashed algorithm) for a message.
 * @param trusted_comment one line (no '\n'), signed by the global signature.
 * @param untrusted_comment one line, or NULL for "signature from docseal secret key".
 * @param[out] out the .minisig text, 4 lines each ending in '\n'.
 *             Ownership: caller frees with free().
 * @return 0, DS_EINVALID (a comment holds a newline), DS_ENOMEM, DS_ERROR.
 */
int ds_minisig_sign(char **out, const ds_secret_key *key, const void *msg, size_t len,
                    const char *trusted_comment, const char *untrusted_comment);

/**
 * Verify a minisign signature file against a message and a public key.
 * Accepts the "ED" (prehashed) and legacy "Ed" algorithms; checks the key id,
 * the signature and the global signature over signature || trusted comment.
 * @param[out] trusted_comment_out when not NULL and the signature verifies,
 *             the trusted comment text (caller frees).
 * @return 0 when valid; DS_EINTEGRITY when it does not verify or the key id
 *         differs (message says which); DS_EINVALID when the signature text
 *         is malformed; DS_EUNSUPPORTED for an unknown algorithm; DS_ENOMEM.
 */
int ds_minisig_verify(const ds_public_key *key, const void *msg, size_t len, const char *sig,
                      size_t sig_len, char **trusted_comment_out);

/**
 * The key id named in a minisign signature file (to pick a key among many).
 * @return 0 or DS_EINVALID.
 */
int ds_minisig_key_id(const char *sig, size_t sig_len, char hex[DS_KEY_ID_HEX_SIZE]);

/**
 * Raw Ed25519 (RFC 8032, pure) signature of msg, for manifest records.
 * @return 0 or DS_ERROR.
 */
int ds_ed25519_sign(unsigned char sig[DS_ED25519_SIG_SIZE], const ds_secret_key *key,
                    const void *msg, size_t len);

/**
 * Verify a raw Ed25519 signature.
 * @return 0 when valid, DS_EINTEGRITY when not, DS_ERROR on OpenSSL failure.
 */
int ds_ed25519_verify(const ds_public_key *key, const unsigned char sig[DS_ED25519_SIG_SIZE],
                      const void *msg, size_t len);

/**
 * The default secret key path: $XDG_CONFIG_HOME/docseal/docseal.key, else
 * $HOME/.config/docseal/docseal.key.
 * @param[out] out Ownership: caller frees. @return 0, DS_ENOTFOUND (neither
 *         variable set) or DS_ENOMEM.
 */
int ds_default_key_path(char **out);

#ifdef __cplusplus
}
#endif
#endif
