/*
 * docseal/bundle.h - signed archive bundles (format v1): write, read, verify.
 *
 * A bundle is a POSIX pax tar archive (IEEE Std 1003.1-2017, pax format,
 * written with ustar headers whenever they suffice) compressed with zstd
 * (RFC 8878), named "<bundle id>.tar.zst". Entries, in bytewise order of
 * their paths, all regular files with mode 0644, uid/gid 0, no user or group
 * names and mtime = the snapshot time:
 *   MANIFEST                  "<sha256 hex>  <path>\n" for every other entry
 *                             except MANIFEST.minisig, sorted bytewise by path
 *                             (the format sha256sum(1) reads and writes)
 *   MANIFEST.minisig          minisign signature of MANIFEST (see sign.h) with
 *                             the trusted comment
 *                             "docseal-bundle 1 time:<RFC 3339 UTC> bundle:<id>"
 *   documents/<sha256>.txt    normalized texts, named by content hash
 *   originals/<sha256>.<ext>  original bytes, named by original hash; <ext>
 *                             is "txt", "md" or "html" after the input format
 *   snapshot.json             snapshot metadata (UTF-8 JSON, final newline)
 * In a vault, a documents/ or originals/ entry of a changed document may be
 * stored as a patch entry "<entry>.from-<base sha256>.zst" instead (see
 * ds_bundle_base_provider); MANIFEST and snapshot.json still name the entry.
 * The archive order is MANIFEST, MANIFEST.minisig, snapshot.json, then each
 * text (bytewise by name) followed by the originals it came from. docseal
 * writes zstd frames (one; or, from 8 MiB of entries stored in full, three:
 * the head, the other entries, the end of the archive; the same tar stream)
 * with content checksum, fixed-size jobs, and when an HTML
 * original is stored long-distance matching over a 2^25-byte window (so
 * `zstd -d` needs no memory option); readers accept entries in any order
 * and any zstd stream with windows up to 2^27 bytes.
 * The bundle id is the SHA-256 of the MANIFEST bytes (lowercase hex). The
 * signature covers content digests, never compressed bytes: a bundle may be
 * recompressed or repacked without breaking provenance. The same inputs,
 * time, key and compression level give a byte-identical bundle. The full
 * format is in docseal-formats(5), section BUNDLE FORMAT 1.
 *
 * Functions marked [vault] are used by the vault module.
 */
#ifndef DOCSEAL_BUNDLE_H
#define DOCSEAL_BUNDLE_H

#include "docseal/normalize.h"
#include "docseal/report.h"
#include "docseal/sign.h"
#include "docseal/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The newest bundle format read (1 and 2 are); the writer writes 2 only for
 * what needs it (compact sightings, see ds_bundle_writer_mark_compact()). */
#define DS_BUNDLE_FORMAT_VERSION 2
/** The "format" value of snapshot.json. */
#define DS_BUNDLE_FORMAT_NAME "docseal-bundle"
/** Default zstd level, chosen by measurement (see docseal-seal(1)). */
#define DS_BUNDLE_DEFAULT_LEVEL 3
/** Pass as snapshot_time to use SOURCE_DATE_EPOCH when set, else the current time. */
#define DS_TIME_NOW ((int64_t)-1)

/* ------------------------------------------------------------------------ */
/* Limits. The reader checks every one of them before allocating anything for
 * an entry, and the writer refuses to make a bundle that breaks them.       */

