/*
 * docseal/sign.h - Ed25519 keys and minisign-compatible signatures.
 *
 * Keys are Ed25519 (RFC 8032) through OpenSSL 3 EVP. The secret key file is
 * PKCS#8 PEM (RFC 5958), mode 0600: "PRIVATE KEY" when no passphrase is
 * given, else "ENCRYPTED PRIVATE KEY" with PBES2 (RFC 8018): scrypt
 * (RFC 7914; N = 16384, r = 8, p = 1, 16-byte random salt) and AES-256-CBC.
 * The public key file is in minisign's public-key format; signatures are
 * minisign signatures with the prehashed "ED" algorithm (Ed25519 over
 * BLAKE2b-512 of the message) plus a trusted comment and its global
 * signature, so `minisign -V` checks ours and we check minisign's. Formats
 * are specified in docseal-formats(5), section KEYS AND SIGNATURES.
 *
 * Key id: 8 bytes. docseal derives it from the public key (the first 8 bytes
 * of BLAKE2b-512("docseal key id" || public key), the 14 ASCII bytes of the
 * context string without a NUL), so the PEM file need not store it; keys
 * made by minisign carry a random one. It is shown as minisign shows it: the
 * 8 bytes read as a little-endian 64-bit number, printed as 16 uppercase hex
 * digits (printf "%016llX").
 *
 * Secrets are wiped (OPENSSL_cleanse) when freed. Handles are immutable
 * after creation and may be shared between threads for signing/verifying.
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
/** Size of an Ed25519 secret seed (RFC 8032 "secret key") in bytes. */
#define DS_ED25519_SEED_SIZE 32

typedef struct ds_secret_key ds_secret_key; /**< an Ed25519 key pair (opaque) */
typedef struct ds_public_key ds_public_key; /**< an Ed25519 public key with key id (opaque) */

/**
 * Generate a new key pair from the operating system's random source.
 * @param[out] out Ownership: caller frees with ds_secret_key_free().
 * @return 0, DS_ENOMEM or DS_ERROR.
 */
int ds_secret_key_generate(ds_secret_key **out);

/**
 * The key pair of a known 32-byte Ed25519 seed (RFC 8032 section 5.1.5), for
 * test vectors and fuzzing. Never use a seed that is not secret and random.
 * @param[out] out Ownership: caller frees with ds_secret_key_free().
 * @return 0, DS_ENOMEM or DS_ERROR.
 */
int ds_secret_key_from_seed(ds_secret_key **out, const unsigned char seed[DS_ED25519_SEED_SIZE]);

/** The key id of a key pair as 16 uppercase hex digits (see the top of this file). */
void ds_secret_key_id(const ds_secret_key *key, char hex[DS_KEY_ID_HEX_SIZE]);

/**
 * Write the secret key to path (PKCS#8 PEM, mode 0600) and its public key to
 * "<path>.pub" (minisign format, mode 0644), each atomically (temporary file,
 * fsync, rename). Missing parent directories are created with mode 0700.
 * The secret key is written first; when the .pub cannot be written and force
 * is 0, the new secret key file is removed again.
 * @param passphrase encrypts the PEM when non-NULL and non-empty.
 * @param comment the .pub file's untrusted comment text (one line, at most
 *        1003 bytes, minisign's limit), or NULL for "minisign public key <KEY ID>".
 * @param force non-zero to replace existing files; otherwise, when path or
 *        "<path>.pub" exists, nothing is written and the result is DS_EEXISTS
 *        ("PATH: already exists (use --force to replace it)").
 * @return 0, DS_EEXISTS, DS_EINVALID (bad comment), DS_EIO, DS_ENOMEM or DS_ERROR.
 */
int ds_secret_key_save(const ds_secret_key *key, const char *path, const char *passphrase,
                       const char *comment, int force);

/**
 * Load a secret key written by ds_secret_key_save() (any PKCS#8 PEM Ed25519
 * key works, e.g. from `openssl genpkey -algorithm ed25519`).
 * Refuses a file that group or others may access in any way, as ssh does:
 * DS_EPERM "PATH: permissions 0644 are too open; the secret key must not be
 * readable by others (chmod 600 PATH)".
 * @param passphrase for an encrypted key, or NULL (ignored for a plain key).
 * @param[out] out Ownership: caller frees with ds_secret_key_free().
 * @return 0;
 *         DS_ENOTFOUND "PATH: no such key file (make one with 'docseal keygen')";
 *         DS_EPERM (see above);
 *         DS_EINVALID: not a regular file, larger than 64 KiB, no PKCS#8 PEM
 *         block, not an Ed25519 key, encrypted but passphrase NULL, or
 *         "PATH: cannot decrypt the secret key (wrong passphrase?)";
 *         DS_EIO, DS_ENOMEM.
 */
int ds_secret_key_load(ds_secret_key **out, const char *path, const char *passphrase);

/**
 * Whether the secret key file at path is encrypted (holds "-----BEGIN
 * ENCRYPTED PRIVATE KEY-----"), so a caller knows to ask for a passphrase.
 * Applies the same checks as ds_secret_key_load() before anything is asked.
 * @return 1 encrypted, 0 plain ("-----BEGIN PRIVATE KEY-----"); DS_ENOTFOUND,
 *         DS_EPERM, DS_EINVALID (neither PEM line), DS_EIO or DS_ENOMEM as
 *         ds_secret_key_load().
 */
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
 * Parse a minisign public key: either a whole .pub file (a line starting
 * with "untrusted comment:", then the base64 line, then only line breaks)
 * or the base64 line alone (blanks around it are ignored). Lines may end in
 * "\n" or "\r\n". The base64 must be canonical and decode to exactly 42
 * bytes: "Ed", 8-byte key id, 32-byte Ed25519 key.
 * @param text the bytes (need not be NUL-terminated); len their count.
 * @param[out] out Ownership: caller frees with ds_public_key_free().
 * @return 0, DS_EINVALID ("minisign public key: <reason>"), DS_EUNSUPPORTED
 *         (algorithm other than "Ed"), DS_ENOMEM.
 */
