/*
 * diff.c - public entry points of the diff engine (docseal/diff.h).
 */
#include "diff_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_text(const char *label, const char *s, size_t len)
{
    size_t bad = 0;
    int nul = 0;
    if (len > DS_DIFF_MAX_INPUT)
        return ds__error_set(DS_ELIMIT, "%s: text too long (%zu bytes, at most %zu)", label, len,
                             (size_t)DS_DIFF_MAX_INPUT);
    if (!ds__utf8_valid(s, len, &bad, &nul))
        return ds__error_set(DS_EINVALID, "%s: %s at byte offset %zu", label,
                             nul ? "NUL byte" : "invalid UTF-8", bad);
    return 0;
}

int ds_diff_texts(ds_diff **out, const char *a, size_t alen, const char *b, size_t blen,
                  const ds_diff_options *opts)
{
    ds_diff_options def = DS_DIFF_OPTIONS_INIT;
    ds__builder bd;
    ds_diff *d = NULL;
    int err;

    if (out)
        *out = NULL;
    if (!out || (!a && alen) || (!b && blen))
        return ds__error_set(DS_EINVALID, "diff: invalid arguments");
    if (!opts)
        opts = &def;
    if (opts->version != DS_DIFF_OPTIONS_VERSION)
        return ds__error_set(DS_EINVALID, "diff: unknown options version %u", opts->version);
    memset(&bd, 0, sizeof bd);
    if (!(d = ds__calloc(1, sizeof *d)))
        return DS_ENOMEM;
    if (!(d->label[0] = ds__strdup(opts->a_label ? opts->a_label : "a")) ||
        !(d->label[1] = ds__strdup(opts->b_label ? opts->b_label : "b"))) {
        err = DS_ENOMEM;
        goto done;
    }
    if ((err = check_text(d->label[0], a ? a : "", alen)) < 0 ||
        (err = check_text(d->label[1], b ? b : "", blen)) < 0)
        goto done;
    if (opts->flags & DS_DIFF_BORROW_TEXTS) {
        d->text[0] = a ? a : "";
        d->text[1] = b ? b : "";
    } else {
        if (!(d->owned[0] = ds__malloc(alen + 1)) || !(d->owned[1] = ds__malloc(blen + 1))) {
            err = DS_ENOMEM;
            goto done;
        }
        if (alen)
            memcpy(d->owned[0], a, alen);
        if (blen)
            memcpy(d->owned[1], b, blen);
        d->owned[0][alen] = d->owned[1][blen] = '\0';
        d->text[0] = d->owned[0];
        d->text[1] = d->owned[1];
    }
    d->len[0] = alen;
    d->len[1] = blen;

    bd.diff = d;
    bd.opts = opts;
    bd.env.minimal = (opts->flags & DS_DIFF_MINIMAL) != 0;
    if (!bd.env.minimal)
        bd.env.budget = opts->max_work ? opts->max_work
                                       : 8ull * (unsigned long long)(alen + blen) + 10000000ull;
    if ((err = ds__diff_build(&bd)) < 0 || (err = ds__diff_summarize(&bd)) < 0)
        goto done;
    d->budget = bd.env.budget;
    d->work = bd.env.work;
    d->fallbacks = bd.env.fallbacks;
    *out = d;
    d = NULL;
done:
    ds__builder_free(&bd);
    ds_diff_free(d);
    return err;
}

void ds_diff_free(ds_diff *d)
{
    size_t i;
    if (!d)
        return;
    for (i = 0; i < d->nstrs; i++)
        free(d->strs[i]);
    free(d->strs);
    free(d->owned[0]);
    free(d->owned[1]);
    free(d->label[0]);
    free(d->label[1]);
    free(d->paras);
    free(d->ops);
    free(d->quotes);
    free(d->numbers);
    free(d);
}

const ds_diff_summary *ds_diff_get_summary(const ds_diff *diff)
{
    return &diff->summary;
}

size_t ds_diff_para_count(const ds_diff *diff)
{
    return diff->npara;
}

const ds_diff_para *ds_diff_para_at(const ds_diff *diff, size_t i)
{
    return i < diff->npara ? &diff->paras[i] : NULL;
}

size_t ds_diff_op_count(const ds_diff *diff)
{
    return diff->nops;
}

const ds_diff_op *ds_diff_op_at(const ds_diff *diff, size_t i)
{
    return i < diff->nops ? &diff->ops[i] : NULL;
}