/** Most entries in a bundle (so at most 49,998 stored documents). */
#define DS_BUNDLE_MAX_ENTRIES 100000u
/** Longest entry path in bytes. */
#define DS_BUNDLE_MAX_PATH 255u
/** Largest documents/ or originals/ entry in bytes (16 GiB). */
#define DS_BUNDLE_MAX_ENTRY_SIZE ((uint64_t)16 << 30)
/** Largest MANIFEST or snapshot.json in bytes (64 MiB); these are held in memory. */
#define DS_BUNDLE_MAX_METADATA_SIZE ((uint64_t)64 << 20)
/** Largest MANIFEST.minisig in bytes (16 KiB). */
#define DS_BUNDLE_MAX_SIGNATURE_SIZE ((uint64_t)16 << 10)
/** Largest sum of declared entry sizes in bytes (1 TiB). */
#define DS_BUNDLE_MAX_TOTAL_SIZE ((uint64_t)1 << 40)
/** Largest zstd window accepted (log2 bytes; 27 = 128 MiB, zstd's own default limit). */
#define DS_BUNDLE_MAX_WINDOW_LOG 27u
/** Largest base, and largest expanded content, of a patch entry in bytes (16 MiB): a
    patch and its base are held in memory while it is made or expanded. */
#define DS_BUNDLE_MAX_PATCH_SIZE ((uint64_t)16 << 20)

/** Limits applied when reading a bundle; the _INIT values are the DS_BUNDLE_MAX_ ones. */
typedef struct ds_bundle_limits {
    unsigned int version;        /**< DS_BUNDLE_LIMITS_VERSION */
    uint64_t max_entries;        /**< entries (headers) in the archive */
    uint64_t max_path;           /**< bytes in an entry path */
    uint64_t max_entry_size;     /**< bytes in a documents/ or originals/ entry */
    uint64_t max_metadata_size;  /**< bytes in MANIFEST or snapshot.json */
    uint64_t max_signature_size; /**< bytes in MANIFEST.minisig */
    uint64_t max_total_size;     /**< sum of the declared sizes of all entries */
    unsigned max_window_log;     /**< log2 of the largest zstd window */
} ds_bundle_limits;
#define DS_BUNDLE_LIMITS_VERSION 1
#define DS_BUNDLE_LIMITS_INIT                                                                      \
    {                                                                                              \
        DS_BUNDLE_LIMITS_VERSION, DS_BUNDLE_MAX_ENTRIES, DS_BUNDLE_MAX_PATH,                       \
            DS_BUNDLE_MAX_ENTRY_SIZE, DS_BUNDLE_MAX_METADATA_SIZE, DS_BUNDLE_MAX_SIGNATURE_SIZE,   \
            DS_BUNDLE_MAX_TOTAL_SIZE, DS_BUNDLE_MAX_WINDOW_LOG                                     \
    }

/* ------------------------------------------------------------------------ */
/* Patch entries and their bases                                              */

/**
 * Where the bases of patch entries come from. A patch entry
 * "documents/<D>.txt.from-<B>.zst" (or "originals/<D>.<ext>.from-<B>.zst") is
 * stored instead of "documents/<D>.txt" ("originals/<D>.<ext>"): one zstd
 * frame that expands, with the base "documents/<B>.txt" ("originals/<B>.<ext>")
 * as its prefix (`zstd -d --patch-from=BASE`), to the entry's content. The
 * base is stored in full in an earlier bundle of the same vault (see PATCH
 * ENTRIES in docseal-formats(5)); a bundle holding patch entries is "thin".
 *
 * load() gets the base's entry path and must set *data (allocated with
 * malloc(); the caller frees it with free()) and *len to the base's bytes,
 * taken from an entry stored in full (never expanded from another patch), at
 * most DS_BUNDLE_MAX_PATCH_SIZE bytes. The caller checks them against the
 * digest in the base's name. It returns 0, or a negative DS_E code with
 * ds_error_last() saying why (DS_ENOTFOUND: no bundle holds the base in
 * full). ds_vault_base_provider() makes one for a vault. In a large bundle
 * ds_bundle_writer_finish() calls load() from a thread of its own (one at a
 * time, while the calling thread makes snapshot.json): load() must not rely
 * on running in the caller's thread.
 */
typedef struct ds_bundle_base_provider {
    int (*load)(void *ctx, const char *entry, void **data, size_t *len);
    void *ctx;
} ds_bundle_base_provider;

/* ------------------------------------------------------------------------ */
/* Writing                                                                    */

