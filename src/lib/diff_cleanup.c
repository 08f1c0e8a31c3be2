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

void ds__cleanup_merge(ds__opvec *o)
{
    size_t i = 0, out = 0, n = o->n;
    ds_diff_op *v = o->v;
    while (i < n) {
        if (v[i].kind == DS_DIFF_OP_EQUAL) {
            if (out && v[out - 1].kind == DS_DIFF_OP_EQUAL && v[out - 1].flags == v[i].flags &&
                v[out - 1].a_off + v[out - 1].a_len == v[i].a_off &&
                v[out - 1].b_off + v[out - 1].b_len == v[i].b_off) {
                v[out - 1].a_len += v[i].a_len;
                v[out - 1].b_len += v[i].b_len;
            } else
                v[out++] = v[i];
            i++;
            continue;
        }
        {
            size_t a_start = v[i].a_off, b_start = v[i].b_off, a_len = 0, b_len = 0;
            unsigned flags = v[i].flags;
            for (; i < n && v[i].kind != DS_DIFF_OP_EQUAL; i++) {
                if (v[i].kind != DS_DIFF_OP_INSERT)
                    a_len += v[i].a_len;
                if ((int)v[i].kind != DS_DIFF_OP_DELETE)
                    b_len += v[i].b_len;
                flags &= v[i].flags;
            }
            if (a_len) {
                v[out].kind = DS_DIFF_OP_DELETE;
                v[out].flags = flags;
                v[out].a_off = a_start;
                v[out].a_len = a_len;
                v[out].b_off = b_start;
                v[out].b_len = 0;
                out++;
            }
            if (b_len) {
                v[out].kind = DS_DIFF_OP_INSERT;
                v[out].flags = flags;
                v[out].a_off = a_start + a_len;
                v[out].a_len = 0;
                v[out].b_off = b_start;
                v[out].b_len = b_len;
                out++;
            }
        }
    }
    o->n = out;
}

int ds__cleanup_semantic(ds__opvec *o)
{
    size_t n = o->n, sp = 0, ins1 = 0, del1 = 0, ins2 = 0, del2 = 0;
    size_t *stack;
    ptrdiff_t p, last = -1;
    ds_diff_op *v = o->v;

    if (n < 3) {
        ds__cleanup_merge(o);
        return 0;
    }
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
    ds__cleanup_merge(o);
    return 0;
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
        if (ds__cosmetic_equal(a + a_off, a_len, b + b_off, b_len)) {
            for (; i < j; i++)
                ops[i].flags |= DS_DIFF_OP_COSMETIC;
        } else
            all = 0;
        i = j;
    }
    return all;
}
