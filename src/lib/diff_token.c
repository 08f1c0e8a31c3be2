/*
 * diff_token.c - UTF-8 tokenizer, character classes, cosmetic keys and
 * interning for the diff engine.
 *
 * Tokens never split a grapheme cluster (utf8proc_grapheme_break_stateful),
 * so combining marks stay with their base and emoji sequences stay whole.
 * Letters and digits are recognised by their Unicode category (utf8proc).
 */
#include "diff_internal.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* ---- UTF-8 ------------------------------------------------------------- */

int32_t ds__utf8_next(const char *s, size_t len, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s + *i;
    size_t left = len - *i;
    int32_t c = p[0];
    if (c < 0x80 || left < 2) {
        *i += 1;
        return c;
    }
    if (c < 0xE0) {
        *i += 2;
        return ((c & 0x1F) << 6) | (p[1] & 0x3F);
    }
    if (c < 0xF0 || left < 4) {
        *i += 3;
        if (left < 3)
            return 0xFFFD;
        return ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    }
    *i += 4;
    return ((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
}

int ds__utf8_valid(const char *s, size_t len, size_t *bad, int *is_nul)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    *is_nul = 0;
    while (i < len) {
        unsigned c;
        if (len - i >= 16) {
            uint64_t w, v;
            memcpy(&w, p + i, 8);
            memcpy(&v, p + i + 8, 8);
            /* sixteen ASCII bytes, none of them NUL */
            if (!((w | v) & 0x8080808080808080ull) &&
                !((((w - 0x0101010101010101ull) & ~w) | ((v - 0x0101010101010101ull) & ~v)) &
                  0x8080808080808080ull)) {
                i += 16;
                continue;
            }
        }
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            /* eight ASCII bytes, none of them NUL */
            if (!(w & 0x8080808080808080ull) &&
                !((w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull)) {
                i += 8;
                continue;
            }
        }
        c = p[i];
        size_t n;
        uint32_t cp, min;
        if (c < 0x80) {
            if (c == 0) {
                *bad = i;
                *is_nul = 1;
                return 0;
            }
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            n = 1, cp = c & 0x1F, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 2, cp = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 3, cp = c & 0x07, min = 0x10000;
        else {
            *bad = i;
            return 0;
        }
        if (len - i <= n) {
            *bad = i;
            return 0;
        }
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) {
                *bad = i;
                return 0;
            }
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            *bad = i;
            return 0;
        }
        i += n + 1;
    }
    return 1;
}

/* ---- classes ------------------------------------------------------------- */

