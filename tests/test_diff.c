/* test_diff.c - the diff engine on strings: tokenizer, cosmetic keys,
 * alignment, moves, summary, renderers, Unicode, empty and identical
 * inputs, errors. Exact expected values throughout. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff_internal.h"
#include "docseal/docseal.h"
#include "testutil.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t n;
} sbuf;

static int sink_cb(void *ctx, const void *buf, size_t len)
{
    sbuf *s = ctx;
    s->p = realloc(s->p, s->n + len + 1);
    cr_assert_not_null(s->p);
    memcpy(s->p + s->n, buf, len);
    s->n += len;
    s->p[s->n] = '\0';
    return 0;
}

static ds_diff *diff2(const char *a, const char *b)
{
    ds_diff *d = NULL;
    cr_assert_eq(ds_diff_texts(&d, a, strlen(a), b, strlen(b), NULL), 0, "%s", ds_error_last());
    return d;
}

/* Render with default options; caller frees. */
static char *render(const ds_diff *d, ds_diff_format f, const ds_diff_render_options *o)
{
    sbuf s = {NULL, 0};
    ds_sink sink = {sink_cb, &s};
    cr_assert_eq(ds_diff_render(d, f, o, &sink), 0, "%s", ds_error_last());
    if (!s.p)
        s.p = strdup("");
    return s.p;
}

static char *plain(const char *a, const char *b)
{
    ds_diff *d = diff2(a, b);
    char *out = render(d, DS_DIFF_FORMAT_PLAIN, NULL);
    ds_diff_free(d);
    return out;
}

static char *line(const char *a, const char *b)
{
    static char buf[512];
    ds_diff *d = diff2(a, b);
    ds_diff_summary_line(buf, sizeof buf, d);
    ds_diff_free(d);
    return buf;
}

/* "tok|kind tok|kind ..." for a string. */
typedef struct tlist {
    const char *s;
    char out[1024];
} tlist;

static int tl_cb(void *ctx, size_t off, size_t len, int kind)
{
    static const char kinds[] = "WNPSF";
    tlist *t = ctx;
    size_t n = strlen(t->out);
    snprintf(t->out + n, sizeof t->out - n, "%s%.*s|%c", n ? " " : "", (int)len, t->s + off,
             kinds[kind]);
    return 0;
}

static const char *toks(const char *s)
{
    static tlist t;
    t.s = s;
    t.out[0] = '\0';
    ds__tokenize(s, 0, strlen(s), tl_cb, &t);
    return t.out;
}

/* ---- tokenizer -------------------------------------------------------------- */

Test(diff_token, words_numbers_punctuation)
{
    cr_assert_str_eq(toks("up to 13,000 kilometers."), "up|W to|W 13,000|N kilometers|W .|P");
    cr_assert_str_eq(toks("3.5% on 2018-01-11, 1.5bn at 9:30 on 11/01/2018"),
                     "3.5|N %|P on|W 2018-01-11|N ,|P 1.5bn|N at|W 9:30|N on|W 11/01/2018|N");
    cr_assert_str_eq(toks("Kim Jong-un’s “word” don't U.S. 72nd"),
                     "Kim|W Jong-un’s|W “|P word|W ”|P don't|W U.S|W .|P 72nd|N");
    cr_assert_str_eq(toks("a,b 1,2 x/y 3/4 a—b *\"I"),
                     "a|W ,|P b|W 1,2|N x|W /|P y|W 3/4|N a|W —|P b|W *|P \"|P I|W");
    cr_assert_str_eq(toks("Koreas' talks 'quoted'"), "Koreas|W '|P talks|W '|P quoted|W '|P");
    cr_assert_str_eq(toks("$5 €5bn & <b>"), "$|S 5|N €|S 5bn|N &|P <|S b|W >|S");
}

Test(diff_token, unicode_clusters)
{
    /* combining marks stay with their base */
    cr_assert_str_eq(toks("cafe\xCC\x81 n\xCC\x83o"), "cafe\xCC\x81|W n\xCC\x83o|W");
    /* a mark after punctuation stays with it */
    cr_assert_str_eq(toks("\"\xCC\x81x"), "\"\xCC\x81|P x|W");
    /* CJK: one word per character; kana too */
    cr_assert_str_eq(toks("北京市の人口"), "北|W 京|W 市|W の|W 人|W 口|W");
    /* Hangul keeps its spaces */
    cr_assert_str_eq(toks("한국어 문장"), "한국어|W 문장|W");
    /* Arabic and Hebrew with vowel marks */
    cr_assert_str_eq(toks("مرحبا بالعالم"), "مرحبا|W بالعالم|W");
    cr_assert_str_eq(toks("שָׁלוֹם עוֹלָם"), "שָׁלוֹם|W עוֹלָם|W");
    /* emoji sequences are one symbol token */
    cr_assert_str_eq(toks("ok 👨‍👩‍👧 🇫🇷 👍🏽"),
                     "ok|W 👨‍👩‍👧|S 🇫🇷|S 👍🏽|S");
    /* Unicode spaces separate; NBSP and ideographic space included */
    cr_assert_str_eq(toks("a\xC2\xA0"
                          "b\xE3\x80\x80"
                          "c"),
                     "a|W b|W c|W");
    /* Devanagari digits are digits */
    cr_assert_str_eq(toks("१२३ ١٢٣"), "१२३|N ١٢٣|N");
    /* soft hyphen inside a word keeps it whole */
    cr_assert_str_eq(toks("co\xC2\xADoperation"), "co\xC2\xADoperation|W");
}

Test(diff_token, counts)
{
    cr_assert_eq(ds__count_words("The 13,000 km — “done”.", 0, 25), 4);
    cr_assert_eq(ds__count_alnum("ab 12 é!", 0, 9), 5);
}

static int ceq(const char *a, const char *b)
{
    return ds__cosmetic_equal(a, strlen(a), b, strlen(b));
}

Test(diff_token, cosmetic_keys)
{
    cr_assert(ceq("“He said”", "\"he said\""));
    cr_assert(ceq("a – b", "a—b"));
    cr_assert(ceq("Yes, really.", "yes really"));
    cr_assert(ceq("North’s", "North's"));
    cr_assert(ceq("Jong-un", "Jong–un"));
    cr_assert(!ceq("13,000", "13.000"));
    cr_assert(!ceq("3.5", "35"));
    cr_assert(!ceq("military option", "“military option”"));
    cr_assert(!ceq("-5", "5"));
    cr_assert(ceq("−5", "-5"));
    cr_assert(!ceq("résumé", "resume"));
    cr_assert(ceq("ΣΊΣΥΦΟΣ", "σίσυφοσ"));
    cr_assert(ceq("a\xE2\x80\x8E b", "a b")); /* LRM is invisible */
    cr_assert(ds__cosmetic_empty(" — , * ", 9));
    cr_assert(!ds__cosmetic_empty("« »", 5));
    /* context before the range: a dash after a digit is not a sign */
    cr_assert(ds__cosmetic_equal_at("2017-5", 4, 6, "2017 5", 4, 6));
    /* a word boundary (white space or punctuation between two letters or
     * digits) counts: joining or splitting words is not cosmetic */
    cr_assert(!ceq("12 people", "1 2 people"));
    cr_assert(!ceq("March 4, 2021", "March 42021"));
    cr_assert(!ceq("50%", "5 0%"));
    cr_assert(!ceq("John Smith", "JohnSmith"));
    cr_assert(!ceq("a part", "apart"));
    cr_assert(!ceq("every day", "everyday"));
    cr_assert(!ceq("e-mail", "email"));
    cr_assert(!ceq("One two\n\nthree", "One twothree"));
    cr_assert(ceq("One two.\n\nThree", "One two.Three")); /* not joined: a full stop */
    cr_assert(ceq("well-known", "well known"));
    cr_assert(ceq("said , yes", "said, yes"));
    cr_assert(ceq("said.\n\nThe damage", "said. The damage"));
    cr_assert(ceq("北京 市", "北京市")); /* each ideograph is a word anyway */
    cr_assert(!ds__cosmetic_equal_at("ab cd", 2, 5, "abcd", 2, 4));
    cr_assert(ds__cosmetic_equal_at("ab, cd", 2, 6, "ab cd", 2, 5));
    /* signs: U+2212, after an opening parenthesis; full-width forms */
    cr_assert(!ceq("\xE2\x88\x92"
                   "5",
                   "5"));
    cr_assert(!ceq("(-5)", "(5)"));
    cr_assert(!ceq("rose 2.5", "rose -2.5"));
    cr_assert(ceq("\xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x97", "2017"));
    cr_assert(ceq("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3", "abc"));
    /* thousands separators stay: "4,500" is 4.5 in some languages */
    cr_assert(!ceq("4,500", "4500"));
}

