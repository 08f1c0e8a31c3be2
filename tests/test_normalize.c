/* test_normalize.c - the normalizer (norm-1) through the library API: the
 * seed article, invariance, bad input, the Markdown reader, dates, bylines,
 * links, boilerplate, Unicode rules, encodings, streaming. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <locale.h>
#include <regex.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utf8proc.h>

#include "docseal/docseal.h"
#include "normalize_internal.h"
#include "testutil.h"

#define SEED "fixtures/articles/000_b02582cd44c05fde.txt"
#define SEED_CONTENT "759dda5193f1d2033fc2cedf2864eec21b127f3fdb9d2b556357c759cd2a9fe0"
#define SEED_ORIGINAL "7afc3aacc5c554160f031ffafd863c3b84f7c97190f29b5f5c13c302a0b561a5"
#define SEED_TEASER                                                                                \
    "Read more [Korea talks: 'When US is sidelined, local players find peaceful solutions'](#)"

/* ---- helpers ---- */

static char *seed_text(void)
{
    return tu_read(tu_src(SEED), NULL);
}

/* Replace every occurrence of from by to (caller frees). */
static char *replace(const char *s, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), n = 0, k = 0;
    const char *p;
    char *out;
    for (p = strstr(s, from); p; p = strstr(p + fl, from))
        n++;
    cr_assert_gt(n, 0, "'%s' not found", from);
    out = malloc(strlen(s) + n * tl + 1);
    for (p = s; *p;) {
        if (strncmp(p, from, fl) == 0) {
            memcpy(out + k, to, tl);
            k += tl;
            p += fl;
        } else {
            out[k++] = *p++;
        }
    }
    out[k] = '\0';
    return out;
}

static ds_document *norm_opts(const char *text, const ds_normalize_options *o)
{
    ds_document *d = NULL;
    int err = ds_normalize_buffer(&d, text, strlen(text), o);
    cr_assert_eq(err, 0, "normalize failed: %s", ds_error_last());
    cr_assert_not_null(d);
    return d;
}

static ds_document *norm(const char *text)
{
    return norm_opts(text, NULL);
}

/* The normalized text of text (caller frees). */
static char *ntext_opts(const char *text, const ds_normalize_options *o)
{
    ds_document *d = norm_opts(text, o);
    char *t = strdup(d->text);
    cr_assert_eq(strlen(t), d->content_size);
    ds_document_free(d);
    return t;
}

static char *ntext(const char *text)
{
    return ntext_opts(text, NULL);
}

static void expect_text(const char *in, const char *expected)
{
    char *t = ntext(in);
    cr_assert_str_eq(t, expected, "input:\n%s\n-- got:\n%s-- expected:\n%s--", in, t, expected);
    free(t);
}

static char *chash(const char *text)
{
    ds_document *d = norm(text);
    char *h = strdup(d->content_sha256);
    ds_document_free(d);
    return h;
}

/* Normalize len bytes expecting failure code; returns the message (static). */
static const char *norm_fail(const void *data, size_t len, const ds_normalize_options *o, int code)
{
    ds_document *d = (ds_document *)1;
    int err = ds_normalize_buffer(&d, data, len, o);
    cr_assert_eq(err, code, "expected %s, got %s (%s)", ds_status_name(code), ds_status_name(err),
                 ds_error_last());
    cr_assert_null(d);
    return ds_error_last();
}

static char *tmpfile_with(const char *dir, const char *name, const void *data, size_t len)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    tu_write(p, data, len);
    return p;
}

static void sha_hex(char hex[DS_SHA256_HEX_SIZE], const void *data, size_t len)
{
    cr_assert_eq(ds_sha256_hex(hex, data, len), 0);
}

typedef struct collect {
    ds__buf buf;
    size_t calls;
    int fail_at; /* fail on this call (1-based), 0 never */
} collect;

static int collect_write(void *ctx, const void *data, size_t len)
{
    collect *c = ctx;
    c->calls++;
    if (c->fail_at && (int)c->calls == c->fail_at)
        return DS_EIO;
    return ds__buf_put(&c->buf, data, len);
}

/* ---- the seed article ---- */

Test(seed, exact_text_and_digests)
{
    ds_document *d = NULL;
    char *expected = tu_read(tu_src("fixtures/normalized/000_b02582cd44c05fde.txt"), NULL);
    char hex[DS_SHA256_HEX_SIZE];

    cr_assert_eq(ds_normalize_file(&d, tu_src(SEED), NULL, NULL, NULL), 0, "%s", ds_error_last());
    cr_assert_str_eq(d->text, expected);
    cr_assert_str_eq(d->content_sha256, SEED_CONTENT);
    sha_hex(hex, expected, strlen(expected));
    cr_assert_str_eq(hex, SEED_CONTENT);
    cr_assert_str_eq(d->original_sha256, SEED_ORIGINAL);
    cr_assert_eq(d->content_size, 3677);
    cr_assert_eq(d->original_size, 3853);
    cr_assert_eq(d->paragraph_count, 11);
    cr_assert_eq(d->boilerplate_removed, 2);
    cr_assert_eq(d->format, DS_FORMAT_MARKDOWN);
    cr_assert_str_eq(d->title, "'Shrewd & mature N. Korean leader has won this round' – Putin on "
                               "peninsula crisis");
    cr_assert_str_eq(d->published_raw, "11/01/2018");
    cr_assert_null(d->published);
    cr_assert_null(d->byline);
    cr_assert_null(d->id);
    cr_assert_null(d->canonical_url);
    cr_assert_null(d->language);
    cr_assert_null(d->modified);
    cr_assert_null(d->site_name);
    /* the first lines, exactly */
    {
        const char *head = "# 'Shrewd & mature N. Korean leader has won this round' – Putin on "
                           "peninsula crisis\ndate: 11/01/2018\n\nNorth Korean leader Kim Jong-un";
        cr_assert_eq(strncmp(d->text, head, strlen(head)), 0);
    }
    /* no teaser survived, emphasis and both quote styles are kept */
    cr_assert_null(strstr(d->text, "Read more"));
    cr_assert_not_null(strstr(d->text, "\n\n*\"I believe, Mr Kim Jong-un has certainly won this "
                                       "round,\"* Putin told"));
    cr_assert_not_null(strstr(d->text, "*“He is already an absolutely shrewd and mature "
                                       "politician,”* Putin added.\n"));
    cr_assert_not_null(strstr(d->text, "a nuclear [charge] and a ... missile"));
    ds_document_free(d);
    free(expected);
}

Test(seed, date_orders)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *d = NULL;

    o.date_order = DS_DATE_ORDER_DMY;
    cr_assert_eq(ds_normalize_file(&d, tu_src(SEED), NULL, NULL, &o), 0);
    cr_assert_str_eq(d->published, "2018-01-11");
    cr_assert_str_eq(d->published_raw, "11/01/2018");
    cr_assert_str_eq(d->content_sha256, SEED_CONTENT); /* the text says it as written */
    ds_document_free(d);
    o.date_order = DS_DATE_ORDER_MDY;
    cr_assert_eq(ds_normalize_file(&d, tu_src(SEED), NULL, NULL, &o), 0);
    cr_assert_str_eq(d->published, "2018-11-01");
    ds_document_free(d);
    o.date_order = DS_DATE_ORDER_YMD;
    cr_assert_eq(ds_normalize_file(&d, tu_src(SEED), NULL, NULL, &o), 0);
    cr_assert_null(d->published);
    ds_document_free(d);
}

Test(seed, checked_in_variants)
{
    ds_document *d = NULL;
    char *expected = tu_read(tu_src("fixtures/normalized/002_front_matter.txt"), NULL);

    cr_assert_eq(
        ds_normalize_file(&d, tu_src("fixtures/articles/001_noisy_variant.txt"), NULL, NULL, NULL),
        0);
    cr_assert_str_eq(d->content_sha256, SEED_CONTENT);
    cr_assert_eq(d->boilerplate_removed, 2);
    ds_document_free(d);

    cr_assert_eq(
        ds_normalize_file(&d, tu_src("fixtures/articles/002_front_matter.txt"), NULL, NULL, NULL),
        0);
    cr_assert_str_eq(d->text, expected);
    cr_assert_str_eq(d->content_sha256,
                     "0bc2f1a9c588bb930708933c72bdf194b1279d256cbd1996855c22271327771c");
    cr_assert_str_eq(d->title, "Port strike ends after 11 days: unions accept 4.5% deal");
    cr_assert_str_eq(d->byline, "Marta Nováková");
    cr_assert_str_eq(d->published_raw, "2024-03-14T18:05:00+01:00");
    cr_assert_str_eq(d->published, "2024-03-14");
    cr_assert_str_eq(d->id, "example-port-strike");
    cr_assert_str_eq(d->language, "en-GB");
    cr_assert_str_eq(
        d->canonical_url,
        "https://news.example.org/2024/03/port-strike-ends?utm_source=rss&utm_medium=feed");
    cr_assert_eq(d->paragraph_count, 11);
    cr_assert_eq(d->boilerplate_removed, 3);
    /* ZWJ inside the emoji sequence survives */
    cr_assert_not_null(strstr(d->text, "posted \xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x94\xA7 on"));
    ds_document_free(d);
    free(expected);
}

Test(seed, buffer_equals_file_and_streaming)
{
    size_t len;
    char *seed = tu_read(tu_src(SEED), &len);
    ds_document *d = NULL, *b = NULL;
    collect text = {DS__BUF_INIT, 0, 0}, orig = {DS__BUF_INIT, 0, 0};
    ds_sink ts = {collect_write, &text}, os = {collect_write, &orig};

    cr_assert_eq(ds_normalize_buffer(&b, seed, len, NULL), 0);
    cr_assert_eq(ds_normalize_file(&d, tu_src(SEED), &ts, &os, NULL), 0);
    cr_assert_null(d->text);
    cr_assert_eq(text.buf.len, b->content_size);
    cr_assert_eq(memcmp(text.buf.ptr, b->text, text.buf.len), 0);
    cr_assert_eq(orig.buf.len, len);
    cr_assert_eq(memcmp(orig.buf.ptr, seed, len), 0);
    cr_assert_str_eq(d->content_sha256, b->content_sha256);
    cr_assert_str_eq(d->original_sha256, SEED_ORIGINAL);
    cr_assert_str_eq(b->original_sha256, SEED_ORIGINAL);
    ds_document_free(d);
    ds_document_free(b);
    ds__buf_free(&text.buf);
    ds__buf_free(&orig.buf);
    free(seed);
}

Test(seed, sink_errors_stop_the_producer)
{
    ds_document *d = NULL;
    collect text = {DS__BUF_INIT, 0, 1}, orig = {DS__BUF_INIT, 0, 1};
    ds_sink ts = {collect_write, &text}, os = {collect_write, &orig};

    cr_assert_eq(ds_normalize_file(&d, tu_src(SEED), &ts, NULL, NULL), DS_EIO);
    cr_assert_null(d);
    cr_assert_eq(ds_normalize_file(&d, tu_src(SEED), NULL, &os, NULL), DS_EIO);
    cr_assert_null(d);
    ds__buf_free(&text.buf);
    ds__buf_free(&orig.buf);
}

