/*
 * normalize.c - reading documents and producing the norm-1 normalized text:
 * input (files, standard input, memory), encoding conversion (iconv),
 * format choice, the HTML path, the header zone (headline, byline, date),
 * boilerplate filtering, output and digests. The rules themselves are
 * specified in docseal-formats(5), section NORMALIZED TEXT.
 */
#include "html_internal.h"
#include "normalize_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    DS__READ_BLOCK = 128 * 1024, /* read(2) size */
    DS__SLICE = 64 * 1024,       /* scanner and iconv work unit */
    DS__OBUF = 64 * 1024,        /* output batching for a sink */
    DS__SNIFF = 1024             /* bytes looked at to recognize HTML */
};

enum { MODE_UNDECIDED = 0, MODE_TEXT, MODE_HTML };

typedef struct ds__run {
    ds__norm st;
    ds_format req, used;
    int mode;
    ds__rules *rules;
    ds_sha256 *orig_hash;
    uint64_t orig_size;
    /* encoding conversion */
    iconv_t cd;
    int have_cd;
    const char *from;
    char conv_note[192];
    unsigned char icarry[64];
    size_t icarry_len;
    uint64_t conv_consumed;
    char *iout;
    /* format sniffing and HTML */
    ds__buf sniff, html;
    const char *html_ptr; /* ds_normalize_buffer(): the caller's bytes */
    size_t html_len;
    char *modified, *site_name;
} ds__run;

/* ------------------------------------------------------------------------ */
/* Output                                                                    */

static int out_flush(ds__norm *st)
{
    int err;
    if (!st->obuf.len)
        return 0;
    if (st->content_hash &&
        (err = ds_sha256_update(st->content_hash, st->obuf.ptr, st->obuf.len)) < 0)
        return err;
    err = st->sink->write(st->sink->ctx, st->obuf.ptr, st->obuf.len);
    st->obuf.len = 0;
    return err < 0 ? err : 0;
}

static int out_put(ds__norm *st, const char *s, size_t n)
{
    int err;
    st->content_size += n;
    if (!st->sink)
        return ds__buf_put(&st->text, s, n);
    if (st->obuf.len + n > DS__OBUF) {
        if ((err = out_flush(st)) < 0)
            return err;
        if (n >= DS__OBUF) {
            if (st->content_hash && (err = ds_sha256_update(st->content_hash, s, n)) < 0)
                return err;
            err = st->sink->write(st->sink->ctx, s, n);
            return err < 0 ? err : 0;
        }
    }
    return ds__buf_put(&st->obuf, s, n);
}

static int out_line(ds__norm *st, const char *prefix, const char *s)
{
    int err;
    if ((err = out_put(st, prefix, strlen(prefix))) < 0 || (err = out_put(st, s, strlen(s))) < 0)
        return err;
    return out_put(st, "\n", 1);
}

static int emit_header(ds__norm *st)
{
    int err;
    st->header_done = 1;
    if (st->title && *st->title)
        err = out_line(st, "# ", st->title);
    else
        err = out_put(st, "#\n", 2);
    if (err == 0 && st->byline)
        err = out_line(st, "byline: ", st->byline);
    if (err == 0 && st->date_raw)
        err = out_line(st, "date: ", st->date_raw);
    return err;
}

/* ------------------------------------------------------------------------ */
/* Paragraph routing: header zone, boilerplate, body                          */

static int set_str(char **dst, const char *s, size_t n)
{
    char *p = ds__strndup(s, n);
    if (!p)
        return DS_ENOMEM;
    free(*dst);
    *dst = p;
    return 0;
}

/* "By Jane Doe" / "By: Jane Doe" -> "Jane Doe" */
static void strip_by(const char **s, size_t *n)
{
    const char *p = *s;
    size_t k = 2;
    if (*n < 4 || !((p[0] == 'B' || p[0] == 'b') && (p[1] == 'y' || p[1] == 'Y')))
        return;
    if (p[k] == ':')
        k++;
    if (p[k] != ' ')
        return;
    k++;
    if (k < *n) {
        *s += k;
        *n -= k;
    }
}

