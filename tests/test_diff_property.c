/* test_diff_property.c - the diff engine's invariants on many random pairs:
 * the edit script turns A into B exactly, ops tile both texts, never split a
 * code point, and every renderer works (the unified diff applied to A gives
 * B, the JSON ops rebuild both texts). Seeded, so failures reproduce. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"
#include "docseal/docseal.h"
#include "testutil.h"

/* ---- PRNG (xorshift64*) -------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}
static size_t rndn(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

/* ---- growable string ------------------------------------------------------- */

typedef struct str {
    char *p;
    size_t n, cap;
} str;

static void sput(str *s, const char *p, size_t n)
{
    if (s->n + n + 1 > s->cap) {
        s->cap = (s->n + n + 1) * 2;
        s->p = realloc(s->p, s->cap);
        cr_assert_not_null(s->p);
    }
    memcpy(s->p + s->n, p, n);
    s->n += n;
    s->p[s->n] = '\0';
}
static void sputs(str *s, const char *p)
{
    sput(s, p, strlen(p));
}

/* ---- random material ------------------------------------------------------------ */

static const char *const pieces[] = {"the",
                                     "Putin",
                                     "Kim",
                                     "Jong-un",
                                     "13,000",
                                     "3.5",
                                     "2018-01-11",
                                     "1.5bn",
                                     "North’s",
                                     "don't",
                                     "“",
                                     "”",
                                     "\"",
                                     "'",
                                     "‘",
                                     "’",
                                     "«",
                                     "»",
                                     ",",
                                     ".",
                                     ";",
                                     "—",
                                     "–",
                                     "-",
                                     "(",
                                     ")",
                                     "*",
                                     "Москва",
                                     "北京",
                                     "東京都",
                                     "の",
                                     "한국어",
                                     "مرحبا",
                                     "שָׁלוֹם",
                                     "e\xCC\x81",
                                     "n\xCC\x83o",
                                     "a\xCC\x8A\xCC\x81",
                                     "👍🏽",
                                     "👨‍👩‍👧",
                                     "🇫🇷",
                                     "\xE2\x80\x8B",
                                     "\xC2\xAD",
                                     "Ǆ",
                                     "ΣΊΣΥΦΟΣ",
                                     "ﬁ",
                                     "١٢٣",
                                     "१२३",
                                     "x",
                                     "A",
                                     "9",
                                     "0.5%",
                                     "$5",
                                     "€",
                                     "&",
                                     "<b>",
                                     "\\"};
static const char *const spaces[] = {
    " ",  " ",    " ",    " ",   "  ",   "\t", "\xC2\xA0", "\xE3\x80\x80",
    "\n", "\n\n", "\n\n", " \n", "\n \n"};

static void random_text(str *s, size_t words)
{
    for (size_t i = 0; i < words; i++) {
        sputs(s, pieces[rndn(sizeof pieces / sizeof *pieces)]);
        if (rndn(3))
            sputs(s, spaces[rndn(sizeof spaces / sizeof *spaces)]);
    }
    if (rndn(2))
        sputs(s, "\n");
}