int ds__is_space(int32_t cp)
{
    if (cp < 0x80)
        return cp == ' ' || (cp >= 0x09 && cp <= 0x0D);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Scripts written without spaces between words: each character is a word. */
static int is_ideo_range(int32_t cp)
{
    return (cp >= 0x0E00 && cp <= 0x0EFF) || /* Thai, Lao */
           (cp >= 0x1000 && cp <= 0x109F) || /* Myanmar */
           (cp >= 0x1780 && cp <= 0x17FF) || /* Khmer */
           (cp >= 0x3040 && cp <= 0x30FF) || /* Hiragana, Katakana */
           (cp >= 0x31F0 && cp <= 0x31FF) || /* Katakana extensions */
           (cp >= 0x3400 && cp <= 0x4DBF) || /* CJK extension A */
           (cp >= 0x4E00 && cp <= 0x9FFF) || /* CJK unified ideographs */
           (cp >= 0xF900 && cp <= 0xFAFF) || /* CJK compatibility ideographs */
           (cp >= 0xFF66 && cp <= 0xFF9D) || /* halfwidth Katakana */
           (cp >= 0x20000 && cp <= 0x3FFFF); /* CJK extensions B and later */
}

static const unsigned char ascii_class[128] = {
    /* 0x00 */ DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT,
    DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_SPACE, DS__CC_SPACE,
    DS__CC_SPACE, DS__CC_SPACE, DS__CC_SPACE, DS__CC_FORMAT, DS__CC_FORMAT,
    /* 0x10 */ DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT,
    DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT,
    DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT, DS__CC_FORMAT,
    /* 0x20 ' ' ! " # $ % & ' ( ) * + , - . / */
    DS__CC_SPACE, DS__CC_PUNCT, DS__CC_PUNCT, DS__CC_PUNCT, DS__CC_SYMBOL, DS__CC_PUNCT,
    DS__CC_PUNCT, DS__CC_PUNCT, DS__CC_PUNCT, DS__CC_PUNCT, DS__CC_PUNCT, DS__CC_SYMBOL,
    DS__CC_PUNCT, DS__CC_PUNCT, DS__CC_PUNCT, DS__CC_PUNCT,
    /* 0x30 0-9 : ; < = > ? */
    DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD,
    DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_PUNCT, DS__CC_PUNCT, DS__CC_SYMBOL, DS__CC_SYMBOL,
    DS__CC_SYMBOL, DS__CC_PUNCT,
    /* 0x40 @ A-O */
    DS__CC_PUNCT, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD,
    DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD,
    DS__CC_WORD, DS__CC_WORD,
    /* 0x50 P-Z [ \ ] ^ _ */
    DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD,
    DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_PUNCT, DS__CC_PUNCT, DS__CC_PUNCT,
    DS__CC_SYMBOL, DS__CC_WORD,
    /* 0x60 ` a-o */
    DS__CC_SYMBOL, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD,
    DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD,
    DS__CC_WORD, DS__CC_WORD,
    /* 0x70 p-z { | } ~ DEL */
    DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD,
    DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_WORD, DS__CC_PUNCT, DS__CC_SYMBOL, DS__CC_PUNCT,
    DS__CC_SYMBOL, DS__CC_FORMAT};

int ds__cp_class(int32_t cp)
{
    if (cp < 0x80)
        return ascii_class[cp];
    if (ds__is_space(cp))
        return DS__CC_SPACE;
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
    case UTF8PROC_CATEGORY_PC:
        return is_ideo_range(cp) ? DS__CC_IDEO : DS__CC_WORD;
    case UTF8PROC_CATEGORY_PD:
    case UTF8PROC_CATEGORY_PS:
    case UTF8PROC_CATEGORY_PE:
    case UTF8PROC_CATEGORY_PI:
    case UTF8PROC_CATEGORY_PF:
    case UTF8PROC_CATEGORY_PO:
        return DS__CC_PUNCT;
    case UTF8PROC_CATEGORY_SM:
    case UTF8PROC_CATEGORY_SC:
    case UTF8PROC_CATEGORY_SK:
    case UTF8PROC_CATEGORY_SO:
        return DS__CC_SYMBOL;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
        return DS__CC_SPACE;
    default:
        return DS__CC_FORMAT;
    }
}

static int is_digit(int32_t cp)
{
    if (cp < 0x80)
        return cp >= '0' && cp <= '9';
    return utf8proc_category(cp) == UTF8PROC_CATEGORY_ND;
}

static int is_alnum(int32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return 1;
    default:
        return 0;
    }
}

size_t ds__cluster_end(const char *s, size_t len, size_t pos, int32_t *first)
{
    size_t i = pos;
    int32_t c = ds__utf8_next(s, len, &i), prev;
    utf8proc_int32_t state = 0;
    *first = c;
    if (c < 0x80 && (i >= len || (unsigned char)s[i] < 0x80)) {
        if (c == '\r' && i < len && s[i] == '\n')
            i++;
        return i;
    }
    prev = c;
    while (i < len) {
        size_t j = i;
        int32_t d = ds__utf8_next(s, len, &j);
        if (d < 0x80 && prev < 0x80 && !(prev == '\r' && d == '\n'))
            break; /* ASCII after ASCII always breaks (except CR LF) */
        if (utf8proc_grapheme_break_stateful(prev, d, &state))
            break;
        prev = d;
        i = j;
    }
    return i;
}

