/*
 * vault_internal.h - internals shared by manifest*.c and vault*.c (not installed).
 */
#ifndef DS_VAULT_INTERNAL_H
#define DS_VAULT_INTERNAL_H

#include "docseal/manifest.h"
#include "docseal/vault.h"
#include "util.h"

#include <stdint.h>

/* --- manifest.c --- */


/* Buffered line reader over a file. */
typedef struct ds__line_reader ds__line_reader;
int ds__line_reader_open(ds__line_reader **out, const char *path, uint64_t offset);
/* 1 with a line (borrowed until the next call; *terminated = 0 for a final
 * line without '\n'), 0 at end of file, or a negative DS_E code. */
int ds__line_reader_next(ds__line_reader *r, const char **line, size_t *len, uint64_t *offset,
                         int *terminated);
void ds__line_reader_free(ds__line_reader *r);
/* 1 when nothing follows the last line returned (invalidates that line). */
int ds__line_reader_at_eof(ds__line_reader *r);
/* 1 when data is not a complete JSON text (what a crash leaves behind). */
int ds__json_unparsable(const char *data, size_t len);

int ds__pread_all(int fd, void *buf, size_t len, uint64_t off, const char *what);
/* Read [start, end) into a new NUL-terminated buffer. */
int ds__read_range(char **out, int fd, uint64_t start, uint64_t end, const char *what);

/* --- vault.c --- */

struct ds_vault {
    char *path;          /* as given */
    char *config_path;   /* <path>/docseal.json */
    char *manifest_path; /* <path>/manifest.jsonl */
    char *bundles_dir;   /* <path>/bundles */
    char *keys_dir;      /* <path>/trusted-keys */
    char *index_dir;     /* <path>/index */
    char *lock_path;     /* <path>/.lock */
    char *key_path;      /* from docseal.json, or NULL */
    char *created;       /* from docseal.json */
    int compression_level;
    int version;   /* docseal.json "version": 1 or 2 */
    int lock_fd;   /* -1 when not locked */
    int lock_mode; /* 0 none, 1 shared, 2 exclusive */
    struct ds__index *index;
    /* vault_summary.c caches: one document's summary file, and the last text read */
    char *sum_path, *sum_data;
    size_t sum_len, sum_pos;
    char text_hash[DS_SHA256_HEX_SIZE];
    char *text;
    size_t text_len;
    struct ds__base_map *base_map; /* vault_patch.c: where stored entries are, from the index */
    struct ds__vault_bases *bases; /* the context of ds_vault_base_provider(), or NULL */
};

/* Take the vault lock (shared or exclusive), waiting unless nonblock
 * (then DS_EBUSY). Re-locking with the same mode is a no-op. */
int ds__vault_lock(ds_vault *v, int exclusive, int nonblock);
void ds__vault_unlock(ds_vault *v);

/* Open path read-only without blocking on a FIFO or following a symbolic
 * link, and require a regular file: 0, DS_ENOTFOUND, DS_EINVALID ("<what>:
 * not a regular file"), DS_EIO. The descriptor is left blocking. */
int ds__open_regular(int *fd, const char *path, const char *what);

/* "<bundles_dir>/<id>.tar.zst"; caller frees. */
char *ds__vault_bundle_path(const ds_vault *v, const char *bundle_id);
/* The DS_EINTEGRITY error for a manifest whose tail is torn: a torn final
 * record, or an empty line (a stray line feed) after the last record. */
int ds__torn_tail_error(ds_vault *v, const ds_manifest_tail *tail);

/* Sorted names in dir (without "." and ".."; hidden names only when asked). */
int ds__list_dir(char ***names, size_t *count, const char *dir, int include_hidden);
void ds__free_names(char **names, size_t count);

/* 1 when name is "<64 lowercase hex>.tar.zst". */
int ds__is_bundle_name(const char *name);

/* --- vault_index.c --- */

#define DS__INDEX_ENTRY_SIZE 176

typedef struct ds__index_doc {
    char *id;
    uint64_t first_entry, last_entry, last_stored_entry; /* entry numbers */
    uint32_t revisions;                                  /* latest revision number */
    uint64_t sightings;
    int64_t first_time, last_time, last_change;
    unsigned char last_content[32];  /* content hash of the latest revision */
    unsigned char last_original[32]; /* original hash of the last sighting */
} ds__index_doc;

typedef struct ds__index {
    uint64_t manifest_size; /* bytes of the manifest covered */
    uint64_t record_count;  /* seq of the last record covered */
    uint64_t last_offset;   /* offset of the last record's line */
    int64_t last_time;      /* its time */
    unsigned char last_hash[32];
    uint64_t entry_count;
    ds__index_doc *docs;
    size_t doc_count, doc_cap;
    size_t *table; /* open addressing: doc number + 1, 0 = empty */
    size_t table_cap;
    int entries_fd;        /* index/entries.bin, or -1 */
    uint64_t file_entries; /* entries readable from entries_fd */
    ds__buf mem;           /* entries beyond file_entries, DS__INDEX_ENTRY_SIZE each */
} ds__index;