int ds__norm_paragraph(ds__norm *st, int kind, const char *s, size_t len)
{
    int err;

    if (kind == DS__P_HEADLINE) {
        st->headline_line = 1; /* "#" alone is text: the header of normalized text */
        return len ? set_str(&st->title, s, len) : 0;
    }
    if (!st->header_done && st->zone_detect && kind == DS__P_TEXT) {
        const char *v = s, *name;
        size_t vn = len, nn;
        char iso[11];
        if (st->markdown)
            ds__strip_emphasis(&v, &vn);
        if (!st->date_raw && vn && ds__date_line(v, vn, st->date_order, iso)) {
            if ((err = set_str(&st->date_raw, v, vn)) < 0)
                return err;
            return iso[0] ? set_str(&st->published, iso, 10) : 0;
        }
        if (!st->byline && vn && ds__byline(v, vn, &name, &nn))
            return set_str(&st->byline, name, nn);
    }
    if (st->rules && ds__rules_match(st->rules, s, len)) {
        st->boilerplate++;
        return 0;
    }
    if (!st->header_done && (err = emit_header(st)) < 0)
        return err;
    st->paragraphs++;
    if ((err = out_put(st, "\n", 1)) < 0 || (err = out_put(st, s, len)) < 0)
        return err;
    return out_put(st, "\n", 1);
}

int ds__norm_front_matter(ds__norm *st, const char *key, const char *value, size_t len)
{
    char iso[11];
    int err;

    if (strcmp(key, "title") == 0 && !st->title) {
        st->headline_done = 1;
        return set_str(&st->title, value, len);
    }
    if (strcmp(key, "url") == 0 && !st->url)
        return set_str(&st->url, value, len);
    if (strcmp(key, "id") == 0 && !st->id)
        return set_str(&st->id, value, len);
    if ((strcmp(key, "lang") == 0 || strcmp(key, "language") == 0) && !st->language)
        return set_str(&st->language, value, len);
    if (strcmp(key, "author") == 0 && !st->byline) {
        strip_by(&value, &len);
        return set_str(&st->byline, value, len);
    }
    if (strcmp(key, "date") == 0 && !st->date_raw) {
        if ((err = set_str(&st->date_raw, value, len)) < 0)
            return err;
        if (ds__date_line(value, len, st->date_order, iso) && iso[0])
            return set_str(&st->published, iso, 10);
    }
    return 0;
}

