/*
 * diff_summary.c - what changed, in a reader's terms: header fields,
 * paragraphs, words, quotations, numbers, and the classification.
 */
#include "diff_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE DS_DIFF_NONE

const char *ds__diff_strdup(ds_diff *d, const char *s, size_t len)
{
    char *p;
    if (d->nstrs == d->capstrs) {
        size_t ncap = d->capstrs ? d->capstrs * 2 : 32;
        char **nv = ds__realloc(d->strs, ncap * sizeof *nv);
        if (!nv)
            return NULL;
        d->strs = nv;
        d->capstrs = ncap;
    }
    if (!(p = ds__strndup(s, len)))
        return NULL;
    d->strs[d->nstrs++] = p;
    return p;
}

/* ---- header fields ------------------------------------------------------ */

static const ds__unit *find_role(const ds__side *sd, int role)
{
    for (size_t i = 0; i < sd->nunits && sd->units[i].role != DS_DIFF_ROLE_BODY; i++)
        if (sd->units[i].role == role)
            return &sd->units[i];
    return NULL;
}

static int summarize_field(ds__builder *bd, ds_diff_field *f, int role, size_t prefix)
{
    const ds__unit *x = find_role(&bd->side[0], role), *y = find_role(&bd->side[1], role);
    const char *A = bd->side[0].text, *B = bd->side[1].text;
    size_t px = x && x->len < prefix ? x->len : prefix, py = y && y->len < prefix ? y->len : prefix;
    memset(f, 0, sizeof *f);
    if (x && !(f->old_text = ds__diff_strdup(bd->diff, A + x->off + px, x->len - px)))
        return DS_ENOMEM;
    if (y && !(f->new_text = ds__diff_strdup(bd->diff, B + y->off + py, y->len - py)))
        return DS_ENOMEM;
    if (x && y) {
        if (x->len != y->len || memcmp(A + x->off, B + y->off, x->len) != 0) {
            f->state = DS_DIFF_FIELD_CHANGED;
            f->cosmetic = ds__cosmetic_equal(A + x->off, x->len, B + y->off, y->len);
        }
    } else if (x)
        f->state = DS_DIFF_FIELD_REMOVED;
    else if (y)
        f->state = DS_DIFF_FIELD_ADDED;
    return 0;
}

/* ---- numbers --------------------------------------------------------------- */

typedef struct numlist {
    size_t off[64], len[64];
    size_t n;
} numlist;

static int num_cb(void *ctx, size_t off, size_t len, int kind)
{
    numlist *l = ctx;
    if (kind == DS__TOK_NUMBER && l->n < 64) {
        l->off[l->n] = off;
        l->len[l->n++] = len;
    }
    return 0;
}

static int add_number(ds_diff *d, const char *os, size_t ol, const char *ns, size_t nl,
                      size_t a_line, size_t b_line)
{
    ds_diff_number *num;
    if (d->nnumbers == d->capnumbers) {
        size_t ncap = d->capnumbers ? d->capnumbers * 2 : 16;
        ds_diff_number *nv = ds__realloc(d->numbers, ncap * sizeof *nv);
        if (!nv)
            return DS_ENOMEM;
        d->numbers = nv;
        d->capnumbers = ncap;
    }
    num = &d->numbers[d->nnumbers];
    memset(num, 0, sizeof *num);
    if (os && !(num->old_text = ds__diff_strdup(d, os, ol)))
        return DS_ENOMEM;
    if (ns && !(num->new_text = ds__diff_strdup(d, ns, nl)))
        return DS_ENOMEM;
    num->a_line = a_line;
    num->b_line = b_line;
    d->nnumbers++;
    return 0;
}

/* Numbers in one change: those on both sides cancel out, the rest pair up
 * in order. */