/* Split text at spaces into words (keeping separators) for edits. */
static void random_edit(str *out, const char *a, size_t alen)
{
    size_t i = 0, nedits = 1 + rndn(12), k;
    /* choose edit positions as byte offsets on ASCII space boundaries */
    size_t pos[16];
    for (k = 0; k < nedits; k++)
        pos[k] = rndn(alen + 1);
    /* sort */
    for (size_t x = 1; x < nedits; x++)
        for (size_t y = x; y > 0 && pos[y - 1] > pos[y]; y--) {
            size_t t = pos[y];
            pos[y] = pos[y - 1];
            pos[y - 1] = t;
        }
    for (k = 0; k < nedits; k++) {
        size_t p = pos[k], q;
        /* move to a code point boundary */
        while (p < alen && ((unsigned char)a[p] & 0xC0) == 0x80)
            p++;
        if (p < i)
            continue;
        sput(out, a + i, p - i);
        i = p;
        switch (rndn(8)) {
        case 0: /* delete some bytes up to a space */
        case 1:
            q = i + rndn(60);
            while (q < alen && a[q] != ' ' && a[q] != '\n')
                q++;
            i = q < alen ? q : alen;
            break;
        case 2: /* insert words */
        case 3:
            random_text(out, 1 + rndn(6));
            break;
        case 4: /* replace */
            q = i + rndn(30);
            while (q < alen && ((unsigned char)a[q] & 0xC0) == 0x80)
                q++;
            i = q < alen ? q : alen;
            random_text(out, 1 + rndn(3));
            break;
        case 5: /* paragraph break or join */
            sputs(out, rndn(2) ? "\n\n" : " ");
            break;
        case 6: /* duplicate a chunk from elsewhere (moves, repeats) */
        {
            size_t from = rndn(alen), len = rndn(400);
            while (from < alen && ((unsigned char)a[from] & 0xC0) == 0x80)
                from++;
            if (from + len > alen)
                len = alen - from;
            while (len && from + len < alen && ((unsigned char)a[from + len] & 0xC0) == 0x80)
                len--;
            sput(out, a + from, len);
            break;
        }
        default: /* case flip of an ASCII letter */
            if (i < alen && a[i] >= 'a' && a[i] <= 'z') {
                char c = (char)(a[i] - 32);
                sput(out, &c, 1);
                i++;
            }
            break;
        }
    }
    sput(out, a + i, alen - i);
}

/* ---- checks ------------------------------------------------------------------ */

static int is_cont(const char *s, size_t len, size_t off)
{
    return off < len && ((unsigned char)s[off] & 0xC0) == 0x80;
}

