/*
 * html_charset.c - decode a saved page to clean UTF-8 before parsing.
 *
 * Order, as browsers do it (WHATWG "determining the character encoding",
 * simplified): a byte order mark; else the first <meta charset=...> or
 * <meta http-equiv="Content-Type" content="...; charset=..."> (or an XML
 * declaration's encoding) in the first 64 KiB; else UTF-8. Labels are mapped
 * the way browsers map them: ISO-8859-1 and US-ASCII mean windows-1252,
 * Shift_JIS means windows-31J, GB2312/GBK mean GB18030, EUC-KR means CP949.
 *
 * Declarations are often wrong. Two checks keep the result sensible:
 *   - declared single-byte (windows-1252 and friends) but the bytes are valid
 *     UTF-8 with multi-byte sequences: read as UTF-8 (Latin-1 text almost
 *     never happens to form valid UTF-8);
 *   - declared (or defaulted) UTF-8 but most non-ASCII sequences are invalid:
 *     read as windows-1252.
 * An unknown label falls back to UTF-8 with the same check.
 *
 * Output is always valid UTF-8: invalid sequences become U+FFFD, NUL and the
 * other C0 controls except TAB, LF, FF and CR become spaces (libxml2 would
 * stop at a NUL), and the BOM is removed.
 */
#include "html_internal.h"
#include "util.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PRESCAN_BYTES ((size_t)64 << 10)

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0;
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* surrogates */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0;
        if (c == 0xF4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

/* Counts of valid multi-byte and invalid sequences. */
static void utf8_census(const unsigned char *s, size_t n, size_t *multi, size_t *bad)
{
    size_t i = 0;
    *multi = *bad = 0;
    while (i < n) {
        size_t l;
        if (s[i] < 0x80) {
            i++;
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if (w & UINT64_C(0x8080808080808080))
                    break;
                i += 8;
            }
            continue;
        }
        l = utf8_seq(s + i, n - i);
        if (l == 0) {
            (*bad)++;
            i++;
        } else {
            (*multi)++;
            i += l;
        }
    }
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int is_ws(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/';
}

/* The charset value after "charset" in s (at most n bytes): copies it into
 * out (lowercase). 1 when found. */
static int charset_from_content(char *out, size_t outsz, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i + 7 <= n; i++) {
        size_t j, k = 0;
        if (lower(s[i]) != 'c' || strncasecmp(s + i, "charset", 7) != 0)
            continue;
        j = i + 7;
        while (j < n && (s[j] == ' ' || s[j] == '\t'))
            j++;
        if (j >= n || s[j] != '=')
            continue;
        j++;
        while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '"' || s[j] == '\''))
            j++;
        while (j < n && k + 1 < outsz && s[j] != '"' && s[j] != '\'' && s[j] != ';' &&
               s[j] != ' ' && s[j] != '>' && s[j] != '\t')
            out[k++] = (char)lower(s[j++]);
        out[k] = '\0';
        return k > 0;
    }
    return 0;
}

/* Parse one attribute at s[*i] within a tag; sets name/value spans. 0 at the
 * end of the tag. */
