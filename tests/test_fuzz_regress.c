/* test_fuzz_regress.c - one test per fuzzing finding (fuzz/README.md): the
 * minimized reproducer in fixtures/fuzz/<target>-<name> is fed through the
 * same API as the harness fuzz/fuzz_<target>.c, and the result is checked
 * exactly. Memory and undefined-behaviour findings only fail reliably in a
 * sanitizer build (cmake -DDS_SANITIZE=ON; some UBSan checks, such as
 * "applying zero offset to null pointer", exist only in clang's), and
 * fuzz/smoke.sh replays every reproducer under the clang fuzzing build too;
 * the value checks fail in any build. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docseal/docseal.h"
#include "testutil.h"

/* The bytes of fixtures/fuzz/NAME. Caller frees. */
static char *repro(const char *name, size_t *len)
{
    char rel[256];
    snprintf(rel, sizeof rel, "fixtures/fuzz/%s", name);
    return tu_read(tu_src(rel), len);
}

/* fuzz_diff input: option byte, then A NUL B. */
static ds_diff *diff_repro(const char *name, char **buf)
{
    size_t len, alen;
    char *p = repro(name, &len), *a, *nul;
    ds_diff_options o = DS_DIFF_OPTIONS_INIT;
    ds_diff *d = NULL;
    cr_assert_geq(len, 1);
    if (p[0] & 1)
        o.flags |= DS_DIFF_NO_MOVES;
    if (p[0] & 2)
        o.flags |= DS_DIFF_NO_CLEANUP;
    if (p[0] & 4)
        o.flags |= DS_DIFF_MINIMAL;
    a = p + 1;
    nul = memchr(a, '\0', len - 1);
    alen = nul ? (size_t)(nul - a) : len - 1;
    cr_assert_eq(ds_diff_texts(&d, a, alen, nul ? nul + 1 : "", nul ? len - 2 - alen : 0, &o), 0,
                 "%s", ds_error_last());
    *buf = p;
    return d;
}

/* diff_summary.c add_quote(): a quotation without words ("\"'" against "")
 * sorted an empty bag list at NULL + 0 (UBSan: applying zero offset to null
 * pointer). The quote must be reported as removed. */
Test(fuzz_regress, diff_quote_without_words_null_bags)
{
    char *buf = NULL;
    ds_diff *d = diff_repro("diff-quote-null-bags", &buf);
    const ds_diff_summary *s = ds_diff_get_summary(d);
    char line[256];
    cr_assert_eq(s->classification, DS_DIFF_SUBSTANTIVE);
    cr_assert_eq(ds_diff_op_count(d), 1);
    cr_assert_eq(ds_diff_op_at(d, 0)->kind, DS_DIFF_OP_DELETE);
    cr_assert_eq(ds_diff_op_at(d, 0)->a_len, 2);
    cr_assert_eq(s->quote_count, 1);
    cr_assert_eq(s->quotes_removed, 1);
    cr_assert_eq(s->quotes[0].kind, DS_DIFF_QUOTE_REMOVED);
    cr_assert_null(s->quotes[0].new_text);
    ds_diff_summary_line(line, sizeof line, d);
    cr_assert_str_eq(line, "1 quote removed, 1 paragraph removed");
    ds_diff_free(d);
    free(buf);
}
