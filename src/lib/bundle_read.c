/*
 * bundle_read.c - reading bundles: zstd stream (libzstd) feeding libarchive's
 * tar reader through a read callback, entry safety rules and limits, MANIFEST
 * and snapshot.json parsing, ds_bundle_read_info() and ds_bundle_extract().
 *
 * Nothing is ever written to disk. Memory: two 128 KiB stream buffers, the
 * zstd window (at most 2^max_window_log bytes), libarchive's buffers, and the
 * set of entry paths seen (for duplicate detection).
 */
#include "bundle_internal.h"
#include "docseal/hash.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

/* ------------------------------------------------------------------------ */
/* Paths                                                                      */

static int is_hex64(const char *s)
{
    size_t i;
    for (i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

ds__entry_kind ds__bundle_entry_kind(const char *p)
{
    size_t n = strlen(p);
    if (strcmp(p, "MANIFEST") == 0)
        return DS__ENTRY_MANIFEST;
    if (strcmp(p, "MANIFEST.minisig") == 0)
        return DS__ENTRY_SIGNATURE;
    if (strcmp(p, "snapshot.json") == 0)
        return DS__ENTRY_SNAPSHOT;
    if (n == 10 + 64 + 4 && strncmp(p, "documents/", 10) == 0 && is_hex64(p + 10) &&
        strcmp(p + 74, ".txt") == 0)
        return DS__ENTRY_DOCUMENT;
    if (n > 10 + 64 + 1 && strncmp(p, "originals/", 10) == 0 && is_hex64(p + 10) && p[74] == '.' &&
        ds__bundle_ext_format(p + 75) != DS_FORMAT_AUTO)
        return DS__ENTRY_ORIGINAL;
    /* patch entries: "<documents/ or originals/ entry>.from-<64 hex>.zst" */
    if (n > 6 + 64 + 4 && strncmp(p + n - 4, ".zst", 4) == 0 &&
        strncmp(p + n - (6 + 64 + 4), ".from-", 6) == 0 && is_hex64(p + n - (64 + 4)) &&
        n - (6 + 64 + 4) < 96) {
        char t[96];
        ds__entry_kind k;
        memcpy(t, p, n - (6 + 64 + 4));
        t[n - (6 + 64 + 4)] = '\0';
        k = ds__bundle_entry_kind(t);
        if (k == DS__ENTRY_DOCUMENT)
            return DS__ENTRY_DOCUMENT_PATCH;
        if (k == DS__ENTRY_ORIGINAL)
            return DS__ENTRY_ORIGINAL_PATCH;
    }
    return DS__ENTRY_INVALID;
}

const char *ds__bundle_format_ext(ds_format f)
{
    switch (f) {
    case DS_FORMAT_MARKDOWN:
        return "md";
    case DS_FORMAT_HTML:
        return "html";
    default:
        return "txt";
    }
}

ds_format ds__bundle_ext_format(const char *ext)
{
    if (strcmp(ext, "txt") == 0)
        return DS_FORMAT_TEXT;
    if (strcmp(ext, "md") == 0)
        return DS_FORMAT_MARKDOWN;
    if (strcmp(ext, "html") == 0)
        return DS_FORMAT_HTML;
    return DS_FORMAT_AUTO;
}

/* Structural problems that make a path unsafe to extract, in the order they
 * are reported. */
static const char *path_safety_problem(const char *p)
{
    const char *c = p;
    if (*p == '\0')
        return "empty path";
    if (*p == '/')
        return "absolute path";
    for (;;) {
        const char *slash = strchr(c, '/');
        size_t len = slash ? (size_t)(slash - c) : strlen(c);
        if (len == 2 && c[0] == '.' && c[1] == '.')
            return "'..' path component";
        if (len == 1 && c[0] == '.')
            return "'.' path component";
        if (len == 0)
            return "empty path component";
        if (!slash)
            break;
        c = slash + 1;
    }
    return NULL;
}

const char *ds_bundle_path_problem(const char *path)
{
    const char *why;
    if (!path)
        return "no path";
    if ((why = path_safety_problem(path)) != NULL)
        return why;
    if (strlen(path) > DS_BUNDLE_MAX_PATH)
        return "path too long";
    if (ds__bundle_entry_kind(path) == DS__ENTRY_INVALID)
        return "not a bundle entry name";
    return NULL;
}

char *ds__bundle_quote(const char *s)
{
    ds__buf b = DS__BUF_INIT;
    size_t n = 0;
    if (!s)
        return ds__strdup("(null)");
    for (; *s && n < 300; s++, n++) {
        unsigned char c = (unsigned char)*s;
        int err = (c >= 0x20 && c < 0x7f && c != '\\') ? ds__buf_putc(&b, (char)c)
                                                       : ds__buf_printf(&b, "\\x%02x", c);
        if (err < 0) {
            ds__buf_free(&b);
            return NULL;
        }
    }
    if (*s && ds__buf_puts(&b, "...") < 0) {
        ds__buf_free(&b);
        return NULL;
    }
    return ds__buf_detach(&b);
}

int ds__null_sink_write(void *ctx, const void *buf, size_t len)
{
    (void)ctx, (void)buf, (void)len;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* A set of strings (entry paths seen), open addressing.                      */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* 1 when added, 0 when present already, DS_ENOMEM. */
int ds__strset_add(ds__strset *set, const char *s)
{
    size_t i;
    if (set->count * 2 >= set->cap) {
        size_t ncap = set->cap ? set->cap * 2 : 64, j;
        char **ns = ds__calloc(ncap, sizeof *ns);
        if (!ns)
            return DS_ENOMEM;
        for (j = 0; j < set->cap; j++) {
            if (set->slots[j]) {
                size_t k = (size_t)(fnv1a(set->slots[j]) & (ncap - 1));
                while (ns[k])
                    k = (k + 1) & (ncap - 1);
                ns[k] = set->slots[j];
            }
        }
        free(set->slots);
        set->slots = ns;
        set->cap = ncap;
    }
    i = (size_t)(fnv1a(s) & (set->cap - 1));
    while (set->slots[i]) {
        if (strcmp(set->slots[i], s) == 0)
            return 0;
        i = (i + 1) & (set->cap - 1);
    }
    if (!(set->slots[i] = ds__strdup(s)))
        return DS_ENOMEM;
    set->count++;
    return 1;
}

static size_t strset_slot(const ds__strset *set, const char *s)
{
    size_t i = (size_t)(fnv1a(s) & (set->cap - 1));
    while (set->slots[i] && strcmp(set->slots[i], s) != 0)
        i = (i + 1) & (set->cap - 1);
    return i;
}

int ds__strset_has(const ds__strset *set, const char *s)
{
    return set->cap && set->slots[strset_slot(set, s)] != NULL;
}

void ds__strset_remove(ds__strset *set, const char *s)
{
    size_t i, j, k;
    if (!set->cap || !set->slots[i = strset_slot(set, s)])
        return;
    free(set->slots[i]);
    set->slots[i] = NULL;
    set->count--;
    /* backward-shift deletion keeps every probe chain unbroken */
    for (j = (i + 1) & (set->cap - 1); set->slots[j]; j = (j + 1) & (set->cap - 1)) {
        k = (size_t)(fnv1a(set->slots[j]) & (set->cap - 1));
        /* move slots[j] to i when its home k is not cyclically in (i, j] */
        if ((j > i && (k <= i || k > j)) || (j < i && (k <= i && k > j))) {
            set->slots[i] = set->slots[j];
            set->slots[j] = NULL;
            i = j;
        }
    }
}

void ds__strset_free(ds__strset *set)
{
    size_t i;
    for (i = 0; i < set->cap; i++)
        free(set->slots[i]);
    free(set->slots);
    set->slots = NULL;
    set->cap = set->count = 0;
}

/* ------------------------------------------------------------------------ */
/* The reader                                                                 */

struct ds_bundle_reader {
    int fd;
    char *name; /* the bundle path, for messages */
    ds_bundle_limits limits;
    ZSTD_DCtx *dctx;
    unsigned char *in, *out;
    unsigned char *outs[2]; /* out is one of them, in turn: the other holds the chunk
                               before, so that the last two chunks can be looked at */
    uint64_t out_start[2];  /* decompressed offset of each one's first byte */
    size_t out_len[2];
    int cur;
    size_t in_cap, out_cap;
    ZSTD_inBuffer zin;
    int out_full;        /* the last call filled the output: call again */
    int file_eof;        /* read(2) returned 0 */
    size_t frame_left;   /* last ZSTD_decompressStream() result: 0 at a frame end */
    int in_frame;        /* some input of the current frame was consumed */
    uint64_t comp_off;   /* compressed bytes consumed */
    uint64_t decomp_off; /* decompressed bytes handed to libarchive */
    uint64_t data_end;   /* decompressed offset just past the last non-zero byte */
    int stream_err;      /* DS_E code from the read callback, 0 when none */
    char *stream_msg;    /* its message */
    struct archive *a;
    int opened;       /* archive_read_open2() was called */
    char *fail_entry; /* the entry whose data failed to read, or NULL */
    int state;        /* 0 before first entry, 1 in entries, 2 at end, -1 failed */
    /* the current entry */
    char *cur_path, *prev_path;
    uint64_t cur_size, cur_read, cur_offset;
    const char *cur_problem;
    char *problem_buf;
    int cur_readable; /* its data may be read */
    uint64_t entry_count, total_size;
    uint64_t end_header_pos; /* where libarchive looked for the header after the last entry */
    ds__strset seen;
};

static void stream_fail(ds_bundle_reader *r, int code, const char *fmt, ...) DS__PRINTF(3, 4);
static void stream_fail(ds_bundle_reader *r, int code, const char *fmt, ...)
{
    ds__buf b = DS__BUF_INIT;
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n >= 0 && ds__buf_grow(&b, (size_t)n) == 0) {
        va_start(ap, fmt);
        vsnprintf(b.ptr, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    free(r->stream_msg);
    r->stream_msg = b.ptr;
    r->stream_err = code;
    archive_set_error(r->a, code == DS_EIO ? EIO : EINVAL, "%s",
                      r->stream_msg ? r->stream_msg : "zstd stream error");
}

static const char *zstd_reason(size_t ret, unsigned max_wlog, char *buf, size_t cap)
{
    switch (ZSTD_getErrorCode(ret)) {
    case ZSTD_error_prefix_unknown:
        return "not zstd-compressed data (unknown frame magic)";
    case ZSTD_error_checksum_wrong:
        return "zstd frame checksum mismatch (corrupt data)";
    case ZSTD_error_frameParameter_windowTooLarge:
        snprintf(buf, cap, "zstd window larger than the limit of 2^%u bytes", max_wlog);
        return buf;
    default:
        snprintf(buf, cap, "corrupt zstd data (%s)", ZSTD_getErrorName(ret));
        return buf;
    }
}

/* Decompress into r->out; returns bytes produced, 0 at the clean end, or -1
 * after stream_fail(). */
static ssize_t decompress_some(ds_bundle_reader *r)
{
    ZSTD_outBuffer o = {r->out, r->out_cap, 0};
    for (;;) {
        if (o.pos == o.size)
            break; /* full (ZSTD may hold more: out_full says to call again) */
        if (r->zin.pos < r->zin.size || r->out_full) {
            size_t before = r->zin.pos, had = o.pos, ret;
            ret = ZSTD_decompressStream(r->dctx, &o, &r->zin);
            if (ZSTD_isError(ret)) {
                char buf[128];
                stream_fail(r, DS_EINVALID, "%s at or after compressed byte offset %llu",
                            zstd_reason(ret, r->limits.max_window_log, buf, sizeof buf),
                            (unsigned long long)r->comp_off);
                break; /* the bytes before the damage are handed on first */
            }
            r->comp_off += r->zin.pos - before;
            if (r->zin.pos > before)
                r->in_frame = 1;
            r->frame_left = ret;
            r->out_full = o.pos == o.size;
            if (ret == 0)
                r->in_frame = 0;
            if (o.pos > had) {
                /* where the non-zero data ends: at the last byte of nearly
                 * every block, so this scan is short except over padding */
                size_t k = o.pos;
                while (k > had && r->out[k - 1] == 0)
                    k--;
                if (k > had)
                    r->data_end = r->decomp_off + k;
            }
            continue;
        }
        if (r->file_eof) {
            if (o.pos > 0)
                break;
            if (r->comp_off == 0) {
                stream_fail(r, DS_EINVALID, "empty file: not a zstd-compressed bundle");
                return -1;
            }
            if (r->in_frame && r->frame_left != 0) {
                stream_fail(r, DS_EINVALID,
                            "truncated: the zstd frame is cut off at the end of the file "
                            "(compressed byte offset %llu)",
                            (unsigned long long)r->comp_off);
                return -1;
            }
            return 0;
        }
        for (;;) {
            ssize_t n = read(r->fd, r->in, r->in_cap);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                int e = errno;
                stream_fail(r, DS_EIO, "%s: read error at byte offset %llu: %s", r->name,
                            (unsigned long long)r->comp_off, strerror(e));
                goto out;
            }
            r->zin.src = r->in;
            r->zin.size = (size_t)n;
            r->zin.pos = 0;
            if (n == 0)
                r->file_eof = 1;
            break;
        }
    }
out:
    if (r->stream_err && o.pos == 0)
        return -1;
    r->decomp_off += o.pos;
    return (ssize_t)o.pos;
}

/* Copy the decompressed bytes [off, off + len) from the last two chunks; 0
 * when they are not all there. */
static int hist_copy(const ds_bundle_reader *r, uint64_t off, unsigned char *dst, size_t len)
{
    size_t done = 0;
    int k;
    for (k = 0; k < 2 && done < len; k++) {
        int b = r->cur ^ 1 ^ k; /* the older chunk first */
        uint64_t s = r->out_start[b], e = s + r->out_len[b], want = off + done;
        if (want >= s && want < e) {
            size_t n = (size_t)(e - want) < len - done ? (size_t)(e - want) : len - done;
            memcpy(dst + done, r->outs[b] + (want - s), n);
            done += n;
        }
    }
    return done == len;
}

/* The size field of a tar header: octal, or base-256 when its first byte
 * has the high bit set (POSIX pax, GNU). UINT64_MAX when it is not a number. */
static uint64_t tar_size(const unsigned char h[512])
{
    const unsigned char *f = h + 124;
    uint64_t v = 0;
    size_t i = 0;
    if (f[0] & 0x80) {
        for (i = 1; i < 12; i++) {
            if (v >> 56)
                return UINT64_MAX;
            v = (v << 8) | f[i];
        }
        return (f[0] & 0x7f) ? UINT64_MAX : v;
    }
    while (i < 12 && f[i] == ' ')
        i++;
    for (; i < 12 && f[i] >= '0' && f[i] <= '7'; i++)
        v = (v << 3) | (uint64_t)(f[i] - '0');
    if (i < 12 && f[i] != ' ' && f[i] != '\0')
        return UINT64_MAX;
    return v;
}

/* Longest run of tar headers accepted in front of an entry's own header
 * (pax extended headers and GNU long names; docseal writes none). */
#define DS__MAX_HEADER_RUN ((uint64_t)64 << 10)

/* What hides in the tar headers in front of the current entry, between its
 * header position and its data: libarchive reads a GNU volume label, a pax
 * global header and other special headers without reporting them, so a
 * bundle could carry bytes that docseal never lists while tar -t shows them.
 * Only pax extended headers ('x') and GNU long names ('L', 'K') may come
 * before an entry's own header. NULL when there is nothing else. */
static const char *hidden_header(ds_bundle_reader *r)
{
    la_int64_t data = archive_filter_bytes(r->a, 0);
    uint64_t p = r->cur_offset, end;
    if (data < 0 || (uint64_t)data <= p + 512)
        return NULL;
    end = (uint64_t)data;
    if (end - p > DS__MAX_HEADER_RUN + 512)
        return "more than 64 KiB of tar headers precede it";
    while (p + 512 < end) {
        unsigned char h[512];
        uint64_t size;
        if (!hist_copy(r, p, h, sizeof h))
            return NULL; /* not kept (cannot happen with whole chunks): libarchive judged */
        switch (h[156]) {
        case 'x':
        case 'L':
        case 'K':
            break;
        case 'V':
            return "a GNU volume label header precedes it (docseal's reader skips it, tar -t "
                   "lists it): not allowed in a bundle";
        case 'g':
            return "a pax global header precedes it (tar readers skip it): not allowed in a "
                   "bundle";
        default:
            return "a special tar header that tar readers skip precedes it (only pax extended "
                   "headers and long names may)";
        }
        if ((size = tar_size(h)) == UINT64_MAX || size > DS__MAX_HEADER_RUN)
            return "a tar header with a bad or oversized size field precedes it";
        p += 512 + ((size + 511) & ~(uint64_t)511);
    }
    return NULL;
}

static la_ssize_t rd_read(struct archive *a, void *ctx, const void **buf)
{
    ds_bundle_reader *r = ctx;
    ssize_t n;
    (void)a;
    if (r->stream_err)
        return -1;
    /* libarchive is done with the buffer before last: fill that one */
    r->cur ^= 1;
    r->out = r->outs[r->cur];
    *buf = r->out;
    r->out_start[r->cur] = r->decomp_off;
    r->out_len[r->cur] = 0;
    n = decompress_some(r);
    if (n > 0)
        r->out_len[r->cur] = (size_t)n;
    return n < 0 ? -1 : (la_ssize_t)n;
}

int ds_bundle_reader_open(ds_bundle_reader **out, const char *path, const ds_bundle_limits *limits)
{
    ds_bundle_limits def = DS_BUNDLE_LIMITS_INIT;
    ds_bundle_reader *r = NULL;
    struct stat st;
    int err = 0;

    *out = NULL;
    if (!(r = ds__calloc(1, sizeof *r)))
        return DS_ENOMEM;
    r->fd = -1;
    r->limits = limits ? *limits : def;
    if (!(r->name = ds__strdup(path))) {
        err = DS_ENOMEM;
        goto done;
    }
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        err = ds__error_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno, path);
        goto done;
    }
    if (fstat(r->fd, &st) < 0) {
        err = ds__error_errno(DS_EIO, errno, path);
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        err = ds__error_set(DS_EINVALID, "%s: not a regular file", path);
        goto done;
    }
    r->in_cap = ZSTD_DStreamInSize();
    r->out_cap = ZSTD_DStreamOutSize();
    r->in = ds__malloc(r->in_cap);
    r->outs[0] = ds__malloc(r->out_cap);
    r->outs[1] = ds__malloc(r->out_cap);
    r->out = r->outs[0];
    r->dctx = ZSTD_createDCtx();
    if (!r->in || !r->outs[0] || !r->outs[1] || !r->dctx) {
        err = ds__error_oom();
        goto done;
    }
    if (ZSTD_isError(
            ZSTD_DCtx_setParameter(r->dctx, ZSTD_d_windowLogMax, (int)r->limits.max_window_log))) {
        err = ds__error_set(DS_EINVALID, "%s: bad zstd window limit %u", path,
                            r->limits.max_window_log);
        goto done;
    }
    r->a = archive_read_new();
    if (!r->a) {
        err = ds__error_oom();
        goto done;
    }
    if (archive_read_support_format_tar(r->a) != ARCHIVE_OK) {
        err = ds__error_set(DS_ERROR, "%s: libarchive: %s", path, archive_error_string(r->a));
        goto done;
    }
    /* archive_read_open2() reads the first block: done by the first next(),
     * so that a damaged stream is reported like any later damage */
    *out = r;
    r = NULL;
done:
    ds_bundle_reader_free(r);
    return err;
}

void ds_bundle_reader_free(ds_bundle_reader *r)
{
    if (!r)
        return;
    if (r->a)
        archive_read_free(r->a);
    if (r->fd >= 0)
        close(r->fd);
    ZSTD_freeDCtx(r->dctx);
    free(r->in);
    free(r->outs[0]);
    free(r->outs[1]);
    free(r->name);
    free(r->stream_msg);
    free(r->cur_path);
    free(r->prev_path);
    free(r->fail_entry);
    free(r->problem_buf);
    ds__strset_free(&r->seen);
    free(r);
}

const char *ds__bundle_reader_failed_entry(const ds_bundle_reader *r)
{
    return r->fail_entry;
}

void ds_bundle_reader_offsets(const ds_bundle_reader *r, uint64_t *compressed,
                              uint64_t *decompressed)
{
    if (compressed)
        *compressed = r->comp_off;
    if (decompressed)
        *decompressed = r->decomp_off;
}

/* The error of a failed libarchive call, with context. */
static int archive_failure(ds_bundle_reader *r, int in_entry)
{
    char *q = NULL;
    int code = r->stream_err ? r->stream_err : DS_EINVALID;
    const char *why = r->stream_err ? r->stream_msg : archive_error_string(r->a);
    r->state = -1;
    if (!why)
        why = "unknown tar error";
    if (in_entry && r->cur_path)
        r->fail_entry = ds__strdup(r->cur_path);
    if (in_entry && r->cur_path) {
        q = ds__bundle_quote(r->cur_path);
        if (!r->stream_err && r->file_eof && r->zin.pos == r->zin.size && !r->out_full)
            why = "truncated: the archive ends"; /* the stream ended cleanly mid-entry */
        if (r->cur_read == r->cur_size && r->cur_size)
            code = ds__error_set(code,
                                 "%s: %s: %s inside the data of the entry (%llu bytes "
                                 "declared), not read as it is unsafe",
                                 r->name, q ? q : "?", why, (unsigned long long)r->cur_size);
        else
            code = ds__error_set(code, "%s: %s: %s after %llu of %llu bytes of the entry", r->name,
                                 q ? q : "?", why, (unsigned long long)r->cur_read,
                                 (unsigned long long)r->cur_size);
    } else {
        q = r->prev_path ? ds__bundle_quote(r->prev_path) : NULL;
        code = ds__error_set(code, "%s: %s%s%s%s", r->name, why, q ? " (in the entry after " : "",
                             q ? q : "", q ? ")" : "");
    }
    free(q);
    return code;
}

static ds_bundle_entry_type entry_type(struct archive_entry *e)
{
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
        if (archive_entry_hardlink(e))
            return DS_BUNDLE_ENTRY_HARDLINK;
        if (archive_entry_sparse_count(e) > 0)
            return DS_BUNDLE_ENTRY_OTHER;
        return DS_BUNDLE_ENTRY_FILE;
    case AE_IFDIR:
        return DS_BUNDLE_ENTRY_DIR;
    case AE_IFLNK:
        return DS_BUNDLE_ENTRY_SYMLINK;
    default:
        if (archive_entry_hardlink(e))
            return DS_BUNDLE_ENTRY_HARDLINK;
        return DS_BUNDLE_ENTRY_OTHER;
    }
}