static int next_attr(const char *s, size_t n, size_t *i, const char **name, size_t *name_len,
                     const char **val, size_t *val_len)
{
    size_t j = *i;
    while (j < n && is_ws((unsigned char)s[j]))
        j++;
    if (j >= n || s[j] == '>')
        return 0;
    *name = s + j;
    while (j < n && !is_ws((unsigned char)s[j]) && s[j] != '=' && s[j] != '>')
        j++;
    *name_len = (size_t)(s + j - *name);
    *val = s + j;
    *val_len = 0;
    while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
        j++;
    if (j < n && s[j] == '=') {
        j++;
        while (j < n && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
            j++;
        if (j < n && (s[j] == '"' || s[j] == '\'')) {
            char q = s[j++];
            *val = s + j;
            while (j < n && s[j] != q)
                j++;
            *val_len = (size_t)(s + j - *val);
            if (j < n)
                j++;
        } else {
            *val = s + j;
            while (j < n && !is_ws((unsigned char)s[j]) && s[j] != '>')
                j++;
            *val_len = (size_t)(s + j - *val);
        }
    }
    if (*name_len == 0)
        j++; /* stray character: skip it */
    *i = j;
    return 1;
}

/* Prescan for a declared charset; 1 when found (lowercase label in out). */
static int prescan(char *out, size_t outsz, const char *s, size_t n)
{
    size_t i = 0;
    if (n > PRESCAN_BYTES)
        n = PRESCAN_BYTES;
    if (n > 5 && strncmp(s, "<?xml", 5) == 0) {
        const char *end = memchr(s, '>', n);
        size_t dl = end != NULL ? (size_t)(end - s) : n;
        for (i = 0; i + 8 < dl; i++) {
            if (strncmp(s + i, "encoding", 8) == 0) {
                size_t j = i + 8, k = 0;
                while (j < dl && (s[j] == ' ' || s[j] == '=' || s[j] == '"' || s[j] == '\''))
                    j++;
                while (j < dl && k + 1 < outsz && s[j] != '"' && s[j] != '\'' && s[j] != ' ')
                    out[k++] = (char)lower(s[j++]);
                out[k] = '\0';
                if (k > 0)
                    return 1;
            }
        }
        i = 0;
    }
    while (i + 5 < n) {
        const char *lt = memchr(s + i, '<', n - i);
        size_t j;
        int http_equiv = 0;
        char content_cs[64] = "";
        if (lt == NULL)
            break;
        i = (size_t)(lt - s);
        if (i + 4 < n && strncmp(s + i, "<!--", 4) == 0) {
            const char *end = NULL;
            size_t k;
            for (k = i + 4; k + 3 <= n; k++)
                if (s[k] == '-' && s[k + 1] == '-' && s[k + 2] == '>') {
                    end = s + k;
                    break;
                }
            if (end == NULL)
                break;
            i = (size_t)(end - s) + 3;
            continue;
        }
        if (i + 5 < n && strncasecmp(s + i, "<meta", 5) == 0 && is_ws((unsigned char)s[i + 5])) {
            const char *name, *val;
            size_t nl, vl;
            j = i + 5;
            while (next_attr(s, n, &j, &name, &nl, &val, &vl)) {
                if (nl == 7 && strncasecmp(name, "charset", 7) == 0 && vl > 0) {
                    size_t k = 0;
                    while (vl > 0 && (*val == ' ' || *val == '\t')) {
                        val++;
                        vl--;
                    }
                    while (k < vl && k + 1 < outsz && val[k] != ' ' && val[k] != ';') {
                        out[k] = (char)lower(val[k]);
                        k++;
                    }
                    out[k] = '\0';
                    if (k > 0)
                        return 1;
                } else if (nl == 10 && strncasecmp(name, "http-equiv", 10) == 0) {
                    http_equiv = vl == 12 && strncasecmp(val, "content-type", 12) == 0;
                } else if (nl == 7 && strncasecmp(name, "content", 7) == 0) {
                    charset_from_content(content_cs, sizeof(content_cs), val, vl);
                }
            }
            if (http_equiv && content_cs[0] != '\0') {
                snprintf(out, outsz, "%s", content_cs);
                return 1;
            }
            i = j;
            continue;
        }
        i++;
    }
    return 0;
}

/* Browser label mapping; returns an iconv name, "UTF-8", or NULL (unknown). */
static const char *map_label(const char *label)
{
    static const struct {
        const char *label, *iconv;
    } map[] = {
        {"utf-8", "UTF-8"},
        {"utf8", "UTF-8"},
        {"unicode-1-1-utf-8", "UTF-8"},
        {"x-unicode20utf8", "UTF-8"},
        {"unicode", "UTF-8"}, /* a UTF-16 declaration without a BOM cannot be right */
        {"utf-16", "UTF-8"},
        {"utf-16le", "UTF-8"},
        {"utf-16be", "UTF-8"},
        {"iso-8859-1", "WINDOWS-1252"},
        {"iso8859-1", "WINDOWS-1252"},
        {"iso_8859-1", "WINDOWS-1252"},
        {"latin1", "WINDOWS-1252"},
        {"latin-1", "WINDOWS-1252"},
        {"l1", "WINDOWS-1252"},
        {"us-ascii", "WINDOWS-1252"},
        {"ascii", "WINDOWS-1252"},
        {"ansi_x3.4-1968", "WINDOWS-1252"},
        {"windows-1252", "WINDOWS-1252"},
        {"cp1252", "WINDOWS-1252"},
        {"x-cp1252", "WINDOWS-1252"},
        {"iso-8859-9", "WINDOWS-1254"},
        {"latin5", "WINDOWS-1254"},
        {"tis-620", "WINDOWS-874"},
        {"iso-8859-11", "WINDOWS-874"},
        {"shift_jis", "WINDOWS-31J"},
        {"shift-jis", "WINDOWS-31J"},
        {"sjis", "WINDOWS-31J"},
        {"x-sjis", "WINDOWS-31J"},
        {"ms_kanji", "WINDOWS-31J"},
        {"csshiftjis", "WINDOWS-31J"},
        {"windows-31j", "WINDOWS-31J"},
        {"gb2312", "GB18030"},
        {"gbk", "GB18030"},
        {"x-gbk", "GB18030"},
        {"gb18030", "GB18030"},
        {"chinese", "GB18030"},
        {"euc-kr", "CP949"},
        {"ks_c_5601-1987", "CP949"},
        {"windows-949", "CP949"},
        {"big5", "BIG5-HKSCS"},
        {"big5-hkscs", "BIG5-HKSCS"},
        {"x-x-big5", "BIG5-HKSCS"},
    };
    size_t i;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(label, map[i].label) == 0)
            return map[i].iconv;
    return NULL;
}