Test(diff_token, signs_belong_to_numbers)
{
    cr_assert_str_eq(toks("to -5 degrees, \xE2\x88\x92"
                          "5 and (-3) 2017-5 x\xE2\x80\x94"
                          "5 $-1 - 4"),
                     "to|W -5|N degrees|W ,|P \xE2\x88\x92"
                     "5|N and|W (|P -3|N )|P 2017-5|N x|W \xE2\x80\x94|P 5|N $|S -|P 1|N -|P "
                     "4|N");
    cr_assert_str_eq(toks("-2.5bn"), "-2.5bn|N");
}

Test(diff_token, utf8_validation)
{
    size_t bad = 0;
    int nul = 0;
    cr_assert(ds__utf8_valid("plain ascii text, long enough", 29, &bad, &nul));
    cr_assert(!ds__utf8_valid("abc\xC0\xAF", 5, &bad, &nul));
    cr_assert_eq(bad, 3);
    cr_assert(!ds__utf8_valid("0123456789\xED\xA0\x80", 13, &bad, &nul)); /* surrogate */
    cr_assert_eq(bad, 10);
    cr_assert(!ds__utf8_valid("abcdefghij\0k", 12, &bad, &nul));
    cr_assert_eq(bad, 10);
    cr_assert_eq(nul, 1);
    cr_assert(!ds__utf8_valid("\xE2\x80", 2, &bad, &nul)); /* truncated */
    cr_assert_eq(bad, 0);
}

Test(diff_token, sort)
{
    uint32_t v[1000], k;
    unsigned seed = 7;
    for (int round = 0; round < 50; round++) {
        size_t n = (size_t)(round * 19 % 1000);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            v[i] = round % 3 == 0 ? 5 : (seed >> 8) % (round % 2 ? 7 : 100000);
        }
        ds__sort_u32(v, n);
        for (k = 1; k < n; k++)
            cr_assert(v[k - 1] <= v[k]);
    }
}

/* ---- Myers ------------------------------------------------------------------ */

Test(diff_myers, minimal_and_budget)
{
    /* abcabba -> cbabac: the paper's example, D = 5 */
    uint32_t a[] = {1, 2, 3, 1, 2, 2, 1}, b[] = {3, 2, 1, 2, 1, 3};
    unsigned char ca[7], cb[6];
    ds__myers_env env;
    size_t i, ndel = 0, nins = 0;
    memset(&env, 0, sizeof env);
    cr_assert_eq(ds__myers(a, 7, b, 6, ca, cb, &env), 0);
    for (i = 0; i < 7; i++)
        ndel += ca[i];
    for (i = 0; i < 6; i++)
        nins += cb[i];
    cr_assert_eq(ndel + nins, 5);
    cr_assert_eq(env.fallbacks, 0);
    /* with a budget of 1 everything left after trimming is changed */
    memset(&env, 0, sizeof env);
    env.budget = 1;
    {
        uint32_t x[] = {9, 1, 2, 3, 4, 5, 9}, y[] = {9, 5, 4, 3, 2, 1, 9};
        unsigned char cx[7], cy[7];
        cr_assert_eq(ds__myers(x, 7, y, 7, cx, cy, &env), 0);
        cr_assert_eq(cx[0], 0);
        cr_assert_eq(cx[6], 0);
        for (i = 1; i < 6; i++)
            cr_assert_eq(cx[i] + cy[i], 2);
        cr_assert_eq(env.fallbacks, 1);
    }
    ds__myers_env_free(&env);
}

/* ---- empty, identical, errors ------------------------------------------------ */

Test(diff, empty_and_identical)
{
    ds_diff *d = diff2("", "");
    char *s;
    cr_assert_eq(ds_diff_get_summary(d)->classification, DS_DIFF_IDENTICAL);
    cr_assert_eq(ds_diff_para_count(d), 0);
    cr_assert_eq(ds_diff_op_count(d), 0);
    s = render(d, DS_DIFF_FORMAT_UNIFIED, NULL);
    cr_assert_str_eq(s, "");
    free(s);
    s = render(d, DS_DIFF_FORMAT_PLAIN, NULL);
    cr_assert_str_eq(s, "");
    free(s);
    ds_diff_free(d);

    cr_assert_str_eq(line("# T\n\nSame.\n", "# T\n\nSame.\n"), "no changes");
    s = plain("# T\n\nSame.\n", "# T\n\nSame.\n");
    cr_assert_str_eq(s, "# T\n\nSame.\n");
    free(s);

    s = plain("", "New text.\n");
    cr_assert_str_eq(s, "{+New text.+}\n");
    free(s);
    s = plain("Old text.", "");
    cr_assert_str_eq(s, "[-Old text.-]\n");
    free(s);
    cr_assert_str_eq(line("", "New text here.\n"), "+3 \xE2\x88\x92"
                                                   "0 words, 1 paragraph added");
    cr_assert_str_eq(line("Old.\n", ""), "+0 \xE2\x88\x92"
                                         "1 words, 1 paragraph removed");
}

Test(diff, errors)
{
    ds_diff *d = (ds_diff *)1;
    ds_diff_options o = DS_DIFF_OPTIONS_INIT;
    o.a_label = "old.txt";
    o.b_label = "new.txt";
    cr_assert_eq(ds_diff_texts(&d, "ok", 2, "bad \xFF text", 10, &o), DS_EINVALID);
    cr_assert_null(d);
    cr_assert_str_eq(ds_error_last(), "new.txt: invalid UTF-8 at byte offset 4");
    cr_assert_eq(ds_diff_texts(&d, "a\0b", 3, "x", 1, &o), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "old.txt: NUL byte at byte offset 1");
    cr_assert_eq(ds_diff_texts(&d, "a", 1, "b", 1, NULL), 0);
    {
        sbuf s = {NULL, 0};
        ds_sink sink = {sink_cb, &s};
        ds_diff_render_options ro = DS_DIFF_RENDER_OPTIONS_INIT;
        ro.version = 99;
        cr_assert_eq(ds_diff_render(d, DS_DIFF_FORMAT_PLAIN, &ro, &sink), DS_EINVALID);
        cr_assert_str_eq(ds_error_last(), "diff render: unknown options version 99");
        cr_assert_eq(ds_diff_render(d, (ds_diff_format)42, NULL, &sink), DS_EINVALID);
        free(s.p);
    }
    ds_diff_free(d);
    o.version = 7;
    cr_assert_eq(ds_diff_texts(&d, "a", 1, "b", 1, &o), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "diff: unknown options version 7");
    ds_diff_free(NULL);
}

