/*
 * diff_internal.h - internals of the diff engine (not installed).
 *
 * Files:
 *   diff_token.c    UTF-8 tokenizer, character classes, cosmetic keys, interning
 *   diff_myers.c    Myers O(ND) with linear space, heuristics and a work budget
 *   diff_build.c    units and roles, paragraph alignment, pairing, moves, word diff
 *   diff_cleanup.c  semantic clean-up of a word-level script, cosmetic flags
 *   diff_summary.c  quotations, numbers, counts, classification, one-line summary
 *   diff.c          public API: ds_diff_texts, accessors, free
 *   diff_render*.c  plain/color/summary, unified, JSON and HTML renderers
 */
#ifndef DS_DIFF_INTERNAL_H
#define DS_DIFF_INTERNAL_H

#include "docseal/diff.h"
#include "util.h"

#include <stddef.h>
#include <stdint.h>

/* ---- tokens ----------------------------------------------------------- */

/* Character (grapheme cluster) classes. */
enum {
    DS__CC_SPACE = 0, /* White_Space: Zs, Zl, Zp, TAB, LF, VT, FF, CR, NEL */
    DS__CC_WORD,      /* L*, M*, N*, Pc */
    DS__CC_IDEO,      /* a word by itself: CJK ideographs, kana, Thai, Lao, Khmer, Myanmar */
    DS__CC_PUNCT,     /* P* except Pc */
    DS__CC_SYMBOL,    /* S* */
    DS__CC_FORMAT     /* Cf, Cc (other than white space), Co, Cn */
};

/* Token kinds. */
enum {
    DS__TOK_WORD = 0, /* letters (no digit) */
    DS__TOK_NUMBER,   /* a word containing a digit */
    DS__TOK_PUNCT,
    DS__TOK_SYMBOL,
    DS__TOK_FORMAT
};

typedef struct ds__token {
    uint32_t off; /* absolute byte offset in its text */
    uint32_t len;
    uint32_t id; /* interned content: equal ids <=> equal bytes */
    uint32_t kind;
} ds__token;

#define DS__TOK_IS_WORD(k) ((k) <= DS__TOK_NUMBER)

typedef struct ds__tokvec {
    ds__token *v;
    size_t n, cap;
} ds__tokvec;

/* Decode one code point at s[*i] (valid UTF-8 assumed), advance *i. */
int32_t ds__utf8_next(const char *s, size_t len, size_t *i);
/* Class of a code point (single code point, no clustering). */
int ds__cp_class(int32_t cp);
/* End of the grapheme cluster starting at pos; *first gets its first code point. */
size_t ds__cluster_end(const char *s, size_t len, size_t pos, int32_t *first);

/* Check UTF-8 validity; on error *bad is the offending byte offset. NUL bytes
 * count as errors (*is_nul set). Returns 1 when valid. */
int ds__utf8_valid(const char *s, size_t len, size_t *bad, int *is_nul);

/* Call fn(ctx, off, len, kind) for every token of s[off, off+len). Returns
 * the first non-zero value fn returned, else 0. */
typedef int (*ds__token_fn)(void *ctx, size_t off, size_t len, int kind);
int ds__tokenize(const char *s, size_t off, size_t len, ds__token_fn fn, void *ctx);

/* Number of word tokens in s[off, off+len). */
size_t ds__count_words(const char *s, size_t off, size_t len);
/* Number of letters and digits (code points) in s[off, off+len). */
size_t ds__count_alnum(const char *s, size_t off, size_t len);

/* Cosmetic key: the text with white space, format characters and punctuation
 * (except quotation marks, a minus sign before a number, and . , : / between
 * digits) removed, quotation marks folded to '"', signs to '-', full-width
 * forms to ASCII, letters lower-cased; white space or punctuation between two
 * letters or digits (not ideographic) leaves one ' ' (a word boundary).
 * Returns 1 when the keys of the two byte ranges are equal. */
