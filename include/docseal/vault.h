/*
 * docseal/vault.h - the vault: an append-only, signed archive of snapshots.
 *
 * A vault is a directory:
 *
 *     docseal.json            configuration (format "docseal-vault", version 1,
 *                             signing key path, compression level, created)
 *     manifest.jsonl          the manifest: one signed, hash-chained record per
 *                             snapshot (see manifest.h)
 *     trusted-keys/<ID>.pub   minisign public keys whose records and bundles
 *                             verify; the signer's key is added by init
 *     bundles/<id>.tar.zst    one signed bundle per snapshot (see bundle.h)
 *     index/                  derived data for fast lookups (docs, entries.bin,
 *                             summaries/); rebuilt from the manifest when
 *                             missing or stale, never used to verify
 *     .lock                   flock(2) target: exclusive while adding or
 *                             repairing, shared while verifying
 *
 * One ds_vault_add() call is one snapshot: one bundle and one manifest
 * record. Each document has revisions numbered from 1; a document whose
 * content hash equals that of its latest revision is recorded as seen
 * ("unchanged", same revision number, text not stored again; its original
 * is stored when its bytes differ from the previous sighting's).
 *
 * Durability: the bundle is written to a temporary file, fsynced and renamed
 * into place (and its directory fsynced) before the record is appended with a
 * single write(2) and fsynced. A crash therefore leaves at worst an orphaned
 * bundle or a torn final manifest line, which ds_vault_verify() names and
 * ds_vault_repair() undoes (an orphaned bundle is moved to orphans/, never
 * deleted); earlier records are never rewritten.
 *
 * The format is specified in docseal-formats(5), section VAULT AND MANIFEST.
 *
 * Thread safety: a ds_vault handle must not be used by two threads at once;
 * separate handles (and processes) coordinate through the lock file.
 */
#ifndef DOCSEAL_VAULT_H
#define DOCSEAL_VAULT_H

#include "docseal/bundle.h"
#include "docseal/manifest.h"
#include "docseal/normalize.h"
#include "docseal/report.h"
#include "docseal/sign.h"
#include "docseal/types.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The vault format version init writes (docseal-formats(5), VAULT AND
 * MANIFEST): 2 records unchanged sightings compactly and writes bundles of
 * format 2; a version 1 vault is read, and appended to in the version 1 form
 * (full records, bundles of format 1), so that older docseal can still read it. */
#define DS_VAULT_FORMAT_VERSION 2
/** The compression level init records when none is given. */
#define DS_VAULT_DEFAULT_LEVEL DS_BUNDLE_DEFAULT_LEVEL
/** The environment variable naming the vault when no directory is given. */
#define DS_VAULT_ENV "DOCSEAL_VAULT"

typedef struct ds_vault ds_vault; /**< an open vault (opaque) */

typedef struct ds_vault_init_options {
    unsigned int version;  /**< DS_VAULT_INIT_OPTIONS_VERSION */
    const char *key_path;  /**< the signing key's path, recorded in docseal.json (made
                                absolute); NULL records none (add then needs a key) */
    int compression_level; /**< zstd level 1..19 for bundles; 0 = DS_VAULT_DEFAULT_LEVEL */
    int64_t created;       /**< seconds since the epoch, or DS_TIME_NOW */
} ds_vault_init_options;
#define DS_VAULT_INIT_OPTIONS_VERSION 1
#define DS_VAULT_INIT_OPTIONS_INIT                                                                 \
    {                                                                                              \
        DS_VAULT_INIT_OPTIONS_VERSION, NULL, 0, DS_TIME_NOW                                        \
    }

