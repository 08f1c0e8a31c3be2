/*
 * diff_myers.c - Myers' O(ND) difference algorithm ("An O(ND) Difference
 * Algorithm and Its Variations", E. W. Myers, 1986), linear-space variant:
 * find the middle snake of the edit graph from both ends, split there and
 * recurse (here with an explicit stack).
 *
 * Practical additions, in the spirit of git's xdiff:
 *   - common prefix and suffix are trimmed first;
 *   - elements with no counterpart on the other side are marked changed and
 *     removed before searching (they can never be in a common subsequence);
 *   - heuristics: past a cost of 256, a diagonal that ends in a long snake
 *     and has made good progress is taken as the split point; past a cost of
 *     about sqrt(N), the furthest-reaching path is taken;
 *   - a work budget (env->budget, counted in diagonal and snake steps): when
 *     it runs out, every remaining sub-problem is resolved coarsely (all of
 *     its elements changed). The result is always a valid common
 *     subsequence, hence an exact edit script, only maybe not a minimal one.
 */
#include "diff_internal.h"

#include <stdlib.h>
#include <string.h>

enum {
    HEUR_MIN_COST = 256, /* cost after which the good-snake heuristic applies */
    SNAKE_CNT = 20,      /* a snake at least this long is "good" */
    K_HEUR = 4,          /* progress factor for the good-snake heuristic */
    MAX_COST_MIN = 256   /* lower bound of the cost limit */
};

typedef struct box {
    int32_t off1, lim1, off2, lim2;
    int need_min;
} box;

typedef struct split {
    int32_t i1, i2;
    int min_lo, min_hi;
} split;

static int32_t isqrt_bound(int64_t n)
{
    int32_t r = 1;
    while ((int64_t)r * r < n)
        r <<= 1; /* a power of two at least sqrt(n), like xdiff's bogosqrt */
    return r;
}

/*
 * Find a point (s->i1, s->i2) on an optimal (or, with heuristics, good) path
 * through the box [off1, lim1) x [off2, lim2). kf and kb are indexed by
 * diagonal k = i1 - i2 (they point into arrays with room for every
 * diagonal plus one on each side).
 */