int ds__cosmetic_equal(const char *a, size_t alen, const char *b, size_t blen);
/* The same for a[a0, a1) and b[b0, b1), with the code points before a0 and
 * b0 as context (digit separators, signs). */
int ds__cosmetic_equal_at(const char *a, size_t a0, size_t a1, const char *b, size_t b0, size_t b1);
/* 1 when the key of s[0, len) is empty (white space and punctuation only). */
int ds__cosmetic_empty(const char *s, size_t len);

/* Sort n ids ascending. */
void ds__sort_u32(uint32_t *v, size_t n);

/* 1 when cp is white space. */
int ds__is_space(int32_t cp);

/* ---- interning ---------------------------------------------------------- */

typedef struct ds__intern_slot {
    const char *ptr;
    uint32_t len;
    uint32_t id; /* id + 1; 0 = empty slot */
    uint64_t hash;
} ds__intern_slot;

typedef struct ds__intern {
    ds__intern_slot *slots;
    size_t cap; /* power of two */
    size_t count;
} ds__intern;

uint64_t ds__hash_bytes(const char *p, size_t len);
/* Intern p[0, len): *id gets its dense id (0, 1, 2, ...). 0 or DS_ENOMEM. */
int ds__intern_get(ds__intern *t, const char *p, size_t len, uint32_t *id);
void ds__intern_free(ds__intern *t);

/* ---- Myers ------------------------------------------------------------------ */

typedef struct ds__myers_env {
    unsigned long long work;   /* diagonal and snake steps spent so far */
    unsigned long long budget; /* 0: unlimited */
    int minimal;               /* no heuristics */
    unsigned long fallbacks;   /* sub-problems resolved coarsely because of the budget */
    unsigned long heuristic;   /* splits chosen by the cost heuristics */
    /* scratch, grown as needed, freed by ds__myers_env_free() */
    void *scratch;
    size_t scratch_cap;
} ds__myers_env;

/* Mark with 1 in ca[0..n) and cb[0..m) the elements that are not part of the
 * common subsequence found (the caller zeroes nothing: both arrays are fully
 * written). Unchanged elements of a and b, taken in order, are pairwise
 * equal. 0 or DS_ENOMEM. */
int ds__myers(const uint32_t *a, size_t n, const uint32_t *b, size_t m, unsigned char *ca,
              unsigned char *cb, ds__myers_env *env);
void ds__myers_env_free(ds__myers_env *env);

/* ---- the diff object ------------------------------------------------------ */

typedef struct ds__unit {
    size_t off, len;         /* trimmed line, no line end */
    size_t gap_off, gap_len; /* white space after it */
    size_t line;             /* 0-based line number */
    uint32_t id;             /* interned content */
    int role;                /* ds_diff_role */
    size_t para;             /* 1-based body paragraph number, 0 in the header */
    /* word ids, filled on demand, for similarity */
    int has_bag;
    size_t bag_first, bag_count;
} ds__unit;

typedef struct ds__side {
    const char *text;
    size_t len;
    size_t lead_len; /* white space before the first unit */
    ds__unit *units;
    size_t nunits;
    uint32_t *bags;
    size_t nbags, capbags;
} ds__side;

struct ds_diff {
    const char *text[2];
    char *owned[2]; /* copies of the texts, NULL when borrowed */
    size_t len[2];
    char *label[2];
    ds_diff_para *paras;
    size_t npara, cappara;
    ds_diff_op *ops;
    size_t nops, capops;
    ds_diff_summary summary;
    ds_diff_quote *quotes;
    size_t nquotes, capquotes;
    ds_diff_number *numbers;
    size_t nnumbers, capnumbers;
    char **strs; /* strings owned by the summary */
    size_t nstrs, capstrs;
    unsigned long long work;
    unsigned long fallbacks;
    unsigned long long budget; /* the Myers work budget (0: none), for renderers too */
};