static const char *type_problem(struct archive_entry *e, ds_bundle_entry_type t)
{
    switch (t) {
    case DS_BUNDLE_ENTRY_FILE:
        return NULL;
    case DS_BUNDLE_ENTRY_DIR:
        return "a directory, not a regular file";
    case DS_BUNDLE_ENTRY_SYMLINK:
        return "a symbolic link, not a regular file";
    case DS_BUNDLE_ENTRY_HARDLINK:
        return "a hard link, not a regular file";
    default:
        switch (archive_entry_filetype(e)) {
        case AE_IFCHR:
            return "a character device, not a regular file";
        case AE_IFBLK:
            return "a block device, not a regular file";
        case AE_IFIFO:
            return "a FIFO, not a regular file";
        case AE_IFSOCK:
            return "a socket, not a regular file";
        case AE_IFREG:
            return "a sparse file, not a plain regular file";
        default:
            return "not a regular file";
        }
    }
}

int ds_bundle_reader_next(ds_bundle_reader *r, ds_bundle_entry *entry)
{
    struct archive_entry *e = NULL;
    const char *path;
    int rc, added;
    uint64_t limit = 0;
    ds__entry_kind kind;

    memset(entry, 0, sizeof *entry);
    if (r->state < 0)
        return ds__error_set(DS_EUSAGE, "%s: the reader failed earlier", r->name);
    if (r->state == 2)
        return 0;
    if (!r->opened) {
        r->opened = 1;
        if (archive_read_open2(r->a, r, NULL, rd_read, NULL, NULL) != ARCHIVE_OK) {
            if (!r->stream_err) {
                r->state = -1;
                return ds__error_set(
                    DS_EINVALID, "%s: not a tar archive inside the zstd stream (%s)", r->name,
                    archive_error_string(r->a) ? archive_error_string(r->a) : "unrecognized");
            }
            return archive_failure(r, 0);
        }
    }
    rc = archive_read_next_header(r->a, &e);
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN && rc != ARCHIVE_EOF && r->cur_path &&
        r->cur_read < r->cur_size) {
        /* failed while skipping the unread data of the current entry */
        r->cur_read = r->cur_size; /* unknown how far it got */
        return archive_failure(r, 1);
    }
    free(r->prev_path);
    r->prev_path = r->cur_path;
    r->cur_path = NULL;
    r->cur_readable = -1;
    r->cur_problem = NULL;
    if (rc == ARCHIVE_EOF) {
        r->state = 2;
        r->end_header_pos = (uint64_t)archive_read_header_position(r->a);
        return 0;
    }
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
        return archive_failure(r, 0);
    r->state = 1;
    if (++r->entry_count > r->limits.max_entries) {
        r->state = -1;
        return ds__error_set(DS_ELIMIT, "%s: more than %llu entries", r->name,
                             (unsigned long long)r->limits.max_entries);
    }
    path = archive_entry_pathname(e);
    if (!(r->cur_path = ds__strdup(path ? path : "")))
        return DS_ENOMEM;
    r->cur_size = archive_entry_size_is_set(e) && archive_entry_size(e) > 0
                      ? (uint64_t)archive_entry_size(e)
                      : 0;
    r->cur_read = 0;
    r->cur_offset = (uint64_t)archive_read_header_position(r->a);
    entry->path = r->cur_path;
    entry->size = r->cur_size;
    entry->type = entry_type(e);
    entry->offset = r->cur_offset;

    if (r->cur_size > r->limits.max_total_size ||
        r->total_size > r->limits.max_total_size - r->cur_size) {
        char *q = ds__bundle_quote(r->cur_path);
        r->state = -1;
        rc = ds__error_set(DS_ELIMIT,
                           "%s: %s: declares %llu bytes: the entries' total exceeds the limit of "
                           "%llu bytes",
                           r->name, q ? q : "?", (unsigned long long)r->cur_size,
                           (unsigned long long)r->limits.max_total_size);
        free(q);
        return rc;
    }
    r->total_size += r->cur_size;

    /* the first problem found, in this order: hidden headers, type, path, length */
    r->cur_problem = hidden_header(r);
    if (!r->cur_problem)
        r->cur_problem = type_problem(e, entry->type);
    if (!r->cur_problem && !path)
        r->cur_problem = "no path";
    if (!r->cur_problem)
        r->cur_problem = path_safety_problem(path);
    if (!r->cur_problem && strlen(path) > r->limits.max_path) {
        free(r->problem_buf);
        r->problem_buf =
            ds__asprintf("path longer than %llu bytes", (unsigned long long)r->limits.max_path);
        r->cur_problem = r->problem_buf ? r->problem_buf : "path too long";
    }
    /* Duplicates are judged on every entry, even bad ones, so that a later
     * good-looking entry with the same name is flagged too. */
    if ((added = ds__strset_add(&r->seen, r->cur_path)) < 0)
        return added;
    if (!r->cur_problem && added == 0)
        r->cur_problem = "duplicate path (an earlier entry has the same path)";
    if (!r->cur_problem) {
        kind = ds__bundle_entry_kind(path);
        switch (kind) {
        case DS__ENTRY_INVALID:
            r->cur_problem = "not a bundle entry name";
            break;
        case DS__ENTRY_MANIFEST:
        case DS__ENTRY_SNAPSHOT:
            limit = r->limits.max_metadata_size;
            break;
        case DS__ENTRY_SIGNATURE:
            limit = r->limits.max_signature_size;
            break;
        case DS__ENTRY_DOCUMENT_PATCH:
        case DS__ENTRY_ORIGINAL_PATCH:
            /* a patch of at most DS_BUNDLE_MAX_PATCH_SIZE bytes of content */
            limit = ZSTD_COMPRESSBOUND(DS_BUNDLE_MAX_PATCH_SIZE);
            if (limit > r->limits.max_entry_size)
                limit = r->limits.max_entry_size;
            break;
        default:
            limit = r->limits.max_entry_size;
        }
        if (!r->cur_problem && r->cur_size > limit) {
            free(r->problem_buf);
            r->problem_buf =
                ds__asprintf("declares %llu bytes, over the limit of %llu bytes",
                             (unsigned long long)r->cur_size, (unsigned long long)limit);
            r->cur_problem = r->problem_buf ? r->problem_buf : "declared size over the limit";
        }
    }
    entry->problem = r->cur_problem;
    r->cur_readable = r->cur_problem == NULL;
    return 1;
}