static int change_numbers(ds_diff *d, const ds_diff_para *p, size_t a_off, size_t a_len,
                          size_t b_off, size_t b_len)
{
    const char *A = d->text[0], *B = d->text[1];
    numlist na, nb;
    size_t i, j;
    int err;
    na.n = nb.n = 0;
    ds__tokenize(A, a_off, a_len, num_cb, &na);
    ds__tokenize(B, b_off, b_len, num_cb, &nb);
    for (i = 0; i < na.n; i++) {
        for (j = 0; j < nb.n; j++) {
            if (nb.len[j] != (size_t)-1 && na.len[i] == nb.len[j] &&
                memcmp(A + na.off[i], B + nb.off[j], na.len[i]) == 0) {
                na.len[i] = nb.len[j] = (size_t)-1;
                break;
            }
        }
    }
    /* then those only restyled ("−5" and "-5", full-width digits) */
    for (i = 0; i < na.n; i++) {
        for (j = 0; j < nb.n && na.len[i] != (size_t)-1; j++) {
            if (nb.len[j] != (size_t)-1 &&
                ds__cosmetic_equal(A + na.off[i], na.len[i], B + nb.off[j], nb.len[j]))
                na.len[i] = nb.len[j] = (size_t)-1;
        }
    }
    i = j = 0;
    for (;;) {
        while (i < na.n && na.len[i] == (size_t)-1)
            i++;
        while (j < nb.n && nb.len[j] == (size_t)-1)
            j++;
        if (i >= na.n && j >= nb.n)
            break;
        if ((err = add_number(d, i < na.n ? A + na.off[i] : NULL, i < na.n ? na.len[i] : 0,
                              j < nb.n ? B + nb.off[j] : NULL, j < nb.n ? nb.len[j] : 0, p->a_line,
                              p->b_line)) < 0)
            return err;
        i += i < na.n;
        j += j < nb.n;
    }
    return 0;
}

/* ---- quotations --------------------------------------------------------------- */

enum { QF_NONE = 0, QF_DOUBLE, QF_SINGLE, QF_GUIL, QF_SGUIL, QF_CJK1, QF_CJK2 };

static int quote_family(int32_t c)
{
    switch (c) {
    case '"':
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:
    case 0x301D:
    case 0x301E:
    case 0x301F:
    case 0xFF02:
        return QF_DOUBLE;
    case '\'':
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:
    case 0xFF07:
        return QF_SINGLE;
    case 0x00AB:
    case 0x00BB:
        return QF_GUIL;
    case 0x2039:
    case 0x203A:
        return QF_SGUIL;
    case 0x300C:
    case 0x300D:
        return QF_CJK1;
    case 0x300E:
    case 0x300F:
        return QF_CJK2;
    default:
        return QF_NONE;
    }
}

typedef struct qopen {
    int32_t mark;
    int family;
    size_t mark_off, inner;
} qopen;

typedef struct quote_rec {
    int side;        /* 0 = A, 1 = B */
    size_t entry;    /* paragraph entry index */
    size_t line;     /* 0-based line */
    size_t off, len; /* inner text, trimmed */
    char marks[9];   /* opening and closing mark (closing may be absent) */
    uint64_t hash;
    size_t match;                /* index of the matched record on the other side, or NONE */
    int kind;                    /* ds_diff_quote_kind once matched/classified, -1 = unchanged */
    size_t bag_first, bag_count; /* word ids, sorted (quote_bag(), only for the records left
                                    unmatched by identical words: the others need none) */
} quote_rec;

typedef struct qscan {
    ds__builder *bd;
    quote_rec *v;
    size_t n, cap;
    uint32_t *bags;
    size_t nbags, capbags;
    const char *bag_text; /* the text quote_bag() is tokenizing */
} qscan;

static int is_wordish(int32_t c)
{
    int k;
    if (c < 0)
        return 0;
    k = ds__cp_class(c);
    return k == DS__CC_WORD || k == DS__CC_IDEO;
}