/**
 * Create a vault in dir (created, with parents, when missing; an existing
 * directory may hold other files). Makes bundles/, trusted-keys/ (holding
 * signer's public key as <KEY ID>.pub), index/, an empty manifest.jsonl, the
 * lock file, and last docseal.json (atomically), fsyncing each.
 * @param[out] out the open vault, or NULL when not wanted. Ownership: caller
 *             frees with ds_vault_free().
 * @param signer the signing key's public half (borrowed), or NULL to trust no
 *        key yet.
 * @return 0, DS_EEXISTS (dir already holds docseal.json or manifest.jsonl),
 *         DS_EINVALID (compression level out of range), DS_EIO, DS_ENOMEM.
 */
int ds_vault_init(ds_vault **out, const char *dir, const ds_public_key *signer,
                  const ds_vault_init_options *opts);

/**
 * Open the vault in dir (which must hold docseal.json).
 * @param[out] out Ownership: caller frees with ds_vault_free().
 * @return 0, DS_ENOTFOUND (no docseal.json in dir), DS_EINVALID (docseal.json
 *         malformed or not a docseal vault), DS_EUNSUPPORTED (a newer version),
 *         DS_EIO, DS_ENOMEM.
 */
int ds_vault_open(ds_vault **out, const char *dir);

/**
 * Find the vault a command should use: dir when not NULL; else the directory
 * named by $DOCSEAL_VAULT when set and non-empty; else the nearest directory
 * holding docseal.json, searching upward from the working directory (like
 * git does).
 * @param[out] out the vault directory. Ownership: caller frees with free().
 * @return 0, DS_ENOTFOUND (with a message saying where it looked), DS_EIO,
 *         DS_ENOMEM.
 */
int ds_vault_discover(char **out, const char *dir);

/** ds_vault_discover() then ds_vault_open(). @return the errors of both. */
int ds_vault_open_ext(ds_vault **out, const char *dir);

/** Close a vault (releasing its lock, if held); NULL is allowed. */
void ds_vault_free(ds_vault *v);

/** The vault directory as opened (borrowed; valid until ds_vault_free()). */
const char *ds_vault_path(const ds_vault *v);

/** The signing key path from docseal.json, or NULL (borrowed). */
const char *ds_vault_key_path(const ds_vault *v);

/** The bundles' zstd compression level from docseal.json (1..19). */
int ds_vault_compression_level(const ds_vault *v);

/**
 * The trusted public keys (every trusted-keys/ *.pub file, in name order).
 * @param[out] keys array of count keys. Ownership: caller frees with
 *             ds_vault_keys_free().
 * @return 0, DS_EINVALID (a .pub file does not parse, or its name is not
 *         "<its KEY ID>.pub"; the message names it), DS_EIO, DS_ENOMEM.
 */
int ds_vault_trusted_keys(ds_public_key ***keys, size_t *count, ds_vault *v);

/** Free what ds_vault_trusted_keys() returned; NULL is allowed. */
void ds_vault_keys_free(ds_public_key **keys, size_t count);

/**
 * Trust a public key: write trusted-keys/<KEY ID>.pub atomically. Trusting a
 * key that is already trusted does nothing.
 * @return 0, DS_EEXISTS (a different key with the same key id is trusted),
 *         DS_EIO, DS_ENOMEM.
 */
int ds_vault_trust_key(ds_vault *v, const ds_public_key *key);

/** Progress of a long operation: done of total units (inputs, records, bundles). */
typedef void (*ds_vault_progress_fn)(void *ctx, uint64_t done, uint64_t total);