typedef struct ds__index_entry {
    uint64_t seq, offset, prev; /* prev: entry number + 1 of the same doc's previous, 0 none */
    int64_t time;
    uint32_t doc, revision;
    ds_doc_status status;
    int compact; /* listed in the record's "unchanged": revision and digests are the
                    previous sighting's (the line holds only the id) */
    unsigned char content[32], original[32], bundle[32];
    unsigned char line[32]; /* record hash: SHA-256 of the record's manifest line */
} ds__index_entry;

/* Make v->index fresh for reading (loading, catching up or rebuilding;
 * saving when the exclusive lock is held or can be taken without waiting).
 * With tail != NULL (add, under the exclusive lock) the tail already read is
 * used. */
int ds__index_ensure(ds_vault *v, const ds_manifest_tail *tail);
/* A document's entry of "documents" exactly as a record line holds it
 * (manifest.c; caller frees). */
int ds__manifest_doc_dump(char **out, const ds_manifest_doc *d);
/* An id as a record line holds it: a JSON string, quoted (caller frees). */
int ds__manifest_id_dump(char **out, const char *id);
void ds__index_free(ds__index *ix);
/* Look up a document; NULL when absent. */
ds__index_doc *ds__index_find(ds__index *ix, const char *id);
/* A document named by a user: the id as given (an id written before ids were
 * kept in NFC may be in another form), else its Unicode NFC form (how ids
 * are stored). NULL when neither is known. */
ds__index_doc *ds__index_lookup(ds__index *ix, const char *id);
/* 1 when a stored id, in whatever Unicode form, is nfc once normalized. */
int ds__id_same_nfc(const char *stored, const char *nfc);

/* A document's cache file of change summaries (file: vault-relative,
 * "index/summaries-vN/H.txt") that log would show wrongly: count lines
 * differ from the texts, the first at line lineno, reading cached where the
 * texts give actual; or, with count 0, a file that could not be checked at
 * all (cached is then the reason: not a regular file, a text unreadable). */
typedef void (*ds__summary_bad_fn)(void *ctx, const char *file, size_t lineno, const char *id,
                                   const char *cached, const char *actual, size_t count);
/* Recompute the cached change summaries that log can show (a revision and the
 * one before it) from the texts, each pair once, and call bad() once per
 * document whose cache file does not hold; *checked counts the lines
 * compared. Takes the vault lock itself, through the public readers: call
 * without holding it, with an index that is current (the readers would
 * otherwise bring it up to date). Returns 0, or DS_ENOMEM / an error listing
 * the documents. */
int ds__summary_check(ds_vault *v, ds__summary_bad_fn bad, void *ctx, size_t *checked);
/* 1 when index/summaries-vN/ holds any file, else 0. */
int ds__summary_cache_files(ds_vault *v);
/* Delete a cache file named as bad() names it, without following links. */
int ds__summary_unlink(ds_vault *v, const char *file);
int ds__index_entry_get(ds__index *ix, uint64_t n, ds__index_entry *out);
/* n entries from first on into out (one read for those in entries.bin). */
int ds__index_entries_get(ds__index *ix, uint64_t first, size_t n, ds__index_entry *out);
/* The record whose line starts at offset (vault_read.c), parsed; its hash is
 * that of the line read. DS_EINTEGRITY when there is none. */
int ds__record_at(ds_manifest_record **out, ds_vault *v, uint64_t offset);
/* Apply one record at offset (line of line_len bytes) to the in-memory index,
 * appending its entries to ix->mem: its documents, then its compact
 * sightings, which take the revision and digests of the document's previous
 * sighting. DS_EINTEGRITY (after applying the rest) when a compact sighting
 * names a document no earlier record lists. */
int ds__index_apply(ds__index *ix, const ds_manifest_record *rec, uint64_t offset,
                    uint64_t line_len);
/* Persist: append ix->mem to entries.bin (truncated first to file_entries)
 * and rewrite index/docs atomically. Needs the exclusive lock. */
int ds__index_save(ds_vault *v);
/* Rebuild v->index from the manifest alone, ignoring index/ (saved when the
 * exclusive lock is held or can be taken without waiting). DS_EINTEGRITY
 * names a manifest line that cannot be indexed. */
int ds__index_rebuild(ds_vault *v);
/* Compare index/ with an index built from the manifest (built, whose entries
 * were hashed as they were made into entries_sha256): 1 when they agree, 0
 * when not (why says how), -1 when there is no index/docs. */
int ds__index_compare(ds_vault *v, const ds__index *built, const unsigned char entries_sha256[32],
                      char *why, size_t why_size);
