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

/* Bytes of documents and originals from which the writer compresses them
 * as a zstd frame of their own, while the head is made (see
 * ds_bundle_writer_finish()): two jobs of zstd's. */
#ifndef DS__BUNDLE_SPLIT_MIN
#define DS__BUNDLE_SPLIT_MIN ((uint64_t)2 * DS__BUNDLE_JOB_SIZE)
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
    DS__ENTRY_ORIGINAL,
    DS__ENTRY_DOCUMENT_PATCH, /* documents/<D>.txt.from-<B>.zst */
    DS__ENTRY_ORIGINAL_PATCH  /* originals/<D>.<ext>.from-<B>.zst */
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

/* ------------------------------------------------------------------------ */
/* Patch entries (bundle_patch.c)                                             */

/* Whether a bundle of this format version may hold patch entries: the one
 * place that decides it (format 2 introduces them). */
int ds__bundle_patches_allowed(int format_version);

/* Room for an entry path (a patch entry path is at most 157 bytes). */
#define DS__PATH_CAP (DS_BUNDLE_MAX_PATH + 1)

/* The message (and DS_ENOTFOUND) for a patch entry read without a base
 * provider. */
int ds__patch_no_base_error(const char *target, const char *base);

/* Load a patch's base through the provider and check it against the digest
 * in its name; *data is the caller's to free(). DS_ENOTFOUND without a
 * provider; DS_EINTEGRITY when the bytes do not match. Messages name
 * target (the entry the patch expands to) and base. */
int ds__patch_load_base(void **data, size_t *len, const ds_bundle_base_provider *bases,
                        const char *target, const char *base);

/* A streaming patch expander: a ds_sink taking the patch's bytes and writing
 * the expanded content to out. end() checks that exactly one complete frame
 * with content size and checksum was given. Errors: DS_EINTEGRITY ("...why")
 * for a bad patch, DS_ELIMIT when it expands beyond DS_BUNDLE_MAX_PATCH_SIZE,
 * or out's error. */
typedef struct ds__patch_dec ds__patch_dec;
int ds__patch_dec_new(ds__patch_dec **out, const void *base, size_t base_len, const ds_sink *sink);
int ds__patch_dec_write(void *ctx, const void *buf, size_t len); /* ctx: the ds__patch_dec */
int ds__patch_dec_end(ds__patch_dec *p);
uint64_t ds__patch_dec_size(const ds__patch_dec *p); /* bytes expanded so far */
void ds__patch_dec_free(ds__patch_dec *p);

/* Expand the reader's current entry, a patch of target against base (see
 * ds_bundle_patch_path_split()), into out (in memory, at most
 * DS_BUNDLE_MAX_PATCH_SIZE bytes) and check it against the digest in
 * target's name. DS_EINTEGRITY, DS_ELIMIT, the provider's and the reader's
 * errors; messages name target and base. */
int ds__bundle_expand_current(ds__buf *out, ds_bundle_reader *r, const char *target,
                              const char *base, const ds_bundle_base_provider *bases);

/* ds_bundle_extract() of an entry stored in full only: when the bundle holds
 * it as a patch, *as_patch is set and DS_ENOTFOUND returned. */
int ds__bundle_extract_full(const char *path, const char *entry, const ds_sink *sink,
                            int *as_patch);

/* The paths of a bundle's entries (those without a problem), sorted
 * bytewise; caller frees each and the array. Reader errors. */
int ds__bundle_list(const char *path, char ***names, size_t *count);
/* How a listing stores entry ("documents/<D>.txt", or "originals/<D>" for
 * any extension): its path in the archive (the entry's own, or a patch
 * entry's), or NULL. */
const char *ds__bundle_list_find(char *const *names, size_t count, const char *entry);

/* Make a patch of content against base at a zstd level: one frame with
 * content size and checksum, window covering base and content. Returns 1
 * with the frame in out when it is smaller than limit bytes, 0 when it is
 * not (out then undefined), or a negative DS_E code. */
int ds__patch_make(ds__buf *out, const void *base, size_t base_len, const void *content,
                   size_t content_len, int level, size_t limit);

/* The size of content compressed on its own at a zstd level (one frame with
 * checksum, streamed: no output is kept). */
int ds__compressed_size(uint64_t *out, const void *content, size_t len, int level);

/* A ds_sink that discards. */
int ds__null_sink_write(void *ctx, const void *buf, size_t len);

/* Write a file made from the bundle at path to out_path ("-": standard
 * output) by fill(ctx, fd, name): through a temporary file renamed into place
 * when complete (discarded on failure); never over path itself (DS_EINVALID).
 * Returns fill's error, or DS_EIO, DS_ENOMEM. */
/* For tests: in a bundle split in frames, wait ms milliseconds before the
 * head is written, so that the other thread's frame is in its spool by then
 * (the timing a loaded machine can give). */
void ds__bundle_writer_delay_head(ds_bundle_writer *w, unsigned ms);

int ds__bundle_write_out(const char *path, const char *out_path,
                         int (*fill)(void *ctx, int fd, const char *name), void *ctx);

#endif