typedef struct ds_vault_add_options {
    unsigned int version;                  /**< DS_VAULT_ADD_OPTIONS_VERSION */
    int64_t time;                          /**< snapshot time, seconds since the epoch, or
                                                DS_TIME_NOW (SOURCE_DATE_EPOCH, else now) */
    const char *message;                   /**< a note kept in the record, or NULL */
    const char *id;                        /**< document id (only with one input), or NULL;
                                                stored in Unicode NFC */
    const char *canonical_url;             /**< canonical URL (only with one input) or NULL */
    const ds_normalize_options *normalize; /**< or NULL for defaults (flag
                                              DS_NORMALIZE_NO_DIGESTS is ignored) */
    int compression_level;                 /**< 0 = the vault's level */
    int threads;                           /**< zstd workers; 0 = one per online CPU */
    ds_vault_progress_fn progress;         /**< called after each input, or NULL */
    void *progress_ctx;
    int allow_future; /**< (version 2) non-zero: accept a time more than 24 hours after the
                           current wall-clock time. Record times never decrease, so such a
                           snapshot makes every later one wait until then. */
} ds_vault_add_options;
#define DS_VAULT_ADD_OPTIONS_VERSION 2
#define DS_VAULT_ADD_OPTIONS_INIT                                                                  \
    {                                                                                              \
        DS_VAULT_ADD_OPTIONS_VERSION, DS_TIME_NOW, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, 0     \
    }

/** One document of an added snapshot. */
typedef struct ds_vault_added_doc {
    char *id;
    const char *path;                         /**< the input as given (borrowed from paths) */
    unsigned revision;                        /**< its revision number after this snapshot */
    ds_doc_status status;                     /**< new, changed or unchanged */
    char content_sha256[DS_SHA256_HEX_SIZE];  /**< SHA-256 of the normalized text */
    char original_sha256[DS_SHA256_HEX_SIZE]; /**< SHA-256 of the input bytes */
} ds_vault_added_doc;

/** What ds_vault_add() recorded. Free with ds_vault_add_result_free(). */
typedef struct ds_vault_add_result {
    uint64_t seq;                           /**< the record's sequence number */
    int64_t time;                           /**< snapshot time, seconds since the epoch */
    char record_hash[DS_SHA256_HEX_SIZE];   /**< the new head (see ds_vault_head()) */
    char bundle[DS_SHA256_HEX_SIZE];        /**< bundle id */
    char bundle_sha256[DS_SHA256_HEX_SIZE]; /**< SHA-256 of the bundle file */
    ds_vault_added_doc *docs;
    size_t doc_count;
    int index_updated; /**< 0 when the index could not be updated (it will be rebuilt) */
} ds_vault_add_result;

/**
 * Add one snapshot of count inputs (file paths, or "-" once for standard
 * input) under the exclusive lock (waiting for it): read and normalize every
 * input, assign each document its id (opts->id, else the canonical URL from
 * opts->canonical_url, front matter or the page, else the file name stem),
 * revision and status, write the signed bundle, then append and fsync the
 * signed record. Nothing is written to the vault before every input has been
 * read successfully, so bad input leaves the vault exactly as it was.
 * @param[out] out when not NULL, what was recorded. Ownership: caller frees
 *             with ds_vault_add_result_free().
 * @param key the signing key (borrowed); its public key must be trusted.
 * @return 0, or
 *   DS_EUSAGE      no inputs, or opts->id / canonical_url with several inputs;
 *   DS_EINVALID    an input cannot be read as a document (message names it),
 *                  two inputs with the same document id, an invalid id, a
 *                  snapshot time earlier than the latest record's;
 *   DS_EPERM       the key is not among the trusted keys;
 *   DS_EINTEGRITY  the manifest ends in a torn record (run repair first) or
 *                  its last record is damaged;
 *   DS_ENOTFOUND   an input does not exist;
 *   DS_EIO, DS_ENOMEM, DS_ELIMIT, and the errors of the bundle writer.
 */
int ds_vault_add(ds_vault_add_result **out, ds_vault *v, const ds_secret_key *key,
                 const char *const *paths, size_t count, const ds_vault_add_options *opts);

/** Free an add result; NULL is allowed. */
void ds_vault_add_result_free(ds_vault_add_result *r);

/**
 * The head: the record hash and seq of the last record.
 * @return 0, DS_ENOTFOUND (no records yet), DS_EINTEGRITY (torn tail: the
 *         head is then the last complete record and this is still returned
 *         filled, so callers may print it with a warning), DS_EIO, DS_ENOMEM.
 */