Test(diff, format_names)
{
    ds_diff_format f;
    cr_assert_eq(ds_diff_format_parse(&f, "colour"), 0);
    cr_assert_eq(f, DS_DIFF_FORMAT_COLOR);
    cr_assert_eq(ds_diff_format_parse(&f, "unified"), 0);
    cr_assert_eq(f, DS_DIFF_FORMAT_UNIFIED);
    cr_assert_eq(ds_diff_format_parse(&f, "xml"), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "unknown diff format 'xml' (expected color, plain, unified, "
                                      "json, html or summary)");
}

static int failing_sink(void *ctx, const void *buf, size_t len)
{
    (void)ctx, (void)buf, (void)len;
    return ds__error_set(DS_EIO, "disk full");
}

Test(diff, sink_errors_propagate)
{
    ds_diff *d = diff2("# A\n\nOne.\n", "# B\n\nTwo.\n");
    ds_sink sink = {failing_sink, NULL};
    for (int f = 0; f <= DS_DIFF_FORMAT_SUMMARY; f++) {
        cr_assert_eq(ds_diff_render(d, (ds_diff_format)f, NULL, &sink), DS_EIO, "format %d", f);
        cr_assert_str_eq(ds_error_last(), "disk full");
    }
    ds_diff_free(d);
}

/* ---- word diffs and clean-up ---------------------------------------------------- */

Test(diff, word_level_edits)
{
    char *s = plain("The cat sat on the mat.\n", "The cat sat on a mat.\n");
    cr_assert_str_eq(s, "The cat sat on [-the-]{+a+} mat.\n");
    free(s);
    s = plain("a big dog\n", "a very big dog\n");
    cr_assert_str_eq(s, "a {+very+} big dog\n");
    free(s);
    s = plain("a very big dog\n", "a big dog\n");
    cr_assert_str_eq(s, "a [-very-] big dog\n");
    free(s);
    /* never inside a word: bigger is a new word, not big + ger */
    s = plain("a big dog\n", "a bigger dog\n");
    cr_assert_str_eq(s, "a [-big-]{+bigger+} dog\n");
    free(s);
    /* a rewritten sentence: the coincidental "the" is merged away */
    s = plain("He said the plan was bad.\n", "She thinks the idea is good.\n");
    cr_assert_str_eq(s, "[-He said the plan was bad-]{+She thinks the idea is good+}.\n");
    free(s);
    /* punctuation edits are separate tokens */
    s = plain("Stop now.\n", "Stop now!\n");
    cr_assert_str_eq(s, "Stop now[-.-]{+!+}\n");
    free(s);
}

Test(diff, raw_script_without_cleanup)
{
    ds_diff *d = NULL;
    ds_diff_options o = DS_DIFF_OPTIONS_INIT;
    const char *a = "He said the plan was bad.\n", *b = "She thinks the idea is good.\n";
    char *s;
    o.flags = DS_DIFF_NO_CLEANUP;
    cr_assert_eq(ds_diff_texts(&d, a, strlen(a), b, strlen(b), &o), 0);
    s = render(d, DS_DIFF_FORMAT_PLAIN, NULL);
    cr_assert_str_eq(s, "[-He said-]{+She thinks+} the [-plan was bad-]{+idea is good+}.\n");
    free(s);
    ds_diff_free(d);
}

Test(diff, unicode_word_diffs)
{
    char *s = plain("北京市的人口很多。\n", "上海市的人口很多。\n");
    cr_assert_str_eq(s, "[-北京-]{+上海+}市的人口很多。\n");
    free(s);
    s = plain("قال الرئيس إن الوضع جيد\n", "قال الرئيس إن الوضع سيئ\n");
    cr_assert_str_eq(s, "قال الرئيس إن الوضع [-جيد-]{+سيئ+}\n");
    free(s);
    /* é as e + combining acute vs precomposed: a whole-word change */
    s = plain("un cafe\xCC\x81 noir\n", "un caf\xC3\xA9 noir\n");
    cr_assert_str_eq(s, "un [-cafe\xCC\x81-]{+caf\xC3\xA9+} noir\n");
    free(s);
}

/* ---- paragraphs, moves, header ------------------------------------------------- */

static const char *ART = "# Headline here\n"
                         "date: 11/01/2018\n"
                         "\n"
                         "First paragraph has enough letters to move around.\n"
                         "\n"
                         "Second paragraph is also long enough for a move.\n"
                         "\n"
                         "Third paragraph closes the article today.\n";

Test(diff, moved_paragraph)
{
    const char *b = "# Headline here\n"
                    "date: 11/01/2018\n"
                    "\n"
                    "Second paragraph is also long enough for a move.\n"
                    "\n"
                    "Third paragraph closes the article today.\n"
                    "\n"
                    "First paragraph has enough letters to move around.\n";
    ds_diff *d = diff2(ART, b);
    const ds_diff_summary *sm = ds_diff_get_summary(d);
    char *s;
    cr_assert_eq(sm->classification, DS_DIFF_SUBSTANTIVE);
    cr_assert_eq(sm->paragraphs_moved, 1);
    cr_assert_eq(sm->words_added + sm->words_removed, 0);
    s = render(d, DS_DIFF_FORMAT_PLAIN, NULL);
    cr_assert_str_eq(s, "# Headline here\n"
                        "date: 11/01/2018\n"
                        "\n"
                        "[moved to \xC2\xB6"
                        "3]\n"
                        "\n"
                        "Second paragraph is also long enough for a move.\n"
                        "\n"
                        "Third paragraph closes the article today.\n"
                        "\n"
                        "[moved from \xC2\xB6"
                        "1]\n"
                        "First paragraph has enough letters to move around.\n");
    free(s);
    cr_assert_str_eq(line(ART, b), "1 paragraph moved");
    ds_diff_free(d);

    /* a short paragraph with the same text moved too (exact matches have no
     * minimum size) */
    cr_assert_str_eq(
        line("# H\n\nShort one.\n\nOther text here.\n", "# H\n\nOther text here.\n\nShort one.\n"),
        "1 paragraph moved");
    /* a similar one with too few letters is a deletion plus an insertion */
    cr_assert_str_eq(
        line("# H\n\nShort one.\n\nOther text here.\n", "# H\n\nOther text here.\n\nShort one!\n"),
        "+2 \xE2\x88\x92"
        "2 words, 1 paragraph added, 1 paragraph removed");
}

Test(diff, moved_and_edited_paragraph)
{
    const char *b = "# Headline here\n"
                    "date: 11/01/2018\n"
                    "\n"
                    "Second paragraph is also long enough for a move.\n"
                    "\n"
                    "Third paragraph closes the article today.\n"
                    "\n"
                    "First paragraph has plenty of letters to move around.\n";
    ds_diff *d = diff2(ART, b);
    char *s = render(d, DS_DIFF_FORMAT_PLAIN, NULL);
    cr_assert_str_eq(s, "# Headline here\n"
                        "date: 11/01/2018\n"
                        "\n"
                        "[moved to \xC2\xB6"
                        "3]\n"
                        "\n"
                        "Second paragraph is also long enough for a move.\n"
                        "\n"
                        "Third paragraph closes the article today.\n"
                        "\n"
                        "[moved from \xC2\xB6"
                        "1]\n"
                        "First paragraph has [-enough-]{+plenty of+} letters to move around.\n");
    free(s);
    cr_assert_str_eq(line(ART, b), "+2 \xE2\x88\x92"
                                   "1 words, 1 paragraph moved");
    ds_diff_free(d);
}

