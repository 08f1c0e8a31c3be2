/* util.c - internal helpers: allocation, buffers, hex, files, time. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void *ds__malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        ds__error_oom();
    return p;
}

void *ds__calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        ds__error_oom();
    return p;
}

void *ds__realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        ds__error_oom();
    return q;
}

char *ds__strndup(const char *s, size_t n)
{
    char *d;
    if (!s)
        return NULL;
    d = ds__malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *ds__strdup(const char *s)
{
    return s ? ds__strndup(s, strlen(s)) : NULL;
}

char *ds__asprintf(const char *fmt, ...)
{
    ds__buf b = DS__BUF_INIT;
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || ds__buf_grow(&b, (size_t)n) < 0)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(b.ptr, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return b.ptr;
}

int ds__buf_grow(ds__buf *b, size_t extra)
{
    size_t need, cap;
    char *p;
    if (extra > SIZE_MAX - b->len - 1)
        return ds__error_oom();
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = ds__realloc(b->ptr, cap);
    if (!p)
        return DS_ENOMEM;
    b->ptr = p;
    b->cap = cap;
    b->ptr[b->len] = '\0';
    return 0;
}

int ds__buf_put(ds__buf *b, const void *data, size_t len)
{
    int err = ds__buf_grow(b, len);
    if (err < 0)
        return err;
    if (len)
        memcpy(b->ptr + b->len, data, len);
    b->len += len;
    b->ptr[b->len] = '\0';
    return 0;
}

int ds__buf_puts(ds__buf *b, const char *s)
{
    return ds__buf_put(b, s, strlen(s));
}

int ds__buf_putc(ds__buf *b, char c)
{
    return ds__buf_put(b, &c, 1);
}

int ds__buf_printf(ds__buf *b, const char *fmt, ...)
{
    va_list ap;
    int n, err;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return ds__error_set(DS_ERROR, "formatting failed");
    if ((err = ds__buf_grow(b, (size_t)n)) < 0)
        return err;
    va_start(ap, fmt);
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

char *ds__buf_detach(ds__buf *b)
{
    char *p = b->ptr;
    if (!p)
        p = ds__strdup("");
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

void ds__buf_clear(ds__buf *b)
{
    b->len = 0;
    if (b->ptr)
        b->ptr[0] = '\0';
}

void ds__buf_free(ds__buf *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

int ds__buf_sink_write(void *ctx, const void *data, size_t len)
{
    return ds__buf_put((ds__buf *)ctx, data, len);
}

void ds__hex(char *out, const unsigned char *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int ds__hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int ds__unhex(unsigned char *out, const char *hex, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int hi = ds__hexval(hex[2 * i]), lo;
        if (hi < 0)
            return DS_EINVALID;
        lo = ds__hexval(hex[2 * i + 1]);
        if (lo < 0)
            return DS_EINVALID;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return hex[2 * n] == '\0' ? 0 : DS_EINVALID;
}

int ds__is_sha256_hex(const char *s)
{
    size_t i;
    if (!s)
        return 0;
    for (i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[64] == '\0';
}

const char *ds__display_name(const char *path)
{
    return (!path || strcmp(path, "-") == 0) ? "<stdin>" : path;
}

int ds__read_fd(char **out, size_t *len, int fd, const char *name, size_t max)
{
    ds__buf b = DS__BUF_INIT;
    int err = 0;
    struct stat st;

    *out = NULL;
    *len = 0;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return ds__error_set(DS_EINVALID, "%s: is a directory", name);
        if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
            return ds__error_set(DS_ELIMIT, "%s: larger than the limit of %zu bytes", name, max);
        if (S_ISREG(st.st_mode) && (err = ds__buf_grow(&b, (size_t)st.st_size)) < 0)
            goto done;
    }
    for (;;) {
        ssize_t n;
        if ((err = ds__buf_grow(&b, 65536)) < 0)
            goto done;
        n = read(fd, b.ptr + b.len, 65536);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = ds__error_errno(DS_EIO, errno, name);
            goto done;
        }
        if (n == 0)
            break;
        b.len += (size_t)n;
        if (b.len > max) {
            err = ds__error_set(DS_ELIMIT, "%s: larger than the limit of %zu bytes", name, max);
            goto done;
        }
    }
    if ((err = ds__buf_grow(&b, 0)) < 0)
        goto done;
    b.ptr[b.len] = '\0';
    *len = b.len;
    *out = ds__buf_detach(&b);
done:
    ds__buf_free(&b);
    return err;
}

int ds__read_file(char **out, size_t *len, const char *path, size_t max)
{
    int fd = 0, err;
    *out = NULL;
    *len = 0;
    if (strcmp(path, "-") != 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return ds__error_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno, path);
    }
    err = ds__read_fd(out, len, fd, ds__display_name(path), max);
    if (fd > 0)
        close(fd);
    return err;
}

int ds__write_all(int fd, const void *data, size_t len, const char *what)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ds__error_errno(DS_EIO, errno, what);
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

char *ds__dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ds__strdup(".");
    if (slash == path)
        return ds__strdup("/");
    return ds__strndup(path, (size_t)(slash - path));
}

int ds__fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int err = 0;
    if (fd < 0)
        return ds__error_errno(DS_EIO, errno, dir);
    if (fsync(fd) < 0 && errno != EINVAL)
        err = ds__error_errno(DS_EIO, errno, dir);
    close(fd);
    return err;
}

int ds__write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
                          int exclusive)
{
    char *tmp = NULL, *dir = NULL;
    int fd = -1, err = 0;

    if (!(tmp = ds__asprintf("%s.tmp.XXXXXX", path)) || !(dir = ds__dirname(path))) {
        err = DS_ENOMEM;
        goto done;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        err = ds__error_errno(DS_EIO, errno, tmp);
        goto done;
    }
    if (fchmod(fd, (mode_t)mode) < 0) {
        err = ds__error_errno(DS_EIO, errno, tmp);
        goto done;
    }
    if ((err = ds__write_all(fd, data, len, tmp)) < 0)
        goto done;
    if (fsync(fd) < 0) {
        err = ds__error_errno(DS_EIO, errno, tmp);
        goto done;
    }
    close(fd);
    fd = -1;
    if (exclusive) {
        /* link(2) fails with EEXIST instead of replacing */
        if (link(tmp, path) < 0) {
            err = errno == EEXIST ? ds__error_set(DS_EEXISTS, "%s: already exists", path)
                                  : ds__error_errno(DS_EIO, errno, path);
            goto done;
        }
        unlink(tmp);
    } else if (rename(tmp, path) < 0) {
        err = ds__error_errno(DS_EIO, errno, path);
        goto done;
    }
    free(tmp);
    tmp = NULL;
    err = ds__fsync_dir(dir);
done:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        unlink(tmp);
        free(tmp);
    }
    free(dir);
    return err;
}

int ds__own_dir(const char *path, const char *what)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : ds__error_errno(DS_EIO, errno, what);
    if (S_ISLNK(st.st_mode))
        return ds__error_set(DS_EINVALID,
                             "%s: is a symbolic link; docseal does not write through it", what);
    if (!S_ISDIR(st.st_mode))
        return ds__error_set(DS_EINVALID, "%s: not a directory", what);
    return 0;
}

int ds__mkdirs(const char *path, unsigned mode)
{
    char *p = ds__strdup(path), *s;
    int err = 0;
    if (!p)
        return DS_ENOMEM;
    for (s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, (mode_t)mode) < 0 && errno != EEXIST) {
                err = ds__error_errno(DS_EIO, errno, p);
                break;
            }
            *s = c;
            if (c == '\0')
                break;
        }
    }
    free(p);
    return err;
}

int64_t ds__now(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde && strspn(sde, "0123456789") == strlen(sde)) {
        char *end;
        long long v;
        errno = 0;
        v = strtoll(sde, &end, 10);
        if (errno == 0 && *end == '\0')
            return (int64_t)v;
    }
    return (int64_t)time(NULL);
}

void ds__format_time(char out[32], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t ds__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* proleptic Gregorian day count relative to 1970-01-01 */
    int64_t era;
    unsigned yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int ds__digits(const char *s, int n, int *out)
{
    int v = 0, i;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int ds__parse_time(int64_t *out, const char *s)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h = 0, mi = 0, se = 0, off = 0;
    const char *p = s;
    if (strlen(s) < 10 || ds__digits(p, 4, &y) || p[4] != '-' || ds__digits(p + 5, 2, &mo) ||
        p[7] != '-' || ds__digits(p + 8, 2, &d))
        goto bad;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
        (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)))
        goto bad;
    p += 10;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        if (ds__digits(p + 1, 2, &h) || p[3] != ':' || ds__digits(p + 4, 2, &mi) || p[6] != ':' ||
            ds__digits(p + 7, 2, &se) || h > 23 || mi > 59 || se > 60)
            goto bad;
        p += 9;
        if (*p == '.') {
            p++;
            if (*p < '0' || *p > '9')
                goto bad;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (ds__digits(p + 1, 2, &oh) || p[3] != ':' || ds__digits(p + 4, 2, &om) || oh > 23 ||
                om > 59)
                goto bad;
            off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
            p += 6;
        } else {
            goto bad;
        }
    }
    if (*p != '\0')
        goto bad;
    if (se == 60) {
        /* a leap second is the last second of a UTC day (23:59:60Z) */
        long utc = ((long)h * 3600 + mi * 60 - off) % 86400;
        if (utc < 0)
            utc += 86400;
        if (utc != 23 * 3600 + 59 * 60)
            goto bad;
    }
    *out = ds__days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 +
           (se > 59 ? 59 : se) - off;
    return 0;
bad:
    return ds__error_set(DS_EINVALID, "%s: not an RFC 3339 time or YYYY-MM-DD date", s);
}