int ds_vault_head(char hash[DS_SHA256_HEX_SIZE], uint64_t *seq, ds_vault *v);

/** One sighting of a document: one record that lists it. */
typedef struct ds_vault_entry {
    uint64_t seq;                             /**< the record's seq */
    uint64_t record_offset;                   /**< byte offset of its line in manifest.jsonl */
    int64_t time;                             /**< the snapshot time */
    unsigned revision;                        /**< revision number */
    ds_doc_status status;                     /**< new, changed or unchanged */
    char content_sha256[DS_SHA256_HEX_SIZE];  /**< SHA-256 of the normalized text */
    char original_sha256[DS_SHA256_HEX_SIZE]; /**< SHA-256 of the original as read */
    char bundle[DS_SHA256_HEX_SIZE];          /**< the snapshot's bundle id */
    int compact; /**< 1 when the record lists the document in "unchanged" (a compact
                      sighting, vault version 2): revision and digests are those of
                      its previous sighting */
} ds_vault_entry;

/** A document of the vault. */
typedef struct ds_vault_doc_info {
    char *id;
    unsigned revisions;  /**< the latest revision number (= number of revisions) */
    uint64_t sightings;  /**< number of records listing it (revisions + unchanged) */
    int64_t first_seen;  /**< time of its first record */
    int64_t last_seen;   /**< time of its last record */
    int64_t last_change; /**< time of its latest revision */
} ds_vault_doc_info;

/**
 * Every document, in order of first appearance. Answered from the index
 * (rebuilt first when stale), in time independent of the number of records.
 * @param[out] docs array of count entries. Ownership: caller frees with
 *             ds_vault_doc_info_free().
 * @return 0, DS_EINTEGRITY (the manifest cannot be indexed: the message names
 *         the record), DS_EIO, DS_ENOMEM.
 */
int ds_vault_documents(ds_vault_doc_info **docs, size_t *count, ds_vault *v);

/** Free what ds_vault_documents() returned; NULL is allowed. */
void ds_vault_doc_info_free(ds_vault_doc_info *docs, size_t count);

/**
 * Every sighting of a document, oldest first, from the index.
 * @param id the document id as stored, or any Unicode form of it (ids are
 *        stored in NFC; see ds_bundle_doc_options.id). The same holds for the
 *        id of ds_vault_resolve(), ds_vault_read() and ds_vault_change_summary().
 * @param[out] entries array of count entries. Ownership: caller frees with free().
 * @return 0, DS_ENOTFOUND (no such document), and as ds_vault_documents().
 */
int ds_vault_history(ds_vault_entry **entries, size_t *count, ds_vault *v, const char *id);

/** How a revision is named. */
typedef enum ds_vault_rev_kind {
    DS_VAULT_REV_LATEST = 0, /**< "latest" (the default) */
    DS_VAULT_REV_NUMBER,     /**< "3": revision 3 (1 is the first) */
    DS_VAULT_REV_BACK,       /**< "~2": two revisions before the latest ("~0" = latest) */
    DS_VAULT_REV_TIME        /**< a time: the revision current then */
} ds_vault_rev_kind;

typedef struct ds_vault_rev {
    ds_vault_rev_kind kind;
    uint64_t n;   /**< the number for NUMBER and BACK */
    int64_t time; /**< seconds since the epoch for TIME */
} ds_vault_rev;

/**
 * Parse a revision name: "latest", a number >= 1, "~N" (N >= 0), an RFC 3339
 * time (with Z or an offset) or a date YYYY-MM-DD, which means the end of
 * that day in UTC (23:59:59Z), so that "ID@2024-05-01" shows what the
 * document said on that day.
 * @return 0 or DS_EINVALID (the message names the text).
 */
int ds_vault_rev_parse(ds_vault_rev *out, const char *s);

