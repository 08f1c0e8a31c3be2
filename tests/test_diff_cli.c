/* test_diff_cli.c - docseal diff: exit statuses, formats, messages, stdin,
 * output files, and the raw revisions through the normalizer. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docseal/docseal.h"
#include "testutil.h"

#define FIX DS_SOURCE_DIR "/fixtures/diff/"
#define REV DS_SOURCE_DIR "/fixtures/revisions/"
#define ART DS_SOURCE_DIR "/fixtures/articles/000_b02582cd44c05fde.txt"

static char *golden(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "fixtures/diff/expected/%s", name);
    return tu_read(tu_src(rel), NULL);
}

Test(diff_cli, plain_is_the_default_off_a_terminal)
{
    char *out, *err, *want = golden("typo.plain");
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize %sseed.txt %stypo.txt", FIX, FIX), 1);
    cr_assert_str_eq(out, want);
    cr_assert_str_eq(err, "");
    free(out), free(err), free(want);
}

Test(diff_cli, summary_json_html_color)
{
    char *out, *err, *want = golden("combined.summary");
    json_t *j;
    json_error_t e;
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize -s %sseed.txt %scombined.txt", FIX, FIX),
                 1);
    cr_assert_str_eq(out, want);
    free(out), free(err), free(want);

    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize --json %sseed.txt %sfigure.txt", FIX, FIX),
                 1);
    j = json_loads(out, 0, &e);
    cr_assert_not_null(j, "%s", e.text);
    cr_assert_str_eq(json_string_value(json_object_get(j, "summary_line")),
                     "+1 \xE2\x88\x92"
                     "1 words, 1 quote changed, 1 number changed");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "b"), "label")),
                     FIX "figure.txt");
    cr_assert_not_null(json_object_get(j, "paragraphs"));
    json_decref(j);
    free(out), free(err);

    /* --summary with JSON: no paragraphs */
    cr_assert_eq(tu_run(&out, &err,
                        "diff --no-normalize --summary --format json %sseed.txt %sfigure.txt", FIX,
                        FIX),
                 1);
    j = json_loads(out, 0, &e);
    cr_assert_not_null(j);
    cr_assert_null(json_object_get(j, "paragraphs"));
    cr_assert_not_null(json_object_get(j, "summary"));
    json_decref(j);
    free(out), free(err);

    cr_assert_eq(
        tu_run(&out, &err, "diff --no-normalize -f html %sseed.txt %sheadline.txt", FIX, FIX), 1);
    cr_assert(strncmp(out, "<!DOCTYPE html>\n", 16) == 0);
    cr_assert_not_null(strstr(out, "<del>"));
    cr_assert_null(strstr(out, "<script"));
    cr_assert_null(strstr(out, "http:"));
    cr_assert_null(strstr(out, "https:"));
    free(out), free(err);

    cr_assert_eq(tu_run(&out, &err, "--color=always diff --no-normalize -U 0 %sseed.txt %stypo.txt",
                        FIX, FIX),
                 1);
    cr_assert(strncmp(out, "\033[1mclassification:\033[m substantive\n", 35) == 0, "%s", out);
    cr_assert_not_null(strstr(out, "from \033[9;31mfrom\033[m the outset"));
    free(out), free(err);
}

Test(diff_cli, exit_statuses)
{
    char *out, *err, *seed = tu_read(FIX "seed.txt", NULL), *b;
    /* identical: exit 0, the text itself */
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize %sseed.txt %steaser.txt", FIX, FIX), 0);
    cr_assert_str_eq(out, seed);
    free(out), free(err);
    /* cosmetic only: 1, or 0 when ignored (then shown as the new text) */
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize %sseed.txt %squote-style.txt", FIX, FIX),
                 1);
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err,
                        "diff --no-normalize --ignore-cosmetic %sseed.txt %squote-style.txt", FIX,
                        FIX),
                 0);
    b = tu_read(FIX "quote-style.txt", NULL);
    cr_assert_str_eq(out, b);
    free(b);
    free(out), free(err);
    /* substantive stays 1 with --ignore-cosmetic */
    cr_assert_eq(
        tu_run(&out, &err, "diff --no-normalize --ignore-cosmetic %sseed.txt %stypo.txt", FIX, FIX),
        1);
    free(out), free(err);
    free(seed);
}