/* ---- invariance ---- */

Test(invariance, cosmetic_variants_keep_the_hash)
{
    char *seed = seed_text(), *v, *w;
    struct {
        const char *what, *from, *to;
    } subs[] = {
        {"CRLF", "\n", "\r\n"},
        {"CR", "\n", "\r"},
        {"NEL", "\n", "\xC2\x85"},
        {"LINE SEPARATOR", "\n", "\xE2\x80\xA8"},
        {"PARAGRAPH SEPARATOR", "\n\n", "\xE2\x80\xA9"},
        {"more blank lines", "\n\n", "\n \n\t\n\n"},
        {"trailing spaces", "\n", " \t  \n"},
        {"leading spaces", "\n", "\n   "},
        {"NBSP for every space", " ", "\xC2\xA0"},
        {"EM SPACE and tabs", " ", "\xE2\x80\x83\t"},
        {"ideographic space", ". ", ".\xE3\x80\x80"},
        {"soft hyphens", "Pyongyang", "Pyong\xC2\xADyang"},
        {"zero-width space", "crisis", "cri\xE2\x80\x8Bsis"},
        {"word joiner", "Korean", "Ko\xE2\x81\xA0rean"},
        {"BOM inside", "Putin", "\xEF\xBB\xBFPutin"},
        {"control characters", "Moscow",
         "Mos\x01\x7F\xC2\x9F"
         "cow"},
        {"ZWJ next to a space", " Trump", " \xE2\x80\x8DTrump"},
        {"different teaser", SEED_TEASER, "READ MORE: Seoul and Pyongyang agree to keep talking"},
        {"teaser gone", SEED_TEASER "\n", "\n"},
        {"separator lines", "\n\n", "\n\n***\n\n"},
    };
    size_t i;

    for (i = 0; i < sizeof subs / sizeof *subs; i++) {
        char *h;
        v = replace(seed, subs[i].from, subs[i].to);
        h = chash(v);
        cr_expect_str_eq(h, SEED_CONTENT, "variant '%s' changed the hash", subs[i].what);
        free(h);
        free(v);
    }
    /* BOM at the start */
    v = malloc(strlen(seed) + 4);
    sprintf(v, "\xEF\xBB\xBF%s", seed);
    w = chash(v);
    cr_assert_str_eq(w, SEED_CONTENT);
    free(w);
    free(v);
    free(seed);
}

Test(invariance, nfd_equals_nfc)
{
    char *seed = seed_text();
    char *nfc = replace(seed, "Putin", "P\xC3\xBCtin"); /* ü precomposed */
    char *nfd = (char *)utf8proc_NFD((const utf8proc_uint8_t *)nfc);
    char *a = chash(nfc), *b = chash(nfd);

    cr_assert_neq(strcmp(nfc, nfd), 0);
    cr_assert_not_null(strstr(nfd, "Pu\xCC\x88tin"));
    cr_assert_str_eq(a, b);
    cr_assert_str_neq(a, SEED_CONTENT);
    free(a);
    free(b);
    free(nfd);
    free(nfc);
    free(seed);
}

Test(invariance, real_edits_change_the_hash)
{
    char *seed = seed_text();
    struct {
        const char *what, *from, *to;
    } subs[] = {
        {"one word", "shrewd and mature politician", "shrewd and seasoned politician"},
        {"one digit", "13,000", "14,000"},
        {"one quote character", "“He is already", "\"He is already"},
        {"an apostrophe", "North’s", "North's"},
        {"a dash in the headline", "round' – Putin", "round' — Putin"},
        {"the date", "11/01/2018", "12/01/2018"},
        {"emphasis", "*“military option”*", "“military option”"},
        {"a paragraph split", "Thursday. The Russian", "Thursday.\n\nThe Russian"},
        {"the headline", "Shrewd", "Smart"},
        {"a case change", "Putin added", "putin added"},
    };
    size_t i;

    for (i = 0; i < sizeof subs / sizeof *subs; i++) {
        char *v = replace(seed, subs[i].from, subs[i].to), *h = chash(v);
        cr_expect_str_neq(h, SEED_CONTENT, "edit '%s' kept the hash", subs[i].what);
        free(h);
        free(v);
    }
    free(seed);
}

/* ---- bad input ---- */

Test(bad_input, invalid_utf8_offsets)
{
    struct {
        const char *bytes;
        size_t len;
        unsigned long off;
    } cases[] = {
        {"ok\x80", 3, 2},              /* lone continuation byte */
        {"abc\xC0\x80", 5, 3},         /* overlong NUL */
        {"a\xE0\x80\xAF", 4, 1},       /* overlong '/' */
        {"ab\xED\xA0\x80", 5, 2},      /* surrogate U+D800 */
        {"\xF4\x90\x80\x80", 4, 0},    /* U+110000 */
        {"xyz\xF5\x80\x80\x80", 7, 3}, /* F5 lead byte */
        {"abc\xE2\x82", 5, 3},         /* truncated at the end */
        {"a\xE2\x28\xA1", 4, 1},       /* bad continuation */
        {"\xEF\xBB\xBF"
         "ab\xFF",
         6, 5}, /* a BOM counts */
        {"Title\n\nfine \xC3\xA9 then \xC3", 21, 20},
    };
    size_t i;
    char want[128];

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *msg = norm_fail(cases[i].bytes, cases[i].len, NULL, DS_EINVALID);
        snprintf(want, sizeof want, "<buffer>: invalid UTF-8 at byte offset %lu", cases[i].off);
        cr_expect_str_eq(msg, want, "case %zu", i);
    }
}

Test(bad_input, empty_whitespace_binary)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    const char ws[] = " \t\r\n\n\xC2\xA0\xE2\x80\x8B\xEF\xBB\xBF\xE2\x80\x8D\xC2\xAD\n\x0B\x0C";

    cr_assert_str_eq(norm_fail("", 0, NULL, DS_EINVALID), "<buffer>: empty document");
    cr_assert_str_eq(norm_fail(ws, sizeof ws - 1, NULL, DS_EINVALID),
                     "<buffer>: no text (only whitespace)");
    cr_assert_str_eq(norm_fail("---\n---\n***\n", 12, NULL, DS_EINVALID),
                     "<buffer>: no text (only whitespace)");
    cr_assert_str_eq(norm_fail("abc\0def", 7, NULL, DS_EINVALID),
                     "<buffer>: binary input (NUL byte at offset 3)");
    o.source_name = "page.txt";
    cr_assert_str_eq(norm_fail("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, &o, DS_EINVALID),
                     "page.txt: invalid UTF-8 at byte offset 0");
    cr_assert_str_eq(norm_fail("", 0, &o, DS_EINVALID), "page.txt: empty document");
}

Test(bad_input, files)
{
    char *dir = tu_tmpdir(), *p, want[512];
    ds_document *d = (ds_document *)1;

    snprintf(want, sizeof want, "%s/nofile.txt", dir);
    cr_assert_eq(ds_normalize_file(&d, want, NULL, NULL, NULL), DS_ENOTFOUND);
    cr_assert_null(d);
    strcat(want, ": No such file or directory");
    cr_assert_str_eq(ds_error_last(), want);

    cr_assert_eq(ds_normalize_file(&d, dir, NULL, NULL, NULL), DS_EINVALID);
    snprintf(want, sizeof want, "%s: is a directory", dir);
    cr_assert_str_eq(ds_error_last(), want);

    p = tmpfile_with(dir, "empty.txt", "", 0);
    cr_assert_eq(ds_normalize_file(&d, p, NULL, NULL, NULL), DS_EINVALID);
    snprintf(want, sizeof want, "%s: empty document", p);
    cr_assert_str_eq(ds_error_last(), want);
    free(p);

    p = tmpfile_with(dir, "bin.dat", "GIF89a\0\0", 8);
    cr_assert_eq(ds_normalize_file(&d, p, NULL, NULL, NULL), DS_EINVALID);
    snprintf(want, sizeof want, "%s: binary input (NUL byte at offset 6)", p);
    cr_assert_str_eq(ds_error_last(), want);
    remove(p);
    free(p);
    remove(dir);
    free(dir);
}

/* A file larger than the read block: a character split across blocks is
 * read correctly, and a bad byte far in is named exactly. */
Test(bad_input, offsets_across_read_blocks)
{
    char *dir = tu_tmpdir(), *p, want[512];
    size_t n = 300000, i;
    char *data = malloc(n);
    ds_document *d = NULL;

    memcpy(data, "Title\n\n", 7);
    for (i = 7; i < n; i++)
        data[i] = (char)('a' + i % 26);
    /* é across the 128 KiB boundary, € across the 64 KiB slice boundary */
    data[131071] = '\xC3';
    data[131072] = '\xA9';
    data[65535] = '\xE2';
    data[65536] = '\x82';
    data[65537] = '\xAC';
    p = tmpfile_with(dir, "big.txt", data, n);
    cr_assert_eq(ds_normalize_file(&d, p, NULL, NULL, NULL), 0, "%s", ds_error_last());
    cr_assert_not_null(strstr(d->text, "\xC3\xA9"));
    cr_assert_not_null(strstr(d->text, "\xE2\x82\xAC"));
    cr_assert_eq(d->content_size, n + 3); /* "# Title\n" "\n" body "\n" */
    ds_document_free(d);
    data[250001] = '\xBF';
    tu_write(p, data, n);
    cr_assert_eq(ds_normalize_file(&d, p, NULL, NULL, NULL), DS_EINVALID);
    snprintf(want, sizeof want, "%s: invalid UTF-8 at byte offset 250001", p);
    cr_assert_str_eq(ds_error_last(), want);
    data[250001] = 'x';
    data[n - 1] = '\xE2';
    tu_write(p, data, n);
    cr_assert_eq(ds_normalize_file(&d, p, NULL, NULL, NULL), DS_EINVALID);
    snprintf(want, sizeof want, "%s: invalid UTF-8 at byte offset %zu", p, n - 1);
    cr_assert_str_eq(ds_error_last(), want);
    remove(p);
    remove(dir);
    free(p);
    free(dir);
    free(data);
}

/* CR LF pairs split across the 64 KiB scanning slices and the 128 KiB read
 * blocks read like LF alone. */