typedef struct ds_bundle_writer ds_bundle_writer;

typedef struct ds_bundle_options {
    unsigned int version;  /**< DS_BUNDLE_OPTIONS_VERSION */
    int compression_level; /**< zstd level 1..19; 0 = DS_BUNDLE_DEFAULT_LEVEL */
    int threads;           /**< zstd worker threads (>= 1); 0 = one per online CPU. The
                                output does not depend on it. */
    int64_t snapshot_time; /**< seconds since the epoch (>= 0), or DS_TIME_NOW */
    const char *out_dir;   /**< where finish() puts "<bundle id>.tar.zst" and where the
                                writer keeps its (already unlinked) spool files; must
                                exist; NULL = "." */
} ds_bundle_options;
#define DS_BUNDLE_OPTIONS_VERSION 1
#define DS_BUNDLE_OPTIONS_INIT                                                                     \
    {                                                                                              \
        DS_BUNDLE_OPTIONS_VERSION, 0, 0, DS_TIME_NOW, NULL                                         \
    }

/** What a snapshot says of a document relative to its previous revision. */
typedef enum ds_doc_status {
    DS_DOC_NEW = 0,  /**< first revision (or no vault: a one-off seal) */
    DS_DOC_CHANGED,  /**< content differs from the previous revision */
    DS_DOC_UNCHANGED /**< same content hash as the previous revision: recorded as seen,
                          text and original not stored again */
} ds_doc_status;

/** "new", "changed" or "unchanged". */
const char *ds_doc_status_name(ds_doc_status s);

typedef struct ds_bundle_doc_options {
    unsigned int version;                  /**< DS_BUNDLE_DOC_OPTIONS_VERSION */
    const char *id;                        /**< document id, or NULL: front matter id, else
                                                canonical URL, else the file name without
                                                its last extension ("stdin" for "-");
                                                whichever it is, it is stored in Unicode
                                                Normalization Form C (UAX #15) */
    const char *canonical_url;             /**< overrides the document's, or NULL */
    const ds_normalize_options *normalize; /**< or NULL for defaults (flag
                                              DS_NORMALIZE_NO_DIGESTS is ignored) */
} ds_bundle_doc_options;
#define DS_BUNDLE_DOC_OPTIONS_VERSION 1
#define DS_BUNDLE_DOC_OPTIONS_INIT                                                                 \
    {                                                                                              \
        DS_BUNDLE_DOC_OPTIONS_VERSION, NULL, NULL, NULL                                            \
    }

/**
 * [vault] Start a bundle.
 * @param[out] out the writer. Ownership: caller frees with ds_bundle_writer_free().
 * @param key the signing key; borrowed, must outlive the writer.
 * @param opts options, or NULL for defaults.
 * @return 0, DS_EINVALID (level outside 1..19, negative time, out_dir not a
 *         directory), DS_ENOMEM.
 */
int ds_bundle_writer_new(ds_bundle_writer **out, const ds_secret_key *key,
                         const ds_bundle_options *opts);

/**
 * [vault] Read, normalize and spool one document. Memory stays bounded: the
 * original is hashed while streaming (ds_normalize_file()) and the normalized
 * text is spooled to an unlinked temporary file in out_dir. Originals are
 * spooled too when they come from standard input ("-"), a non-regular file
 * or a regular file of at most 1 MiB: the bundle then holds exactly the bytes
 * that were read. A larger regular file is read again by finish(), which
 * fails when it changed meanwhile.
 * @param path a file path, or "-" for standard input.
 * @param opts options, or NULL for defaults.
 * @param[out] doc_out when not NULL, the document (borrowed, valid until the
 *             writer is freed; text is NULL); doc_out->id holds the resolved
 *             document id and canonical_url the overriding URL if one was given.
 * @param[out] index_out when not NULL, the document's index (0, 1, ...).
 * @return 0, the errors of ds_normalize_file(), DS_EEXISTS (the document id
 *         is already in this bundle), DS_ELIMIT (too many documents for one
 *         bundle), DS_EUSAGE (after finish()), DS_EIO (spool write failed).
 *         On error the writer is unchanged and may still be used.
 */
