/* test_normalize_cli.c - docseal normalize and docseal hash through the CLI:
 * exact output, exit codes and messages. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docseal/docseal.h"
#include "testutil.h"

#define SEED "fixtures/articles/000_b02582cd44c05fde.txt"
#define SEED_CONTENT "759dda5193f1d2033fc2cedf2864eec21b127f3fdb9d2b556357c759cd2a9fe0"
#define SEED_ORIGINAL "7afc3aacc5c554160f031ffafd863c3b84f7c97190f29b5f5c13c302a0b561a5"

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static void run_expect(int status, const char *want_out, const char *want_err, const char *args)
{
    char *out = NULL, *err = NULL;
    int rc = tu_run(&out, &err, "%s", args);
    cr_expect_eq(rc, status, "docseal %s: exit %d, stderr: %s", args, rc, err);
    if (want_out)
        cr_expect_str_eq(out, want_out, "docseal %s", args);
    if (want_err)
        cr_expect_str_eq(err, want_err, "docseal %s", args);
    free(out);
    free(err);
}

Test(cli_normalize, seed_text_file_and_stdin)
{
    char *expected = tu_read(tu_src("fixtures/normalized/000_b02582cd44c05fde.txt"), NULL);
    char args[4096];
    snprintf(args, sizeof args, "normalize %s", tu_src(SEED));
    run_expect(0, expected, "", args);
    snprintf(args, sizeof args, "normalize - < %s", tu_src(SEED));
    run_expect(0, expected, "", args);
    snprintf(args, sizeof args, "normalize --format markdown %s", tu_src(SEED));
    run_expect(0, expected, "", args);
    free(expected);
}

Test(cli_normalize, json)
{
    char *out = NULL, *err = NULL, *expected;
    json_t *j;
    json_error_t je;
    const char *keys[] = {"id",
                          "canonical_url",
                          "title",
                          "byline",
                          "published_raw",
                          "published",
                          "modified",
                          "language",
                          "site_name",
                          "format",
                          "normalizer",
                          "content_sha256",
                          "original_sha256",
                          "content_size",
                          "original_size",
                          "paragraphs",
                          "boilerplate_removed",
                          "text"};
    const char *k;
    json_t *v;
    size_t i = 0;

    expected = tu_read(tu_src("fixtures/normalized/000_b02582cd44c05fde.txt"), NULL);
    cr_assert_eq(tu_run(&out, &err, "normalize --json --date-order dmy %s", tu_src(SEED)), 0);
    cr_assert_str_eq(err, "");
    j = json_loads(out, 0, &je);
    cr_assert_not_null(j, "bad JSON: %s", je.text);
    json_object_foreach(j, k, v)
    {
        cr_assert_lt(i, sizeof keys / sizeof *keys);
        cr_expect_str_eq(k, keys[i], "key %zu", i);
        i++;
    }
    cr_assert_eq(i, sizeof keys / sizeof *keys);
    cr_assert(json_is_null(json_object_get(j, "id")));
    cr_assert(json_is_null(json_object_get(j, "byline")));
    cr_assert_str_eq(json_string_value(json_object_get(j, "title")),
                     "'Shrewd & mature N. Korean leader has won this round' – Putin on peninsula "
                     "crisis");
    cr_assert_str_eq(json_string_value(json_object_get(j, "published_raw")), "11/01/2018");
    cr_assert_str_eq(json_string_value(json_object_get(j, "published")), "2018-01-11");
    cr_assert_str_eq(json_string_value(json_object_get(j, "format")), "markdown");
    cr_assert_str_eq(json_string_value(json_object_get(j, "normalizer")), "norm-1");
    cr_assert_str_eq(json_string_value(json_object_get(j, "content_sha256")), SEED_CONTENT);
    cr_assert_str_eq(json_string_value(json_object_get(j, "original_sha256")), SEED_ORIGINAL);
    cr_assert_eq(json_integer_value(json_object_get(j, "content_size")), 3677);
    cr_assert_eq(json_integer_value(json_object_get(j, "original_size")), 3853);
    cr_assert_eq(json_integer_value(json_object_get(j, "paragraphs")), 11);
    cr_assert_eq(json_integer_value(json_object_get(j, "boilerplate_removed")), 2);
    cr_assert_str_eq(json_string_value(json_object_get(j, "text")), expected);
    cr_assert_eq(strncmp(out, "{\n  \"id\": null,\n  \"canonical_url\": null,\n", 41), 0);
    json_decref(j);
    free(out);
    free(err);
    free(expected);
}

Test(cli_normalize, options)
{
    char *out = NULL, *err = NULL, *dir = tu_tmpdir(), *rules = path_in(dir, "rules.txt");
    char *bad = path_in(dir, "bad.txt"), *latin = path_in(dir, "latin1.txt"), want[1024];

    cr_assert_eq(tu_run(&out, &err, "normalize --keep-boilerplate %s", tu_src(SEED)), 0);
    cr_assert_not_null(strstr(out, "\n\nRead more Korea talks: 'When US is sidelined, local "
                                   "players find peaceful solutions'\n\n"));
    free(out);
    free(err);

    tu_write(rules, "# drop the closing paragraph\n^Pyongyang’s chief negotiator\n", 58);
    cr_assert_eq(tu_run(&out, &err, "normalize --boilerplate-rules %s %s", rules, tu_src(SEED)), 0);
    cr_assert_null(strstr(out, "chief negotiator"));
    cr_assert_not_null(strstr(out, "avoid dangerous military incidents.\n"));
    free(out);
    free(err);

    tu_write(bad, "ok\n[z-a]\n", 9);
    snprintf(want, sizeof want, "docseal: %s:2: invalid regular expression: Invalid range end\n",
             bad);
    snprintf(out = malloc(4096), 4096, "normalize --boilerplate-rules %s %s", bad, tu_src(SEED));
    run_expect(2, "", want, out);
    free(out);

    tu_write(latin,
             "Gr\xfc\xdf"
             "e\n\nCaf\xe9\n",
             12);
    snprintf(want, sizeof want, "normalize --from-encoding ISO-8859-1 %s", latin);
    run_expect(0,
               "# Gr\xc3\xbc\xc3\x9f"
               "e\n\nCaf\xc3\xa9\n",
               "", want);
    snprintf(want, sizeof want, "normalize --format text - < %s", tu_src(SEED));
    cr_assert_eq(tu_run(&out, &err, "%s", want), 0);
    cr_assert_eq(strncmp(out, "# 'Shrewd", 9), 0);
    free(out);
    free(err);

    remove(rules);
    remove(bad);
    remove(latin);
    remove(dir);
    free(rules);
    free(bad);
    free(latin);
    free(dir);
}

Test(cli_normalize, usage_errors)
{
    run_expect(2, "",
               "docseal: normalize: --format: 'pdf' is not one of auto, text, markdown, html\n"
               "Try 'docseal normalize --help'.\n",
               "normalize --format pdf x.txt");
    run_expect(2, "",
               "docseal: normalize: --date-order: 'dym' is not one of mdy, dmy, ymd\n"
               "Try 'docseal normalize --help'.\n",
               "normalize --date-order dym x.txt");
    run_expect(2, "",
               "docseal: normalize: expected one FILE (or - for standard input)\n"
               "Try 'docseal normalize --help'.\n",
               "normalize");
    run_expect(2, "",
               "docseal: normalize: expected one FILE (or - for standard input)\n"
               "Try 'docseal normalize --help'.\n",
               "normalize a.txt b.txt");
    run_expect(2, "",
               "docseal: hash: expected FILE... (or - for standard input)\n"
               "Try 'docseal hash --help'.\n",
               "hash");
    run_expect(2, "",
               "docseal: hash: --format: 'x' is not one of auto, text, markdown, html\n"
               "Try 'docseal hash --help'.\n",
               "hash --format x a.txt");
    run_expect(2, "", "docseal: hash: unknown option '--json'\nTry 'docseal hash --help'.\n",
               "hash --json a.txt");
}

/* Every option in --help is documented in the man page, and the other way
 * round for long options. */
