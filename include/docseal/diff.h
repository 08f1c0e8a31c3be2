/*
 * docseal/diff.h - the prose-aware diff engine.
 *
 * docseal compares two revisions of a document as a reader would: it aligns
 * paragraphs first, recognises paragraphs that moved, pairs paragraphs that
 * were edited in place and diffs words (never characters, never half a code
 * point) inside them. A body paragraph whose exact text is in both texts
 * (matched one to one: two copies in A and one in B leave one removed) is
 * kept in place or reported as moved, whatever its size; it is never
 * reported as added, removed or changed, and none of its words, numbers or
 * quotations as changed. Edited paragraphs are paired among the others.
 *
 * A summary says what a reader cares about: headline, byline and date
 * changes, quotations altered, added or removed, numbers changed, words and
 * paragraphs added, removed, changed or moved, and whether the whole change
 * is cosmetic (whitespace, punctuation, quote or dash style, letter case) or
 * substantive.
 *
 * Input is normalized text (norm-1, see docseal-formats(5) NORMALIZED TEXT):
 *
 *     # <headline>\n
 *     byline: <byline>\n        (optional)
 *     date: <date as written>\n (optional)
 *     \n
 *     <paragraph>\n
 *     \n
 *     <paragraph>\n
 *
 * Any UTF-8 text works: a "paragraph" (unit) is a line with its leading and
 * trailing white space trimmed; the white space between units, which holds
 * the line ends and blank lines, is a "gap". The header is the run of units
 * before the first blank line, and exists only when the first line starts
 * with "# " (or is "#"). A text of more than 100,000 lines is aligned in
 * groups of lines (content-defined, the same way in both texts): a group is
 * then one unit.
 *
 * The result is an edit script that turns A into B exactly (see
 * ds_diff_para and ds_diff_op for the two invariants), grouped by paragraph.
 * Worst case: the Myers searches share a work budget (ds_diff_options
 * max_work); past it, the remaining sub-problems are resolved coarsely
 * (delete everything left, insert everything new), so the script is still
 * exact and the time and memory stay bounded: two unrelated 5 MB texts take
 * well under 2 s and 200 MB (bench/bench-diff.sh).
 *
 * Typical use:
 *
 *     ds_diff *d = NULL;
 *     if (ds_diff_texts(&d, a, alen, b, blen, NULL) < 0) ... ds_error_last() ...
 *     ds_sink out = {my_write, my_ctx};
 *     ds_diff_render(d, DS_DIFF_FORMAT_PLAIN, NULL, &out);
 *     printf("%s\n", ...ds_diff_summary_line()...);
 *     ds_diff_free(d);
 */
#ifndef DOCSEAL_DIFF_H
#define DOCSEAL_DIFF_H

#include "docseal/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A computed diff (opaque). Free with ds_diff_free(). */
typedef struct ds_diff ds_diff;

/** "No such index": absent line or peer in ds_diff_para. */
#define DS_DIFF_NONE ((size_t)-1)

/** Largest input accepted, per text (bytes); larger ones fail with DS_ELIMIT. */
#define DS_DIFF_MAX_INPUT ((size_t)1 << 30)

/* ---- options ---------------------------------------------------------- */

/** ds_diff_options.flags */
#define DS_DIFF_NO_MOVES                                                                           \
    0x01u /**< do not detect moved paragraphs: they are deleted and                                \
               inserted (one with the same text in both is still never                             \
               paired as an edit of another) */
#define DS_DIFF_NO_CLEANUP                                                                         \
    0x02u /**< keep the raw word-level Myers script (no semantic                                   \
               clean-up merging coincidental equalities) */
#define DS_DIFF_MINIMAL                                                                            \
    0x04u /**< no heuristics and no work budget: minimal scripts,                                  \
               worst case O(N*D) time */
#define DS_DIFF_BORROW_TEXTS                                                                       \
    0x08u /**< do not copy the texts: the diff points into a and b,                                \
               which must stay valid and unchanged until                                           \
               ds_diff_free() (saves a copy of both inputs) */