int ds__norm_header(ds__norm *st, const char *key, const char *value, size_t len)
{
    char iso[11];
    int err;

    /* the header is complete: no later paragraph is a date or a byline */
    st->zone_detect = 0;
    if (strcmp(key, "byline") == 0 && !st->byline)
        return set_str(&st->byline, value, len);
    if (strcmp(key, "date") == 0 && !st->date_raw) {
        if ((err = set_str(&st->date_raw, value, len)) < 0)
            return err;
        if (ds__date_line(value, len, st->date_order, iso) && iso[0])
            return set_str(&st->published, iso, 10);
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* HTML                                                                      */

/* Clean a metadata string like a paragraph (flat, NFC). *out: NULL when s
 * is NULL or cleans to nothing. */
static int clean_meta(ds__run *run, const char *s, int by, char **out)
{
    ds__norm *st = &run->st;
    unsigned fl = 0;
    const char *v;
    size_t n;
    int err;

    if (!s)
        return 0;
    if ((err = ds__reader_clean_flat(st, s, strlen(s), &fl)) < 0)
        return ds__error_set(DS_ERROR, "%s: the HTML extractor returned invalid text", st->name);
    if ((fl & DS__F_NFC) && (err = ds__nfc_buf(st, &st->line)) < 0)
        return err;
    v = st->line.ptr;
    n = st->line.len;
    if (by)
        strip_by(&v, &n);
    if (!n)
        return 0;
    return set_str(out, v, n);
}

static int html_run(ds__run *run, const char *data, size_t len, size_t bom)
{
    ds__norm *st = &run->st;
    ds__html_article *a = NULL;
    /* A page with a UTF-16 byte order mark is full of NUL bytes; the
     * extractor converts it (html_charset.c). */
    int utf16 = len >= 2 && (((unsigned char)data[0] == 0xFF && (unsigned char)data[1] == 0xFE) ||
                             ((unsigned char)data[0] == 0xFE && (unsigned char)data[1] == 0xFF));
    const char *z = utf16 ? NULL : memchr(data, 0, len);
    size_t i;
    int err;

    if (z)
        return ds__error_set(DS_EINVALID, "%s: binary input (NUL byte at offset %llu%s)", st->name,
                             (unsigned long long)((size_t)(z - data) - bom), st->conv_note);
    if ((err = ds__html_extract(&a, data, len, st->name)) < 0)
        return err;
    st->markdown = 0;
    st->zone_detect = 0;
    st->html = 1;
    st->headline_done = 1;
    if ((err = clean_meta(run, a->title, 0, &st->title)) < 0 ||
        (err = clean_meta(run, a->byline, 1, &st->byline)) < 0 ||
        (err = clean_meta(run, a->published_raw ? a->published_raw : a->published, 0,
                          &st->date_raw)) < 0 ||
        (err = clean_meta(run, a->site_name, 0, &run->site_name)) < 0)
        goto done;
    if ((a->published && !(st->published = ds__strdup(a->published))) ||
        (a->modified && !(run->modified = ds__strdup(a->modified))) ||
        (a->canonical_url && !(st->url = ds__strdup(a->canonical_url))) ||
        (a->language && !(st->language = ds__strdup(a->language)))) {
        err = DS_ENOMEM;
        goto done;
    }
    for (i = 0; i < a->block_count; i++) {
        unsigned fl = 0;
        if (!a->blocks[i])
            continue;
        if (ds__reader_clean_flat(st, a->blocks[i], strlen(a->blocks[i]), &fl) < 0) {
            err = ds__error_set(DS_ERROR, "%s: the HTML extractor returned invalid text", st->name);
            goto done;
        }
        if ((err = ds__reader_paragraph(st, &st->line, DS__P_TEXT, fl)) < 0)
            goto done;
    }
done:
    ds__html_article_free(a);
    return err;
}

/* ------------------------------------------------------------------------ */
/* Input: format choice, conversion, feeding                                  */

static void decide(ds__run *run, const char *p, size_t n)
{
    ds_format f = run->req;
    if (f == DS_FORMAT_AUTO)
        f = ds__html_sniff(p ? p : "", p ? n : 0) ? DS_FORMAT_HTML : DS_FORMAT_MARKDOWN;
    run->used = f;
    run->mode = f == DS_FORMAT_HTML ? MODE_HTML : MODE_TEXT;
    run->st.markdown = f == DS_FORMAT_MARKDOWN;
    run->st.zone_detect = f != DS_FORMAT_HTML;
}

static int feed_decided(ds__run *run, const char *p, size_t n)
{
    int err;
    if (run->mode == MODE_HTML) {
        if (!n)
            return 0;
        if (run->have_cd && run->html.len == 0 &&
            (err = ds__buf_put(&run->html, "\xEF\xBB\xBF", 3)) < 0)
            return err; /* a BOM: the converted bytes are UTF-8 whatever the page declares */
        if (run->html.len + n > DS_NORMALIZE_MAX_HTML)
            return ds__error_set(DS_ELIMIT, "%s: HTML input larger than the limit of %llu bytes",
                                 run->st.name, (unsigned long long)DS_NORMALIZE_MAX_HTML);
        return ds__buf_put(&run->html, p, n);
    }
    while (n) {
        size_t k = n < DS__SLICE ? n : DS__SLICE;
        if ((err = ds__reader_feed(&run->st, p, k)) < 0)
            return err;
        p += k;
        n -= k;
    }
    return 0;
}

static int feed_utf8(ds__run *run, const char *p, size_t n, int eof)
{
    int err;
    if (run->mode == MODE_UNDECIDED) {
        if (run->req != DS_FORMAT_AUTO || (run->sniff.len == 0 && (n >= DS__SNIFF || eof))) {
            decide(run, p, n);
        } else {
            if ((err = ds__buf_put(&run->sniff, p, n)) < 0)
                return err;
            if (run->sniff.len < DS__SNIFF && !eof)
                return 0;
            decide(run, run->sniff.ptr, run->sniff.len);
            err = feed_decided(run, run->sniff.ptr, run->sniff.len);
            ds__buf_free(&run->sniff);
            return err;
        }
    }
    return feed_decided(run, p, n);
}

static int conv_run(ds__run *run, char **in, size_t *inleft)
{
    char *in0 = *in;
    int err = 0;
    for (;;) {
        char *out = run->iout;
        size_t outleft = DS__SLICE, r, produced;
        int e;
        errno = 0;
        r = iconv(run->cd, in, inleft, &out, &outleft);
        e = errno;
        produced = DS__SLICE - outleft;
        if (produced && (err = feed_utf8(run, run->iout, produced, 0)) < 0)
            break;
        if (r != (size_t)-1 || e == EINVAL)
            break; /* done, or an incomplete sequence at the end (carried) */
        if (e == E2BIG)
            continue;
        err = ds__error_set(DS_EINVALID, "%s: invalid %s input at byte offset %llu", run->st.name,
                            run->from,
                            (unsigned long long)(run->conv_consumed + (uint64_t)(*in - in0)));
        break;
    }
    run->conv_consumed += (uint64_t)(*in - in0);
    return err;
}

static int conv_feed(ds__run *run, const char *data, size_t len)
{
    char *in = (char *)data;
    size_t inleft = len;
    int err;

    if (run->icarry_len) {
        size_t old = run->icarry_len, room = sizeof run->icarry - old;
        size_t take = len < room ? len : room, total = old + take, il = total, consumed;
        char *ip = (char *)run->icarry;
        memcpy(run->icarry + old, data, take);
        if ((err = conv_run(run, &ip, &il)) < 0)
            return err;
        consumed = total - il;
        if (consumed < old) {
            if (take < len)
                return ds__error_set(DS_EINVALID, "%s: invalid %s input at byte offset %llu",
                                     run->st.name, run->from,
                                     (unsigned long long)run->conv_consumed);
            memmove(run->icarry, ip, il);
            run->icarry_len = il;
            return 0;
        }
        in += consumed - old;
        inleft -= consumed - old;
        run->icarry_len = 0;
    }
    if ((err = conv_run(run, &in, &inleft)) < 0)
        return err;
    if (inleft) {
        if (inleft > sizeof run->icarry)
            return ds__error_set(DS_EINVALID, "%s: invalid %s input at byte offset %llu",
                                 run->st.name, run->from, (unsigned long long)run->conv_consumed);
        memcpy(run->icarry, in, inleft);
        run->icarry_len = inleft;
    }
    return 0;
}

static int feed_raw(ds__run *run, const char *data, size_t len)
{
    int err;
    if (!len)
        return 0;
    if (run->orig_size + len > DS_NORMALIZE_MAX_INPUT)
        return ds__error_set(DS_ELIMIT, "%s: larger than the limit of %llu bytes", run->st.name,
                             (unsigned long long)DS_NORMALIZE_MAX_INPUT);
    if (run->orig_hash && (err = ds_sha256_update(run->orig_hash, data, len)) < 0)
        return err;
    run->orig_size += len;
    if (run->have_cd)
        return conv_feed(run, data, len);
    return feed_utf8(run, data, len, 0);
}

/* ------------------------------------------------------------------------ */
/* Set-up, finish, tear-down                                                 */

void ds__normalize_options_copy(ds_normalize_options *dst, const ds_normalize_options *src)
{
    static const ds_normalize_options defaults = DS_NORMALIZE_OPTIONS_INIT;
    *dst = defaults;
    if (!src)
        return;
    if (src->version == 2)
        *dst = *src;
    else
        memcpy(dst, src, offsetof(ds_normalize_options, flags)); /* version 1 (or unknown) */
}

static int run_init(ds__run *run, const ds_normalize_options *caller, const char *name,
                    const ds_sink *sink)
{
    ds_normalize_options o;
    const ds_normalize_options *opts = &o;
    ds__norm *st = &run->st;
    int err;

    ds__normalize_options_copy(&o, caller);
    run->cd = (iconv_t)-1;
    st->name = name;
    st->conv_note = "";
    ds__reader_init(st);
    if (opts->version != 1 && opts->version != 2)
        return ds__error_set(DS_EINVALID, "normalize options: version %u is not supported",
                             opts->version);
    if (opts->flags & ~DS_NORMALIZE_NO_DIGESTS)
        return ds__error_set(DS_EINVALID, "normalize options: unknown flags 0x%x",
                             opts->flags & ~DS_NORMALIZE_NO_DIGESTS);
    if ((unsigned)opts->format > DS_FORMAT_HTML)
        return ds__error_set(DS_EINVALID, "normalize options: unknown format %d",
                             (int)opts->format);
    if ((unsigned)opts->date_order > DS_DATE_ORDER_YMD)
        return ds__error_set(DS_EINVALID, "normalize options: unknown date order %d",
                             (int)opts->date_order);
    run->req = opts->format;
    st->date_order = opts->date_order;
    st->sink = sink;
    if (!opts->keep_boilerplate) {
        if ((err = ds__rules_new(&run->rules, 1, opts->boilerplate_rules)) < 0)
            return err;
        st->rules = run->rules;
    }
    if (!(opts->flags & DS_NORMALIZE_NO_DIGESTS) && ((err = ds_sha256_new(&run->orig_hash)) < 0 ||
                                                     (err = ds_sha256_new(&st->content_hash)) < 0))
        return err;
    if (opts->from_encoding) {
        run->from = opts->from_encoding;
        run->cd = iconv_open("UTF-8", opts->from_encoding);
        if (run->cd == (iconv_t)-1)
            return errno == EINVAL ? ds__error_set(DS_EINVALID,
                                                   "%s: cannot convert from '%s': unknown encoding",
                                                   name, opts->from_encoding)
                                   : ds__error_errno(DS_ERROR, errno, "iconv_open");
        run->have_cd = 1;
        snprintf(run->conv_note, sizeof run->conv_note, " after conversion from %s",
                 opts->from_encoding);
        st->conv_note = run->conv_note;
        if (!(run->iout = ds__malloc(DS__SLICE)))
            return DS_ENOMEM;
    }
    return 0;
}

static void run_free(ds__run *run)
{
    ds__norm *st = &run->st;
    ds__reader_free(st);
    ds__rules_free(run->rules);
    ds_sha256_free(run->orig_hash);
    ds_sha256_free(st->content_hash);
    if (run->have_cd)
        iconv_close(run->cd);
    free(run->iout);
    ds__buf_free(&run->sniff);
    ds__buf_free(&run->html);
    ds__buf_free(&st->text);
    ds__buf_free(&st->obuf);
    free(st->title);
    free(st->byline);
    free(st->date_raw);
    free(st->published);
    free(st->id);
    free(st->url);
    free(st->language);
    free(run->modified);
    free(run->site_name);
}

static int run_finish(ds__run *run, ds_document **out)
{
    ds__norm *st = &run->st;
    ds_document *doc = NULL;
    int err;

    if (run->have_cd) {
        char *o = run->iout;
        size_t left = DS__SLICE;
        if (run->icarry_len)
            return ds__error_set(DS_EINVALID,
                                 "%s: invalid %s input at byte offset %llu (incomplete sequence "
                                 "at the end)",
                                 st->name, run->from, (unsigned long long)run->conv_consumed);
        if (iconv(run->cd, NULL, NULL, &o, &left) != (size_t)-1 && left < DS__SLICE &&
            (err = feed_utf8(run, run->iout, DS__SLICE - left, 0)) < 0)
            return err;
    }
    if ((err = feed_utf8(run, NULL, 0, 1)) < 0)
        return err;
    if (run->orig_size == 0)
        return ds__error_set(DS_EINVALID, "%s: empty document", st->name);
    if (run->mode == MODE_HTML) {
        if (run->html_ptr)
            err = html_run(run, run->html_ptr, run->html_len, 0);
        else
            err = html_run(run, run->html.ptr ? run->html.ptr : "", run->html.len,
                           run->have_cd ? 3 : 0);
        ds__buf_free(&run->html);
    } else {
        err = ds__reader_finish(st);
    }
    if (err < 0)
        return err;
    if (!st->header_done) {
        if (!st->title && !st->byline && !st->date_raw && !st->boilerplate && !st->headline_line)
            return ds__error_set(DS_EINVALID, "%s: no text (only whitespace)", st->name);
        if ((err = emit_header(st)) < 0)
            return err;
    }
    if (st->sink)
        err = out_flush(st);
    else if (st->content_hash)
        err = ds_sha256_update(st->content_hash, st->text.ptr, st->text.len);
    if (err < 0)
        return err;

    if (!(doc = ds__calloc(1, sizeof *doc)))
        return DS_ENOMEM;
    /* without digests (DS_NORMALIZE_NO_DIGESTS) both stay "" (calloc) */
    if (st->content_hash &&
        ((err = ds_sha256_final_hex(st->content_hash, doc->content_sha256)) < 0 ||
         (err = ds_sha256_final_hex(run->orig_hash, doc->original_sha256)) < 0)) {
        free(doc);
        return err;
    }
    doc->id = st->id, st->id = NULL;
    doc->canonical_url = st->url, st->url = NULL;
    doc->title = st->title, st->title = NULL;
    doc->byline = st->byline, st->byline = NULL;
    doc->published_raw = st->date_raw, st->date_raw = NULL;
    doc->published = st->published, st->published = NULL;
    doc->modified = run->modified, run->modified = NULL;
    doc->language = st->language, st->language = NULL;
    doc->site_name = run->site_name, run->site_name = NULL;
    doc->format = run->used;
    doc->original_size = run->orig_size;
    doc->content_size = st->content_size;
    doc->paragraph_count = st->paragraphs;
    doc->boilerplate_removed = st->boilerplate;
    if (!st->sink && !(doc->text = ds__buf_detach(&st->text))) {
        ds_document_free(doc);
        return DS_ENOMEM;
    }
    *out = doc;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                                */

int ds_normalize_buffer(ds_document **out, const void *data, size_t len,
                        const ds_normalize_options *opts)
{
    ds__run *run = NULL;
    const char *name = opts && opts->source_name ? opts->source_name : "<buffer>";
    int err;

    if (!out)
        return ds__error_set(DS_EINVALID, "normalize: no output document");
    *out = NULL;
    if (!data && len)
        return ds__error_set(DS_EINVALID, "normalize: no input");
    if (!(run = ds__calloc(1, sizeof *run)))
        return DS_ENOMEM;
    if ((err = run_init(run, opts, name, NULL)) < 0)
        goto done;
    if (!run->have_cd && len) {
        decide(run, data, len);
        if (run->mode == MODE_HTML) {
            /* parse the caller's bytes in place */
            if ((uint64_t)len > DS_NORMALIZE_MAX_HTML) {
                err = ds__error_set(DS_ELIMIT, "%s: HTML input larger than the limit of %llu bytes",
                                    name, (unsigned long long)DS_NORMALIZE_MAX_HTML);
                goto done;
            }
            if (run->orig_hash && (err = ds_sha256_update(run->orig_hash, data, len)) < 0)
                goto done;
            run->orig_size = len;
            run->html_ptr = data;
            run->html_len = len;
            err = run_finish(run, out);
            goto done;
        }
    }
    if ((err = feed_raw(run, data, len)) < 0)
        goto done;
    err = run_finish(run, out);
done:
    if (run) {
        run_free(run);
        free(run);
    }
    return err;
}

int ds_normalize_file(ds_document **out, const char *path, const ds_sink *text_sink,
                      const ds_sink *original_sink, const ds_normalize_options *opts)
{
    ds__run *run = NULL;
    char *buf = NULL;
    const char *name;
    int fd = -1, own_fd = 0, err;
    struct stat sb;

    if (!out)
        return ds__error_set(DS_EINVALID, "normalize: no output document");
    *out = NULL;
    if (!path)
        return ds__error_set(DS_EINVALID, "normalize: no path");
    if ((text_sink && !text_sink->write) || (original_sink && !original_sink->write))
        return ds__error_set(DS_EINVALID, "normalize: a sink without a write function");
    name = opts && opts->source_name ? opts->source_name : ds__display_name(path);
    if (!(run = ds__calloc(1, sizeof *run)))
        return DS_ENOMEM;
    if ((err = run_init(run, opts, name, text_sink)) < 0)
        goto done;
    if (strcmp(path, "-") == 0) {
        fd = STDIN_FILENO;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            err = ds__error_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno, name);
            goto done;
        }
        own_fd = 1;
    }
    if (fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        err = ds__error_set(DS_EINVALID, "%s: is a directory", name);
        goto done;
    }
    if (!(buf = ds__malloc(DS__READ_BLOCK))) {
        err = DS_ENOMEM;
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, buf, DS__READ_BLOCK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = ds__error_errno(errno == EISDIR ? DS_EINVALID : DS_EIO, errno, name);
            goto done;
        }
        if (n == 0)
            break;
        if (original_sink && (err = original_sink->write(original_sink->ctx, buf, (size_t)n)) < 0)
            goto done;
        if ((err = feed_raw(run, buf, (size_t)n)) < 0)
            goto done;
    }
    err = run_finish(run, out);
done:
    if (own_fd)
        close(fd);
    free(buf);
    if (run) {
        run_free(run);
        free(run);
    }
    return err;
}