static void help_matches_man(const char *cmd, const char *man)
{
    char *out = NULL, *err = NULL, *page = tu_read(tu_src(man), NULL), *p;
    size_t options = 0;
    cr_assert_eq(tu_run(&out, &err, "%s --help", cmd), 0);
    for (p = strstr(out, "--"); p; p = strstr(p + 2, "--")) {
        char name[64], roff[160];
        size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-"), i, k = 0;
        cr_assert_lt(n, sizeof name);
        memcpy(name, p + 2, n);
        name[n] = '\0';
        k = (size_t)snprintf(roff, sizeof roff, "\\-\\-");
        for (i = 0; i < n; i++) {
            if (name[i] == '-')
                roff[k++] = '\\';
            roff[k++] = name[i];
        }
        roff[k] = '\0';
        cr_expect_not_null(strstr(page, roff), "%s: --%s not in %s", cmd, name, man);
        options++;
    }
    cr_assert_geq(options, 6);
    free(out);
    free(err);
    free(page);
}

Test(cli_normalize, help_and_man_pages)
{
    help_matches_man("normalize", "man/docseal-normalize.1");
    help_matches_man("hash", "man/docseal-hash.1");
}

Test(cli_hash, content_and_raw)
{
    char args[4096], want[4096];
    snprintf(args, sizeof args, "hash %s %s", tu_src(SEED),
             tu_src("fixtures/articles/001_noisy_variant.txt"));
    snprintf(want, sizeof want, "%s  %s\n%s  %s\n", SEED_CONTENT, tu_src(SEED), SEED_CONTENT,
             tu_src("fixtures/articles/001_noisy_variant.txt"));
    run_expect(0, want, "", args);
    snprintf(args, sizeof args, "hash --raw %s", tu_src(SEED));
    snprintf(want, sizeof want, "%s  %s\n", SEED_ORIGINAL, tu_src(SEED));
    run_expect(0, want, "", args);
    snprintf(args, sizeof args, "hash - < %s", tu_src(SEED));
    run_expect(0, SEED_CONTENT "  -\n", "", args);
    snprintf(args, sizeof args, "hash --keep-boilerplate %s | cut -c1-64", tu_src(SEED));
    {
        char *out = NULL;
        cr_assert_eq(tu_run(&out, NULL, "%s", args), 0);
        cr_assert_str_neq(out, SEED_CONTENT "\n");
        cr_assert_eq(strlen(out), 65);
        free(out);
    }
}