Test(invariance, crlf_across_read_blocks)
{
    char *dir = tu_tmpdir(), *a, *b;
    size_t n = 300000, i;
    char *lf = malloc(n), *crlf = malloc(2 * n + 8);
    ds_document *da = NULL, *db = NULL;
    size_t k = 0;

    for (i = 0; i < n; i++)
        lf[i] = (i % 997 == 996) ? '\n' : (char)('a' + i % 23);
    /* CRLF where LF was, with a CR landing exactly at 65535 and 131071 */
    for (i = 0; i < n; i++) {
        if (lf[i] == '\n' || k == 65535 || k == 131071) {
            crlf[k++] = '\r';
            crlf[k++] = '\n';
            if (lf[i] != '\n')
                crlf[k++] = lf[i];
        } else {
            crlf[k++] = lf[i];
        }
    }
    cr_assert_eq(crlf[65535], '\r');
    cr_assert_eq(crlf[65536], '\n');
    cr_assert_eq(crlf[131071], '\r');
    cr_assert_eq(crlf[131072], '\n');
    a = tmpfile_with(dir, "lf.txt", lf, n);
    b = tmpfile_with(dir, "crlf.txt", crlf, k);
    cr_assert_eq(ds_normalize_file(&da, a, NULL, NULL, NULL), 0);
    cr_assert_eq(ds_normalize_file(&db, b, NULL, NULL, NULL), 0);
    /* the two extra line breaks split two lines: compare without them */
    cr_assert_eq(db->content_size, da->content_size + 2);
    cr_assert_gt(db->paragraph_count, 0);
    {
        char *x = replace(db->text, "\n", ""), *y = replace(da->text, "\n", "");
        char *xs = replace(x, " ", ""), *ys = replace(y, " ", "");
        cr_assert_str_eq(xs, ys);
        free(x), free(y), free(xs), free(ys);
    }
    cr_assert_null(strchr(db->text, '\r'));
    ds_document_free(da);
    ds_document_free(db);
    remove(a);
    remove(b);
    remove(dir);
    free(a), free(b), free(dir), free(lf), free(crlf);
}

static int sha_sink(void *ctx, const void *data, size_t len)
{
    return ds_sha256_update(ctx, data, len);
}

/* 100 MB on one line: it works, in one pass, into a hashing sink. */
Test(bad_input, hundred_megabyte_single_line, .timeout = 120)
{
    char *dir = tu_tmpdir(), *path = malloc(strlen(dir) + 16), chunk[1 << 16];
    const size_t total = 100u << 20;
    size_t i, k;
    FILE *f;
    ds_sha256 *sink_hash = NULL, *want = NULL;
    char got[DS_SHA256_HEX_SIZE], exp[DS_SHA256_HEX_SIZE];
    ds_sink sink;
    ds_document *d = NULL;

    sprintf(path, "%s/line.txt", dir);
    for (i = 0; i < sizeof chunk; i++)
        chunk[i] = "word "[i % 5];
    f = fopen(path, "wb");
    cr_assert_not_null(f);
    for (k = 0; k < total; k += sizeof chunk)
        cr_assert_eq(fwrite(chunk, 1, sizeof chunk, f), sizeof chunk);
    fclose(f);
    /* the line starts and ends with 'w' and has single spaces: expected is
     * "# " + the line + "\n" */
    cr_assert_eq(chunk[0], 'w');
    cr_assert_eq(chunk[sizeof chunk - 1], 'w');
    cr_assert_eq(ds_sha256_new(&want), 0);
    cr_assert_eq(ds_sha256_update(want, "# ", 2), 0);
    for (k = 0; k < total; k += sizeof chunk)
        cr_assert_eq(ds_sha256_update(want, chunk, sizeof chunk), 0);
    cr_assert_eq(ds_sha256_update(want, "\n", 1), 0);
    cr_assert_eq(ds_sha256_final_hex(want, exp), 0);

    cr_assert_eq(ds_sha256_new(&sink_hash), 0);
    sink.write = sha_sink;
    sink.ctx = sink_hash;
    cr_assert_eq(ds_normalize_file(&d, path, &sink, NULL, NULL), 0, "%s", ds_error_last());
    cr_assert_eq(ds_sha256_final_hex(sink_hash, got), 0);
    cr_assert_str_eq(got, exp);
    cr_assert_str_eq(d->content_sha256, exp);
    cr_assert_eq(d->original_size, total);
    cr_assert_eq(d->content_size, total + 3);
    cr_assert_eq(d->paragraph_count, 0);
    cr_assert_null(d->text);
    ds_document_free(d);
    ds_sha256_free(sink_hash);
    ds_sha256_free(want);
    remove(path);
    remove(dir);
    free(path);
    free(dir);
}

/* ---- the text/Markdown reader ---- */

Test(reader, layout_rules)
{
    /* header alone: no trailing blank line */
    expect_text("Just a headline", "# Just a headline\n");
    expect_text("\n\n  Headline  \n\n\n\nPara one\nstill one.\n\n\n\nPara two.\n\n",
                "# Headline\n\nPara one still one.\n\nPara two.\n");
    /* a headline whose block goes on: the rest is a paragraph */
    expect_text("Headline\nsecond line\n\nbody", "# Headline\n\nsecond line\n\nbody\n");
    /* the "#" line when there is no headline at all */
    expect_text("---\ndate: 2020-05-01\n---\n", "#\ndate: 2020-05-01\n");
    expect_text("#\n\nbody", "#\n\nbody\n");
}

Test(reader, front_matter)
{
    ds_document *d = norm("---\n"
                          "Title: 'It''s \"here\"'\n"
                          "url: https://example.com/x?a=1\n"
                          "date: \"January 5, 2021\"\n"
                          "author: Ann Lee\n"
                          "id: a-1\n"
                          "language: de\n"
                          "unknown: ignored\n"
                          "# a comment\n"
                          "list:\n"
                          "  - x\n"
                          "---\n"
                          "First body line\n\nJanuary 5, 2021\n");
    cr_assert_str_eq(d->title, "It's \"here\"");
    cr_assert_str_eq(d->canonical_url, "https://example.com/x?a=1");
    cr_assert_str_eq(d->published_raw, "January 5, 2021");
    cr_assert_str_eq(d->published, "2021-01-05");
    cr_assert_str_eq(d->byline, "Ann Lee");
    cr_assert_str_eq(d->id, "a-1");
    cr_assert_str_eq(d->language, "de");
    /* front matter wins: the body's lines are body paragraphs */
    cr_assert_str_eq(d->text, "# It's \"here\"\nbyline: Ann Lee\ndate: January 5, 2021\n\n"
                              "First body line\n\nJanuary 5, 2021\n");
    ds_document_free(d);

    /* the url and id are not part of the text: a tracking parameter does not
     * change the content hash */
    {
        char *a = chash("---\nurl: https://e.com/a\nid: 1\n---\nT\n\nBody\n");
        char *b =
            chash("---\nurl: https://e.com/a?utm_source=x\nid: 2\nlang: en\n---\nT\n\nBody\n");
        cr_assert_str_eq(a, b);
        free(a);
        free(b);
    }
    /* not front matter: no closing line, a line of prose, not on line 1 */
    expect_text("---\ntitle: X\nThis is prose.\n---\n\nBody",
                "# title: X\n\nThis is prose.\n\nBody\n");
    expect_text("---\ntitle: X\n\nBody", "# title: X\n\nBody\n");
    expect_text("---\ntitle: X", "# title: X\n");
    expect_text("\n---\ntitle: X\n---\nBody", "# title: X\n\nBody\n");
    expect_text("---\n---\nHeadline\n\nBody", "# Headline\n\nBody\n");
}

Test(reader, headline_markup)
{
    expect_text("# Title", "# Title\n");
    expect_text("### Title ###", "# Title\n");
    expect_text("## **Bold *title***", "# Bold *title*\n");
    expect_text("*Italic title*", "# Italic title\n");
    expect_text("__Underscored__", "# Underscored\n");
    expect_text("**Half** bold", "# **Half** bold\n");
    expect_text("*one* and *two*", "# *one* and *two*\n");
    expect_text("C# in 2020", "# C# in 2020\n");
    expect_text("#hashtag headline", "# #hashtag headline\n");
    expect_text("# [Linked title](https://x)", "# Linked title\n");
    expect_text("Setext title\n============\n\nBody", "# Setext title\n\nBody\n");
}

Test(reader, plain_text_format)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *d;
    o.format = DS_FORMAT_TEXT;
    d = norm_opts("# *Title*\n\nSee [this](http://x) and ![img](y).\n- item\n", &o);
    cr_assert_str_eq(d->text, "# # *Title*\n\nSee [this](http://x) and ![img](y).\n\n- item\n");
    cr_assert_eq(d->format, DS_FORMAT_TEXT);
    ds_document_free(d);
}

Test(reader, lists_quotes_headings)
{
    expect_text("T\n\nIntro line\n- one\n- two\ncontinued\n* three\n+ four\n1. five\n22) six\n"
                "2018. The year\n* * *\nafter\n",
                "# T\n\nIntro line\n\n- one\n\n- two continued\n\n* three\n\n+ four\n\n1. five\n\n"
                "22) six 2018. The year\n\nafter\n");
    /* emphasis at the start of a line is not a list item */
    expect_text("T\n\nA line\n*\"I believe,\"* he said\n-dash\n",
                "# T\n\nA line *\"I believe,\"* he said -dash\n");
    expect_text("T\n\ntext\n## Sub ##\nmore\n\n####### seven\n",
                "# T\n\ntext\n\n## Sub ##\n\nmore\n\n####### seven\n");
    expect_text("T\n\n> quoted\n> more\n>\n> second\nlazy\n\n>> deep\n",
                "# T\n\n> quoted more\n\n> second lazy\n\n>> deep\n");
}

Test(reader, links_and_images)
{
    expect_text("T\n\nA [link](http://e.com/a) and ![alt text](i.png \"t\") here.",
                "# T\n\nA link and alt text here.\n");
    expect_text("T\n\n[![badge](b.svg)](http://x) and [a [nested] link](u)",
                "# T\n\nbadge and a [nested] link\n");
    expect_text("T\n\nWiki [Foo](https://en.wikipedia.org/wiki/Foo_(bar)) end",
                "# T\n\nWiki Foo end\n");
    expect_text("T\n\n[not a link] (x) and \\[escaped](y) and [open(no]",
                "# T\n\n[not a link] (x) and \\[escaped](y) and [open(no]\n");
    expect_text("T\n\nEmpty [](http://x) link and ![](pic.png)", "# T\n\nEmpty link and\n");
    expect_text("T\n\n![](only-an-image.png)\n\nBody", "# T\n\nBody\n");
    expect_text("T\n\n[ spaced ]( x ) text", "# T\n\nspaced text\n");
    expect_text("T\n\nref [style][1] kept", "# T\n\nref [style][1] kept\n");
}

