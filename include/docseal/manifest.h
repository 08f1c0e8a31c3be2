/*
 * docseal/manifest.h - manifest records: the signed, hash-chained lines of a
 * vault's append-only manifest (manifest.jsonl).
 *
 * A vault's manifest is a file of JSON Lines (RFC 8259 texts, one per line,
 * each ending in a single '\n'), one record per snapshot. Every record is a
 * JSON object written compactly (no whitespace) with its members in this
 * fixed order, so that a record's bytes are canonical by construction:
 *
 *     {"seq":1,"prev":"<64 hex>","time":"2024-05-01T12:00:00Z",
 *      "bundle":"<bundle id>","bundle_sha256":"<64 hex>","key_id":"<16 HEX>",
 *      "message":"...",                       (only when there is a message)
 *      "documents":[{"id":"...","revision":1,"status":"new",
 *                    "content_sha256":"<64 hex>","original_sha256":"<64 hex>"}],
 *      "unchanged":{"id":2, ...},"unchanged_sha256":"<64 hex>",
 *                                             (only when there are such sightings)
 *      "sig":"<base64 of 64 bytes>"}
 *
 * - seq: 1 for the first record, then 2, 3, ... without gaps.
 * - prev: the record hash of the previous line (DS_MANIFEST_GENESIS for the
 *   first record). The record hash of a line is the SHA-256 of its exact bytes
 *   excluding the terminating '\n', as lowercase hex.
 * - time: the snapshot time, RFC 3339 UTC with seconds ("YYYY-MM-DDTHH:MM:SSZ").
 * - bundle: the bundle id (SHA-256 of the bundle's MANIFEST entry), naming
 *   bundles/<bundle>.tar.zst; bundle_sha256: SHA-256 of that file's bytes.
 * - key_id: the signer's key id, 16 uppercase hex digits (sign.h).
 * - documents: one object per document of the snapshot, in the order they
 *   were given, except the compact sightings below; ids are unique within a
 *   record (in documents and unchanged together).
 * - unchanged (vault version 2): the compact sightings, in the order given:
 *   documents seen again with the same normalized text and the same original
 *   bytes as in the last record listing them, as id: revision (that record's
 *   revision). unchanged_sha256 commits to what was read: the SHA-256 of, for
 *   each compact sighting in order, "id TAB revision TAB content_sha256 TAB
 *   original_sha256 LF" (ds_manifest_unchanged_digest()), so that a verifier
 *   can check them against the earlier records. Both left out when empty; a
 *   record has at least one document in documents or unchanged.
 * - sig: Ed25519 (RFC 8032, pure) signature, standard base64 with padding, of
 *   the record's signed bytes: the line exactly as written with the member
 *   `,"sig":"..."` removed (so the signed bytes end in the object's '}').
 *
 * Strings are escaped as jansson's compact dump escapes them: '"' and '\\'
 * with a backslash, U+0008 U+0009 U+000A U+000C U+000D as \b \t \n \f \r,
 * other characters below U+0020 as \u00XX (uppercase hex), everything else
 * (including '/', U+007F and non-ASCII) as its UTF-8 bytes. Integers are plain
 * decimal without sign or leading zeros. A parser re-serializes what it read
 * and rejects a line whose bytes differ (DS_EINVALID: "not in canonical form").
 *
 * The whole format, with the vault layout around it, is specified in
 * docseal-formats(5), section VAULT AND MANIFEST.
 */
#ifndef DOCSEAL_MANIFEST_H
#define DOCSEAL_MANIFEST_H

#include "docseal/bundle.h"
#include "docseal/sign.h"
#include "docseal/types.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The newest manifest format version (docseal.json "version"): 2 adds
 * compact sightings ("unchanged") and vault bundles of format 2. Version 1
 * vaults are still read and appended to in the version 1 form. */
#define DS_MANIFEST_FORMAT_VERSION 2

/** prev of the first record: 64 zeros. */
#define DS_MANIFEST_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/** Longest record line accepted, in bytes excluding the '\n' (64 MiB). */
#define DS_MANIFEST_MAX_LINE ((size_t)64 << 20)
/** Longest document id, in bytes. */
#define DS_MANIFEST_MAX_ID 4096
/** Longest message, in bytes. */
#define DS_MANIFEST_MAX_MESSAGE 65536
/** Largest time accepted: 9999-12-31T23:59:59Z (seconds since the epoch). */
#define DS_MANIFEST_MAX_TIME ((int64_t)253402300799)

