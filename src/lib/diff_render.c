/*
 * diff_render.c - the text renderers: plain (wdiff style), color (ANSI) and
 * the change summary.
 *
 * Plain layout: the document as in B, one paragraph per line, a blank line
 * where either text has one; deletions as [-text-], insertions as {+text+};
 * a deleted paragraph is one [-...-], an inserted one {+...+}; a moved
 * paragraph leaves the line "[moved to ¶N]" at its old place and is preceded
 * by "[moved from ¶M]" at its new place (N and M are body paragraph numbers
 * in B and A). White space at the edge of a pure insertion or deletion is
 * printed outside the markers. With a context, runs of unchanged body
 * paragraphs further than that from a change become one line
 * "[... N unchanged paragraphs ...]".
 *
 * Color layout: the summary, a blank line, then the same text with colours
 * instead of markers: deletions red and struck through, insertions green
 * (white space on a red or green background), move markers cyan.
 */
#include "diff_internal.h"

#include <stdlib.h>
#include <string.h>

#define NONE DS_DIFF_NONE

#define SGR_DEL "\033[9;31m" /* red, struck through */
#define SGR_OLD "\033[31m"
#define SGR_INS "\033[32m"
#define SGR_DEL_WS "\033[41m"
#define SGR_INS_WS "\033[42m"
#define SGR_MOVE "\033[36m"
#define SGR_BOLD "\033[1m"
#define SGR_DIM "\033[2m"
#define SGR_OFF "\033[m"

typedef struct tctx {
    const ds_diff *d;
    ds__out *out;
    int color;
    int hide;
} tctx;

static int all_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static void put_edit(tctx *t, int del, const char *s, size_t n, int trim)
{
    size_t lead = 0, trail = 0;
    if (trim && !all_space(s, n)) {
        while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
            lead++;
        while (trail < n - lead && (s[n - 1 - trail] == ' ' || s[n - 1 - trail] == '\t'))
            trail++;
    }
    ds__out_put(t->out, s, lead);
    if (t->color) {
        int ws = all_space(s + lead, n - lead - trail);
        ds__out_puts(t->out, del ? (ws ? SGR_DEL_WS : SGR_DEL) : (ws ? SGR_INS_WS : SGR_INS));
        ds__out_put(t->out, s + lead, n - lead - trail);
        ds__out_puts(t->out, SGR_OFF);
    } else {
        ds__out_puts(t->out, del ? "[-" : "{+");
        ds__out_put(t->out, s + lead, n - lead - trail);
        ds__out_puts(t->out, del ? "-]" : "+}");
    }
    ds__out_put(t->out, s + n - trail, trail);
}

/* The text ops of an entry (gap excluded). */
static void put_ops(tctx *t, const ds_diff_para *p)
{
    const ds_diff *d = t->d;
    size_t i, end = p->first_op + p->op_count;
    for (i = p->first_op; i < end; i++) {
        const ds_diff_op *op = &d->ops[i];
        int pure;
        if (op->flags & DS_DIFF_OP_GAP)
            continue;
        if (op->kind == DS_DIFF_OP_EQUAL) {
            ds__out_put(t->out, d->text[0] + op->a_off, op->a_len);
            continue;
        }
        if (t->hide && (op->flags & DS_DIFF_OP_COSMETIC)) {
            if (op->kind == DS_DIFF_OP_INSERT)
                ds__out_put(t->out, d->text[1] + op->b_off, op->b_len);
            continue;
        }
        /* pure: not next to an edit of the other kind */
        pure = !((i > p->first_op && d->ops[i - 1].kind != DS_DIFF_OP_EQUAL &&
                  !(d->ops[i - 1].flags & DS_DIFF_OP_GAP)) ||
                 (i + 1 < end && d->ops[i + 1].kind != DS_DIFF_OP_EQUAL &&
                  !(d->ops[i + 1].flags & DS_DIFF_OP_GAP)));
        if (op->kind == DS_DIFF_OP_DELETE)
            put_edit(t, 1, d->text[0] + op->a_off, op->a_len, pure);
        else
            put_edit(t, 0, d->text[1] + op->b_off, op->b_len, pure);
    }
}

