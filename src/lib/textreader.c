/*
 * textreader.c - the character scanner and the text/Markdown block reader of
 * norm-1 (docseal-formats(5), NORMALIZED TEXT).
 *
 * The scanner checks UTF-8, turns every line break form into one event,
 * cleans characters (controls and default-ignorables removed, white space to
 * U+0020, runs collapsed, lines trimmed) and hands one cleaned line at a time
 * to the block reader. ASCII takes a fast path; utf8proc is consulted only
 * for non-ASCII code points. The block reader groups lines into paragraphs
 * and recognizes front matter, separator lines, the headline, Markdown
 * headings, list items and block quotes. Memory: one line and one paragraph.
 */
#include "normalize_internal.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#define NONE SIZE_MAX

/* ------------------------------------------------------------------------ */
/* UTF-8                                                                     */

/* Decode one sequence starting with a byte >= 0x80 (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). Returns its length, 0 when
 * avail bytes are a valid but incomplete prefix, -1 when ill-formed. */
static int utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    size_t need, k;
    uint32_t v;

    if (c < 0xC2)
        return -1;
    if (c < 0xE0) {
        need = 2;
        v = c & 0x1F;
    } else if (c < 0xF0) {
        need = 3;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c < 0xF5) {
        need = 4;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return -1;
    }
    for (k = 1; k < need; k++) {
        unsigned b;
        if (k >= avail)
            return 0;
        b = p[k];
        if (b < lo || b > hi)
            return -1;
        lo = 0x80;
        hi = 0xBF;
        v = v << 6 | (b & 0x3F);
    }
    *cp = v;
    return (int)need;
}

static int utf8_error(ds__norm *st, uint64_t off)
{
    return ds__error_set(DS_EINVALID, "%s: invalid UTF-8 at byte offset %llu%s", st->name,
                         (unsigned long long)off, st->conv_note);
}

static int nul_error(ds__norm *st, uint64_t off)
{
    return ds__error_set(DS_EINVALID, "%s: binary input (NUL byte at offset %llu%s)", st->name,
                         (unsigned long long)off, st->conv_note);
}

/* ------------------------------------------------------------------------ */
/* NFC                                                                       */