typedef struct ds_diff_options {
    unsigned int version;        /**< DS_DIFF_OPTIONS_VERSION */
    unsigned int flags;          /**< DS_DIFF_* flags above */
    size_t move_min_alnum;       /**< a similar (not identical) paragraph counts as moved only
                                      when it has at least this many letters and digits; 0
                                      means the default, 20. Identical ones always move. */
    unsigned long long max_work; /**< Myers work budget (diagonal steps plus snake steps,
                                      about 2 ns each); 0 means the default,
                                      8 * (alen + blen) + 10,000,000 */
    const char *a_label;         /**< name of A for messages and renderers, or NULL ("a") */
    const char *b_label;         /**< name of B, or NULL ("b") */
} ds_diff_options;

#define DS_DIFF_OPTIONS_VERSION 1
#define DS_DIFF_OPTIONS_INIT                                                                       \
    {                                                                                              \
        DS_DIFF_OPTIONS_VERSION, 0, 0, 0, NULL, NULL                                               \
    }

/* ---- the edit script --------------------------------------------------- */

/** Kinds of byte-level operations. */
typedef enum ds_diff_op_kind {
    DS_DIFF_OP_EQUAL = 0,  /**< A[a_off, a_off+a_len) == B[b_off, b_off+b_len) */
    DS_DIFF_OP_DELETE = 1, /**< A[a_off, a_off+a_len) is gone; b_len == 0 */
    DS_DIFF_OP_INSERT = 2  /**< B[b_off, b_off+b_len) is new; a_len == 0 */
} ds_diff_op_kind;

/** ds_diff_op.flags */
#define DS_DIFF_OP_COSMETIC 0x01u /**< part of a cosmetic-only change (see ds_diff_class) */
#define DS_DIFF_OP_GAP 0x02u      /**< white space between paragraphs (line end, blank lines) */

/**
 * One operation. Offsets and lengths are in bytes. Every operation covers
 * whole UTF-8 code points, and operations inside paragraphs cover whole
 * words (tokens, see ds_diff_texts()). For INSERT, a_off is the position in
 * A where the text goes; for DELETE, b_off is the position in B.
 */
typedef struct ds_diff_op {
    ds_diff_op_kind kind;
    unsigned int flags;
    size_t a_off, a_len;
    size_t b_off, b_len;
} ds_diff_op;

/** Kinds of paragraph entries. */
typedef enum ds_diff_para_kind {
    DS_DIFF_PARA_EQUAL = 0,  /**< unchanged (its gap may still differ: see its ops) */
    DS_DIFF_PARA_CHANGED,    /**< edited in place: word-level ops */
    DS_DIFF_PARA_DELETED,    /**< only in A */
    DS_DIFF_PARA_INSERTED,   /**< only in B */
    DS_DIFF_PARA_MOVED_FROM, /**< A's paragraph that now sits elsewhere (peer: its MOVED_TO);
                                  one DELETE of the paragraph and its gap */
    DS_DIFF_PARA_MOVED_TO    /**< the moved paragraph at its new place; its ops diff the old
                                  text (EQUAL and DELETE point into A at the old place)
                                  against the new */
} ds_diff_para_kind;

/** What a paragraph is in the document. */
typedef enum ds_diff_role {
    DS_DIFF_ROLE_BODY = 0, /**< a body paragraph */
    DS_DIFF_ROLE_HEADLINE, /**< header line "# <headline>" */
    DS_DIFF_ROLE_BYLINE,   /**< header line "byline: ..." */
    DS_DIFF_ROLE_DATE,     /**< header line "date: ..." */
    DS_DIFF_ROLE_HEADER,   /**< another header line */
    DS_DIFF_ROLE_SPACE     /**< white space before the first paragraph (no text) */
} ds_diff_role;

/** ds_diff_para.flags */
#define DS_DIFF_PARA_COSMETIC 0x01u /**< every difference in this entry is cosmetic */

/**
 * A paragraph entry, in display order: A's and B's paragraphs interleaved,
 * deletions before insertions within a change.
 *
 * Ops [first_op, first_op + op_count) belong to the entry: first the
 * paragraph's text, then (flag DS_DIFF_OP_GAP) the white space after it.
 * Invariants over the whole list of entries, in order:
 *   B = the EQUAL and INSERT ops of every entry except MOVED_FROM ones,
 *       concatenated (EQUAL ops copy from A, which holds the same bytes);
 *   A = the EQUAL and DELETE ops of every entry except MOVED_TO ones.
 * The B ranges of the first kind tile B in order, the A ranges of the second
 * tile A in order.
 */