/**
 * Split "ID@REV" at its last '@' when what follows is a valid revision name;
 * otherwise the whole spec is the id and the revision is latest. Ids may
 * contain '@' (URLs do).
 * @param[out] id Ownership: caller frees with free().
 * @return 0, DS_EINVALID (empty id), DS_ENOMEM.
 */
int ds_vault_spec_split(char **id, ds_vault_rev *rev, const char *spec);

/**
 * Resolve a document's revision to the sighting that stored its text (the
 * revision's "new" or "changed" record). For a time, the revision current at
 * that time is the one of the last record listing the document at or before
 * it.
 * @param[out] out the sighting.
 * @return 0, DS_ENOTFOUND (no such document, no such revision, or nothing at
 *         or before the time; the message says which and what exists),
 *         and as ds_vault_documents().
 */
int ds_vault_resolve(ds_vault_entry *out, ds_vault *v, const char *id, const ds_vault_rev *rev);

/**
 * Read a revision's normalized text (or, with original != 0, its original
 * bytes) from the bundle that stored it, after checking the manifest record
 * at e->record_offset still lists it and that the bytes read have the
 * digest the record holds.
 * @param e a sighting from ds_vault_resolve() or ds_vault_history() whose
 *        status is new or changed.
 * @param[out] data NUL-terminated (not counted in *len). Ownership: caller
 *             frees with free().
 * @return 0, DS_ENOTFOUND (the bundle or its entry is missing),
 *         DS_EINTEGRITY (digest mismatch, or the record no longer matches the
 *         index), DS_EINVALID (e is an unchanged sighting), DS_EIO, DS_ENOMEM.
 */
int ds_vault_read(char **data, size_t *len, ds_vault *v, const char *id, const ds_vault_entry *e,
                  int original);

/**
 * A base provider (see ds_bundle_base_provider) over the vault, for reading
 * or verifying a thin bundle of it with ds_bundle_extract_ext(),
 * ds_bundle_verify() or ds_bundle_export(): a base is loaded from the newest
 * bundle of a record that stores it in full (the index says which records
 * store which digests; the bytes are checked against the base's name).
 * @param[out] out filled; valid until ds_vault_free(v). Its load() fails with
 *             DS_ENOTFOUND when no bundle holds the base in full (the message
 *             names the bundle that should, and why it does not: missing,
 *             holding it only as a patch), and with the errors of the index.
 * @return 0, DS_ENOMEM.
 */
int ds_vault_base_provider(ds_bundle_base_provider *out, ds_vault *v);

/**
 * Write a standalone copy of a bundle of the vault (ds_bundle_export()):
 * every patch entry replaced by its full entry, expanded from a base stored
 * in full by an earlier record; MANIFEST, MANIFEST.minisig and snapshot.json
 * unchanged, so the copy has the same bundle id and signature and verifies
 * with `docseal verify FILE` or stock tools alone (BUNDLE FORMAT 1 and PATCH
 * ENTRIES in docseal-formats(5)). Takes no lock (bundles are never changed
 * once written).
 * @param bundle_id 64 lowercase hex digits naming a bundle a record names.
 * @param out_path the file to write (atomically), or "-" for standard output.
 * @return 0, DS_EINVALID (bundle_id is not 64 lowercase hex digits; the
 *         bundle file is not a regular file or not a bundle), DS_ENOTFOUND
 *         (no record names the bundle; its file or a base is missing: the
 *         message names it), and the errors of ds_bundle_export().
 */
int ds_vault_export(ds_vault *v, const char *bundle_id, const char *out_path);

/** Room for a change summary line, including its NUL. */
#define DS_VAULT_SUMMARY_SIZE 256

