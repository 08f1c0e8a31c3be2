/*
 * diff_render_unified.c - unified line diff (the format of GNU diff -u and
 * POSIX diff -u) of the two normalized texts, which patch(1) applies to A to
 * give B. Headers are "--- <label A>" and "+++ <label B>" (no time stamps);
 * a last line without a newline is followed by "\ No newline at end of file".
 * Identical texts give no output.
 */
#include "diff_internal.h"

#include <stdlib.h>

typedef struct block {
    size_t i0, i1, j0, j1; /* A lines [i0, i1) replaced by B lines [j0, j1) */
} block;

static void range(ds__out *out, size_t start, size_t count)
{
    if (count == 0)
        ds__out_printf(out, "%zu,0", start);
    else if (count == 1)
        ds__out_printf(out, "%zu", start + 1);
    else
        ds__out_printf(out, "%zu,%zu", start + 1, count);
}

static void put_line(ds__out *out, char prefix, const char *text, const size_t *starts, size_t line)
{
    size_t s = starts[line], e = starts[line + 1];
    ds__out_put(out, &prefix, 1);
    ds__out_put(out, text + s, e - s);
    if (e == s || text[e - 1] != '\n')
        ds__out_puts(out, "\n\\ No newline at end of file\n");
}

int ds__render_unified(const ds_diff *d, const ds_diff_render_options *o, ds__out *out)
{
    size_t *la = NULL, *lb = NULL, nla = 0, nlb = 0, i = 0, j = 0, nblk = 0, cap = 0, k;
    unsigned char *ca = NULL, *cb = NULL;
    block *blk = NULL;
    size_t ctx = o->context >= 0 ? (size_t)o->context : 3;
    const char *A = d->text[0], *B = d->text[1];
    int err;

    if (d->summary.classification == DS_DIFF_IDENTICAL)
        return 0;
    if ((err = ds__line_diff(d, &la, &nla, &lb, &nlb, &ca, &cb)) < 0)
        return err;
    while (i < nla || j < nlb) {
        size_t i1 = i, j1 = j;
        if (i < nla && j < nlb && !ca[i] && !cb[j]) {
            i++, j++;
            continue;
        }
        while (i1 < nla && ca[i1])
            i1++;
        while (j1 < nlb && cb[j1])
            j1++;
        if (nblk == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            block *nv = ds__realloc(blk, ncap * sizeof *nv);
            if (!nv) {
                err = DS_ENOMEM;
                goto done;
            }
            blk = nv;
            cap = ncap;
        }
        blk[nblk++] = (block){i, i1, j, j1};
        i = i1, j = j1;
    }
    ds__out_printf(out, "--- %s\n+++ %s\n", o->a_label ? o->a_label : d->label[0],
                   o->b_label ? o->b_label : d->label[1]);
    for (k = 0; k < nblk;) {
        size_t first = k, last = k, hs_a, he_a, hs_b, he_b, x, y;
        /* join blocks separated by at most 2 * ctx unchanged lines */
        while (last + 1 < nblk && blk[last + 1].i0 - blk[last].i1 <= 2 * ctx)
            last++;
        hs_a = blk[first].i0 > ctx ? blk[first].i0 - ctx : 0;
        hs_b = blk[first].j0 - (blk[first].i0 - hs_a);
        he_a = blk[last].i1 + ctx < nla ? blk[last].i1 + ctx : nla;
        he_b = blk[last].j1 + (he_a - blk[last].i1);
        ds__out_puts(out, "@@ -");
        range(out, hs_a, he_a - hs_a);
        ds__out_puts(out, " +");
        range(out, hs_b, he_b - hs_b);
        ds__out_puts(out, " @@\n");
        x = hs_a, y = hs_b;
        for (k = first; k <= last; k++) {
            for (; x < blk[k].i0; x++, y++)
                put_line(out, ' ', A, la, x);
            for (; x < blk[k].i1; x++)
                put_line(out, '-', A, la, x);
            for (; y < blk[k].j1; y++)
                put_line(out, '+', B, lb, y);
        }
        for (; x < he_a; x++, y++)
            put_line(out, ' ', A, la, x);
        k = last + 1;
    }
    err = out->err;
done:
    free(la);
    free(lb);
    free(ca);
    free(cb);
    free(blk);
    return err;
}
