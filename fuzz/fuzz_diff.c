/* fuzz_diff.c - the diff engine (diff*.c) on two texts.
 *
 * Input: one option byte, then text A, a NUL byte, text B (no NUL: B is
 * empty). Option bits:
 *   0 DS_DIFF_NO_MOVES; 1 DS_DIFF_NO_CLEANUP; 2 DS_DIFF_MINIMAL;
 *   3 DS_DIFF_BORROW_TEXTS; 4 a tiny work budget (max_work 1..64), so the
 *   coarse fallback is reached; 5 move_min_alnum 1 instead of the default;
 *   6-7 unified context 0..3.
 *
 * Invariants (docseal/diff.h): never crashes or leaks; for two valid UTF-8
 * texts the diff succeeds; the edit script turns A into B exactly: the A
 * ranges of every entry except MOVED_TO tile A in order and the B ranges
 * of every entry except MOVED_FROM tile B in order, EQUAL ops join equal
 * bytes, no op splits a code point, peers are mutual; the classification is
 * IDENTICAL exactly when A == B; every renderer succeeds; the unified
 * diff applied to A gives B; the summary line fits in 256 bytes. */
#include "common.h"

/* Apply a unified diff to a (hunks in order, context checked), as patch(1). */
static void apply_unified(fz_buf *out, const char *a, size_t alen, const char *diff)
{
    const char *p = diff;
    size_t apos = 0, line_a = 0;
    if (!*p) {
        fz_put(out, a, alen);
        return;
    }
    FZ_CHECK(strncmp(p, "--- ", 4) == 0);
    p = strchr(p, '\n');
    FZ_CHECK(p != NULL);
    p++;
    FZ_CHECK(strncmp(p, "+++ ", 4) == 0);
    p = strchr(p, '\n');
    FZ_CHECK(p != NULL);
    p++;
    while (*p) {
        unsigned long s1, c1 = 1;
        char *e;
        FZ_CHECK(strncmp(p, "@@ -", 4) == 0);
        s1 = strtoul(p + 4, &e, 10);
        if (*e == ',')
            c1 = strtoul(e + 1, &e, 10);
        FZ_CHECK(strncmp(e, " +", 2) == 0);
        p = strchr(e, '\n');
        FZ_CHECK(p != NULL);
        p++;
        {
            size_t first = c1 ? s1 - 1 : s1;
            while (line_a < first) {
                const char *nl = memchr(a + apos, '\n', alen - apos);
                size_t end = nl ? (size_t)(nl - a) + 1 : alen;
                FZ_CHECK(apos < alen);
                fz_put(out, a + apos, end - apos);
                apos = end;
                line_a++;
            }
        }
        while (*p && *p != '@') {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
            int nonl = strncmp(p + n, "\\ No newline at end of file\n", 28) == 0;
            size_t tl = nonl ? n - 1 : n;
            FZ_CHECK(tl >= 1);
            if (*p == ' ' || *p == '-') {
                FZ_CHECK(apos + tl - 1 <= alen && memcmp(a + apos, p + 1, tl - 1) == 0);
                if (*p == ' ')
                    fz_put(out, p + 1, tl - 1);
                apos += tl - 1;
                line_a++;
            } else {
                FZ_CHECK(*p == '+');
                fz_put(out, p + 1, tl - 1);
            }
            p += n;
            if (nonl)
                p += 28;
        }
    }
    fz_put(out, a + apos, alen - apos);
}

static int is_cont(const char *s, size_t len, size_t off)
{
    return off < len && ((unsigned char)s[off] & 0xC0) == 0x80;
}