int ds_bundle_writer_add_file(ds_bundle_writer *w, const char *path,
                              const ds_bundle_doc_options *opts, const ds_document **doc_out,
                              size_t *index_out);

/**
 * [vault] Add n documents at once, normalizing them in parallel on up to
 * opts.threads threads of ds_bundle_writer_new() (one per CPU by default;
 * the bundle does not depend on the thread count). The documents get
 * consecutive indexes in input order, as n calls of add_file() would give.
 * All or nothing: on error no document of the batch is added, and the error
 * is the one of the first failing path in input order.
 * @param paths n file paths; "-" (standard input) at most once.
 * @param opts applied to every document; its id and canonical_url must be
 *        NULL when n > 1 (DS_EUSAGE).
 * @param[out] docs_out when not NULL, an array of n that receives the
 *             documents (borrowed as with add_file()).
 * @param[out] first_index when not NULL, the index of the first document.
 * @return 0 or the errors of add_file(), plus DS_EUSAGE (n == 0, "-" twice).
 *         The normalizer must be thread-safe (docseal's is).
 */
int ds_bundle_writer_add_files(ds_bundle_writer *w, const char *const *paths, size_t n,
                               const ds_bundle_doc_options *opts, const ds_document **docs_out,
                               size_t *first_index);

/**
 * [vault] Record a document's revision number (1 = first; 0 = unknown), its
 * status and the content hash of its previous revision (64 lowercase hex, or
 * NULL when none). DS_DOC_UNCHANGED documents are listed in snapshot.json but
 * neither their text nor their original is stored (see
 * ds_bundle_writer_keep_original()). Without a call a document is DS_DOC_NEW
 * with revision 0 and no previous hash. A later call undoes keep_original().
 * @return 0, DS_EINVALID (index out of range, bad hash, bad status),
 *         DS_EUSAGE (after finish()).
 */
int ds_bundle_writer_mark(ds_bundle_writer *w, size_t index, unsigned revision,
                          ds_doc_status status, const char *previous_content_sha256);

/**
 * [vault] Store the original of a document marked DS_DOC_UNCHANGED all the
 * same (its text still is not stored): for a document read from bytes that
 * differ from the ones stored before, so that they are kept. snapshot.json
 * then names it in original_entry (BUNDLE FORMAT 1 in docseal-formats(5)).
 * @return 0, DS_EINVALID (index out of range, or the document is not marked
 *         unchanged), DS_EUSAGE (after finish()).
 */
int ds_bundle_writer_keep_original(ds_bundle_writer *w, size_t index);

/**
 * [vault] Offer bases to store a changed document's text and original as
 * patch entries (see ds_bundle_base_provider). At finish() each offered
 * entry is stored as a patch when its base and content are each at most
 * DS_BUNDLE_MAX_PATCH_SIZE bytes, the base can be loaded (and has the digest
 * its name gives), and the patch is smaller than half of the entry compressed
 * on its own at the bundle's level; otherwise it is stored in full. MANIFEST,
 * snapshot.json and so the bundle id are the same either way. Only one base
 * is held in memory at a time.
 * @param index a document marked DS_DOC_CHANGED (ds_bundle_writer_mark()), or
 *        one marked DS_DOC_UNCHANGED whose original is kept
 *        (ds_bundle_writer_keep_original(); then text_base must be NULL).
 * @param text_base "documents/<64 hex>.txt", or NULL: no patch for the text.
 * @param original_base "originals/<64 hex>.<ext>" with the extension of the
 *        document's own original, or NULL.
 * @param bases the provider (borrowed; must outlive finish()).
 * @return 0, DS_EINVALID (index out of range, the document is neither marked
 *         changed nor keeps its original, a base path of the wrong form or extension, bases NULL),
 *         DS_EUSAGE (after finish()), DS_ENOMEM.
 */
