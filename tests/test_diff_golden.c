/* test_diff_golden.c - exact outputs of every format for the seed article
 * (fixtures/diff/seed.txt, normalized) against each revision in
 * fixtures/diff/<name>.txt, compared with fixtures/diff/expected/<name>.<ext>.
 *
 * To regenerate after an intended change: DS_UPDATE_GOLDEN=1 ./test_diff_golden
 * then review every changed file with git diff before committing. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docseal/docseal.h"
#include "testutil.h"

static const char *const revisions[] = {
    "typo",     "softened-quote", "figure", "added-paragraph", "moved-paragraph",
    "headline", "quote-style",    "teaser", "combined"};

static const struct {
    ds_diff_format format;
    const char *ext;
    unsigned flags;
    long context;
} formats[] = {
    {DS_DIFF_FORMAT_PLAIN, "plain", 0, -1},  {DS_DIFF_FORMAT_COLOR, "color", 0, 2},
    {DS_DIFF_FORMAT_UNIFIED, "diff", 0, -1}, {DS_DIFF_FORMAT_JSON, "json", 0, -1},
    {DS_DIFF_FORMAT_HTML, "html", 0, -1},    {DS_DIFF_FORMAT_SUMMARY, "summary", 0, -1},
};

typedef struct sbuf {
    char *p;
    size_t n;
} sbuf;

static int sink_cb(void *ctx, const void *buf, size_t len)
{
    sbuf *s = ctx;
    s->p = realloc(s->p, s->n + len + 1);
    cr_assert_not_null(s->p);
    memcpy(s->p + s->n, buf, len);
    s->n += len;
    s->p[s->n] = '\0';
    return 0;
}

static void check_golden(const char *rel, const char *got, size_t n)
{
    const char *path = tu_src(rel);
    if (getenv("DS_UPDATE_GOLDEN")) {
        tu_write(path, got, n);
        return;
    }
    {
        size_t len;
        char *want = tu_read(path, &len);
        cr_expect(len == n && memcmp(want, got, n) == 0,
                  "%s differs from the output (%zu vs %zu bytes); regenerate with "
                  "DS_UPDATE_GOLDEN=1 and review",
                  rel, len, n);
        free(want);
    }
}

Test(diff_golden, seed_against_revisions)
{
    size_t alen;
    char *a = tu_read(tu_src("fixtures/diff/seed.txt"), &alen);
    sbuf lines = {NULL, 0};
    ds_sink lsink = {sink_cb, &lines};
    for (size_t r = 0; r < sizeof revisions / sizeof *revisions; r++) {
        char rel[256], label[64], sl[512];
        size_t blen;
        char *b;
        ds_diff *d = NULL;
        ds_diff_options o = DS_DIFF_OPTIONS_INIT;
        snprintf(rel, sizeof rel, "fixtures/diff/%s.txt", revisions[r]);
        b = tu_read(tu_src(rel), &blen);
        snprintf(label, sizeof label, "%s.txt", revisions[r]);
        o.a_label = "seed.txt";
        o.b_label = label;
        cr_assert_eq(ds_diff_texts(&d, a, alen, b, blen, &o), 0, "%s", ds_error_last());
        for (size_t f = 0; f < sizeof formats / sizeof *formats; f++) {
            sbuf s = {NULL, 0};
            ds_sink sink = {sink_cb, &s};
            ds_diff_render_options ro = DS_DIFF_RENDER_OPTIONS_INIT;
            ro.flags = formats[f].flags;
            ro.context = formats[f].context;
            cr_assert_eq(ds_diff_render(d, formats[f].format, &ro, &sink), 0);
            snprintf(rel, sizeof rel, "fixtures/diff/expected/%s.%s", revisions[r], formats[f].ext);
            check_golden(rel, s.p ? s.p : "", s.n);
            free(s.p);
        }
        ds_diff_summary_line(sl, sizeof sl, d);
        sink_cb(&lines, revisions[r], strlen(revisions[r]));
        sink_cb(&lines, ": ", 2);
        sink_cb(&lines, sl, strlen(sl));
        sink_cb(&lines, "\n", 1);
        (void)lsink;
        ds_diff_free(d);
        free(b);
    }
    check_golden("fixtures/diff/expected/summary-lines.txt", lines.p, lines.n);
    free(lines.p);
    free(a);
}

/* The one-line summaries, spelled out here as well, so that a change in the
 * grammar shows in this file too. */
Test(diff_golden, summary_lines)
{
    static const char *const want[] = {
        "typo: +0 \xE2\x88\x92"
        "1 words",
        "softened-quote: +3 \xE2\x88\x92"
        "5 words, 1 quote changed",
        "figure: +1 \xE2\x88\x92"
        "1 words, 1 quote changed, 1 number changed",
        "added-paragraph: +23 \xE2\x88\x92"
        "0 words, 1 paragraph added",
        "moved-paragraph: 1 paragraph moved",
        "headline: +11 \xE2\x88\x92"
        "12 words, 1 quote added, 1 quote removed, headline changed",
        "quote-style: cosmetic changes only",
        "teaser: no changes",
        "combined: +31 \xE2\x88\x92"
        "31 words, 3 quotes changed, 2 quotes removed, 1 number "
        "changed, 1 paragraph added, headline changed",
    };
    size_t alen;
    char *a = tu_read(tu_src("fixtures/diff/seed.txt"), &alen);
    for (size_t r = 0; r < sizeof revisions / sizeof *revisions; r++) {
        char rel[256], sl[512], got[600];
        size_t blen;
        char *b;
        ds_diff *d = NULL;
        snprintf(rel, sizeof rel, "fixtures/diff/%s.txt", revisions[r]);
        b = tu_read(tu_src(rel), &blen);
        cr_assert_eq(ds_diff_texts(&d, a, alen, b, blen, NULL), 0);
        ds_diff_summary_line(sl, sizeof sl, d);
        snprintf(got, sizeof got, "%s: %s", revisions[r], sl);
        cr_expect_str_eq(got, want[r]);
        ds_diff_free(d);
        free(b);
    }
    free(a);
}