/* ---- tokenizer ----------------------------------------------------------- */

static int is_dash(int32_t c);
static int32_t cp_before(const char *s, size_t at);

/* A dash at s[pos, next) is a minus sign, part of the number after it, when
 * a digit follows and it starts the range or follows white space or
 * punctuation (the same rule as in the cosmetic keys). */
static int is_sign(const char *s, size_t off, size_t pos, size_t next, size_t end)
{
    int32_t prev, d;
    size_t j = next;
    if (next >= end)
        return 0;
    d = ds__utf8_next(s, end, &j);
    if (!is_digit(d) || ds__cp_class(d) != DS__CC_WORD)
        return 0;
    if (pos == off)
        return 1;
    prev = cp_before(s, pos);
    return ds__is_space(prev) || ds__cp_class(prev) == DS__CC_PUNCT;
}

/* Characters that join two word characters into one word. */
static int joins_words(int32_t cp, int before_digit, int after_digit)
{
    switch (cp) {
    case '\'':
    case 0x2019: /* ’ */
    case '-':
    case 0x2010: /* ‐ hyphen */
    case 0x2011: /* ‑ non-breaking hyphen */
    case '.':
    case 0x00AD: /* soft hyphen */
    case 0x2060: /* word joiner */
    case 0x200B: /* zero width space used as a joiner inside words */
        return 1;
    case ',':
    case ':':
    case '/':
        return before_digit && after_digit;
    default:
        return 0;
    }
}

int ds__tokenize(const char *s, size_t off, size_t len, ds__token_fn fn, void *ctx)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t end = off + len, pos = off;
    int rc;
    while (pos < end) {
        int32_t cp;
        size_t cend;
        int cls;
        if (u[pos] < 0x80 && (pos + 1 == end || u[pos + 1] < 0x80)) {
            /* ASCII followed by ASCII: a cluster of one byte */
            cp = u[pos];
            cend = pos + 1;
            cls = ascii_class[cp];
        } else {
            cend = ds__cluster_end(s, end, pos, &cp);
            cls = ds__cp_class(cp);
        }
        if (cls == DS__CC_SPACE) {
            pos = cend;
            continue;
        }
        if (cls == DS__CC_WORD || (is_dash(cp) && is_sign(s, off, pos, cend, end))) {
            size_t start = pos;
            int has_digit = is_digit(cp), last_digit = has_digit;
            pos = cend;
            while (pos < end) {
                int32_t ncp, fcp;
                size_t nend, fend;
                int ncls;
                unsigned ch = u[pos];
                if (ch < 0x80) {
                    int c = ascii_class[ch];
                    if (c == DS__CC_WORD) {
                        last_digit = ch >= '0' && ch <= '9';
                        has_digit |= last_digit;
                        pos++;
                        continue;
                    }
                    if (c == DS__CC_SPACE || pos + 1 >= end)
                        break;
                    if (u[pos + 1] < 0x80) {
                        unsigned nx = u[pos + 1];
                        int nd = nx >= '0' && nx <= '9';
                        if (ascii_class[nx] != DS__CC_WORD ||
                            !joins_words((int32_t)ch, last_digit, nd))
                            break;
                        last_digit = nd;
                        has_digit |= nd;
                        pos += 2;
                        continue;
                    }
                }
                nend = ds__cluster_end(s, end, pos, &ncp);
                ncls = ds__cp_class(ncp);
                if (ncls == DS__CC_WORD) {
                    last_digit = is_digit(ncp);
                    has_digit |= last_digit;
                    pos = nend;
                    continue;
                }
                if (nend >= end || (ncls != DS__CC_PUNCT && ncls != DS__CC_FORMAT))
                    break;
                fend = ds__cluster_end(s, end, nend, &fcp);
                if (ds__cp_class(fcp) != DS__CC_WORD ||
                    !joins_words(ncp, last_digit, is_digit(fcp)))
                    break;
                last_digit = is_digit(fcp);
                has_digit |= last_digit;
                pos = fend;
            }
            if ((rc = fn(ctx, start, pos - start, has_digit ? DS__TOK_NUMBER : DS__TOK_WORD)))
                return rc;
            continue;
        }
        if (cls == DS__CC_IDEO)
            rc = fn(ctx, pos, cend - pos, is_digit(cp) ? DS__TOK_NUMBER : DS__TOK_WORD);
        else
            rc = fn(ctx, pos, cend - pos,
                    cls == DS__CC_PUNCT    ? DS__TOK_PUNCT
                    : cls == DS__CC_SYMBOL ? DS__TOK_SYMBOL
                                           : DS__TOK_FORMAT);
        if (rc)
            return rc;
        pos = cend;
    }
    return 0;
}

