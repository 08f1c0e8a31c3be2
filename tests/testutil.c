/* testutil.c - helpers shared by the Criterion tests. */
#define _XOPEN_SOURCE 700 /* nftw() */
#include "testutil.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

const char *tu_src(const char *rel)
{
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", DS_SOURCE_DIR, rel);
    return buf;
}

char *tu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long n;
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)n + 1);
    cr_assert_not_null(data);
    cr_assert_eq(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return data;
}

void tu_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(data, 1, len, f), len);
    cr_assert_eq(fclose(f), 0);
}

/* Temporary directories made by this test process, removed when it exits
 * (each Criterion test runs in a process of its own); DS_KEEP_TMP=1 keeps
 * them for a look. */
static char *tmpdirs[256];
static size_t ntmpdirs;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_tmpdirs(void)
{
    size_t i;
    const char *keep = getenv("DS_KEEP_TMP");
    for (i = 0; i < ntmpdirs; i++) {
        if (!(keep && *keep == '1'))
            nftw(tmpdirs[i], rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(tmpdirs[i]);
    }
    ntmpdirs = 0;
}

char *tu_tmpdir(void)
{
    char tmpl[] = "/tmp/docseal-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    if (ntmpdirs == 0)
        atexit(rm_tmpdirs);
    if (ntmpdirs < sizeof tmpdirs / sizeof *tmpdirs)
        tmpdirs[ntmpdirs++] = strdup(d);
    return strdup(d);
}

int tu_run(char **out, char **err, const char *fmt, ...)
{
    char args[8192], cmd[10000];
    char *dir = tu_tmpdir();
    va_list ap;
    int st;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s >%s/out 2>%s/err", DS_CLI_PATH, args, dir, dir);
    st = system(cmd);
    snprintf(cmd, sizeof cmd, "%s/out", dir);
    if (out)
        *out = tu_read(cmd, NULL);
    remove(cmd);
    snprintf(cmd, sizeof cmd, "%s/err", dir);
    if (err)
        *err = tu_read(cmd, NULL);
    remove(cmd);
    remove(dir);
    free(dir);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}