Test(diff_cli, stdin_and_output_file)
{
    char *out, *err, *want = golden("typo.plain"), *dir = tu_tmpdir(), path[512], *got;
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize - %stypo.txt < %sseed.txt", FIX, FIX), 1);
    cr_assert_str_eq(out, want);
    free(out), free(err);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    cr_assert_eq(
        tu_run(&out, &err, "diff --no-normalize -o %s %sseed.txt %stypo.txt", path, FIX, FIX), 1);
    cr_assert_str_eq(out, "");
    got = tu_read(path, NULL);
    cr_assert_str_eq(got, want);
    free(got), free(out), free(err), free(want);
    remove(path);
    remove(dir);
    free(dir);
}

Test(diff_cli, errors)
{
    char *out, *err;
    cr_assert_eq(tu_run(&out, &err, "diff"), 2);
    cr_assert_str_eq(err, "docseal: diff: expected two revisions (A B) or one document ID\n"
                          "Try 'docseal diff --help'.\n");
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff a b c"), 2);
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --format xml a b"), 2);
    cr_assert_str_eq(err, "docseal: diff: unknown diff format 'xml' (expected color, plain, "
                          "unified, json, html or summary)\nTry 'docseal diff --help'.\n");
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --summary --format unified a b"), 2);
    cr_assert_str_eq(err, "docseal: diff: --summary does not work with --format unified (it works "
                          "with color, plain, summary and json)\nTry 'docseal diff --help'.\n");
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff -U x a b"), 2);
    cr_assert_str_eq(err, "docseal: diff: invalid context 'x' (expected a number >= 0)\n"
                          "Try 'docseal diff --help'.\n");
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize - -"), 2);
    cr_assert_str_eq(err, "docseal: diff: only one operand may be '-'\nTry 'docseal diff "
                          "--help'.\n");
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize /nonexistent/a %sseed.txt", FIX), 2);
    cr_assert_str_eq(err, "docseal: /nonexistent/a: No such file or directory\n");
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize %s %sseed.txt", DS_SOURCE_DIR, FIX), 2);
    cr_assert_str_eq(err, "docseal: " DS_SOURCE_DIR ": is a directory\n");
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize %sseed.txt - < /dev/null", FIX), 1);
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize --no-moves x"), 2);
    cr_assert_str_eq(err, "docseal: diff: --no-normalize needs two file operands\n"
                          "Try 'docseal diff --help'.\n");
    free(out), free(err);
}

Test(diff_cli, invalid_utf8)
{
    char *out, *err, *dir = tu_tmpdir(), path[512];
    snprintf(path, sizeof path, "%s/bad.txt", dir);
    tu_write(path, "good\n\xC3(\n", 7);
    cr_assert_eq(tu_run(&out, &err, "diff --no-normalize %sseed.txt %s", FIX, path), 2);
    {
        char want[700];
        snprintf(want, sizeof want, "docseal: %s: invalid UTF-8 at byte offset 5\n", path);
        cr_assert_str_eq(err, want);
    }
    free(out), free(err);
    remove(path);
    remove(dir);
    free(dir);
}

Test(diff_cli, one_operand_needs_the_vault)
{
    char *out, *err, *dir = tu_tmpdir();
    /* no vault in an empty directory: an error, exit 2 */
    cr_assert_eq(tu_run(&out, &err, "-C %s/none diff 3f2a9c1e", dir), 2);
    cr_assert(strncmp(err, "docseal: ", 9) == 0, "%s", err);
    free(out), free(err);
    remove(dir);
    free(dir);
}