Test(cli_hash, escaped_names)
{
    char *dir = tu_tmpdir(), *p = path_in(dir, "a\\b.txt"), args[4096], want[4096];
    size_t len;
    char *seed = tu_read(tu_src(SEED), &len);
    tu_write(p, seed, len);
    snprintf(args, sizeof args, "hash '%s'", p);
    snprintf(want, sizeof want, "\\%s  %s/a\\\\b.txt\n", SEED_CONTENT, dir);
    run_expect(0, want, "", args);
    remove(p);
    remove(dir);
    free(p);
    free(dir);
    free(seed);
}

/* Bad input: exit 2, "docseal: <name>: <why>", and the other files are
 * still hashed. */
Test(cli_errors, bad_inputs)
{
    char *dir = tu_tmpdir(), args[4096], want[4096];
    char *bad = path_in(dir, "bad.txt"), *empty = path_in(dir, "empty.txt");
    char *ws = path_in(dir, "ws.txt"), *bin = path_in(dir, "bin.dat");

    tu_write(bad, "Title\n\nok \xc3\xa9\n\nbad \xe2\x82 here\n", 26);
    tu_write(empty, "", 0);
    tu_write(ws, "\xef\xbb\xbf \n\t\r\n\xc2\xa0\xe2\x80\x8b\n", 14);
    tu_write(bin, "PK\x03\x04\x14\0\0\0", 8);

    snprintf(args, sizeof args, "normalize %s", bad);
    snprintf(want, sizeof want, "docseal: %s: invalid UTF-8 at byte offset 18\n", bad);
    run_expect(2, "", want, args);
    snprintf(args, sizeof args, "normalize %s", empty);
    snprintf(want, sizeof want, "docseal: %s: empty document\n", empty);
    run_expect(2, "", want, args);
    snprintf(args, sizeof args, "normalize %s", ws);
    snprintf(want, sizeof want, "docseal: %s: no text (only whitespace)\n", ws);
    run_expect(2, "", want, args);
    snprintf(args, sizeof args, "normalize %s", bin);
    snprintf(want, sizeof want, "docseal: %s: binary input (NUL byte at offset 5)\n", bin);
    run_expect(2, "", want, args);
    snprintf(args, sizeof args, "normalize - < %s", bin);
    run_expect(2, "", "docseal: <stdin>: binary input (NUL byte at offset 5)\n", args);

    /* relative names as given */
    mkdir("normtest-somedir", 0700);
    run_expect(2, "", "docseal: nofile.txt: No such file or directory\n", "normalize nofile.txt");
    run_expect(2, "", "docseal: normtest-somedir: is a directory\n", "normalize normtest-somedir");
    snprintf(args, sizeof args, "hash nofile.txt %s normtest-somedir %s", tu_src(SEED), bad);
    snprintf(want, sizeof want, "%s  %s\n", SEED_CONTENT, tu_src(SEED));
    {
        char werr[4096];
        snprintf(werr, sizeof werr,
                 "docseal: nofile.txt: No such file or directory\n"
                 "docseal: normtest-somedir: is a directory\n"
                 "docseal: %s: invalid UTF-8 at byte offset 18\n",
                 bad);
        run_expect(2, want, werr, args);
    }
    run_expect(2, "",
               "docseal: nofile.txt: No such file or directory\n"
               "docseal: normtest-somedir: is a directory\n",
               "hash --raw nofile.txt normtest-somedir");
    rmdir("normtest-somedir");

    remove(bad);
    remove(empty);
    remove(ws);
    remove(bin);
    remove(dir);
    free(bad);
    free(empty);
    free(ws);
    free(bin);
    free(dir);
}