int ds_bundle_reader_stream(ds_bundle_reader *r, const ds_sink *sink)
{
    const void *buf;
    size_t size;
    la_int64_t off;
    int rc, err;

    if (r->state != 1 || r->cur_readable != 1)
        return ds__error_set(DS_EUSAGE, "%s: no readable current entry", r->name);
    r->cur_readable = 0; /* read once */
    for (;;) {
        rc = archive_read_data_block(r->a, &buf, &size, &off);
        if (rc == ARCHIVE_EOF)
            break;
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
            return archive_failure(r, 1);
        }
        if (off < 0 || (uint64_t)off != r->cur_read) {
            char *q = ds__bundle_quote(r->cur_path);
            r->state = -1;
            err = ds__error_set(DS_EINVALID, "%s: %s: data has a hole at byte %llu", r->name,
                                q ? q : "?", (unsigned long long)r->cur_read);
            free(q);
            return err;
        }
        if (size > r->cur_size - r->cur_read) {
            char *q = ds__bundle_quote(r->cur_path);
            r->state = -1;
            err = ds__error_set(DS_EINVALID, "%s: %s: more data than the declared %llu bytes",
                                r->name, q ? q : "?", (unsigned long long)r->cur_size);
            free(q);
            return err;
        }
        r->cur_read += size;
        if (size && (err = sink->write(sink->ctx, buf, size)) < 0)
            return err;
    }
    if (r->cur_read != r->cur_size) {
        /* libarchive reports truncation as an error; this is a safety net. */
        char *q = ds__bundle_quote(r->cur_path);
        r->state = -1;
        err = ds__error_set(DS_EINVALID, "%s: %s: truncated after %llu of %llu bytes", r->name,
                            q ? q : "?", (unsigned long long)r->cur_read,
                            (unsigned long long)r->cur_size);
        free(q);
        return err;
    }
    return 0;
}