/* The raw Markdown revisions, normalized on the fly (needs the normalizer). */
Test(diff_cli, raw_revisions)
{
    char *out, *err;
    cr_assert_eq(tu_run(&out, &err, "diff %s %srev-teaser.txt", ART, REV), 0, "%s", err);
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --summary %s %srev-typo.txt", ART, REV), 1, "%s", err);
    cr_assert_not_null(strstr(out, "\nsummary: +0 \xE2\x88\x92"
                                   "1 words\n"),
                       "%s", out);
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --summary %s %srev-quote-style.txt", ART, REV), 1);
    cr_assert(strncmp(out, "classification: cosmetic\n", 25) == 0, "%s", out);
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --ignore-cosmetic %s %srev-quote-style.txt", ART, REV),
                 0);
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --summary %s %srev-moved-paragraph.txt", ART, REV), 1);
    cr_assert_not_null(strstr(out, "\nsummary: 1 paragraph moved\n"), "%s", out);
    free(out), free(err);
}

Test(diff_cli, help_lists_options)
{
    char *out, *err;
    cr_assert_eq(tu_run(&out, &err, "diff --help"), 0);
    cr_assert(strncmp(out, "Usage: docseal diff [OPTIONS] A B | ID\n", 39) == 0, "%s", out);
    cr_assert_not_null(strstr(out, "--ignore-cosmetic"));
    cr_assert_not_null(strstr(out, "--no-normalize"));
    free(out), free(err);
}

/* The tester's reproduction: paragraphs only reordered are moves, nothing
 * else (normalized on the fly, as typed). */
Test(diff_cli, reordered_paragraphs_are_only_moves)
{
    char *out, *err, *dir = tu_tmpdir(), p1[512], p2[512];
    static const char a[] = "# T\n\nItem 0 costs 10 dollars.\n\nItem 1 costs 20 dollars.\n\n"
                            "Item 2 costs 30 dollars.\n\nItem 3 costs 40 dollars.\n";
    static const char b[] = "# T\n\nItem 3 costs 40 dollars.\n\nItem 0 costs 10 dollars.\n\n"
                            "Item 2 costs 30 dollars.\n\nItem 1 costs 20 dollars.\n";
    snprintf(p1, sizeof p1, "%s/p1", dir);
    snprintf(p2, sizeof p2, "%s/p2", dir);
    tu_write(p1, a, sizeof a - 1);
    tu_write(p2, b, sizeof b - 1);
    cr_assert_eq(tu_run(&out, &err, "diff --summary %s %s", p1, p2), 1);
    cr_assert_str_eq(out, "classification: substantive\n"
                          "summary: 2 paragraphs moved\n"
                          "paragraphs: 4 \xE2\x86\x92 4 (0 added, 0 removed, 0 changed, 2 moved)\n"
                          "words: +0 \xE2\x88\x92"
                          "0\n"
                          "paragraph moved (\xC2\xB6"
                          "4 \xE2\x86\x92 \xC2\xB6"
                          "1): Item 3 costs 40 dollars.\n"
                          "paragraph moved (\xC2\xB6"
                          "2 \xE2\x86\x92 \xC2\xB6"
                          "4): Item 1 costs 20 dollars.\n");
    cr_assert_str_eq(err, "");
    free(out), free(err);
    remove(p1);
    remove(p2);
    remove(dir);
    free(dir);
}

/* --format summary is --summary without colour; plain has no summary. */
Test(diff_cli, format_summary_and_plain_without_header)
{
    char *out, *err, *want = golden("combined.summary"), *plain = golden("combined.plain");
    cr_assert_eq(
        tu_run(&out, &err, "diff --no-normalize -f summary %sseed.txt %scombined.txt", FIX, FIX),
        1);
    cr_assert_str_eq(out, want);
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err,
                        "--color=always diff --no-normalize -f summary %sseed.txt %scombined.txt",
                        FIX, FIX),
                 1);
    cr_assert_str_eq(out, want);
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err,
                        "--color=always diff --no-normalize -f plain %sseed.txt %scombined.txt",
                        FIX, FIX),
                 1);
    cr_assert_str_eq(out, plain);
    cr_assert(strncmp(out, "# ", 2) == 0, "%s", out);
    free(out), free(err), free(want), free(plain);
    cr_assert_eq(tu_run(&out, &err, "diff --help"), 0);
    cr_assert_not_null(strstr(out, "unified, json, html, summary"), "%s", out);
    free(out), free(err);
}

