/*
 * diff_build.c - from two texts to paragraph entries and an exact edit script.
 *
 *  1. Split each text into units (lines trimmed of white space) and gaps (the
 *     white space between them), and give header units their role.
 *  2. Align units with Myers over interned unit contents.
 *  3. Match body units with identical contents left out of the alignment,
 *     one to one (match_exact()): in order inside a change region (kept in
 *     place), else across regions (moves, whatever their size). They are
 *     never paired with anything else.
 *  4. In each change region (deleted and inserted units between two equal
 *     ones), pair the other units that were edited in place: a dynamic
 *     programme maximising the summed similarity (Dice coefficient of word
 *     multisets) of an order-preserving matching; header units pair by role.
 *  5. Link the exact moves; among the remaining deleted and inserted body
 *     units, find similar ones (similarity >= 0.6) with at least
 *     move_min_alnum letters and digits: moves with edits.
 *  6. Emit ops: word-level Myers inside each pair (tokens without white
 *     space; the white space between tokens is compared separately), then
 *     the semantic clean-up, then the gap after the unit.
 */
#include "diff_internal.h"

#include <stdlib.h>
#include <string.h>

#define NONE DS_DIFF_NONE

enum {
    PAIR_DP_MAX = 65536, /* regions up to this many unit pairs get the exact DP */
    PAIR_WINDOW = 64,    /* larger regions: greedy over this many candidates */
    MOVE_SIM_MAX = 65536 /* candidate pairs examined for similar moves */
};

#define PAIR_MIN_SIM 0.4
#define PAIR_MIN_SIM_1TO1 0.25
#define PAIR_DIAG_SIM 0.5
#define MOVE_MIN_SIM 0.6

/* ---- units --------------------------------------------------------------- */

/* Start of the code point that ends just before byte e (e > lo). */
static size_t cp_start_before(const char *s, size_t lo, size_t e)
{
    size_t i = e - 1;
    while (i > lo && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* Lines of a text (newlines plus one): an upper bound of its units. */
static size_t count_lines(const char *s, size_t len)
{
    size_t n = 1;
    const char *p = s, *end = s + len;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL)
        n++, p++;
    return n;
}

/*
 * Split a text into units (lines trimmed of white space) and gaps. With
 * k > 1, consecutive body lines are grouped into one unit (see MAX_UNITS):
 * a group ends after a line where the hash of the last 8 lines is 0 modulo
 * k, or at 4k lines, the same rule on both texts, so an insertion only
 * disturbs the groups around it. Header lines (a first line "# ..." up to the first blank line) are
 * never grouped.
 */
static int split_units(ds__side *sd, size_t k)
{
    const char *s = sd->text;
    enum { W = 8 };
    size_t len = sd->len, i = 0, line = 0, cap = 0, group = 0, nring = 0;
    uint64_t ring[W], roll;
    int header = -1, open = 0; /* header: -1 unknown, 1 inside, 0 past */
    while (i < len) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - s) : len, cs = i, ce = e;
        while (cs < ce) {
            size_t j = cs;
            int32_t c = ds__utf8_next(s, ce, &j);
            if (!ds__is_space(c))
                break;
            cs = j;
        }
        while (ce > cs) {
            size_t j = cp_start_before(s, cs, ce), q = j;
            int32_t c = ds__utf8_next(s, ce, &q);
            if (!ds__is_space(c))
                break;
            ce = j;
        }
        if (cs < ce) {
            ds__unit *u;
            if (header < 0)
                header = (ce - cs >= 2 && s[cs] == '#' && s[cs + 1] == ' ') ||
                         (ce - cs == 1 && s[cs] == '#');
            else if (header == 1 && sd->nunits &&
                     count_lines(s + sd->units[sd->nunits - 1].off + sd->units[sd->nunits - 1].len,
                                 cs - sd->units[sd->nunits - 1].off -
                                     sd->units[sd->nunits - 1].len) > 2)
                header = 0; /* a blank line ended the header */
            if (k > 1 && header != 1 && open) {
                /* extend the current group */
                u = &sd->units[sd->nunits - 1];
                u->len = ce - u->off;
                group++;
            } else {
                if (sd->nunits == cap) {
                    size_t ncap = cap ? cap * 2 : 64;
                    ds__unit *nu = ds__realloc(sd->units, ncap * sizeof *nu);
                    if (!nu)
                        return DS_ENOMEM;
                    sd->units = nu;
                    cap = ncap;
                }
                u = &sd->units[sd->nunits++];
                memset(u, 0, sizeof *u);
                u->off = cs;
                u->len = ce - cs;
                u->line = line;
                group = 1;
            }
            if (k > 1) {
                /* rolling: the hash of the last W lines decides, so that the
                 * boundaries have entropy even when lines repeat */
                ring[nring++ % W] = ds__hash_bytes(s + cs, ce - cs);
                roll = 0;
                for (size_t r = 0; r < W && r < nring; r++)
                    roll = (roll ^ ring[(nring - 1 - r) % W]) * 0x100000001B3ull;
                open = header != 1 && group < 4 * k && (roll >> 17) % k != 0;
            }
        }
        i = nl ? e + 1 : len;
        line++;
    }
    sd->lead_len = sd->nunits ? sd->units[0].off : len;
    for (i = 0; i < sd->nunits; i++) {
        ds__unit *u = &sd->units[i];
        u->gap_off = u->off + u->len;
        u->gap_len = (i + 1 < sd->nunits ? sd->units[i + 1].off : len) - u->gap_off;
    }
    return 0;
}

static int starts_with(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(s, p, n) == 0;
}

/* Roles: a header exists when the first unit starts with "# " (or is "#", a
 * document without a headline); it runs up to
 * the first blank line. Body paragraphs are numbered from 1. */
static void assign_roles(ds__side *sd)
{
    size_t i = 0, para = 0;
    if (sd->nunits && (starts_with(sd->text + sd->units[0].off, sd->units[0].len, "# ") ||
                       (sd->units[0].len == 1 && sd->text[sd->units[0].off] == '#'))) {
        sd->units[0].role = DS_DIFF_ROLE_HEADLINE;
        for (i = 1; i < sd->nunits; i++) {
            const ds__unit *prev = &sd->units[i - 1];
            ds__unit *u = &sd->units[i];
            const char *g = sd->text + prev->gap_off;
            const char *nl = memchr(g, '\n', prev->gap_len);
            if (nl && memchr(nl + 1, '\n', prev->gap_len - (size_t)(nl + 1 - g)))
                break; /* a blank line ends the header */
            if (starts_with(sd->text + u->off, u->len, "byline: "))
                u->role = DS_DIFF_ROLE_BYLINE;
            else if (starts_with(sd->text + u->off, u->len, "date: "))
                u->role = DS_DIFF_ROLE_DATE;
            else
                u->role = DS_DIFF_ROLE_HEADER;
        }
    }
    for (; i < sd->nunits; i++) {
        sd->units[i].role = DS_DIFF_ROLE_BODY;
        sd->units[i].para = ++para;
    }
}

/* A text with very many short lines (a list of numbers, one word per line)
 * would make one entry per line: more memory and time than the texts are
 * worth. Past MAX_UNITS lines in either text, body lines are grouped (see
 * split_units()); a group is one unit whose text spans several lines, the
 * newlines inside it being white space between its words. */
enum { MAX_UNITS = 100000 };

/* ---- tokens and word bags ------------------------------------------------- */

typedef struct tok_ctx {
    ds__builder *bd;
    const char *text;
    ds__tokvec *out; /* tokens, or NULL */
    ds__side *bagsd; /* append word ids to this side's bags, or NULL */
    int err;
} tok_ctx;

static int tok_cb(void *ctx, size_t off, size_t len, int kind)
{
    tok_ctx *t = ctx;
    uint32_t id;
    if (!t->out && !DS__TOK_IS_WORD(kind))
        return 0;
    if (ds__intern_get(&t->bd->words, t->text + off, len, &id) < 0)
        return t->err = DS_ENOMEM;
    if (t->out) {
        ds__tokvec *tv = t->out;
        ds__token *tk;
        if (tv->n == tv->cap) {
            size_t ncap = tv->cap ? tv->cap * 2 : 1024;
            ds__token *nt = ds__realloc(tv->v, ncap * sizeof *nt);
            if (!nt)
                return t->err = DS_ENOMEM;
            tv->v = nt;
            tv->cap = ncap;
        }
        tk = &tv->v[tv->n++];
        tk->off = (uint32_t)off;
        tk->len = (uint32_t)len;
        tk->id = id;
        tk->kind = (uint32_t)kind;
    }
    if (t->bagsd && DS__TOK_IS_WORD(kind)) {
        ds__side *sd = t->bagsd;
        if (sd->nbags == sd->capbags) {
            size_t ncap = sd->capbags ? sd->capbags * 2 : 4096;
            uint32_t *nb = ds__realloc(sd->bags, ncap * sizeof *nb);
            if (!nb)
                return t->err = DS_ENOMEM;
            sd->bags = nb;
            sd->capbags = ncap;
        }
        sd->bags[sd->nbags++] = id;
    }
    return 0;
}