static int count_cb(void *ctx, size_t off, size_t len, int kind)
{
    (void)off, (void)len;
    if (DS__TOK_IS_WORD(kind))
        ++*(size_t *)ctx;
    return 0;
}

size_t ds__count_words(const char *s, size_t off, size_t len)
{
    size_t n = 0;
    ds__tokenize(s, off, len, count_cb, &n);
    return n;
}

size_t ds__count_alnum(const char *s, size_t off, size_t len)
{
    size_t i = off, end = off + len, n = 0;
    while (i < end) {
        int32_t c = ds__utf8_next(s, end, &i);
        n += (size_t)is_alnum(c);
    }
    return n;
}

/* ---- cosmetic keys --------------------------------------------------------- */

static int is_quote_mark(int32_t c)
{
    switch (c) {
    case '"':
    case '\'':
    case '`':
    case 0x00B4: /* ´ */
    case 0x00AB: /* « */
    case 0x00BB: /* » */
    case 0x2018: /* ‘ */
    case 0x2019: /* ’ */
    case 0x201A: /* ‚ */
    case 0x201B: /* ‛ */
    case 0x201C: /* “ */
    case 0x201D: /* ” */
    case 0x201E: /* „ */
    case 0x201F: /* ‟ */
    case 0x2032: /* ′ */
    case 0x2033: /* ″ */
    case 0x2039: /* ‹ */
    case 0x203A: /* › */
    case 0x300C: /* 「 */
    case 0x300D: /* 」 */
    case 0x300E: /* 『 */
    case 0x300F: /* 』 */
    case 0x301D: /* 〝 */
    case 0x301E: /* 〞 */
    case 0x301F: /* 〟 */
    case 0xFF02: /* ＂ */
    case 0xFF07: /* ＇ */
        return 1;
    default:
        return 0;
    }
}

static int is_dash(int32_t c)
{
    return c == '-' || (c >= 0x2010 && c <= 0x2015) || c == 0x2212 || c == 0x2043 || c == 0xFE58 ||
           c == 0xFE63 || c == 0xFF0D || c == 0x2E3A || c == 0x2E3B;
}

typedef struct ckey {
    const char *s;
    size_t len, i;
    int32_t prev; /* previous source code point, -1 at the start */
    int word;     /* the last key character is a letter or digit (not ideographic) */
    int gap;      /* white space or punctuation since then */
    int32_t held; /* the key character due after a word separator, or -1 */
} ckey;

/* A letter or digit: after another one with white space or punctuation in
 * between, a word separator ' ' comes first (joining or splitting words is
 * not cosmetic). */
static int32_t ckey_word(ckey *k, int32_t c)
{
    int sep = k->word && k->gap;
    k->word = 1;
    k->gap = 0;
    if (!sep)
        return c;
    k->held = c;
    return ' ';
}

static int32_t ckey_other(ckey *k, int32_t c)
{
    k->word = k->gap = 0;
    return c;
}