/* The tester's reproductions, normalized on the fly as typed: a dropped
 * minus sign and joined words are substantive (exit 1 with
 * --ignore-cosmetic), a paragraph split is cosmetic (exit 0, shown
 * unmarked), and --ignore-cosmetic --summary of a cosmetic-only change stops
 * after the one-line summary. */
Test(diff_cli, ignore_cosmetic_semantics)
{
    char *out, *err, *dir = tu_tmpdir(), p1[512], p2[512];
    static const char a[] = "# Storm\n\nTemperatures fell to -5 degrees overnight, officials "
                            "said. The damage was 3.5 million.\n\nThey left 12 people.\n";
    static const char minus[] = "# Storm\n\nTemperatures fell to 5 degrees overnight, officials "
                                "said. The damage was 3.5 million.\n\nThey left 12 people.\n";
    static const char joined[] = "# Storm\n\nTemperatures fell to -5 degrees overnight, officials "
                                 "said. The damage was 3.5 million.\n\nThey left 1 2 people.\n";
    static const char split[] = "# Storm\n\nTemperatures fell to -5 degrees overnight, officials "
                                "said.\n\nThe damage was 3.5 million.\n\nThey left 12 people.\n";
    snprintf(p1, sizeof p1, "%s/a.md", dir);
    snprintf(p2, sizeof p2, "%s/b.md", dir);
    tu_write(p1, a, sizeof a - 1);

    tu_write(p2, minus, sizeof minus - 1);
    cr_assert_eq(tu_run(&out, &err, "diff --ignore-cosmetic -s %s %s", p1, p2), 1);
    cr_assert_str_eq(out, "classification: substantive\n"
                          "summary: +1 \xE2\x88\x92"
                          "1 words, 1 number changed\n"
                          "paragraphs: 2 \xE2\x86\x92 2 (0 added, 0 removed, 1 changed, 0 moved)\n"
                          "words: +1 \xE2\x88\x92"
                          "1\n"
                          "number changed (\xC2\xB6"
                          "1): -5 \xE2\x86\x92 5\n");
    free(out), free(err);

    tu_write(p2, joined, sizeof joined - 1);
    cr_assert_eq(tu_run(&out, &err, "diff --ignore-cosmetic -U0 %s %s", p1, p2), 1);
    cr_assert_str_eq(out, "# Storm\n\n[... 1 unchanged paragraph ...]\n\n"
                          "They left [-12-]{+1 2+} people.\n");
    free(out), free(err);

    tu_write(p2, split, sizeof split - 1);
    cr_assert_eq(tu_run(&out, &err, "diff -s %s %s", p1, p2), 1);
    cr_assert_str_eq(out, "classification: cosmetic\n"
                          "summary: cosmetic changes only\n"
                          "paragraphs: 2 \xE2\x86\x92 3 (1 added, 0 removed, 1 changed, 0 moved)\n"
                          "words: +5 \xE2\x88\x92"
                          "5\n"
                          "paragraph added (\xC2\xB6"
                          "2): The damage was 3.5 million.\n");
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --ignore-cosmetic -s %s %s", p1, p2), 0);
    cr_assert_str_eq(out, "classification: cosmetic\nsummary: cosmetic changes only\n");
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --ignore-cosmetic -U0 %s %s", p1, p2), 0);
    cr_assert_str_eq(out, "# Storm\n\n[... 3 unchanged paragraphs ...]\n");
    free(out), free(err);
    cr_assert_eq(tu_run(&out, &err, "diff --ignore-cosmetic %s %s", p1, p2), 0);
    cr_assert_str_eq(out, split);
    free(out), free(err);

    /* quote restyling only */
    cr_assert_eq(tu_run(&out, &err,
                        "diff --no-normalize --ignore-cosmetic -s %sseed.txt %squote-style.txt",
                        FIX, FIX),
                 0);
    cr_assert_str_eq(out, "classification: cosmetic\nsummary: cosmetic changes only\n");
    cr_assert_str_eq(err, "");
    free(out), free(err);
    remove(p1);
    remove(p2);
    remove(dir);
    free(dir);
}