static void find_split(const uint32_t *a, int32_t off1, int32_t lim1, const uint32_t *b,
                       int32_t off2, int32_t lim2, int32_t *kf, int32_t *kb, int need_min, split *s,
                       ds__myers_env *env, int32_t mxcost)
{
    const int32_t dmin = off1 - lim2, dmax = lim1 - off2;
    const int32_t fmid = off1 - off2, bmid = lim1 - lim2;
    const int odd = (fmid - bmid) & 1;
    int32_t fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid;
    int32_t ec, d, i1, i2, prev1;
    unsigned long long work = 0;

    kf[fmid] = off1;
    kb[bmid] = lim1;

    for (ec = 1;; ec++) {
        int got_snake = 0, over_budget;

        /* forward: extend the diagonal range by one, inside the box */
        if (fmin > dmin)
            kf[--fmin - 1] = -1;
        else
            ++fmin;
        if (fmax < dmax)
            kf[++fmax + 1] = -1;
        else
            --fmax;
        for (d = fmax; d >= fmin; d -= 2) {
            if (kf[d - 1] >= kf[d + 1])
                i1 = kf[d - 1] + 1;
            else
                i1 = kf[d + 1];
            prev1 = i1;
            i2 = i1 - d;
            while (i1 < lim1 && i2 < lim2 && a[i1] == b[i2])
                i1++, i2++;
            work += (unsigned long long)(i1 - prev1) + 1;
            if (i1 - prev1 > SNAKE_CNT)
                got_snake = 1;
            kf[d] = i1;
            if (odd && bmin <= d && d <= bmax && kb[d] <= i1) {
                s->i1 = i1;
                s->i2 = i2;
                s->min_lo = s->min_hi = 1;
                env->work += work;
                return;
            }
        }

        /* backward */
        if (bmin > dmin)
            kb[--bmin - 1] = INT32_MAX;
        else
            ++bmin;
        if (bmax < dmax)
            kb[++bmax + 1] = INT32_MAX;
        else
            --bmax;
        for (d = bmax; d >= bmin; d -= 2) {
            if (kb[d - 1] < kb[d + 1])
                i1 = kb[d - 1];
            else
                i1 = kb[d + 1] - 1;
            prev1 = i1;
            i2 = i1 - d;
            while (i1 > off1 && i2 > off2 && a[i1 - 1] == b[i2 - 1])
                i1--, i2--;
            work += (unsigned long long)(prev1 - i1) + 1;
            if (prev1 - i1 > SNAKE_CNT)
                got_snake = 1;
            kb[d] = i1;
            if (!odd && fmin <= d && d <= fmax && i1 <= kf[d]) {
                s->i1 = i1;
                s->i2 = i2;
                s->min_lo = s->min_hi = 1;
                env->work += work;
                return;
            }
        }

        if (need_min)
            continue;

        over_budget = env->budget && env->work + work > env->budget;

        /* good-snake heuristic: a diagonal far from the start, near the
         * middle, ending in a snake of at least SNAKE_CNT elements */
        if (got_snake && ec > HEUR_MIN_COST) {
            int64_t best = 0;
            for (d = fmax; d >= fmin; d -= 2) {
                int32_t dd = d > fmid ? d - fmid : fmid - d;
                int64_t v;
                i1 = kf[d];
                i2 = i1 - d;
                v = (int64_t)(i1 - off1) + (i2 - off2) - dd;
                if (v > (int64_t)K_HEUR * ec && v > best && off1 + SNAKE_CNT <= i1 && i1 < lim1 &&
                    off2 + SNAKE_CNT <= i2 && i2 < lim2) {
                    int32_t k;
                    for (k = 1; a[i1 - k] == b[i2 - k]; k++) {
                        if (k == SNAKE_CNT) {
                            best = v;
                            s->i1 = i1;
                            s->i2 = i2;
                            break;
                        }
                    }
                }
            }
            if (best > 0) {
                s->min_lo = 1;
                s->min_hi = 0;
                env->heuristic++;
                env->work += work;
                return;
            }
            for (d = bmax; d >= bmin; d -= 2) {
                int32_t dd = d > bmid ? d - bmid : bmid - d;
                int64_t v;
                i1 = kb[d];
                i2 = i1 - d;
                v = (int64_t)(lim1 - i1) + (lim2 - i2) - dd;
                if (v > (int64_t)K_HEUR * ec && v > best && off1 < i1 && i1 <= lim1 - SNAKE_CNT &&
                    off2 < i2 && i2 <= lim2 - SNAKE_CNT) {
                    int32_t k;
                    for (k = 0; a[i1 + k] == b[i2 + k]; k++) {
                        if (k == SNAKE_CNT - 1) {
                            best = v;
                            s->i1 = i1;
                            s->i2 = i2;
                            break;
                        }
                    }
                }
            }
            if (best > 0) {
                s->min_lo = 0;
                s->min_hi = 1;
                env->heuristic++;
                env->work += work;
                return;
            }
        }

        /* cost limit (or budget): take the furthest-reaching path */
        if (ec >= mxcost || over_budget) {
            int64_t fbest = -1, bbest = INT64_MAX;
            int32_t fbest1 = -1, bbest1 = -1;
            for (d = fmax; d >= fmin; d -= 2) {
                i1 = kf[d] < lim1 ? kf[d] : lim1;
                i2 = i1 - d;
                if (lim2 < i2)
                    i1 = lim2 + d, i2 = lim2;
                if (fbest < (int64_t)i1 + i2) {
                    fbest = (int64_t)i1 + i2;
                    fbest1 = i1;
                }
            }
            for (d = bmax; d >= bmin; d -= 2) {
                i1 = kb[d] > off1 ? kb[d] : off1;
                i2 = i1 - d;
                if (i2 < off2)
                    i1 = off2 + d, i2 = off2;
                if ((int64_t)i1 + i2 < bbest) {
                    bbest = (int64_t)i1 + i2;
                    bbest1 = i1;
                }
            }
            if (((int64_t)lim1 + lim2) - bbest < fbest - ((int64_t)off1 + off2)) {
                s->i1 = fbest1;
                s->i2 = (int32_t)(fbest - fbest1);
                s->min_lo = 1;
                s->min_hi = 0;
            } else {
                s->i1 = bbest1;
                s->i2 = (int32_t)(bbest - bbest1);
                s->min_lo = 0;
                s->min_hi = 1;
            }
            env->heuristic++;
            env->work += work;
            return;
        }
    }
}