static void put_mark(char *out, size_t *n, int32_t c)
{
    char tmp[4];
    size_t k = 0;
    if (c < 0x80)
        tmp[k++] = (char)c;
    else if (c < 0x800) {
        tmp[k++] = (char)(0xC0 | (c >> 6));
        tmp[k++] = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        tmp[k++] = (char)(0xE0 | (c >> 12));
        tmp[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
        tmp[k++] = (char)(0x80 | (c & 0x3F));
    } else {
        tmp[k++] = (char)(0xF0 | (c >> 18));
        tmp[k++] = (char)(0x80 | ((c >> 12) & 0x3F));
        tmp[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
        tmp[k++] = (char)(0x80 | (c & 0x3F));
    }
    memcpy(out + *n, tmp, k);
    *n += k;
    out[*n] = '\0';
}

static int bag_cb(void *ctx, size_t off, size_t len, int kind)
{
    qscan *q = ctx;
    uint32_t id;
    if (!DS__TOK_IS_WORD(kind))
        return 0;
    if (q->nbags == q->capbags) {
        size_t ncap = q->capbags ? q->capbags * 2 : 256;
        uint32_t *nv = ds__realloc(q->bags, ncap * sizeof *nv);
        if (!nv)
            return DS_ENOMEM;
        q->bags = nv;
        q->capbags = ncap;
    }
    if (ds__intern_get(&q->bd->words, q->bag_text + off, len, &id) < 0)
        return DS_ENOMEM;
    q->bags[q->nbags++] = id;
    return 0;
}

/* The sorted word ids of record r (its bag). 0 or DS_ENOMEM. */
static int quote_bag(qscan *q, quote_rec *r)
{
    int err;
    r->bag_first = q->nbags;
    q->bag_text = q->bd->side[r->side].text;
    if ((err = ds__tokenize(q->bag_text, r->off, r->len, bag_cb, q)) != 0)
        return err;
    r->bag_count = q->nbags - r->bag_first;
    if (r->bag_count) /* q->bags is NULL while no bag was ever pushed */
        ds__sort_u32(q->bags + r->bag_first, r->bag_count);
    return 0;
}

static int add_quote(qscan *q, int side, size_t entry, size_t line, const char *text, size_t start,
                     size_t end, int32_t open, int32_t close)
{
    quote_rec *r;
    size_t mk = 0;
    /* trim white space */
    while (start < end) {
        size_t j = start;
        if (!ds__is_space(ds__utf8_next(text, end, &j)))
            break;
        start = j;
    }
    while (end > start && (text[end - 1] == ' ' || text[end - 1] == '\t'))
        end--;
    if (start == end)
        return 0;
    if (q->n == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 32;
        quote_rec *nv = ds__realloc(q->v, ncap * sizeof *nv);
        if (!nv)
            return DS_ENOMEM;
        q->v = nv;
        q->cap = ncap;
    }
    r = &q->v[q->n++];
    memset(r, 0, sizeof *r);
    r->side = side;
    r->entry = entry;
    r->line = line;
    r->off = start;
    r->len = end - start;
    put_mark(r->marks, &mk, open);
    if (close >= 0)
        put_mark(r->marks, &mk, close);
    r->hash = ds__hash_bytes(text + start, end - start);
    r->match = NONE;
    r->kind = -1;
    return 0;
}

/* 1 when none of the eight bytes at p can start a quotation mark: all ASCII
 * and none of them '"' or '\'' (SWAR, exact per byte). */
static int no_mark8(const char *p)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t x, dq, sq;
    memcpy(&x, p, 8);
    if (x & high)
        return 0;
    dq = x ^ ('"' * ones);
    sq = x ^ ('\'' * ones);
    return !(((dq - ones) & ~dq & high) | ((sq - ones) & ~sq & high));
}

/* Find the outermost quotations of one paragraph. */
static int scan_quotes(qscan *q, int side, size_t entry, size_t line, const char *text, size_t off,
                       size_t len)
{
    qopen st[8];
    size_t depth = 0, i = off, end = off + len;
    int32_t prev = -1;
    int err;
    while (i < end) {
        size_t at, j;
        int32_t c, next = -1;
        int fam, can_open, can_close, close_ok, open_ok, k;
        unsigned char b0;
        while (end - i >= 8 && no_mark8(text + i))
            i += 8; /* most of the text */
        if (i == end)
            break;
        at = i;
        b0 = (unsigned char)text[i];
        if (b0 != '"' && b0 != '\'' && b0 != 0xC2 && b0 != 0xE2 && b0 != 0xE3 && b0 != 0xEF) {
            i++; /* cannot start a quotation mark */
            continue;
        }
        c = ds__utf8_next(text, end, &i);
        if (!(fam = quote_family(c)))
            continue;
        prev = -1;
        if (at > off) {
            size_t ps = at - 1;
            while (ps > off && ((unsigned char)text[ps] & 0xC0) == 0x80)
                ps--;
            prev = ds__utf8_next(text, at, &ps);
        }
        if (i < end) {
            j = i;
            next = ds__utf8_next(text, end, &j);
        }
        can_open = next >= 0 && !ds__is_space(next) &&
                   (prev < 0 || ds__is_space(prev) || !is_wordish(prev));
        can_close = prev >= 0 && !ds__is_space(prev) &&
                    (next < 0 || ds__is_space(next) || !is_wordish(next));
        if (is_wordish(prev) && is_wordish(next) && (fam == QF_SINGLE || c == '"'))
            continue; /* an apostrophe inside a word */
        /* is there an open quotation of this family? (innermost) */
        for (k = (int)depth - 1; k >= 0 && st[k].family != fam; k--)
            ;
        switch (c) {
        case 0x201C: /* “ closes „ (German), else opens */
            close_ok = k >= 0 && st[k].mark == 0x201E && can_close;
            open_ok = !close_ok;
            break;
        case 0x2018: /* ‘ closes ‚, else opens */
            close_ok = k >= 0 && st[k].mark == 0x201A && can_close;
            open_ok = !close_ok && can_open;
            break;
        case 0x201D: /* ” */
        case 0x2019: /* ’ */
        case 0x300D: /* 」 */
        case 0x300F: /* 』 */
        case 0x301E:
        case 0x301F:
            close_ok = k >= 0;
            open_ok = 0;
            break;
        case 0x201E: /* „ */
        case 0x201A: /* ‚ */
        case 0x300C: /* 「 */
        case 0x300E: /* 『 */
        case 0x301D:
            close_ok = 0;
            open_ok = 1;
            break;
        case 0x00AB: /* « closes »...« (German style), else opens */
        case 0x2039:
            close_ok = k >= 0 && (st[k].mark == 0x00BB || st[k].mark == 0x203A);
            open_ok = !close_ok;
            break;
        case 0x00BB: /* » closes «, else may open */
        case 0x203A:
            close_ok = k >= 0 && (st[k].mark == 0x00AB || st[k].mark == 0x2039);
            open_ok = !close_ok && can_open;
            break;
        default: /* " ' and fullwidth forms: by position */
            close_ok = k >= 0 && can_close;
            open_ok = !close_ok && can_open;
            break;
        }
        if (close_ok) {
            if (k == 0 &&
                (err = add_quote(q, side, entry, line, text, st[0].inner, at, st[0].mark, c)) < 0)
                return err;
            depth = (size_t)k;
        } else if (open_ok && depth < 8) {
            st[depth].mark = c;
            st[depth].family = fam;
            st[depth].mark_off = at;
            st[depth].inner = i;
            depth++;
        }
    }
    /* an unclosed quotation runs to the end of the paragraph (single quotes
     * excepted: too often an apostrophe) */
    for (size_t k = 0; k < depth; k++) {
        if (st[k].family != QF_SINGLE)
            return add_quote(q, side, entry, line, text, st[k].inner, end, st[k].mark, -1);
    }
    return 0;
}

static double bag_dice(const qscan *q, const quote_rec *x, const quote_rec *y)
{
    const uint32_t *p, *r;
    size_t i = 0, j = 0, c = 0;
    if (!x->bag_count || !y->bag_count)
        return 0.0; /* (q->bags may be NULL then: no offset on it) */
    p = q->bags + x->bag_first;
    r = q->bags + y->bag_first;
    while (i < x->bag_count && j < y->bag_count) {
        if (p[i] < r[j])
            i++;
        else if (p[i] > r[j])
            j++;
        else
            c++, i++, j++;
    }
    return 2.0 * (double)c / (double)(x->bag_count + y->bag_count);
}

typedef struct qcand {
    double score;
    size_t x, y;
} qcand;

static int cmp_qcand(const void *p, const void *q)
{
    const qcand *a = p, *b = q;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->x != b->x)
        return a->x < b->x ? -1 : 1;
    return a->y < b->y ? -1 : a->y > b->y;
}