static size_t count_nl(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

/* Newlines in the gap after an entry: the larger of its A and B gaps. */
static size_t gap_newlines(const ds_diff *d, const ds_diff_para *p)
{
    size_t i, na = 0, nb = 0, end = p->first_op + p->op_count;
    for (i = p->first_op; i < end; i++) {
        const ds_diff_op *op = &d->ops[i];
        if (!(op->flags & DS_DIFF_OP_GAP))
            continue;
        if (op->kind != DS_DIFF_OP_INSERT)
            na += count_nl(d->text[0] + op->a_off, op->a_len);
        if (op->kind != DS_DIFF_OP_DELETE)
            nb += count_nl(d->text[1] + op->b_off, op->b_len);
    }
    return na > nb ? na : nb;
}

static int is_change(const tctx *t, const ds_diff_para *p)
{
    if (p->role == DS_DIFF_ROLE_SPACE)
        return 0;
    if (t->hide && (p->flags & DS_DIFF_PARA_COSMETIC))
        return 0;
    if (p->kind == DS_DIFF_PARA_EQUAL)
        return 0; /* gap-only changes are not shown in text layouts */
    return 1;
}

static void put_marker(tctx *t, const char *fmt, size_t n)
{
    if (t->color)
        ds__out_puts(t->out, SGR_MOVE);
    ds__out_printf(t->out, fmt, n);
    if (t->color)
        ds__out_puts(t->out, SGR_OFF);
}

int ds__render_text(const ds_diff *d, int color, const ds_diff_render_options *o, ds__out *out)
{
    tctx t = {d, out, color, (o->flags & DS_DIFF_RENDER_HIDE_COSMETIC) != 0};
    size_t *dist = NULL, k, hidden = 0;
    int err;

    if (color) {
        if ((err = ds__render_summary(d, 1, t.hide, out)) < 0)
            return err;
        ds__out_puts(out, "\n");
    }
    if (o->context >= 0 && d->npara) {
        /* distance (in body entries) to the nearest change */
        size_t far = (size_t)-1 / 2, last = far;
        if (!(dist = ds__malloc(d->npara * sizeof *dist)))
            return DS_ENOMEM;
        for (k = 0; k < d->npara; k++) {
            if (is_change(&t, &d->paras[k]))
                last = 0;
            else if (last != far)
                last++;
            dist[k] = last;
        }
        last = far;
        for (k = d->npara; k-- > 0;) {
            if (is_change(&t, &d->paras[k]))
                last = 0;
            else if (last != far)
                last++;
            if (last < dist[k])
                dist[k] = last;
        }
    }
    for (k = 0; k < d->npara; k++) {
        const ds_diff_para *p = &d->paras[k];
        int shown_cosmetic = t.hide && (p->flags & DS_DIFF_PARA_COSMETIC);
        if (p->role == DS_DIFF_ROLE_SPACE)
            continue;
        if (dist && p->role == DS_DIFF_ROLE_BODY && dist[k] > (size_t)o->context &&
            (p->kind == DS_DIFF_PARA_EQUAL || shown_cosmetic)) {
            hidden++;
            continue;
        }
        if (hidden) {
            if (color)
                ds__out_puts(out, SGR_DIM);
            ds__out_printf(out, "[... %zu unchanged paragraph%s ...]", hidden,
                           hidden == 1 ? "" : "s");
            if (color)
                ds__out_puts(out, SGR_OFF);
            ds__out_puts(out, "\n\n");
            hidden = 0;
        }
        switch (p->kind) {
        case DS_DIFF_PARA_EQUAL:
            ds__out_put(out, d->text[1] + p->b_off, p->b_len);
            break;
        case DS_DIFF_PARA_CHANGED:
            if (shown_cosmetic)
                ds__out_put(out, d->text[1] + p->b_off, p->b_len);
            else
                put_ops(&t, p);
            break;
        case DS_DIFF_PARA_DELETED:
            if (shown_cosmetic)
                continue;
            put_edit(&t, 1, d->text[0] + p->a_off, p->a_len, 0);
            break;
        case DS_DIFF_PARA_INSERTED:
            if (shown_cosmetic)
                ds__out_put(out, d->text[1] + p->b_off, p->b_len);
            else
                put_edit(&t, 0, d->text[1] + p->b_off, p->b_len, 0);
            break;
        case DS_DIFF_PARA_MOVED_FROM:
            put_marker(&t, "[moved to \xC2\xB6%zu]", d->paras[p->peer].b_para);
            break;
        case DS_DIFF_PARA_MOVED_TO:
            put_marker(&t, "[moved from \xC2\xB6%zu]", p->a_para);
            ds__out_puts(out, "\n");
            put_ops(&t, p);
            break;
        }
        ds__out_puts(out, gap_newlines(d, p) >= 2 && k + 1 < d->npara ? "\n\n" : "\n");
    }
    if (hidden) {
        if (color)
            ds__out_puts(out, SGR_DIM);
        ds__out_printf(out, "[... %zu unchanged paragraph%s ...]", hidden, hidden == 1 ? "" : "s");
        if (color)
            ds__out_puts(out, SGR_OFF);
        ds__out_puts(out, "\n");
    }
    free(dist);
    return out->err;
}

/* ---- summary ---------------------------------------------------------------------- */

/* Body paragraph number of a line of A (which 0) or B (1); 0 when none. */
static size_t para_of_line(const ds_diff *d, int which, size_t line)
{
    for (size_t k = 0; k < d->npara; k++) {
        const ds_diff_para *p = &d->paras[k];
        if (which == 0 && p->a_line == line)
            return p->a_para;
        if (which == 1 && p->b_line == line)
            return p->b_para;
    }
    return 0;
}

static void put_where(ds__out *out, const ds_diff *d, size_t a_line, size_t b_line)
{
    size_t n = b_line != NONE ? para_of_line(d, 1, b_line) : para_of_line(d, 0, a_line);
    if (n)
        ds__out_printf(out, " (\xC2\xB6%zu)", n);
    else
        ds__out_puts(out, " (headline)");
}

static void put_line(ds__out *out, int color, const char *sgr, const char *label, const char *open,
                     const char *text, const char *close)
{
    ds__out_printf(out, "  %s: ", label);
    if (color)
        ds__out_puts(out, sgr);
    ds__out_puts(out, open);
    ds__out_puts(out, text);
    ds__out_puts(out, close);
    if (color)
        ds__out_puts(out, SGR_OFF);
    ds__out_puts(out, "\n");
}

static void put_field(ds__out *out, int color, const char *name, const ds_diff_field *f)
{
    static const char *const st[] = {"unchanged", "changed", "added", "removed"};
    if (f->state == DS_DIFF_FIELD_SAME)
        return;
    ds__out_printf(out, "%s%s%s: %s%s\n", color ? SGR_BOLD : "", name, color ? SGR_OFF : "",
                   st[f->state], f->cosmetic ? " (cosmetic)" : "");
    if (f->old_text)
        put_line(out, color, SGR_OLD, "old", "", f->old_text, "");
    if (f->new_text)
        put_line(out, color, SGR_INS, "new", "", f->new_text, "");
}

/* Split "“”" into its opening and closing mark (UTF-8). */
static void split_marks(const char *marks, char *open, char *close)
{
    size_t n = 1;
    open[0] = close[0] = '\0';
    if (!marks || !*marks)
        return;
    while (marks[n] && ((unsigned char)marks[n] & 0xC0) == 0x80)
        n++;
    memcpy(open, marks, n);
    open[n] = '\0';
    strcpy(close, marks + n);
}

/* The start of a paragraph: whole words up to about 60 bytes, then "…". */
static void put_snippet(ds__out *out, const char *s, size_t n)
{
    size_t cut = n, i;
    if (n > 60) {
        cut = 0;
        for (i = 0; i < 60; i++)
            if (s[i] == ' ')
                cut = i;
        if (!cut) { /* no space: cut at a code point boundary */
            cut = 60;
            while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
                cut--;
        }
    }
    for (i = 0; i < cut; i++) /* a group of lines (see diff_build.c) shows on one line */
        ds__out_put(out, s[i] == '\n' || s[i] == '\t' || s[i] == '\r' ? " " : s + i, 1);
    ds__out_puts(out, cut < n ? "\xE2\x80\xA6\n" : "\n");
}

/* Lists in the summary stop after LIST_MAX items (JSON has them all). */
enum { LIST_MAX = 20 };

static void put_more(ds__out *out, size_t n, const char *what)
{
    if (n)
        ds__out_printf(out, "(and %zu more %s)\n", n, what);
}

int ds__render_summary(const ds_diff *d, int color, int hide, ds__out *out)
{
    static const char *const cls[] = {"identical", "cosmetic", "substantive"};
    static const char *const qk[] = {"quote changed", "quote added", "quote removed",
                                     "quote restyled"};
    const ds_diff_summary *s = &d->summary;
    char line[640];
    const char *b = color ? SGR_BOLD : "", *e = color ? SGR_OFF : "";
    size_t k, shown, more;

    ds_diff_summary_line(line, sizeof line, d);
    ds__out_printf(out, "%sclassification:%s %s\n", b, e, cls[s->classification]);
    ds__out_printf(out, "%ssummary:%s %s\n", b, e, line);
    if (s->classification == DS_DIFF_IDENTICAL || (hide && s->classification == DS_DIFF_COSMETIC))
        return out->err;
    if (!hide || !s->headline.cosmetic)
        put_field(out, color, "headline", &s->headline);
    if (!hide || !s->byline.cosmetic)
        put_field(out, color, "byline", &s->byline);
    if (!hide || !s->date.cosmetic)
        put_field(out, color, "date", &s->date);
    ds__out_printf(out,
                   "%sparagraphs:%s %zu \xE2\x86\x92 %zu (%zu added, %zu removed, %zu changed, "
                   "%zu moved)\n",
                   b, e, s->paragraphs_a, s->paragraphs_b, s->paragraphs_added,
                   s->paragraphs_removed, s->paragraphs_changed, s->paragraphs_moved);
    ds__out_printf(out, "%swords:%s +%zu \xE2\x88\x92%zu\n", b, e, s->words_added,
                   s->words_removed);
    for (k = 0, shown = 0, more = 0; k < d->npara; k++) {
        const ds_diff_para *p = &d->paras[k];
        if (p->role != DS_DIFF_ROLE_BODY || (hide && (p->flags & DS_DIFF_PARA_COSMETIC)))
            continue;
        if (p->kind == DS_DIFF_PARA_INSERTED || p->kind == DS_DIFF_PARA_DELETED ||
            p->kind == DS_DIFF_PARA_MOVED_TO) {
            if (shown == LIST_MAX) {
                more++;
                continue;
            }
            shown++;
        }
        if (p->kind == DS_DIFF_PARA_INSERTED) {
            ds__out_printf(out, "%sparagraph added%s (\xC2\xB6%zu): ", b, e, p->b_para);
            put_snippet(out, d->text[1] + p->b_off, p->b_len);
        } else if (p->kind == DS_DIFF_PARA_DELETED) {
            ds__out_printf(out, "%sparagraph removed%s (\xC2\xB6%zu): ", b, e, p->a_para);
            put_snippet(out, d->text[0] + p->a_off, p->a_len);
        } else if (p->kind == DS_DIFF_PARA_MOVED_TO) {
            ds__out_printf(out, "%sparagraph moved%s (\xC2\xB6%zu \xE2\x86\x92 \xC2\xB6%zu): ", b,
                           e, p->a_para, p->b_para);
            put_snippet(out, d->text[1] + p->b_off, p->b_len);
        }
    }
    put_more(out, more, "paragraphs added, removed or moved");
    for (k = 0, shown = 0, more = 0; k < s->quote_count; k++) {
        const ds_diff_quote *q = &s->quotes[k];
        char oo[8], oc[8], no[8], nc[8];
        if (hide && q->kind == DS_DIFF_QUOTE_RESTYLED)
            continue;
        if (shown == LIST_MAX) {
            more++;
            continue;
        }
        shown++;
        split_marks(q->old_marks, oo, oc);
        split_marks(q->new_marks, no, nc);
        ds__out_printf(out, "%s%s%s", b, qk[q->kind], e);
        put_where(out, d, q->a_line, q->b_line);
        ds__out_puts(out, ":\n");
        if (q->old_text)
            put_line(out, color, SGR_OLD, "old", oo, q->old_text, oc);
        if (q->new_text)
            put_line(out, color, SGR_INS, "new", no, q->new_text, nc);
    }
    put_more(out, more, "quotes");
    for (k = 0; k < s->number_count && k < LIST_MAX; k++) {
        const ds_diff_number *n = &s->numbers[k];
        const char *what = n->old_text && n->new_text ? "changed"
                           : n->old_text              ? "removed"
                                                      : "added";
        ds__out_printf(out, "%snumber %s%s", b, what, e);
        put_where(out, d, n->a_line, n->b_line);
        ds__out_puts(out, ": ");
        if (n->old_text) {
            if (color)
                ds__out_puts(out, SGR_OLD);
            ds__out_puts(out, n->old_text);
            if (color)
                ds__out_puts(out, SGR_OFF);
        }
        if (n->old_text && n->new_text)
            ds__out_puts(out, " \xE2\x86\x92 ");
        if (n->new_text) {
            if (color)
                ds__out_puts(out, SGR_INS);
            ds__out_puts(out, n->new_text);
            if (color)
                ds__out_puts(out, SGR_OFF);
        }
        ds__out_puts(out, "\n");
    }
    put_more(out, s->number_count > LIST_MAX ? s->number_count - LIST_MAX : 0, "numbers");
    if (s->approximate)
        ds__out_printf(out,
                       "%snote:%s work limit reached; the diff is exact but may not be "
                       "minimal\n",
                       b, e);
    return out->err;
}