typedef struct ds_diff_para {
    ds_diff_para_kind kind;
    ds_diff_role role;
    unsigned int flags;  /**< DS_DIFF_PARA_COSMETIC */
    size_t a_line;       /**< 0-based line number in A, or DS_DIFF_NONE (only in B, SPACE) */
    size_t b_line;       /**< 0-based line number in B, or DS_DIFF_NONE */
    size_t a_para;       /**< 1-based body paragraph number in A; 0 for header lines or when
                              absent from A */
    size_t b_para;       /**< 1-based body paragraph number in B, or 0 */
    size_t a_off, a_len; /**< the paragraph's text in A (no gap); 0, 0 when absent */
    size_t b_off, b_len; /**< the paragraph's text in B; 0, 0 when absent */
    size_t peer;         /**< MOVED_FROM / MOVED_TO: index of the other half, else
                              DS_DIFF_NONE */
    size_t first_op, op_count;
} ds_diff_para;

/* ---- summary ----------------------------------------------------------- */

/** Overall classification. */
typedef enum ds_diff_class {
    DS_DIFF_IDENTICAL = 0,  /**< the texts are byte-identical */
    DS_DIFF_COSMETIC = 1,   /**< they differ only in white space (including paragraph
                                 breaks), punctuation other than quotation marks, quote
                                 style (“ vs " vs «), dash style (- vs – vs —), full-width
                                 forms, letter case or invisible format characters; not
                                 where words are joined or split or a number's minus sign
                                 changes; every changed entry is then DS_DIFF_PARA_COSMETIC */
    DS_DIFF_SUBSTANTIVE = 2 /**< anything else, including moved paragraphs: a pure
                                 reordering changes the reading order, so it is
                                 substantive, and its summary lists only moves */
} ds_diff_class;

/** What happened to a header field (headline, byline, date). */
typedef enum ds_diff_field_state {
    DS_DIFF_FIELD_SAME = 0,
    DS_DIFF_FIELD_CHANGED, /**< present in both, different */
    DS_DIFF_FIELD_ADDED,   /**< only in B */
    DS_DIFF_FIELD_REMOVED  /**< only in A */
} ds_diff_field_state;

typedef struct ds_diff_field {
    ds_diff_field_state state;
    int cosmetic;         /**< CHANGED, but only cosmetically */
    const char *old_text; /**< value in A without its prefix ("# ", "byline: ", "date: "),
                               or NULL when absent */
    const char *new_text; /**< value in B, or NULL */
} ds_diff_field;

/** What happened to a quotation. */
typedef enum ds_diff_quote_kind {
    DS_DIFF_QUOTE_ALTERED = 0, /**< its words changed */
    DS_DIFF_QUOTE_ADDED,       /**< only in B */
    DS_DIFF_QUOTE_REMOVED,     /**< only in A */
    DS_DIFF_QUOTE_RESTYLED     /**< only quote marks, punctuation, case or spacing changed
                                    (cosmetic) */
} ds_diff_quote_kind;

/**
 * A changed quotation: text between “…”, "…", «…», »…«, ‘…’, '…', „…“,
 * ‚…‘, ‹…›, 「…」 or 『…』 inside one paragraph (an unclosed quotation runs
 * to the end of its paragraph, as multi-paragraph quotations do). Only
 * outermost quotations count.
 */
typedef struct ds_diff_quote {
    ds_diff_quote_kind kind;
    const char *old_text;  /**< words inside the marks in A (marks excluded), or NULL */
    const char *new_text;  /**< in B, or NULL */
    const char *old_marks; /**< opening and closing mark in A, e.g. "“”", or NULL */
    const char *new_marks; /**< in B, or NULL */
    size_t a_line, b_line; /**< 0-based line numbers, DS_DIFF_NONE when absent */
} ds_diff_quote;

/**
 * A changed number: a word token containing a digit ("13,000", "3.5",
 * "2018-01-11", "1.5bn", "72nd", "-5" with its minus sign), from a headline
 * or body paragraph edited in place or moved (not from a cosmetic change, and
 * not one only restyled, "-5" against "−5"). Numbers replaced within one
 * change are paired in order; a number only deleted or only inserted has NULL
 * on the other side.
 */
typedef struct ds_diff_number {
    const char *old_text;  /**< or NULL */
    const char *new_text;  /**< or NULL */
    size_t a_line, b_line; /**< 0-based line numbers */
} ds_diff_number;