/* The word ids of a unit (once), for similarity. 0 or DS_ENOMEM. */
static int unit_bag(ds__builder *bd, int which, size_t ui)
{
    ds__side *sd = &bd->side[which];
    ds__unit *u = &sd->units[ui];
    tok_ctx t = {bd, sd->text, NULL, sd, 0};
    if (u->has_bag)
        return 0;
    u->bag_first = sd->nbags;
    ds__tokenize(sd->text, u->off, u->len, tok_cb, &t);
    if (t.err)
        return t.err;
    u->bag_count = sd->nbags - u->bag_first;
    u->has_bag = 1;
    return 0;
}

/* Dice coefficient of the word multisets of two tokenized units: counts of
 * x's words in an array indexed by word id (entries of other generations
 * count as 0), then y's words take from them. O(|x| + |y|). */
static double similarity(ds__builder *bd, size_t ua, size_t ub)
{
    const ds__unit *x = &bd->side[0].units[ua], *y = &bd->side[1].units[ub];
    const uint32_t *p, *q;
    size_t i, c = 0, nids = bd->words.count;
    uint32_t g;
    if (!x->bag_count || !y->bag_count) {
        if (x->bag_count || y->bag_count)
            return 0.0;
        return ds__cosmetic_equal(bd->side[0].text + x->off, x->len, bd->side[1].text + y->off,
                                  y->len)
                   ? 1.0
                   : 0.5;
    }
    /* both bag arrays hold words here (they are NULL while empty) */
    p = bd->side[0].bags + x->bag_first;
    q = bd->side[1].bags + y->bag_first;
    if (nids > bd->sim_cap) {
        size_t ncap = nids * 2;
        uint32_t *nc = realloc(bd->sim_cnt, ncap * sizeof *nc);
        uint32_t *ng;
        if (!nc)
            return 0.0; /* out of memory: treat as dissimilar (still a correct diff) */
        bd->sim_cnt = nc;
        if (!(ng = realloc(bd->sim_gen, ncap * sizeof *ng)))
            return 0.0;
        bd->sim_gen = ng;
        memset(bd->sim_gen + bd->sim_cap, 0, (ncap - bd->sim_cap) * sizeof *ng);
        bd->sim_cap = ncap;
    }
    if (++bd->sim_g == 0) { /* generation counter wrapped: reset */
        memset(bd->sim_gen, 0, bd->sim_cap * sizeof *bd->sim_gen);
        bd->sim_g = 1;
    }
    g = bd->sim_g;
    for (i = 0; i < x->bag_count; i++) {
        uint32_t id = p[i];
        if (bd->sim_gen[id] != g)
            bd->sim_gen[id] = g, bd->sim_cnt[id] = 0;
        bd->sim_cnt[id]++;
    }
    for (i = 0; i < y->bag_count; i++) {
        uint32_t id = q[i];
        if (bd->sim_gen[id] == g && bd->sim_cnt[id])
            bd->sim_cnt[id]--, c++;
    }
    return 2.0 * (double)c / (double)(x->bag_count + y->bag_count);
}

/* Score of pairing A unit ua with B unit ub, or -1 when they must not pair. */
static double pair_score(ds__builder *bd, size_t ua, size_t ub, double min_sim)
{
    const ds__unit *x = &bd->side[0].units[ua], *y = &bd->side[1].units[ub];
    double sim, lo, hi;
    if (x->role != y->role)
        return -1.0;
    if (x->role == DS_DIFF_ROLE_HEADLINE || x->role == DS_DIFF_ROLE_BYLINE ||
        x->role == DS_DIFF_ROLE_DATE)
        return 2.0 + similarity(bd, ua, ub);
    lo = (double)(x->bag_count < y->bag_count ? x->bag_count : y->bag_count);
    hi = (double)(x->bag_count + y->bag_count);
    if (hi > 0 && 2.0 * lo / hi < min_sim)
        return -1.0; /* even a full overlap would be too little */
    sim = similarity(bd, ua, ub);
    return sim >= min_sim ? sim : -1.0;
}

/* ---- entries ------------------------------------------------------------------ */

static int word_diff(ds__builder *bd, size_t ua, size_t ub, ds__opvec *o, double *sim);

typedef struct ent {
    int kind; /* ds_diff_para_kind */
    int role;
    size_t ua, ub; /* unit indices or NONE */
    size_t peer;   /* entry index of the other half of a move */
    int has_ops;   /* its word-level ops are already in bd->pending */
    int weak;      /* half of a dissimilar one-for-one replacement */
    size_t pend_first, pend_count;
    size_t region, slot; /* change region, and pairs before it in the region */
} ent;

typedef struct entvec {
    ent *v;
    size_t n, cap;
    size_t region, slot; /* current ones */
} entvec;

static int ent_push(entvec *e, int kind, int role, size_t ua, size_t ub)
{
    if (e->n == e->cap) {
        size_t ncap = e->cap ? e->cap * 2 : 64;
        ent *nv = ds__realloc(e->v, ncap * sizeof *nv);
        if (!nv)
            return DS_ENOMEM;
        e->v = nv;
        e->cap = ncap;
    }
    e->v[e->n++] = (ent){kind, role, ua, ub, NONE, 0, 0, 0, 0, e->region, e->slot};
    return 0;
}

/* Keep a pair's word-level ops for emit_entries(). */
static int pending_append(ds__builder *bd, const ds__opvec *o, size_t *first, size_t *count)
{
    if (bd->npending + o->n > bd->cappending) {
        size_t ncap = (bd->npending + o->n) * 2 + 256;
        ds_diff_op *nv = ds__realloc(bd->pending, ncap * sizeof *nv);
        if (!nv)
            return DS_ENOMEM;
        bd->pending = nv;
        bd->cappending = ncap;
    }
    if (o->n)
        memcpy(bd->pending + bd->npending, o->v, o->n * sizeof *o->v);
    *first = bd->npending;
    *count = o->n;
    bd->npending += o->n;
    return 0;
}

/* ---- exact matches ------------------------------------------------------------ */

/*
 * A body paragraph whose exact text (interned id) is both among A's deleted
 * and among B's inserted paragraphs was neither added, removed nor edited:
 * it stayed or it moved. match_exact() pairs such paragraphs one to one
 * (multiplicity respected: a paragraph twice in A and once in B leaves one
 * deleted) before anything is paired by similarity:
 *   1. inside each change region, in order (greedily): the alignment left
 *      them out only because of its heuristics or its work budget, so they
 *      stay in place (do_region() keeps them as unchanged entries);
 *   2. the rest across regions, the k-th deletion of a text with its k-th
 *      insertion, in document order: moves, whatever their size
 *      (find_moves()), or a deletion and an insertion with DS_DIFF_NO_MOVES.
 * Neither kind is ever paired with another paragraph as an edit.
 */
typedef struct xmatch {
    size_t *peer[2]; /* for each unit of A (0) and B (1): its exact partner, or NONE */
} xmatch;

static void xmatch_free(xmatch *xm)
{
    free(xm->peer[0]);
    free(xm->peer[1]);
}