Test(diff, header_fields)
{
    const char *b = "# Headline changed here\n"
                    "byline: By Jane Doe\n"
                    "date: 12/01/2018\n"
                    "\n"
                    "First paragraph has enough letters to move around.\n"
                    "\n"
                    "Second paragraph is also long enough for a move.\n"
                    "\n"
                    "Third paragraph closes the article today.\n";
    ds_diff *d = diff2(ART, b);
    const ds_diff_summary *s = ds_diff_get_summary(d);
    cr_assert_eq(s->headline.state, DS_DIFF_FIELD_CHANGED);
    cr_assert_str_eq(s->headline.old_text, "Headline here");
    cr_assert_str_eq(s->headline.new_text, "Headline changed here");
    cr_assert_eq(s->byline.state, DS_DIFF_FIELD_ADDED);
    cr_assert_null(s->byline.old_text);
    cr_assert_str_eq(s->byline.new_text, "By Jane Doe");
    cr_assert_eq(s->date.state, DS_DIFF_FIELD_CHANGED);
    cr_assert_str_eq(s->date.old_text, "11/01/2018");
    cr_assert_eq(s->paragraphs_a, 3);
    cr_assert_eq(s->paragraphs_changed, 0);
    cr_assert_eq(s->number_count, 0); /* dates are reported as the date field */
    cr_assert_eq(s->words_added, 1);
    {
        char buf[512];
        ds_diff_summary_line(buf, sizeof buf, d);
        cr_assert_str_eq(buf, "+1 \xE2\x88\x92"
                              "0 words, headline changed, byline added, "
                              "date changed");
    }
    ds_diff_free(d);
}

Test(diff, summary_line_truncation)
{
    ds_diff *d = diff2(ART, "# Other\n\nAll new.\n");
    char buf[512], small[12];
    size_t n = ds_diff_summary_line(buf, sizeof buf, d);
    cr_assert_str_eq(buf, "+3 \xE2\x88\x92"
                          "25 words, 1 paragraph added, 3 paragraphs removed, "
                          "headline changed, date removed");
    cr_assert_eq(n, strlen(buf));
    /* "+3 −26 words": the cut never splits the minus sign */
    cr_assert_eq(ds_diff_summary_line(small, 5, d), n);
    cr_assert_str_eq(small, "+3 ");
    cr_assert_eq(ds_diff_summary_line(small, 7, d), n);
    cr_assert_str_eq(small, "+3 \xE2\x88\x92");
    cr_assert_eq(ds_diff_summary_line(NULL, 0, d), n);
    ds_diff_free(d);
}

/* ---- classification --------------------------------------------------------------- */

Test(diff, cosmetic_changes)
{
    const char *a = "# Title\n\n“He said,” – she wrote: 'yes'.\n";
    ds_diff *d = diff2(a, "# TITLE\n\n\"He said\" — she  wrote: ‘yes’\n");
    const ds_diff_summary *s = ds_diff_get_summary(d);
    char *out;
    ds_diff_render_options ro = DS_DIFF_RENDER_OPTIONS_INIT;
    cr_assert_eq(s->classification, DS_DIFF_COSMETIC);
    cr_assert_eq(s->headline.state, DS_DIFF_FIELD_CHANGED);
    cr_assert_eq(s->headline.cosmetic, 1);
    cr_assert_eq(s->quotes_restyled, 2);
    cr_assert_eq(s->quotes_altered + s->quotes_added + s->quotes_removed, 0);
    cr_assert_str_eq(line(a, "# TITLE\n\n\"He said\" — she  wrote: ‘yes’\n"),
                     "cosmetic changes only");
    /* hidden when asked */
    ro.flags = DS_DIFF_RENDER_HIDE_COSMETIC;
    out = render(d, DS_DIFF_FORMAT_PLAIN, &ro);
    cr_assert_str_eq(out, "# TITLE\n\n\"He said\" — she  wrote: ‘yes’\n");
    free(out);
    ds_diff_free(d);

    /* paragraph breaks are white space too */
    cr_assert_str_eq(line("One two.\n\nThree four.\n", "One two. Three four.\n"),
                     "cosmetic changes only");
    /* adding quotation marks is not cosmetic */
    cr_assert_str_eq(line("a military option\n", "a “military option”\n"), "1 quote added");
    /* a changed number is substantive */
    cr_assert_str_eq(line("up to 13,000 km\n", "up to 10,000 km\n"), "+1 \xE2\x88\x92"
                                                                     "1 words, 1 number changed");
}

/* The tester's reproductions: a sign is part of its number, and a change of
 * sign is substantive, however the minus is written. */
Test(diff, sign_changes_are_substantive)
{
    static const char a[] = "# T\n\nTemperatures fell to -5 degrees overnight.\n";
    static const char *const bs[] = {
        "# T\n\nTemperatures fell to 5 degrees overnight.\n",
        "# T\n\nTemperatures fell to \xE2\x88\x92"
        "5 degrees overnight.\n", /* restyled: cosmetic */
        "# T\n\nTemperatures fell overnight.\n",
    };
    ds_diff *d;
    const ds_diff_summary *s;
    char *out;
    ds_diff_render_options ro = DS_DIFF_RENDER_OPTIONS_INIT;
    ro.flags = DS_DIFF_RENDER_HIDE_COSMETIC;

    d = diff2(a, bs[0]);
    s = ds_diff_get_summary(d);
    cr_assert_eq(s->classification, DS_DIFF_SUBSTANTIVE);
    cr_assert_eq(s->words_added, 1);
    cr_assert_eq(s->words_removed, 1);
    cr_assert_eq(s->number_count, 1);
    cr_assert_str_eq(s->numbers[0].old_text, "-5");
    cr_assert_str_eq(s->numbers[0].new_text, "5");
    out = render(d, DS_DIFF_FORMAT_PLAIN, &ro); /* not hidden */
    cr_assert_str_eq(out, "# T\n\nTemperatures fell to [--5-]{+5+} degrees overnight.\n");
    free(out);
    ds_diff_free(d);

    d = diff2(a, bs[1]);
    s = ds_diff_get_summary(d);
    cr_assert_eq(s->classification, DS_DIFF_COSMETIC);
    cr_assert_eq(s->number_count, 0);
    ds_diff_free(d);

    d = diff2(a, bs[2]);
    s = ds_diff_get_summary(d);
    cr_assert_eq(s->number_count, 1);
    cr_assert_str_eq(s->numbers[0].old_text, "-5");
    cr_assert_null(s->numbers[0].new_text);
    ds_diff_free(d);

    /* U+2212 dropped; a sign added */
    d = diff2(bs[1], bs[0]);
    s = ds_diff_get_summary(d);
    cr_assert_eq(s->classification, DS_DIFF_SUBSTANTIVE);
    cr_assert_eq(s->number_count, 1);
    cr_assert_str_eq(s->numbers[0].old_text, "\xE2\x88\x92"
                                             "5");
    cr_assert_str_eq(s->numbers[0].new_text, "5");
    ds_diff_free(d);
    cr_assert_str_eq(line("Shares rose 2.5 points.\n", "Shares rose -2.5 points.\n"),
                     "+1 \xE2\x88\x92"
                     "1 words, 1 number changed");
    cr_assert_str_eq(line("It was (-5) then.\n", "It was (5) then.\n"),
                     "+1 \xE2\x88\x92"
                     "1 words, 1 number changed");
}

/* Joining or splitting words is substantive, and shown with
 * DS_DIFF_RENDER_HIDE_COSMETIC; white space before punctuation is not. */