int ds_public_key_parse(ds_public_key **out, const char *text, size_t len);

/** Read and parse a public key file (at most 16 KiB; "-" is stdin). Messages
 *  start with the path. @return as ds_public_key_parse() plus DS_ENOTFOUND
 *  and DS_EIO. */
int ds_public_key_load(ds_public_key **out, const char *path);

/**
 * The minisign .pub text of a key ("untrusted comment: ...\n<base64>\n").
 * @param comment untrusted comment text (one line, at most 1003 bytes), or
 *        NULL for "minisign public key <KEY ID>".
 * @param[out] out Ownership: caller frees with free().
 * @return 0, DS_EINVALID (comment holds a line break or is too long) or DS_ENOMEM.
 */
int ds_public_key_format(char **out, const ds_public_key *key, const char *comment);

/** The key id as 16 uppercase hex digits (minisign's display form). For a
 *  key made by minisign this is its stored (random) key id. */
void ds_public_key_id(const ds_public_key *key, char hex[DS_KEY_ID_HEX_SIZE]);

/** 1 when both keys are the same Ed25519 key (key ids not compared). */
int ds_public_key_equal(const ds_public_key *a, const ds_public_key *b);

/** Free a public key; NULL is allowed. */
void ds_public_key_free(ds_public_key *key);

/**
 * Make a minisign signature file ("ED" prehashed algorithm) for a message.
 * Ed25519 is deterministic: the same key, message and comments give the
 * same text.
 * @param msg, len the message bytes (msg may be NULL when len is 0).
 * @param trusted_comment one line (no '\r' or '\n', at most 8173 bytes),
 *        signed by the global signature; NULL means "".
 * @param untrusted_comment one line (at most 1003 bytes), or NULL for
 *        "signature from docseal secret key".
 * @param[out] out the .minisig text, 4 lines each ending in '\n'.
 *             Ownership: caller frees with free().
 * @return 0, DS_EINVALID (a comment holds a line break or is too long),
 *         DS_ENOMEM, DS_ERROR.
 */
int ds_minisig_sign(char **out, const ds_secret_key *key, const void *msg, size_t len,
                    const char *trusted_comment, const char *untrusted_comment);

/**
 * Verify a minisign signature file against a message and a public key.
 * Accepts the "ED" (prehashed) and legacy "Ed" algorithms; checks, in this
 * order, the syntax, the algorithm, the key id, the signature and the global
 * signature over signature || trusted comment.
 * @param sig, sig_len the .minisig bytes (need not be NUL-terminated).
 * @param[out] trusted_comment_out when not NULL and the signature verifies,
 *             the trusted comment text (caller frees); NULL otherwise.
 * @return 0 when valid;
 *         DS_EINTEGRITY "signature key id X does not match public key Y",
 *         "minisign signature: signature verification failed (...)" or
 *         "minisign signature: trusted comment signature verification failed (...)";
 *         DS_EINVALID "minisign signature: <reason>" when the text is
 *         malformed (bad line prefix, bad or non-canonical base64, wrong
 *         decoded length, missing line, data after line 4, comment over
 *         minisign's limits);
 *         DS_EUNSUPPORTED for an algorithm other than "ED" and "Ed";
 *         DS_ENOMEM, DS_ERROR.
 */
int ds_minisig_verify(const ds_public_key *key, const void *msg, size_t len, const char *sig,
                      size_t sig_len, char **trusted_comment_out);

/**
 * The key id named in a minisign signature file (to pick a key among many).
 * The whole text must be well-formed; the algorithm is not checked.
 * @return 0 or DS_EINVALID (hex is then "").
 */
int ds_minisig_key_id(const char *sig, size_t sig_len, char hex[DS_KEY_ID_HEX_SIZE]);

/**
 * Raw Ed25519 (RFC 8032, pure Ed25519, no prehash, no context) signature of
 * msg, for manifest records. msg may be NULL when len is 0.
 * @return 0 or DS_ERROR.
 */
int ds_ed25519_sign(unsigned char sig[DS_ED25519_SIG_SIZE], const ds_secret_key *key,
                    const void *msg, size_t len);

/**
 * Verify a raw Ed25519 signature (RFC 8032 pure Ed25519).
 * @return 0 when valid, DS_EINTEGRITY when not ("Ed25519 signature does not
 *         verify with key <KEY ID>"), DS_ERROR on OpenSSL failure.
 */
int ds_ed25519_verify(const ds_public_key *key, const unsigned char sig[DS_ED25519_SIG_SIZE],
                      const void *msg, size_t len);

/**
 * The default secret key path: $XDG_CONFIG_HOME/docseal/docseal.key when
 * XDG_CONFIG_HOME is an absolute path (the XDG spec ignores relative ones),
 * else $HOME/.config/docseal/docseal.key. The file need not exist.
 * @param[out] out Ownership: caller frees. @return 0, DS_ENOTFOUND (neither
 *         variable usable) or DS_ENOMEM.
 */
int ds_default_key_path(char **out);

#ifdef __cplusplus
}
#endif
#endif