static int match_exact(ds__builder *bd, const unsigned char *ca, const unsigned char *cb,
                       xmatch *xm)
{
    const ds__unit *UA = bd->side[0].units, *UB = bd->side[1].units;
    size_t na = bd->side[0].nunits, nb = bd->side[1].nunits, nids = bd->lines.count;
    size_t *head = NULL, *next = NULL, i = 0, j = 0, p, q;
    int err = 0;

    xm->peer[0] = ds__malloc((na + 1) * sizeof *xm->peer[0]);
    xm->peer[1] = ds__malloc((nb + 1) * sizeof *xm->peer[1]);
    head = ds__malloc((nids + 1) * sizeof *head);
    next = ds__malloc((nb + 1) * sizeof *next);
    if (!xm->peer[0] || !xm->peer[1] || !head || !next) {
        err = DS_ENOMEM;
        goto done;
    }
    for (p = 0; p < na; p++)
        xm->peer[0][p] = NONE;
    for (q = 0; q < nb; q++)
        xm->peer[1][q] = NONE;
    for (p = 0; p < nids; p++)
        head[p] = NONE;

    /* 1. inside each region: B's candidates chained by id in order, A's
     * paragraphs take the first one after the last match */
    while (i < na || j < nb) {
        size_t i0 = i, j0 = j, cur;
        if (i < na && j < nb && !ca[i] && !cb[j]) {
            i++, j++;
            continue;
        }
        while (i < na && ca[i])
            i++;
        while (j < nb && cb[j])
            j++;
        if (i == i0 && j == j0) {
            err = ds__error_set(DS_ERROR, "diff: internal error: inconsistent alignment");
            goto done;
        }
        if (i == i0 || j == j0)
            continue;
        for (q = j; q-- > j0;) {
            if (UB[q].role == DS_DIFF_ROLE_BODY) {
                next[q] = head[UB[q].id];
                head[UB[q].id] = q;
            }
        }
        for (p = i0, cur = j0; p < i; p++) {
            size_t t;
            if (UA[p].role != DS_DIFF_ROLE_BODY)
                continue;
            for (t = head[UA[p].id]; t != NONE && t < cur; t = next[t])
                ; /* positions before the last match are of no use any more */
            head[UA[p].id] = t;
            if (t == NONE)
                continue;
            xm->peer[0][p] = t;
            xm->peer[1][t] = p;
            head[UA[p].id] = next[t];
            cur = t + 1;
        }
        for (q = j0; q < j; q++)
            head[UB[q].id] = NONE;
    }

    /* 2. across regions, in document order */
    for (q = nb; q-- > 0;) {
        if (cb[q] && UB[q].role == DS_DIFF_ROLE_BODY && xm->peer[1][q] == NONE) {
            next[q] = head[UB[q].id];
            head[UB[q].id] = q;
        }
    }
    for (p = 0; p < na; p++) {
        size_t t;
        if (!ca[p] || UA[p].role != DS_DIFF_ROLE_BODY || xm->peer[0][p] != NONE ||
            (t = head[UA[p].id]) == NONE)
            continue;
        xm->peer[0][p] = t;
        xm->peer[1][t] = p;
        head[UA[p].id] = next[t];
    }
done:
    free(head);
    free(next);
    return err;
}

/* ---- pairing ------------------------------------------------------------------- */

/* A pair found in a change region. */
typedef struct ppoint {
    size_t ua, ub;
    int kind;      /* DS_DIFF_PARA_EQUAL or _CHANGED; -1: a dissimilar one-for-one
                      replacement (a deletion and an insertion, see repair_weak()) */
    int has_ops;   /* word-level ops already in bd->pending */
    size_t pf, pc; /* their place there */
} ppoint;

/*
 * Pair the units of a change region (or part of one) that have no exact
 * partner, and append the region's entries: before each pair the units
 * before it, deletions first, then insertions. Units with an exact partner
 * elsewhere are entries of their own (deleted or inserted, until
 * find_moves() links them).
 */
static int do_pairs(ds__builder *bd, entvec *ev, const xmatch *xm, size_t a0, size_t a1, size_t b0,
                    size_t b1)
{
    const ds__unit *UA = bd->side[0].units, *UB = bd->side[1].units;
    size_t n = 0, m = 0, i, j, k, np = 0;
    size_t *xa = NULL, *yb = NULL;
    ppoint *pt = NULL;
    double *f = NULL, *sc = NULL;
    double min_sim;
    int err = 0;

    if (a0 == a1 && b0 == b1)
        return 0;
    ev->region++;
    ev->slot = 0;
    xa = ds__malloc((a1 - a0 + 1) * sizeof *xa);
    yb = ds__malloc((b1 - b0 + 1) * sizeof *yb);
    pt = ds__malloc(((a1 - a0 < b1 - b0 ? a1 - a0 : b1 - b0) + 1) * sizeof *pt);
    if (!xa || !yb || !pt) {
        err = DS_ENOMEM;
        goto done;
    }
    for (i = a0; i < a1; i++)
        if (xm->peer[0][i] == NONE)
            xa[n++] = i;
    for (j = b0; j < b1; j++)
        if (xm->peer[1][j] == NONE)
            yb[m++] = j;
    min_sim = (n == 1 && m == 1) ? PAIR_MIN_SIM_1TO1 : PAIR_MIN_SIM;

    if (n == 1 && m == 1 && UA[xa[0]].role == UB[yb[0]].role) {
        /* one paragraph replaced by one: diff the words now, pair when similar
         * enough (header lines always pair); when dissimilar, a deletion and
         * an insertion, unless neither turns out to be a move (then a
         * rewrite in place: see repair_weak()) */
        const ds__unit *x = &UA[xa[0]];
        ds__opvec o = {NULL, 0, 0};
        double sim = 1.0;
        int always = x->role != DS_DIFF_ROLE_BODY && x->role != DS_DIFF_ROLE_HEADER;
        pt[0] = (ppoint){xa[0], yb[0], DS_DIFF_PARA_EQUAL, 0, 0, 0};
        np = 1;
        if (x->id != UB[yb[0]].id) {
            if ((err = word_diff(bd, xa[0], yb[0], &o, &sim)) >= 0)
                err = pending_append(bd, &o, &pt[0].pf, &pt[0].pc);
            free(o.v);
            if (err < 0)
                goto done;
            pt[0].kind = always || sim >= PAIR_MIN_SIM_1TO1 ? DS_DIFF_PARA_CHANGED : -1;
            pt[0].has_ops = 1;
        }
        goto emit;
    }
    if (n == m && n && n <= 256) {
        /* as many paragraphs on both sides: try pairing them in order, which
         * holds when every pair is clearly similar */
        size_t mark = bd->npending;
        ds__opvec o = {NULL, 0, 0};
        for (i = 0; i < n; i++) {
            const ds__unit *x = &UA[xa[i]];
            double sim = 1.0;
            if (x->role != UB[yb[i]].role)
                break;
            o.n = 0;
            pt[i] = (ppoint){xa[i], yb[i], DS_DIFF_PARA_CHANGED, 1, 0, 0};
            if ((err = word_diff(bd, xa[i], yb[i], &o, &sim)) < 0 ||
                (err = pending_append(bd, &o, &pt[i].pf, &pt[i].pc)) < 0) {
                free(o.v);
                goto done;
            }
            if (sim < PAIR_DIAG_SIM && x->role != DS_DIFF_ROLE_HEADLINE &&
                x->role != DS_DIFF_ROLE_BYLINE && x->role != DS_DIFF_ROLE_DATE)
                break;
        }
        free(o.v);
        if (i == n) {
            np = n;
            goto emit;
        }
        bd->npending = mark; /* not that simple: align them properly */
    }
    if (n && m) {
        for (i = 0; i < n; i++)
            if ((err = unit_bag(bd, 0, xa[i])) < 0)
                goto done;
        for (j = 0; j < m; j++)
            if ((err = unit_bag(bd, 1, yb[j])) < 0)
                goto done;
    }
    if (n && m && n * m <= PAIR_DP_MAX) {
        /* f[i][j]: best total score pairing A[0,i) with B[0,j) */
        size_t w = m + 1;
        f = ds__malloc((n + 1) * w * sizeof *f);
        sc = ds__malloc(n * m * sizeof *sc);
        if (!f || !sc) {
            err = DS_ENOMEM;
            goto done;
        }
        for (i = 0; i < n; i++)
            for (j = 0; j < m; j++)
                sc[i * m + j] = pair_score(bd, xa[i], yb[j], min_sim);
        for (j = 0; j <= m; j++)
            f[j] = 0;
        for (i = 1; i <= n; i++) {
            f[i * w] = 0;
            for (j = 1; j <= m; j++) {
                double best = f[(i - 1) * w + j], s = sc[(i - 1) * m + (j - 1)];
                if (f[i * w + j - 1] > best)
                    best = f[i * w + j - 1];
                if (s > 0 && f[(i - 1) * w + j - 1] + s > best)
                    best = f[(i - 1) * w + j - 1] + s;
                f[i * w + j] = best;
            }
        }
        i = n, j = m;
        while (i > 0 && j > 0) {
            double s = sc[(i - 1) * m + (j - 1)];
            if (f[i * w + j] == f[(i - 1) * w + j])
                i--;
            else if (f[i * w + j] == f[i * w + j - 1])
                j--;
            else if (s > 0 && f[i * w + j] == f[(i - 1) * w + j - 1] + s) {
                pt[np++] = (ppoint){xa[i - 1], yb[j - 1], DS_DIFF_PARA_CHANGED, 0, 0, 0};
                i--, j--;
            } else
                i--; /* unreachable with exact arithmetic */
        }
        /* reverse into document order */
        for (i = 0; i < np / 2; i++) {
            ppoint t = pt[i];
            pt[i] = pt[np - 1 - i];
            pt[np - 1 - i] = t;
        }
    } else if (n && m) {
        /* large region: greedy, order-preserving, over a window of candidates */
        size_t jn = 0;
        for (i = 0; i < n && jn < m; i++) {
            double best = 0;
            size_t by = NONE, lim = jn + PAIR_WINDOW < m ? jn + PAIR_WINDOW : m;
            for (j = jn; j < lim; j++) {
                double s = pair_score(bd, xa[i], yb[j], min_sim);
                if (s > best)
                    best = s, by = j;
            }
            if (by != NONE) {
                pt[np++] = (ppoint){xa[i], yb[by], DS_DIFF_PARA_CHANGED, 0, 0, 0};
                jn = by + 1;
            }
        }
    }
    for (k = 0; k < np; k++)
        if (UA[pt[k].ua].id == UB[pt[k].ub].id)
            pt[k].kind = DS_DIFF_PARA_EQUAL; /* same text, another role (not in the body) */

emit:
    i = a0, j = b0;
    for (k = 0; k <= np; k++) {
        size_t xe = k < np ? pt[k].ua : a1, ye = k < np ? pt[k].ub : b1;
        ent *e;
        for (; i < xe; i++)
            if ((err = ent_push(ev, DS_DIFF_PARA_DELETED, UA[i].role, i, NONE)) < 0)
                goto done;
        for (; j < ye; j++)
            if ((err = ent_push(ev, DS_DIFF_PARA_INSERTED, UB[j].role, NONE, j)) < 0)
                goto done;
        if (k == np)
            break;
        if (pt[k].kind < 0) {
            if ((err = ent_push(ev, DS_DIFF_PARA_DELETED, UA[i].role, i, NONE)) < 0)
                goto done;
            e = &ev->v[ev->n - 1];
            e->weak = 1;
            e->pend_first = pt[k].pf;
            e->pend_count = pt[k].pc;
            if ((err = ent_push(ev, DS_DIFF_PARA_INSERTED, UB[j].role, NONE, j)) < 0)
                goto done;
            ev->v[ev->n - 1].weak = 1;
        } else {
            if ((err = ent_push(ev, pt[k].kind, UA[i].role, i, j)) < 0)
                goto done;
            e = &ev->v[ev->n - 1];
            e->has_ops = pt[k].has_ops;
            e->pend_first = pt[k].pf;
            e->pend_count = pt[k].pc;
            ev->slot++;
        }
        i++, j++;
    }
done:
    free(xa);
    free(yb);
    free(pt);
    free(f);
    free(sc);
    return err;
}