int ds_bundle_writer_patch(ds_bundle_writer *w, size_t index, const char *text_base,
                           const char *original_base, const ds_bundle_base_provider *bases);

/**
 * [vault] List a document marked DS_DOC_UNCHANGED (with a revision, without
 * keep_original()) by its id and revision alone, in snapshot.json's "unchanged",
 * instead of as an object of "documents": a compact sighting, for a document
 * read again from the same bytes as in its vault's previous record of it
 * (whose revision and digests it shares). A bundle with such a document is of
 * format 2 (docseal-formats(5), BUNDLE FORMAT). A later mark() or
 * keep_original() undoes it.
 * @return 0, DS_EINVALID (index out of range; not marked unchanged with a
 *         revision, or keep_original() was called), DS_EUSAGE (after finish()).
 */
int ds_bundle_writer_mark_compact(ds_bundle_writer *w, size_t index);

/**
 * [vault] Write the bundle: MANIFEST (all digests are known), its signature,
 * then the entries streamed from the spool files and originals, into a
 * temporary file next to the target, fsync, rename over the target (a bundle
 * with the same id has identical signed content: it is replaced atomically),
 * fsync of the directory. At least one document must have been added.
 * @param out_path the bundle path, or NULL for "<out_dir>/<bundle id>.tar.zst".
 * @param[out] bundle_id the bundle id (SHA-256 of MANIFEST, lowercase hex).
 * @param[out] path_out when not NULL, the path written (caller frees).
 * @return 0, DS_EUSAGE (no documents, or finish() called twice), DS_EIO
 *         ("PATH: changed while being sealed" when an original differs from
 *         what add_file() read; write, fsync or rename failures), DS_ELIMIT,
 *         DS_ENOMEM, DS_ERROR (compression or signing failed). On error no
 *         bundle file is left behind.
 */
int ds_bundle_writer_finish(ds_bundle_writer *w, const char *out_path,
                            char bundle_id[DS_SHA256_HEX_SIZE], char **path_out);

/** Free a writer and close its spool files; NULL is allowed. */
void ds_bundle_writer_free(ds_bundle_writer *w);

/* ------------------------------------------------------------------------ */
/* Bundle metadata                                                            */

/** One document as listed in snapshot.json. Strings are NULL when absent. */
typedef struct ds_bundle_doc {
    char *id, *canonical_url, *title, *byline, *published_raw, *published, *modified;
    char *language, *site_name;
    char *format; /**< "text", "markdown" or "html" */
    char content_sha256[DS_SHA256_HEX_SIZE];
    char original_sha256[DS_SHA256_HEX_SIZE];
    char previous_content_sha256[DS_SHA256_HEX_SIZE]; /**< "" when none */
    uint64_t content_size, original_size;             /**< bytes */
    unsigned revision;                                /**< 0 when not recorded (one-off seal) */
    ds_doc_status status;
    char *document_entry; /**< "documents/<sha>.txt", or NULL when not in this bundle */
    char *original_entry; /**< "originals/<sha>.<ext>", or NULL when not in this bundle */
    /* The normalization options used (recorded so that verify --deep can redo it). */
    char *date_order;               /**< "none", "mdy", "dmy" or "ymd" */
    int keep_boilerplate;           /**< 1 when boilerplate rules were not applied */
    char *from_encoding;            /**< iconv name, or NULL for UTF-8 */
    char *boilerplate_rules_sha256; /**< SHA-256 of an extra rules file, or NULL */
} ds_bundle_doc;

/** A compact sighting of snapshot.json's "unchanged" (format 2). */
typedef struct ds_bundle_sighting {
    char *id;
    unsigned revision; /**< the revision its vault's previous record of it gives */
} ds_bundle_sighting;