Test(reader, dates_in_the_header_zone)
{
    struct {
        const char *line, *iso;
    } cases[] = {
        {"2018-01-11", "2018-01-11"},
        {"2018/1/9", "2018-01-09"},
        {"11 January 2018", "2018-01-11"},
        {"11th Jan. 2018", "2018-01-11"},
        {"January 11, 2018", "2018-01-11"},
        {"Jan. 11, 2018", "2018-01-11"},
        {"Sept 3 2019", "2019-09-03"},
        {"Thursday, January 11, 2018", "2018-01-11"},
        {"Thu 11 Jan 2018 10:30 GMT", "2018-01-11"},
        {"January 11, 2018 at 4:05 p.m. EST", "2018-01-11"},
        {"2018-01-11T10:00:00Z", "2018-01-11"},
        {"2018-01-11 10:00:00 +0000", "2018-01-11"},
        {"25/01/2018", "2018-01-25"},
        {"01/25/2018", "2018-01-25"},
        {"05.05.2018", "2018-05-05"},
        {"11.01.2018", NULL},
        {"11/01/2018", NULL},
        {"2018-02-30", NULL},
        {"29 February 2019", NULL},
        {"29 February 2020", "2020-02-29"},
        {"31/31/2018", NULL},
        {"*January 11, 2018*", "2018-01-11"},
    };
    size_t i;
    char in[256], want[256];

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        ds_document *d;
        const char *raw = cases[i].line;
        size_t rl = strlen(raw);
        snprintf(in, sizeof in, "Headline\n\n%s\n\nBody.", raw);
        d = norm(in);
        if (raw[0] == '*')
            raw++, rl -= 2;
        snprintf(want, sizeof want, "# Headline\ndate: %.*s\n\nBody.\n", (int)rl, raw);
        cr_expect_str_eq(d->text, want, "case %s", cases[i].line);
        cr_expect_eq(strncmp(d->published_raw ? d->published_raw : "", raw, rl), 0);
        if (cases[i].iso)
            cr_expect_str_eq(d->published ? d->published : "(null)", cases[i].iso, "case %s",
                             cases[i].line);
        else
            cr_expect_null(d->published, "case %s", cases[i].line);
        ds_document_free(d);
    }
}

Test(reader, not_dates)
{
    const char *lines[] = {
        "January 2018",  "11/01/18",        "2018", "11 Januar 2018", "January 11, 2018, in Moscow",
        "32.13.2018 12", "2018-01-11 25:00"};
    size_t i;
    char in[256], want[256];
    for (i = 0; i < sizeof lines / sizeof *lines; i++) {
        ds_document *d;
        snprintf(in, sizeof in, "Headline\n\n%s\n\nBody.", lines[i]);
        snprintf(want, sizeof want, "# Headline\n\n%s\n\nBody.\n", lines[i]);
        d = norm(in);
        cr_expect_str_eq(d->text, want);
        cr_expect_null(d->published_raw, "case %s", lines[i]);
        ds_document_free(d);
    }
}

Test(reader, date_order_option)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *d;
    const char *in = "H\n\n03/04/2021\n\nBody";
    d = norm(in);
    cr_assert_null(d->published);
    ds_document_free(d);
    o.date_order = DS_DATE_ORDER_MDY;
    d = norm_opts(in, &o);
    cr_assert_str_eq(d->published, "2021-03-04");
    ds_document_free(d);
    o.date_order = DS_DATE_ORDER_DMY;
    d = norm_opts(in, &o);
    cr_assert_str_eq(d->published, "2021-04-03");
    ds_document_free(d);
    /* unambiguous forms ignore the order */
    d = norm_opts("H\n\n04/25/2021\n\nBody", &o);
    cr_assert_str_eq(d->published, "2021-04-25");
    ds_document_free(d);
    /* the internal parser directly */
    {
        char iso[11];
        cr_assert_eq(ds__date_line("11/01/2018", 10, DS_DATE_ORDER_NONE, iso), 1);
        cr_assert_str_eq(iso, "");
        cr_assert_eq(ds__date_line("11/01/2018", 10, DS_DATE_ORDER_YMD, iso), 1);
        cr_assert_str_eq(iso, "");
        cr_assert_eq(ds__date_line("1900-02-29", 10, DS_DATE_ORDER_NONE, iso), 1);
        cr_assert_str_eq(iso, "");
        cr_assert_eq(ds__date_line("2000-02-29", 10, DS_DATE_ORDER_NONE, iso), 1);
        cr_assert_str_eq(iso, "2000-02-29");
        cr_assert_eq(ds__date_line("Today", 5, DS_DATE_ORDER_NONE, iso), 0);
    }
}

Test(reader, bylines)
{
    ds_document *d = norm("Headline\n\nBy Jane Doe and John Roe, Reuters\n\n11 May 2020\n\nBody.");
    cr_assert_str_eq(d->byline, "Jane Doe and John Roe, Reuters");
    cr_assert_str_eq(d->published, "2020-05-11");
    cr_assert_str_eq(d->text, "# Headline\nbyline: Jane Doe and John Roe, Reuters\n"
                              "date: 11 May 2020\n\nBody.\n");
    ds_document_free(d);
    expect_text("H\n\n_BY: ÉVA NAGY_\n\nBody", "# H\nbyline: ÉVA NAGY\n\nBody\n");
    /* sentences are not bylines */
    expect_text("H\n\nBy the end of 2017, it was over\n\nBody",
                "# H\n\nBy the end of 2017, it was over\n\nBody\n");
    expect_text("H\n\nBy Monday the deal was done.\n\nBody",
                "# H\n\nBy Monday the deal was done.\n\nBody\n");
    /* over 100 bytes */
    expect_text("H\n\nBy Jane Doe, who has covered Russian politics for more than twenty years "
                "for this newspaper and its radio\n\nBody",
                "# H\n\nBy Jane Doe, who has covered Russian politics for more than twenty years "
                "for this newspaper and its radio\n\nBody\n");
    /* only before the first body paragraph */
    expect_text("H\n\nBody first.\n\nBy Jane Doe\n", "# H\n\nBody first.\n\nBy Jane Doe\n");
    /* one byline, one date */
    expect_text("H\n\nBy A Bee\n\nBy C Dee\n\n1 May 2020\n\n2 May 2020\n",
                "# H\nbyline: A Bee\n\nBy C Dee\n\n1 May 2020\n\n2 May 2020\n");
}

/* ---- characters ---- */

Test(characters, zwj_and_zwnj)
{
    /* kept between two non-space characters */
    expect_text("T\n\nfamily \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91"
                "\xA7 here",
                "# T\n\nfamily \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x91"
                "\xA7 here\n");
    /* Devanagari KSSA with ZWJ (half form), Persian with ZWNJ */
    expect_text(
        "T\n\n\xE0\xA4\x95\xE0\xA5\x8D\xE2\x80\x8D\xE0\xA4\xB7 \xD9\x85\xDB\x8C\xE2\x80\x8C"
        "\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85",
        "# T\n\n\xE0\xA4\x95\xE0\xA5\x8D\xE2\x80\x8D\xE0\xA4\xB7 \xD9\x85\xDB\x8C\xE2\x80\x8C"
        "\xD8\xAE\xD9\x88\xD8\xA7\xD9\x87\xD9\x85\n");
    /* removed at the edges of words, lines and paragraphs */
    expect_text("T\n\n\xE2\x80\x8D"
                "a\xE2\x80\x8D b \xE2\x80\x8C\xE2\x80\x8D"
                "c d\xE2\x80\x8D\n"
                "e\xE2\x80\x8D\xE2\x80\x8C",
                "# T\n\na b c d e\n");
    /* a removed ignorable between does not matter; a link around it does */
    expect_text("T\n\na\xE2\x80\x8D\xC2\xAD"
                "b [\xE2\x80\x8D](x) c",
                "# T\n\na\xE2\x80\x8D"
                "b c\n");
}

Test(characters, spaces_controls_ignorables)
{
    /* every Zs is a space; runs collapse; controls and ignorables go */
    expect_text("T\n\na\xC2\xA0\xC2\xA0"
                "b\xE1\x9A\x80"
                "c\xE2\x80\x8A"
                "d\xE2\x80\xAF"
                "e\xE2\x81\x9F"
                "f\xE3\x80\x80"
                "g\th\x0Bi\x0Cj",
                "# T\n\na b c d e f g h i j\n");
    expect_text("T\n\nx\x01\x02\x1B\x7Fy\xC2\x80\xC2\x9Fz", "# T\n\nxyz\n");
    expect_text("T\n\nsoft\xC2\xAD"
                "hyphen zero\xE2\x80\x8Bwidth "
                "join\xE2\x81\xA0"
                "er bom\xEF\xBB\xBF"
                "bom lrm\xE2\x80\x8Emark",
                "# T\n\nsofthyphen zerowidth joiner bombom lrmmark\n");
    /* NFC, including composition exclusions and Hangul */
    expect_text("T\n\ne\xCC\x81 \xE2\x84\xAB \xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8 "
                "\xE0\xA4\xA1\xE0\xA4\xBC",
                "# T\n\n\xC3\xA9 \xC3\x85 \xEA\xB0\x81 \xE0\xA4\xA1\xE0\xA4\xBC\n");
}

/* Every code point that NFC would change when alone, and every second
 * character of a canonical composition, is flagged by the quick check. */