/**
 * The change summary. All pointers are owned by the ds_diff and live as long
 * as it; strings are NUL-terminated UTF-8.
 */
typedef struct ds_diff_summary {
    ds_diff_class classification;
    ds_diff_field headline, byline, date;
    size_t paragraphs_a, paragraphs_b; /**< body paragraphs in A and in B */
    size_t paragraphs_added, paragraphs_removed;
    size_t paragraphs_changed; /**< edited in place (moved ones are counted as moved) */
    size_t paragraphs_moved;
    size_t words_added, words_removed; /**< word tokens inserted / deleted in the headline
                                            and body (moved paragraphs count only their
                                            edits; cosmetic changes count too) */
    size_t quotes_altered, quotes_added, quotes_removed, quotes_restyled;
    const ds_diff_quote *quotes; /**< quote_count changed quotations, in document order */
    size_t quote_count;
    const ds_diff_number *numbers; /**< number_count changed numbers, in document order */
    size_t number_count;
    int approximate; /**< 1 when the work budget was exhausted: the script is exact but
                          may not be minimal */
} ds_diff_summary;

/* ---- computing --------------------------------------------------------- */

/**
 * Diff two texts.
 *
 * @param[out] out the diff. Ownership: caller frees with ds_diff_free().
 *             The diff keeps its own copy of both texts, unless opts->flags has
 *             DS_DIFF_BORROW_TEXTS.
 * @param a, alen the old text (UTF-8, alen bytes; need not be NUL-terminated).
 * @param b, blen the new text.
 * @param opts options, or NULL for defaults.
 * @return 0, or
 *   DS_EINVALID  a text is not valid UTF-8 or contains a NUL byte (the message
 *                names the label and the byte offset, e.g.
 *                "b: invalid UTF-8 at byte offset 1234"), or opts->version is
 *                unknown;
 *   DS_ELIMIT    a text is longer than DS_DIFF_MAX_INPUT;
 *   DS_ENOMEM.
 *
 * Tokens: a word is a run of letters, marks and digits (utf8proc categories
 * L*, M*, N*, Pc) joined by apostrophes or hyphens between word characters
 * ("Jong-un", "North’s"), by "." between word characters ("3.5", "U.S"),
 * and by "," ":" "/" between digits ("13,000", "9:30", "11/01/2018"); a CJK,
 * Thai, Lao, Khmer or Myanmar character is a word by itself. Every other
 * grapheme cluster (utf8proc_grapheme_break_stateful) is a punctuation or
 * symbol token; white space only separates tokens. Combining marks always
 * stay with their base.
 */
int ds_diff_texts(ds_diff **out, const char *a, size_t alen, const char *b, size_t blen,
                  const ds_diff_options *opts);

/** Free a diff; NULL is allowed. */
void ds_diff_free(ds_diff *diff);

/* ---- reading the result ------------------------------------------------ */

/** The summary. Ownership: borrowed, valid until ds_diff_free(). Never NULL. */
const ds_diff_summary *ds_diff_get_summary(const ds_diff *diff);

/** Number of paragraph entries. */
size_t ds_diff_para_count(const ds_diff *diff);

/** Entry i (0 <= i < ds_diff_para_count()), or NULL when out of range. Borrowed. */
const ds_diff_para *ds_diff_para_at(const ds_diff *diff, size_t i);

/** Number of operations. */
size_t ds_diff_op_count(const ds_diff *diff);

/** Operation i, or NULL when out of range. Borrowed. */
const ds_diff_op *ds_diff_op_at(const ds_diff *diff, size_t i);

/**
 * The diff's text A (which = 0) or B (which = 1): its copy, NUL-terminated,
 * or with DS_DIFF_BORROW_TEXTS the caller's buffer (NUL-terminated only if
 * the caller's was); *len (when not NULL) receives its length in bytes.
 * Borrowed.
 */
const char *ds_diff_text(const ds_diff *diff, int which, size_t *len);

/** The label of A (which = 0) or B (which = 1). Borrowed. */
const char *ds_diff_label(const ds_diff *diff, int which);