typedef struct ds_bundle_info {
    char bundle_id[DS_SHA256_HEX_SIZE]; /**< SHA-256 of the MANIFEST bytes */
    int64_t snapshot_time;              /**< seconds since the epoch */
    char *created;                      /**< RFC 3339 UTC */
    char key_id[DS_KEY_ID_HEX_SIZE];    /**< the signer's key id */
    char *tool, *normalizer;            /**< "docseal 0.1.0", "norm-1" */
    ds_bundle_doc *docs;                /**< in the order they were added */
    size_t doc_count;
    int format_version;            /**< 1 or 2 */
    ds_bundle_sighting *unchanged; /**< format 2: compact sightings, in order */
    size_t unchanged_count;
    char unchanged_sha256[DS_SHA256_HEX_SIZE]; /**< their digest ("" when none): see
                                                    ds_manifest_unchanged_digest() */
} ds_bundle_info;

/**
 * [vault] Read MANIFEST and snapshot.json of a bundle, without verifying
 * digests or the signature (use ds_bundle_verify() for that). The whole
 * bundle is decompressed (snapshot.json is the last entry), in bounded memory.
 * @param[out] out Ownership: caller frees with ds_bundle_info_free().
 * @return 0, DS_ENOTFOUND (no such file), DS_EINVALID (not a regular file;
 *         not a bundle: unsafe or unknown entries, MANIFEST or snapshot.json
 *         missing or malformed), DS_EUNSUPPORTED (another format version),
 *         DS_ELIMIT, DS_EIO, DS_ENOMEM. The message names the entry.
 */
int ds_bundle_read_info(ds_bundle_info **out, const char *path);

/** Free bundle info; NULL is allowed. */
void ds_bundle_info_free(ds_bundle_info *info);

/**
 * [vault] Stream one entry's bytes to sink (e.g. "documents/<sha>.txt"; as
 * "originals/<sha>" without an extension it names the original whatever its
 * extension). No need for ds_bundle_read_info() first: a text's entry is
 * "documents/<content sha256>.txt".
 * A documents/ or originals/ entry is hashed while streaming and checked
 * against the digest in its name at the end.
 * @return 0; DS_ENOTFOUND (no such entry; or no such file); DS_EINTEGRITY
 *         (the content does not match its name: the sink has already received
 *         the damaged bytes); DS_EINVALID (not a bundle); DS_ELIMIT; DS_EIO;
 *         or the code the sink returned.
 */
int ds_bundle_extract(const char *path, const char *entry, const ds_sink *sink);

/**
 * ds_bundle_extract(), expanding a patch entry: when the bundle stores entry
 * as "<entry>.from-<B>.zst", its base is loaded from bases and the patch
 * expanded (in memory: base and content are each at most
 * DS_BUNDLE_MAX_PATCH_SIZE bytes); the expanded content is checked against
 * the digest in entry's name before the sink sees any of it.
 * @param bases the provider, or NULL (ds_bundle_extract()): a patch entry
 *        then fails with DS_ENOTFOUND and the message "<entry> is stored as a
 *        patch against <base>, which is in another bundle of the vault: verify
 *        the vault, or docseal export the bundle".
 * @return the errors of ds_bundle_extract(), plus DS_EINTEGRITY (the patch
 *         does not expand, or expands to other content; the message names
 *         the entry), DS_ELIMIT, and the errors of bases->load() (the message
 *         names the entry and its base).
 */
int ds_bundle_extract_ext(const char *path, const char *entry, const ds_sink *sink,
                          const ds_bundle_base_provider *bases);