/* A change region: the paragraphs kept in place by match_exact() split it;
 * the parts between them are paired by do_pairs(). */
static int do_region(ds__builder *bd, entvec *ev, const xmatch *xm, size_t a0, size_t a1, size_t b0,
                     size_t b1)
{
    size_t sa = a0, sb = b0, i;
    int err;
    for (i = a0; i < a1; i++) {
        size_t t = xm->peer[0][i];
        /* kept in place by match_exact() step 1: a partner in this region
         * after the last one kept (a partner before it is a move, step 2) */
        if (t == NONE || t < sb || t >= b1)
            continue;
        if ((err = do_pairs(bd, ev, xm, sa, i, sb, t)) < 0 ||
            (err = ent_push(ev, DS_DIFF_PARA_EQUAL, bd->side[0].units[i].role, i, t)) < 0)
            return err;
        sa = i + 1, sb = t + 1;
    }
    return do_pairs(bd, ev, xm, sa, a1, sb, b1);
}

typedef struct move_cand {
    double score;
    size_t del, ins; /* entry indices */
} move_cand;

/* Best score first; ties in document order (deterministic). */
static int cmp_cand(const void *x, const void *y)
{
    const move_cand *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    if (a->del != b->del)
        return a->del < b->del ? -1 : 1;
    return a->ins < b->ins ? -1 : a->ins > b->ins;
}

/* A deletion and an insertion at the same place (same change region, no
 * pair between them) are a rewrite, not a move. */
static int same_place(const ent *d, const ent *i)
{
    return d->region == i->region && d->slot == i->slot;
}

/* Turn deleted/inserted body paragraph pairs into moves: first those with
 * an exact partner (match_exact()), whatever their size, then similar ones
 * with at least move_min_alnum letters and digits. */
static int find_moves(ds__builder *bd, entvec *ev, const xmatch *xm)
{
    size_t min_alnum = bd->opts->move_min_alnum ? bd->opts->move_min_alnum : 20;
    size_t k, nd = 0, ni = 0;
    size_t *entb = NULL, *dels = NULL, *inss = NULL, nc = 0;
    move_cand *cands = NULL;
    int err = 0;

    /* exact: the entry of each inserted unit, then each deletion's partner */
    if (!(entb = ds__malloc((bd->side[1].nunits + 1) * sizeof *entb)))
        return DS_ENOMEM;
    for (k = 0; k < ev->n; k++)
        if (ev->v[k].kind == DS_DIFF_PARA_INSERTED)
            entb[ev->v[k].ub] = k;
    for (k = 0; k < ev->n; k++) {
        ent *e = &ev->v[k], *t;
        size_t ub;
        if (e->kind != DS_DIFF_PARA_DELETED || (ub = xm->peer[0][e->ua]) == NONE)
            continue;
        t = &ev->v[entb[ub]];
        e->kind = DS_DIFF_PARA_MOVED_FROM;
        e->peer = entb[ub];
        t->kind = DS_DIFF_PARA_MOVED_TO;
        t->peer = k;
        t->ua = e->ua;
    }

    for (k = 0; k < ev->n; k++) {
        ent *e = &ev->v[k];
        if (e->role != DS_DIFF_ROLE_BODY)
            continue;
        if (e->kind == DS_DIFF_PARA_DELETED) {
            const ds__unit *u = &bd->side[0].units[e->ua];
            if (ds__count_alnum(bd->side[0].text, u->off, u->len) >= min_alnum)
                nd++;
            else
                e->peer = NONE - 1; /* too small to be a move */
        } else if (e->kind == DS_DIFF_PARA_INSERTED) {
            const ds__unit *u = &bd->side[1].units[e->ub];
            if (ds__count_alnum(bd->side[1].text, u->off, u->len) >= min_alnum)
                ni++;
            else
                e->peer = NONE - 1;
        }
    }
    if (!nd || !ni)
        goto done;

    /* similar contents, best first, when the candidates are few enough */
    nd = ni = 0;
    dels = ds__malloc(ev->n * sizeof *dels);
    inss = ds__malloc(ev->n * sizeof *inss);
    if (!dels || !inss) {
        err = DS_ENOMEM;
        goto done;
    }
    for (k = 0; k < ev->n; k++) {
        ent *e = &ev->v[k];
        if (e->role != DS_DIFF_ROLE_BODY || e->peer != NONE)
            continue;
        if (e->kind == DS_DIFF_PARA_DELETED)
            dels[nd++] = k;
        else if (e->kind == DS_DIFF_PARA_INSERTED)
            inss[ni++] = k;
    }
    if (nd && ni && nd * ni <= MOVE_SIM_MAX) {
        for (k = 0; k < nd; k++)
            if ((err = unit_bag(bd, 0, ev->v[dels[k]].ua)) < 0)
                goto done;
        for (k = 0; k < ni; k++)
            if ((err = unit_bag(bd, 1, ev->v[inss[k]].ub)) < 0)
                goto done;
        cands = ds__malloc(nd * ni * sizeof *cands);
        if (!cands) {
            err = DS_ENOMEM;
            goto done;
        }
        for (size_t x = 0; x < nd; x++) {
            for (size_t y = 0; y < ni; y++) {
                double s;
                if (same_place(&ev->v[dels[x]], &ev->v[inss[y]]))
                    continue;
                s = pair_score(bd, ev->v[dels[x]].ua, ev->v[inss[y]].ub, MOVE_MIN_SIM);
                if (s > 0)
                    cands[nc++] = (move_cand){s, dels[x], inss[y]};
            }
        }
        qsort(cands, nc, sizeof *cands, cmp_cand);
        for (k = 0; k < nc; k++) {
            size_t x = cands[k].del, y = cands[k].ins;
            if (ev->v[x].peer != NONE || ev->v[y].peer != NONE)
                continue;
            ev->v[x].kind = DS_DIFF_PARA_MOVED_FROM;
            ev->v[x].peer = y;
            ev->v[y].kind = DS_DIFF_PARA_MOVED_TO;
            ev->v[y].peer = x;
            ev->v[y].ua = ev->v[x].ua;
        }
    }
done:
    for (k = 0; k < ev->n; k++)
        if (ev->v[k].peer == NONE - 1)
            ev->v[k].peer = NONE;
    free(entb);
    free(dels);
    free(inss);
    free(cands);
    return err;
}