/* Build state shared by diff_build.c, diff_cleanup.c and diff_summary.c. */
typedef struct ds__builder {
    ds_diff *diff;
    const ds_diff_options *opts;
    ds__side side[2];
    ds__intern lines;
    ds__intern words;
    ds__myers_env env;
    uint32_t *sim_cnt, *sim_gen; /* similarity(): counts by word id, generation stamps */
    size_t sim_cap;
    uint32_t sim_g;
    /* word-level scripts of pairs computed while aligning (entry order) */
    ds_diff_op *pending;
    size_t npending, cappending;
    /* word diff scratch */
    ds__tokvec ta, tb;
    uint32_t *ids;
    unsigned char *chg;
    size_t idcap;
} ds__builder;

/* diff_build.c: split, align, pair, detect moves, emit paragraphs and ops. */
int ds__diff_build(ds__builder *bd);
void ds__builder_free(ds__builder *bd);
/* Append an op to the diff (merging with the previous one when possible). */
int ds__diff_push_op(ds_diff *d, int kind, unsigned flags, size_t a_off, size_t a_len, size_t b_off,
                     size_t b_len);

/* diff_cleanup.c */
typedef struct ds__opvec {
    ds_diff_op *v;
    size_t n, cap;
} ds__opvec;
int ds__opvec_push(ds__opvec *o, int kind, unsigned flags, size_t a_off, size_t a_len, size_t b_off,
                   size_t b_len);
/* Semantic clean-up (equality elimination) then merging of adjacent edits,
 * deletions before insertions, in place. 0 or DS_ENOMEM. */
int ds__cleanup_semantic(ds__opvec *o, const char *A, const char *B);
/* Merge adjacent ops of one kind, order each change as DELETE, INSERT, and
 * move blanks common to both ends of a replacement out of it. 0 or DS_ENOMEM. */
int ds__cleanup_merge(ds__opvec *o, const char *A, const char *B);
/* Set DS_DIFF_OP_COSMETIC on every op of a change whose deleted and inserted
 * texts, with the equal ops on either side, have equal cosmetic keys. Returns
 * 1 when every change was cosmetic. */
int ds__mark_cosmetic(ds_diff_op *ops, size_t n, const char *a, const char *b);

/* diff_summary.c */
int ds__diff_summarize(ds__builder *bd);
/* Store a copy of s[0, len) owned by the diff; NULL on ENOMEM. */
const char *ds__diff_strdup(ds_diff *d, const char *s, size_t len);

/* diff_render*.c */
typedef struct ds__out {
    const ds_sink *sink;
    ds__buf buf;
    int err;
} ds__out;
void ds__out_put(ds__out *o, const char *s, size_t len);
void ds__out_puts(ds__out *o, const char *s);
void ds__out_printf(ds__out *o, const char *fmt, ...) DS__PRINTF(2, 3);
int ds__out_flush(ds__out *o);

int ds__render_text(const ds_diff *d, int color, const ds_diff_render_options *o, ds__out *out);
/* hide: leave out cosmetic changes (DS_DIFF_RENDER_HIDE_COSMETIC) */
int ds__render_summary(const ds_diff *d, int color, int hide, ds__out *out);
int ds__render_unified(const ds_diff *d, const ds_diff_render_options *o, ds__out *out);
int ds__render_json(const ds_diff *d, const ds_diff_render_options *o, ds__out *out);
int ds__render_html(const ds_diff *d, const ds_diff_render_options *o, ds__out *out);

/* Line-level diff of the whole texts (used by the unified renderer):
 * fills ca/cb (one byte per line, 1 = changed); line starts in *la / *lb
 * (nla + 1 entries, last = text length). Caller frees all four arrays. */
int ds__line_diff(const ds_diff *d, size_t **la, size_t *nla, size_t **lb, size_t *nlb,
                  unsigned char **ca, unsigned char **cb);

#endif