/**
 * Write a standalone copy of a bundle: the same MANIFEST, MANIFEST.minisig
 * and snapshot.json bytes and every other entry in full, each patch entry
 * replaced by the entry it expands to, in the same order (so the bundle id
 * and signature are unchanged and the copy verifies with stock tools alone,
 * see BUNDLE FORMAT 1 in docseal-formats(5)). Entries are written as the
 * writer writes them (ustar headers, mode 0644, mtime = the snapshot time),
 * compressed with zstd level DS_BUNDLE_DEFAULT_LEVEL with content checksum.
 * Streams every full entry; holds one patch, its base and its content in
 * memory at a time. Each entry is checked against the digest in its name
 * while it is copied; nothing is verified beyond that (use ds_bundle_verify()).
 * @param path the bundle to copy.
 * @param out_path the file to write (atomically: temporary file, fsync,
 *        rename), or "-" for standard output.
 * @param bases the provider of patch bases, or NULL (a patch entry then fails
 *        as in ds_bundle_extract_ext()).
 * @return 0, DS_ENOTFOUND (no such file; a base not found), DS_EINVALID (not
 *         a bundle: an unsafe entry, no snapshot.json; out_path is the bundle
 *         itself), DS_EUNSUPPORTED,
 *         DS_EINTEGRITY (an entry or a patch does not match its name),
 *         DS_ELIMIT, DS_EIO, DS_ENOMEM, DS_ERROR (compression failed). On
 *         error no file is left at out_path (standard output may have received
 *         part of the bundle).
 */
int ds_bundle_export(const char *path, const char *out_path, const ds_bundle_base_provider *bases);

/* ------------------------------------------------------------------------ */
/* Reading entries                                                            */

typedef struct ds_bundle_reader ds_bundle_reader;

typedef enum ds_bundle_entry_type {
    DS_BUNDLE_ENTRY_FILE = 0, /**< a regular file */
    DS_BUNDLE_ENTRY_DIR,
    DS_BUNDLE_ENTRY_SYMLINK,
    DS_BUNDLE_ENTRY_HARDLINK,
    DS_BUNDLE_ENTRY_OTHER /**< device, FIFO, socket, sparse file, ... */
} ds_bundle_entry_type;

typedef struct ds_bundle_entry {
    const char *path; /**< as stored (raw bytes, NUL-terminated); borrowed until the next
                           ds_bundle_reader_next() */
    uint64_t size;    /**< declared size in bytes */
    ds_bundle_entry_type type;
    uint64_t offset;     /**< offset of its header in the decompressed tar stream */
    const char *problem; /**< NULL when the entry is allowed in a bundle, else why not
                              (e.g. "absolute path", "symbolic link"); borrowed */
} ds_bundle_entry;

/**
 * Open a bundle for reading entry by entry (zstd decompressed in-process,
 * tar parsed by libarchive; nothing is written to disk).
 * @param limits or NULL for DS_BUNDLE_LIMITS_INIT.
 * @param[out] out Ownership: caller frees with ds_bundle_reader_free().
 * @return 0, DS_ENOTFOUND, DS_EINVALID (not a regular file), DS_EIO, DS_ENOMEM.
 */
int ds_bundle_reader_open(ds_bundle_reader **out, const char *path, const ds_bundle_limits *limits);

/**
 * Advance to the next entry (skipping the unread data of the current one).
 * An entry breaking a rule (type, path grammar, a size limit, a duplicate
 * path) is returned with entry->problem set; its data cannot be read.
 * @return 1 with *entry filled, 0 at the end of the archive, or
 *         DS_EINVALID (corrupt zstd or tar data, truncation: the message
 *         names the offset and the entry), DS_ELIMIT (entry count or total
 *         size over the limit), DS_EIO, DS_ENOMEM.
 */
int ds_bundle_reader_next(ds_bundle_reader *r, ds_bundle_entry *entry);

/**
 * Stream the current entry's data to sink in blocks (up to 64 KiB).
 * @return 0, DS_EUSAGE (no current entry, or it has a problem), the errors
 *         of ds_bundle_reader_next(), or the code the sink returned.
 */
int ds_bundle_reader_stream(ds_bundle_reader *r, const ds_sink *sink);

/**
 * After ds_bundle_reader_next() returned 0: decompress what follows the tar
 * end-of-archive marker to the end of the file, so that corruption or
 * truncation there is reported too.
 * @return 0, DS_EINVALID (with the offset), DS_EIO.
 */