/* A paragraph replaced by a dissimilar one at the same place is still a
 * rewrite of that paragraph, unless one of them moved elsewhere: turn such a
 * deletion and insertion back into one changed entry (the insertion entry is
 * dropped: kind -1). */
static void repair_weak(entvec *ev)
{
    for (size_t k = 0; k + 1 < ev->n; k++) {
        ent *d = &ev->v[k], *i = &ev->v[k + 1];
        if (!d->weak || d->kind != DS_DIFF_PARA_DELETED || i->kind != DS_DIFF_PARA_INSERTED ||
            !i->weak)
            continue;
        d->kind = DS_DIFF_PARA_CHANGED;
        d->ub = i->ub;
        d->has_ops = 1;
        i->kind = -1;
    }
}

/* ---- ops ------------------------------------------------------------------------ */

int ds__opvec_push(ds__opvec *o, int kind, unsigned flags, size_t a_off, size_t a_len, size_t b_off,
                   size_t b_len)
{
    ds_diff_op *p;
    if (kind == DS_DIFF_OP_EQUAL ? a_len == 0 : (a_len == 0 && b_len == 0))
        return 0;
    if (o->n) {
        p = &o->v[o->n - 1];
        if ((int)p->kind == kind && p->flags == flags && p->a_off + p->a_len == a_off &&
            p->b_off + p->b_len == b_off) {
            p->a_len += a_len;
            p->b_len += b_len;
            return 0;
        }
    }
    if (o->n == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 64;
        ds_diff_op *nv = ds__realloc(o->v, ncap * sizeof *nv);
        if (!nv)
            return DS_ENOMEM;
        o->v = nv;
        o->cap = ncap;
    }
    p = &o->v[o->n++];
    p->kind = (ds_diff_op_kind)kind;
    p->flags = flags;
    p->a_off = a_off;
    p->a_len = a_len;
    p->b_off = b_off;
    p->b_len = b_len;
    return 0;
}

/* A stretch between two matched tokens that contains changed tokens:
 * A [sa, ea) with its tokens ta[0, na), B likewise. */
static int emit_change(ds__opvec *o, const char *A, size_t sa, size_t ea, const ds__token *ta,
                       size_t na, const char *B, size_t sb, size_t eb, const ds__token *tb,
                       size_t nb)
{
    size_t la = na ? ta[0].off - sa : ea - sa, lb = nb ? tb[0].off - sb : eb - sb;
    size_t ra, rb;
    int a_used = 0, b_used = 0, err;
    /* leading white space in common */
    if (la && la == lb && memcmp(A + sa, B + sb, la) == 0) {
        if ((err = ds__opvec_push(o, DS_DIFF_OP_EQUAL, 0, sa, la, sb, lb)) < 0)
            return err;
        sa += la, sb += lb;
        a_used = !na, b_used = !nb;
    }
    /* trailing white space in common */
    ra = na ? ea - (ta[na - 1].off + ta[na - 1].len) : (a_used ? 0 : ea - sa);
    rb = nb ? eb - (tb[nb - 1].off + tb[nb - 1].len) : (b_used ? 0 : eb - sb);
    if (!(ra && ra == rb && memcmp(A + ea - ra, B + eb - rb, ra) == 0))
        ra = rb = 0;
    if ((err = ds__opvec_push(o, DS_DIFF_OP_DELETE, 0, sa, ea - ra - sa, sb, 0)) < 0 ||
        (err = ds__opvec_push(o, DS_DIFF_OP_INSERT, 0, ea - ra, 0, sb, eb - rb - sb)) < 0 ||
        (err = ds__opvec_push(o, DS_DIFF_OP_EQUAL, 0, ea - ra, ra, eb - rb, rb)) < 0)
        return err;
    return 0;
}

/* White space only on both sides; eq_flags for the common part, chg_flags
 * for the rest. */
static int emit_space(ds__opvec *o, unsigned eq_flags, unsigned chg_flags, const char *A, size_t sa,
                      size_t ea, const char *B, size_t sb, size_t eb)
{
    size_t la = ea - sa, lb = eb - sb, p = 0;
    int err;
    if (la == lb && memcmp(A + sa, B + sb, la) == 0)
        return ds__opvec_push(o, DS_DIFF_OP_EQUAL, eq_flags, sa, la, sb, lb);
    while (p < la && p < lb && A[sa + p] == B[sb + p])
        p++;
    while (p && ((unsigned char)A[sa + p] & 0xC0) == 0x80)
        p--; /* whole code points */
    if ((err = ds__opvec_push(o, DS_DIFF_OP_EQUAL, eq_flags, sa, p, sb, p)) < 0 ||
        (err = ds__opvec_push(o, DS_DIFF_OP_DELETE, chg_flags, sa + p, la - p, sb + p, 0)) < 0 ||
        (err = ds__opvec_push(o, DS_DIFF_OP_INSERT, chg_flags, ea, 0, sb + p, lb - p)) < 0)
        return err;
    return 0;
}

/* Word-level diff of unit ua (A) against unit ub (B), appended to o; *sim
 * (when not NULL) gets 2 * unchanged words / all words of both. */
/* Space-separated runs in s[0, n): a cheap word count for similarity. */
/* 0x80 in every byte of x that is a space (exact per byte), else 0. */
static uint64_t space_bytes(uint64_t x)
{
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7Full;
    uint64_t v = x ^ 0x2020202020202020ull;
    return ~(((v & low7) + low7) | v) & ~low7;
}

/* A run starts at each non-space byte after a space (or at the start):
 * eight bytes at a time, comparing each with the byte before it (a second
 * load one byte earlier, so the byte order does not matter). */
static size_t count_runs(const char *s, size_t n)
{
    size_t k, i = 1;
    if (!n)
        return 0;
    k = s[0] != ' ';
    for (; n - i >= 8; i += 8) {
        uint64_t x, y, m;
        memcpy(&x, s + i, 8);
        memcpy(&y, s + i - 1, 8);
        m = ~space_bytes(x) & space_bytes(y); /* 0x80 where a run starts */
        k += (size_t)(((m >> 7) * 0x0101010101010101ull) >> 56);
    }
    for (; i < n; i++)
        k += (s[i] != ' ') & (s[i - 1] == ' ');
    return k;
}

/* Length of the common prefix of a[0, n) and b[0, n), eight bytes at a time. */
static size_t common_prefix(const char *a, const char *b, size_t n)
{
    size_t i = 0;
    while (n - i >= 8) {
        uint64_t x, y;
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y)
            break;
        i += 8;
    }
    while (i < n && a[i] == b[i])
        i++;
    return i;
}

/* Length of the common suffix of a[0, n) and b[0, n) (same ends). */
static size_t common_suffix(const char *a, const char *b, size_t n)
{
    size_t i = 0;
    while (n - i >= 8) {
        uint64_t x, y;
        memcpy(&x, a + n - i - 8, 8);
        memcpy(&y, b + n - i - 8, 8);
        if (x != y)
            break;
        i += 8;
    }
    while (i < n && a[n - 1 - i] == b[n - 1 - i])
        i++;
    return i;
}

static int tokens_of(ds__builder *bd, const char *text, size_t off, size_t len, ds__tokvec *tv)
{
    tok_ctx t = {bd, text, tv, NULL, 0};
    tv->n = 0;
    if (!tv->v) { /* never NULL: callers offset it (ta + i) even when empty */
        if (!(tv->v = ds__malloc(16 * sizeof *tv->v)))
            return DS_ENOMEM;
        tv->cap = 16;
    }
    ds__tokenize(text, off, len, tok_cb, &t);
    return t.err;
}