int ds_bundle_reader_finish(ds_bundle_reader *r)
{
    if (r->state != 2)
        return ds__error_set(DS_EUSAGE, "%s: the archive has not been read to its end", r->name);
    for (;;) {
        ssize_t n = decompress_some(r);
        if (n < 0)
            return ds__error_set(r->stream_err, "%s: after the end of the tar archive: %s", r->name,
                                 r->stream_msg);
        if (n == 0)
            break;
    }
    /* Only zero bytes may follow the end-of-archive blocks: tar stops
     * reading there, so anything else (another zstd frame holding more
     * entries, say) would be data nobody lists or verifies. libarchive has
     * consumed the archive up to and including its end-of-archive blocks. */
    {
        la_int64_t consumed = archive_filter_bytes(r->a, 0);
        /* between the last entry and the end-of-archive blocks: nothing but
         * zeros (libarchive skips a volume label or global header there) */
        if (consumed >= 0 && r->data_end > r->end_header_pos && r->data_end <= (uint64_t)consumed)
            return ds__error_set(DS_EINVALID,
                                 "%s: a tar header after the last entry (at decompressed byte "
                                 "offset %llu) that tar readers skip: only the end-of-archive "
                                 "blocks may follow the last entry",
                                 r->name, (unsigned long long)r->end_header_pos);
        if (consumed < 0 || r->data_end > (uint64_t)consumed)
            return ds__error_set(DS_EINVALID,
                                 "%s: data after the end of the tar archive (which ends at "
                                 "decompressed byte offset %llu): only zero padding may follow",
                                 r->name,
                                 (unsigned long long)(consumed < 0 ? 0 : (uint64_t)consumed));
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* MANIFEST                                                                   */

int ds__manifest_parse(ds__manifest *m, const char *data, size_t len)
{
    size_t pos = 0, lineno = 0;
    memset(m, 0, sizeof *m);
    while (pos < len) {
        const char *line = data + pos, *nl = memchr(line, '\n', len - pos);
        size_t n, plen;
        const char *why;
        ds__manifest_line *grown;
        lineno++;
        if (!nl)
            return ds__error_set(DS_EINVALID, "MANIFEST: line %zu: no final newline", lineno);
        n = (size_t)(nl - line);
        pos += n + 1;
        if (n < 67 || line[64] != ' ' || line[65] != ' ')
            return ds__error_set(
                DS_EINVALID, "MANIFEST: line %zu: not \"<sha256>  <path>\" (two spaces)", lineno);
        if (!is_hex64(line))
            return ds__error_set(
                DS_EINVALID, "MANIFEST: line %zu: digest is not 64 lowercase hex digits", lineno);
        plen = n - 66;
        if (memchr(line + 66, '\0', plen))
            return ds__error_set(DS_EINVALID, "MANIFEST: line %zu: NUL byte in path", lineno);
        if ((m->count & (m->count - 1)) == 0) { /* 0, 1, 2, 4, ...: double */
            grown = ds__realloc(m->lines, (m->count ? m->count * 2 : 1) * sizeof *m->lines);
            if (!grown)
                return DS_ENOMEM;
            m->lines = grown;
        }
        memcpy(m->lines[m->count].digest, line, 64);
        m->lines[m->count].digest[64] = '\0';
        if (!(m->lines[m->count].path = ds__strndup(line + 66, plen)))
            return DS_ENOMEM;
        m->count++;
        why = ds_bundle_path_problem(m->lines[m->count - 1].path);
        if (!why) {
            ds__entry_kind k = ds__bundle_entry_kind(m->lines[m->count - 1].path);
            if (k == DS__ENTRY_MANIFEST || k == DS__ENTRY_SIGNATURE)
                why = "MANIFEST must not list itself or its signature";
        }
        if (why) {
            char *q = ds__bundle_quote(m->lines[m->count - 1].path);
            int e =
                ds__error_set(DS_EINVALID, "MANIFEST: line %zu: %s: %s", lineno, q ? q : "?", why);
            free(q);
            return e;
        }
        if (m->count > 1 && strcmp(m->lines[m->count - 2].path, m->lines[m->count - 1].path) >= 0)
            return ds__error_set(DS_EINVALID, "MANIFEST: line %zu: %s", lineno,
                                 strcmp(m->lines[m->count - 2].path, m->lines[m->count - 1].path) ==
                                         0
                                     ? "path listed twice"
                                     : "paths not sorted bytewise");
    }
    return 0;
}

void ds__manifest_free(ds__manifest *m)
{
    size_t i;
    for (i = 0; i < m->count; i++)
        free(m->lines[i].path);
    free(m->lines);
    m->lines = NULL;
    m->count = 0;
}

long ds__manifest_find(const ds__manifest *m, const char *path)
{
    size_t lo = 0, hi = m->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->lines[mid].path, path);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* ------------------------------------------------------------------------ */
/* snapshot.json                                                              */

static int snap_bad(const char *field, const char *why)
{
    return ds__error_set(DS_EINVALID, "snapshot.json: %s: %s", field, why);
}

/* Optional string: NULL or absent -> *out NULL. */
static int snap_str(char **out, json_t *obj, const char *key, int required)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return required ? snap_bad(key, "missing") : 0;
    if (!json_is_string(v))
        return snap_bad(key, "not a string");
    if (!(*out = ds__strndup(json_string_value(v), json_string_length(v))))
        return DS_ENOMEM;
    if (strlen(*out) != json_string_length(v))
        return snap_bad(key, "contains a NUL character");
    return 0;
}

static int snap_hex(char out[DS_SHA256_HEX_SIZE], json_t *obj, const char *key, int required)
{
    json_t *v = json_object_get(obj, key);
    out[0] = '\0';
    if (!v || json_is_null(v))
        return required ? snap_bad(key, "missing") : 0;
    if (!json_is_string(v) || !ds__is_sha256_hex(json_string_value(v)))
        return snap_bad(key, "not 64 lowercase hex digits");
    memcpy(out, json_string_value(v), DS_SHA256_HEX_SIZE);
    return 0;
}

static int snap_uint(uint64_t *out, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return snap_bad(key, "missing");
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return snap_bad(key, "not a non-negative integer");
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int snap_doc(ds_bundle_doc *d, json_t *o)
{
    static const char *const strs[] = {"canonical_url", "title",    "byline",   "published_raw",
                                       "published",     "modified", "language", "site_name"};
    char **const dst[] = {&d->canonical_url, &d->title,    &d->byline,   &d->published_raw,
                          &d->published,     &d->modified, &d->language, &d->site_name};
    json_t *v, *norm;
    char *status = NULL;
    size_t i;
    int err;
    uint64_t rev = 0;

    if (!json_is_object(o))
        return snap_bad("documents", "an element is not an object");
    if ((err = snap_str(&d->id, o, "id", 1)) < 0)
        return err;
    if (!*d->id)
        return snap_bad("id", "empty");
    for (i = 0; i < sizeof strs / sizeof *strs; i++)
        if ((err = snap_str(dst[i], o, strs[i], 0)) < 0)
            return err;
    if ((err = snap_str(&d->format, o, "format", 1)) < 0)
        return err;
    if (strcmp(d->format, "text") && strcmp(d->format, "markdown") && strcmp(d->format, "html"))
        return snap_bad("format", "not one of text, markdown, html");
    if ((err = snap_hex(d->content_sha256, o, "content_sha256", 1)) < 0 ||
        (err = snap_hex(d->original_sha256, o, "original_sha256", 1)) < 0 ||
        (err = snap_hex(d->previous_content_sha256, o, "previous_content_sha256", 0)) < 0 ||
        (err = snap_uint(&d->content_size, o, "content_size")) < 0 ||
        (err = snap_uint(&d->original_size, o, "original_size")) < 0)
        return err;
    v = json_object_get(o, "revision");
    if (!v || json_is_null(v)) {
        d->revision = 0;
    } else {
        if ((err = snap_uint(&rev, o, "revision")) < 0)
            return err;
        if (rev == 0 || rev > 0xffffffffu)
            return snap_bad("revision", "not an integer from 1 to 4294967295");
        d->revision = (unsigned)rev;
    }
    if ((err = snap_str(&status, o, "status", 1)) < 0)
        return err;
    if (strcmp(status, "new") == 0)
        d->status = DS_DOC_NEW;
    else if (strcmp(status, "changed") == 0)
        d->status = DS_DOC_CHANGED;
    else if (strcmp(status, "unchanged") == 0)
        d->status = DS_DOC_UNCHANGED;
    else
        err = snap_bad("status", "not one of new, changed, unchanged");
    free(status);
    if (err < 0)
        return err;
    if ((err = snap_str(&d->document_entry, o, "document_entry", 0)) < 0 ||
        (err = snap_str(&d->original_entry, o, "original_entry", 0)) < 0)
        return err;
    norm = json_object_get(o, "normalize");
    if (!norm || json_is_null(norm)) {
        d->date_order = ds__strdup("none");
        return d->date_order ? 0 : DS_ENOMEM;
    }
    if (!json_is_object(norm))
        return snap_bad("normalize", "not an object");
    if ((err = snap_str(&d->date_order, norm, "date_order", 1)) < 0)
        return err;
    v = json_object_get(norm, "keep_boilerplate");
    if (v && !json_is_boolean(v))
        return snap_bad("normalize.keep_boilerplate", "not a boolean");
    d->keep_boilerplate = v && json_is_true(v);
    if ((err = snap_str(&d->from_encoding, norm, "from_encoding", 0)) < 0 ||
        (err = snap_str(&d->boilerplate_rules_sha256, norm, "boilerplate_rules_sha256", 0)) < 0)
        return err;
    return 0;
}

/* Most JSON values snapshot.json may hold: about 25 per document for the
 * most documents a bundle holds, with room to spare. Checked before parsing,
 * as a parsed value costs far more memory than its text. */
#define SNAPSHOT_MAX_VALUES ((size_t)40 * (DS_BUNDLE_MAX_ENTRIES / 2) + 64)

/* Count the values of a JSON text from its structure (commas, brackets and
 * braces outside strings): an upper bound good enough to refuse a huge
 * number of tiny values. */
static size_t json_value_bound(const char *p, size_t len)
{
    size_t i, n = 1;
    int in_string = 0;
    for (i = 0; i < len; i++) {
        char c = p[i];
        if (in_string) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_string = 0;
        } else if (c == '"') {
            in_string = 1;
        } else if (c == ',' || c == '[' || c == '{') {
            n++;
        }
    }
    return n;
}

/* Format 2: "unchanged", the compact sightings (id: revision, ids as in a
 * manifest record), and "unchanged_sha256". Format 1 knows no such member
 * (ignored). */
static int snap_unchanged(ds_bundle_info *info, json_t *root)
{
    json_t *u = json_object_get(root, "unchanged"), *rv;
    const char *id, *h;
    size_t i = 0, n;
    if (info->format_version < 2 || !u)
        return 0;
    if (!json_is_object(u) || (n = json_object_size(u)) == 0)
        return snap_bad("unchanged", "not a non-empty object");
    if (!(info->unchanged = ds__calloc(n, sizeof *info->unchanged)))
        return DS_ENOMEM;
    json_object_foreach(u, id, rv)
    {
        json_int_t r = json_is_integer(rv) ? json_integer_value(rv) : 0;
        if (ds__manifest_check_id(id) < 0)
            return ds__error_set(DS_EINVALID, "snapshot.json: unchanged[%zu]: %s", i,
                                 ds_error_last());
        if (r < 1 || r > (json_int_t)UINT32_MAX)
            return ds__error_set(DS_EINVALID,
                                 "snapshot.json: unchanged[%zu]: not a revision number", i);
        if (!(info->unchanged[i].id = ds__strdup(id)))
            return DS_ENOMEM;
        info->unchanged[i].revision = (unsigned)r;
        info->unchanged_count = ++i;
    }
    h = json_string_value(json_object_get(root, "unchanged_sha256"));
    if (!h || !ds__is_sha256_hex(h))
        return snap_bad("unchanged_sha256", "missing or not 64 lowercase hex digits");
    memcpy(info->unchanged_sha256, h, DS_SHA256_HEX_SIZE);
    return 0;
}

int ds__snapshot_parse(ds_bundle_info **out, const char *data, size_t len)
{
    ds_bundle_info *info = NULL;
    json_t *root = NULL, *v, *docs;
    json_error_t jerr;
    char *s = NULL;
    int err = 0;
    size_t i;
    uint64_t t = 0;

    *out = NULL;
    if (json_value_bound(data, len) > SNAPSHOT_MAX_VALUES)
        return ds__error_set(DS_ELIMIT, "snapshot.json: more than %zu JSON values",
                             SNAPSHOT_MAX_VALUES);
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        err = ds__error_set(DS_EINVALID, "snapshot.json: invalid JSON at line %d column %d: %s",
                            jerr.line, jerr.column, jerr.text);
        goto done;
    }
    if (!json_is_object(root)) {
        err = snap_bad("top level", "not an object");
        goto done;
    }
    v = json_object_get(root, "format");
    if (!json_is_string(v) || strcmp(json_string_value(v), DS_BUNDLE_FORMAT_NAME) != 0) {
        err = snap_bad("format", "not \"" DS_BUNDLE_FORMAT_NAME "\"");
        goto done;
    }
    v = json_object_get(root, "format_version");
    if (!json_is_integer(v)) {
        err = snap_bad("format_version", "missing or not an integer");
        goto done;
    }
    if (json_integer_value(v) < 1 || json_integer_value(v) > DS_BUNDLE_FORMAT_VERSION) {
        err = ds__error_set(DS_EUNSUPPORTED,
                            "snapshot.json: bundle format version %lld is not supported (this "
                            "docseal reads versions 1 to %d)",
                            (long long)json_integer_value(v), DS_BUNDLE_FORMAT_VERSION);
        goto done;
    }
    if (!(info = ds__calloc(1, sizeof *info))) {
        err = DS_ENOMEM;
        goto done;
    }
    info->format_version = (int)json_integer_value(v);
    if ((err = snap_str(&info->created, root, "created", 1)) < 0 ||
        (err = snap_uint(&t, root, "snapshot_time")) < 0 ||
        (err = snap_str(&info->tool, root, "tool", 1)) < 0 ||
        (err = snap_str(&info->normalizer, root, "normalizer", 1)) < 0 ||
        (err = snap_str(&s, root, "signer_key_id", 1)) < 0)
        goto done;
    if (t > (uint64_t)INT64_MAX) {
        err = snap_bad("snapshot_time", "out of range");
        goto done;
    }
    info->snapshot_time = (int64_t)t;
    if (strlen(s) != 16 || strspn(s, "0123456789ABCDEF") != 16) {
        err = snap_bad("signer_key_id", "not 16 uppercase hex digits");
        goto done;
    }
    memcpy(info->key_id, s, DS_KEY_ID_HEX_SIZE);
    docs = json_object_get(root, "documents");
    if (!json_is_array(docs)) {
        err = snap_bad("documents", "missing or not an array");
        goto done;
    }
    if ((err = snap_unchanged(info, root)) < 0)
        goto done;
    if (json_array_size(docs) == 0 && info->unchanged_count == 0) {
        err = snap_bad("documents", "empty");
        goto done;
    }
    if (json_array_size(docs) &&
        !(info->docs = ds__calloc(json_array_size(docs), sizeof *info->docs))) {
        err = DS_ENOMEM;
        goto done;
    }
    for (i = 0; i < json_array_size(docs); i++) {
        info->doc_count = i + 1;
        if ((err = snap_doc(&info->docs[i], json_array_get(docs, i))) < 0) {
            const char *msg = ds_error_last();
            if (strncmp(msg, "snapshot.json: ", 15) == 0) {
                char *rest = ds__strdup(msg + 15);
                err = ds__error_set(err, "snapshot.json: documents[%zu]: %s", i,
                                    rest ? rest : "invalid");
                free(rest);
            }
            goto done;
        }
    }
    *out = info;
    info = NULL;
done:
    free(s);
    ds_bundle_info_free(info);
    json_decref(root);
    return err;
}