static void check_script(const ds_diff *d, const char *a, size_t alen, const char *b, size_t blen,
                         uint64_t seed)
{
    str ra = {0}, rb = {0};
    size_t apos = 0, bpos = 0, np = ds_diff_para_count(d), k, i;
    for (k = 0; k < np; k++) {
        const ds_diff_para *p = ds_diff_para_at(d, k);
        int tiles_a = p->kind != DS_DIFF_PARA_MOVED_TO,
            tiles_b = p->kind != DS_DIFF_PARA_MOVED_FROM;
        if (p->peer != DS_DIFF_NONE) {
            const ds_diff_para *q = ds_diff_para_at(d, p->peer);
            cr_assert_not_null(q, "seed %llu: bad peer", (unsigned long long)seed);
            cr_assert_eq(q->peer, k, "seed %llu: peers not mutual", (unsigned long long)seed);
        }
        for (i = p->first_op; i < p->first_op + p->op_count; i++) {
            const ds_diff_op *op = ds_diff_op_at(d, i);
            cr_assert_not_null(op);
            cr_assert(!is_cont(a, alen, op->a_off) && !is_cont(a, alen, op->a_off + op->a_len),
                      "seed %llu: op splits a code point of A", (unsigned long long)seed);
            cr_assert(!is_cont(b, blen, op->b_off) && !is_cont(b, blen, op->b_off + op->b_len),
                      "seed %llu: op splits a code point of B", (unsigned long long)seed);
            switch (op->kind) {
            case DS_DIFF_OP_EQUAL:
                cr_assert_eq(op->a_len, op->b_len);
                cr_assert(op->a_off + op->a_len <= alen && op->b_off + op->b_len <= blen);
                cr_assert(memcmp(a + op->a_off, b + op->b_off, op->a_len) == 0,
                          "seed %llu: EQUAL op with different bytes", (unsigned long long)seed);
                if (tiles_a) {
                    cr_assert_eq(op->a_off, apos, "seed %llu: A not tiled (op %zu)",
                                 (unsigned long long)seed, i);
                    apos += op->a_len;
                    sput(&ra, a + op->a_off, op->a_len);
                }
                if (tiles_b) {
                    cr_assert_eq(op->b_off, bpos, "seed %llu: B not tiled (op %zu)",
                                 (unsigned long long)seed, i);
                    bpos += op->b_len;
                    sput(&rb, a + op->a_off, op->a_len); /* copied from A */
                }
                break;
            case DS_DIFF_OP_DELETE:
                cr_assert_eq(op->b_len, 0);
                cr_assert(op->a_len > 0);
                if (tiles_a) {
                    cr_assert_eq(op->a_off, apos, "seed %llu: A not tiled at delete",
                                 (unsigned long long)seed);
                    apos += op->a_len;
                    sput(&ra, a + op->a_off, op->a_len);
                }
                break;
            case DS_DIFF_OP_INSERT:
                cr_assert_eq(op->a_len, 0);
                cr_assert(op->b_len > 0);
                cr_assert(tiles_b, "seed %llu: insert in a moved-from entry",
                          (unsigned long long)seed);
                cr_assert_eq(op->b_off, bpos, "seed %llu: B not tiled at insert",
                             (unsigned long long)seed);
                bpos += op->b_len;
                sput(&rb, b + op->b_off, op->b_len);
                break;
            default:
                cr_assert_fail("bad op kind");
            }
        }
    }
    cr_assert_eq(ra.n, alen, "seed %llu: A rebuilt with %zu of %zu bytes", (unsigned long long)seed,
                 ra.n, alen);
    cr_assert_eq(rb.n, blen, "seed %llu: B rebuilt with %zu of %zu bytes", (unsigned long long)seed,
                 rb.n, blen);
    cr_assert(alen == 0 || memcmp(ra.p, a, alen) == 0, "seed %llu: A differs",
              (unsigned long long)seed);
    cr_assert(blen == 0 || memcmp(rb.p, b, blen) == 0, "seed %llu: B differs",
              (unsigned long long)seed);
    free(ra.p);
    free(rb.p);
    {
        const ds_diff_summary *s = ds_diff_get_summary(d);
        int same = alen == blen && memcmp(a, b, alen) == 0;
        cr_assert_eq(s->classification == DS_DIFF_IDENTICAL, same);
    }
    /* the cosmetic flags agree with the classification, and a cosmetic
     * classification never hides a difference in the cosmetic keys */
    {
        const ds_diff_summary *s = ds_diff_get_summary(d);
        int all = 1;
        for (size_t k = 0; k < ds_diff_para_count(d); k++) {
            const ds_diff_para *p = ds_diff_para_at(d, k);
            if (p->kind == DS_DIFF_PARA_EQUAL)
                continue;
            if (!(p->flags & DS_DIFF_PARA_COSMETIC)) {
                all = 0;
                continue;
            }
            for (size_t t = p->first_op; t < p->first_op + p->op_count; t++)
                cr_assert(ds_diff_op_at(d, t)->kind == DS_DIFF_OP_EQUAL ||
                              (ds_diff_op_at(d, t)->flags & DS_DIFF_OP_COSMETIC),
                          "seed %llu: op %zu of cosmetic entry %zu", (unsigned long long)seed, t,
                          k);
        }
        if (s->classification != DS_DIFF_IDENTICAL)
            cr_assert_eq(s->classification == DS_DIFF_COSMETIC, all, "seed %llu",
                         (unsigned long long)seed);
        if (s->classification == DS_DIFF_COSMETIC)
            cr_assert(ds__cosmetic_equal(a, alen, b, blen), "seed %llu", (unsigned long long)seed);
        else if (s->classification == DS_DIFF_SUBSTANTIVE && !s->paragraphs_moved)
            cr_assert(!ds__cosmetic_equal(a, alen, b, blen), "seed %llu", (unsigned long long)seed);
    }
}

static int sink_str(void *ctx, const void *buf, size_t len)
{
    sput(ctx, buf, len);
    return 0;
}