const char *ds_diff_text(const ds_diff *diff, int which, size_t *len)
{
    which = which ? 1 : 0;
    if (len)
        *len = diff->len[which];
    return diff->text[which];
}

const char *ds_diff_label(const ds_diff *diff, int which)
{
    return diff->label[which ? 1 : 0];
}

int ds_diff_format_parse(ds_diff_format *out, const char *name)
{
    static const struct {
        const char *name;
        ds_diff_format f;
    } names[] = {
        {"plain", DS_DIFF_FORMAT_PLAIN},     {"color", DS_DIFF_FORMAT_COLOR},
        {"colour", DS_DIFF_FORMAT_COLOR},    {"unified", DS_DIFF_FORMAT_UNIFIED},
        {"json", DS_DIFF_FORMAT_JSON},       {"html", DS_DIFF_FORMAT_HTML},
        {"summary", DS_DIFF_FORMAT_SUMMARY},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (name && strcmp(name, names[i].name) == 0) {
            *out = names[i].f;
            return 0;
        }
    }
    return ds__error_set(DS_EINVALID,
                         "unknown diff format '%s' (expected color, plain, unified, json, html "
                         "or summary)",
                         name ? name : "");
}

/* ---- output buffering shared by the renderers ---------------------------------------- */

void ds__out_put(ds__out *o, const char *s, size_t len)
{
    if (o->err)
        return;
    if (o->buf.len + len > 65536 && ds__out_flush(o) < 0)
        return;
    if (len > 65536) {
        while (len && !o->err) {
            size_t k = len < 65536 ? len : 65536;
            if ((o->err = o->sink->write(o->sink->ctx, s, k)) > 0)
                o->err = 0;
            s += k, len -= k;
        }
        return;
    }
    if (ds__buf_put(&o->buf, s, len) < 0)
        o->err = DS_ENOMEM;
}

void ds__out_puts(ds__out *o, const char *s)
{
    ds__out_put(o, s, strlen(s));
}

void ds__out_printf(ds__out *o, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof tmp) {
        ds__out_put(o, tmp, (size_t)n);
        return;
    }
    {
        char *big = ds__malloc((size_t)n + 1);
        if (!big) {
            o->err = DS_ENOMEM;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        ds__out_put(o, big, (size_t)n);
        free(big);
    }
}

int ds__out_flush(ds__out *o)
{
    if (!o->err && o->buf.len) {
        int rc = o->sink->write(o->sink->ctx, o->buf.ptr, o->buf.len);
        if (rc < 0)
            o->err = rc;
    }
    ds__buf_clear(&o->buf);
    return o->err;
}

int ds_diff_render(const ds_diff *diff, ds_diff_format format, const ds_diff_render_options *opts,
                   const ds_sink *sink)
{
    ds_diff_render_options def = DS_DIFF_RENDER_OPTIONS_INIT;
    ds__out out;
    int err;
    if (!diff || !sink || !sink->write)
        return ds__error_set(DS_EINVALID, "diff render: invalid arguments");
    if (!opts)
        opts = &def;
    if (opts->version != DS_DIFF_RENDER_OPTIONS_VERSION)
        return ds__error_set(DS_EINVALID, "diff render: unknown options version %u", opts->version);
    memset(&out, 0, sizeof out);
    out.sink = sink;
    switch (format) {
    case DS_DIFF_FORMAT_PLAIN:
        err = ds__render_text(diff, 0, opts, &out);
        break;
    case DS_DIFF_FORMAT_COLOR:
        err = ds__render_text(diff, 1, opts, &out);
        break;
    case DS_DIFF_FORMAT_SUMMARY:
        err = ds__render_summary(diff, (opts->flags & DS_DIFF_RENDER_COLOR) != 0,
                                 (opts->flags & DS_DIFF_RENDER_HIDE_COSMETIC) != 0, &out);
        break;
    case DS_DIFF_FORMAT_UNIFIED:
        err = ds__render_unified(diff, opts, &out);
        break;
    case DS_DIFF_FORMAT_JSON:
        err = ds__render_json(diff, opts, &out);
        break;
    case DS_DIFF_FORMAT_HTML:
        err = ds__render_html(diff, opts, &out);
        break;
    default:
        err = ds__error_set(DS_EINVALID, "diff render: unknown format %d", (int)format);
        break;
    }
    if (err >= 0)
        err = ds__out_flush(&out);
    else if (out.err == 0)
        out.err = err;
    ds__buf_free(&out.buf);
    return err < 0 ? err : out.err;
}