static void doc_free(ds_bundle_doc *d)
{
    free(d->id);
    free(d->canonical_url);
    free(d->title);
    free(d->byline);
    free(d->published_raw);
    free(d->published);
    free(d->modified);
    free(d->language);
    free(d->site_name);
    free(d->format);
    free(d->document_entry);
    free(d->original_entry);
    free(d->date_order);
    free(d->from_encoding);
    free(d->boilerplate_rules_sha256);
}

void ds_bundle_info_free(ds_bundle_info *info)
{
    size_t i;
    if (!info)
        return;
    for (i = 0; i < info->doc_count; i++)
        doc_free(&info->docs[i]);
    free(info->docs);
    for (i = 0; i < info->unchanged_count; i++)
        free(info->unchanged[i].id);
    free(info->unchanged);
    free(info->created);
    free(info->tool);
    free(info->normalizer);
    free(info);
}

/* ------------------------------------------------------------------------ */
/* Metadata, info, extract                                                    */

void ds__bundle_meta_free(ds__bundle_meta *meta)
{
    ds__buf_free(&meta->manifest);
    ds__buf_free(&meta->signature);
    ds__buf_free(&meta->snapshot);
    meta->have_manifest = meta->have_signature = meta->have_snapshot = 0;
}

static int entry_problem_error(const char *bundle, const ds_bundle_entry *e)
{
    char *q = ds__bundle_quote(e->path);
    int err = ds__error_set(DS_EINVALID, "%s: %s: %s", bundle, q ? q : "?", e->problem);
    free(q);
    return err;
}