/* Apply a unified diff to a (a minimal patch(1): hunks in order, context
 * checked). */
static void apply_unified(str *out, const char *a, size_t alen, const char *diff, uint64_t seed)
{
    const char *p = diff;
    size_t apos = 0, line_a = 0;
    if (!*p) {
        sput(out, a, alen);
        return;
    }
    cr_assert(strncmp(p, "--- ", 4) == 0, "seed %llu: no --- header", (unsigned long long)seed);
    p = strchr(p, '\n') + 1;
    cr_assert(strncmp(p, "+++ ", 4) == 0);
    p = strchr(p, '\n') + 1;
    while (*p) {
        unsigned long s1, c1 = 1, s2, c2 = 1;
        cr_assert(strncmp(p, "@@ -", 4) == 0, "seed %llu: bad hunk header: %.40s",
                  (unsigned long long)seed, p);
        s1 = strtoul(p + 4, (char **)&p, 10);
        if (*p == ',')
            c1 = strtoul(p + 1, (char **)&p, 10);
        cr_assert(strncmp(p, " +", 2) == 0);
        s2 = strtoul(p + 2, (char **)&p, 10);
        if (*p == ',')
            c2 = strtoul(p + 1, (char **)&p, 10);
        (void)s2, (void)c2;
        p = strchr(p, '\n') + 1;
        /* copy unchanged lines before the hunk */
        {
            size_t first = c1 ? s1 - 1 : s1;
            while (line_a < first) {
                const char *nl = memchr(a + apos, '\n', alen - apos);
                size_t e = nl ? (size_t)(nl - a) + 1 : alen;
                sput(out, a + apos, e - apos);
                apos = e;
                line_a++;
            }
        }
        while (*p && *p != '@') {
            const char *nl = strchr(p, '\n');
            size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
            int nonl = strncmp(p + n, "\\ No newline at end of file\n", 28) == 0;
            size_t tl = nonl ? n - 1 : n; /* the line's own bytes */
            if (*p == ' ' || *p == '-') {
                cr_assert(apos + tl - 1 <= alen && memcmp(a + apos, p + 1, tl - 1) == 0,
                          "seed %llu: context mismatch", (unsigned long long)seed);
                if (*p == ' ')
                    sput(out, p + 1, tl - 1);
                apos += tl - 1;
                line_a++;
            } else {
                cr_assert_eq(*p, '+', "seed %llu: bad hunk line", (unsigned long long)seed);
                sput(out, p + 1, tl - 1);
            }
            p += n;
            if (nonl)
                p += 28;
        }
    }
    sput(out, a + apos, alen - apos);
}