/* Next code point of the cosmetic key, or -1 at the end. */
static int32_t ckey_next(ckey *k)
{
    if (k->held >= 0) {
        int32_t c = k->held;
        k->held = -1;
        return c;
    }
    while (k->i < k->len) {
        int32_t c = ds__utf8_next(k->s, k->len, &k->i), prev = k->prev, next = -1;
        int cls;
        if (c >= 0xFF01 && c <= 0xFF5E)
            c -= 0xFEE0; /* full-width forms are their ASCII characters */
        k->prev = c;
        if (c < 0x80 && ascii_class[c] == DS__CC_WORD)
            return ckey_word(k, c >= 'A' && c <= 'Z' ? c + 32 : c);
        if (is_quote_mark(c))
            return ckey_other(k, '"');
        if (k->i < k->len) {
            size_t j = k->i;
            next = ds__utf8_next(k->s, k->len, &j);
        }
        if (is_dash(c)) {
            /* a sign before a number matters; dashes elsewhere are punctuation */
            if (next >= 0 && is_digit(next) && (prev < 0 || !is_digit(prev)) &&
                (prev < 0 || ds__is_space(prev) || ds__cp_class(prev) == DS__CC_PUNCT))
                return ckey_other(k, '-');
            k->gap = 1;
            continue;
        }
        cls = ds__cp_class(c);
        if (cls == DS__CC_FORMAT)
            continue;
        if (cls == DS__CC_SPACE) {
            k->gap = 1;
            continue;
        }
        if (cls == DS__CC_PUNCT) {
            if ((c == '.' || c == ',' || c == ':' || c == '/') && prev >= 0 && next >= 0 &&
                is_digit(prev) && is_digit(next))
                return ckey_other(k, c);
            k->gap = 1;
            continue;
        }
        if (cls == DS__CC_WORD)
            return ckey_word(k, utf8proc_tolower(c));
        if (cls == DS__CC_IDEO)
            return ckey_other(k, utf8proc_tolower(c));
        return ckey_other(k, c);
    }
    return -1;
}

static int ckey_equal(ckey *ka, ckey *kb)
{
    for (;;) {
        int32_t x = ckey_next(ka), y = ckey_next(kb);
        if (x != y)
            return 0;
        if (x < 0)
            return 1;
    }
}

int ds__cosmetic_equal(const char *a, size_t alen, const char *b, size_t blen)
{
    ckey ka = {a, alen, 0, -1, 0, 0, -1}, kb = {b, blen, 0, -1, 0, 0, -1};
    return ckey_equal(&ka, &kb);
}

static int32_t cp_before(const char *s, size_t at)
{
    size_t i;
    if (at == 0)
        return -1;
    i = at - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return ds__utf8_next(s, at, &i);
}

/* A key starting at s[at] after the code point before it. */
static ckey ckey_at(const char *s, size_t at, size_t end)
{
    ckey k = {s + at, end - at, 0, cp_before(s, at), 0, 0, -1};
    if (k.prev >= 0xFF01 && k.prev <= 0xFF5E)
        k.prev -= 0xFEE0;
    k.word = k.prev >= 0 && ds__cp_class(k.prev) == DS__CC_WORD;
    return k;
}

int ds__cosmetic_equal_at(const char *a, size_t a0, size_t a1, const char *b, size_t b0, size_t b1)
{
    ckey ka = ckey_at(a, a0, a1), kb = ckey_at(b, b0, b1);
    return ckey_equal(&ka, &kb);
}

int ds__cosmetic_empty(const char *s, size_t len)
{
    ckey k = {s, len, 0, -1, 0, 0, -1};
    return ckey_next(&k) < 0;
}

/* ---- sorting ---------------------------------------------------------------------- */