static int word_diff(ds__builder *bd, size_t ua, size_t ub, ds__opvec *o, double *sim)
{
    const ds__side *SA = &bd->side[0], *SB = &bd->side[1];
    const ds__unit *x = &SA->units[ua], *y = &SB->units[ub];
    const char *A = SA->text + x->off, *B = SB->text + y->off;
    const ds__token *ta, *tb;
    size_t n, m, i = 0, j = 0, k, wa, wb, weq, pre = 0, suf = 0, lim;
    size_t posA, posB, endA, endB;
    unsigned char *ca, *cb;
    int err;

    /* Bytes common to the start and to the end of both paragraphs need no
     * tokenizing: Myers would match them first. The prefix is cut at the end
     * of a token (before a space that is common too), the suffix at the start
     * of one (an ASCII character after a common space), so that both hold
     * whole tokens in both texts and the white space around the middle stays
     * with it: the ops are the same as without the shortcut. */
    lim = x->len < y->len ? x->len : y->len;
    pre = common_prefix(A, B, lim);
    pre = pre ? pre - 1 : 0;
    while (pre > 0 && !(A[pre] == ' ' && A[pre - 1] != ' '))
        pre--;
    suf = common_suffix(A + x->len - (lim - pre), B + y->len - (lim - pre), lim - pre);
    suf = suf ? suf - 1 : 0;
    while (suf > 0 && !(A[x->len - suf - 1] == ' ' && (unsigned char)A[x->len - suf] < 0x80 &&
                        A[x->len - suf] != ' '))
        suf--;
    posA = x->off + pre, posB = y->off + pre;
    endA = x->off + x->len - suf, endB = y->off + y->len - suf;
    if ((err = ds__opvec_push(o, DS_DIFF_OP_EQUAL, 0, x->off, pre, y->off, pre)) < 0 ||
        (err = tokens_of(bd, SA->text, posA, endA - posA, &bd->ta)) < 0 ||
        (err = tokens_of(bd, SB->text, posB, endB - posB, &bd->tb)) < 0)
        return err;
    wa = wb = weq = count_runs(A, pre) + count_runs(A + x->len - suf, suf);
    ta = bd->ta.v, tb = bd->tb.v;
    n = bd->ta.n, m = bd->tb.n;
    if (n + m + 1 > bd->idcap) { /* + 1: never NULL, even for two empty token lists */
        size_t ncap = (n + m + 1) * 2;
        uint32_t *ni = ds__realloc(bd->ids, ncap * sizeof *ni);
        unsigned char *nc;
        if (!ni)
            return DS_ENOMEM;
        bd->ids = ni;
        if (!(nc = ds__realloc(bd->chg, ncap)))
            return DS_ENOMEM;
        bd->chg = nc;
        bd->idcap = ncap;
    }
    for (k = 0; k < n; k++) {
        bd->ids[k] = ta[k].id;
        wa += DS__TOK_IS_WORD(ta[k].kind);
    }
    for (k = 0; k < m; k++) {
        bd->ids[n + k] = tb[k].id;
        wb += DS__TOK_IS_WORD(tb[k].kind);
    }
    ca = bd->chg, cb = bd->chg + n;
    if ((err = ds__myers(bd->ids, n, bd->ids + n, m, ca, cb, &bd->env)) < 0)
        return err;

    for (;;) {
        size_t i2 = i, j2 = j;
        while (i2 < n && ca[i2])
            i2++;
        while (j2 < m && cb[j2])
            j2++;
        if (i2 == i && j2 == j) {
            size_t ea = i < n ? ta[i].off : endA, eb = j < m ? tb[j].off : endB;
            if ((err = emit_space(o, 0, 0, SA->text, posA, ea, SB->text, posB, eb)) < 0)
                return err;
            if (i == n || j == m)
                break; /* both ends reached (the counts of unchanged tokens agree) */
            if ((err = ds__opvec_push(o, DS_DIFF_OP_EQUAL, 0, ta[i].off, ta[i].len, tb[j].off,
                                      tb[j].len)) < 0)
                return err;
            weq += DS__TOK_IS_WORD(ta[i].kind);
            posA = ta[i].off + ta[i].len;
            posB = tb[j].off + tb[j].len;
            i++, j++;
        } else {
            size_t ea = i2 < n ? ta[i2].off : endA, eb = j2 < m ? tb[j2].off : endB;
            if ((err = emit_change(o, SA->text, posA, ea, ta + i, i2 - i, SB->text, posB, eb,
                                   tb + j, j2 - j)) < 0)
                return err;
            posA = ea, posB = eb;
            i = i2, j = j2;
        }
    }
    if ((err = ds__opvec_push(o, DS_DIFF_OP_EQUAL, 0, endA, suf, endB, suf)) < 0)
        return err;
    if (sim) {
        if (wa + wb)
            *sim = 2.0 * (double)weq / (double)(wa + wb);
        else
            *sim = ds__cosmetic_equal(SA->text + x->off, x->len, SB->text + y->off, y->len) ? 1.0
                                                                                            : 0.5;
    }
    if (!(bd->opts->flags & DS_DIFF_NO_CLEANUP)) {
        if ((err = ds__cleanup_semantic(o, SA->text, SB->text)) < 0)
            return err;
    } else if ((err = ds__cleanup_merge(o, SA->text, SB->text)) < 0)
        return err;
    return 0;
}

/* The white space after units ua (A) and ub (B); either may be NONE. */
static int emit_gap(ds__builder *bd, ds__opvec *o, size_t ua, size_t ub)
{
    const ds__side *SA = &bd->side[0], *SB = &bd->side[1];
    size_t sa, la, sb, lb;
    if (ua == NONE) {
        const ds__unit *y = &SB->units[ub];
        return ds__opvec_push(o, DS_DIFF_OP_INSERT, DS_DIFF_OP_GAP, SA->len, 0, y->gap_off,
                              y->gap_len);
    }
    if (ub == NONE) {
        const ds__unit *x = &SA->units[ua];
        return ds__opvec_push(o, DS_DIFF_OP_DELETE, DS_DIFF_OP_GAP, x->gap_off, x->gap_len, SB->len,
                              0);
    }
    sa = SA->units[ua].gap_off, la = SA->units[ua].gap_len;
    sb = SB->units[ub].gap_off, lb = SB->units[ub].gap_len;
    return emit_space(o, DS_DIFF_OP_GAP, DS_DIFF_OP_GAP | DS_DIFF_OP_COSMETIC, SA->text, sa,
                      sa + la, SB->text, sb, sb + lb);
}

int ds__diff_push_op(ds_diff *d, int kind, unsigned flags, size_t a_off, size_t a_len, size_t b_off,
                     size_t b_len)
{
    ds__opvec o = {d->ops, d->nops, d->capops};
    int err = ds__opvec_push(&o, kind, flags, a_off, a_len, b_off, b_len);
    d->ops = o.v, d->nops = o.n, d->capops = o.cap;
    return err;
}

static int para_push(ds_diff *d, const ds_diff_para *p)
{
    if (d->npara == d->cappara) {
        size_t ncap = d->cappara ? d->cappara * 2 : 64;
        ds_diff_para *nv = ds__realloc(d->paras, ncap * sizeof *nv);
        if (!nv)
            return DS_ENOMEM;
        d->paras = nv;
        d->cappara = ncap;
    }
    d->paras[d->npara++] = *p;
    return 0;
}

/* Fix the insertion/deletion anchors of ops (a_off of INSERT, b_off of
 * DELETE) so that they are positions in the other text, and append them. */
static int flush_ops(ds_diff *d, ds__opvec *o, ds_diff_para *p, size_t *apos, size_t *bpos,
                     int tiles_a, int tiles_b)
{
    size_t k;
    p->first_op = d->nops;
    for (k = 0; k < o->n; k++) {
        ds_diff_op op = o->v[k];
        if (op.kind == DS_DIFF_OP_DELETE)
            op.b_off = *bpos;
        else if (op.kind == DS_DIFF_OP_INSERT && tiles_a)
            op.a_off = *apos;
        if (tiles_a && op.kind != DS_DIFF_OP_INSERT)
            *apos = op.a_off + op.a_len;
        if (tiles_b && op.kind != DS_DIFF_OP_DELETE)
            *bpos = op.b_off + op.b_len;
        if (d->nops == d->capops) {
            size_t ncap = d->capops ? d->capops * 2 : 256;
            ds_diff_op *nv = ds__realloc(d->ops, ncap * sizeof *nv);
            if (!nv)
                return DS_ENOMEM;
            d->ops = nv;
            d->capops = ncap;
        }
        d->ops[d->nops++] = op;
    }
    p->op_count = d->nops - p->first_op;
    o->n = 0;
    return 0;
}

static int any_change(const ds__opvec *o)
{
    for (size_t k = 0; k < o->n; k++)
        if (o->v[k].kind != DS_DIFF_OP_EQUAL)
            return 1;
    return 0;
}