static int nfc_check(ds__norm *st, uint32_t cp, const utf8proc_property_t *pr)
{
    utf8proc_int32_t buf[8];
    utf8proc_ssize_t n;
    unsigned slot;
    int changes;

    if (pr->combining_class)
        return 1; /* may be reordered or composed */
    if (pr->comb_index != UINT16_MAX && pr->comb_index >= 0x8000)
        return 1; /* second character of a canonical composition */
    if ((cp >= 0x1161 && cp <= 0x1175) || (cp >= 0x11A8 && cp <= 0x11C2))
        return 1; /* Hangul V and T jamo compose algorithmically */
    if (pr->decomp_seqindex == UINT16_MAX || pr->decomp_type != 0)
        return 0; /* no canonical decomposition: NFC leaves it alone */
    /* A precomposed character: stable unless excluded from composition
     * (singletons, non-starter decompositions, exclusions). */
    slot = cp % DS__NFC_CACHE;
    if (st && st->nfc_key[slot] == cp)
        return st->nfc_val[slot];
    n = utf8proc_decompose_char((utf8proc_int32_t)cp, buf, 8, UTF8PROC_DECOMPOSE, NULL);
    if (n > 0 && n <= 8)
        n = utf8proc_normalize_utf32(buf, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    changes = !(n == 1 && (uint32_t)buf[0] == cp);
    if (st) {
        st->nfc_key[slot] = cp;
        st->nfc_val[slot] = (unsigned char)changes;
    }
    return changes;
}

int ds__nfc_may_change(ds__norm *st, uint32_t cp)
{
    if (cp < 0x300)
        return 0;
    return nfc_check(st, cp, utf8proc_get_property((utf8proc_int32_t)cp));
}

/* NFC of one segment p[0..n) appended to out. A segment runs from a
 * boundary (a code point NFC leaves alone that never combines with what
 * precedes it) up to, not including, the next one, so it normalizes on its
 * own: NFC(x y) = NFC(x) NFC(y) when y starts at such a boundary. */
static int nfc_segment(ds__buf *out, const char *p, size_t n)
{
    utf8proc_int32_t stackbuf[128], *buf = stackbuf;
    utf8proc_ssize_t k, cap = 128, i;
    int err = 0;

    k = utf8proc_decompose((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, buf, cap,
                           UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (k > cap) {
        cap = k;
        if (!(buf = ds__malloc((size_t)cap * sizeof *buf)))
            return DS_ENOMEM;
        k = utf8proc_decompose((const utf8proc_uint8_t *)p, (utf8proc_ssize_t)n, buf, cap,
                               UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    }
    if (k >= 0)
        k = utf8proc_normalize_utf32(buf, k, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (k < 0) {
        err = ds__error_set(DS_ERROR, "NFC: %s", utf8proc_errmsg(k));
    } else if ((err = ds__buf_grow(out, (size_t)k * 4)) == 0) {
        for (i = 0; i < k; i++)
            out->len +=
                (size_t)utf8proc_encode_char(buf[i], (utf8proc_uint8_t *)out->ptr + out->len);
        out->ptr[out->len] = '\0';
    }
    if (buf != stackbuf)
        free(buf);
    return err;
}

int ds__nfc_buf(ds__norm *st, ds__buf *b)
{
    const unsigned char *p = (const unsigned char *)b->ptr;
    size_t n = b->len, i = 0, boundary = 0, copied = 0;
    ds__buf out = DS__BUF_INIT;
    int err = 0, changed = 0;

    while (i < n) {
        uint32_t cp;
        int len;
        size_t j;
        if (p[i] < 0x80) {
            boundary = i++;
            continue;
        }
        len = utf8_decode(p + i, n - i, &cp);
        if (len <= 0)
            return ds__error_set(DS_ERROR, "NFC: invalid UTF-8");
        if (!ds__nfc_may_change(st, cp)) {
            boundary = i;
            i += (size_t)len;
            continue;
        }
        /* extend to the next boundary */
        for (j = i + (size_t)len; j < n;) {
            if (p[j] < 0x80)
                break;
            len = utf8_decode(p + j, n - j, &cp);
            if (len <= 0)
                return ds__error_set(DS_ERROR, "NFC: invalid UTF-8");
            if (!ds__nfc_may_change(st, cp))
                break;
            j += (size_t)len;
        }
        if ((err = ds__buf_put(&out, p + copied, boundary - copied)) < 0 ||
            (err = nfc_segment(&out, (const char *)p + boundary, j - boundary)) < 0)
            break;
        copied = boundary = i = j;
        changed = 1;
    }
    if (err == 0 && changed && (err = ds__buf_put(&out, p + copied, n - copied)) == 0) {
        ds__buf_free(b);
        *b = out;
        out.ptr = NULL;
    }
    ds__buf_free(&out);
    return err;
}

/* ------------------------------------------------------------------------ */
/* Scanner                                                                   */

void ds__reader_init(ds__norm *st)
{
    st->zwj_start = st->zwj_end = NONE;
    st->last_space = 1;
    st->fm_state = DS__FM_FIRST;
}

void ds__reader_free(ds__norm *st)
{
    ds__buf_free(&st->line);
    ds__buf_free(&st->para);
    ds__buf_free(&st->fm);
    ds__buf_free(&st->scratch);
    ds__buf_free(&st->hdr);
}

static int on_line(ds__norm *st, const char *l, size_t n, unsigned fl, int own);
static int para_end(ds__norm *st);
static int hdr_commit(ds__norm *st);

/* The current line is complete: settle its end and hand it on. */
static int line_end(ds__norm *st, int para_break)
{
    ds__buf *l = &st->line;
    int err = 0;

    if (l->ptr) {
        if (l->len == st->zwj_end)
            l->len = st->zwj_start; /* ZWJ/ZWNJ before the line break */
        if (st->last_space && l->len)
            l->len--; /* trailing space */
        l->ptr[l->len] = '\0';
        err = on_line(st, l->ptr, l->len, st->line_flags, 1);
    } else {
        err = on_line(st, "", 0, st->line_flags, 1);
    }
    /* on_line may have swapped the line buffer with the paragraph buffer */
    st->line.len = 0;
    st->line_flags = 0;
    st->last_space = 1;
    st->zwj_start = st->zwj_end = NONE;
    if (err == 0 && para_break && st->hdr_state == DS__HDR_LINES)
        err = hdr_commit(st); /* a paragraph break ends the header like an empty line */
    if (err == 0 && para_break)
        err = para_end(st);
    return err;
}

static int para_too_long(const ds__norm *st);

/* 1 when the scanner would copy the eight bytes at p unchanged after a
 * printable character (ls 0) or a kept space (ls 1): all printable ASCII
 * or spaces, no two spaces in a row, and no space first after a space.
 * (Inside a line after a printable character no ZWJ/ZWNJ can end just
 * before them, and nothing is leading white space.) SWAR, exact per byte:
 * none >= 0x80, none < 0x20, none 0x7F. */
static int plain8(const unsigned char *p, int ls)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull,
                   low7 = 0x7F7F7F7F7F7F7F7Full;
    uint64_t x, sp, del;
    memcpy(&x, p, 8);
    if (x & high)
        return 0;
    if (((x - 0x20 * ones) & ~x & high) != 0)
        return 0; /* a byte below 0x20 */
    del = x ^ low7;
    if (((del - ones) & ~del & high) != 0)
        return 0; /* DEL */
    /* spaces: exact mask of the bytes equal to 0x20 (no byte has its high bit) */
    sp = x ^ (0x20 * ones);
    sp = ~(sp + low7) & high;
    if (sp & (sp << 8))
        return 0; /* two spaces in a row (adjacent bytes whatever the byte order) */
    return !(ls && p[0] == ' ');
}

/* Scan complete data p[0..n) whose first byte is at stream offset off. An
 * incomplete sequence at the very end is kept in st->carry. */
static int scan_run(ds__norm *st, const unsigned char *p, size_t n, uint64_t off)
{
    size_t i = 0;
    int err;

    while (i < n) {
        char *base, *w;
        int ls, event = 0;
        unsigned fl;

        if (st->line.len + (n - i) > DS_NORMALIZE_MAX_PARAGRAPH)
            return para_too_long(st);
        if ((err = ds__buf_grow(&st->line, n - i + 4)) < 0)
            return err;
        base = st->line.ptr;
        w = base + st->line.len;
        ls = st->last_space;
        fl = st->line_flags;

#define SCAN_SPACE()                                                                               \
    do {                                                                                           \
        if (!ls) {                                                                                 \
            if ((size_t)(w - base) == st->zwj_end) {                                               \
                w = base + st->zwj_start;                                                          \
                st->zwj_end = NONE;                                                                \
            }                                                                                      \
            *w++ = ' ';                                                                            \
            ls = 1;                                                                                \
        } else if (w == base) {                                                                    \
            fl |= DS__F_LEADWS;                                                                    \
        }                                                                                          \
    } while (0)

        while (i < n) {
            unsigned c = p[i];
            uint32_t cp;
            int len;
            const utf8proc_property_t *pr;

            if (c > 0x20 && c < 0x7F) {
                *w++ = (char)c;
                ls = 0;
                i++;
                /* the bulk of prose: eight bytes at a time while they are
                 * kept as they are (see plain8()) */
                while (n - i >= 8 && plain8(p + i, ls)) {
                    memcpy(w, p + i, 8);
                    w += 8;
                    i += 8;
                    ls = p[i - 1] == ' ';
                }
                continue;
            }
            if (c == ' ' || c == '\t') {
                SCAN_SPACE();
                i++;
                continue;
            }
            if (c < 0x80) {
                i++;
                if (c == '\n') {
                    if (st->flat)
                        SCAN_SPACE();
                    else {
                        event = 1;
                        break;
                    }
                } else if (c == '\r') {
                    if (i < n) {
                        if (p[i] == '\n')
                            i++;
                    } else if (!st->flat) {
                        st->after_cr = 1;
                    }
                    if (st->flat)
                        SCAN_SPACE();
                    else {
                        event = 1;
                        break;
                    }
                } else if (c == 0x0B || c == 0x0C) {
                    SCAN_SPACE();
                } else if (c == 0) {
                    st->line.len = (size_t)(w - base);
                    return nul_error(st, off + i - 1);
                }
                /* other C0 controls and DEL: removed */
                continue;
            }
            len = utf8_decode(p + i, n - i, &cp);
            if (len == 0) {
                st->carry_len = (unsigned)(n - i);
                memcpy(st->carry, p + i, n - i);
                st->carry_off = off + i;
                i = n;
                break;
            }
            if (len < 0) {
                st->line.len = (size_t)(w - base);
                return utf8_error(st, off + i);
            }
            if (cp == 0x85 || cp == 0x2028 || cp == 0x2029) {
                /* NEL, LINE SEPARATOR: line break; PARAGRAPH SEPARATOR: paragraph break */
                i += (size_t)len;
                if (st->flat)
                    SCAN_SPACE();
                else {
                    event = cp == 0x2029 ? 2 : 1;
                    break;
                }
                continue;
            }
            pr = utf8proc_get_property((utf8proc_int32_t)cp);
            if (pr->category == UTF8PROC_CATEGORY_ZS) {
                SCAN_SPACE();
            } else if (pr->category == UTF8PROC_CATEGORY_CC) {
                /* C1 controls: removed */
            } else if (cp == 0x200C || cp == 0x200D) {
                /* ZWNJ/ZWJ: kept between two non-space characters */
                if (!ls) {
                    size_t pos = (size_t)(w - base);
                    if (pos != st->zwj_end)
                        st->zwj_start = pos;
                    memcpy(w, p + i, 3);
                    w += 3;
                    st->zwj_end = pos + 3;
                }
            } else if (pr->ignorable) {
                /* default-ignorable code points: removed */
            } else {
                memcpy(w, p + i, (size_t)len);
                w += len;
                ls = 0;
                if (cp >= 0x300 && nfc_check(st, cp, pr))
                    fl |= DS__F_NFC;
            }
            i += (size_t)len;
        }
#undef SCAN_SPACE
        st->line.len = (size_t)(w - base);
        st->last_space = ls;
        st->line_flags = fl;
        if (event && (err = line_end(st, event == 2)) < 0)
            return err;
    }
    return 0;
}

static int scan(ds__norm *st, const unsigned char *p, size_t n)
{
    size_t i = 0;
    int err;

    if (!n)
        return 0;
    if (st->after_cr) {
        st->after_cr = 0;
        if (p[0] == '\n')
            i = 1;
    }
    if (st->carry_len) {
        unsigned char seq[4];
        uint32_t cp;
        int r = 0;
        while (st->carry_len < 4 && i < n) {
            st->carry[st->carry_len++] = p[i++];
            if ((r = utf8_decode(st->carry, st->carry_len, &cp)) != 0)
                break;
        }
        if (r < 0)
            return utf8_error(st, st->carry_off);
        if (r == 0) {
            st->offset += n;
            return 0; /* still incomplete */
        }
        memcpy(seq, st->carry, (size_t)r);
        st->carry_len = 0;
        if ((err = scan_run(st, seq, (size_t)r, st->carry_off)) < 0)
            return err;
    }
    err = scan_run(st, p + i, n - i, st->offset + i);
    st->offset += n;
    return err;
}

int ds__reader_feed(ds__norm *st, const char *data, size_t len)
{
    return scan(st, (const unsigned char *)data, len);
}

int ds__reader_finish(ds__norm *st)
{
    int err;
    if (st->carry_len)
        return utf8_error(st, st->carry_off);
    if (st->line.len && (err = line_end(st, 0)) < 0)
        return err;
    if (st->fm_state == DS__FM_COLLECT) {
        /* front matter never closed: read the lines as text after all */
        if ((err = on_line(st, "", 0, 0, 0)) < 0)
            return err;
    }
    if (st->hdr_state == DS__HDR_LINES && (err = hdr_commit(st)) < 0)
        return err;
    return para_end(st);
}

int ds__reader_clean_flat(ds__norm *st, const char *s, size_t len, unsigned *flags)
{
    uint64_t saved = st->offset;
    int err;

    st->flat = 1;
    st->offset = 0;
    st->carry_len = 0;
    st->line.len = 0;
    st->line_flags = 0;
    st->last_space = 1;
    st->zwj_start = st->zwj_end = NONE;
    err = ds__buf_grow(&st->line, len + 4);
    if (err == 0)
        err = scan(st, (const unsigned char *)s, len);
    if (err == 0 && st->carry_len)
        err = utf8_error(st, st->carry_off);
    if (err == 0) {
        if (st->line.len == st->zwj_end)
            st->line.len = st->zwj_start;
        if (st->last_space && st->line.len)
            st->line.len--;
        st->line.ptr[st->line.len] = '\0';
        *flags = st->line_flags;
    }
    st->flat = 0;
    st->offset = saved;
    st->carry_len = 0;
    st->zwj_start = st->zwj_end = NONE;
    st->last_space = 1;
    st->line_flags = 0;
    return err;
}

/* ------------------------------------------------------------------------ */
/* Inline Markdown                                                           */

static int is_ascii_punct(unsigned char c)
{
    return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
}

/* The ')' closing a link destination that starts at p[i] (after "]("):
 * balanced parentheses, no unescaped '[' or ']', at most 2048 bytes. */
static size_t link_close(const char *p, size_t n, size_t i)
{
    size_t lim = n - i > 2048 ? i + 2048 : n;
    int depth = 0;
    for (; i < lim; i++) {
        char c = p[i];
        if (c == '\\' && i + 1 < n) {
            i++;
        } else if (c == '[' || c == ']') {
            return NONE;
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (depth == 0)
                return i;
            depth--;
        }
    }
    return NONE;
}

int ds__strip_links(ds__buf *b)
{
    enum { MAXDEPTH = 32 };
    size_t open[MAXDEPTH];
    size_t r = 0, w = 0, n = b->len, overflow = 0;
    int depth = 0, changed = 0;
    char *p = b->ptr;

    while (r < n) {
        char c = p[r];
        if (c == '\\' && r + 1 < n && is_ascii_punct((unsigned char)p[r + 1])) {
            p[w++] = c;
            p[w++] = p[r + 1];
            r += 2;
            continue;
        }
        if (c == '[') {
            if (depth < MAXDEPTH)
                open[depth++] = w;
            else
                overflow++;
        } else if (c == ']') {
            if (overflow) {
                overflow--;
            } else if (depth > 0) {
                size_t o = open[--depth], close;
                if (r + 1 < n && p[r + 1] == '(' && (close = link_close(p, n, r + 2)) != NONE) {
                    /* [text](dest) -> text; ![alt](src) -> alt */
                    size_t start = o, tlen = w - o - 1;
                    if (o > 0 && p[o - 1] == '!' && !(o > 1 && p[o - 2] == '\\'))
                        start = o - 1;
                    memmove(p + start, p + o + 1, tlen);
                    w = start + tlen;
                    r = close + 1;
                    changed = 1;
                    continue;
                }
            }
        }
        p[w++] = c;
        r++;
    }
    b->len = w;
    p[w] = '\0';
    return changed;
}

/* Apply the ZWJ/ZWNJ rule again, collapse spaces and trim (after link
 * syntax was removed). */
static void recollapse(ds__buf *b)
{
    unsigned char *p = (unsigned char *)b->ptr;
    size_t r = 0, w = 0, n = b->len, zs = NONE, ze = NONE;
    int ls = 1;

    while (r < n) {
        unsigned char c = p[r];
        if (c == ' ') {
            if (!ls) {
                if (w == ze) {
                    w = zs;
                    ze = NONE;
                }
                p[w++] = ' ';
                ls = 1;
            }
            r++;
        } else if (c == 0xE2 && r + 2 < n && p[r + 1] == 0x80 &&
                   (p[r + 2] == 0x8C || p[r + 2] == 0x8D)) {
            if (!ls) {
                if (w != ze)
                    zs = w;
                p[w] = c;
                p[w + 1] = p[r + 1];
                p[w + 2] = p[r + 2];
                w += 3;
                ze = w;
            }
            r += 3;
        } else {
            p[w++] = c;
            ls = 0;
            r++;
        }
    }
    if (w == ze)
        w = zs;
    if (ls && w)
        w--;
    b->len = w;
    b->ptr[w] = '\0';
}

static void trim_spaces(const char **s, size_t *n)
{
    while (*n && (*s)[0] == ' ')
        (*s)++, (*n)--;
    while (*n && (*s)[*n - 1] == ' ')
        (*n)--;
}

/* 1 when s[k..n) starts with ZWNJ (U+200C) or ZWJ (U+200D). */
static int zwj_at(const char *s, size_t n, size_t k)
{
    return k + 3 <= n && (unsigned char)s[k] == 0xE2 && (unsigned char)s[k + 1] == 0x80 &&
           ((unsigned char)s[k + 2] == 0x8C || (unsigned char)s[k + 2] == 0x8D);
}

/* Trim spaces, and ZWNJ/ZWJ runs that a removal left at an end (the ZWNJ/ZWJ
 * rule: such a run is kept only between two non-space characters). */
static void trim_edges(const char **s, size_t *n)
{
    for (;;) {
        trim_spaces(s, n);
        if (zwj_at(*s, *n, 0)) {
            *s += 3;
            *n -= 3;
        } else if (*n >= 3 && zwj_at(*s, *n, *n - 3)) {
            *n -= 3;
        } else {
            return;
        }
    }
}

static int contains2(const char *s, size_t n, char c)
{
    size_t i;
    for (i = 0; i + 1 < n; i++)
        if (s[i] == c && s[i + 1] == c)
            return 1;
    return 0;
}

/* Surrounding emphasis removed (ds__strip_emphasis); 1 when any was. */
static int strip_emphasis_once(const char **s, size_t *n)
{
    size_t before = *n;
    ds__strip_emphasis(s, n);
    return *n != before;
}

void ds__strip_emphasis(const char **s, size_t *n)
{
    for (;;) {
        const char *p;
        size_t k;
        trim_edges(s, n);
        p = *s;
        k = *n;
        if (k >= 5 && (p[0] == '*' || p[0] == '_') && p[1] == p[0] && p[k - 1] == p[0] &&
            p[k - 2] == p[0] && !contains2(p + 2, k - 4, p[0])) {
            *s += 2;
            *n -= 4;
            continue;
        }
        if (k >= 3 && (p[0] == '*' || p[0] == '_') && p[k - 1] == p[0] &&
            !memchr(p + 1, p[0], k - 2)) {
            *s += 1;
            *n -= 2;
            continue;
        }
        return;
    }
}

/* A closing sequence of '#' preceded by a space (or alone) at the end of
 * [*s, *s + *n): removed with the spaces before it. Returns 1 when removed. */
static int strip_closing(const char **s, size_t *n)
{
    size_t e = *n;
    while (e > 0 && (*s)[e - 1] == '#')
        e--;
    if (e == *n || (e > 0 && (*s)[e - 1] != ' '))
        return 0;
    *n = e;
    trim_edges(s, n);
    return 1;
}

/* Headline markup: ATX heading markers ("# ", closing " ##") and
 * surrounding emphasis. After an opening sequence, the closing sequence and
 * the emphasis are removed until neither is left, so that "# " and the
 * headline read back to the same headline. A line without an opening
 * sequence loses its emphasis only ("#####" banners stay as they are). */
static void strip_headline(ds__buf *b)
{
    const char *s = b->ptr;
    size_t n = b->len, k = 0;

    while (k < n && k < 7 && s[k] == '#')
        k++;
    if (k >= 1 && k <= 6 && (k == n || s[k] == ' ')) {
        s += k;
        n -= k;
        trim_edges(&s, &n);
        for (;;) {
            int closing = strip_closing(&s, &n); /* first, as a heading line reads */
            if (!strip_emphasis_once(&s, &n) && !closing)
                break;
        }
    } else {
        ds__strip_emphasis(&s, &n);
    }
    memmove(b->ptr, s, n);
    b->len = n;
    b->ptr[n] = '\0';
}

int ds__byline(const char *s, size_t len, const char **name, size_t *name_len)
{
    size_t k = 2;
    uint32_t cp;
    int r, cat;

    if (len < 4 || len > 100)
        return 0;
    if (!((s[0] == 'B' || s[0] == 'b') && (s[1] == 'y' || s[1] == 'Y')))
        return 0;
    if (s[k] == ':')
        k++;
    if (s[k] != ' ')
        return 0;
    k++;
    if (k >= len)
        return 0;
    if ((unsigned char)s[k] < 0x80) {
        cat = s[k] >= 'A' && s[k] <= 'Z' ? UTF8PROC_CATEGORY_LU : UTF8PROC_CATEGORY_LL;
    } else {
        r = utf8_decode((const unsigned char *)s + k, len - k, &cp);
        if (r <= 0)
            return 0;
        cat = utf8proc_category((utf8proc_int32_t)cp);
    }
    if (cat != UTF8PROC_CATEGORY_LU && cat != UTF8PROC_CATEGORY_LT)
        return 0;
    if (s[len - 1] == '.' || s[len - 1] == '!' || s[len - 1] == '?')
        return 0;
    *name = s + k;
    *name_len = len - k;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Paragraphs                                                                */

static int is_separator(const char *l, size_t n);

/* 1 when the one-line paragraph s[0..n) would not read back as a paragraph:
 * a separator line, or a quote line of only '>' and spaces. */
static int reads_as_nothing(const char *s, size_t n)
{
    size_t k;
    if (is_separator(s, n))
        return 1;
    for (k = 0; k < n && (s[k] == '>' || s[k] == ' '); k++)
        ;
    return k == n;
}

/* Link syntax is removed until none is left, in at most this many passes. */
#define DS__LINK_PASSES 32

int ds__reader_paragraph(ds__norm *st, ds__buf *b, int kind, unsigned flags)
{
    int err, passes = 0, nfc = (flags & DS__F_NFC) != 0;

    if (!b->ptr || !b->len) {
        if (kind == DS__P_HEADLINE)
            return ds__norm_paragraph(st, kind, "", 0);
        return 0;
    }
    for (;;) {
        /* removing a link can uncover another ("[a]([b](c))" -> "[a](b)"),
         * and NFC can shorten a destination below its limit */
        while (st->markdown && passes < DS__LINK_PASSES && memchr(b->ptr, '[', b->len) &&
               ds__strip_links(b)) {
            recollapse(b);
            passes++;
            nfc = (flags & DS__F_NFC) != 0;
        }
        if (kind == DS__P_HEADLINE && st->markdown)
            strip_headline(b);
        if (!nfc)
            break;
        if ((err = ds__nfc_buf(st, b)) < 0)
            return err;
        nfc = 0;
        if (!st->markdown || !memchr(b->ptr, '[', b->len))
            break;
    }
    if (kind == DS__P_HEADLINE)
        return ds__norm_paragraph(st, kind, b->ptr, b->len);
    /* a paragraph that would read back as a separator line or an empty quote
     * line is dropped, as it would be then */
    if (!b->len || (!st->html && reads_as_nothing(b->ptr, b->len)))
        return 0;
    return ds__norm_paragraph(st, kind, b->ptr, b->len);
}

static int para_end(ds__norm *st)
{
    int err;
    if (!st->para_open)
        return 0;
    st->para_open = 0;
    err = ds__reader_paragraph(st, &st->para, st->para_kind, st->para_flags);
    st->para.len = 0;
    return err;
}

static int para_start(ds__norm *st, int kind, const char *l, size_t n, unsigned fl, int own)
{
    st->para_open = 1;
    st->para_kind = kind;
    st->para_flags = fl;
    st->para.len = 0;
    if (own) {
        /* the line becomes the paragraph: swap buffers instead of copying */
        ds__buf t = st->para;
        st->para = st->line;
        st->para.len = n;
        st->line = t;
        return 0;
    }
    return ds__buf_put(&st->para, l, n);
}

static int para_too_long(const ds__norm *st)
{
    return ds__error_set(DS_ELIMIT,
                         "%s: a paragraph longer than %zu MiB (the normalizer holds one "
                         "paragraph at a time; split the input with blank lines)",
                         st->name, DS_NORMALIZE_MAX_PARAGRAPH >> 20);
}

static int para_append(ds__norm *st, const char *l, size_t n, unsigned fl)
{
    int err;
    if (st->para.len + n + 1 > DS_NORMALIZE_MAX_PARAGRAPH)
        return para_too_long(st);
    st->para_flags |= fl;
    if ((err = ds__buf_putc(&st->para, ' ')) < 0)
        return err;
    return ds__buf_put(&st->para, l, n);
}

/* A line that is a paragraph by itself (headline, heading). */
static int single(ds__norm *st, int kind, const char *l, size_t n, unsigned fl, int own)
{
    int err;
    if (!own) {
        st->scratch.len = 0;
        if ((err = ds__buf_put(&st->scratch, l, n)) < 0)
            return err;
        return ds__reader_paragraph(st, &st->scratch, kind, fl);
    }
    return ds__reader_paragraph(st, &st->line, kind, fl);
}

static int is_separator(const char *l, size_t n)
{
    char c = l[0];
    size_t i, count = 0;
    if (c != '-' && c != '*' && c != '_' && c != '=')
        return 0;
    for (i = 0; i < n; i++) {
        if (l[i] == c)
            count++;
        else if (l[i] != ' ')
            return 0;
    }
    return count >= 3;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int classify(const char *l, size_t n)
{
    size_t k = 0;
    if (l[0] == '#') {
        while (k < n && l[k] == '#')
            k++;
        return k <= 6 && (k == n || l[k] == ' ') ? DS__P_HEADING : DS__P_TEXT;
    }
    if ((l[0] == '-' || l[0] == '*' || l[0] == '+') && n > 2 && l[1] == ' ')
        return DS__P_LIST;
    if (is_digit(l[0])) {
        while (k < n && k < 4 && is_digit(l[k]))
            k++;
        if (k <= 3 && k + 2 < n && (l[k] == '.' || l[k] == ')') && l[k + 1] == ' ')
            return DS__P_LIST;
        return DS__P_TEXT;
    }
    if (l[0] == '>')
        return DS__P_QUOTE;
    return DS__P_TEXT;
}

/* One cleaned line into the paragraph structure. own: l is st->line. */
static int block_line(ds__norm *st, const char *l, size_t n, unsigned fl, int own)
{
    int err, kind;
    size_t k;

    if (n == 0 || is_separator(l, n))
        return para_end(st);
    if (!st->headline_done) {
        st->headline_done = 1;
        if ((err = para_end(st)) < 0)
            return err;
        return single(st, DS__P_HEADLINE, l, n, fl, own);
    }
    kind = classify(l, n);
    switch (kind) {
    case DS__P_HEADING:
        if ((err = para_end(st)) < 0)
            return err;
        return single(st, DS__P_HEADING, l, n, fl, own);
    case DS__P_LIST:
        if ((err = para_end(st)) < 0)
            return err;
        return para_start(st, kind, l, n, fl, own);
    case DS__P_QUOTE:
        for (k = 0; k < n && (l[k] == '>' || l[k] == ' '); k++)
            ;
        if (k == n)
            return para_end(st); /* an empty quote line separates paragraphs */
        if (st->para_open && st->para_kind == DS__P_QUOTE) {
            /* ZWNJ/ZWJ right after the markers would follow the joining space */
            while (zwj_at(l, n, k))
                k += 3;
            return para_append(st, l + k, n - k, fl);
        }
        if ((err = para_end(st)) < 0)
            return err;
        return para_start(st, kind, l, n, fl, own);
    default:
        if (st->para_open)
            return para_append(st, l, n, fl);
        return para_start(st, DS__P_TEXT, l, n, fl, own);
    }
}

/* ------------------------------------------------------------------------ */
/* Front matter                                                              */

static int fm_key_len(const char *l, size_t n)
{
    size_t k = 0;
    while (k < n && ((l[k] >= 'a' && l[k] <= 'z') || (l[k] >= 'A' && l[k] <= 'Z') ||
                     is_digit(l[k]) || l[k] == '_' || l[k] == '-' || l[k] == '.'))
        k++;
    if (k == 0 || k >= n || l[k] != ':' || (k + 1 < n && l[k + 1] != ' '))
        return -1;
    return (int)k;
}

static int fm_line_ok(const char *l, size_t n, unsigned fl)
{
    if (fl & DS__F_LEADWS)
        return 1; /* continuation of a value */
    if (l[0] == '#')
        return 1; /* comment */
    if (n >= 2 && l[0] == '-' && l[1] == ' ')
        return 1; /* sequence entry */
    return fm_key_len(l, n) > 0;
}

static int fm_stash(ds__norm *st, const char *l, size_t n, unsigned fl)
{
    int err;
    if ((err = ds__buf_putc(&st->fm, (char)('0' + fl))) < 0 ||
        (err = ds__buf_put(&st->fm, l, n)) < 0)
        return err;
    return ds__buf_putc(&st->fm, '\n');
}

/* Not front matter after all: the opening "---" was a separator line, the
 * stashed lines are ordinary lines. */
static int fm_fail(ds__norm *st)
{
    size_t i = 0;
    int err = 0;
    ds__buf fm = st->fm;

    st->fm_state = DS__FM_NONE;
    st->fm.ptr = NULL;
    st->fm.len = st->fm.cap = 0;
    while (err == 0 && i < fm.len) {
        const char *l = fm.ptr + i + 1;
        const char *e = memchr(l, '\n', fm.len - i - 1);
        unsigned fl = (unsigned)(fm.ptr[i] - '0');
        err = block_line(st, l, (size_t)(e - l), fl, 0);
        i = (size_t)(e - fm.ptr) + 1;
    }
    ds__buf_free(&fm);
    return err;
}

static int fm_finish(ds__norm *st)
{
    size_t i = 0;
    int err = 0;

    st->fm_state = DS__FM_NONE;
    while (err == 0 && i < st->fm.len) {
        const char *l = st->fm.ptr + i + 1;
        const char *e = memchr(l, '\n', st->fm.len - i - 1);
        unsigned fl = (unsigned)(st->fm.ptr[i] - '0');
        size_t n = (size_t)(e - l), vn;
        int k = (fl & DS__F_LEADWS) || l[0] == '#' ? -1 : fm_key_len(l, n);
        i = (size_t)(e - st->fm.ptr) + 1;
        if (k > 0) {
            char key[32];
            const char *v = l + k + 1;
            size_t j, w = 0;
            if ((size_t)k >= sizeof key)
                continue;
            for (j = 0; j < (size_t)k; j++)
                key[j] = (char)(l[j] >= 'A' && l[j] <= 'Z' ? l[j] + 32 : l[j]);
            key[k] = '\0';
            vn = n - (size_t)k - 1;
            trim_spaces(&v, &vn);
            st->scratch.len = 0;
            if (vn >= 2 &&
                ((v[0] == '"' && v[vn - 1] == '"') || (v[0] == '\'' && v[vn - 1] == '\''))) {
                /* quoted scalar: "..." with \" and \\ escapes, '...' with '' */
                char q = v[0];
                if ((err = ds__buf_grow(&st->scratch, vn)) < 0)
                    break;
                for (j = 1; j + 1 < vn; j++) {
                    if (q == '"' && v[j] == '\\' && j + 2 < vn &&
                        (v[j + 1] == '"' || v[j + 1] == '\\'))
                        j++;
                    else if (q == '\'' && v[j] == '\'' && j + 2 < vn && v[j + 1] == '\'')
                        j++;
                    st->scratch.ptr[w++] = v[j];
                }
                st->scratch.len = w;
                st->scratch.ptr[w] = '\0';
                recollapse(&st->scratch);
            } else if ((err = ds__buf_put(&st->scratch, v, vn)) < 0) {
                break;
            }
            if ((fl & DS__F_NFC) && (err = ds__nfc_buf(st, &st->scratch)) < 0)
                break;
            if (st->scratch.len &&
                (err = ds__norm_front_matter(st, key, st->scratch.ptr, st->scratch.len)) < 0)
                break;
        }
    }
    ds__buf_free(&st->fm);
    return err;
}

/* ------------------------------------------------------------------------ */
/* A norm-1 header read back                                                 */

/* The lines directly after a first line "#" or "# ..." (the headline line):
 * when they are one "byline: NAME" line and/or one "date: DATE" line, in
 * that order, up to an empty line or the end of the input, they are the
 * header's byline and date, as written. Anything else there means they were
 * ordinary lines: they are read as such. Normalized text thus reads back to
 * the same header (docseal-formats(5), NORMALIZED TEXT, "Reading normalized
 * text back"). */

static int hdr_stash(ds__norm *st, const char *l, size_t n, unsigned fl)
{
    int err;
    if ((err = ds__buf_putc(&st->hdr, (char)('0' + fl))) < 0 ||
        (err = ds__buf_put(&st->hdr, l, n)) < 0)
        return err;
    return ds__buf_putc(&st->hdr, '\n');
}

/* The stashed lines are the header's byline and date. */
static int hdr_commit(ds__norm *st)
{
    size_t i = 0;
    int err = 0;

    st->hdr_state = DS__HDR_DONE;
    while (err == 0 && i < st->hdr.len) {
        const char *l = st->hdr.ptr + i + 1;
        const char *e = memchr(l, '\n', st->hdr.len - i - 1);
        unsigned fl = (unsigned)(st->hdr.ptr[i] - '0');
        size_t n = (size_t)(e - l), k = l[0] == 'b' ? 8 : 6;
        i = (size_t)(e - st->hdr.ptr) + 1;
        st->scratch.len = 0;
        if ((err = ds__buf_put(&st->scratch, l + k, n - k)) < 0 ||
            ((fl & DS__F_NFC) && (err = ds__nfc_buf(st, &st->scratch)) < 0))
            break;
        err = ds__norm_header(st, k == 8 ? "byline" : "date", st->scratch.ptr, st->scratch.len);
    }
    ds__buf_free(&st->hdr);
    return err;
}

/* Not a header after all: the stashed lines are ordinary lines. */
static int hdr_replay(ds__norm *st)
{
    size_t i = 0;
    int err = 0;
    ds__buf hdr = st->hdr;

    st->hdr_state = DS__HDR_DONE;
    st->hdr.ptr = NULL;
    st->hdr.len = st->hdr.cap = 0;
    while (err == 0 && i < hdr.len) {
        const char *l = hdr.ptr + i + 1;
        const char *e = memchr(l, '\n', hdr.len - i - 1);
        unsigned fl = (unsigned)(hdr.ptr[i] - '0');
        err = block_line(st, l, (size_t)(e - l), fl, 0);
        i = (size_t)(e - hdr.ptr) + 1;
    }
    ds__buf_free(&hdr);
    return err;
}

static int header_line(ds__norm *st, const char *l, size_t n, unsigned fl, int own)
{
    int err;

    if (st->hdr_state == DS__HDR_FIRST) {
        if (n > 0) {
            st->hdr_state = DS__HDR_DONE;
            if (!st->headline_done && l[0] == '#' && (n == 1 || l[1] == ' '))
                st->hdr_state = DS__HDR_LINES;
        }
    } else if (st->hdr_state == DS__HDR_LINES) {
        if (n == 0) {
            if ((err = hdr_commit(st)) < 0)
                return err;
        } else if (!st->hdr_byline && !st->hdr_date && n > 8 && memcmp(l, "byline: ", 8) == 0) {
            st->hdr_byline = 1;
            return hdr_stash(st, l, n, fl);
        } else if (!st->hdr_date && n > 6 && memcmp(l, "date: ", 6) == 0) {
            st->hdr_date = 1;
            return hdr_stash(st, l, n, fl);
        } else if ((err = hdr_replay(st)) < 0) {
            return err;
        }
    }
    return block_line(st, l, n, fl, own);
}

static int on_line(ds__norm *st, const char *l, size_t n, unsigned fl, int own)
{
    int err;
    st->line_no++;
    if (st->fm_state == DS__FM_FIRST) {
        st->fm_state = DS__FM_NONE;
        if (n == 3 && memcmp(l, "---", 3) == 0) {
            st->fm_state = DS__FM_COLLECT;
            st->hdr_state = DS__HDR_DONE; /* front matter, or a separator: no norm-1 header */
            return 0;
        }
    } else if (st->fm_state == DS__FM_COLLECT) {
        if (n == 3 && memcmp(l, "---", 3) == 0)
            return fm_finish(st);
        if (n > 0 && fm_line_ok(l, n, fl))
            return fm_stash(st, l, n, fl);
        if ((err = fm_fail(st)) < 0)
            return err;
    }
    return header_line(st, l, n, fl, own);
}