/* 1 for the charsets where valid UTF-8 input should win over the label. */
static int single_byte(const char *cs)
{
    return strncmp(cs, "WINDOWS-12", 10) == 0 || strncmp(cs, "ISO-8859", 8) == 0 ||
           strcmp(cs, "WINDOWS-874") == 0 || strncmp(cs, "KOI8", 4) == 0;
}

/* Append one code point as UTF-8 (out NULL: only count). */
static void put_cp(char *out, size_t *o, unsigned cp)
{
    if (out == NULL) {
        *o += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    } else if (cp < 0x80) {
        out[(*o)++] = (char)cp;
    } else if (cp < 0x800) {
        out[(*o)++] = (char)(0xC0 | (cp >> 6));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out[(*o)++] = (char)(0xE0 | (cp >> 12));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        out[(*o)++] = (char)(0xF0 | (cp >> 18));
        out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[(*o)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* Copy UTF-8 input, replacing invalid sequences with U+FFFD and controls
 * with spaces. With out NULL, only returns the output size. */
static size_t clean_utf8(char *out, const unsigned char *s, size_t n)
{
    size_t i = 0, o = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F)
                c = ' ';
            if (out != NULL)
                out[o] = (char)c;
            o++;
            i++;
        } else {
            size_t l = utf8_seq(s + i, n - i);
            if (l == 0) {
                put_cp(out, &o, 0xFFFD);
                i++;
            } else {
                if (out != NULL)
                    memcpy(out + o, s + i, l);
                o += l;
                i += l;
            }
        }
    }
    if (out != NULL)
        out[o] = '\0';
    return o;
}

/* windows-1252 decoding without iconv (the common fallback). */
static const unsigned short cp1252_hi[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

static size_t decode_1252(char *out, const unsigned char *s, size_t n)
{
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c >= 0x80 && c < 0xA0)
            c = cp1252_hi[c - 0x80];
        else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F)
            c = ' ';
        put_cp(out, &o, c);
    }
    if (out != NULL)
        out[o] = '\0';
    return o;
}

/* Replace C0 controls (but TAB, LF, FF, CR) and DEL with spaces, in place. */
static void blank_controls(char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F)
            s[i] = ' ';
    }
}

/* UTF-16 with a BOM (already skipped); big: byte order. */
static size_t decode_utf16(char *out, const unsigned char *s, size_t n, int big)
{
    size_t i = 0, o = 0;
    while (i + 1 < n) {
        unsigned u = big ? (unsigned)(s[i] << 8 | s[i + 1]) : (unsigned)(s[i + 1] << 8 | s[i]);
        i += 2;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
            unsigned v = big ? (unsigned)(s[i] << 8 | s[i + 1]) : (unsigned)(s[i + 1] << 8 | s[i]);
            if (v >= 0xDC00 && v <= 0xDFFF) {
                i += 2;
                put_cp(out, &o, 0x10000 + ((u - 0xD800) << 10) + (v - 0xDC00));
                continue;
            }
            u = 0xFFFD;
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            u = 0xFFFD;
        } else if ((u < 0x20 && u != '\t' && u != '\n' && u != '\r' && u != '\f') || u == 0x7F) {
            u = ' ';
        }
        put_cp(out, &o, u);
    }
    if (i < n)
        put_cp(out, &o, 0xFFFD);
    out[o] = '\0';
    return o;
}

/* Convert with iconv, U+FFFD for undecodable bytes. 0, DS_ENOMEM, or 1
 * when iconv does not know cs. */