/**
 * The one-line change summary between two revisions of a document (the
 * diff engine's ds_diff_summary_line(), e.g. "+12 \u22123 words, 1 quote
 * changed"), as `docseal log ID` shows it. Summaries are a function of the
 * two texts only, so they are cached in index/summaries/ (derived data, keyed
 * by the two content hashes); the first call for a pair reads both texts
 * from their bundles and diffs them.
 * @param from, to sightings that stored the two revisions (new or changed).
 * @param[out] buf the line, NUL-terminated, truncated to DS_VAULT_SUMMARY_SIZE - 1
 *             bytes at a UTF-8 boundary.
 * @return 0, and the errors of ds_vault_read() and ds_diff_texts().
 */
int ds_vault_change_summary(char buf[DS_VAULT_SUMMARY_SIZE], ds_vault *v, const char *id,
                            const ds_vault_entry *from, const ds_vault_entry *to);

/**
 * Parse a snapshot time: RFC 3339 with "Z" or a numeric offset (fractions
 * of a second are dropped), or a date YYYY-MM-DD meaning 00:00:00Z.
 * @param[out] out seconds since the epoch.
 * @return 0 or DS_EINVALID (message names the text).
 */
int ds_vault_time_parse(int64_t *out, const char *s);

/** Format seconds since the epoch as RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ". */
void ds_vault_time_format(char out[32], int64_t t);

typedef struct ds_vault_verify_options {
    unsigned int version;          /**< DS_VAULT_VERIFY_OPTIONS_VERSION */
    const char *expect_head;       /**< a record hash the manifest must still contain, or NULL */
    int deep;                      /**< passed to the bundle verifier (re-normalize originals) */
    ds_vault_progress_fn progress; /**< called per record and per bundle, or NULL */
    void *progress_ctx;
    /* version 2: pinned signers. When any pin is given, only pinned keys are
     * trusted: the pin_keys themselves, and the trusted-keys/ files whose key
     * id is among pin_key_ids; every other trusted-keys/ file is a failing
     * "trusted-keys" check naming its key id. */
    const ds_public_key *const *pin_keys; /**< pin_key_count keys (borrowed), or NULL */
    size_t pin_key_count;
    const char *const *pin_key_ids; /**< pin_key_id_count key ids (16 hex digits), or NULL */
    size_t pin_key_id_count;
} ds_vault_verify_options;
#define DS_VAULT_VERIFY_OPTIONS_VERSION 2
#define DS_VAULT_VERIFY_OPTIONS_INIT                                                               \
    {                                                                                              \
        DS_VAULT_VERIFY_OPTIONS_VERSION, NULL, 0, NULL, NULL, NULL, 0, NULL, 0                     \
    }

/**
 * Verify the whole vault under a shared lock (so no add runs meanwhile),
 * reading the manifest (never the index). Checks, by report name:
 *   config            docseal.json is a vault configuration this build reads
 *   trusted-keys      every trusted-keys/ file is a public key named by its id
 *                     (the passing line names the key ids); with pins, every
 *                     trusted key is pinned and every pinned key id is known
 *   manifest-records  every line is a complete, canonical record
 *   manifest-chain    seq runs 1, 2, ... and prev is the previous line's hash
 *   manifest-time     record times never decrease
 *   record-signature  each record is signed by a trusted key (an unknown key
 *                     id is named)
 *   revisions         per document: revision 1 "new" first, "changed" adds 1
 *                     and changes the content hash, "unchanged" keeps both
 *   torn-tail         the manifest does not end in a torn record
 *   bundle-present    every referenced bundle file exists
 *   bundle-digest     each bundle file's SHA-256 is the record's bundle_sha256
 *   bundle            each bundle passes ds_bundle_verify() with the trusted keys;
 *                     its patch entries expand from bases stored in full by
 *                     earlier records (found from the manifest, not the index):
 *                     a missing base, a base stored only as a patch, or a patch
 *                     that does not expand to its entry fails, naming the entry
 *   bundle-agrees     bundle and record agree: bundle id, signer, time, and each
 *                     document's id, revision, status and hashes
 *   stray-files       bundles/ holds nothing else (orphaned bundles, temporary
 *                     files and unknown files are named; several orphans mean
 *                     as many interrupted adds, or removed records)
 *   orphans           (DS_CHECK_SKIP, only when there are some) bundles that
 *                     repair set aside in orphans/
 *   expect-head       opts->expect_head is the hash of one of the records
 *   index             the derived index, when present, matches the manifest
 *                     (a stale or altered index fails; 'repair' rebuilds it)
 * A passing check is reported once with a count; each failure is reported
 * with its subject (the file, "manifest.jsonl line N" or the bundle path).
 * @param[out] report Ownership: caller frees with ds_report_free().
 * @return 0 when a report was made (look at ds_report_ok()), DS_EBUSY never
 *         (it waits for the lock), DS_EIO (manifest unreadable), DS_ENOMEM.
 */
