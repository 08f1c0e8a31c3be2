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
typedef struct diff_case {
    char *buf;
    const char *a, *b;
    size_t alen, blen;
    ds_diff *d;
} diff_case;

static void diff_repro(diff_case *c, const char *name)
{
    size_t len;
    char *nul;
    ds_diff_options o = DS_DIFF_OPTIONS_INIT;
    memset(c, 0, sizeof *c);
    c->buf = repro(name, &len);
    cr_assert_geq(len, 1);
    if (c->buf[0] & 1)
        o.flags |= DS_DIFF_NO_MOVES;
    if (c->buf[0] & 2)
        o.flags |= DS_DIFF_NO_CLEANUP;
    if (c->buf[0] & 4)
        o.flags |= DS_DIFF_MINIMAL;
    if (c->buf[0] & 32)
        o.move_min_alnum = 1;
    c->a = c->buf + 1;
    nul = memchr(c->a, '\0', len - 1);
    c->alen = nul ? (size_t)(nul - c->a) : len - 1;
    c->b = nul ? nul + 1 : "";
    c->blen = nul ? len - 2 - c->alen : 0;
    cr_assert_eq(ds_diff_texts(&c->d, c->a, c->alen, c->b, c->blen, &o), 0, "%s", ds_error_last());
}

/* The edit-script invariant of docseal/diff.h: A and B rebuilt exactly from
 * the ops (EQUAL + DELETE of every entry but MOVED_TO tile A; EQUAL + INSERT
 * of every entry but MOVED_FROM tile B). */
static void check_rebuild(const diff_case *c)
{
    char *ra = calloc(1, c->alen + 1), *rb = calloc(1, c->blen + 1);
    size_t na = 0, nb = 0, k, i;
    cr_assert(ra && rb);
    for (k = 0; k < ds_diff_para_count(c->d); k++) {
        const ds_diff_para *p = ds_diff_para_at(c->d, k);
        for (i = p->first_op; i < p->first_op + p->op_count; i++) {
            const ds_diff_op *op = ds_diff_op_at(c->d, i);
            if (op->kind != DS_DIFF_OP_INSERT && p->kind != DS_DIFF_PARA_MOVED_TO) {
                cr_assert_eq(op->a_off, na);
                cr_assert_leq(na + op->a_len, c->alen);
                memcpy(ra + na, c->a + op->a_off, op->a_len);
                na += op->a_len;
            }
            if (op->kind != DS_DIFF_OP_DELETE && p->kind != DS_DIFF_PARA_MOVED_FROM) {
                const char *src =
                    op->kind == DS_DIFF_OP_EQUAL ? c->a + op->a_off : c->b + op->b_off;
                cr_assert_eq(op->b_off, nb);
                cr_assert_leq(nb + op->b_len, c->blen);
                memcpy(rb + nb, src, op->b_len);
                nb += op->b_len;
            }
        }
    }
    cr_assert_eq(na, c->alen);
    cr_assert_eq(nb, c->blen);
    cr_assert_eq(memcmp(ra, c->a, na), 0);
    cr_assert_eq(memcmp(rb, c->b, nb), 0);
    free(ra);
    free(rb);
}

static void diff_case_free(diff_case *c)
{
    ds_diff_free(c->d);
    free(c->buf);
}

/* diff_summary.c add_quote(): a quotation without words ("\"'" against "")
 * sorted an empty bag list at NULL + 0 (UBSan: applying zero offset to null
 * pointer). The quote must be reported as removed. */
Test(fuzz_regress, diff_quote_without_words_null_bags)
{
    diff_case c;
    const ds_diff_summary *s;
    char line[256];
    diff_repro(&c, "diff-quote-null-bags");
    s = ds_diff_get_summary(c.d);
    check_rebuild(&c);
    cr_assert_eq(s->classification, DS_DIFF_SUBSTANTIVE);
    cr_assert_eq(ds_diff_op_count(c.d), 1);
    cr_assert_eq(ds_diff_op_at(c.d, 0)->kind, DS_DIFF_OP_DELETE);
    cr_assert_eq(ds_diff_op_at(c.d, 0)->a_len, 2);
    cr_assert_eq(s->quote_count, 1);
    cr_assert_eq(s->quotes_removed, 1);
    cr_assert_eq(s->quotes[0].kind, DS_DIFF_QUOTE_REMOVED);
    cr_assert_null(s->quotes[0].new_text);
    ds_diff_summary_line(line, sizeof line, c.d);
    cr_assert_str_eq(line, "1 quote removed, 1 paragraph removed");
    diff_case_free(&c);
}

/* diff_build.c similarity(): a unit without words ("#" against "# s\ns")
 * computed bags + bag_first on a NULL bag array (NULL + 0). */
Test(fuzz_regress, diff_similarity_unit_without_words)
{
    diff_case c;
    diff_repro(&c, "diff-similarity-null-offset");
    cr_assert_eq(c.alen, 1);
    cr_assert_eq(c.blen, 5);
    check_rebuild(&c);
    cr_assert_eq(ds_diff_get_summary(c.d)->classification, DS_DIFF_SUBSTANTIVE);
    diff_case_free(&c);
}

/* diff_build.c word_diff() and diff_myers.c ds__myers(): a word diff of
 * "' n" against "'  n" passed NULL + 0 token arrays. Only white space
 * differs, so the change is cosmetic. */
Test(fuzz_regress, diff_word_diff_whitespace_only)
{
    diff_case c;
    char line[256];
    diff_repro(&c, "diff-word-diff-null-offset");
    cr_assert_eq(c.alen, 3);
    cr_assert_eq(c.blen, 4);
    check_rebuild(&c);
    cr_assert_eq(ds_diff_get_summary(c.d)->classification, DS_DIFF_COSMETIC);
    ds_diff_summary_line(line, sizeof line, c.d);
    cr_assert_str_eq(line, "cosmetic changes only");
    diff_case_free(&c);
}

/* diff_summary.c bag_dice(): comparing an old and a new quotation, one of
 * them without words (a quotation mark followed by spaces and an escape
 * byte), offset the NULL bag array before checking the counts (found by the
 * CI fuzz smoke run). The edit script must still rebuild both texts. */
Test(fuzz_regress, diff_quote_dice_without_words)
{
    diff_case c;
    diff_repro(&c, "diff-quote-dice-null-bags");
    check_rebuild(&c);
    cr_assert_eq(ds_diff_get_summary(c.d)->classification, DS_DIFF_SUBSTANTIVE);
    diff_case_free(&c);
}