Test(characters, nfc_quick_check_is_conservative, .timeout = 60)
{
    utf8proc_int32_t cp;
    size_t missed = 0;
    for (cp = 0; cp < 0x110000; cp++) {
        utf8proc_int32_t buf[16], last;
        utf8proc_ssize_t n;
        const utf8proc_property_t *pr;
        int canonical, stable;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        n = utf8proc_decompose_char(cp, buf, 16, UTF8PROC_DECOMPOSE, NULL);
        cr_assert(n > 0 && n <= 16);
        last = buf[n - 1];
        pr = utf8proc_get_property(cp);
        canonical = pr->decomp_seqindex != UINT16_MAX && pr->decomp_type == 0 && n > 1;
        n = utf8proc_normalize_utf32(buf, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        stable = n == 1 && buf[0] == cp;
        if (!stable && !ds__nfc_may_change(NULL, (uint32_t)cp))
            missed++; /* NFC changes it alone */
        if (stable && canonical && !ds__nfc_may_change(NULL, (uint32_t)last))
            missed++; /* a primary composite: its last character composes */
    }
    cr_assert_eq(missed, 0);
    cr_assert_eq(ds__nfc_may_change(NULL, 'a'), 0);
    cr_assert_eq(ds__nfc_may_change(NULL, 0xE9), 0);  /* é is NFC */
    cr_assert_eq(ds__nfc_may_change(NULL, 0x301), 1); /* combining acute */
}

/* Segment-wise NFC equals utf8proc's NFC of the whole text. */
Test(characters, segmented_nfc_equals_utf8proc)
{
    static const uint32_t pool[] = {
        'a',    'E',    'o',    0x300, 0x301,   0x327,   0x308, 0x345, 0x344,  0x374,
        0x1F71, 0x212B, 0x958,  0x915, 0x93C,   0x94D,   0xB47, 0xB3E, 0xB57,  0x1100,
        0x1161, 0x11A8, 0xAC00, 0xE9,  0x1E09,  0x5D0,   0x5B8, 0x5BC, 0x627,  0x64B,
        0x651,  0xF73,  0xF71,  0xF72, 0x1D15E, 0x1D165, 0xCC6, 0xCD5, 0xF900, 0x2F800};
    ds__norm st;
    unsigned seed = 12345;
    int round;
    memset(&st, 0, sizeof st);
    for (round = 0; round < 2000; round++) {
        ds__buf b = DS__BUF_INIT;
        utf8proc_uint8_t *want;
        int k, n = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 24;
        for (k = 0; k < n; k++) {
            utf8proc_uint8_t enc[4];
            uint32_t cp =
                pool[((seed = seed * 1103515245u + 12345u) >> 16) % (sizeof pool / sizeof *pool)];
            cr_assert_eq(
                ds__buf_put(&b, enc, (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, enc)), 0);
        }
        want = utf8proc_NFC((const utf8proc_uint8_t *)b.ptr);
        cr_assert_eq(ds__nfc_buf(&st, &b), 0);
        cr_assert_str_eq(b.ptr, (const char *)want, "round %d", round);
        free(want);
        ds__buf_free(&b);
    }
}

/* ---- boilerplate ---- */

Test(boilerplate, default_rules_drop_furniture)
{
    const char *furniture[] = {
        "Read more",
        "READ MORE: Seoul and Pyongyang agree to keep talking",
        "Read more » Some headline",
        "See also: a list of things",
        "Also read - the other story",
        "Related",
        "Related: Putin says the talks will go on",
        "RELATED ARTICLES",
        "Related stories:",
        "Advertisement",
        "ADVERTISEMENT",
        "Sponsored content",
        "Story continues below advertisement",
        "Continue reading the main story",
        "Share this article",
        "Share on Facebook Twitter Email",
        "Follow us on Twitter and Instagram",
        "Print",
        "Comments",
        "Sign up for our daily newsletter to get the best stories in your inbox.",
        "Subscribe to our newsletter",
        "Click here to read the full report",
        "You may also like",
        "Recommended: How the talks began",
        "Most read",
        "Trending now",
        "Don’t miss: the full interview",
    };
    const char *prose[] = {
        "Related to the crisis, officials said the talks would resume.",
        "Related stories about the crisis appeared in several papers.",
        "Relatedly, the minister resigned.",
        "Share prices fell 3% on Monday.",
        "Advertisement spending rose by a fifth last year.",
        "Most readers will remember the crisis of 2017.",
        "Readers were told to read more carefully.",
        "Comments made by the minister drew criticism.",
        /* longer than 300 bytes: prose, whatever the first words */
        "Read more of the report and you will find that the ministry knew about the problem for "
        "years, that it was warned at least three times by its own inspectors, and that it chose "
        "to say nothing until the newspaper asked; the minister, asked about this on Monday, said "
        "he had not read the inspectors' reports himself.",
    };
    size_t i;
    char in[1024], want[1024];

    cr_assert_eq(ds__boilerplate_prefilter(), 1);
    for (i = 0; i < sizeof furniture / sizeof *furniture; i++) {
        ds_document *d;
        snprintf(in, sizeof in, "Headline\n\nFirst.\n\n%s\n\nLast.", furniture[i]);
        d = norm(in);
        cr_expect_str_eq(d->text, "# Headline\n\nFirst.\n\nLast.\n", "'%s' was kept", furniture[i]);
        cr_expect_eq(d->boilerplate_removed, 1);
        ds_document_free(d);
    }
    for (i = 0; i < sizeof prose / sizeof *prose; i++) {
        snprintf(in, sizeof in, "Headline\n\n%s", prose[i]);
        snprintf(want, sizeof want, "# Headline\n\n%s\n", prose[i]);
        expect_text(in, want);
    }
}

/* The prefilter and the teaser shortcut of ds__rules_match() only save
 * regexec(3) calls: on paragraphs near every literal, the result is that of
 * the default rules compiled one by one (POSIX locale, REG_ICASE). */
Test(boilerplate, shortcuts_agree_with_the_rules)
{
    const char *const *rules = ds_boilerplate_default_rules();
    static const char *const heads[] = {
        "Read more",        "READ MORE",        "read more:",   "Read more »",      "Read more —",
        "read  more",       "See also",         "Also read",    "read also",        "Read",
        "Related",          "Related stories:", "Regions",      "Following",        "Follow us",
        "Share this",       "Share on",         "Print",        "Advertising",      "Sponsored",
        "Most read",        "Don’t miss",       "Click here",   "Subscribe to",     "Sign up for",
        "Continue reading", "Recommended",      "Trending now", "You may also like"};
    static const char *const tails[] = {
        "",           " ", " x",           "  x", ": the rest", " “quoted” text",
        " [link](#)", "s", " café 13,000", ".",   "!",          " »"};
    regex_t re[64];
    size_t nre = 0, h, t;
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0), old;
    ds__rules *r = NULL;
    char buf[512];

    cr_assert(c);
    old = uselocale(c);
    for (; rules[nre]; nre++)
        cr_assert_eq(regcomp(&re[nre], rules[nre], REG_EXTENDED | REG_ICASE | REG_NOSUB), 0);
    uselocale(old);
    cr_assert_eq(ds__rules_new(&r, 1, NULL), 0);
    for (h = 0; h < sizeof heads / sizeof *heads; h++) {
        for (t = 0; t < sizeof tails / sizeof *tails; t++) {
            int want = 0;
            size_t k;
            snprintf(buf, sizeof buf, "%s%s", heads[h], tails[t]);
            old = uselocale(c);
            for (k = 0; k < nre && !want; k++)
                want = regexec(&re[k], buf, 0, NULL, 0) == 0;
            uselocale(old);
            cr_expect_eq(ds__rules_match(r, buf, strlen(buf)), want, "'%s': expected %d", buf,
                         want);
        }
    }
    /* the commonest case, and what the shortcut decides without regexec */
    cr_assert(ds__rules_match(r, "Read more Korea talks: 'When US is sidelined'", 45));
    cr_assert(!ds__rules_match(r, "Readers say more", 16));
    ds__rules_free(r);
    for (h = 0; h < nre; h++)
        regfree(&re[h]);
    freelocale(c);
}

Test(boilerplate, default_rule_list)
{
    const char *const *r = ds_boilerplate_default_rules();
    size_t n;
    cr_assert_not_null(r);
    for (n = 0; r[n]; n++) {
        size_t len = strlen(r[n]);
        cr_assert_eq(r[n][0], '^');
        cr_assert_eq(r[n][len - 1], '$');
    }
    cr_assert_eq(n, 10);
    cr_assert_str_eq(r[2], "^(advertisement|advertising|sponsored( content| links?)?|"
                           "paid (content|post)|promoted( content)?|partner content)$");
}

Test(boilerplate, keep_and_extra_rules)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    char *dir = tu_tmpdir(), *rules, *bad, want[512];
    const char *in = "H\n\nRead more: x\n\nPHOTO: Getty Images\n\nBody text.";
    ds_document *d;

    o.keep_boilerplate = 1;
    d = norm_opts(in, &o);
    cr_assert_str_eq(d->text, "# H\n\nRead more: x\n\nPHOTO: Getty Images\n\nBody text.\n");
    cr_assert_eq(d->boilerplate_removed, 0);
    ds_document_free(d);

    rules =
        tmpfile_with(dir, "rules.txt",
                     "# captions\n\n   \n^photo: .*(getty|reuters|ap)\r\nnever matches zzz\n", 64);
    o.keep_boilerplate = 0;
    o.boilerplate_rules = rules;
    d = norm_opts(in, &o);
    cr_assert_str_eq(d->text, "# H\n\nBody text.\n");
    cr_assert_eq(d->boilerplate_removed, 2);
    ds_document_free(d);
    /* keep_boilerplate wins over a rules file */
    o.keep_boilerplate = 1;
    d = norm_opts(in, &o);
    cr_assert_eq(d->boilerplate_removed, 0);
    ds_document_free(d);

    bad = tmpfile_with(dir, "bad.txt", "^ok$\n# fine\n^(unclosed\n", 23);
    o.keep_boilerplate = 0;
    o.boilerplate_rules = bad;
    norm_fail(in, strlen(in), &o, DS_EINVALID);
    snprintf(want, sizeof want, "%s:3: invalid regular expression: Unmatched ( or \\(", bad);
    cr_assert_str_eq(ds_error_last(), want);

    snprintf(want, sizeof want, "%s/none.txt", dir);
    o.boilerplate_rules = want;
    norm_fail(in, strlen(in), &o, DS_ENOTFOUND);
    cr_assert_not_null(strstr(ds_error_last(), "none.txt: No such file or directory"));
    remove(rules);
    remove(bad);
    remove(dir);
    free(rules);
    free(bad);
    free(dir);
}

/* ---- encodings and options ---- */

Test(options, from_encoding)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *d;
    const char latin1[] = "Caf\xe9 cr\xe8me\n\nna\xefve \xa0text\n";
    const char utf16[] = "\xff\xfeH\0i\0\n\0\n\0b\0\xe9\0";

    cr_assert_str_eq(norm_fail(latin1, sizeof latin1 - 1, NULL, DS_EINVALID),
                     "<buffer>: invalid UTF-8 at byte offset 3");
    o.from_encoding = "ISO-8859-1";
    d = norm_opts(latin1, &o);
    cr_assert_str_eq(d->text, "# Caf\xc3\xa9 cr\xc3\xa8me\n\nna\xc3\xafve text\n");
    cr_assert_eq(d->original_size, sizeof latin1 - 1);
    ds_document_free(d);

    o.from_encoding = "UTF-16";
    cr_assert_eq(ds_normalize_buffer(&d, utf16, sizeof utf16 - 1, &o), 0, "%s", ds_error_last());
    cr_assert_str_eq(d->text, "# Hi\n\nb\xc3\xa9\n");
    ds_document_free(d);

    o.from_encoding = "ASCII";
    cr_assert_str_eq(norm_fail("ok\n\x81", 4, &o, DS_EINVALID),
                     "<buffer>: invalid ASCII input at byte offset 3");
    o.from_encoding = "UTF-16LE";
    cr_assert_str_eq(
        norm_fail("a\0b\0\0\0", 6, &o, DS_EINVALID),
        "<buffer>: binary input (NUL byte at offset 2 after conversion from UTF-16LE)");
    cr_assert_str_eq(norm_fail("a\0b", 3, &o, DS_EINVALID),
                     "<buffer>: invalid UTF-16LE input at byte offset 2 (incomplete sequence at "
                     "the end)");
    o.from_encoding = "NO-SUCH-CHARSET";
    cr_assert_str_eq(norm_fail("x", 1, &o, DS_EINVALID),
                     "<buffer>: cannot convert from 'NO-SUCH-CHARSET': unknown encoding");
}