void ds_document_free(ds_document *doc)
{
    if (!doc)
        return;
    free(doc->id);
    free(doc->canonical_url);
    free(doc->title);
    free(doc->byline);
    free(doc->published_raw);
    free(doc->published);
    free(doc->modified);
    free(doc->language);
    free(doc->site_name);
    free(doc->text);
    free(doc);
}

const char *ds_format_name(ds_format f)
{
    switch (f) {
    case DS_FORMAT_AUTO:
        return "auto";
    case DS_FORMAT_TEXT:
        return "text";
    case DS_FORMAT_MARKDOWN:
        return "markdown";
    case DS_FORMAT_HTML:
        return "html";
    }
    return "unknown";
}

int ds_format_parse(ds_format *out, const char *name)
{
    static const struct {
        const char *name;
        ds_format f;
    } names[] = {{"auto", DS_FORMAT_AUTO},   {"text", DS_FORMAT_TEXT},
                 {"txt", DS_FORMAT_TEXT},    {"markdown", DS_FORMAT_MARKDOWN},
                 {"md", DS_FORMAT_MARKDOWN}, {"html", DS_FORMAT_HTML}};
    size_t i;
    for (i = 0; name && i < sizeof names / sizeof *names; i++) {
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].f;
            return 0;
        }
    }
    return ds__error_set(DS_EINVALID, "'%s' is not a format (auto, text, markdown, html)",
                         name ? name : "");
}

int ds_date_order_parse(ds_date_order *out, const char *name)
{
    if (name && strcmp(name, "mdy") == 0)
        *out = DS_DATE_ORDER_MDY;
    else if (name && strcmp(name, "dmy") == 0)
        *out = DS_DATE_ORDER_DMY;
    else if (name && strcmp(name, "ymd") == 0)
        *out = DS_DATE_ORDER_YMD;
    else
        return ds__error_set(DS_EINVALID, "'%s' is not a date order (mdy, dmy, ymd)",
                             name ? name : "");
    return 0;
}