/* The cosmetic keys of two paired units are equal (compared from their
 * first difference on: the text before it is the same). */
static int keys_equal(const ds__unit *x, const ds__unit *y, const ds__opvec *o,
                      const ds__builder *bd)
{
    size_t k = 0;
    while (k < o->n && o->v[k].kind == DS_DIFF_OP_EQUAL)
        k++;
    if (k == o->n)
        return 1;
    return ds__cosmetic_equal_at(bd->side[0].text, o->v[k].a_off, x->off + x->len, bd->side[1].text,
                                 o->v[k].b_off, y->off + y->len);
}

static int emit_entries(ds__builder *bd, const entvec *ev)
{
    ds_diff *d = bd->diff;
    const ds__side *SA = &bd->side[0], *SB = &bd->side[1];
    ds__opvec o = {NULL, 0, 0};
    size_t k, apos = 0, bpos = 0, *outidx, next;
    int err = 0;

    /* index of each entry among the output paragraphs (for move peers) */
    if (!(outidx = ds__malloc((ev->n + 1) * sizeof *outidx)))
        return DS_ENOMEM;
    next = (SA->lead_len || SB->lead_len) ? 1 : 0;
    for (k = 0; k < ev->n; k++)
        outidx[k] = ev->v[k].kind < 0 ? NONE : next++;

    if (SA->lead_len || SB->lead_len) {
        ds_diff_para p;
        memset(&p, 0, sizeof p);
        p.role = DS_DIFF_ROLE_SPACE;
        p.a_line = p.b_line = p.peer = NONE;
        if (SA->lead_len && SB->lead_len)
            err = emit_space(&o, DS_DIFF_OP_GAP, DS_DIFF_OP_GAP | DS_DIFF_OP_COSMETIC, SA->text, 0,
                             SA->lead_len, SB->text, 0, SB->lead_len);
        else if (SA->lead_len)
            err = ds__opvec_push(&o, DS_DIFF_OP_DELETE, DS_DIFF_OP_GAP | DS_DIFF_OP_COSMETIC, 0,
                                 SA->lead_len, 0, 0);
        else
            err = ds__opvec_push(&o, DS_DIFF_OP_INSERT, DS_DIFF_OP_GAP | DS_DIFF_OP_COSMETIC, 0, 0,
                                 0, SB->lead_len);
        if (err < 0)
            goto done;
        p.kind = !SB->lead_len   ? DS_DIFF_PARA_DELETED
                 : !SA->lead_len ? DS_DIFF_PARA_INSERTED
                 : o.n == 1      ? DS_DIFF_PARA_EQUAL
                                 : DS_DIFF_PARA_CHANGED;
        if (p.kind != DS_DIFF_PARA_EQUAL)
            p.flags = DS_DIFF_PARA_COSMETIC;
        if ((err = flush_ops(d, &o, &p, &apos, &bpos, 1, 1)) < 0 || (err = para_push(d, &p)) < 0)
            goto done;
    }

    for (k = 0; k < ev->n; k++) {
        const ent *e = &ev->v[k];
        const ds__unit *x, *y;
        if (e->kind < 0)
            continue;
        x = e->ua != NONE ? &SA->units[e->ua] : NULL;
        y = e->ub != NONE ? &SB->units[e->ub] : NULL;
        ds_diff_para p;
        int tiles_a = e->kind != DS_DIFF_PARA_MOVED_TO,
            tiles_b = e->kind != DS_DIFF_PARA_MOVED_FROM;
        int cosmetic = 0;

        memset(&p, 0, sizeof p);
        p.kind = (ds_diff_para_kind)e->kind;
        p.role = (ds_diff_role)e->role;
        p.peer = e->peer == NONE ? NONE : outidx[e->peer];
        p.a_line = p.b_line = NONE;
        if (x && e->kind != DS_DIFF_PARA_INSERTED) {
            p.a_line = x->line;
            p.a_para = x->para;
            p.a_off = x->off;
            p.a_len = x->len;
        }
        if (y && e->kind != DS_DIFF_PARA_MOVED_FROM) {
            p.b_line = y->line;
            p.b_para = y->para;
            p.b_off = y->off;
            p.b_len = y->len;
        }
        switch (e->kind) {
        case DS_DIFF_PARA_EQUAL:
            err = ds__opvec_push(&o, DS_DIFF_OP_EQUAL, 0, x->off, x->len, y->off, y->len);
            if (err >= 0)
                err = emit_gap(bd, &o, e->ua, e->ub);
            cosmetic = any_change(&o);
            break;
        case DS_DIFF_PARA_CHANGED:
        case DS_DIFF_PARA_MOVED_TO:
            if (x->id == y->id)
                err = ds__opvec_push(&o, DS_DIFF_OP_EQUAL, 0, x->off, x->len, y->off, y->len);
            else if (e->has_ops) {
                for (size_t t = 0; t < e->pend_count && err >= 0; t++) {
                    const ds_diff_op *op = &bd->pending[e->pend_first + t];
                    err = ds__opvec_push(&o, (int)op->kind, op->flags, op->a_off, op->a_len,
                                         op->b_off, op->b_len);
                }
            } else
                err = word_diff(bd, e->ua, e->ub, &o, NULL);
            if (err >= 0) {
                int all = ds__mark_cosmetic(o.v, o.n, SA->text, SB->text);
                int same = keys_equal(x, y, &o, bd);
                if (all && !same) /* the whole decides: no change is hidden */
                    for (size_t t = 0; t < o.n; t++)
                        o.v[t].flags &= ~DS_DIFF_OP_COSMETIC;
                cosmetic = e->kind == DS_DIFF_PARA_CHANGED && same;
                err = emit_gap(bd, &o, e->ua, e->ub);
            }
            break;
        case DS_DIFF_PARA_DELETED:
        case DS_DIFF_PARA_MOVED_FROM:
            err = ds__opvec_push(&o, DS_DIFF_OP_DELETE, 0, x->off, x->len, 0, 0);
            if (err >= 0)
                err = emit_gap(bd, &o, e->ua, NONE);
            cosmetic =
                e->kind == DS_DIFF_PARA_DELETED && ds__cosmetic_empty(SA->text + x->off, x->len);
            break;
        case DS_DIFF_PARA_INSERTED:
            err = ds__opvec_push(&o, DS_DIFF_OP_INSERT, 0, 0, 0, y->off, y->len);
            if (err >= 0)
                err = emit_gap(bd, &o, NONE, e->ub);
            cosmetic = ds__cosmetic_empty(SB->text + y->off, y->len);
            break;
        }
        if (err < 0)
            goto done;
        if (cosmetic) {
            p.flags |= DS_DIFF_PARA_COSMETIC;
            for (size_t t = 0; t < o.n; t++)
                if (o.v[t].kind != DS_DIFF_OP_EQUAL)
                    o.v[t].flags |= DS_DIFF_OP_COSMETIC;
        }
        if ((err = flush_ops(d, &o, &p, &apos, &bpos, tiles_a, tiles_b)) < 0 ||
            (err = para_push(d, &p)) < 0)
            goto done;
    }
    if (apos != SA->len || bpos != SB->len)
        err = ds__error_set(DS_ERROR,
                            "diff: internal error: script covers %zu of %zu and %zu "
                            "of %zu bytes",
                            apos, SA->len, bpos, SB->len);
done:
    free(o.v);
    free(outidx);
    return err;
}

/* Entries [k0, k1) and their edits are cosmetic. */
static void flag_cosmetic(ds_diff *d, size_t k0, size_t k1)
{
    for (size_t k = k0; k < k1; k++) {
        ds_diff_para *p = &d->paras[k];
        if (p->kind == DS_DIFF_PARA_EQUAL)
            continue;
        p->flags |= DS_DIFF_PARA_COSMETIC;
        for (size_t t = p->first_op; t < p->first_op + p->op_count; t++)
            if (d->ops[t].kind != DS_DIFF_OP_EQUAL)
                d->ops[t].flags |= DS_DIFF_OP_COSMETIC;
    }
}

/* The texts of entries [k0, k1) (without moves: they tile A and B) have
 * equal cosmetic keys. */