Test(diff, word_boundaries_are_substantive)
{
    static const char *const pairs[][3] = {
        {"They left 12 people.\n", "They left 1 2 people.\n", "They left [-12-]{+1 2+} people.\n"},
        {"On March 4, 2021 it rained.\n", "On March 42021 it rained.\n",
         "On March [-4, 2021-]{+42021+} it rained.\n"},
        {"About 50% of homes.\n", "About 5 0% of homes.\n", "About [-50-]{+5 0+}% of homes.\n"},
        {"said John Smith, the mayor.\n", "said JohnSmith, the mayor.\n",
         "said [-John Smith-]{+JohnSmith+}, the mayor.\n"},
        {"brought a part of it.\n", "brought apart of it.\n",
         "brought [-a part-]{+apart+} of it.\n"},
        {"it rains every day here.\n", "it rains everyday here.\n",
         "it rains [-every day-]{+everyday+} here.\n"},
    };
    ds_diff_render_options ro = DS_DIFF_RENDER_OPTIONS_INIT;
    ro.flags = DS_DIFF_RENDER_HIDE_COSMETIC;
    for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++) {
        ds_diff *d = diff2(pairs[k][0], pairs[k][1]);
        char *out = render(d, DS_DIFF_FORMAT_PLAIN, &ro);
        cr_assert_eq(ds_diff_get_summary(d)->classification, DS_DIFF_SUBSTANTIVE, "%zu", k);
        cr_assert_str_eq(out, pairs[k][2]);
        free(out);
        ds_diff_free(d);
    }
    cr_assert_str_eq(line("He said , yes.\n", "He said, yes.\n"), "cosmetic changes only");
    cr_assert_str_eq(line("a well-known man\n", "a well known man\n"), "cosmetic changes only");
    /* full-width digits are the same number: cosmetic, no number listed */
    {
        ds_diff *d = diff2("In \xEF\xBC\x92\xEF\xBC\x90\xEF\xBC\x91\xEF\xBC\x97 it rained.\n",
                           "In 2017 it rained.\n");
        cr_assert_eq(ds_diff_get_summary(d)->classification, DS_DIFF_COSMETIC);
        cr_assert_eq(ds_diff_get_summary(d)->number_count, 0);
        ds_diff_free(d);
    }
}

/* A paragraph split in two, or two merged, with the same words: a cosmetic
 * change everywhere (classification, entry and op flags, summary lists,
 * JSON, and shown unmarked with DS_DIFF_RENDER_HIDE_COSMETIC). */
static void check_cosmetic_layout(const char *a, const char *b)
{
    ds_diff *d = diff2(a, b);
    const ds_diff_summary *s = ds_diff_get_summary(d);
    ds_diff_render_options ro = DS_DIFF_RENDER_OPTIONS_INIT;
    char *out;
    size_t k, changed = 0;
    json_t *j, *ps;
    json_error_t e;
    cr_assert_eq(s->classification, DS_DIFF_COSMETIC);
    cr_assert_eq(s->number_count, 0);
    cr_assert_eq(s->quotes_altered + s->quotes_added + s->quotes_removed, 0);
    for (k = 0; k < ds_diff_para_count(d); k++) {
        const ds_diff_para *p = ds_diff_para_at(d, k);
        if (p->kind == DS_DIFF_PARA_EQUAL)
            continue;
        changed++;
        cr_assert(p->flags & DS_DIFF_PARA_COSMETIC, "entry %zu", k);
        for (size_t t = p->first_op; t < p->first_op + p->op_count; t++)
            cr_assert(ds_diff_op_at(d, t)->kind == DS_DIFF_OP_EQUAL ||
                          (ds_diff_op_at(d, t)->flags & DS_DIFF_OP_COSMETIC),
                      "op %zu", t);
    }
    cr_assert_eq(changed, 2);
    out = render(d, DS_DIFF_FORMAT_JSON, NULL);
    j = json_loads(out, 0, &e);
    cr_assert_not_null(j, "%s", e.text);
    cr_assert_str_eq(json_string_value(json_object_get(j, "classification")), "cosmetic");
    ps = json_object_get(j, "paragraphs");
    for (k = 0; k < json_array_size(ps); k++) {
        json_t *p = json_array_get(ps, k);
        int eq = strcmp(json_string_value(json_object_get(p, "kind")), "equal") == 0;
        cr_assert_eq(json_is_true(json_object_get(p, "cosmetic")), !eq, "entry %zu", k);
    }
    json_decref(j);
    free(out);
    ro.flags = DS_DIFF_RENDER_HIDE_COSMETIC;
    out = render(d, DS_DIFF_FORMAT_PLAIN, &ro);
    cr_assert_str_eq(out, b);
    free(out);
    out = render(d, DS_DIFF_FORMAT_SUMMARY, &ro);
    cr_assert_str_eq(out, "classification: cosmetic\nsummary: cosmetic changes only\n");
    free(out);
    ds_diff_free(d);
}

Test(diff, paragraph_split_and_merge_are_cosmetic)
{
    static const char one[] =
        "# T\n\nIt fell to -5, officials said. The damage was 3.5 million. \"We will "
        "rebuild,\" he said.\n\nEnd.\n";
    static const char two[] =
        "# T\n\nIt fell to -5, officials said.\n\nThe damage was 3.5 million. \"We will "
        "rebuild,\" he said.\n\nEnd.\n";
    static const char quote_cut[] = "# T\n\nIt fell to -5, officials said. The damage was 3.5 "
                                    "million. \"We will\n\nrebuild,\" he said.\n\nEnd.\n";
    check_cosmetic_layout(one, two);
    check_cosmetic_layout(two, one);
    check_cosmetic_layout(one, quote_cut);
    check_cosmetic_layout(quote_cut, one);
    /* joining the words around the break is substantive */
    cr_assert_str_eq(line("One two\n\nthree four.\n", "One twothree four.\n"),
                     "+2 \xE2\x88\x92"
                     "3 words, 1 paragraph removed");
}

/* --ignore-cosmetic in the summary: cosmetic items are left out, and a
 * cosmetic-only difference stops after the one-line summary. */
Test(diff, summary_without_cosmetic_items)
{
    ds_diff *d = diff2("# T\n\nHe said \"great\" and 5 more.\n",
                       "# t\n\nHe said \xE2\x80\x9cgreat\xE2\x80\x9d and 6 more.\n");
    ds_diff_render_options ro = DS_DIFF_RENDER_OPTIONS_INIT;
    char *out = render(d, DS_DIFF_FORMAT_SUMMARY, &ro);
    cr_assert_str_eq(out, "classification: substantive\n"
                          "summary: +2 \xE2\x88\x92"
                          "2 words, 1 number changed\n"
                          "headline: changed (cosmetic)\n"
                          "  old: T\n"
                          "  new: t\n"
                          "paragraphs: 1 \xE2\x86\x92 1 (0 added, 0 removed, 1 changed, 0 moved)\n"
                          "words: +2 \xE2\x88\x92"
                          "2\n"
                          "quote restyled (\xC2\xB6"
                          "1):\n"
                          "  old: \"great\"\n"
                          "  new: \xE2\x80\x9cgreat\xE2\x80\x9d\n"
                          "number changed (\xC2\xB6"
                          "1): 5 \xE2\x86\x92 6\n");
    free(out);
    ro.flags = DS_DIFF_RENDER_HIDE_COSMETIC;
    out = render(d, DS_DIFF_FORMAT_SUMMARY, &ro);
    cr_assert_str_eq(out, "classification: substantive\n"
                          "summary: +2 \xE2\x88\x92"
                          "2 words, 1 number changed\n"
                          "paragraphs: 1 \xE2\x86\x92 1 (0 added, 0 removed, 1 changed, 0 moved)\n"
                          "words: +2 \xE2\x88\x92"
                          "2\n"
                          "number changed (\xC2\xB6"
                          "1): 5 \xE2\x86\x92 6\n");
    free(out);
    ds_diff_free(d);
}