int ds__bundle_read_meta(ds__bundle_meta *meta, const char *path)
{
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    int rc, err = 0;

    memset(meta, 0, sizeof *meta);
    if ((err = ds_bundle_reader_open(&r, path, NULL)) < 0)
        return err;
    while ((rc = ds_bundle_reader_next(r, &e)) == 1) {
        ds__buf *b = NULL;
        ds_sink sink;
        if (e.problem) {
            err = entry_problem_error(path, &e);
            goto done;
        }
        switch (ds__bundle_entry_kind(e.path)) {
        case DS__ENTRY_MANIFEST:
            b = &meta->manifest;
            meta->have_manifest = 1;
            break;
        case DS__ENTRY_SIGNATURE:
            b = &meta->signature;
            meta->have_signature = 1;
            break;
        case DS__ENTRY_SNAPSHOT:
            b = &meta->snapshot;
            meta->have_snapshot = 1;
            break;
        default:
            continue;
        }
        /* size was checked against the metadata limit by the reader */
        if ((err = ds__buf_grow(b, (size_t)e.size)) < 0)
            goto done;
        sink.write = ds__buf_sink_write;
        sink.ctx = b;
        if ((err = ds_bundle_reader_stream(r, &sink)) < 0)
            goto done;
    }
    if (rc < 0) {
        err = rc;
        goto done;
    }
done:
    ds_bundle_reader_free(r);
    if (err < 0)
        ds__bundle_meta_free(meta);
    return err;
}