void ds__sort_u32(uint32_t *v, size_t n)
{
    /* introsort-free quicksort with insertion sort for small ranges; median of
     * three; recursion on the smaller side keeps the stack O(log n) */
    while (n > 16) {
        uint32_t a = v[0], b = v[n / 2], c = v[n - 1], piv, t;
        size_t i = 0, j = n - 1;
        piv = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        for (;;) {
            while (v[i] < piv)
                i++;
            while (v[j] > piv)
                j--;
            if (i >= j)
                break;
            t = v[i], v[i] = v[j], v[j] = t;
            i++, j--;
        }
        if (j + 1 < n - j - 1) {
            ds__sort_u32(v, j + 1);
            v += j + 1, n -= j + 1;
        } else {
            ds__sort_u32(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) {
        uint32_t x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* ---- interning ---------------------------------------------------------------- */

static uint64_t rd64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* The last 1..7 bytes, without reading past them. */
static uint64_t rd_tail(const char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)(unsigned char)p[i] << (8 * i);
    return v;
}

static inline uint64_t hash_bytes(const char *p, size_t len)
{
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ((uint64_t)len * 0xFF51AFD7ED558CCDull);
    while (len >= 8) {
        h = (h ^ rd64(p)) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
        p += 8;
        len -= 8;
    }
    if (len) {
        h = (h ^ rd_tail(p, len)) * 0x94D049BB133111EBull;
        h ^= h >> 29;
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 32;
    return h;
}

uint64_t ds__hash_bytes(const char *p, size_t len)
{
    return hash_bytes(p, len);
}

static uint32_t rd32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The interning hash: hash_bytes(), except that strings of at most 8 bytes
 * (most words) are read in two overlapping loads, or three bytes, and mixed
 * once. Its values only place strings in the table (ids are given in order
 * of first appearance), so it may differ from ds__hash_bytes(). */
static inline uint64_t intern_hash(const char *p, size_t len)
{
    uint64_t v, h;
    if (len > 8)
        return hash_bytes(p, len);
    if (len >= 4)
        v = (uint64_t)rd32(p) << 32 | rd32(p + len - 4);
    else if (len)
        v = (uint64_t)(unsigned char)p[0] << 16 | (uint64_t)(unsigned char)p[len / 2] << 8 |
            (unsigned char)p[len - 1];
    else
        v = 0;
    h = (v ^ ((uint64_t)len * 0xFF51AFD7ED558CCDull)) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 29;
    return h;
}

static int same_bytes(const char *a, const char *b, size_t n)
{
    if (n >= 4 && n <= 8)
        return rd32(a) == rd32(b) && rd32(a + n - 4) == rd32(b + n - 4);
    if (n < 4) {
        for (size_t i = 0; i < n; i++)
            if (a[i] != b[i])
                return 0;
        return 1;
    }
    return memcmp(a, b, n) == 0;
}

static int intern_grow(ds__intern *t)
{
    size_t ncap = t->cap ? t->cap * 2 : 1024, i;
    ds__intern_slot *ns = ds__calloc(ncap, sizeof *ns);
    if (!ns)
        return DS_ENOMEM;
    for (i = 0; i < t->cap; i++) {
        ds__intern_slot *s = &t->slots[i];
        size_t j;
        if (!s->id)
            continue;
        for (j = (size_t)s->hash & (ncap - 1); ns[j].id; j = (j + 1) & (ncap - 1))
            ;
        ns[j] = *s;
    }
    free(t->slots);
    t->slots = ns;
    t->cap = ncap;
    return 0;
}

int ds__intern_get(ds__intern *t, const char *p, size_t len, uint32_t *id)
{
    uint64_t h;
    size_t j;
    if ((t->count + 1) * 2 > t->cap && intern_grow(t) < 0)
        return DS_ENOMEM;
    h = intern_hash(p, len);
    for (j = (size_t)h & (t->cap - 1); t->slots[j].id; j = (j + 1) & (t->cap - 1)) {
        ds__intern_slot *s = &t->slots[j];
        if (s->hash == h && s->len == len && same_bytes(s->ptr, p, len)) {
            *id = s->id - 1;
            return 0;
        }
    }
    t->slots[j].ptr = p;
    t->slots[j].len = (uint32_t)len;
    t->slots[j].hash = h;
    t->slots[j].id = (uint32_t)++t->count;
    *id = (uint32_t)(t->count - 1);
    return 0;
}

void ds__intern_free(ds__intern *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->count = 0;
}