/** One document of a record. */
typedef struct ds_manifest_doc {
    char *id;                                 /**< document id (UTF-8, no control chars) */
    unsigned revision;                        /**< 1, 2, ... per document */
    ds_doc_status status;                     /**< new, changed or unchanged */
    char content_sha256[DS_SHA256_HEX_SIZE];  /**< SHA-256 of the normalized text */
    char original_sha256[DS_SHA256_HEX_SIZE]; /**< SHA-256 of the original bytes as read */
} ds_manifest_doc;

/**
 * A record. Ownership: made by ds_manifest_record_new() or
 * ds_manifest_record_parse(), freed with ds_manifest_record_free(); the
 * strings and the docs array belong to the record.
 */
typedef struct ds_manifest_record {
    uint64_t seq;                           /**< 1, 2, ... */
    char prev[DS_SHA256_HEX_SIZE];          /**< record hash of the previous line */
    int64_t time;                           /**< seconds since the epoch (UTC) */
    char bundle[DS_SHA256_HEX_SIZE];        /**< bundle id */
    char bundle_sha256[DS_SHA256_HEX_SIZE]; /**< SHA-256 of the bundle file */
    char key_id[DS_KEY_ID_HEX_SIZE];        /**< signer's key id, set by sign() */
    char *message;                          /**< or NULL */
    ds_manifest_doc *docs;
    size_t doc_count;
    ds_manifest_doc *unchanged; /**< compact sightings (see the file comment): id and
                                     revision; status DS_DOC_UNCHANGED; the digests are
                                     not in the line ("" after parse) */
    size_t unchanged_count;
    char unchanged_sha256[DS_SHA256_HEX_SIZE]; /**< see the file comment; "" when none */
    unsigned char sig[DS_ED25519_SIG_SIZE];    /**< set by sign() or parse() */
    char hash[DS_SHA256_HEX_SIZE];             /**< record hash; set by parse() and format() */
} ds_manifest_record;

/**
 * Make an empty record: seq 0, prev = DS_MANIFEST_GENESIS, no documents.
 * @param[out] out Ownership: caller frees with ds_manifest_record_free().
 * @return 0 or DS_ENOMEM.
 */
int ds_manifest_record_new(ds_manifest_record **out);

/**
 * Append a document to a record (strings copied).
 * @param id document id: 1..DS_MANIFEST_MAX_ID bytes of UTF-8 without control
 *        characters (U+0000..U+001F, U+007F), not already in the record.
 * @param content_sha256, original_sha256 64 lowercase hex digits each.
 * @return 0, DS_EINVALID (bad id, duplicate id, bad digest, revision 0,
 *         status not one of ds_doc_status), DS_ENOMEM.
 */
int ds_manifest_record_add_doc(ds_manifest_record *r, const char *id, unsigned revision,
                               ds_doc_status status, const char *content_sha256,
                               const char *original_sha256);

/**
 * Append a compact sighting to a record (id copied): a document seen with
 * the same normalized text and original bytes as in the last record that
 * listed it, whose revision it repeats (vault version 2; see the file
 * comment). The caller sets r->unchanged_sha256 (ds_manifest_unchanged_digest()).
 * @param id as for ds_manifest_record_add_doc(), not already in the record.
 * @param revision that earlier record's revision of the document (>= 1).
 * @return 0, DS_EINVALID (bad or duplicate id, revision 0), DS_ENOMEM.
 */
int ds_manifest_record_add_unchanged(ds_manifest_record *r, const char *id, unsigned revision);

/**
 * The unchanged_sha256 of compact sightings: SHA-256 of, for each of the n
 * sightings in order, its id, TAB, revision in decimal, TAB, content_sha256,
 * TAB, original_sha256, LF (ids hold no control characters), as lowercase hex.
 * @param sightings n documents (id, revision and both digests are used).
 * @return 0, DS_ERROR (OpenSSL failure), DS_ENOMEM.
 */
int ds_manifest_unchanged_digest(char out[DS_SHA256_HEX_SIZE], const ds_manifest_doc *sightings,
                                 size_t n);

/**
 * Set the record's key_id from key and sign its signed bytes (see the file
 * comment) with Ed25519, filling r->sig.
 * @return 0, DS_EINVALID (the record is not valid: see format()), DS_ENOMEM,
 *         DS_ERROR (OpenSSL failure).
 */
int ds_manifest_record_sign(ds_manifest_record *r, const ds_secret_key *key);