int ds_vault_verify(ds_report **report, ds_vault *v, const ds_vault_verify_options *opts);

/** A repair step. */
typedef enum ds_vault_repair_kind {
    DS_VAULT_REPAIR_TRUNCATE_TAIL = 0, /**< cut a torn final record from the manifest */
    DS_VAULT_REPAIR_COMPLETE_TAIL,     /**< add the '\n' a complete, valid final record lacks */
    DS_VAULT_REPAIR_REMOVE_ORPHAN,     /**< move a bundle no record references to orphans/
                                            (never deleted: it may be the evidence of removed
                                            records) */
    DS_VAULT_REPAIR_REMOVE_TEMP,       /**< delete a temporary file left by a crash */
    DS_VAULT_REPAIR_REBUILD_INDEX,     /**< rebuild the derived index */
    DS_VAULT_REPAIR_DROP_SUMMARIES     /**< delete a document's cached change summaries
                                            (index/summaries-vN/) that the texts do not give */
} ds_vault_repair_kind;

typedef struct ds_vault_repair_action {
    ds_vault_repair_kind kind;
    const char *path;   /**< vault-relative path, e.g. "manifest.jsonl" */
    const char *detail; /**< one line: what and why, e.g. "truncate from 1234 to 1000 bytes
                             (torn final record at byte offset 1000: ...)" */
} ds_vault_repair_action;

typedef void (*ds_vault_repair_fn)(void *ctx, const ds_vault_repair_action *a);

typedef struct ds_vault_repair_options {
    unsigned int version;         /**< DS_VAULT_REPAIR_OPTIONS_VERSION */
    int dry_run;                  /**< only announce what would be done */
    ds_vault_repair_fn on_action; /**< called before each step is performed, or NULL */
    void *ctx;
} ds_vault_repair_options;
#define DS_VAULT_REPAIR_OPTIONS_VERSION 1
#define DS_VAULT_REPAIR_OPTIONS_INIT                                                               \
    {                                                                                              \
        DS_VAULT_REPAIR_OPTIONS_VERSION, 0, NULL, NULL                                             \
    }

/**
 * Repair what a crash can leave behind, under the exclusive lock (a shared
 * one for a dry run): a torn final manifest record (truncated; or completed
 * with its '\n' when it is a whole record that chains and verifies), bundles
 * no record references (moved to <vault>/orphans/, never deleted: removing
 * records from the end of the manifest leaves such bundles too), temporary
 * files in bundles/ and index/ (deleted), a stale index (rebuilt), and cached
 * change summaries that the texts do not give (deleted; recomputed when next
 * needed: the check runs after the lock is released, through the readers,
 * and in a dry run only when the index is current). Valid records are never
 * touched. Refuses, changing nothing, when the manifest is
 * damaged anywhere else (tampering, not a crash).
 * @param[out] actions when not NULL, the number of steps taken (or announced).
 * @return 0, DS_EINTEGRITY (the manifest is damaged elsewhere: the message
 *         names the line and says to run verify), DS_EIO, DS_ENOMEM.
 */
int ds_vault_repair(size_t *actions, ds_vault *v, const ds_vault_repair_options *opts);

#ifdef __cplusplus
}
#endif
#endif