Test(options, from_encoding_streams_across_blocks)
{
    /* UTF-16LE text larger than a read block: code units split across
     * blocks convert exactly */
    char *dir = tu_tmpdir(), *p;
    size_t n = 200001 * 2, i;
    unsigned char *data = malloc(n);
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *d = NULL;
    for (i = 0; i < n; i += 2) {
        data[i] = (unsigned char)(i % 40 == 0 ? 0xE9 : 'a' + (i / 2) % 26); /* é or a letter */
        data[i + 1] = 0;
    }
    p = tmpfile_with(dir, "u16.txt", data, n);
    o.from_encoding = "UTF-16LE";
    cr_assert_eq(ds_normalize_file(&d, p, NULL, NULL, &o), 0, "%s", ds_error_last());
    cr_assert_eq(d->original_size, n);
    cr_assert_eq(d->content_size, 2 + 200001 + 10001 + 1); /* é is 2 bytes in UTF-8 */
    ds_document_free(d);
    remove(p);
    remove(dir);
    free(p);
    free(dir);
    free(data);
}

Test(options, validation_and_names)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_format f;
    ds_date_order order;
    ds_document *d = NULL;

    o.version = 99;
    cr_assert_str_eq(norm_fail("x", 1, &o, DS_EINVALID),
                     "normalize options: version 99 is not supported");
    o.version = DS_NORMALIZE_OPTIONS_VERSION;
    o.format = (ds_format)7;
    cr_assert_str_eq(norm_fail("x", 1, &o, DS_EINVALID), "normalize options: unknown format 7");

    cr_assert_str_eq(ds_format_name(DS_FORMAT_AUTO), "auto");
    cr_assert_str_eq(ds_format_name(DS_FORMAT_TEXT), "text");
    cr_assert_str_eq(ds_format_name(DS_FORMAT_MARKDOWN), "markdown");
    cr_assert_str_eq(ds_format_name(DS_FORMAT_HTML), "html");
    cr_assert_eq(ds_format_parse(&f, "md"), 0);
    cr_assert_eq(f, DS_FORMAT_MARKDOWN);
    cr_assert_eq(ds_format_parse(&f, "txt"), 0);
    cr_assert_eq(f, DS_FORMAT_TEXT);
    cr_assert_eq(ds_format_parse(&f, "html"), 0);
    cr_assert_eq(f, DS_FORMAT_HTML);
    cr_assert_eq(ds_format_parse(&f, "auto"), 0);
    cr_assert_eq(f, DS_FORMAT_AUTO);
    cr_assert_eq(ds_format_parse(&f, "pdf"), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "'pdf' is not a format (auto, text, markdown, html)");
    cr_assert_eq(ds_date_order_parse(&order, "dmy"), 0);
    cr_assert_eq(order, DS_DATE_ORDER_DMY);
    cr_assert_eq(ds_date_order_parse(&order, "mdy"), 0);
    cr_assert_eq(order, DS_DATE_ORDER_MDY);
    cr_assert_eq(ds_date_order_parse(&order, "ymd"), 0);
    cr_assert_eq(order, DS_DATE_ORDER_YMD);
    cr_assert_eq(ds_date_order_parse(&order, "dym"), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "'dym' is not a date order (mdy, dmy, ymd)");
    ds_document_free(NULL);
    cr_assert_eq(ds_normalize_buffer(&d, NULL, 0, NULL), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "<buffer>: empty document");
}

/* DS_NORMALIZE_NO_DIGESTS: the same document without the two digests, from
 * a file (streamed or not) and from memory; HTML too. */
Test(options, no_digests)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    char *expected = tu_read(tu_src("fixtures/normalized/000_b02582cd44c05fde.txt"), NULL);
    size_t len;
    char *seed = tu_read(tu_src(SEED), &len);
    char *page = tu_read(tu_src("fixtures/html/article.html"), NULL);
    ds_document *d = NULL, *b = NULL, *h = NULL, *hd = NULL;
    collect text = {DS__BUF_INIT, 0, 0};
    ds_sink ts = {collect_write, &text};

    cr_assert_eq(o.flags, 0);
    o.flags = DS_NORMALIZE_NO_DIGESTS;
    cr_assert_eq(ds_normalize_file(&d, tu_src(SEED), NULL, NULL, &o), 0, "%s", ds_error_last());
    cr_assert_str_eq(d->text, expected);
    cr_assert_str_eq(d->content_sha256, "");
    cr_assert_str_eq(d->original_sha256, "");
    cr_assert_eq(d->content_size, 3677);
    cr_assert_eq(d->original_size, 3853);
    cr_assert_eq(d->paragraph_count, 11);
    cr_assert_eq(d->boilerplate_removed, 2);
    cr_assert_str_eq(d->published_raw, "11/01/2018");
    ds_document_free(d);

    cr_assert_eq(ds_normalize_file(&d, tu_src(SEED), &ts, NULL, &o), 0, "%s", ds_error_last());
    cr_assert_null(d->text);
    cr_assert_eq(text.buf.len, 3677);
    cr_assert_eq(memcmp(text.buf.ptr, expected, 3677), 0);
    cr_assert_str_eq(d->content_sha256, "");
    ds_document_free(d);

    cr_assert_eq(ds_normalize_buffer(&b, seed, len, &o), 0, "%s", ds_error_last());
    cr_assert_str_eq(b->text, expected);
    cr_assert_str_eq(b->content_sha256, "");
    cr_assert_str_eq(b->original_sha256, "");
    ds_document_free(b);

    /* HTML (parsed in place from memory) */
    cr_assert_eq(ds_html_extract(&hd, page, strlen(page), NULL), 0, "%s", ds_error_last());
    cr_assert_eq(ds_html_extract(&h, page, strlen(page), &o), 0, "%s", ds_error_last());
    cr_assert_str_eq(h->text, hd->text);
    cr_assert_str_eq(h->title, hd->title);
    cr_assert_eq(strlen(hd->content_sha256), 64);
    cr_assert_str_eq(h->content_sha256, "");
    cr_assert_str_eq(h->original_sha256, "");
    ds_document_free(h);
    ds_document_free(hd);

    o.flags = 0x80;
    cr_assert_str_eq(norm_fail("x", 1, &o, DS_EINVALID), "normalize options: unknown flags 0x80");
    ds__buf_free(&text.buf);
    free(expected);
    free(seed);
    free(page);
}

/* A caller built against version 1 passes a struct that ends before flags:
 * nothing past it is read (ASan would see it in this exactly-sized block),
 * and flags takes its default (digests computed). */
Test(options, version_1_struct)
{
    ds_normalize_options init = DS_NORMALIZE_OPTIONS_INIT;
    size_t v1_size = offsetof(ds_normalize_options, flags);
    void *block = malloc(v1_size);
    size_t len;
    char *seed = tu_read(tu_src(SEED), &len);
    char *page = tu_read(tu_src("fixtures/html/article.html"), NULL);
    ds_document *d = NULL;

    cr_assert(block);
    init.version = 1;
    init.flags = DS_NORMALIZE_NO_DIGESTS; /* not copied: a version 1 struct has no such field */
    memcpy(block, &init, v1_size);
    cr_assert_eq(ds_normalize_buffer(&d, seed, len, block), 0, "%s", ds_error_last());
    cr_assert_str_eq(d->content_sha256, SEED_CONTENT);
    cr_assert_str_eq(d->original_sha256, SEED_ORIGINAL);
    ds_document_free(d);
    cr_assert_eq(ds_normalize_file(&d, tu_src(SEED), NULL, NULL, block), 0, "%s", ds_error_last());
    cr_assert_str_eq(d->content_sha256, SEED_CONTENT);
    ds_document_free(d);
    cr_assert_eq(ds_html_extract(&d, page, strlen(page), block), 0, "%s", ds_error_last());
    cr_assert_eq(strlen(d->content_sha256), 64);
    ds_document_free(d);
    init.version = 3;
    memcpy(block, &init, v1_size);
    cr_assert_str_eq(norm_fail("x", 1, block, DS_EINVALID),
                     "normalize options: version 3 is not supported");
    free(block);
    free(seed);
    free(page);
}

/* ---- HTML goes through the same paragraph pipeline ---- */

Test(html, blocks_are_normalized_paragraphs)
{
    const char page[] = "<!DOCTYPE html><html lang=\"en\"><head><title>Page title</title></head>"
                        "<body><article><h1>Page title</h1>"
                        "<p>First\xC2\xA0paragraph with soft\xC2\xAD"
                        "hyphen and "
                        "e\xCC\x81 [kept](x).</p>"
                        "<p>Read more: another story</p><p>Second paragraph.</p>"
                        "</article></body></html>";
    ds_document *d = NULL;
    int err = ds_normalize_buffer(&d, page, sizeof page - 1, NULL);
    cr_assert_eq(err, 0, "%s", ds_error_last());
    cr_assert_eq(d->format, DS_FORMAT_HTML);
    cr_assert_str_eq(d->title, "Page title");
    cr_assert_eq(d->boilerplate_removed, 1);
    cr_assert_str_eq(d->text, "# Page title\n\nFirst paragraph with softhyphen and \xC3\xA9 "
                              "[kept](x).\n\nSecond paragraph.\n");
    ds_document_free(d);
}

/* ---- idempotence: normalized text reads back to itself ---- */

/* Normalize the text in as Markdown; returns the document (caller frees). */
static ds_document *renorm(const char *in, size_t len)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *d = NULL;
    int err;
    o.format = DS_FORMAT_MARKDOWN;
    err = ds_normalize_buffer(&d, in, len, &o);
    cr_assert_eq(err, 0, "re-normalizing failed: %s\n-- text:\n%s--", ds_error_last(), in);
    return d;
}

/* A C-escaped copy of s for messages (caller frees). */
static char *escaped(const char *s, size_t n)
{
    char *out = malloc(n * 4 + 1), *w = out;
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            *w++ = '\\', *w++ = 'n';
        } else if (c == '\\') {
            *w++ = '\\', *w++ = '\\';
        } else if (c < 0x20 || c >= 0x7F) {
            w += sprintf(w, "\\x%02X", c);
        } else {
            *w++ = (char)c;
        }
    }
    *w = '\0';
    return out;
}

/* normalize(normalize(x)) == normalize(x), byte for byte, with the same
 * content hash, headline, byline and date. */
static void expect_idempotent(const ds_document *d, const char *what)
{
    ds_document *again = renorm(d->text, d->content_size);
    char *e = NULL;
    if (strcmp(again->text, d->text) != 0)
        e = escaped(what, strlen(what));
    cr_expect_str_eq(again->text, d->text, "not idempotent: %s\n-- first:\n%s-- again:\n%s--",
                     e ? e : what, d->text, again->text);
    cr_expect_str_eq(again->content_sha256, d->content_sha256);
    cr_expect_eq(again->paragraph_count, d->paragraph_count);
    cr_expect_eq(again->boilerplate_removed, 0);
    cr_expect_str_eq(again->title ? again->title : "", d->title ? d->title : "");
    cr_expect_str_eq(again->byline ? again->byline : "", d->byline ? d->byline : "");
    cr_expect_str_eq(again->published_raw ? again->published_raw : "",
                     d->published_raw ? d->published_raw : "");
    free(e);
    ds_document_free(again);
}

