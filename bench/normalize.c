/*
 * bench/normalize.c - normalization throughput (norm-1).
 *
 * usage: normalize-bench MODE SEED [SECONDS]
 *   MODE  article     a ~5 KB article normalized from memory, again and again
 *         article-nfd the same article in NFD (every accented letter decomposed)
 *         file        a ~20 MB file of such articles, streamed with
 *                     ds_normalize_file() into a discarding sink
 *         buffer      the same ~20 MB from memory (ds_normalize_buffer(),
 *                     the text kept in memory)
 *   SEED  an article to build the inputs from (fixtures/articles/...)
 *
 * Prints MB/s (10^6 bytes of input per second) and the peak RSS. Run by
 * bench/bench-normalize.sh, which also reports /usr/bin/time -v's figure.
 */
#include "docseal/docseal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        perror(path);
        exit(2);
    }
    p = malloc((size_t)n + 1);
    if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
        perror(path);
        exit(2);
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

/* The seed, then its body paragraphs again until the article is >= 5000 bytes. */
static char *make_article(const char *seed, size_t n, size_t *len)
{
    size_t cap = 16384, k = n;
    char *a = malloc(cap);
    const char *body = strstr(seed, "\n\n\n\n");
    memcpy(a, seed, n);
    body = body ? body + 4 : seed;
    while (k < 5000) {
        size_t take = (size_t)(seed + n - body);
        if (take > 5000 - k + 200)
            take = 5000 - k + 200;
        a[k++] = '\n';
        a[k++] = '\n';
        memcpy(a + k, body, take);
        k += take;
    }
    *len = k;
    return a;
}

/* A decomposed copy: é -> e + U+0301 etc. (Latin-1 letters only, enough to
 * force the NFC path on every paragraph). */
static char *make_nfd(const char *a, size_t n, size_t *len)
{
    char *o = malloc(n * 2 + 64);
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        if (a[i] == 'e' && (i % 7) == 0) {
            memcpy(o + k, "e\xcc\x81", 3);
            k += 3;
        } else {
            o[k++] = a[i];
        }
    }
    *len = k;
    return o;
}

static int discard(void *ctx, const void *buf, size_t len)
{
    (void)ctx, (void)buf, (void)len;
    return 0;
}

static void check(int err)
{
    if (err < 0) {
        fprintf(stderr, "normalize-bench: %s\n", ds_error_last());
        exit(2);
    }
}

static void report(const char *what, size_t bytes, size_t iters, double secs)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-12s %9zu bytes x %6zu in %.3f s: %8.1f MB/s, peak RSS %ld KiB\n", what, bytes, iters,
           secs, (double)bytes * (double)iters / secs / 1e6, ru.ru_maxrss);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "article";
    double secs = argc > 3 ? atof(argv[3]) : 2.0, t0, t;
    size_t seed_len, art_len, iters = 0, big_len = 0;
    char *seed, *art;
    ds_document *doc = NULL;

    if (argc < 3) {
        fprintf(stderr, "usage: normalize-bench article|article-nfd|file|buffer SEED [SECONDS]\n");
        return 2;
    }
    seed = slurp(argv[2], &seed_len);
    art = make_article(seed, seed_len, &art_len);

    if (strcmp(mode, "article") == 0 || strcmp(mode, "article-nfd") == 0) {
        if (strcmp(mode, "article-nfd") == 0) {
            char *n = make_nfd(art, art_len, &art_len);
            free(art);
            art = n;
        }
        t0 = now();
        do {
            check(ds_normalize_buffer(&doc, art, art_len, NULL));
            ds_document_free(doc);
            iters++;
        } while ((t = now() - t0) < secs);
        report(mode, art_len, iters, t);
    } else {
        /* ~20 MB: articles one after another, a digit changed in each */
        size_t count = 20000000 / art_len + 1, i;
        if (strcmp(mode, "file") == 0) {
            char path[] = "/tmp/normalize-bench-XXXXXX";
            int fd = mkstemp(path);
            ds_sink sink = {discard, NULL};
            if (fd < 0) {
                perror(path);
                return 2;
            }
            for (i = 0; i < count; i++) {
                art[200] = (char)('0' + i % 10);
                if (write(fd, art, art_len) != (ssize_t)art_len || write(fd, "\n\n", 2) != 2) {
                    perror(path);
                    return 2;
                }
                big_len += art_len + 2;
            }
            close(fd);
            t0 = now();
            do {
                check(ds_normalize_file(&doc, path, &sink, NULL, NULL));
                ds_document_free(doc);
                iters++;
            } while ((t = now() - t0) < secs);
            unlink(path);
            report(mode, big_len, iters, t);
        } else {
            char *big = malloc(count * (art_len + 2));
            for (i = 0; i < count; i++) {
                memcpy(big + big_len, art, art_len);
                big[big_len + 200] = (char)('0' + i % 10);
                big_len += art_len;
                big[big_len++] = '\n';
                big[big_len++] = '\n';
            }
            t0 = now();
            do {
                check(ds_normalize_buffer(&doc, big, big_len, NULL));
                ds_document_free(doc);
                iters++;
            } while ((t = now() - t0) < secs);
            report(mode, big_len, iters, t);
            free(big);
        }
    }
    free(art);
    free(seed);
    return 0;
}