Test(diff, quotes_and_numbers)
{
    const char *a = "# T\n\n“He is already an absolutely shrewd and mature politician,” Putin "
                    "added. It cost 5bn, not 3bn.\n";
    const char *b = "# T\n\n“He is already a rather shrewd politician,” Putin added. It cost "
                    "4.5bn, not 3bn.\n";
    ds_diff *d = diff2(a, b);
    const ds_diff_summary *s = ds_diff_get_summary(d);
    cr_assert_eq(s->quote_count, 1);
    cr_assert_eq(s->quotes[0].kind, DS_DIFF_QUOTE_ALTERED);
    cr_assert_str_eq(s->quotes[0].old_text,
                     "He is already an absolutely shrewd and mature politician,");
    cr_assert_str_eq(s->quotes[0].new_text, "He is already a rather shrewd politician,");
    cr_assert_str_eq(s->quotes[0].old_marks, "“”");
    cr_assert_eq(s->quotes[0].a_line, 2);
    cr_assert_eq(s->number_count, 1);
    cr_assert_str_eq(s->numbers[0].old_text, "5bn");
    cr_assert_str_eq(s->numbers[0].new_text, "4.5bn");
    ds_diff_free(d);

    /* quotations: German, French, CJK, unclosed (multi-paragraph) */
    d = diff2("# T\n\nEr sagte „ja“. Il dit « non ». 彼は「はい」と言った。\n\n“Open and\n",
              "# T\n\nEr sagte „nein“. Il dit « oui ». 彼は「いいえ」と言った。\n\n“Open but\n");
    s = ds_diff_get_summary(d);
    cr_assert_eq(s->quote_count, 4);
    cr_assert_str_eq(s->quotes[0].old_text, "ja");
    cr_assert_str_eq(s->quotes[0].new_marks, "„“");
    cr_assert_str_eq(s->quotes[1].old_text, "non");
    cr_assert_str_eq(s->quotes[2].new_text, "いいえ");
    cr_assert_str_eq(s->quotes[3].old_text, "Open and");
    cr_assert_str_eq(s->quotes[3].old_marks, "“");
    ds_diff_free(d);
}

/* ---- ops invariants on a small case, and the JSON layout ------------------------- */

Test(diff, json_layout)
{
    ds_diff *d = diff2("# T\n\nOne two.\n", "# T\n\nOne three.\n");
    char *s = render(d, DS_DIFF_FORMAT_JSON, NULL);
    json_error_t e;
    json_t *j = json_loads(s, 0, &e), *p, *ops;
    cr_assert_not_null(j, "%s", e.text);
    cr_assert_str_eq(json_string_value(json_object_get(j, "format")), "docseal-diff");
    cr_assert_eq(json_integer_value(json_object_get(j, "version")), 1);
    cr_assert_str_eq(json_string_value(json_object_get(j, "classification")), "substantive");
    cr_assert_str_eq(json_string_value(json_object_get(j, "summary_line")), "+1 \xE2\x88\x92"
                                                                            "1 words");
    p = json_array_get(json_object_get(j, "paragraphs"), 1);
    cr_assert_str_eq(json_string_value(json_object_get(p, "kind")), "changed");
    cr_assert_str_eq(json_string_value(json_object_get(p, "role")), "body");
    cr_assert_eq(json_integer_value(json_object_get(p, "a_line")), 3);
    cr_assert_eq(json_integer_value(json_object_get(p, "b_paragraph")), 1);
    ops = json_object_get(p, "ops");
    cr_assert_eq(json_array_size(ops), 5);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ops, 0), "text")), "One ");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ops, 1), "op")), "-");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ops, 2), "text")), "three");
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ops, 3), "text")), ".");
    cr_assert_null(json_object_get(json_array_get(ops, 3), "gap"));
    cr_assert(json_is_true(json_object_get(json_array_get(ops, 4), "gap")));
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(ops, 4), "text")), "\n");
    json_decref(j);
    free(s);
    ds_diff_free(d);
}

Test(diff, unified_layout)
{
    ds_diff *d = diff2("a\nb\nc\nd\ne\nf\ng\nh\ni\n", "a\nb\nc\nD\ne\nf\ng\nh\ni\nj");
    ds_diff_render_options o = DS_DIFF_RENDER_OPTIONS_INIT;
    char *s = render(d, DS_DIFF_FORMAT_UNIFIED, NULL);
    cr_assert_str_eq(s, "--- a\n+++ b\n"
                        "@@ -1,9 +1,10 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n h\n i\n+j\n"
                        "\\ No newline at end of file\n");
    free(s);
    o.context = 1;
    o.a_label = "old";
    o.b_label = "new";
    s = render(d, DS_DIFF_FORMAT_UNIFIED, &o);
    cr_assert_str_eq(s, "--- old\n+++ new\n@@ -3,3 +3,3 @@\n c\n-d\n+D\n e\n"
                        "@@ -9 +9,2 @@\n i\n+j\n\\ No newline at end of file\n");
    free(s);
    ds_diff_free(d);
    d = diff2("", "x\n");
    s = render(d, DS_DIFF_FORMAT_UNIFIED, NULL);
    cr_assert_str_eq(s, "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n");
    free(s);
    ds_diff_free(d);
}

Test(diff, context_elision)
{
    ds_diff_render_options o = DS_DIFF_RENDER_OPTIONS_INIT;
    ds_diff *d = diff2("# T\n\nP1.\n\nP2.\n\nP3.\n\nP4.\n\nP5.\n", "# T\n\nP1.\n\nP2.\n\nP3x.\n\n"
                                                                   "P4.\n\nP5.\n");
    char *s;
    o.context = 1;
    s = render(d, DS_DIFF_FORMAT_PLAIN, &o);
    cr_assert_str_eq(s, "# T\n\n[... 1 unchanged paragraph ...]\n\nP2.\n\n[-P3-]{+P3x+}.\n\nP4.\n\n"
                        "[... 1 unchanged paragraph ...]\n");
    free(s);
    ds_diff_free(d);
}

Test(diff, borrowed_texts)
{
    char a[] = "# T\n\nOne two.\n", b[] = "# T\n\nOne three.\n";
    ds_diff *d = NULL;
    ds_diff_options o = DS_DIFF_OPTIONS_INIT;
    size_t n;
    o.flags = DS_DIFF_BORROW_TEXTS;
    cr_assert_eq(ds_diff_texts(&d, a, strlen(a), b, strlen(b), &o), 0);
    cr_assert_eq(ds_diff_text(d, 0, &n), a);
    cr_assert_eq(n, strlen(a));
    cr_assert_eq(ds_diff_text(d, 1, NULL), b);
    cr_assert_str_eq(ds_diff_label(d, 0), "a");
    ds_diff_free(d);
}

/* ---- many short lines: grouped, still exact and local ---------------------- */

static void rebuild_check(const ds_diff *d, const char *a, size_t alen, const char *b, size_t blen)
{
    size_t apos = 0, bpos = 0;
    for (size_t k = 0; k < ds_diff_para_count(d); k++) {
        const ds_diff_para *p = ds_diff_para_at(d, k);
        for (size_t i = p->first_op; i < p->first_op + p->op_count; i++) {
            const ds_diff_op *op = ds_diff_op_at(d, i);
            if (op->kind != DS_DIFF_OP_INSERT && p->kind != DS_DIFF_PARA_MOVED_TO) {
                cr_assert_eq(op->a_off, apos);
                apos += op->a_len;
            }
            if (op->kind != DS_DIFF_OP_DELETE && p->kind != DS_DIFF_PARA_MOVED_FROM) {
                cr_assert_eq(op->b_off, bpos);
                if (op->kind == DS_DIFF_OP_EQUAL)
                    cr_assert(memcmp(a + op->a_off, b + op->b_off, op->a_len) == 0);
                bpos += op->b_len;
            }
        }
    }
    cr_assert_eq(apos, alen);
    cr_assert_eq(bpos, blen);
}

