/*
 * docseal/bundle.h - signed archive bundles (format v1): write, read, verify.
 *
 * A bundle is a POSIX pax tar archive (IEEE Std 1003.1-2017, pax format)
 * compressed with zstd (RFC 8878), named "<bundle id>.tar.zst". Entries, in
 * bytewise order of their paths, all regular files:
 *   MANIFEST                  "<sha256 hex>  <path>\n" for every other entry
 *                             except MANIFEST.minisig, sorted by path
 *   MANIFEST.minisig          minisign signature of MANIFEST (see sign.h)
 *   documents/<sha256>.txt    normalized texts, named by content hash
 *   originals/<sha256>.<ext>  original bytes, named by original hash
 *   snapshot.json             snapshot metadata
 * The bundle id is the SHA-256 of the MANIFEST bytes. The full format is in
 * docseal-formats(5), section BUNDLE FORMAT 1.
 *
 * DRAFT: owned by the bundle module; the vault depends on the functions
 * marked [vault].
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

#define DS_BUNDLE_FORMAT_VERSION 1
/** Pass as snapshot_time to use SOURCE_DATE_EPOCH when set, else the current time. */
#define DS_TIME_NOW ((int64_t)-1)

typedef struct ds_bundle_writer ds_bundle_writer;

typedef struct ds_bundle_options {
    unsigned int version;    /**< DS_BUNDLE_OPTIONS_VERSION */
    int compression_level;   /**< zstd level 1..19; 0 = the default level */
    int threads;             /**< zstd worker threads; 0 = one per online CPU */
    int64_t snapshot_time;   /**< seconds since the epoch, or DS_TIME_NOW */
    const char *out_dir;     /**< where finish() puts "<bundle id>.tar.zst" and its temporary
                                  file; NULL = "." */
} ds_bundle_options;
#define DS_BUNDLE_OPTIONS_VERSION 1
#define DS_BUNDLE_OPTIONS_INIT {DS_BUNDLE_OPTIONS_VERSION, 0, 0, DS_TIME_NOW, NULL}

/** What a snapshot says of a document relative to its previous revision. */
typedef enum ds_doc_status {
    DS_DOC_NEW = 0,   /**< first revision (or no vault: a one-off seal) */
    DS_DOC_CHANGED,   /**< content differs from the previous revision */
    DS_DOC_UNCHANGED  /**< same content hash as the previous revision: recorded as seen,
                           text and original not stored again */
} ds_doc_status;

typedef struct ds_bundle_doc_options {
    unsigned int version;                  /**< DS_BUNDLE_DOC_OPTIONS_VERSION */
    const char *id;                        /**< document id, or NULL: front matter id, else
                                                canonical URL, else the file name stem */
    const char *canonical_url;             /**< overrides the document's, or NULL */
    const ds_normalize_options *normalize; /**< or NULL for defaults */
} ds_bundle_doc_options;
#define DS_BUNDLE_DOC_OPTIONS_VERSION 1
#define DS_BUNDLE_DOC_OPTIONS_INIT {DS_BUNDLE_DOC_OPTIONS_VERSION, NULL, NULL, NULL}

/** [vault] Start a bundle signed with key (borrowed; must outlive the writer). */
int ds_bundle_writer_new(ds_bundle_writer **out, const ds_secret_key *key,
                         const ds_bundle_options *opts);

/**
 * [vault] Read, normalize and spool one document (path or "-"). Memory stays
 * bounded: the original is hashed while streaming and the normalized text is
 * spooled to a temporary file.
 * @param[out] doc_out when not NULL, the document (borrowed, valid until the
 *             writer is freed); doc_out->id holds the resolved document id.
 * @param[out] index_out when not NULL, the document's index (0, 1, ...).
 */
int ds_bundle_writer_add_file(ds_bundle_writer *w, const char *path,
                              const ds_bundle_doc_options *opts, const ds_document **doc_out,
                              size_t *index_out);

/**
 * [vault] Record a document's revision number (1 = first), its status and
 * the content hash of its previous revision (NULL when none). Unchanged
 * documents are listed in snapshot.json but not stored again.
 */
int ds_bundle_writer_mark(ds_bundle_writer *w, size_t index, unsigned revision,
                          ds_doc_status status, const char *previous_content_sha256);

/**
 * [vault] Write the bundle: temporary file in the output directory, fsync,
 * rename, fsync of the directory.
 * @param out_path the bundle path, or NULL for "<out_dir>/<bundle id>.tar.zst".
 * @param[out] bundle_id the bundle id (SHA-256 of MANIFEST, hex).
 * @param[out] path_out when not NULL, the path written (caller frees).
 */
int ds_bundle_writer_finish(ds_bundle_writer *w, const char *out_path,
                            char bundle_id[DS_SHA256_HEX_SIZE], char **path_out);

/** Free a writer and remove its spool files; NULL is allowed. */
void ds_bundle_writer_free(ds_bundle_writer *w);

/** One document as listed in snapshot.json. */
typedef struct ds_bundle_doc {
    char *id, *canonical_url, *title, *byline, *published_raw, *published, *language;
    char *format;                  /**< "text", "markdown" or "html" */
    char content_sha256[DS_SHA256_HEX_SIZE];
    char original_sha256[DS_SHA256_HEX_SIZE];
    char previous_content_sha256[DS_SHA256_HEX_SIZE]; /**< "" when none */
    uint64_t content_size, original_size;
    unsigned revision;             /**< 0 when not recorded (one-off seal) */
    ds_doc_status status;
    char *document_entry;          /**< "documents/<sha>.txt", or NULL when not stored */
    char *original_entry;          /**< "originals/<sha>.<ext>", or NULL when not stored */
} ds_bundle_doc;

typedef struct ds_bundle_info {
    char bundle_id[DS_SHA256_HEX_SIZE];
    int64_t snapshot_time;         /**< seconds since the epoch */
    char *created;                 /**< RFC 3339 UTC */
    char key_id[DS_KEY_ID_HEX_SIZE];
    char *tool, *normalizer;
    ds_bundle_doc *docs;
    size_t doc_count;
} ds_bundle_info;

/** [vault] Read MANIFEST and snapshot.json of a bundle (no verification). */
int ds_bundle_read_info(ds_bundle_info **out, const char *path);
void ds_bundle_info_free(ds_bundle_info *info);

/** [vault] Stream one entry's bytes to sink. @return 0, DS_ENOTFOUND, ... */
int ds_bundle_extract(const char *path, const char *entry, const ds_sink *sink);

typedef struct ds_bundle_verify_options {
    unsigned int version;               /**< DS_BUNDLE_VERIFY_OPTIONS_VERSION */
    const ds_public_key *const *keys;   /**< trusted public keys */
    size_t key_count;
    int deep;                           /**< re-normalize originals and compare */
} ds_bundle_verify_options;
#define DS_BUNDLE_VERIFY_OPTIONS_VERSION 1
#define DS_BUNDLE_VERIFY_OPTIONS_INIT {DS_BUNDLE_VERIFY_OPTIONS_VERSION, NULL, 0, 0}

/**
 * [vault] Verify a bundle, reporting every check by name.
 * @param[out] report Ownership: caller frees with ds_report_free().
 * @param[out] info_out when not NULL and readable, the bundle's info.
 * @return 0 when a report was produced (look at ds_report_ok()), or
 *         DS_ENOTFOUND / DS_EIO when the file cannot be opened at all.
 */
int ds_bundle_verify(ds_report **report, const char *path, const ds_bundle_verify_options *opts,
                     ds_bundle_info **info_out);

#ifdef __cplusplus
}
#endif
#endif
