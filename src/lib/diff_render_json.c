/*
 * diff_render_json.c - the JSON layout (schema "docseal-diff" version 1,
 * documented in docseal-formats(5), DIFF JSON; man/formats-diff-json.roff).
 */
#include "diff_internal.h"

#include <jansson.h>
#include <string.h>

#define NONE DS_DIFF_NONE

static const char *const kind_names[] = {"equal",    "changed",    "deleted",
                                         "inserted", "moved_from", "moved_to"};
static const char *const role_names[] = {"body", "headline", "byline", "date", "header", "space"};
static const char *const field_states[] = {"unchanged", "changed", "added", "removed"};
static const char *const quote_kinds[] = {"altered", "added", "removed", "restyled"};
static const char *const class_names[] = {"identical", "cosmetic", "substantive"};

/* jansson calls: NULL on failure, checked once at the end via the root */
static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *line_or_null(size_t line)
{
    return line == NONE ? json_null() : json_integer((json_int_t)line + 1);
}

static json_t *num_or_null(size_t n)
{
    return n ? json_integer((json_int_t)n) : json_null();
}

static int set(json_t *obj, const char *key, json_t *v)
{
    if (!v)
        return -1;
    return json_object_set_new(obj, key, v);
}

static json_t *field_json(const ds_diff_field *f)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (set(o, "state", json_string(field_states[f->state])) < 0 ||
        set(o, "cosmetic", json_boolean(f->cosmetic)) < 0 ||
        set(o, "old", str_or_null(f->old_text)) < 0 ||
        set(o, "new", str_or_null(f->new_text)) < 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *summary_json(const ds_diff *d)
{
    const ds_diff_summary *s = &d->summary;
    json_t *o = json_object(), *p = json_object(), *w = json_object(), *qa = json_array(),
           *na = json_array();
    size_t k;
    int bad = !o || !p || !w || !qa || !na;
    if (bad)
        goto fail;
    bad |= set(o, "headline", field_json(&s->headline)) < 0;
    bad |= set(o, "byline", field_json(&s->byline)) < 0;
    bad |= set(o, "date", field_json(&s->date)) < 0;
    bad |= set(p, "a", json_integer((json_int_t)s->paragraphs_a)) < 0;
    bad |= set(p, "b", json_integer((json_int_t)s->paragraphs_b)) < 0;
    bad |= set(p, "added", json_integer((json_int_t)s->paragraphs_added)) < 0;
    bad |= set(p, "removed", json_integer((json_int_t)s->paragraphs_removed)) < 0;
    bad |= set(p, "changed", json_integer((json_int_t)s->paragraphs_changed)) < 0;
    bad |= set(p, "moved", json_integer((json_int_t)s->paragraphs_moved)) < 0;
    bad |= set(w, "added", json_integer((json_int_t)s->words_added)) < 0;
    bad |= set(w, "removed", json_integer((json_int_t)s->words_removed)) < 0;
    for (k = 0; k < s->quote_count && !bad; k++) {
        const ds_diff_quote *q = &s->quotes[k];
        json_t *e = json_object();
        bad |= !e || json_array_append_new(qa, e) < 0;
        if (bad)
            break;
        bad |= set(e, "change", json_string(quote_kinds[q->kind])) < 0;
        bad |= set(e, "old", str_or_null(q->old_text)) < 0;
        bad |= set(e, "new", str_or_null(q->new_text)) < 0;
        bad |= set(e, "old_marks", str_or_null(q->old_marks)) < 0;
        bad |= set(e, "new_marks", str_or_null(q->new_marks)) < 0;
        bad |= set(e, "a_line", line_or_null(q->a_line)) < 0;
        bad |= set(e, "b_line", line_or_null(q->b_line)) < 0;
    }
    for (k = 0; k < s->number_count && !bad; k++) {
        const ds_diff_number *n = &s->numbers[k];
        json_t *e = json_object();
        bad |= !e || json_array_append_new(na, e) < 0;
        if (bad)
            break;
        bad |= set(e, "old", str_or_null(n->old_text)) < 0;
        bad |= set(e, "new", str_or_null(n->new_text)) < 0;
        bad |= set(e, "a_line", line_or_null(n->a_line)) < 0;
        bad |= set(e, "b_line", line_or_null(n->b_line)) < 0;
    }
    bad |= json_object_set_new(o, "paragraphs", p) < 0;
    p = NULL;
    bad |= json_object_set_new(o, "words", w) < 0;
    w = NULL;
    bad |= json_object_set_new(o, "quotes", qa) < 0;
    qa = NULL;
    bad |= json_object_set_new(o, "numbers", na) < 0;
    na = NULL;
    bad |= set(o, "approximate", json_boolean(s->approximate)) < 0;
    if (!bad)
        return o;
fail:
    json_decref(o);
    json_decref(p);
    json_decref(w);
    json_decref(qa);
    json_decref(na);
    return NULL;
}

static json_t *para_json(const ds_diff *d, const ds_diff_para *p)
{
    json_t *o = json_object(), *ops = json_array();
    size_t i;
    int bad = !o || !ops;
    if (bad)
        goto fail;
    bad |= set(o, "kind", json_string(kind_names[p->kind])) < 0;
    bad |= set(o, "role", json_string(role_names[p->role])) < 0;
    bad |= set(o, "a_line", line_or_null(p->a_line)) < 0;
    bad |= set(o, "b_line", line_or_null(p->b_line)) < 0;
    bad |= set(o, "a_paragraph", num_or_null(p->a_para)) < 0;
    bad |= set(o, "b_paragraph", num_or_null(p->b_para)) < 0;
    bad |= set(o, "cosmetic", json_boolean(p->flags & DS_DIFF_PARA_COSMETIC)) < 0;
    bad |= set(o, "peer", p->peer == NONE ? json_null() : json_integer((json_int_t)p->peer)) < 0;
    for (i = p->first_op; i < p->first_op + p->op_count && !bad; i++) {
        const ds_diff_op *op = &d->ops[i];
        json_t *e = json_object();
        const char *t =
            op->kind == DS_DIFF_OP_INSERT ? d->text[1] + op->b_off : d->text[0] + op->a_off;
        size_t n = op->kind == DS_DIFF_OP_INSERT ? op->b_len : op->a_len;
        bad |= !e || json_array_append_new(ops, e) < 0;
        if (bad)
            break;
        bad |= set(e, "op",
                   json_string(op->kind == DS_DIFF_OP_EQUAL    ? "="
                               : op->kind == DS_DIFF_OP_DELETE ? "-"
                                                               : "+")) < 0;
        bad |= set(e, "text", json_stringn(t, n)) < 0;
        if (op->flags & DS_DIFF_OP_COSMETIC)
            bad |= set(e, "cosmetic", json_true()) < 0;
        if (op->flags & DS_DIFF_OP_GAP)
            bad |= set(e, "gap", json_true()) < 0;
    }
    bad |= json_object_set_new(o, "ops", ops) < 0;
    ops = NULL;
    if (!bad)
        return o;
fail:
    json_decref(o);
    json_decref(ops);
    return NULL;
}

static json_t *text_json(const ds_diff *d, int w, const char *label)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    if (set(o, "label", json_string(label)) < 0 ||
        set(o, "bytes", json_integer((json_int_t)d->len[w])) < 0 ||
        set(o, "paragraphs",
            json_integer((json_int_t)(w ? d->summary.paragraphs_b : d->summary.paragraphs_a))) <
            0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int dump_cb(const char *buf, size_t size, void *data)
{
    ds__out_put(data, buf, size);
    return ((ds__out *)data)->err ? -1 : 0;
}

int ds__render_json(const ds_diff *d, const ds_diff_render_options *o, ds__out *out)
{
    json_t *root = json_object(), *paras = NULL;
    char line[640];
    size_t k;
    int bad = !root;
    ds_diff_summary_line(line, sizeof line, d);
    if (!bad) {
        bad |= set(root, "format", json_string("docseal-diff")) < 0;
        bad |= set(root, "version", json_integer(1)) < 0;
        bad |= set(root, "a", text_json(d, 0, o->a_label ? o->a_label : d->label[0])) < 0;
        bad |= set(root, "b", text_json(d, 1, o->b_label ? o->b_label : d->label[1])) < 0;
        bad |= set(root, "classification", json_string(class_names[d->summary.classification])) < 0;
        bad |= set(root, "summary_line", json_string(line)) < 0;
        bad |= set(root, "summary", summary_json(d)) < 0;
    }
    if (!bad && !(o->flags & DS_DIFF_RENDER_SUMMARY_ONLY)) {
        bad |= !(paras = json_array()) || json_object_set_new(root, "paragraphs", paras) < 0;
        for (k = 0; k < d->npara && !bad; k++)
            bad |= json_array_append_new(paras, para_json(d, &d->paras[k])) < 0;
    }
    if (bad) {
        json_decref(root);
        return ds__error_oom();
    }
    if (json_dump_callback(root, dump_cb, out, JSON_INDENT(2)) < 0 && !out->err)
        out->err = ds__error_set(DS_ENOMEM, "diff: JSON output failed");
    json_decref(root);
    ds__out_puts(out, "\n");
    return out->err;
}