static int decode_iconv(char **out, size_t *out_len, const char *cs, const char *data, size_t n)
{
    iconv_t cd = iconv_open("UTF-8", cs);
    char *buf = NULL, *in = (char *)data, *op;
    size_t cap, left = n, room, o;
    if (cd == (iconv_t)-1)
        return 1;
    cap = n + n / 2 + 64;
    if ((buf = ds__malloc(cap)) == NULL) {
        iconv_close(cd);
        return DS_ENOMEM;
    }
    op = buf;
    room = cap - 1;
    while (left > 0) {
        size_t r = iconv(cd, &in, &left, &op, &room);
        if (r != (size_t)-1)
            break;
        if (errno == E2BIG || room < 4) {
            size_t used = (size_t)(op - buf);
            char *nb;
            cap = cap * 2;
            if ((nb = ds__realloc(buf, cap)) == NULL) {
                free(buf);
                iconv_close(cd);
                return DS_ENOMEM;
            }
            buf = nb;
            op = buf + used;
            room = cap - 1 - used;
            continue;
        }
        /* EILSEQ or EINVAL: replace one byte */
        o = 0;
        put_cp(op, &o, 0xFFFD);
        op += o;
        room -= o;
        in++;
        left--;
        iconv(cd, NULL, NULL, NULL, NULL);
    }
    iconv_close(cd);
    o = (size_t)(op - buf);
    buf[o] = '\0';
    blank_controls(buf, o);
    *out_len = o;
    *out = buf;
    return 0;
}

int ds__html_to_utf8(char **out, size_t *out_len, const char **charset, const char *data,
                     size_t len)
{
    const unsigned char *s = (const unsigned char *)data;
    char label[64];
    const char *cs = "UTF-8";
    char *buf = NULL;
    size_t multi = 0, bad = 0;
    int r, counted = 0, bom = 0;

    *out = NULL;
    *out_len = 0;
    *charset = NULL;
    if (len >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) {
        int big = s[0] == 0xFE;
        *charset = big ? "UTF-16BE" : "UTF-16LE";
        if ((buf = ds__malloc(2 * len + 8)) == NULL)
            return DS_ENOMEM;
        *out_len = decode_utf16(buf, s + 2, len - 2, big);
        *out = buf;
        return 0;
    }
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        s += 3;
        len -= 3;
        cs = "UTF-8";
        bom = 1;
    } else if (prescan(label, sizeof(label), (const char *)s, len)) {
        const char *m = map_label(label);
        if (m != NULL) {
            cs = m;
        } else {
            /* an unknown label: try iconv with it as written */
            iconv_t cd = iconv_open("UTF-8", label);
            if (cd != (iconv_t)-1) {
                iconv_close(cd);
                cs = NULL;
            }
        }
        if (cs == NULL || strcmp(cs, "UTF-8") != 0) {
            utf8_census(s, len, &multi, &bad);
            counted = 1;
            if (bad == 0 && multi > 0 && (cs == NULL || single_byte(cs)))
                cs = "UTF-8";
        }
        if (cs == NULL) {
            /* convert with the page's own label */
            r = decode_iconv(out, out_len, label, (const char *)s, len);
            if (r <= 0) {
                *charset = "declared charset";
                return r;
            }
            cs = "UTF-8";
        }
    }
    if (strcmp(cs, "UTF-8") == 0) {
        if (!counted)
            utf8_census(s, len, &multi, &bad);
        counted = 1;
        if (!bom && bad > 0 && bad > multi)
            cs = "WINDOWS-1252"; /* mostly invalid: a Latin-1 page */
    }
    *charset = cs;
    if (strcmp(cs, "WINDOWS-1252") == 0) {
        if ((buf = ds__malloc(decode_1252(NULL, s, len) + 1)) == NULL)
            return DS_ENOMEM;
        *out_len = decode_1252(buf, s, len);
        *out = buf;
        return 0;
    }
    if (strcmp(cs, "UTF-8") != 0) {
        r = decode_iconv(out, out_len, cs, (const char *)s, len);
        if (r <= 0)
            return r;
        /* iconv lacks it: fall through to UTF-8 */
        *charset = "UTF-8";
        utf8_census(s, len, &multi, &bad);
    }
    if (bad == 0) {
        /* the common case: valid already, only controls to blank */
        if ((buf = ds__malloc(len + 1)) == NULL)
            return DS_ENOMEM;
        memcpy(buf, s, len);
        buf[len] = '\0';
        blank_controls(buf, len);
        *out_len = len;
        *out = buf;
        return 0;
    }
    if ((buf = ds__malloc(clean_utf8(NULL, s, len) + 1)) == NULL)
        return DS_ENOMEM;
    *out_len = clean_utf8(buf, s, len);
    *out = buf;
    return 0;
}