static size_t idempotent_dir(const char *rel, const char *suffix)
{
    char dir[4096];
    DIR *dh;
    struct dirent *de;
    size_t count = 0;

    snprintf(dir, sizeof dir, "%s", tu_src(rel));
    dh = opendir(dir);
    cr_assert_not_null(dh, "%s", dir);
    while ((de = readdir(dh))) {
        char path[8192];
        size_t n = strlen(de->d_name), k = strlen(suffix);
        ds_document *d = NULL;
        if (de->d_name[0] == '.' || n < k || strcmp(de->d_name + n - k, suffix) != 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        cr_assert_eq(ds_normalize_file(&d, path, NULL, NULL, NULL), 0, "%s", ds_error_last());
        expect_idempotent(d, path);
        ds_document_free(d);
        count++;
    }
    closedir(dh);
    return count;
}

Test(idempotence, fixtures)
{
    cr_assert_eq(idempotent_dir("fixtures/articles", ".txt"), 3);
    cr_assert_eq(idempotent_dir("fixtures/revisions", ".txt"), 15);
    /* HTML pages: normalized as HTML once, then read back as Markdown */
    cr_assert_eq(idempotent_dir("fixtures/html", ".html"), 3);
}

/* ---- random Markdown-ish documents ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t rnd(rng *r, uint32_t n)
{
    /* splitmix64 */
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (uint32_t)(z % n);
}

#define PICK(r, a) ((a)[rnd(r, sizeof(a) / sizeof *(a))])

static void put(ds__buf *b, const char *s)
{
    cr_assert_eq(ds__buf_put(b, s, strlen(s)), 0);
}

static const char *const R_WORDS[] = {
    "the",
    "Putin",
    "said",
    "talks",
    "13,000",
    "Kim",
    "crisis",
    "on",
    "Thursday.",
    "a",
    "by",
    "By",
    "date:",
    "byline:",
    "#",
    "##",
    "C#",
    "*",
    "**",
    "_",
    "-",
    "+",
    ">",
    "=",
    "---",
    "1.",
    "2)",
    "[sic]",
    "[",
    "]",
    "(",
    ")",
    "![",
    "\\",
    "\\[",
    "\\*",
    "`code`",
    "\"quoted\"",
    "\xE2\x80\x9Cquoted\xE2\x80\x9D",
    "North\xE2\x80\x99s",
    "\xE2\x80\x94",
    "caf\xC3\xA9",
    "cafe\xCC\x81",
    ">\xCC\xB8",
    "=\xCC\xB8",
    "\xF0\x9F\x91\xA9\xE2\x80\x8D\xF0\x9F\x94\xA7",
    "Read",
    "more",
    "Related",
    "Advertisement",
    "11/01/2018",
    "January",
    "2018",
    "May",
    "11,",
};

static const char *const R_SPACES[] = {
    " ",
    " ",
    " ",
    " ",
    " ",
    " ",
    "  ",
    "\t",
    "\xC2\xA0",
    "\xE2\x80\x83",
    "\xE3\x80\x80",
    "\xE2\x80\xAF",
    " \xE2\x80\x8D",
    "\xE2\x80\x8C",
    "\xC2\xAD",
    "\xE2\x80\x8B",
    " \xEF\xBB\xBF",
};

static const char *const R_LINKS[] = {
    "[a link](http://e.com/a)",
    "![alt text](i.png \"t\")",
    "[![badge](b.svg)](http://x)",
    "[a [nested] link](u)",
    "[Foo](https://en.wikipedia.org/wiki/Foo_(bar))",
    "[](http://x)",
    "![](pic.png)",
    "\\[escaped](y)",
    "[ref][1]",
    "[a]([b](c))",
    "[x](y",
    "[---](x)",
    "[## h](x)",
    "[- item](x)",
    "[> q](x)",
    "*[em link](x)*",
    "[By Jane Doe](x)",
    "[11 May 2020](x)",
};

static const char *const R_DATES[] = {
    "2018-01-11",
    "11/01/2018",
    "25/01/2018",
    "11 January 2018",
    "January 11, 2018",
    "Thu 11 Jan 2018 10:30 GMT",
    "2024-03-14T18:05:00+01:00",
    "*January 11, 2018*",
    "Today",
};

static const char *const R_NAMES[] = {
    "Jane Doe",         "Marta Nov\xC3\xA1kov\xC3\xA1",
    "Ann Lee, Bo Chen", "*Jane*",
    "the end of 2017",  "Jane Doe.",
    "\xC3\x89VA NAGY",
};

/* Inline text: words, links, emphasis, odd characters, Unicode spaces. */
static void r_inline(rng *r, ds__buf *b, int words)
{
    int i;
    for (i = 0; i < words; i++) {
        uint32_t k = rnd(r, 20);
        if (i)
            put(b, PICK(r, R_SPACES));
        if (k < 12)
            put(b, PICK(r, R_WORDS));
        else if (k < 15)
            put(b, PICK(r, R_LINKS));
        else if (k == 15) {
            put(b, "*");
            put(b, PICK(r, R_WORDS));
            put(b, "*");
        } else if (k == 16) {
            put(b, "**");
            put(b, PICK(r, R_WORDS));
            put(b, "**");
        } else if (k == 17) {
            put(b, "_");
            put(b, PICK(r, R_WORDS));
            put(b, "_");
        } else {
            put(b, "word");
        }
    }
}

static void r_break(rng *r, ds__buf *b, int blank)
{
    static const char *const one[] = {"\n", "\n", "\n", "\r\n", "\r", "\xE2\x80\xA8", "  \n"};
    static const char *const two[] = {"\n\n",  "\n\n",         "\r\n\r\n",
                                      "\n \n", "\xE2\x80\xA9", "\n\t\n\n"};
    put(b, blank ? PICK(r, two) : PICK(r, one));
}

/* One line of a body block. */
static void r_line(rng *r, ds__buf *b)
{
    static const char *const lead[] = {"- ", "* ",   "+ ",     "1. ",           "12) ",
                                       "> ", ">> ",  "## ",    "###### ",       "####### ",
                                       "#",  "> > ", "2018. ", ">\xE2\x80\x8C", "*\xE2\x80\x8D",
                                       "\\"};
    static const char *const whole[] = {
        "---",          "* * *", "___", "===", "**", "*",
        "- -",          "_ _",   ">",   "#",   "- ", "Read more: another story",
        "Advertisement"};
    uint32_t k = rnd(r, 24);
    if (k < 9) {
        r_inline(r, b, 1 + (int)rnd(r, 8));
    } else if (k < 15) {
        put(b, PICK(r, lead));
        r_inline(r, b, 1 + (int)rnd(r, 5));
    } else if (k < 18) {
        put(b, PICK(r, whole));
    } else if (k < 20) {
        put(b, PICK(r, R_DATES));
    } else if (k < 22) {
        put(b, rnd(r, 2) ? "By " : "byline: ");
        put(b, PICK(r, R_NAMES));
    } else {
        put(b, "date: ");
        put(b, PICK(r, R_DATES));
    }
}

/* A whole document: optional BOM, front matter, first line, header lines,
 * then blocks of one to three lines. */
static void r_document(rng *r, ds__buf *b)
{
    static const char *const first[] = {"# ",   "# ", "# ",  "",   "## ",          "#",
                                        "### ", "*",  "# *", "**", "_\xE2\x80\x8D"};
    static const char *const tail[] = {"",   "",  "",   "*",    "\xE2\x80\x8D*", "_",
                                       "**", "#", " #", " # #", " ##",           " ###*"};
    int blocks, i;

    b->len = 0;
    if (rnd(r, 10) == 0)
        put(b, "\xEF\xBB\xBF");
    if (rnd(r, 8) == 0) {
        put(b, "---\n");
        if (rnd(r, 2))
            put(b, "title: '*Front* title'\n");
        if (rnd(r, 2)) {
            put(b, "date: ");
            put(b, PICK(r, R_DATES));
            put(b, "\n");
        }
        if (rnd(r, 2))
            put(b, "author: By Jane Doe\n");
        put(b, "---\n");
    }
    if (rnd(r, 6) == 0)
        r_break(r, b, 1);
    {
        const char *f = PICK(r, first);
        put(b, f);
        if (rnd(r, 8))
            r_inline(r, b, 1 + (int)rnd(r, 6));
        /* closing sequences mostly after an opening one (see closing_headline) */
        put(b, tail[rnd(r, strchr(f, ' ') ? 12 : 8)]);
    }
    /* header-like lines directly after the first line */
    for (i = (int)rnd(r, 3); i > 0; i--) {
        r_break(r, b, 0);
        if (rnd(r, 3) == 0) {
            put(b, "byline: ");
            put(b, PICK(r, R_NAMES));
        } else if (rnd(r, 2)) {
            put(b, "date: ");
            put(b, PICK(r, R_DATES));
        } else {
            r_line(r, b);
        }
    }
    blocks = (int)rnd(r, 8);
    for (i = 0; i < blocks; i++) {
        int lines = 1 + (int)rnd(r, 3), j;
        r_break(r, b, 1);
        for (j = 0; j < lines; j++) {
            if (j)
                r_break(r, b, 0);
            r_line(r, b);
        }
    }
    if (rnd(r, 2))
        put(b, "\n");
}

/* The one Markdown case that does not read back: a headline line without
 * an opening "#" whose headline ends with a closing sequence (" #", "#####")
 * keeps it, and "# " and that headline reads back without it. */
static int closing_headline(const char *t)
{
    size_t n = t ? strlen(t) : 0, e = n;
    while (e > 0 && t[e - 1] == '#')
        e--;
    return e < n && (e == 0 || t[e - 1] == ' ');
}

Test(idempotence, random_markdown_documents)
{
    rng r = {20240314};
    ds__buf in = DS__BUF_INIT;
    size_t round, checked = 0, headers = 0, exceptions = 0;

    for (round = 0; round < 600; round++) {
        ds_document *d = NULL;
        int err;
        r_document(&r, &in);
        err = ds_normalize_buffer(&d, in.ptr, in.len, NULL);
        if (err == DS_EINVALID &&
            (strstr(ds_error_last(), "no text") || strstr(ds_error_last(), "empty document")))
            continue; /* nothing to read back */
        cr_assert_eq(err, 0, "round %zu: %s", round, ds_error_last());
        if (closing_headline(d->title)) {
            exceptions++;
            ds_document_free(d);
            continue;
        }
        expect_idempotent(d, in.ptr);
        if (d->byline || d->published_raw)
            headers++;
        ds_document_free(d);
        checked++;
    }
    ds__buf_free(&in);
    /* the generator reaches the cases it is meant to */
    cr_assert_geq(checked, 500, "%zu checked", checked);
    cr_assert_geq(headers, 100, "%zu with a byline or date", headers);
    cr_assert_leq(exceptions, 30, "%zu exceptions", exceptions);
}

