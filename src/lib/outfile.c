/*
 * outfile.c - a file written in full before it appears under its name.
 *
 * Where Linux allows it the file is opened with O_TMPFILE: it has no name
 * while it is written, so a process killed meanwhile (a signal, Ctrl-C, a
 * crash) leaves nothing behind. Once complete and fsynced it is linked under
 * a temporary name and renamed over its final name, so readers only ever see
 * a whole file. Elsewhere (no O_TMPFILE support in the filesystem, no /proc)
 * it is a named "PATH.tmp.XXXXXX" from the start, as mkstemp(3) makes it.
 */
#define _GNU_SOURCE /* O_TMPFILE, linkat() */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int ds__outfile_open(ds__outfile *o, const char *path, const char *dir, unsigned mode)
{
    o->fd = -1;
    o->tmp = NULL;
    o->anonymous = 0;
    o->mode = mode;
#ifdef O_TMPFILE
    if (access("/proc/self/fd", X_OK) == 0) {
        /* read-write: if it cannot be linked after all, it is copied */
        o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (o->fd >= 0) {
            if (fchmod(o->fd, (mode_t)mode) < 0) {
                int e = errno;
                close(o->fd);
                o->fd = -1;
                return ds__error_errno(DS_EIO, e, path);
            }
            o->anonymous = 1;
            return 0;
        }
        /* EISDIR, EOPNOTSUPP, EINVAL...: this filesystem cannot; use a name */
    }
#endif
    if (!(o->tmp = ds__asprintf("%s.tmp.XXXXXX", path)))
        return DS_ENOMEM;
    o->fd = mkstemp(o->tmp);
    if (o->fd < 0 || fchmod(o->fd, (mode_t)mode) < 0) {
        int e = errno;
        int err = ds__error_set(DS_EIO, "%s: cannot create a temporary file in %s: %s", path, dir,
                                strerror(e));
        ds__outfile_discard(o);
        return err;
    }
    return 0;
}

/* Copy the unnamed file to a named temporary one, which replaces it. */
static int copy_to_named(ds__outfile *o, const char *path, const char *what)
{
    static const size_t block = 1 << 17;
    char *tmp = ds__asprintf("%s.tmp.XXXXXX", path), *buf = ds__malloc(block);
    uint64_t off = 0;
    int fd = -1, err = 0;
    if (!tmp || !buf) {
        err = DS_ENOMEM;
        goto done;
    }
    if ((fd = mkstemp(tmp)) < 0 || fchmod(fd, (mode_t)o->mode) < 0) {
        err = ds__error_errno(DS_EIO, errno, tmp);
        goto done;
    }
    for (;;) {
        ssize_t n = pread(o->fd, buf, block, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = ds__error_errno(DS_EIO, errno, what);
            goto done;
        }
        if (n == 0)
            break;
        if ((err = ds__write_all(fd, buf, (size_t)n, tmp)) < 0)
            goto done;
        off += (uint64_t)n;
    }
    if (fsync(fd) < 0) {
        err = ds__error_errno(DS_EIO, errno, tmp);
        goto done;
    }
    close(o->fd);
    o->fd = fd;
    fd = -1;
    o->anonymous = 0;
    free(o->tmp);
    o->tmp = tmp;
    tmp = NULL;
done:
    if (fd >= 0)
        close(fd);
    if (tmp) {
        if (fd >= 0 || err < 0)
            unlink(tmp);
        free(tmp);
    }
    free(buf);
    return err;
}

/* Give the unnamed file a fresh temporary name beside path: 0, 1 when it
 * cannot be linked at all (a sandbox without /proc links, say), or an
 * error. */
static int name_it(ds__outfile *o, const char *path)
{
    char proc[64];
    int attempt;
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
    for (attempt = 0; attempt < 64; attempt++) {
        unsigned int r;
        if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
            r = (unsigned int)getpid() * 2654435761u ^ (unsigned int)time(NULL) ^
                (unsigned int)attempt;
        free(o->tmp);
        if (!(o->tmp = ds__asprintf("%s.tmp.%08x", path, r)))
            return DS_ENOMEM;
        if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmp, AT_SYMLINK_FOLLOW) == 0)
            return 0;
        if (errno != EEXIST) {
            free(o->tmp);
            o->tmp = NULL;
            return 1;
        }
    }
    free(o->tmp);
    o->tmp = NULL;
    return ds__error_set(DS_EIO, "%s: no free temporary name", path);
}

int ds__outfile_commit(ds__outfile *o, const char *path, const char *dir, const char *what)
{
    int err;
    if (fsync(o->fd) < 0) {
        err = ds__error_errno(DS_EIO, errno, what);
        goto fail;
    }
    if (o->anonymous && (err = name_it(o, path)) != 0) {
        if (err < 0 || (err = copy_to_named(o, path, what)) < 0)
            goto fail;
    }
    if (close(o->fd) < 0) {
        o->fd = -1;
        err = ds__error_errno(DS_EIO, errno, what);
        goto fail;
    }
    o->fd = -1;
    if (rename(o->tmp, path) < 0) {
        err = ds__error_errno(DS_EIO, errno, path);
        goto fail;
    }
    free(o->tmp);
    o->tmp = NULL;
    return ds__fsync_dir(dir);
fail:
    ds__outfile_discard(o);
    return err;
}

void ds__outfile_start_writeback(const ds__outfile *o)
{
#ifdef SYNC_FILE_RANGE_WRITE
    (void)sync_file_range(o->fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)o;
#endif
}

void ds__outfile_discard(ds__outfile *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp) {
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
}