Test(diff, many_short_lines_are_grouped)
{
    size_t n = 300000, alen = 0, blen = 0;
    char *a = malloc(n * 2 + 16), *b = malloc(n * 2 + 32);
    unsigned seed = 11;
    ds_diff *d = NULL;
    const ds_diff_summary *s;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        a[alen++] = (char)('a' + (seed >> 16) % 8); /* one of 8 letters per line */
        a[alen++] = '\n';
    }
    /* b: a with one line inserted near the start and one changed near the end */
    memcpy(b, a, 10);
    memcpy(b + 10, "zzz\n", 4);
    memcpy(b + 14, a + 10, alen - 10);
    blen = alen + 4;
    b[blen - 2] = b[blen - 2] == 'q' ? 'r' : 'q';
    cr_assert_eq(ds_diff_texts(&d, a, alen, b, blen, NULL), 0);
    s = ds_diff_get_summary(d);
    cr_assert(ds_diff_para_count(d) < 60000, "%zu entries", ds_diff_para_count(d));
    cr_assert(s->paragraphs_changed + s->paragraphs_added + s->paragraphs_removed <= 4,
              "%zu changed", s->paragraphs_changed);
    cr_assert_eq(s->approximate, 0);
    rebuild_check(d, a, alen, b, blen);
    ds_diff_free(d);
    free(a);
    free(b);
}

/* ---- reordered paragraphs: moves, never edits ---------------------------------
 * A paragraph whose exact text is in both texts is kept in place or moved,
 * whatever its size; it is never added, removed or edited, and yields no
 * word, number or quotation change. A pure reordering is substantive (the
 * reading order changed) and lists only moves. */

static const char SHUF_A[] = "# T\n\nItem 0 costs 10 dollars.\n\nItem 1 costs 20 dollars.\n\n"
                             "Item 2 costs 30 dollars.\n\nItem 3 costs 40 dollars.\n";
static const char SHUF_B[] = "# T\n\nItem 3 costs 40 dollars.\n\nItem 0 costs 10 dollars.\n\n"
                             "Item 2 costs 30 dollars.\n\nItem 1 costs 20 dollars.\n";

Test(diff_moves, four_paragraph_shuffle)
{
    ds_diff *d = diff2(SHUF_A, SHUF_B);
    const ds_diff_summary *sm = ds_diff_get_summary(d);
    ds_diff_options o = DS_DIFF_OPTIONS_INIT;
    json_t *j, *js;
    json_error_t e;
    char *s;
    cr_assert_eq(sm->classification, DS_DIFF_SUBSTANTIVE);
    cr_assert_eq(sm->approximate, 0);
    s = render(d, DS_DIFF_FORMAT_SUMMARY, NULL);
    cr_assert_str_eq(s, "classification: substantive\n"
                        "summary: 2 paragraphs moved\n"
                        "paragraphs: 4 \xE2\x86\x92 4 (0 added, 0 removed, 0 changed, 2 moved)\n"
                        "words: +0 \xE2\x88\x92"
                        "0\n"
                        "paragraph moved (\xC2\xB6"
                        "4 \xE2\x86\x92 \xC2\xB6"
                        "1): Item 3 costs 40 dollars.\n"
                        "paragraph moved (\xC2\xB6"
                        "2 \xE2\x86\x92 \xC2\xB6"
                        "4): Item 1 costs 20 dollars.\n");
    free(s);
    s = render(d, DS_DIFF_FORMAT_PLAIN, NULL);
    cr_assert_str_eq(s, "# T\n\n"
                        "[moved from \xC2\xB6"
                        "4]\nItem 3 costs 40 dollars.\n\n"
                        "Item 0 costs 10 dollars.\n\n"
                        "[moved to \xC2\xB6"
                        "4]\n\n"
                        "Item 2 costs 30 dollars.\n\n"
                        "[moved to \xC2\xB6"
                        "1]\n"
                        "[moved from \xC2\xB6"
                        "2]\nItem 1 costs 20 dollars.\n");
    free(s);
    /* JSON: no numbers, no quotes, exact */
    s = render(d, DS_DIFF_FORMAT_JSON, NULL);
    j = json_loads(s, 0, &e);
    cr_assert_not_null(j, "%s", e.text);
    js = json_object_get(j, "summary");
    cr_assert_not_null(js);
    cr_assert_eq(json_array_size(json_object_get(js, "numbers")), 0);
    cr_assert_eq(json_array_size(json_object_get(js, "quotes")), 0);
    cr_assert(json_is_false(json_object_get(js, "approximate")));
    cr_assert_str_eq(json_string_value(json_object_get(j, "summary_line")), "2 paragraphs moved");
    json_decref(j);
    free(s);
    /* HTML: moves, no inline edits */
    s = render(d, DS_DIFF_FORMAT_HTML, NULL);
    cr_assert_null(strstr(s, "<del"));
    cr_assert_null(strstr(s, "<ins"));
    cr_assert_not_null(strstr(s, "class=\"mto\""));
    free(s);
    rebuild_check(d, SHUF_A, strlen(SHUF_A), SHUF_B, strlen(SHUF_B));
    ds_diff_free(d);

    /* without moves: deletions and insertions, still never an edit */
    o.flags = DS_DIFF_NO_MOVES;
    cr_assert_eq(ds_diff_texts(&d, SHUF_A, strlen(SHUF_A), SHUF_B, strlen(SHUF_B), &o), 0);
    sm = ds_diff_get_summary(d);
    cr_assert_eq(sm->paragraphs_changed, 0);
    cr_assert_eq(sm->number_count, 0);
    cr_assert_eq(sm->paragraphs_added, 2);
    cr_assert_eq(sm->paragraphs_removed, 2);
    ds_diff_free(d);
}

/* The seed article cut into 30 distinct paragraphs (at ". " and ", ": some
 * very short), A in order and B shuffled. */
typedef struct pieces {
    char *text;
    const char *p[30];
    size_t n[30];
} pieces;

static void seed_pieces(pieces *pc)
{
    size_t len, np = 0, i, start;
    char *t = tu_read(tu_src("fixtures/diff/seed.txt"), &len);
    pc->text = t;
    start = (size_t)(strstr(t, "\n\n") - t) + 2; /* after the header */
    for (i = start; i < len && np < 30; i++) {
        int cut = t[i] == '\n' || (i + 1 < len && (t[i] == '.' || t[i] == ',') && t[i + 1] == ' ');
        size_t e = t[i] == '\n' ? i : i + 1, k, dup = 0;
        if (!cut)
            continue;
        while (start < e && t[start] == ' ')
            start++;
        for (k = 0; k < np; k++)
            dup |= pc->n[k] == e - start && memcmp(pc->p[k], t + start, e - start) == 0;
        if (e > start && !dup) {
            pc->p[np] = t + start;
            pc->n[np++] = e - start;
        }
        start = i + 1;
    }
    cr_assert_eq(np, 30);
}

static int strstr_n(const char *s, size_t n, const char *w)
{
    for (size_t x = 0, k = strlen(w); x + k <= n; x++)
        if (memcmp(s + x, w, k) == 0)
            return 1;
    return 0;
}