/* A norm-1 header at the start reads back as the header. */
Test(idempotence, header_read_back)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *d;

    d = norm("# T\nbyline: Jane Doe\ndate: 11/01/2018\n\nBody.\n");
    cr_assert_str_eq(d->text, "# T\nbyline: Jane Doe\ndate: 11/01/2018\n\nBody.\n");
    cr_assert_str_eq(d->title, "T");
    cr_assert_str_eq(d->byline, "Jane Doe");
    cr_assert_str_eq(d->published_raw, "11/01/2018");
    cr_assert_null(d->published); /* ambiguous, as in a paragraph */
    cr_assert_eq(d->paragraph_count, 1);
    ds_document_free(d);
    o.date_order = DS_DATE_ORDER_DMY;
    d = norm_opts("# T\ndate: 11/01/2018\n", &o);
    cr_assert_str_eq(d->text, "# T\ndate: 11/01/2018\n");
    cr_assert_str_eq(d->published, "2018-01-11");
    ds_document_free(d);
    /* no headline; the date line as written, whatever it says */
    d = norm("#\ndate: 2020-05-01\n");
    cr_assert_str_eq(d->text, "#\ndate: 2020-05-01\n");
    cr_assert_null(d->title);
    cr_assert_str_eq(d->published, "2020-05-01");
    ds_document_free(d);
    d = norm("# T\ndate: tomorrow, probably\n\nBody");
    cr_assert_str_eq(d->text, "# T\ndate: tomorrow, probably\n\nBody\n");
    cr_assert_null(d->published);
    ds_document_free(d);
    /* the values are taken as written: emphasis, "By", NFC */
    expect_text("# T\nbyline: *By Jane*\n\nBody", "# T\nbyline: *By Jane*\n\nBody\n");
    expect_text("# T\nbyline: Jose\xCC\x81\n", "# T\nbyline: Jos\xC3\xA9\n");
    /* the headline line is read as always */
    expect_text("# **Title** #\nbyline: A B\n\nBody", "# Title\nbyline: A B\n\nBody\n");
    /* BOM, CR LF, spaces, end of input, a paragraph separator */
    expect_text("\xEF\xBB\xBF\r\n  # T  \r\nbyline:\xC2\xA0 Ann  \r\n\r\nBody",
                "# T\nbyline: Ann\n\nBody\n");
    expect_text("# T\nbyline: Ann", "# T\nbyline: Ann\n");
    expect_text("# T\ndate: 2020-01-01\xE2\x80\xA9"
                "Body",
                "# T\ndate: 2020-01-01\n\nBody\n");
    /* the header is complete: later paragraphs are body paragraphs */
    d = norm("# T\ndate: 2020-01-01\n\nBy Jane Doe\n\n2 May 2020\n\nBody");
    cr_assert_str_eq(d->text, "# T\ndate: 2020-01-01\n\nBy Jane Doe\n\n2 May 2020\n\nBody\n");
    cr_assert_null(d->byline);
    ds_document_free(d);
    /* plain text keeps the headline's markers, and reads the header */
    o.date_order = DS_DATE_ORDER_NONE;
    o.format = DS_FORMAT_TEXT;
    d = norm_opts("# T\ndate: 2020-01-01\n\nBody", &o);
    cr_assert_str_eq(d->text, "# # T\ndate: 2020-01-01\n\nBody\n");
    ds_document_free(d);
}

/* Only that exact shape is a header: otherwise the lines are ordinary text,
 * as they always were. */
Test(idempotence, header_shape)
{
    /* a blank line first */
    expect_text("# T\n\ndate: 2020-01-01\n\nBody", "# T\n\ndate: 2020-01-01\n\nBody\n");
    /* not "# " */
    expect_text("T\ndate: 2020-01-01\n\nBody", "# T\n\ndate: 2020-01-01\n\nBody\n");
    expect_text("## T\ndate: 2020-01-01\n\nBody", "# T\n\ndate: 2020-01-01\n\nBody\n");
    expect_text("#T\ndate: 2020-01-01", "# #T\n\ndate: 2020-01-01\n");
    /* not the first non-empty line */
    expect_text("***\n# T\ndate: 2020-01-01", "# T\n\ndate: 2020-01-01\n");
    expect_text("---\nid: x\n---\n# T\ndate: 2020-01-01\n\nBody",
                "# T\n\ndate: 2020-01-01\n\nBody\n");
    /* byline after date, twice the same, other lines, other spellings */
    expect_text("# T\ndate: 1 May 2020\nbyline: Ann\n\nBody",
                "# T\n\ndate: 1 May 2020 byline: Ann\n\nBody\n");
    expect_text("# T\ndate: 1 May 2020\ndate: 2 May 2020",
                "# T\n\ndate: 1 May 2020 date: 2 May 2020\n");
    expect_text("# T\nbyline: Ann\nand Bo\n\nBody", "# T\n\nbyline: Ann and Bo\n\nBody\n");
    expect_text("# T\nbyline: Ann\n- item\n", "# T\n\nbyline: Ann\n\n- item\n");
    expect_text("# T\nbyline: Ann\n---\nBody", "# T\n\nbyline: Ann\n\nBody\n");
    expect_text("# T\nDate: 1 May 2020", "# T\n\nDate: 1 May 2020\n");
    expect_text("# T\ndate:\n\nBody", "# T\n\ndate:\n\nBody\n");
    expect_text("# T\nbyline:1 May", "# T\n\nbyline:1 May\n");
}

/* What reading back would remove is not left in the text. */
Test(idempotence, nothing_left_to_remove)
{
    /* link syntax uncovered by removing a link */
    expect_text("T\n\nSee [a]([b](c)) end", "# T\n\nSee a end\n");
    expect_text("[x]([y]([z](w)))", "# x\n");
    /* paragraphs that would read back as separator or empty quote lines */
    expect_text("T\n\n**\n*\n\n- -\n-\n\n[---](x)\n\n[>](x) [](y)\n\nBody", "# T\n\nBody\n");
    /* closing sequences and emphasis after an opening sequence */
    expect_text("# *Foo #*", "# Foo\n");
    expect_text("# Foo # #", "# Foo\n");
    expect_text("## **Bold #** ##", "# Bold\n");
    expect_text("# # #\n\nBody", "#\n\nBody\n");
    /* ZWJ/ZWNJ left at an end by emphasis or quote markers */
    expect_text("*\xE2\x80\x8Dx*", "# x\n");
    expect_text("T\n\n_By Jane\xE2\x80\x8D_\n\nBody", "# T\nbyline: Jane\n\nBody\n");
    expect_text("T\n\n> a\n>\xE2\x80\x8C"
                "b",
                "# T\n\n> a b\n");
    /* "#" alone is the header of a document without a headline */
    expect_text("#", "#\n");
    expect_text("![](only-an-image.png)", "#\n");
    expect_text("#\n\nAdvertisement", "#\n");
}

/* The cases that do not read back to themselves (docseal-formats(5),
 * "Reading normalized text back"): pinned so that a change is noticed. */
Test(idempotence, documented_exceptions)
{
    ds_document *d;
    const char page[] = "<html><head><title>*T*</title></head><body><article><h1>*T*</h1>"
                        "<p>By Jane Doe</p><p>A [link](x) in the text.</p><p>* * *</p>"
                        "<p>Body text.</p></article></body></html>";
    struct {
        const char *in, *first, *again;
    } cases[] = {
        /* a first line without "#" ending with a closing sequence keeps it */
        {"Foo #\n\nBody", "# Foo #\n\nBody\n", "# Foo\n\nBody\n"},
        {"##########\n\nBody", "# ##########\n\nBody\n", "#\n\nBody\n"},
        /* front matter titles are taken as written */
        {"---\ntitle: '*Starred*'\n---\nBody", "# *Starred*\n\nBody\n", "# Starred\n\nBody\n"},
        /* HTML: the title, link syntax, separators, a byline paragraph */
        {page, "# *T*\n\nBy Jane Doe\n\nA [link](x) in the text.\n\n* * *\n\nBody text.\n",
         "# T\nbyline: Jane Doe\n\nA link in the text.\n\nBody text.\n"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        d = norm(cases[i].in);
        cr_expect_str_eq(d->text, cases[i].first, "case %zu", i);
        {
            ds_document *again = renorm(d->text, d->content_size);
            cr_expect_str_eq(again->text, cases[i].again, "case %zu", i);
            ds_document_free(again);
        }
        ds_document_free(d);
    }
}

/* The header read back streams like any other input: file, sink, chunks. */
Test(idempotence, header_streams)
{
    char *dir = tu_tmpdir(), *p;
    const char *text = "# T\nbyline: Ann Lee\ndate: 1 May 2020\n\nBody one.\n\nBody two.\n";
    collect c = {DS__BUF_INIT, 0, 0};
    ds_sink sink = {collect_write, &c};
    ds_document *d = NULL;

    p = tmpfile_with(dir, "n.txt", text, strlen(text));
    cr_assert_eq(ds_normalize_file(&d, p, &sink, NULL, NULL), 0, "%s", ds_error_last());
    cr_assert_eq(c.buf.len, strlen(text));
    cr_assert_eq(memcmp(c.buf.ptr, text, c.buf.len), 0);
    cr_assert_str_eq(d->byline, "Ann Lee");
    cr_assert_str_eq(d->published, "2020-05-01");
    cr_assert_eq(d->paragraph_count, 2);
    ds_document_free(d);
    /* one byte at a time through the scanner */
    {
        ds__norm st;
        size_t i;
        memset(&st, 0, sizeof st);
        st.name = "x";
        st.conv_note = "";
        st.markdown = st.zone_detect = 1;
        ds__reader_init(&st);
        cr_assert_eq(ds_sha256_new(&st.content_hash), 0);
        for (i = 0; text[i]; i++)
            cr_assert_eq(ds__reader_feed(&st, text + i, 1), 0);
        cr_assert_eq(ds__reader_finish(&st), 0);
        cr_assert_str_eq(st.byline, "Ann Lee");
        cr_assert_str_eq(st.date_raw, "1 May 2020");
        cr_assert_eq(st.paragraphs, 2);
        ds__reader_free(&st);
        ds_sha256_free(st.content_hash);
        free(st.title), free(st.byline), free(st.date_raw), free(st.published);
        ds__buf_free(&st.text);
    }
    remove(p);
    remove(dir);
    free(p);
    free(dir);
    ds__buf_free(&c.buf);
}
