/*
 * util.h - internal helpers shared by the library modules (not installed).
 *
 * Naming: internal symbols are ds__<name>. Every helper that can fail sets
 * the thread's last error (see docseal/error.h) and returns a DS_E code.
 */
#ifndef DS_UTIL_H
#define DS_UTIL_H

#include "docseal/error.h"
#include "docseal/types.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#if defined(__GNUC__)
#define DS__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DS__PRINTF(a, b)
#endif

/* Record an error message; returns code so callers can write
 * `return ds__error_set(DS_EINVALID, "...")`. */
int ds__error_set(int code, const char *fmt, ...) DS__PRINTF(2, 3);
/* "<what>: strerror(errnum)" */
int ds__error_errno(int code, int errnum, const char *what);
int ds__error_oom(void);

/* Allocation wrappers that set DS_ENOMEM's message on failure (return NULL). */
void *ds__malloc(size_t n);
void *ds__calloc(size_t n, size_t size);
void *ds__realloc(void *p, size_t n);
char *ds__strdup(const char *s); /* NULL in -> NULL out, no error */
char *ds__strndup(const char *s, size_t n);
char *ds__asprintf(const char *fmt, ...) DS__PRINTF(1, 2);

/* A growable byte buffer, always NUL-terminated when ptr != NULL. */
typedef struct ds__buf {
    char *ptr;
    size_t len;
    size_t cap;
} ds__buf;
#define DS__BUF_INIT                                                                               \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }
int ds__buf_grow(ds__buf *b, size_t extra); /* ensure room for extra bytes + NUL */
int ds__buf_put(ds__buf *b, const void *data, size_t len);
int ds__buf_puts(ds__buf *b, const char *s);
int ds__buf_putc(ds__buf *b, char c);
int ds__buf_printf(ds__buf *b, const char *fmt, ...) DS__PRINTF(2, 3);
char *ds__buf_detach(ds__buf *b); /* caller frees; buffer reset */
void ds__buf_clear(ds__buf *b);   /* len = 0, memory kept */
void ds__buf_free(ds__buf *b);

/* ds_sink that appends to a ds__buf (ctx is the ds__buf *). */
int ds__buf_sink_write(void *ctx, const void *data, size_t len);

/* Lowercase hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void ds__hex(char *out, const unsigned char *in, size_t n);
/* A document id as manifest records and snapshot.json allow it: 0 or
 * DS_EINVALID with a message (manifest.c). */
int ds__manifest_check_id(const char *id);
/* Parse exactly 2n hex digits; 0 or DS_EINVALID (no message set). */
int ds__unhex(unsigned char *out, const char *hex, size_t n);
/* 1 when s is exactly 64 lowercase hex digits. */
int ds__is_sha256_hex(const char *s);

/* Files. name is used in messages ("-" means stdin and is shown as "<stdin>"). */
const char *ds__display_name(const char *path);
/* Read a whole file (or "-" for stdin) into memory, refusing more than max
 * bytes (DS_ELIMIT). *out is NUL-terminated (not counted in *len); caller frees. */
int ds__read_file(char **out, size_t *len, const char *path, size_t max);
/* Read all of fd (not closed) into a NUL-terminated buffer (caller frees);
 * name is for messages. DS_ELIMIT past max bytes, DS_EINVALID for a
 * directory, DS_EIO, DS_ENOMEM. */
int ds__read_fd(char **out, size_t *len, int fd, const char *name, size_t max);
/* Write data to path atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. mode is the new file's permission bits.
 * With exclusive != 0, fails with DS_EEXISTS when path exists. */
int ds__write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                          int exclusive);
/* fsync a directory by path. */
int ds__fsync_dir(const char *dir);

/* A new file to appear at a path only once written in full (outfile.c):
 * unnamed while it is written where Linux allows (O_TMPFILE: a process
 * killed meanwhile leaves nothing), else named "PATH.tmp.XXXXXX". */
typedef struct ds__outfile {
    int fd;        /* write to this */
    int anonymous; /* O_TMPFILE: no name yet */
    char *tmp;     /* its temporary name, or NULL */
    unsigned mode; /* its permissions */
} ds__outfile;
/* Open one in dir (the directory of path) with exactly mode. DS_EIO, DS_ENOMEM. */
int ds__outfile_open(ds__outfile *o, const char *path, const char *dir, unsigned mode);
/* fsync it, give it a temporary name if it has none, rename it over path and
 * fsync dir; what names the file in messages. On failure it is discarded. */
int ds__outfile_commit(ds__outfile *o, const char *path, const char *dir, const char *what);
/* Close it and remove any name it has. */
void ds__outfile_discard(ds__outfile *o);
/* Start writing what o holds to the disk, without waiting (Linux's
 * sync_file_range(); nothing elsewhere): commit's fsync then waits less
 * when there is other work to do in between. */
void ds__outfile_start_writeback(const ds__outfile *o);
/* write(2) all bytes, retrying on EINTR and short writes. 0 or DS_EIO. */
int ds__write_all(int fd, const void *data, size_t len, const char *what);
/* A directory of the vault that docseal writes into (index/, bundles/,
 * orphans/, ...): 0 when it is a real directory or does not exist yet;
 * DS_EINVALID ("what: is a symbolic link" or "...: not a directory") when a
 * write there would go elsewhere; DS_EIO. */
int ds__own_dir(const char *path, const char *what);
/* mkdir -p with mode; 0 when it exists already. */
int ds__mkdirs(const char *path, unsigned mode);
/* Directory part of path ("." when none); caller frees. */
char *ds__dirname(const char *path);

/* Time. The snapshot clock: SOURCE_DATE_EPOCH when set and valid, else now. */
int64_t ds__now(void);
/* RFC 3339 UTC "YYYY-MM-DDTHH:MM:SSZ" (21 bytes incl. NUL) */
void ds__format_time(char out[32], int64_t t);
/* Parse RFC 3339 (with Z or +hh:mm offset, optional fraction) or a date
 * YYYY-MM-DD (midnight UTC); 0 or DS_EINVALID (message set). */
int ds__parse_time(int64_t *out, const char *s);

#endif