static uint64_t xs_state;
static size_t xs_below(size_t n)
{
    xs_state ^= xs_state >> 12;
    xs_state ^= xs_state << 25;
    xs_state ^= xs_state >> 27;
    return (size_t)((xs_state * 0x2545F4914F6CDD1Dull) % n);
}

/* "# Seed\n\n" and the pieces in the order ord, one paragraph each; the
 * piece `edit` gets "13,000" replaced by "12,000". */
static char *join_pieces(const pieces *pc, const size_t *ord, size_t edit)
{
    char *s = malloc(8192), *w = s;
    w += sprintf(w, "# Seed\n");
    for (size_t k = 0; k < 30; k++) {
        size_t i = ord[k], n = pc->n[i];
        *w++ = '\n';
        memcpy(w, pc->p[i], n);
        if (i == edit) {
            size_t x = 0;
            while (x + 6 <= n && memcmp(w + x, "13,000", 6) != 0)
                x++;
            cr_assert(x + 6 <= n, "no 13,000 in piece %zu", i);
            w[x + 1] = '2';
        }
        w += n;
        *w++ = '\n';
    }
    *w = '\0';
    return s;
}

static void check_moves_only(const ds_diff *d, size_t changed_words)
{
    const ds_diff_summary *sm = ds_diff_get_summary(d);
    for (size_t k = 0; k < ds_diff_para_count(d); k++) {
        const ds_diff_para *p = ds_diff_para_at(d, k);
        if (p->kind == DS_DIFF_PARA_MOVED_TO && p->a_len == p->b_len &&
            memcmp(ds_diff_text(d, 0, NULL) + p->a_off, ds_diff_text(d, 1, NULL) + p->b_off,
                   p->a_len) == 0) {
            /* an exact move: its text is one EQUAL op */
            cr_assert_eq(ds_diff_op_at(d, p->first_op)->kind, DS_DIFF_OP_EQUAL);
            cr_assert_eq(ds_diff_op_at(d, p->first_op)->a_len, p->a_len);
        }
    }
    cr_assert_eq(sm->paragraphs_a, 30);
    cr_assert_eq(sm->paragraphs_b, 30);
    cr_assert_eq(sm->paragraphs_added, 0);
    cr_assert_eq(sm->paragraphs_removed, 0);
    cr_assert_eq(sm->words_added, changed_words);
    cr_assert_eq(sm->words_removed, changed_words);
    cr_assert_eq(sm->quote_count, 0);
    cr_assert_eq(sm->approximate, 0);
    cr_assert_eq(sm->classification, DS_DIFF_SUBSTANTIVE);
}

Test(diff_moves, thirty_paragraph_shuffles_of_the_seed)
{
    pieces pc;
    size_t ord[30], id[30], with_figure = 0;
    seed_pieces(&pc);
    while (with_figure < 30 && !strstr_n(pc.p[with_figure], pc.n[with_figure], "13,000"))
        with_figure++;
    for (size_t k = 0; k < 30; k++)
        id[k] = k;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        ds_diff *d;
        char *a, *b, want[64], got[320];
        const ds_diff_summary *sm;
        xs_state = seed * 0x9E3779B97F4A7C15ull;
        for (size_t k = 0; k < 30; k++)
            ord[k] = k;
        for (size_t k = 29; k > 0; k--) { /* Fisher-Yates */
            size_t r = xs_below(k + 1), t = ord[k];
            ord[k] = ord[r];
            ord[r] = t;
        }
        a = join_pieces(&pc, id, (size_t)-1);
        b = join_pieces(&pc, ord, (size_t)-1);
        d = diff2(a, b);
        sm = ds_diff_get_summary(d);
        check_moves_only(d, 0);
        cr_assert_eq(sm->paragraphs_changed, 0, "seed %llu", (unsigned long long)seed);
        cr_assert_eq(sm->number_count, 0, "seed %llu", (unsigned long long)seed);
        cr_assert(sm->paragraphs_moved > 0 && sm->paragraphs_moved < 30);
        snprintf(want, sizeof want, "%zu paragraph%s moved", sm->paragraphs_moved,
                 sm->paragraphs_moved == 1 ? "" : "s");
        ds_diff_summary_line(got, sizeof got, d);
        cr_assert_str_eq(got, want, "seed %llu", (unsigned long long)seed);
        rebuild_check(d, a, strlen(a), b, strlen(b));
        {
            char *s = render(d, DS_DIFF_FORMAT_PLAIN, NULL);
            cr_assert_null(strstr(s, "[-"));
            cr_assert_null(strstr(s, "{+"));
            free(s);
        }
        ds_diff_free(d);
        free(b);

        /* the same shuffle and one real edit: exactly that change, plus moves */
        b = join_pieces(&pc, ord, with_figure);
        d = diff2(a, b);
        sm = ds_diff_get_summary(d);
        check_moves_only(d, 1);
        cr_assert_eq(sm->number_count, 1, "seed %llu", (unsigned long long)seed);
        cr_assert_str_eq(sm->numbers[0].old_text, "13,000");
        cr_assert_str_eq(sm->numbers[0].new_text, "12,000");
        cr_assert(sm->paragraphs_changed <= 1);
        snprintf(want, sizeof want,
                 "+1 \xE2\x88\x92"
                 "1 words, 1 number changed, %zu paragraph%s moved",
                 sm->paragraphs_moved, sm->paragraphs_moved == 1 ? "" : "s");
        ds_diff_summary_line(got, sizeof got, d);
        cr_assert_str_eq(got, want, "seed %llu", (unsigned long long)seed);
        rebuild_check(d, a, strlen(a), b, strlen(b));
        ds_diff_free(d);
        free(a);
        free(b);
    }
    free(pc.text);
}

Test(diff_moves, duplicated_paragraphs)
{
    /* twice in A, once in B: one removed, nothing edited */
    const char *a = "# T\n\nSame.\n\nOther one.\n\nSame.\n\nLast.\n";
    const char *b = "# T\n\nLast.\n\nSame.\n\nOther one.\n";
    ds_diff *d = diff2(a, b);
    const ds_diff_summary *sm = ds_diff_get_summary(d);
    char *s;
    cr_assert_eq(sm->paragraphs_removed, 1);
    cr_assert_eq(sm->paragraphs_added, 0);
    cr_assert_eq(sm->paragraphs_changed, 0);
    cr_assert_eq(sm->paragraphs_moved, 1);
    cr_assert_eq(sm->words_removed, 1);
    cr_assert_eq(sm->words_added, 0);
    s = render(d, DS_DIFF_FORMAT_PLAIN, NULL);
    cr_assert_str_eq(s, "# T\n\n"
                        "[moved from \xC2\xB6"
                        "4]\nLast.\n\n"
                        "Same.\n\n"
                        "Other one.\n\n"
                        "[-Same.-]\n\n"
                        "[moved to \xC2\xB6"
                        "1]\n");
    free(s);
    rebuild_check(d, a, strlen(a), b, strlen(b));
    ds_diff_free(d);
    cr_assert_str_eq(line(a, b), "+0 \xE2\x88\x92"
                                 "1 words, 1 paragraph removed, 1 paragraph moved");
    /* once in A, three times in B, reordered: two added, never paired with
     * the edited paragraph */
    cr_assert_str_eq(line("# T\n\nX y.\n\nThe cat sat on the mat all day.\n",
                          "# T\n\nThe cat sat on a mat all day.\n\nX y.\n\nX y.\n\nX y.\n"),
                     "+5 \xE2\x88\x92"
                     "1 words, 2 paragraphs added, 1 paragraph moved");
}