static int span_cosmetic(const ds_diff *d, size_t k0, size_t k1)
{
    size_t a0 = (size_t)-1, a1 = 0, b0 = (size_t)-1, b1 = 0;
    for (size_t k = k0; k < k1; k++) {
        const ds_diff_para *p = &d->paras[k];
        for (size_t t = p->first_op; t < p->first_op + p->op_count; t++) {
            const ds_diff_op *op = &d->ops[t];
            if (op->kind != DS_DIFF_OP_INSERT && op->a_len) {
                a0 = op->a_off < a0 ? op->a_off : a0;
                a1 = op->a_off + op->a_len > a1 ? op->a_off + op->a_len : a1;
            }
            if (op->kind != DS_DIFF_OP_DELETE && op->b_len) {
                b0 = op->b_off < b0 ? op->b_off : b0;
                b1 = op->b_off + op->b_len > b1 ? op->b_off + op->b_len : b1;
            }
        }
    }
    if (a0 > a1)
        a0 = a1 = 0;
    if (b0 > b1)
        b0 = b1 = 0;
    return ds__cosmetic_equal(d->text[0] + a0, a1 - a0, d->text[1] + b0, b1 - b0);
}

/* A change spread over several entries, such as a paragraph split in two or
 * two paragraphs merged, is cosmetic when the texts of each run of changed
 * entries (between unchanged ones) are cosmetically equal, and everything is
 * when the whole texts are; not with moved paragraphs. */
static void cosmetic_spans(ds_diff *d)
{
    size_t k = 0, first = d->npara;
    int all = 1, moves = 0;
    while (k < d->npara) {
        size_t k1 = k;
        int flagged = 1, moved = 0;
        if (d->paras[k].kind == DS_DIFF_PARA_EQUAL) {
            k++;
            continue;
        }
        first = first < k ? first : k;
        for (; k1 < d->npara && d->paras[k1].kind != DS_DIFF_PARA_EQUAL; k1++) {
            flagged &= (d->paras[k1].flags & DS_DIFF_PARA_COSMETIC) != 0;
            moved |= d->paras[k1].kind == DS_DIFF_PARA_MOVED_FROM ||
                     d->paras[k1].kind == DS_DIFF_PARA_MOVED_TO;
        }
        if (!flagged && !moved && span_cosmetic(d, k, k1))
            flag_cosmetic(d, k, k1);
        else if (!flagged)
            all = 0;
        moves |= moved;
        k = k1;
    }
    if (!all && !moves && span_cosmetic(d, first, d->npara))
        flag_cosmetic(d, first, d->npara);
}

/* ---- driver ------------------------------------------------------------------------ */

static int intern_units(ds__builder *bd, int which, uint32_t **ids)
{
    ds__side *sd = &bd->side[which];
    size_t i;
    *ids = ds__malloc((sd->nunits ? sd->nunits : 1) * sizeof **ids);
    if (!*ids)
        return DS_ENOMEM;
    for (i = 0; i < sd->nunits; i++) {
        ds__unit *u = &sd->units[i];
        if (ds__intern_get(&bd->lines, sd->text + u->off, u->len, &u->id) < 0)
            return DS_ENOMEM;
        (*ids)[i] = u->id;
    }
    return 0;
}

int ds__diff_build(ds__builder *bd)
{
    ds_diff *d = bd->diff;
    uint32_t *ia = NULL, *ib = NULL;
    unsigned char *ca = NULL, *cb = NULL;
    entvec ev = {NULL, 0, 0, 0, 0};
    xmatch xm = {{NULL, NULL}};
    size_t i = 0, j = 0, na, nb;
    int err;

    {
        size_t la = count_lines(d->text[0], d->len[0]), lb = count_lines(d->text[1], d->len[1]);
        size_t most = la > lb ? la : lb;
        size_t k = most > MAX_UNITS ? (most + MAX_UNITS / 2 - 1) / (MAX_UNITS / 2) : 1;
        for (int w = 0; w < 2; w++) {
            bd->side[w].text = d->text[w];
            bd->side[w].len = d->len[w];
            if ((err = split_units(&bd->side[w], k)) < 0)
                goto done;
            assign_roles(&bd->side[w]);
        }
    }
    if ((err = intern_units(bd, 0, &ia)) < 0 || (err = intern_units(bd, 1, &ib)) < 0)
        goto done;
    na = bd->side[0].nunits, nb = bd->side[1].nunits;
    ca = ds__malloc(na + 1);
    cb = ds__malloc(nb + 1);
    if (!ca || !cb) {
        err = DS_ENOMEM;
        goto done;
    }
    if ((err = ds__myers(ia, na, ib, nb, ca, cb, &bd->env)) < 0 ||
        (err = match_exact(bd, ca, cb, &xm)) < 0)
        goto done;

    while (i < na || j < nb) {
        if (i < na && j < nb && !ca[i] && !cb[j]) {
            if ((err = ent_push(&ev, DS_DIFF_PARA_EQUAL, bd->side[0].units[i].role, i, j)) < 0)
                goto done;
            i++, j++;
        } else {
            size_t i2 = i, j2 = j;
            while (i2 < na && ca[i2])
                i2++;
            while (j2 < nb && cb[j2])
                j2++;
            if (i2 == i && j2 == j) {
                err = ds__error_set(DS_ERROR, "diff: internal error: inconsistent alignment");
                goto done;
            }
            if ((err = do_region(bd, &ev, &xm, i, i2, j, j2)) < 0)
                goto done;
            i = i2, j = j2;
        }
    }
    if (!(bd->opts->flags & DS_DIFF_NO_MOVES) && (err = find_moves(bd, &ev, &xm)) < 0)
        goto done;
    repair_weak(&ev);
    if ((err = emit_entries(bd, &ev)) >= 0)
        cosmetic_spans(d);
done:
    free(ia);
    free(ib);
    free(ca);
    free(cb);
    free(ev.v);
    xmatch_free(&xm);
    return err;
}

void ds__builder_free(ds__builder *bd)
{
    for (int w = 0; w < 2; w++) {
        free(bd->side[w].units);
        free(bd->side[w].bags);
    }
    free(bd->pending);
    free(bd->ta.v);
    free(bd->tb.v);
    free(bd->ids);
    free(bd->chg);
    free(bd->sim_cnt);
    free(bd->sim_gen);
    ds__intern_free(&bd->lines);
    ds__intern_free(&bd->words);
    ds__myers_env_free(&bd->env);
}

/* ---- plain line diff for the unified renderer ---------------------------------- */

static int line_starts(const char *s, size_t len, size_t **out, size_t *n)
{
    size_t cap = 64, k = 0, i = 0;
    size_t *v = ds__malloc(cap * sizeof *v);
    if (!v)
        return DS_ENOMEM;
    while (i < len) {
        const char *nl = memchr(s + i, '\n', len - i);
        if (k + 2 > cap) {
            size_t *nv = ds__realloc(v, (cap *= 2) * sizeof *nv);
            if (!nv) {
                free(v);
                return DS_ENOMEM;
            }
            v = nv;
        }
        v[k++] = i;
        i = nl ? (size_t)(nl - s) + 1 : len;
    }
    v[k] = len;
    *out = v;
    *n = k;
    return 0;
}

int ds__line_diff(const ds_diff *d, size_t **la, size_t *nla, size_t **lb, size_t *nlb,
                  unsigned char **ca, unsigned char **cb)
{
    ds__intern t = {NULL, 0, 0};
    ds__myers_env env;
    uint32_t *ids = NULL;
    size_t k;
    int err;
    memset(&env, 0, sizeof env);
    env.budget = d->budget;
    *la = *lb = NULL;
    *ca = *cb = NULL;
    if ((err = line_starts(d->text[0], d->len[0], la, nla)) < 0 ||
        (err = line_starts(d->text[1], d->len[1], lb, nlb)) < 0)
        goto done;
    ids = ds__malloc((*nla + *nlb + 1) * sizeof *ids);
    *ca = ds__malloc(*nla + 1);
    *cb = ds__malloc(*nlb + 1);
    if (!ids || !*ca || !*cb) {
        err = DS_ENOMEM;
        goto done;
    }
    for (k = 0; k < *nla; k++)
        if ((err = ds__intern_get(&t, d->text[0] + (*la)[k], (*la)[k + 1] - (*la)[k], &ids[k])) < 0)
            goto done;
    for (k = 0; k < *nlb; k++)
        if ((err = ds__intern_get(&t, d->text[1] + (*lb)[k], (*lb)[k + 1] - (*lb)[k],
                                  &ids[*nla + k])) < 0)
            goto done;
    err = ds__myers(ids, *nla, ids + *nla, *nlb, *ca, *cb, &env);
done:
    if (err < 0) {
        free(*la), free(*lb), free(*ca), free(*cb);
        *la = *lb = NULL;
        *ca = *cb = NULL;
    }
    free(ids);
    ds__intern_free(&t);
    ds__myers_env_free(&env);
    return err;
}
