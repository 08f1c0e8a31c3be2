/*
 * diff_cleanup.c - semantic clean-up of a word-level edit script, and
 * cosmetic flags.
 *
 * A minimal script of a rewritten sentence keeps every coincidental match
 * ("the", a comma, a space) and so shreds the sentence into many small
 * edits. The clean-up removes an equality that is no longer than the edits
 * on either side of it (lengths in bytes: max(deleted, inserted) before it
 * and after it), as diff-match-patch's cleanupSemantic does, re-examining
 * the previous equality after each removal, then merges each run of edits
 * into one deletion followed by one insertion.
 */
#include "diff_internal.h"

#include <stdlib.h>

enum { OP_ELIM = 3 }; /* an equality turned into a deletion plus an insertion */

static void put_op(ds_diff_op *v, size_t *out, int kind, unsigned flags, size_t a_off, size_t a_len,
                   size_t b_off, size_t b_len)
{
    ds_diff_op *p;
    if (kind == DS_DIFF_OP_EQUAL ? a_len == 0 : (a_len == 0 && b_len == 0))
        return;
    if (*out) {
        p = &v[*out - 1];
        if ((int)p->kind == kind && p->flags == flags && p->a_off + p->a_len == a_off &&
            p->b_off + p->b_len == b_off) {
            p->a_len += a_len;
            p->b_len += b_len;
            return;
        }
    }
    p = &v[(*out)++];
    p->kind = (ds_diff_op_kind)kind;
    p->flags = flags;
    p->a_off = a_off;
    p->a_len = a_len;
    p->b_off = b_off;
    p->b_len = b_len;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

int ds__cleanup_merge(ds__opvec *o, const char *A, const char *B)
{
    size_t i = 0, out = 0, n = o->n;
    ds_diff_op *v = o->v, *w;
    /* a run of edits may grow into four ops: write into a new array */
    if (!n)
        return 0;
    if (!(w = ds__malloc(2 * n * sizeof *w + sizeof *w)))
        return DS_ENOMEM;
    while (i < n) {
        size_t a_start, b_start, a_len = 0, b_len = 0, lead = 0, trail = 0;
        unsigned flags;
        if (v[i].kind == DS_DIFF_OP_EQUAL) {
            ds_diff_op e = v[i++];
            put_op(w, &out, DS_DIFF_OP_EQUAL, e.flags, e.a_off, e.a_len, e.b_off, e.b_len);
            continue;
        }
        a_start = v[i].a_off, b_start = v[i].b_off, flags = v[i].flags;
        for (; i < n && v[i].kind != DS_DIFF_OP_EQUAL; i++) {
            if (v[i].kind != DS_DIFF_OP_INSERT)
                a_len += v[i].a_len;
            if ((int)v[i].kind != DS_DIFF_OP_DELETE)
                b_len += v[i].b_len;
            flags &= v[i].flags;
        }
        /* white space common to both ends of a replacement belongs outside it */
        if (a_len && b_len) {
            while (lead < a_len && lead < b_len && is_blank(A[a_start + lead]) &&
                   A[a_start + lead] == B[b_start + lead])
                lead++;
            while (trail < a_len - lead && trail < b_len - lead &&
                   is_blank(A[a_start + a_len - 1 - trail]) &&
                   A[a_start + a_len - 1 - trail] == B[b_start + b_len - 1 - trail])
                trail++;
        }
        put_op(w, &out, DS_DIFF_OP_EQUAL, 0, a_start, lead, b_start, lead);
        put_op(w, &out, DS_DIFF_OP_DELETE, flags, a_start + lead, a_len - lead - trail,
               b_start + lead, 0);
        put_op(w, &out, DS_DIFF_OP_INSERT, flags, a_start + a_len - trail, 0, b_start + lead,
               b_len - lead - trail);
        put_op(w, &out, DS_DIFF_OP_EQUAL, 0, a_start + a_len - trail, trail,
               b_start + b_len - trail, trail);
    }
    free(o->v);
    o->v = w;
    o->n = out;
    o->cap = 2 * n + 1;
    return 0;
}

int ds__cleanup_semantic(ds__opvec *o, const char *A, const char *B)
{
    size_t n = o->n, sp = 0, ins1 = 0, del1 = 0, ins2 = 0, del2 = 0;
    size_t *stack;
    ptrdiff_t p, last = -1;
    ds_diff_op *v = o->v;

    if (n < 3)
        return ds__cleanup_merge(o, A, B);
    if (!(stack = ds__malloc(n * sizeof *stack)))
        return DS_ENOMEM;
    for (p = 0; p < (ptrdiff_t)n; p++) {
        ds_diff_op *op = &v[p];
        if (op->kind == DS_DIFF_OP_EQUAL) {
            stack[sp++] = (size_t)p;
            ins1 = ins2, del1 = del2;
            ins2 = del2 = 0;
            last = p;
            continue;
        }
        if (op->kind != DS_DIFF_OP_INSERT)
            del2 += op->a_len;
        if ((int)op->kind != DS_DIFF_OP_DELETE)
            ins2 += op->b_len;
        if (last >= 0) {
            size_t len = v[last].a_len;
            if (len <= (ins1 > del1 ? ins1 : del1) && len <= (ins2 > del2 ? ins2 : del2)) {
                v[last].kind = (ds_diff_op_kind)OP_ELIM;
                sp--; /* the equality just eliminated */
                if (sp)
                    sp--; /* the one before, to be re-examined */
                p = sp ? (ptrdiff_t)stack[sp - 1] : -1;
                ins1 = del1 = ins2 = del2 = 0;
                last = -1;
            }
        }
    }
    free(stack);
    return ds__cleanup_merge(o, A, B);
}

int ds__mark_cosmetic(ds_diff_op *ops, size_t n, const char *a, const char *b)
{
    size_t i = 0;
    int all = 1;
    while (i < n) {
        size_t j, a_off = 0, a_len = 0, b_off = 0, b_len = 0;
        int have_a = 0, have_b = 0;
        if (ops[i].kind == DS_DIFF_OP_EQUAL) {
            i++;
            continue;
        }
        for (j = i; j < n && ops[j].kind != DS_DIFF_OP_EQUAL; j++) {
            if (ops[j].kind == DS_DIFF_OP_DELETE) {
                if (!have_a)
                    a_off = ops[j].a_off, have_a = 1;
                a_len += ops[j].a_len;
            } else {
                if (!have_b)
                    b_off = ops[j].b_off, have_b = 1;
                b_len += ops[j].b_len;
            }
        }
        /* compared with the unchanged text on both sides, the same in A and B:
         * a sign or a word boundary can lie just outside the change */
        if (!have_a)
            a_off = i ? ops[i - 1].a_off + ops[i - 1].a_len : j < n ? ops[j].a_off : 0;
        if (!have_b)
            b_off = i ? ops[i - 1].b_off + ops[i - 1].b_len : j < n ? ops[j].b_off : 0;
        a_len += a_off, b_len += b_off; /* now the ends */
        if (i)
            a_off = ops[i - 1].a_off, b_off = ops[i - 1].b_off;
        if (j < n) {
            a_len = ops[j].a_off + ops[j].a_len;
            b_len = ops[j].b_off + ops[j].b_len;
        }
        if (ds__cosmetic_equal(a + a_off, a_len - a_off, b + b_off, b_len - b_off)) {
            for (; i < j; i++)
                ops[i].flags |= DS_DIFF_OP_COSMETIC;
        } else
            all = 0;
        i = j;
    }
    return all;
}