/**
 * The one-line summary, used by `docseal log`. Exact grammar:
 *
 *   "no changes"              when the texts are identical;
 *   "cosmetic changes only"   when the classification is DS_DIFF_COSMETIC;
 *   otherwise the items below that apply, in this order, joined by ", ":
 *     "+W −R words"          words added and removed (the minus is U+2212), when
 *                            W + R > 0;
 *     "N quote(s) changed", "N quote(s) added", "N quote(s) removed";
 *     "N number(s) changed";
 *     "N paragraph(s) added", "N paragraph(s) removed", "N paragraph(s) moved";
 *     "headline changed|added|removed", "byline changed|added|removed",
 *     "date changed|added|removed" (cosmetic-only field changes are left out);
 *   and when none applies, "N paragraph(s) changed" (N >= 1), else
 *   "text changed". "(s)" is "s" unless N is 1.
 *
 * Example: "+12 −3 words, 1 quote changed, headline changed".
 *
 * @param buf receives the line, NUL-terminated and truncated to bufsize - 1
 *        bytes (never inside a UTF-8 sequence); may be NULL when bufsize is 0.
 * @return the length of the whole line in bytes (without the NUL), as
 *         snprintf() does: a return >= bufsize means it was truncated.
 *         320 bytes always suffice.
 */
size_t ds_diff_summary_line(char *buf, size_t bufsize, const ds_diff *diff);

/* ---- rendering --------------------------------------------------------- */

typedef enum ds_diff_format {
    DS_DIFF_FORMAT_PLAIN = 0, /**< wdiff style: [-deleted-]{+inserted+}, whole text, no
                                   summary (for scripts) */
    DS_DIFF_FORMAT_COLOR,     /**< summary on top, then the text with ANSI colours:
                                   deletions red and struck through, insertions
                                   green, moves cyan */
    DS_DIFF_FORMAT_UNIFIED,   /**< unified line diff that patch(1) applies to A to give B */
    DS_DIFF_FORMAT_JSON,      /**< summary and operations, schema in docseal-formats(5)
                                   DIFF JSON */
    DS_DIFF_FORMAT_HTML,      /**< one self-contained HTML page */
    DS_DIFF_FORMAT_SUMMARY    /**< the change summary as text, one fact per line */
} ds_diff_format;

/** ds_diff_render_options.flags */
#define DS_DIFF_RENDER_HIDE_COSMETIC                                                               \
    0x01u                                 /**< show cosmetic-only changes as their new             \
                                               text, unmarked (plain, color, html), and            \
                                               leave them out of the text summary */
#define DS_DIFF_RENDER_SUMMARY_ONLY 0x02u /**< JSON: leave out "paragraphs" (the ops) */
#define DS_DIFF_RENDER_COLOR 0x04u        /**< SUMMARY: use ANSI colours */

typedef struct ds_diff_render_options {
    unsigned int version; /**< DS_DIFF_RENDER_OPTIONS_VERSION */
    unsigned int flags;   /**< DS_DIFF_RENDER_* */
    long context;         /**< PLAIN, COLOR, HTML: unchanged body paragraphs shown around
                               each change, -1 for all (the default); UNIFIED: context
                               lines, -1 for the default 3 */
    const char *a_label;  /**< overrides the diff's label of A (unified "---" line, HTML), or
                               NULL */
    const char *b_label;  /**< overrides the label of B, or NULL */
} ds_diff_render_options;

#define DS_DIFF_RENDER_OPTIONS_VERSION 1
#define DS_DIFF_RENDER_OPTIONS_INIT                                                                \
    {                                                                                              \
        DS_DIFF_RENDER_OPTIONS_VERSION, 0, -1, NULL, NULL                                          \
    }

/**
 * Write the diff to a sink in the given format (see ds_diff_format and
 * docseal-diff(1) for each layout). Output is produced in blocks of at most
 * 64 KiB.
 *
 * @param diff the diff.
 * @param format the layout.
 * @param opts options, or NULL for defaults.
 * @param sink receives the bytes.
 * @return 0, DS_EINVALID (unknown format or options version), DS_ENOMEM, or
 *         the code a sink write returned.
 */
int ds_diff_render(const ds_diff *diff, ds_diff_format format, const ds_diff_render_options *opts,
                   const ds_sink *sink);

/**
 * Parse a format name: "plain", "color" (or "colour"), "unified", "json",
 * "html" or "summary". @return 0 or DS_EINVALID (message set).
 */
int ds_diff_format_parse(ds_diff_format *out, const char *name);

#ifdef __cplusplus
}
#endif
#endif