int ds_bundle_read_info(ds_bundle_info **out, const char *path)
{
    ds__bundle_meta meta;
    ds_bundle_info *info = NULL;
    int err;

    *out = NULL;
    if ((err = ds__bundle_read_meta(&meta, path)) < 0)
        return err;
    if (!meta.have_manifest || !meta.have_snapshot) {
        err = ds__error_set(DS_EINVALID, "%s: not a bundle: %s missing", path,
                            meta.have_manifest ? "snapshot.json" : "MANIFEST");
        goto done;
    }
    if ((err = ds__snapshot_parse(&info, meta.snapshot.ptr, meta.snapshot.len)) < 0) {
        char *msg = ds__strdup(ds_error_last());
        err = ds__error_set(err, "%s: %s", path, msg ? msg : "snapshot.json: invalid");
        free(msg);
        goto done;
    }
    if ((err = ds_sha256_hex(info->bundle_id, meta.manifest.ptr, meta.manifest.len)) < 0)
        goto done;
    *out = info;
    info = NULL;
done:
    ds_bundle_info_free(info);
    ds__bundle_meta_free(&meta);
    return err;
}

typedef struct tee_ctx {
    const ds_sink *sink;
    ds_sha256 *sha;
} tee_ctx;

static int tee_write(void *ctx, const void *buf, size_t len)
{
    tee_ctx *t = ctx;
    int err;
    if ((err = ds_sha256_update(t->sha, buf, len)) < 0)
        return err;
    return t->sink->write(t->sink->ctx, buf, len);
}