/* Load index/ as it is on disk (DS_ENOTFOUND when absent). */
int ds__index_load_disk(ds__index **out, ds_vault *v);
/* ds__index_compare() with index/ already loaded. */
int ds__index_compare_with(ds__index *disk, const ds__index *built,
                           const unsigned char entries_sha256[32], char *why, size_t why_size);
/* Build an index from the manifest in memory and ds__index_compare() it. */
int ds__index_check(ds_vault *v, char *why, size_t why_size);
/* 1 when index/ exists and covers the manifest exactly (nothing changed). */
int ds__index_is_fresh(ds_vault *v);
/* Drop the index files (so the next reader rebuilds). */
void ds__index_invalidate(ds_vault *v);
void ds__index_entry_to_public(ds_vault_entry *out, const ds__index_entry *e);

/* --- vault_patch.c: patch entries and their bases --- */

/* Whether new snapshots of this vault store changed documents as patch
 * entries: the one place that decides it (vault version 2 introduces them). */
int ds__vault_writes_patches(const ds_vault *v);

/* Where documents/ and originals/ entries of records are stored: one
 * reference per stored text (new and changed sightings) and per original
 * (any sighting), in record order. */
typedef struct ds__base_ref {
    unsigned char digest[32], bundle[32];
    uint64_t seq;
    char kind; /* 'd' text, 'o' original */
} ds__base_ref;
typedef struct ds__base_map {
    ds__base_ref *refs;
    size_t n, cap;
    size_t *head, *next; /* hash chains by digest: ref index + 1, newest first; 0 ends */
    size_t buckets;      /* a power of two, or 0 */
    uint64_t entries;    /* index entries covered (when built from the index) */
} ds__base_map;
int ds__base_map_add(ds__base_map *m, char kind, const char *digest_hex, const char *bundle_hex,
                     uint64_t seq);
/* The references of a manifest record. */
int ds__base_map_add_record(ds__base_map *m, const ds_manifest_record *rec);
/* Free what the map holds (it may then be reused); ds__base_map_free() also
 * frees the map itself. */
void ds__base_map_clear(ds__base_map *m);
void ds__base_map_free(ds__base_map *m);
/* The vault's own map (borrowed; v->base_map), extended from the index
 * entries it has not seen (the index is brought up to date first). */
int ds__vault_base_map(ds__base_map **out, ds_vault *v);

/* Bases read lately, with the other entries stored in full in their bundles
 * (most bases of a vault are in a few bundles: reading one bundle serves
 * many), within DS__BASE_CACHE_BYTES in all; the oldest bundle's entries go
 * first. Zero-initialize; ds__base_cache_clear() frees. */
#define DS__BASE_CACHE_BYTES ((size_t)16 << 20)
typedef struct ds__base_cache {
    struct ds__base_cached {
        char *entry;
        unsigned char bundle[32];
        void *data;
        size_t len;
        uint64_t gen; /* the read that brought it */
    } * ents;
    size_t n, cap, bytes;
    uint64_t gen;
} ds__base_cache;
void ds__base_cache_clear(ds__base_cache *c);

/* A base provider over a vault: a base is loaded from a bundle of a record
 * before before_seq that stores it in full (trying each such record, newest
 * first). map NULL: the vault's own map, kept up to date from its index.
 * cache: where bases read are kept with the other entries of their bundles
 * (for one add or one verify); NULL: each base is read from its bundle when
 * asked for, and nothing else (readers: always what the vault holds now). */
typedef struct ds__vault_bases {
    ds_vault *v;
    ds__base_map *map;
    uint64_t before_seq;
    ds__base_cache *cache;
} ds__vault_bases;
int ds__vault_base_load(void *ctx, const char *entry, void **data, size_t *len);

/* Listings of the bundles the bases of one add come from (a few at a time:
 * each listing holds a bundle's entry paths). Zero-initialize; free with
 * ds__base_listings_free(). */
#define DS__BASE_LISTINGS 4
typedef struct ds__base_listings {
    struct {
        unsigned char bundle[32];
        char **names;
        size_t count;
        uint64_t used; /* 0: empty slot */
    } slot[DS__BASE_LISTINGS];
    uint64_t tick;
} ds__base_listings;
void ds__base_listings_free(ds__base_listings *l);

/* Choose the bases of a changed document's text and original (see
 * ds_vault_add(): the most recent revision stored in full). d is the
 * document in the index (locked, current); ext the extension of the new
 * original. Each base is set to "" when there is none (also when the
 * previous revision's bundle cannot be read: the revision is then stored in
 * full). Returns 0 or DS_ENOMEM. */
int ds__vault_choose_bases(ds_vault *v, ds__base_listings *cache, const ds__index_doc *d,
                           const char *ext, char text_base[DS_BUNDLE_MAX_PATH + 1],
                           char orig_base[DS_BUNDLE_MAX_PATH + 1]);

#endif