/* 100 MB on a single line: hashed through the CLI, in one pass. */
Test(cli_errors, hundred_megabyte_single_line, .timeout = 120)
{
    char *dir = tu_tmpdir(), *p = path_in(dir, "line.txt"), chunk[1 << 16], args[4096];
    char *out = NULL, *err = NULL, want[DS_SHA256_HEX_SIZE];
    ds_sha256 *h = NULL;
    FILE *f = fopen(p, "wb");
    size_t i, k;

    cr_assert_not_null(f);
    for (i = 0; i < sizeof chunk; i++)
        chunk[i] = "Lorem ipsum, dolor. "[i % 20];
    /* 65536 = 3276 * 20 + 16: each chunk ends "...dol", the next starts
     * "Lorem": no leading, trailing or double spaces anywhere */
    cr_assert_eq(chunk[0], 'L');
    cr_assert_eq(chunk[sizeof chunk - 1], 'l');
    cr_assert_eq(ds_sha256_new(&h), 0);
    cr_assert_eq(ds_sha256_update(h, "# ", 2), 0);
    for (k = 0; k < (100u << 20); k += sizeof chunk) {
        cr_assert_eq(fwrite(chunk, 1, sizeof chunk, f), sizeof chunk);
        cr_assert_eq(ds_sha256_update(h, chunk, sizeof chunk), 0);
    }
    fclose(f);
    cr_assert_eq(ds_sha256_update(h, "\n", 1), 0);
    cr_assert_eq(ds_sha256_final_hex(h, want), 0);
    snprintf(args, sizeof args, "hash %s", p);
    cr_assert_eq(tu_run(&out, &err, "%s", args), 0, "%s", err);
    cr_assert_eq(strncmp(out, want, 64), 0, "got %s, want %s", out, want);
    cr_assert_str_eq(err, "");
    free(out);
    free(err);
    snprintf(args, sizeof args, "normalize %s | wc -c", p);
    cr_assert_eq(tu_run(&out, &err, "%s", args), 0);
    cr_assert_eq(strtoull(out, NULL, 10), (100ull << 20) + 3);
    free(out);
    free(err);
    ds_sha256_free(h);
    remove(p);
    remove(dir);
    free(p);
    free(dir);
}

/* Normalized text is read back to itself: piped, hashed, diffed. */
Test(cli_normalize, reads_its_own_output)
{
    const char *norm0 = "fixtures/normalized/000_b02582cd44c05fde.txt";
    const char *norm2 = "fixtures/normalized/002_front_matter.txt";
    char *expected = tu_read(tu_src(norm0), NULL), *n0 = strdup(tu_src(norm0)), args[4096],
         want[4096];

    snprintf(args, sizeof args, "normalize %s | %s normalize -", tu_src(SEED), DS_CLI_PATH);
    run_expect(0, expected, "", args);
    snprintf(args, sizeof args, "normalize %s", n0);
    run_expect(0, expected, "", args);
    snprintf(args, sizeof args, "hash %s %s", n0, tu_src(norm2));
    snprintf(want, sizeof want,
             "%s  %s\n0bc2f1a9c588bb930708933c72bdf194b1279d256cbd1996855c22271327771c  %s\n",
             SEED_CONTENT, n0, tu_src(norm2));
    run_expect(0, want, "", args);
    /* the header's date and byline are read back as such */
    snprintf(args, sizeof args,
             "normalize --json --date-order dmy %s | grep -c '\"published\": "
             "\"2018-01-11\"'",
             n0);
    run_expect(0, "1\n", "", args);
    /* an exported normalized file against the article: no differences */
    snprintf(args, sizeof args, "diff --summary %s %s", n0, tu_src(SEED));
    run_expect(0, "classification: identical\nsummary: no changes\n", "", args);
    free(n0);
    free(expected);
}
