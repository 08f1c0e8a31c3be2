/*
 * faultshim.c - an LD_PRELOAD shim that makes the Nth I/O call on files under
 * a directory fail, for fault-injection tests (SQLite's test_vfs idea, done
 * at the libc boundary so the real binary is tested).
 *
 * Environment:
 *   DS_FAULT_DIR    only files whose path starts with this prefix are faulted
 *   DS_FAULT_OP     write | fsync | rename | pread-flip | any   (default any;
 *                   write is write(2) and pwrite(2); pread-flip is never
 *                   chosen by any: the Nth pread(2) of a matching file
 *                   succeeds but its first byte comes back flipped, as a
 *                   damaged disk would return it)
 *   DS_FAULT_AT     fail the Nth matching call (1-based); later calls succeed
 *   DS_FAULT_ERRNO  ENOSPC (default) or EIO
 *   DS_FAULT_SHORT  when set, a faulted write writes half its bytes first
 * The count of matching calls is written to $DS_FAULT_COUNT_FILE at exit
 * when that variable is set, so a test can loop N = 1.. until no fault fires.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long calls;

static int fd_in_dir(int fd)
{
    const char *dir = getenv("DS_FAULT_DIR");
    char link[64], path[4096];
    ssize_t n;
    if (!dir || fd <= 2)
        return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = '\0';
    return strncmp(path, dir, strlen(dir)) == 0;
}

static int path_in_dir(const char *p)
{
    const char *dir = getenv("DS_FAULT_DIR");
    char real[4096];
    if (!dir || !p)
        return 0;
    if (p[0] != '/') {
        if (!getcwd(real, sizeof real - 1))
            return 0;
        strncat(real, "/", sizeof real - strlen(real) - 1);
        strncat(real, p, sizeof real - strlen(real) - 1);
        p = real;
    }
    return strncmp(p, dir, strlen(dir)) == 0;
}

static int should_fail(const char *op)
{
    const char *want = getenv("DS_FAULT_OP");
    const char *at = getenv("DS_FAULT_AT");
    if ((want && strcmp(want, "any") != 0 && strcmp(want, op) != 0) ||
        ((!want || strcmp(want, "any") == 0) && strcmp(op, "pread-flip") == 0))
        return 0;
    /* (seal's threads write and read spools at once) */
    if (!at || atol(at) != __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST))
        return 0;
    {
        const char *e = getenv("DS_FAULT_ERRNO");
        errno = (e && strcmp(e, "EIO") == 0) ? EIO : ENOSPC;
    }
    return 1;
}

__attribute__((destructor)) static void report_count(void)
{
    const char *f = getenv("DS_FAULT_COUNT_FILE");
    if (f) {
        FILE *o = fopen(f, "w");
        if (o) {
            fprintf(o, "%ld\n", __atomic_load_n(&calls, __ATOMIC_SEQ_CST));
            fclose(o);
        }
    }
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real)
        real = (ssize_t(*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    if (fd_in_dir(fd) && should_fail("write")) {
        int e = errno;
        if (getenv("DS_FAULT_SHORT") && n > 1) {
            real(fd, buf, n / 2);
            errno = e;
        }
        return -1;
    }
    return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real)
        real = (ssize_t(*)(int, const void *, size_t, off_t))dlsym(RTLD_NEXT, "pwrite");
    if (fd_in_dir(fd) && should_fail("write")) {
        int e = errno;
        if (getenv("DS_FAULT_SHORT") && n > 1) {
            real(fd, buf, n / 2, off);
            errno = e;
        }
        return -1;
    }
    return real(fd, buf, n, off);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    if (fd_in_dir(fd) && should_fail("fsync"))
        return -1;
    return real(fd);
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real)
        real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    if (fd_in_dir(fd) && should_fail("fsync"))
        return -1;
    return real(fd);
}

int rename(const char *a, const char *b)
{
    static int (*real)(const char *, const char *);
    if (!real)
        real = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
    if (path_in_dir(b) && should_fail("rename"))
        return -1;
    return real(a, b);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
    static ssize_t (*real)(int, void *, size_t, off_t);
    ssize_t got;
    if (!real)
        real = (ssize_t(*)(int, void *, size_t, off_t))dlsym(RTLD_NEXT, "pread");
    got = real(fd, buf, n, off);
    if (got > 0 && fd_in_dir(fd)) {
        int e = errno;
        if (should_fail("pread-flip"))
            ((unsigned char *)buf)[0] ^= 0x01;
        errno = e;
    }
    return got;
}