static void check_renderers(const ds_diff *d, const char *a, size_t alen, const char *b,
                            size_t blen, uint64_t seed)
{
    static const ds_diff_format fmts[] = {DS_DIFF_FORMAT_PLAIN, DS_DIFF_FORMAT_COLOR,
                                          DS_DIFF_FORMAT_HTML, DS_DIFF_FORMAT_SUMMARY};
    ds_diff_render_options ro = DS_DIFF_RENDER_OPTIONS_INIT;
    str s = {0}, patched = {0};
    ds_sink sink = {sink_str, &s};
    json_t *root, *paras;
    json_error_t jerr;
    str ja = {0}, jb = {0};
    size_t k;
    for (k = 0; k < sizeof fmts / sizeof *fmts; k++) {
        s.n = 0;
        ro.context = (long)rndn(3) - 1;
        cr_assert_eq(ds_diff_render(d, fmts[k], &ro, &sink), 0, "seed %llu: render %d: %s",
                     (unsigned long long)seed, (int)fmts[k], ds_error_last());
    }
    /* unified, applied */
    s.n = 0;
    if (s.p)
        s.p[0] = '\0';
    ro.context = (long)rndn(4);
    cr_assert_eq(ds_diff_render(d, DS_DIFF_FORMAT_UNIFIED, &ro, &sink), 0);
    sput(&s, "", 0);
    apply_unified(&patched, a, alen, s.p, seed);
    cr_assert_eq(patched.n, blen, "seed %llu: patched length %zu, want %zu",
                 (unsigned long long)seed, patched.n, blen);
    cr_assert(blen == 0 || memcmp(patched.p, b, blen) == 0, "seed %llu: patch result differs",
              (unsigned long long)seed);
    /* JSON rebuilds both texts */
    s.n = 0;
    cr_assert_eq(ds_diff_render(d, DS_DIFF_FORMAT_JSON, NULL, &sink), 0);
    root = json_loadb(s.p, s.n, 0, &jerr);
    cr_assert_not_null(root, "seed %llu: bad JSON: %s", (unsigned long long)seed, jerr.text);
    paras = json_object_get(root, "paragraphs");
    for (k = 0; k < json_array_size(paras); k++) {
        json_t *p = json_array_get(paras, k), *ops = json_object_get(p, "ops");
        const char *kind = json_string_value(json_object_get(p, "kind"));
        for (size_t i = 0; i < json_array_size(ops); i++) {
            json_t *op = json_array_get(ops, i);
            const char *o = json_string_value(json_object_get(op, "op"));
            json_t *t = json_object_get(op, "text");
            if (strcmp(kind, "moved_to") != 0 && (*o == '=' || *o == '-'))
                sput(&ja, json_string_value(t), json_string_length(t));
            if (strcmp(kind, "moved_from") != 0 && (*o == '=' || *o == '+'))
                sput(&jb, json_string_value(t), json_string_length(t));
        }
    }
    cr_assert(ja.n == alen && (alen == 0 || memcmp(ja.p, a, alen) == 0),
              "seed %llu: JSON does not rebuild A", (unsigned long long)seed);
    cr_assert(jb.n == blen && (blen == 0 || memcmp(jb.p, b, blen) == 0),
              "seed %llu: JSON does not rebuild B", (unsigned long long)seed);
    json_decref(root);
    free(s.p);
    free(patched.p);
    free(ja.p);
    free(jb.p);
}

static void one_pair(const char *a, size_t alen, const char *b, size_t blen, uint64_t seed,
                     int renderers)
{
    ds_diff *d = NULL;
    ds_diff_options o = DS_DIFF_OPTIONS_INIT;
    switch (seed % 7) {
    case 0:
        o.max_work = 1 + rndn(2000); /* force the fallback path */
        break;
    case 1:
        o.flags = DS_DIFF_NO_CLEANUP;
        break;
    case 2:
        o.flags = DS_DIFF_NO_MOVES;
        break;
    case 3:
        o.flags = DS_DIFF_MINIMAL;
        break;
    case 4:
        o.move_min_alnum = 1;
        break;
    default:
        break;
    }
    cr_assert_eq(ds_diff_texts(&d, a, alen, b, blen, &o), 0, "seed %llu: %s",
                 (unsigned long long)seed, ds_error_last());
    check_script(d, a, alen, b, blen, seed);
    if (renderers)
        check_renderers(d, a, alen, b, blen, seed);
    ds_diff_free(d);
}

