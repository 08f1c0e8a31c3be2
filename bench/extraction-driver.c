/*
 * extraction-driver.c - runs the HTML extractor (src/lib/html_internal.h)
 * directly, for bench/extraction while `docseal normalize` cannot read HTML
 * yet, and to time extraction.
 *
 *   extraction-driver FILE...          one JSON object per line: the
 *                                      metadata and a norm-1 style text
 *   extraction-driver --time N FILE    extract N times, print ms per run
 *
 * Built by bench/extraction against a build's libdocseal.a.
 */
#include "html_internal.h"
#include "util.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void set_str(json_t *o, const char *k, const char *v)
{
    json_object_set_new(o, k, v != NULL ? json_string(v) : json_null());
}

int main(int argc, char **argv)
{
    int i, runs = 0;
    if (argc > 2 && strcmp(argv[1], "--time") == 0) {
        runs = atoi(argv[2]);
        argv += 2;
        argc -= 2;
    }
    for (i = 1; i < argc; i++) {
        char *data = NULL;
        size_t len = 0, k;
        ds__html_article *a = NULL;
        int err;
        if (ds__read_file(&data, &len, argv[i], (size_t)1 << 30) < 0) {
            fprintf(stderr, "driver: %s\n", ds_error_last());
            return 2;
        }
        if (runs > 0) {
            double best = 1e30, total = 0;
            int r;
            for (r = 0; r < runs; r++) {
                double t0 = now_ms(), dt;
                err = ds__html_extract(&a, data, len, argv[i]);
                dt = now_ms() - t0;
                if (err < 0) {
                    fprintf(stderr, "driver: %s\n", ds_error_last());
                    return 2;
                }
                ds__html_article_free(a);
                total += dt;
                if (dt < best)
                    best = dt;
            }
            printf("%s: %zu bytes, %d runs, best %.2f ms, mean %.2f ms\n", argv[i], len, runs, best,
                   total / runs);
            free(data);
            continue;
        }
        err = ds__html_extract(&a, data, len, argv[i]);
        {
            json_t *o = json_object();
            ds__buf t = DS__BUF_INIT;
            char *line;
            set_str(o, "file", argv[i]);
            if (err < 0) {
                set_str(o, "error", ds_error_last());
            } else {
                set_str(o, "title", a->title);
                set_str(o, "byline", a->byline);
                set_str(o, "published_raw", a->published_raw);
                set_str(o, "published", a->published);
                set_str(o, "modified", a->modified);
                set_str(o, "canonical_url", a->canonical_url);
                set_str(o, "site_name", a->site_name);
                set_str(o, "language", a->language);
                ds__buf_printf(&t, "# %s\n", a->title != NULL ? a->title : "");
                if (a->byline != NULL)
                    ds__buf_printf(&t, "byline: %s\n", a->byline);
                if (a->published_raw != NULL)
                    ds__buf_printf(&t, "date: %s\n", a->published_raw);
                for (k = 0; k < a->block_count; k++)
                    ds__buf_printf(&t, "\n%s\n", a->blocks[k]);
                set_str(o, "text", t.ptr);
                ds__buf_free(&t);
            }
            line = json_dumps(o, JSON_COMPACT);
            puts(line);
            free(line);
            json_decref(o);
        }
        ds__html_article_free(a);
        free(data);
    }
    return 0;
}