/* Scratch memory from env, grown as needed (contents not preserved). */
static void *scratch(ds__myers_env *env, size_t need)
{
    if (need > env->scratch_cap) {
        size_t cap = need + need / 2;
        void *p = realloc(env->scratch, cap);
        if (!p) {
            ds__error_oom();
            return NULL;
        }
        env->scratch = p;
        env->scratch_cap = cap;
    }
    return env->scratch;
}

void ds__myers_env_free(ds__myers_env *env)
{
    free(env->scratch);
    env->scratch = NULL;
    env->scratch_cap = 0;
}

/* Hash map from element id to (count in a, count in b), open addressing. */
typedef struct occ {
    uint32_t key; /* id + 1, 0 = empty */
    uint32_t na, nb;
} occ;

static size_t occ_find(occ *t, size_t mask, uint32_t id)
{
    size_t j = (size_t)((id * 0x9E3779B1u) >> 7) & mask;
    while (t[j].key && t[j].key != id + 1)
        j = (j + 1) & mask;
    t[j].key = id + 1;
    return j;
}

int ds__myers(const uint32_t *a, size_t n, const uint32_t *b, size_t m, unsigned char *ca,
              unsigned char *cb, ds__myers_env *env)
{
    size_t pre = 0, suf = 0, i, na, nb, cap, mask, need, ndiag;
    uint32_t maxid;
    int direct;
    occ *tab;
    uint32_t *ra, *rb;
    int32_t *ia, *ib, *kv, *kf, *kb;
    unsigned char *rca, *rcb;
    box *stack, *heap_stack = NULL;
    size_t sp, stack_cap;
    char *mem;
    int32_t mxcost;

    if (n)
        memset(ca, 0, n);
    if (m)
        memset(cb, 0, m);
    while (pre < n && pre < m && a[pre] == b[pre])
        pre++;
    while (suf < n - pre && suf < m - pre && a[n - 1 - suf] == b[m - 1 - suf])
        suf++;
    a += pre, b += pre, ca += pre, cb += pre;
    n -= pre + suf, m -= pre + suf;
    if (n == 0 || m == 0) {
        if (n)
            memset(ca, 1, n);
        if (m)
            memset(cb, 1, m);
        return 0;
    }
    if (n >= INT32_MAX / 4 || m >= INT32_MAX / 4)
        return ds__error_set(DS_ELIMIT, "diff: too many elements (%zu, %zu)", n, m);

    /* Occurrence counts, then the reduced sequences of elements that have a
     * counterpart on the other side. Ids are normally dense (interned), so
     * the counts live in arrays indexed by id; sparse ids go through a hash
     * table. */
    maxid = 0;
    for (i = 0; i < n; i++)
        maxid = a[i] > maxid ? a[i] : maxid;
    for (i = 0; i < m; i++)
        maxid = b[i] > maxid ? b[i] : maxid;
    direct = (size_t)maxid < 4 * (n + m);
    if (direct)
        cap = (size_t)maxid + 1;
    else
        for (cap = 16; cap < (n + m) * 2; cap <<= 1)
            ;
    mask = cap - 1;
    ndiag = n + m + 3;
    stack_cap = 64;
    need = cap * sizeof(occ) + (n + m) * (sizeof(uint32_t) + sizeof(int32_t) + 1) +
           2 * ndiag * sizeof(int32_t) + stack_cap * sizeof(box) + 64;
    if (!(mem = scratch(env, need)))
        return DS_ENOMEM;
    kv = (int32_t *)mem;
    ra = (uint32_t *)(kv + 2 * ndiag);
    rb = ra + n;
    ia = (int32_t *)(rb + m);
    ib = ia + n;
    tab = (occ *)(ib + m);
    stack = (box *)(tab + cap);
    rca = (unsigned char *)(stack + stack_cap);
    rcb = rca + n;
    memset(tab, 0, cap * sizeof(occ));
#define SLOT(id) (direct ? (size_t)(id) : occ_find(tab, mask, (id)))
    for (i = 0; i < n; i++)
        tab[SLOT(a[i])].na++;
    for (i = 0; i < m; i++)
        tab[SLOT(b[i])].nb++;
    na = nb = 0;
    for (i = 0; i < n; i++) {
        if (tab[SLOT(a[i])].nb) {
            ra[na] = a[i];
            ia[na++] = (int32_t)i;
        } else
            ca[i] = 1;
    }
    for (i = 0; i < m; i++) {
        if (tab[SLOT(b[i])].na) {
            rb[nb] = b[i];
            ib[nb++] = (int32_t)i;
        } else
            cb[i] = 1;
    }
#undef SLOT
    memset(rca, 0, n + m);
    env->work += n + m;

    kf = kv + nb + 1;
    kb = kv + ndiag + nb + 1;
    mxcost = isqrt_bound((int64_t)na + nb + 3);
    if (mxcost < MAX_COST_MIN)
        mxcost = MAX_COST_MIN;

    sp = 0;
    stack[sp++] = (box){0, (int32_t)na, 0, (int32_t)nb, env->minimal};
    while (sp) {
        box bx = stack[--sp];
        int32_t off1 = bx.off1, lim1 = bx.lim1, off2 = bx.off2, lim2 = bx.lim2;
        split s;
        while (off1 < lim1 && off2 < lim2 && ra[off1] == rb[off2])
            off1++, off2++;
        while (off1 < lim1 && off2 < lim2 && ra[lim1 - 1] == rb[lim2 - 1])
            lim1--, lim2--;
        if (off1 == lim1 || off2 == lim2) {
            memset(rcb + off2, 1, (size_t)(lim2 - off2));
            memset(rca + off1, 1, (size_t)(lim1 - off1));
            continue;
        }
        if (env->budget && env->work > env->budget) {
            /* out of budget: everything left in this box changes */
            memset(rca + off1, 1, (size_t)(lim1 - off1));
            memset(rcb + off2, 1, (size_t)(lim2 - off2));
            env->fallbacks++;
            continue;
        }
        find_split(ra, off1, lim1, rb, off2, lim2, kf, kb, bx.need_min, &s, env, mxcost);
        if ((s.i1 == off1 && s.i2 == off2) || (s.i1 == lim1 && s.i2 == lim2) || s.i1 < off1 ||
            s.i1 > lim1 || s.i2 < off2 || s.i2 > lim2) {
            /* no progress (cannot happen with a correct split): be safe */
            memset(rca + off1, 1, (size_t)(lim1 - off1));
            memset(rcb + off2, 1, (size_t)(lim2 - off2));
            env->fallbacks++;
            continue;
        }
        if (sp + 2 > stack_cap) {
            /* the first stack lives in the scratch block; bigger ones on the heap */
            size_t ncap = stack_cap * 2;
            box *ns = malloc(ncap * sizeof *ns);
            if (!ns) {
                free(heap_stack);
                return ds__error_oom();
            }
            memcpy(ns, stack, sp * sizeof *ns);
            free(heap_stack);
            stack = heap_stack = ns;
            stack_cap = ncap;
        }
        stack[sp++] = (box){s.i1, lim1, s.i2, lim2, s.min_hi};
        stack[sp++] = (box){off1, s.i1, off2, s.i2, s.min_lo};
    }
    free(heap_stack);

    for (i = 0; i < na; i++)
        if (rca[i])
            ca[ia[i]] = 1;
    for (i = 0; i < nb; i++)
        if (rcb[i])
            cb[ib[i]] = 1;
    return 0;
}