Test(diff_property, edits_of_the_seed_article, .timeout = 600)
{
    size_t seedlen;
    char *seed_text = tu_read(tu_src("fixtures/diff/seed.txt"), &seedlen);
    for (uint64_t s = 1; s <= 1500; s++) {
        str b = {0}, a = {0};
        rng_state = s * 0x9E3779B97F4A7C15ull;
        /* A: the seed or an edit of it; B: an edit of A */
        if (rndn(4) == 0)
            random_edit(&a, seed_text, seedlen);
        else
            sput(&a, seed_text, seedlen);
        random_edit(&b, a.p, a.n);
        if (rndn(8) == 0) { /* swap two paragraphs of B: a move */
            char *x = strstr(b.p, "\n\n"), *y = x ? strstr(x + 2, "\n\n") : NULL;
            char *z = y ? strstr(y + 2, "\n\n") : NULL;
            if (x && y && z) {
                str c = {0};
                sput(&c, b.p, (size_t)(x - b.p) + 2);
                sput(&c, y + 2, (size_t)(z - y) - 2);
                sputs(&c, "\n\n");
                sput(&c, x + 2, (size_t)(y - x) - 2);
                sputs(&c, z);
                free(b.p);
                b = c;
            }
        }
        one_pair(a.p, a.n, b.p, b.n, s, s % 5 == 0);
        free(a.p);
        free(b.p);
    }
    free(seed_text);
}

Test(diff_property, random_unicode_texts, .timeout = 600)
{
    for (uint64_t s = 1; s <= 500; s++) {
        str a = {0}, b = {0};
        rng_state = (s + 1000003) * 0xD1B54A32D192ED03ull;
        random_text(&a, rndn(200));
        if (rndn(3))
            random_edit(&b, a.p ? a.p : "", a.n);
        else
            random_text(&b, rndn(200));
        one_pair(a.p ? a.p : "", a.n, b.p ? b.p : "", b.n, s, s % 3 == 0);
        free(a.p);
        free(b.p);
    }
}

/* ---- reorderings: a paragraph in both texts is never lost nor edited ---------- */

/* Body paragraphs of side w (0 = A, 1 = B) with the same text as entry k's. */
static size_t copies(const ds_diff *d, int w, const char *t, size_t n)
{
    const char *T = ds_diff_text(d, w, NULL);
    size_t c = 0;
    for (size_t k = 0; k < ds_diff_para_count(d); k++) {
        const ds_diff_para *p = ds_diff_para_at(d, k);
        size_t off = w ? p->b_off : p->a_off, len = w ? p->b_len : p->a_len;
        if (p->role != DS_DIFF_ROLE_BODY || (w ? p->b_line : p->a_line) == DS_DIFF_NONE ||
            p->kind == (w ? DS_DIFF_PARA_MOVED_FROM : DS_DIFF_PARA_MOVED_TO))
            continue;
        c += len == n && memcmp(T + off, t, n) == 0;
    }
    return c;
}

/* Every body paragraph of A that is deleted, edited in place, or moved with
 * edits is one of the copies A has more than B (and likewise for B); with
 * DS_DIFF_NO_MOVES, deletions and insertions may be moves not shown. */
static void check_exact_kept(const ds_diff *d, int no_moves, uint64_t seed)
{
    const char *T[2] = {ds_diff_text(d, 0, NULL), ds_diff_text(d, 1, NULL)};
    for (int w = 0; w < 2; w++) {
        for (size_t k = 0; k < ds_diff_para_count(d); k++) {
            const ds_diff_para *p = ds_diff_para_at(d, k), *q;
            size_t off = w ? p->b_off : p->a_off, len = w ? p->b_len : p->a_len, lost = 0, ca, cb;
            int edited_move =
                p->kind == DS_DIFF_PARA_MOVED_TO &&
                (p->a_len != p->b_len || memcmp(T[0] + p->a_off, T[1] + p->b_off, p->a_len) != 0);
            int counts =
                p->kind == DS_DIFF_PARA_CHANGED || edited_move ||
                (!no_moves && p->kind == (w ? DS_DIFF_PARA_INSERTED : DS_DIFF_PARA_DELETED));
            if (p->role != DS_DIFF_ROLE_BODY || !counts)
                continue;
            ca = copies(d, 0, T[w] + off, len);
            cb = copies(d, 1, T[w] + off, len);
            /* entries of this text that count, on this side */
            for (size_t j = 0; j < ds_diff_para_count(d); j++) {
                q = ds_diff_para_at(d, j);
                if (q->role != DS_DIFF_ROLE_BODY || (w ? q->b_len : q->a_len) != len ||
                    memcmp(T[w] + (w ? q->b_off : q->a_off), T[w] + off, len) != 0)
                    continue;
                if (q->kind == DS_DIFF_PARA_CHANGED ||
                    (q->kind == DS_DIFF_PARA_MOVED_TO &&
                     (q->a_len != q->b_len ||
                      memcmp(T[0] + q->a_off, T[1] + q->b_off, q->a_len) != 0)) ||
                    (!no_moves && q->kind == (w ? DS_DIFF_PARA_INSERTED : DS_DIFF_PARA_DELETED)))
                    lost++;
            }
            cr_assert(lost <= (w ? (cb > ca ? cb - ca : 0) : (ca > cb ? ca - cb : 0)),
                      "seed %llu: %s paragraph \"%.*s\" (%zu in A, %zu in B) reported %zu "
                      "times as %s",
                      (unsigned long long)seed, w ? "B" : "A", (int)len, T[w] + off, ca, cb, lost,
                      p->kind == DS_DIFF_PARA_CHANGED ? "edited" : "lost");
        }
    }
}

