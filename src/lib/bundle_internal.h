/*
 * bundle_internal.h - pieces shared by bundle_write.c, bundle_read.c and
 * bundle_verify.c (not installed).
 */
#ifndef DS_BUNDLE_INTERNAL_H
#define DS_BUNDLE_INTERNAL_H

#include "docseal/bundle.h"
#include "util.h"

#include <jansson.h>

/* The prefix of the trusted comment of MANIFEST.minisig. */
#define DS__BUNDLE_TC_PREFIX "docseal-bundle 1 "

/* The zstd window the writer uses (log2 bytes): 32 MiB. */
#define DS__BUNDLE_WINDOW_LOG 25

/* Bytes of input per zstd worker job: fixed, so that the output does not
 * depend on the machine; memory grows with it (about twice per worker). */
#ifndef DS__BUNDLE_JOB_SIZE
#define DS__BUNDLE_JOB_SIZE (4 << 20)
#endif

/* I/O block size for streaming entry data. */
#define DS__BUNDLE_BLOCK (128 * 1024)

/* Kinds of entry by path. */
typedef enum ds__entry_kind {
    DS__ENTRY_INVALID = 0,
    DS__ENTRY_MANIFEST,
    DS__ENTRY_SIGNATURE,
    DS__ENTRY_SNAPSHOT,
    DS__ENTRY_DOCUMENT,
    DS__ENTRY_ORIGINAL
} ds__entry_kind;

/* Classify a valid path (see ds_bundle_path_problem()). */
ds__entry_kind ds__bundle_entry_kind(const char *path);

/* The file name extension (without dot) of originals in a given format. */
const char *ds__bundle_format_ext(ds_format f);
/* Format named by an originals/ extension; DS_FORMAT_AUTO when unknown. */
ds_format ds__bundle_ext_format(const char *ext);

/* Escape path bytes for messages: printable ASCII kept, others as \xNN;
 * at most ~300 characters. Caller frees. */
char *ds__bundle_quote(const char *s);

/* The MANIFEST parsed. Lines in file order (which a valid MANIFEST keeps
 * sorted). */
typedef struct ds__manifest_line {
    char digest[DS_SHA256_HEX_SIZE];
    char *path;
} ds__manifest_line;
typedef struct ds__manifest {
    ds__manifest_line *lines;
    size_t count;
} ds__manifest;
/* Parse MANIFEST text. On a malformed line returns DS_EINVALID with the
 * message "MANIFEST: line N: why" and *m holds the lines parsed so far. */
int ds__manifest_parse(ds__manifest *m, const char *data, size_t len);
void ds__manifest_free(ds__manifest *m);
/* Index of the line for path, or -1 (binary search; lines must be sorted). */
long ds__manifest_find(const ds__manifest *m, const char *path);

/* Parse snapshot.json into info (bundle_id left empty). Strict: every field
 * is checked for type and shape. DS_EINVALID / DS_EUNSUPPORTED with
 * "snapshot.json: why". */
int ds__snapshot_parse(ds_bundle_info **out, const char *data, size_t len);

/* Read MANIFEST, MANIFEST.minisig and snapshot.json of a bundle into memory
 * (everything else is skipped), without verification. Entries with problems
 * are errors (DS_EINVALID). Any out may be NULL when not wanted. */
typedef struct ds__bundle_meta {
    ds__buf manifest, signature, snapshot;
    int have_manifest, have_signature, have_snapshot;
} ds__bundle_meta;
int ds__bundle_read_meta(ds__bundle_meta *meta, const char *path);
void ds__bundle_meta_free(ds__bundle_meta *meta);

/* A set of strings (open addressing). Zero-initialize; ds__strset_add
 * returns 1 when added, 0 when already present, DS_ENOMEM. */
typedef struct ds__strset {
    char **slots;
    size_t cap, count;
} ds__strset;
int ds__strset_add(ds__strset *set, const char *s);
int ds__strset_has(const ds__strset *set, const char *s);
void ds__strset_remove(ds__strset *set, const char *s);
void ds__strset_free(ds__strset *set);

/* After a reader error: the entry whose data could not be read, or NULL
 * (borrowed). */
const char *ds__bundle_reader_failed_entry(const ds_bundle_reader *r);

/* A ds_sink that discards. */
int ds__null_sink_write(void *ctx, const void *buf, size_t len);

#endif