typedef struct hidx {
    uint64_t hash;
    size_t i;
} hidx;

static int cmp_hidx(const void *p, const void *q)
{
    const hidx *a = p, *b = q;
    if (a->hash != b->hash)
        return a->hash < b->hash ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* Records are compared in entry order for the output. */
typedef struct qout {
    size_t entry, off;
    ds_diff_quote q;
} qout;

static int cmp_qout(const void *p, const void *q)
{
    const qout *a = p, *b = q;
    if (a->entry != b->entry)
        return a->entry < b->entry ? -1 : 1;
    return a->off < b->off ? -1 : a->off > b->off;
}

/* Where A offset a of an edited paragraph lands in B, through its ops. */
static size_t map_a_to_b(const ds_diff *d, const ds_diff_para *p, size_t a)
{
    for (size_t i = p->first_op; i < p->first_op + p->op_count; i++) {
        const ds_diff_op *op = &d->ops[i];
        if (op->kind == DS_DIFF_OP_INSERT || a < op->a_off || a >= op->a_off + op->a_len)
            continue;
        return op->kind == DS_DIFF_OP_EQUAL ? op->b_off + (a - op->a_off) : op->b_off;
    }
    return p->b_off + p->b_len;
}

/* The A quotation, carried through the edit script, overlaps the B one. */
static int overlaps(const ds_diff *d, const ds_diff_para *p, const quote_rec *qa,
                    const quote_rec *qb)
{
    size_t s = map_a_to_b(d, p, qa->off), e = map_a_to_b(d, p, qa->off + qa->len - 1) + 1;
    return s < qb->off + qb->len && qb->off < e;
}

/* The first of ib[0, nb) (records in entry order) whose entry is >= e. */
static size_t entry_lower_bound(const qscan *q, const size_t *ib, size_t nb, size_t e)
{
    size_t lo = 0, hi = nb;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (q->v[ib[mid]].entry < e)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int summarize_quotes(ds__builder *bd)
{
    ds_diff *d = bd->diff;
    const char *T[2] = {d->text[0], d->text[1]};
    qscan q;
    hidx *hb = NULL;
    qcand *cands = NULL;
    qout *out = NULL;
    size_t na = 0, nb = 0, k, nc = 0, nout = 0;
    size_t *ia = NULL, *ib = NULL;
    int err = 0;

    memset(&q, 0, sizeof q);
    q.bd = bd;
    for (k = 0; k < d->npara; k++) {
        const ds_diff_para *p = &d->paras[k];
        int a_side, b_side;
        if (p->role != DS_DIFF_ROLE_BODY && p->role != DS_DIFF_ROLE_HEADLINE)
            continue;
        a_side = p->kind == DS_DIFF_PARA_CHANGED || p->kind == DS_DIFF_PARA_DELETED;
        b_side = p->kind == DS_DIFF_PARA_CHANGED || p->kind == DS_DIFF_PARA_INSERTED;
        if (p->kind == DS_DIFF_PARA_MOVED_TO &&
            (p->a_len != p->b_len || memcmp(T[0] + p->a_off, T[1] + p->b_off, p->a_len) != 0))
            a_side = b_side = 1;
        if (a_side && (err = scan_quotes(&q, 0, k, p->a_line, T[0], p->a_off, p->a_len)) < 0)
            goto done;
        if (b_side && (err = scan_quotes(&q, 1, k, p->b_line, T[1], p->b_off, p->b_len)) < 0)
            goto done;
    }
    if (!q.n)
        goto done;
    ia = ds__malloc(q.n * sizeof *ia);
    ib = ds__malloc(q.n * sizeof *ib);
    hb = ds__malloc(q.n * sizeof *hb);
    if (!ia || !ib || !hb) {
        err = DS_ENOMEM;
        goto done;
    }
    for (k = 0; k < q.n; k++) {
        if (q.v[k].side == 0)
            ia[na++] = k;
        else {
            hb[nb].hash = q.v[k].hash;
            hb[nb].i = k;
            ib[nb++] = k;
        }
    }
    /* 1. identical words: unchanged, or restyled when the marks differ */
    qsort(hb, nb, sizeof *hb, cmp_hidx);
    for (k = 0; k < na; k++) {
        quote_rec *x = &q.v[ia[k]];
        size_t lo = 0, hi = nb;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (hb[mid].hash < x->hash)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < nb && hb[lo].hash == x->hash; lo++) {
            quote_rec *y = &q.v[hb[lo].i];
            if (y->match != NONE || y->len != x->len ||
                memcmp(T[0] + x->off, T[1] + y->off, x->len) != 0)
                continue;
            x->match = hb[lo].i;
            y->match = ia[k];
            x->kind = strcmp(x->marks, y->marks) ? DS_DIFF_QUOTE_RESTYLED : -1;
            break;
        }
    }
    /* 2. and 3. cosmetic-only differences, then similar words: candidates in
     * the same paragraph entry, or anywhere when there are few (among the
     * records left, which need their bags now) */
    for (k = 0; k < q.n; k++)
        if (q.v[k].match == NONE && (err = quote_bag(&q, &q.v[k])) < 0)
            goto done;
    if ((cands = ds__malloc((na * nb < 4096 ? na * nb : 4096) * sizeof *cands + 1)) == NULL) {
        err = DS_ENOMEM;
        goto done;
    }
    for (size_t x = 0; x < na; x++) {
        quote_rec *qa = &q.v[ia[x]];
        size_t from[2] = {0, 0}, to[2] = {nb, 0}, nr = 1;
        if (qa->match != NONE)
            continue;
        if (na * nb > 4096) {
            /* only B records of the same entry or of its move peer can be
             * candidates: ib is in entry order, so each is one run of it,
             * visited in ascending order as the whole loop would */
            size_t e = qa->entry, pe = d->paras[e].peer;
            from[0] = entry_lower_bound(&q, ib, nb, e);
            to[0] = entry_lower_bound(&q, ib, nb, e + 1);
            if (pe != NONE && pe != e) {
                from[1] = entry_lower_bound(&q, ib, nb, pe);
                to[1] = entry_lower_bound(&q, ib, nb, pe + 1);
                nr = 2;
                if (from[1] < from[0]) {
                    size_t t = from[0];
                    from[0] = from[1], from[1] = t;
                    t = to[0], to[0] = to[1], to[1] = t;
                }
            }
        }
        for (size_t r = 0; r < nr; r++) {
            for (size_t y = from[r]; y < to[r] && nc < 4096; y++) {
                quote_rec *qb = &q.v[ib[y]];
                int same = qa->entry == qb->entry || (d->paras[qa->entry].peer != NONE &&
                                                      d->paras[qa->entry].peer == qb->entry);
                double s;
                if (qb->match != NONE || (!same && na * nb > 4096))
                    continue;
                if (ds__cosmetic_equal(T[0] + qa->off, qa->len, T[1] + qb->off, qb->len))
                    s = 4.0;
                else {
                    s = bag_dice(&q, qa, qb);
                    if (same && qa->entry == qb->entry && overlaps(d, &d->paras[qa->entry], qa, qb))
                        s += 2.0; /* at the same place in the edited paragraph */
                    else if (s < (same ? 0.3 : 0.5))
                        continue;
                    else if (same)
                        s += 1.0;
                }
                cands[nc++] = (qcand){s, ia[x], ib[y]};
            }
        }
    }
    qsort(cands, nc, sizeof *cands, cmp_qcand);
    for (k = 0; k < nc; k++) {
        quote_rec *x = &q.v[cands[k].x], *y = &q.v[cands[k].y];
        if (x->match != NONE || y->match != NONE)
            continue;
        x->match = cands[k].y;
        y->match = cands[k].x;
        x->kind = cands[k].score >= 4.0 ? DS_DIFF_QUOTE_RESTYLED : DS_DIFF_QUOTE_ALTERED;
    }
    /* 4. output, in document order */
    out = ds__calloc(q.n, sizeof *out);
    if (!out) {
        err = DS_ENOMEM;
        goto done;
    }
    for (k = 0; k < q.n; k++) {
        quote_rec *r = &q.v[k], *o = r->match != NONE ? &q.v[r->match] : NULL;
        qout *w;
        const quote_rec *ra, *rb;
        int kind;
        if (r->side == 1 && o)
            continue; /* reported from its A side */
        kind = !o ? (r->side ? DS_DIFF_QUOTE_ADDED : DS_DIFF_QUOTE_REMOVED) : r->kind;
        if (kind < 0)
            continue;
        if (kind != DS_DIFF_QUOTE_RESTYLED && (d->paras[r->entry].flags & DS_DIFF_PARA_COSMETIC) &&
            (!o || (d->paras[o->entry].flags & DS_DIFF_PARA_COSMETIC))) {
            /* cut or joined by a cosmetic change (a paragraph split or merged) */
            if (!o)
                continue;
            kind = DS_DIFF_QUOTE_RESTYLED;
        }
        ra = r->side == 0 ? r : NULL;
        rb = r->side == 1 ? r : o;
        w = &out[nout++];
        w->entry = rb ? rb->entry : ra->entry;
        w->off = rb ? rb->off : ra->off;
        w->q.kind = (ds_diff_quote_kind)kind;
        w->q.a_line = ra ? ra->line : NONE;
        w->q.b_line = rb ? rb->line : NONE;
        if (ra && (!(w->q.old_text = ds__diff_strdup(d, T[0] + ra->off, ra->len)) ||
                   !(w->q.old_marks = ds__diff_strdup(d, ra->marks, strlen(ra->marks))))) {
            err = DS_ENOMEM;
            goto done;
        }
        if (rb && (!(w->q.new_text = ds__diff_strdup(d, T[1] + rb->off, rb->len)) ||
                   !(w->q.new_marks = ds__diff_strdup(d, rb->marks, strlen(rb->marks))))) {
            err = DS_ENOMEM;
            goto done;
        }
    }
    qsort(out, nout, sizeof *out, cmp_qout);
    if (nout) {
        d->quotes = ds__malloc(nout * sizeof *d->quotes);
        if (!d->quotes) {
            err = DS_ENOMEM;
            goto done;
        }
        for (k = 0; k < nout; k++) {
            d->quotes[k] = out[k].q;
            switch (out[k].q.kind) {
            case DS_DIFF_QUOTE_ALTERED:
                d->summary.quotes_altered++;
                break;
            case DS_DIFF_QUOTE_ADDED:
                d->summary.quotes_added++;
                break;
            case DS_DIFF_QUOTE_REMOVED:
                d->summary.quotes_removed++;
                break;
            case DS_DIFF_QUOTE_RESTYLED:
                d->summary.quotes_restyled++;
                break;
            }
        }
        d->nquotes = nout;
    }
done:
    free(q.v);
    free(q.bags);
    free(hb);
    free(ia);
    free(ib);
    free(cands);
    free(out);
    return err;
}

/* ---- words, paragraphs, numbers -------------------------------------------------- */

static int summarize_paras(ds__builder *bd)
{
    ds_diff *d = bd->diff;
    ds_diff_summary *s = &d->summary;
    size_t k;
    int err;
    for (k = 0; k < bd->side[0].nunits; k++)
        s->paragraphs_a += bd->side[0].units[k].role == DS_DIFF_ROLE_BODY;
    for (k = 0; k < bd->side[1].nunits; k++)
        s->paragraphs_b += bd->side[1].units[k].role == DS_DIFF_ROLE_BODY;
    for (k = 0; k < d->npara; k++) {
        const ds_diff_para *p = &d->paras[k];
        int text = p->role == DS_DIFF_ROLE_BODY || p->role == DS_DIFF_ROLE_HEADLINE;
        if (p->role == DS_DIFF_ROLE_BODY) {
            switch (p->kind) {
            case DS_DIFF_PARA_CHANGED:
                s->paragraphs_changed++;
                break;
            case DS_DIFF_PARA_DELETED:
                s->paragraphs_removed++;
                break;
            case DS_DIFF_PARA_INSERTED:
                s->paragraphs_added++;
                break;
            case DS_DIFF_PARA_MOVED_TO:
                s->paragraphs_moved++;
                break;
            default:
                break;
            }
        }
        if (!text)
            continue;
        if (p->kind == DS_DIFF_PARA_DELETED) {
            s->words_removed += ds__count_words(d->text[0], p->a_off, p->a_len);
        } else if (p->kind == DS_DIFF_PARA_INSERTED) {
            s->words_added += ds__count_words(d->text[1], p->b_off, p->b_len);
        } else if (p->kind == DS_DIFF_PARA_CHANGED || p->kind == DS_DIFF_PARA_MOVED_TO) {
            size_t i = p->first_op, end = p->first_op + p->op_count;
            while (i < end) {
                size_t a_off = 0, a_len = 0, b_off = 0, b_len = 0;
                int ha = 0, hb = 0;
                if (d->ops[i].kind == DS_DIFF_OP_EQUAL || (d->ops[i].flags & DS_DIFF_OP_GAP)) {
                    i++;
                    continue;
                }
                for (; i < end && d->ops[i].kind != DS_DIFF_OP_EQUAL &&
                       !(d->ops[i].flags & DS_DIFF_OP_GAP);
                     i++) {
                    const ds_diff_op *op = &d->ops[i];
                    if (op->kind == DS_DIFF_OP_DELETE) {
                        if (!ha)
                            a_off = op->a_off, ha = 1;
                        a_len += op->a_len;
                    } else {
                        if (!hb)
                            b_off = op->b_off, hb = 1;
                        b_len += op->b_len;
                    }
                }
                s->words_removed += ds__count_words(d->text[0], a_off, a_len);
                s->words_added += ds__count_words(d->text[1], b_off, b_len);
                if (!(d->ops[i - 1].flags & DS_DIFF_OP_COSMETIC) &&
                    (err = change_numbers(d, p, a_off, a_len, b_off, b_len)) < 0)
                    return err;
            }
        }
    }
    return 0;
}

/* Identical, cosmetic or substantive. The builder flags every entry of a
 * cosmetic-only difference (diff_build.c cosmetic_spans()), so the texts
 * differ only cosmetically when every changed entry is cosmetic. */
static ds_diff_class classify(const ds_diff *d)
{
    size_t k;
    if (d->len[0] == d->len[1] && memcmp(d->text[0], d->text[1], d->len[0]) == 0)
        return DS_DIFF_IDENTICAL;
    for (k = 0; k < d->npara; k++) {
        const ds_diff_para *p = &d->paras[k];
        if (p->kind != DS_DIFF_PARA_EQUAL && !(p->flags & DS_DIFF_PARA_COSMETIC))
            return DS_DIFF_SUBSTANTIVE;
    }
    return DS_DIFF_COSMETIC;
}

int ds__diff_summarize(ds__builder *bd)
{
    ds_diff *d = bd->diff;
    ds_diff_summary *s = &d->summary;
    int err;
    memset(s, 0, sizeof *s);
    s->classification = classify(d);
    if ((err = summarize_field(bd, &s->headline, DS_DIFF_ROLE_HEADLINE, 2)) < 0 ||
        (err = summarize_field(bd, &s->byline, DS_DIFF_ROLE_BYLINE, 8)) < 0 ||
        (err = summarize_field(bd, &s->date, DS_DIFF_ROLE_DATE, 6)) < 0)
        return err;
    if ((err = summarize_paras(bd)) < 0 || (err = summarize_quotes(bd)) < 0)
        return err;
    s->quotes = d->quotes;
    s->quote_count = d->nquotes;
    s->numbers = d->numbers;
    s->number_count = d->nnumbers;
    s->approximate = bd->env.fallbacks > 0;
    return 0;
}

/* ---- one-line summary ------------------------------------------------------------ */

typedef struct line_buf {
    char b[640];
    size_t n;
} line_buf;

static void lb_item(line_buf *l, const char *fmt, ...) DS__PRINTF(2, 3);

static void lb_item(line_buf *l, const char *fmt, ...)
{
    va_list ap;
    int k;
    if (l->n && l->n + 2 < sizeof l->b) {
        memcpy(l->b + l->n, ", ", 2);
        l->n += 2;
    }
    va_start(ap, fmt);
    k = vsnprintf(l->b + l->n, sizeof l->b - l->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->n += (size_t)k < sizeof l->b - l->n ? (size_t)k : sizeof l->b - l->n - 1;
}

static void lb_count(line_buf *l, size_t n, const char *noun, const char *what)
{
    if (n)
        lb_item(l, "%zu %s%s %s", n, noun, n == 1 ? "" : "s", what);
}

static void lb_field(line_buf *l, const ds_diff_field *f, const char *name)
{
    if (f->state == DS_DIFF_FIELD_CHANGED && !f->cosmetic)
        lb_item(l, "%s changed", name);
    else if (f->state == DS_DIFF_FIELD_ADDED)
        lb_item(l, "%s added", name);
    else if (f->state == DS_DIFF_FIELD_REMOVED)
        lb_item(l, "%s removed", name);
}

size_t ds_diff_summary_line(char *buf, size_t bufsize, const ds_diff *diff)
{
    const ds_diff_summary *s = &diff->summary;
    line_buf l;
    l.n = 0;
    l.b[0] = '\0';
    if (s->classification == DS_DIFF_IDENTICAL)
        lb_item(&l, "no changes");
    else if (s->classification == DS_DIFF_COSMETIC)
        lb_item(&l, "cosmetic changes only");
    else {
        if (s->words_added || s->words_removed)
            lb_item(&l, "+%zu \xE2\x88\x92%zu words", s->words_added, s->words_removed);
        lb_count(&l, s->quotes_altered, "quote", "changed");
        lb_count(&l, s->quotes_added, "quote", "added");
        lb_count(&l, s->quotes_removed, "quote", "removed");
        lb_count(&l, s->number_count, "number", "changed");
        lb_count(&l, s->paragraphs_added, "paragraph", "added");
        lb_count(&l, s->paragraphs_removed, "paragraph", "removed");
        lb_count(&l, s->paragraphs_moved, "paragraph", "moved");
        lb_field(&l, &s->headline, "headline");
        lb_field(&l, &s->byline, "byline");
        lb_field(&l, &s->date, "date");
        if (!l.n) {
            if (s->paragraphs_changed)
                lb_count(&l, s->paragraphs_changed, "paragraph", "changed");
            else
                lb_item(&l, "text changed");
        }
    }
    if (bufsize) {
        size_t n = l.n < bufsize - 1 ? l.n : bufsize - 1;
        while (n < l.n && n > 0 && ((unsigned char)l.b[n] & 0xC0) == 0x80)
            n--; /* do not cut a UTF-8 sequence */
        memcpy(buf, l.b, n);
        buf[n] = '\0';
    }
    return l.n;
}