Test(diff_property, reorderings_never_edit, .timeout = 600)
{
    size_t seedlen;
    char *seed_text = tu_read(tu_src("fixtures/diff/seed.txt"), &seedlen);
    for (uint64_t s = 1; s <= 600; s++) {
        str a = {0}, b = {0}, c = {0};
        const char *para[128];
        size_t plen[128], np = 0, k;
        const char *p, *end;
        ds_diff *d = NULL;
        ds_diff_options o = DS_DIFF_OPTIONS_INIT;
        rng_state = (s + 77) * 0x9E3779B97F4A7C15ull;
        if (rndn(3) == 0)
            random_edit(&a, seed_text, seedlen);
        else
            sput(&a, seed_text, seedlen);
        /* B: A's lines (the header too, sometimes) shuffled by random swaps,
         * some dropped or repeated, and sometimes a few real edits */
        for (p = a.p, end = a.p + a.n; p < end && np < 128;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            if (n) {
                para[np] = p;
                plen[np++] = n;
            }
            p += n + 1;
        }
        for (k = rndn(np + 1); k > 0 && np > 1; k--) {
            size_t x = rndn(np), y = rndn(np);
            const char *t = para[x];
            size_t tl = plen[x];
            para[x] = para[y], plen[x] = plen[y];
            para[y] = t, plen[y] = tl;
        }
        for (k = 0; k < np; k++) {
            size_t r = rndn(20);
            if (r == 0)
                continue; /* dropped */
            sput(&c, para[k], plen[k]);
            sputs(&c, "\n\n");
            if (r == 1) { /* repeated */
                sput(&c, para[k], plen[k]);
                sputs(&c, "\n\n");
            }
        }
        if (rndn(3) == 0)
            random_edit(&b, c.p ? c.p : "", c.n);
        else
            sput(&b, c.p ? c.p : "", c.n);
        switch (s % 5) {
        case 0:
            o.max_work = 1 + rndn(2000);
            break;
        case 1:
            o.flags = DS_DIFF_NO_MOVES;
            break;
        case 2:
            o.flags = DS_DIFF_MINIMAL;
            break;
        default:
            break;
        }
        cr_assert_eq(ds_diff_texts(&d, a.p, a.n, b.p ? b.p : "", b.n, &o), 0, "seed %llu: %s",
                     (unsigned long long)s, ds_error_last());
        check_script(d, a.p, a.n, b.p ? b.p : "", b.n, s);
        check_exact_kept(d, (o.flags & DS_DIFF_NO_MOVES) != 0, s);
        if (s % 4 == 0)
            check_renderers(d, a.p, a.n, b.p ? b.p : "", b.n, s);
        ds_diff_free(d);
        free(a.p);
        free(b.p);
        free(c.p);
    }
    free(seed_text);
}