static void check_script(const ds_diff *d, const char *a, size_t alen, const char *b, size_t blen)
{
    fz_buf ra = {0}, rb = {0};
    size_t apos = 0, bpos = 0, np = ds_diff_para_count(d), nops = ds_diff_op_count(d), k, i;
    const ds_diff_summary *s = ds_diff_get_summary(d);

    for (k = 0; k < np; k++) {
        const ds_diff_para *p = ds_diff_para_at(d, k);
        int tiles_a, tiles_b;
        FZ_CHECK(p != NULL);
        tiles_a = p->kind != DS_DIFF_PARA_MOVED_TO;
        tiles_b = p->kind != DS_DIFF_PARA_MOVED_FROM;
        if (p->kind == DS_DIFF_PARA_MOVED_FROM || p->kind == DS_DIFF_PARA_MOVED_TO) {
            const ds_diff_para *q = ds_diff_para_at(d, p->peer);
            FZ_CHECK(q != NULL && q->peer == k);
            FZ_CHECK(q->kind == (p->kind == DS_DIFF_PARA_MOVED_FROM ? DS_DIFF_PARA_MOVED_TO
                                                                    : DS_DIFF_PARA_MOVED_FROM));
        } else {
            FZ_CHECK(p->peer == DS_DIFF_NONE);
        }
        FZ_CHECK(p->a_off + p->a_len <= alen && p->b_off + p->b_len <= blen);
        FZ_CHECK(p->first_op <= nops && p->op_count <= nops - p->first_op);
        for (i = p->first_op; i < p->first_op + p->op_count; i++) {
            const ds_diff_op *op = ds_diff_op_at(d, i);
            FZ_CHECK(op != NULL);
            FZ_CHECK(op->a_off <= alen && op->a_len <= alen - op->a_off);
            FZ_CHECK(op->b_off <= blen && op->b_len <= blen - op->b_off);
            FZ_CHECK(!is_cont(a, alen, op->a_off) && !is_cont(a, alen, op->a_off + op->a_len));
            FZ_CHECK(!is_cont(b, blen, op->b_off) && !is_cont(b, blen, op->b_off + op->b_len));
            switch (op->kind) {
            case DS_DIFF_OP_EQUAL:
                FZ_CHECK(op->a_len == op->b_len);
                FZ_CHECK(memcmp(a + op->a_off, b + op->b_off, op->a_len) == 0);
                if (tiles_a) {
                    FZ_CHECK(op->a_off == apos);
                    apos += op->a_len;
                    fz_put(&ra, a + op->a_off, op->a_len);
                }
                if (tiles_b) {
                    FZ_CHECK(op->b_off == bpos);
                    bpos += op->b_len;
                    fz_put(&rb, a + op->a_off, op->a_len); /* copied from A */
                }
                break;
            case DS_DIFF_OP_DELETE:
                FZ_CHECK(op->b_len == 0 && op->a_len > 0);
                if (tiles_a) {
                    FZ_CHECK(op->a_off == apos);
                    apos += op->a_len;
                    fz_put(&ra, a + op->a_off, op->a_len);
                }
                break;
            case DS_DIFF_OP_INSERT:
                FZ_CHECK(op->a_len == 0 && op->b_len > 0);
                FZ_CHECK(tiles_b);
                FZ_CHECK(op->b_off == bpos);
                bpos += op->b_len;
                fz_put(&rb, b + op->b_off, op->b_len);
                break;
            default:
                FZ_CHECK(!"bad op kind");
            }
        }
    }
    FZ_CHECK(ra.n == alen && (alen == 0 || memcmp(ra.p, a, alen) == 0));
    FZ_CHECK(rb.n == blen && (blen == 0 || memcmp(rb.p, b, blen) == 0));
    free(ra.p);
    free(rb.p);
    FZ_CHECK((s->classification == DS_DIFF_IDENTICAL) == (alen == blen && memcmp(a, b, alen) == 0));
    FZ_CHECK(s->paragraphs_added <= s->paragraphs_b && s->paragraphs_removed <= s->paragraphs_a);
    FZ_CHECK(s->quotes == NULL || s->quote_count > 0);
    for (i = 0; i < s->quote_count; i++)
        FZ_CHECK(s->quotes[i].old_text || s->quotes[i].new_text);
    for (i = 0; i < s->number_count; i++)
        FZ_CHECK(s->numbers[i].old_text || s->numbers[i].new_text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ds_diff_options o = DS_DIFF_OPTIONS_INIT;
    ds_diff_render_options ro = DS_DIFF_RENDER_OPTIONS_INIT;
    ds_diff *d = NULL;
    const char *a, *b, *nul;
    size_t alen, blen;
    unsigned cfg;
    int err;

    if (size < 1)
        return 0;
    cfg = data[0];
    a = (const char *)data + 1;
    size--;
    nul = memchr(a, '\0', size);
    alen = nul ? (size_t)(nul - a) : size;
    b = nul ? nul + 1 : "";
    blen = nul ? size - alen - 1 : 0;

    if (cfg & 1)
        o.flags |= DS_DIFF_NO_MOVES;
    if (cfg & 2)
        o.flags |= DS_DIFF_NO_CLEANUP;
    if (cfg & 4)
        o.flags |= DS_DIFF_MINIMAL;
    if (cfg & 8)
        o.flags |= DS_DIFF_BORROW_TEXTS;
    if (cfg & 16)
        o.max_work = 1 + (alen + blen) % 64;
    if (cfg & 32)
        o.move_min_alnum = 1;

    err = ds_diff_texts(&d, a, alen, b, blen, &o);
    if (fz_utf8_ok(a, alen) && fz_utf8_ok(b, blen) && memchr(b, '\0', blen) == NULL)
        FZ_CHECK(err == 0); /* any valid UTF-8 works */
    if (err == 0) {
        static const ds_diff_format fmts[] = {DS_DIFF_FORMAT_PLAIN, DS_DIFF_FORMAT_COLOR,
                                              DS_DIFF_FORMAT_JSON, DS_DIFF_FORMAT_HTML,
                                              DS_DIFF_FORMAT_SUMMARY};
        ds_sink null_sink = {fz_null_write, NULL};
        fz_buf u = {0}, patched = {0};
        ds_sink us = {fz_sink_write, &u};
        char line[256];
        size_t k, n;
        const char *ta;
        size_t tl;

        FZ_CHECK(d != NULL);
        ta = ds_diff_text(d, 0, &tl);
        FZ_CHECK(tl == alen && (alen == 0 || memcmp(ta, a, alen) == 0));
        ta = ds_diff_text(d, 1, &tl);
        FZ_CHECK(tl == blen && (blen == 0 || memcmp(ta, b, blen) == 0));
        check_script(d, a, alen, b, blen);
        n = ds_diff_summary_line(line, sizeof line, d);
        FZ_CHECK(n < sizeof line && strlen(line) == n && fz_utf8_ok(line, n));
        for (k = 0; k < sizeof fmts / sizeof *fmts; k++) {
            ro.context = (long)((cfg >> 6) & 3) - 1;
            ro.flags = (unsigned)k & 1 ? DS_DIFF_RENDER_HIDE_COSMETIC : 0;
            FZ_CHECK(ds_diff_render(d, fmts[k], &ro, &null_sink) == 0);
        }
        ro.flags = 0;
        ro.context = (long)((cfg >> 6) & 3);
        FZ_CHECK(ds_diff_render(d, DS_DIFF_FORMAT_UNIFIED, &ro, &us) == 0);
        fz_put(&u, "", 0);
        apply_unified(&patched, a, alen, u.p);
        FZ_CHECK(patched.n == blen && (blen == 0 || memcmp(patched.p, b, blen) == 0));
        free(u.p);
        free(patched.p);
    } else {
        FZ_CHECK(d == NULL);
    }
    ds_diff_free(d);
    return 0;
}