int ds_bundle_extract(const char *path, const char *entry, const ds_sink *sink)
{
    return ds_bundle_extract_ext(path, entry, sink, NULL);
}

/* Expand the current entry, a patch of target against base, into memory and
 * check it against the digest in target's name. */
int ds__bundle_expand_current(ds__buf *out, ds_bundle_reader *r, const char *target,
                              const char *base, const ds_bundle_base_provider *bases)
{
    void *bdata = NULL;
    size_t blen = 0;
    ds__patch_dec *dec = NULL;
    ds_sink into = {ds__buf_sink_write, out}, s;
    char hex[DS_SHA256_HEX_SIZE];
    int err;

    if ((err = ds__patch_load_base(&bdata, &blen, bases, target, base)) < 0)
        return err;
    if ((err = ds__patch_dec_new(&dec, bdata, blen, &into)) < 0)
        goto done;
    s.write = ds__patch_dec_write;
    s.ctx = dec;
    if ((err = ds_bundle_reader_stream(r, &s)) < 0 || (err = ds__patch_dec_end(dec)) < 0) {
        if (err == DS_EINTEGRITY || err == DS_ELIMIT)
            err = ds__error_set(err, "%s (stored as a patch against %s): %s", target, base,
                                ds_error_last());
        goto done;
    }
    if ((err = ds_sha256_hex(hex, out->ptr ? out->ptr : "", out->len)) < 0)
        goto done;
    if (memcmp(hex, target + 10, 64) != 0)
        err = ds__error_set(DS_EINTEGRITY,
                            "%s (stored as a patch against %s): expands to content that hashes "
                            "to %s",
                            target, base, hex);
done:
    ds__patch_dec_free(dec);
    free(bdata);
    return err;
}

static int extract_impl(const char *path, const char *entry, const ds_sink *sink,
                        const ds_bundle_base_provider *bases, int *as_patch);

int ds_bundle_extract_ext(const char *path, const char *entry, const ds_sink *sink,
                          const ds_bundle_base_provider *bases)
{
    return extract_impl(path, entry, sink, bases, NULL);
}

int ds__bundle_extract_full(const char *path, const char *entry, const ds_sink *sink, int *as_patch)
{
    *as_patch = 0;
    return extract_impl(path, entry, sink, NULL, as_patch);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ds__bundle_list(const char *path, char ***names, size_t *count)
{
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    char **list = NULL;
    size_t n = 0, cap = 0;
    int rc, err = 0;

    *names = NULL;
    *count = 0;
    if ((err = ds_bundle_reader_open(&r, path, NULL)) < 0)
        return err;
    while ((rc = ds_bundle_reader_next(r, &e)) == 1) {
        if (e.problem)
            continue;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **g = ds__realloc(list, ncap * sizeof *g);
            if (!g) {
                err = DS_ENOMEM;
                goto done;
            }
            list = g;
            cap = ncap;
        }
        if (!(list[n] = ds__strdup(e.path))) {
            err = DS_ENOMEM;
            goto done;
        }
        n++;
    }
    if (rc < 0) {
        err = rc;
        goto done;
    }
    if (n > 1)
        qsort(list, n, sizeof *list, cmp_str);
    *names = list;
    *count = n;
    list = NULL;
    n = 0;
done:
    while (n > 0)
        free(list[--n]);
    free(list);
    ds_bundle_reader_free(r);
    return err;
}

const char *ds__bundle_list_find(char *const *names, size_t count, const char *entry)
{
    size_t lo = 0, hi = count, n = strlen(entry);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(names[mid], entry) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the entry itself or a patch entry for it sort right there */
    for (; lo < count && strncmp(names[lo], entry, n) == 0; lo++) {
        char target[DS__PATH_CAP];
        const char *name = ds_bundle_patch_path_split(names[lo], target, NULL) ? target : names[lo];
        if (strncmp(name, entry, n) == 0 &&
            (name[n] == '\0' ||
             (n == 10 + 64 && name[n] == '.' && ds__bundle_entry_kind(name) == DS__ENTRY_ORIGINAL)))
            return names[lo];
    }
    return NULL;
}

static int extract_impl(const char *path, const char *entry, const ds_sink *sink,
                        const ds_bundle_base_provider *bases, int *as_patch)
{
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    ds_sha256 *sha = NULL;
    ds__buf exp = DS__BUF_INIT;
    int rc, err = 0, found = 0, any_ext = 0;
    ds__entry_kind kind = ds__bundle_entry_kind(entry);
    char target[DS__PATH_CAP], base[DS__PATH_CAP];

    /* "originals/<sha256>": the original whatever its extension */
    if (strlen(entry) == 10 + 64 && strncmp(entry, "originals/", 10) == 0 && is_hex64(entry + 10)) {
        kind = DS__ENTRY_ORIGINAL;
        any_ext = 1;
    }
    if (kind == DS__ENTRY_INVALID)
        return ds__error_set(DS_ENOTFOUND, "%s: %s: no such entry (%s)", path, entry,
                             ds_bundle_path_problem(entry));
    if ((err = ds_bundle_reader_open(&r, path, NULL)) < 0)
        return err;
    while ((rc = ds_bundle_reader_next(r, &e)) == 1) {
        int patch = (kind == DS__ENTRY_DOCUMENT || kind == DS__ENTRY_ORIGINAL) &&
                    ds_bundle_patch_path_split(e.path, target, base);
        const char *name = patch ? target : e.path;
        if (any_ext ? strncmp(name, entry, 74) != 0 || name[74] != '.' ||
                          ds__bundle_entry_kind(name) != DS__ENTRY_ORIGINAL
                    : strcmp(name, entry) != 0)
            continue;
        if (e.problem) {
            err = entry_problem_error(path, &e);
            goto done;
        }
        found = 1;
        if (patch && as_patch) {
            *as_patch = 1;
            err = ds__patch_no_base_error(target, base);
            goto done;
        }
        if (patch) {
            if ((err = ds__bundle_expand_current(&exp, r, target, base, bases)) < 0) {
                if (err != DS_ENOMEM)
                    err = ds__error_set(err, "%s: %s", path, ds_error_last());
                goto done;
            }
            err = sink->write(sink->ctx, exp.ptr ? exp.ptr : "", exp.len);
            goto done;
        }
        if (kind == DS__ENTRY_DOCUMENT || kind == DS__ENTRY_ORIGINAL) {
            tee_ctx t;
            ds_sink s;
            char hex[DS_SHA256_HEX_SIZE];
            if ((err = ds_sha256_new(&sha)) < 0)
                goto done;
            t.sink = sink;
            t.sha = sha;
            s.write = tee_write;
            s.ctx = &t;
            if ((err = ds_bundle_reader_stream(r, &s)) < 0 ||
                (err = ds_sha256_final_hex(sha, hex)) < 0)
                goto done;
            if (memcmp(hex, e.path + 10, 64) != 0) {
                err = ds__error_set(DS_EINTEGRITY,
                                    "%s: %s: content does not match its digest (it hashes to "
                                    "%s): the bundle is damaged",
                                    path, e.path, hex);
                goto done;
            }
        } else if ((err = ds_bundle_reader_stream(r, sink)) < 0) {
            goto done;
        }
        break;
    }
    if (rc < 0) {
        err = rc;
        goto done;
    }
    if (!found)
        err = ds__error_set(DS_ENOTFOUND, "%s: %s: no such entry", path, entry);
done:
    ds__buf_free(&exp);
    ds_sha256_free(sha);
    ds_bundle_reader_free(r);
    return err;
}