/**
 * The canonical line of a record, without the terminating '\n', and its
 * record hash (stored in r->hash, which is why r is not const).
 * @param[out] out NUL-terminated line; *len its length in bytes (not counting
 *             the NUL). Ownership: caller frees with free().
 * @return 0, DS_EINVALID (a field is out of range: seq 0, time outside
 *         0..DS_MANIFEST_MAX_TIME, a digest or key id malformed, neither
 *         documents nor compact sightings, a message longer than DS_MANIFEST_MAX_MESSAGE or empty),
 *         DS_ELIMIT (line longer than DS_MANIFEST_MAX_LINE), DS_ENOMEM.
 */
int ds_manifest_record_format(char **out, size_t *len, ds_manifest_record *r);

/**
 * The signed bytes of a record: its canonical line without the sig member.
 * @param[out] out NUL-terminated; *len its length. Caller frees with free().
 * @return as ds_manifest_record_format().
 */
int ds_manifest_record_signed_bytes(char **out, size_t *len, const ds_manifest_record *r);

/**
 * Parse one manifest line (without its '\n'), strictly: a JSON object with
 * exactly the members above in that order, each well formed, and the line
 * byte-for-byte equal to its canonical form. The signature is decoded but
 * not checked (see ds_manifest_record_verify()).
 * @param[out] out the record, with hash set to the SHA-256 of the line.
 *             Ownership: caller frees with ds_manifest_record_free().
 * @return 0, DS_EINVALID with the reason (e.g. "not valid JSON at column 12:
 *         ...", "\"seq\": missing or not a positive integer", "not in canonical
 *         form"), DS_ELIMIT (longer than DS_MANIFEST_MAX_LINE), DS_ENOMEM.
 */
int ds_manifest_record_parse(ds_manifest_record **out, const char *line, size_t len);

/**
 * Check a record's signature with a public key. The key's id must equal the
 * record's key_id.
 * @return 0 when it verifies; DS_EINTEGRITY (key id differs, or the signature
 *         does not verify; the message says which); DS_EINVALID, DS_ENOMEM,
 *         DS_ERROR.
 */
int ds_manifest_record_verify(const ds_manifest_record *r, const ds_public_key *key);

/** Free a record; NULL is allowed. */
void ds_manifest_record_free(ds_manifest_record *r);

/**
 * The record hash of a line: SHA-256 of len bytes (the line without '\n').
 * @return 0 or DS_ERROR.
 */
int ds_manifest_line_hash(char hex[DS_SHA256_HEX_SIZE], const char *line, size_t len);

/** "new", "changed" or "unchanged" ("?" for other values). */
const char *ds_manifest_status_name(ds_doc_status s);

/** Parse a status name. @return 0 or DS_EINVALID. */
int ds_manifest_status_parse(ds_doc_status *out, const char *name);

/**
 * The end of a manifest file, read without reading the whole file (the last
 * one or two lines only). A torn record is a final line without its '\n', or
 * a final line that is not a complete JSON text: what a crash during an
 * append leaves behind.
 */
typedef struct ds_manifest_tail {
    uint64_t size;                      /**< file size in bytes */
    uint64_t valid_size;                /**< bytes up to and including the last good '\n' */
    uint64_t last_seq;                  /**< seq of the last good record; 0 when none */
    uint64_t last_offset;               /**< byte offset of the last good record's line */
    int64_t last_time;                  /**< its time; 0 when none */
    char last_hash[DS_SHA256_HEX_SIZE]; /**< its record hash; DS_MANIFEST_GENESIS when none */
    int torn;                           /**< 1 when bytes after valid_size form a torn record */
    int torn_complete;    /**< 1 when the torn bytes are a whole valid record lacking only
                               its '\n' (a crash between its last byte and the newline) */
    uint64_t torn_length; /**< size - valid_size when torn */
} ds_manifest_tail;

/**
 * Read the tail of the manifest at path.
 * @param[out] out filled on success (a missing file is an error, an empty
 *             file gives last_seq 0).
 * @return 0, DS_ENOTFOUND, DS_EIO, DS_ENOMEM, DS_ELIMIT (last line longer
 *         than DS_MANIFEST_MAX_LINE), DS_EINVALID (the last newline-terminated
 *         line is valid JSON but not a valid record: damage, not a crash; the
 *         message names the byte offset).
 */
int ds_manifest_read_tail(ds_manifest_tail *out, const char *path);

#ifdef __cplusplus
}
#endif
#endif