int ds_bundle_reader_finish(ds_bundle_reader *r);

/** Bytes read from the file and bytes decompressed so far. */
void ds_bundle_reader_offsets(const ds_bundle_reader *r, uint64_t *compressed,
                              uint64_t *decompressed);

/** Free a reader; NULL is allowed. */
void ds_bundle_reader_free(ds_bundle_reader *r);

/**
 * Why path is not a valid bundle entry path, or NULL when it is one of
 * "MANIFEST", "MANIFEST.minisig", "snapshot.json", "documents/<64 lowercase
 * hex>.txt", "originals/<64 lowercase hex>.{txt,md,html}".
 * @return a static string, or NULL.
 */
const char *ds_bundle_path_problem(const char *path);

/**
 * For a patch entry path "documents/<D>.txt.from-<B>.zst" or
 * "originals/<D>.<ext>.from-<B>.zst": the entry it expands to
 * ("documents/<D>.txt", "originals/<D>.<ext>") and its base
 * ("documents/<B>.txt", "originals/<B>.<ext>").
 * @param[out] target, base each DS_BUNDLE_MAX_PATH + 1 bytes, or NULL.
 * @return 1 for a patch entry path, else 0 (outputs untouched).
 */
int ds_bundle_patch_path_split(const char *path, char *target, char *base);

/* ------------------------------------------------------------------------ */
/* Verifying                                                                  */

typedef struct ds_bundle_verify_options {
    unsigned int version;             /**< DS_BUNDLE_VERIFY_OPTIONS_VERSION */
    const ds_public_key *const *keys; /**< trusted public keys (borrowed) */
    size_t key_count;
    int deep;                       /**< re-normalize originals and compare */
    const ds_bundle_limits *limits; /**< or NULL for DS_BUNDLE_LIMITS_INIT */
    /** (version 2) the bases of patch entries, or NULL: a patch entry is then a failing
        "patches" check (its content cannot be checked without its base) */
    const ds_bundle_base_provider *bases;
} ds_bundle_verify_options;
#define DS_BUNDLE_VERIFY_OPTIONS_VERSION 2
#define DS_BUNDLE_VERIFY_OPTIONS_INIT                                                              \
    {                                                                                              \
        DS_BUNDLE_VERIFY_OPTIONS_VERSION, NULL, 0, 0, NULL, NULL                                   \
    }

/**
 * [vault] Verify a bundle, reporting every check by name (each is reported
 * once as "pass" or "skip" when nothing is wrong, else once per problem as
 * "fail", with the entry as subject): archive-readable, entry-safety,
 * manifest-format, manifest-complete, digests, content-hash, signature,
 * trusted-comment, bundle-id, snapshot-consistent, and with deep, renormalize;
 * when the bundle holds patch entries, also patches: each patch entry's base
 * is loaded from opts->bases (it must be stored in full there) and the patch
 * expanded; the expanded content then takes the place of the entry it
 * expands to in every other check (a patch and its target both present is an
 * entry-safety failure). Version 1 options (without bases) are accepted.
 * Streams every entry through SHA-256; never writes to disk; memory is
 * bounded (MANIFEST, signature and snapshot.json are held, within limits,
 * and one patch base at a time).
 * @param[out] report Ownership: caller frees with ds_report_free().
 * @param opts options, or NULL (no trusted keys: the signature check fails).
 * @param[out] info_out when not NULL: the bundle's info when snapshot.json
 *             could be parsed, else NULL. Caller frees with ds_bundle_info_free().
 * @return 0 when a report was produced (look at ds_report_ok()), or
 *         DS_ENOTFOUND (no such file), DS_EINVALID (not a regular file),
 *         DS_EIO (the file cannot be read), DS_ENOMEM.
 */
int ds_bundle_verify(ds_report **report, const char *path, const ds_bundle_verify_options *opts,
                     ds_bundle_info **info_out);

#ifdef __cplusplus
}
#endif
#endif
