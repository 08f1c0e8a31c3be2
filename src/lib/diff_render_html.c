/*
 * diff_render_html.c - one self-contained HTML page: no scripts, no external
 * style sheets, fonts or images. Every piece of document text is escaped.
 *
 * Layout: the headline (with its changes), metadata (labels, byline, date),
 * a summary box, the article with inline <del>/<ins> and marked moves, then
 * a side-by-side table of the old and new paragraphs.
 */
#include "diff_internal.h"

#include <stdlib.h>
#include <string.h>

#define NONE DS_DIFF_NONE

static const char css[] =
    ":root{color-scheme:light}"
    "*{box-sizing:border-box}"
    "body{margin:0;background:#f4f2ec;color:#1d1d1b;"
    "font:17px/1.6 Georgia,'DejaVu Serif','Times New Roman',serif}"
    "main{max-width:1180px;margin:0 auto;padding:28px 32px 56px}"
    ".ui,.tool,dl.meta,.summary,h2,.tag,.gutter,th,.elided,footer{"
    "font-family:system-ui,'DejaVu Sans',Arial,sans-serif}"
    ".tool{font-size:12px;letter-spacing:.12em;text-transform:uppercase;color:#6b6b66}"
    "h1{font-size:31px;line-height:1.25;margin:6px 0 14px;font-weight:700}"
    "h2{font-size:13px;letter-spacing:.1em;text-transform:uppercase;color:#6b6b66;"
    "margin:34px 0 10px;font-weight:600}"
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:3px 18px;font-size:14px;"
    "margin:0 0 22px;color:#33332f}"
    "dl.meta dt{color:#77776f}dl.meta dd{margin:0;overflow-wrap:anywhere}"
    ".summary{background:#fff;border:1px solid #dcd7ca;border-left:6px solid #b3261e;"
    "border-radius:8px;padding:14px 20px 12px;font-size:15px;line-height:1.5}"
    ".summary.cosmetic{border-left-color:#7b7f83}.summary.identical{border-left-color:#2e7d32}"
    ".badge{display:inline-block;padding:1px 10px;border-radius:999px;font-size:12px;"
    "font-weight:700;letter-spacing:.06em;text-transform:uppercase;color:#fff;"
    "background:#b3261e;margin-right:10px;vertical-align:2px}"
    ".cosmetic .badge{background:#7b7f83}.identical .badge{background:#2e7d32}"
    ".oneline{font-weight:600}"
    ".summary ul{margin:10px 0 2px;padding-left:20px}.summary li{margin:4px 0}"
    ".summary q{quotes:none}.summary .k{color:#77776f}"
    ".summary del,.summary ins,.summary q{unicode-bidi:isolate}"
    "del{background:#fbdad6;color:#8c1d13;text-decoration:line-through;"
    "text-decoration-color:rgba(140,29,19,.55)}"
    "ins{background:#d3f0d6;color:#14561f;text-decoration:none}"
    "del.ws{background:#f3a59c}ins.ws{background:#8fd89a}del+ins{margin-left:.15em}"
    ".article{background:#fff;border:1px solid #e2ded3;border-radius:8px;"
    "padding:26px 34px 12px;max-width:780px}"
    ".article p{margin:0 0 1.05em}"
    "p.pdel{border-left:4px solid #e39b93;padding-left:12px;margin-left:-16px}"
    "p.pins{border-left:4px solid #7fc98a;padding-left:12px;margin-left:-16px}"
    "p.pchg{border-left:4px solid #e8c45c;padding-left:12px;margin-left:-16px}"
    "p.mto{border-left:4px solid #3b78d8;padding-left:12px;margin-left:-16px;background:#eef4fe}"
    "p.mfrom{border-left:4px dashed #3b78d8;padding-left:12px;margin-left:-16px;color:#8a8a84}"
    ".tag{display:inline-block;font-size:12px;font-weight:600;color:#2d5fb3;background:#dde8fb;"
    "border-radius:4px;padding:0 6px;margin-right:8px;vertical-align:1px}"
    ".tag a{color:inherit}"
    ".elided{color:#8a8a84;font-size:13px;font-style:italic;text-align:center}"
    "table.sbs{width:100%;border-collapse:separate;border-spacing:0;table-layout:fixed;"
    "background:#fff;border:1px solid #e2ded3;border-radius:8px;font-size:15px;line-height:1.5}"
    "table.sbs th{font-size:12px;text-align:left;color:#6b6b66;font-weight:600;padding:10px 12px;"
    "border-bottom:1px solid #e2ded3;overflow-wrap:anywhere}"
    "table.sbs td{vertical-align:top;padding:8px 12px;border-top:1px solid #f0ede6;"
    "overflow-wrap:anywhere}"
    "table.sbs col.g{width:44px}"
    "td.gutter{color:#a3a39b;font-size:11px;text-align:right;padding:9px 6px 0 4px;"
    "overflow-wrap:normal;white-space:nowrap}"
    "tr.del td.old{background:#fdf1ef}tr.ins td.new{background:#f0faf1}"
    "tr.mfrom td.old,tr.mto td.new{background:#f1f6fe}"
    "td.empty{background:repeating-linear-gradient(135deg,#fafaf7,#fafaf7 6px,#f3f2ed 6px,"
    "#f3f2ed 12px)}"
    "footer{margin-top:36px;font-size:12px;color:#8a8a84}";

static void esc(ds__out *o, const char *s, size_t n)
{
    size_t i, start = 0;
    for (i = 0; i < n; i++) {
        const char *rep;
        switch (s[i]) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        ds__out_put(o, s + start, i - start);
        ds__out_puts(o, rep);
        start = i + 1;
    }
    ds__out_put(o, s + start, n - start);
}

static void escs(ds__out *o, const char *s)
{
    esc(o, s, strlen(s));
}

static int only_space(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

static void tagged(ds__out *o, const char *tag, const char *s, size_t n)
{
    ds__out_printf(o, "<%s%s>", tag, only_space(s, n) ? " class=\"ws\"" : "");
    esc(o, s, n);
    ds__out_printf(o, "</%s>", tag);
}

/* An edit; a pure insertion or deletion keeps its edge blanks outside. */
static void tagged_trim(ds__out *o, const char *tag, const char *s, size_t n, int trim)
{
    size_t lead = 0, trail = 0;
    if (trim && !only_space(s, n)) {
        while (lead < n && (s[lead] == ' ' || s[lead] == '\t'))
            lead++;
        while (trail < n - lead && (s[n - 1 - trail] == ' ' || s[n - 1 - trail] == '\t'))
            trail++;
    }
    esc(o, s, lead);
    tagged(o, tag, s + lead, n - lead - trail);
    esc(o, s + n - trail, trail);
}

/* Which sides an op list is shown for. */
enum { SHOW_BOTH = 3, SHOW_OLD = 1, SHOW_NEW = 2 };

/* The text of a paragraph from its ops; skip bytes of the headline prefix. */
static void put_ops(ds__out *o, const ds_diff *d, const ds_diff_para *p, int show, int hide,
                    size_t skip)
{
    size_t i, end = p->first_op + p->op_count;
    for (i = p->first_op; i < end; i++) {
        const ds_diff_op *op = &d->ops[i];
        const char *s;
        size_t n;
        if (op->flags & DS_DIFF_OP_GAP)
            continue;
        s = op->kind == DS_DIFF_OP_INSERT ? d->text[1] + op->b_off : d->text[0] + op->a_off;
        n = op->kind == DS_DIFF_OP_INSERT ? op->b_len : op->a_len;
        if (skip) {
            /* the prefix is always inside the leading equal ops */
            size_t k = skip < n ? skip : n;
            if (op->kind != DS_DIFF_OP_EQUAL)
                k = 0, skip = 0;
            skip -= k;
            s += k, n -= k;
            if (!n)
                continue;
        }
        if (op->kind == DS_DIFF_OP_EQUAL)
            esc(o, s, n);
        else if (hide && (op->flags & DS_DIFF_OP_COSMETIC)) {
            if (op->kind == DS_DIFF_OP_INSERT)
                esc(o, s, n);
        } else {
            /* pure: not next to an edit of the other kind */
            int pure = !((i > p->first_op && d->ops[i - 1].kind != DS_DIFF_OP_EQUAL &&
                          !(d->ops[i - 1].flags & DS_DIFF_OP_GAP)) ||
                         (i + 1 < end && d->ops[i + 1].kind != DS_DIFF_OP_EQUAL &&
                          !(d->ops[i + 1].flags & DS_DIFF_OP_GAP)));
            if (op->kind == DS_DIFF_OP_DELETE) {
                if (show & SHOW_OLD)
                    tagged_trim(o, "del", s, n, pure || show != SHOW_BOTH);
            } else if (show & SHOW_NEW)
                tagged_trim(o, "ins", s, n, pure || show != SHOW_BOTH);
        }
    }
}

/* Bytes of a header line's prefix ("# ", "byline: ", "date: "). */
static size_t role_prefix(int role)
{
    return role == DS_DIFF_ROLE_HEADLINE ? 2
           : role == DS_DIFF_ROLE_BYLINE ? 8
           : role == DS_DIFF_ROLE_DATE   ? 6
                                         : 0;
}

static const char *role_label(int role)
{
    switch (role) {
    case DS_DIFF_ROLE_HEADLINE:
        return "title";
    case DS_DIFF_ROLE_BYLINE:
        return "by";
    case DS_DIFF_ROLE_DATE:
        return "date";
    default:
        return "meta";
    }
}

static const ds_diff_para *find_role(const ds_diff *d, int role)
{
    for (size_t k = 0; k < d->npara; k++)
        if ((int)d->paras[k].role == role)
            return &d->paras[k];
    return NULL;
}

/* A header field shown with its changes; prefix bytes ("# ", "date: ") are
 * not shown. */
static void put_field(ds__out *o, const ds_diff *d, int role, size_t prefix, int hide)
{
    size_t k;
    int any = 0;
    for (k = 0; k < d->npara; k++) {
        const ds_diff_para *p = &d->paras[k];
        if ((int)p->role != role)
            continue;
        if (any)
            ds__out_puts(o, " ");
        any = 1;
        size_t pa = p->a_len < prefix ? p->a_len : prefix,
               pb = p->b_len < prefix ? p->b_len : prefix;
        if (p->kind == DS_DIFF_PARA_EQUAL)
            esc(o, d->text[1] + p->b_off + pb, p->b_len - pb);
        else if (p->kind == DS_DIFF_PARA_DELETED)
            tagged(o, "del", d->text[0] + p->a_off + pa, p->a_len - pa);
        else if (p->kind == DS_DIFF_PARA_INSERTED)
            tagged(o, "ins", d->text[1] + p->b_off + pb, p->b_len - pb);
        else
            put_ops(o, d, p, SHOW_BOTH, hide, prefix);
    }
}

/* A quotation between its own marks ("“”", or an opening mark alone). */
static void put_quote(ds__out *o, const char *tag, const char *marks, const char *text)
{
    size_t n = 1;
    while (marks[n] && ((unsigned char)marks[n] & 0xC0) == 0x80)
        n++;
    ds__out_printf(o, "<%s>", tag);
    esc(o, marks, n);
    escs(o, text);
    escs(o, marks + n);
    ds__out_printf(o, "</%s>", tag);
}

/* An altered quotation as one quotation with inline word changes: a diff of
 * the two quotations' words (a one-line text each). Nonzero when that
 * diff could not be made (then the caller shows old and new apart). */
static int put_quote_diff(ds__out *o, const ds_diff_quote *q)
{
    ds_diff *qd = NULL;
    ds_diff_options opts = DS_DIFF_OPTIONS_INIT;
    const ds_diff_para *p;
    size_t n = 1;
    opts.flags = DS_DIFF_NO_MOVES | DS_DIFF_BORROW_TEXTS;
    if (ds_diff_texts(&qd, q->old_text, strlen(q->old_text), q->new_text, strlen(q->new_text),
                      &opts) < 0) {
        ds_error_clear();
        return -1;
    }
    p = ds_diff_para_at(qd, 0);
    if (!p || ds_diff_para_count(qd) != 1 || p->kind != DS_DIFF_PARA_CHANGED) {
        ds_diff_free(qd);
        return -1;
    }
    while (q->new_marks[n] && ((unsigned char)q->new_marks[n] & 0xC0) == 0x80)
        n++;
    ds__out_puts(o, "<q>");
    esc(o, q->new_marks, n);
    put_ops(o, qd, p, SHOW_BOTH, 0, 0);
    escs(o, q->new_marks + n);
    ds__out_puts(o, "</q>");
    ds_diff_free(qd);
    return 0;
}

static void summary_box(ds__out *o, const ds_diff *d, int hide)
{
    static const char *const cls[] = {"identical", "cosmetic", "substantive"};
    static const char *const qk[] = {"Quote changed", "Quote added", "Quote removed",
                                     "Quote restyled"};
    const ds_diff_summary *s = &d->summary;
    char line[640];
    size_t k;
    ds_diff_summary_line(line, sizeof line, d);
    ds__out_printf(o, "<section class=\"summary %s\" aria-label=\"Summary\">",
                   cls[s->classification]);
    ds__out_printf(o, "<div><span class=\"badge\">%s</span><span class=\"oneline\">",
                   cls[s->classification]);
    escs(o, line);
    ds__out_puts(o, "</span></div>");
    if (s->classification == DS_DIFF_IDENTICAL || (hide && s->classification == DS_DIFF_COSMETIC)) {
        ds__out_puts(o, "</section>\n");
        return;
    }
    ds__out_puts(o, "<ul>");
    if (s->headline.state != DS_DIFF_FIELD_SAME && !(hide && s->headline.cosmetic)) {
        ds__out_puts(o, "<li><span class=\"k\">Headline");
        if (s->headline.cosmetic)
            ds__out_puts(o, " (cosmetic)");
        ds__out_puts(o, ":</span> ");
        if (s->headline.old_text)
            tagged(o, "del", s->headline.old_text, strlen(s->headline.old_text));
        if (s->headline.old_text && s->headline.new_text)
            ds__out_puts(o, " \xE2\x86\x92 ");
        if (s->headline.new_text)
            tagged(o, "ins", s->headline.new_text, strlen(s->headline.new_text));
        ds__out_puts(o, "</li>");
    }
    ds__out_printf(o,
                   "<li><span class=\"k\">Paragraphs:</span> %zu \xE2\x86\x92 %zu &middot; %zu "
                   "added, %zu removed, %zu changed, %zu moved</li>",
                   s->paragraphs_a, s->paragraphs_b, s->paragraphs_added, s->paragraphs_removed,
                   s->paragraphs_changed, s->paragraphs_moved);
    ds__out_printf(o, "<li><span class=\"k\">Words:</span> +%zu \xE2\x88\x92%zu</li>",
                   s->words_added, s->words_removed);
    for (k = 0; k < s->quote_count && k < 50; k++) {
        const ds_diff_quote *q = &s->quotes[k];
        if (hide && q->kind == DS_DIFF_QUOTE_RESTYLED)
            continue;
        ds__out_printf(o, "<li><span class=\"k\">%s:</span> ", qk[q->kind]);
        if (q->kind == DS_DIFF_QUOTE_ALTERED && put_quote_diff(o, q) == 0)
            ; /* shown as one quotation with its word changes */
        else {
            if (q->old_text)
                put_quote(o, "del", q->old_marks, q->old_text);
            if (q->old_text && q->new_text)
                ds__out_puts(o, " \xE2\x86\x92 ");
            if (q->new_text)
                put_quote(o, "ins", q->new_marks, q->new_text);
        }
        ds__out_puts(o, "</li>");
    }
    if (s->quote_count > 50)
        ds__out_printf(o, "<li><span class=\"k\">&hellip; and %zu more quotes</span></li>",
                       s->quote_count - 50);
    for (k = 0; k < s->number_count && k < 50; k++) {
        const ds_diff_number *n = &s->numbers[k];
        ds__out_puts(o, "<li><span class=\"k\">Number:</span> ");
        if (n->old_text)
            tagged(o, "del", n->old_text, strlen(n->old_text));
        if (n->old_text && n->new_text)
            ds__out_puts(o, " \xE2\x86\x92 ");
        if (n->new_text)
            tagged(o, "ins", n->new_text, strlen(n->new_text));
        ds__out_puts(o, "</li>");
    }
    if (s->number_count > 50)
        ds__out_printf(o, "<li><span class=\"k\">&hellip; and %zu more numbers</span></li>",
                       s->number_count - 50);
    if (s->approximate)
        ds__out_puts(o, "<li><span class=\"k\">Note:</span> work limit reached; the diff is "
                        "exact but may not be minimal</li>");
    ds__out_puts(o, "</ul></section>\n");
}

static int is_change(const ds_diff_para *p, int hide)
{
    if (p->kind == DS_DIFF_PARA_EQUAL)
        return 0;
    return !(hide && (p->flags & DS_DIFF_PARA_COSMETIC));
}

static void article(ds__out *o, const ds_diff *d, long context, int hide)
{
    size_t k, hidden = 0;
    ds__out_puts(o, "<h2>Article with changes</h2>\n<div class=\"article\">\n");
    for (k = 0; k < d->npara; k++) {
        const ds_diff_para *p = &d->paras[k];
        if (p->role != DS_DIFF_ROLE_BODY)
            continue;
        if (context >= 0 && !is_change(p, hide)) {
            /* near a change? */
            long dist = -1;
            for (size_t j = 0; j < d->npara && dist < 0; j++) {
                size_t gap = j > k ? j - k : k - j;
                if ((long)gap <= context && d->paras[j].role == DS_DIFF_ROLE_BODY &&
                    is_change(&d->paras[j], hide))
                    dist = (long)gap;
            }
            if (dist < 0) {
                hidden++;
                continue;
            }
        }
        if (hidden) {
            ds__out_printf(o,
                           "<p class=\"elided\">&hellip; %zu unchanged paragraph%s "
                           "&hellip;</p>\n",
                           hidden, hidden == 1 ? "" : "s");
            hidden = 0;
        }
        switch (p->kind) {
        case DS_DIFF_PARA_EQUAL:
            ds__out_puts(o, "<p dir=\"auto\">");
            esc(o, d->text[1] + p->b_off, p->b_len);
            break;
        case DS_DIFF_PARA_CHANGED:
            ds__out_puts(o, hide && (p->flags & DS_DIFF_PARA_COSMETIC) ? "<p dir=\"auto\">"
                                                                       : "<p class=\"pchg\" "
                                                                         "dir=\"auto\">");
            put_ops(o, d, p, SHOW_BOTH, hide, 0);
            break;
        case DS_DIFF_PARA_DELETED:
            ds__out_puts(o, "<p class=\"pdel\" dir=\"auto\">");
            tagged(o, "del", d->text[0] + p->a_off, p->a_len);
            break;
        case DS_DIFF_PARA_INSERTED:
            ds__out_puts(o, "<p class=\"pins\" dir=\"auto\">");
            tagged(o, "ins", d->text[1] + p->b_off, p->b_len);
            break;
        case DS_DIFF_PARA_MOVED_FROM:
            ds__out_printf(o,
                           "<p class=\"mfrom\" id=\"from-%zu\" dir=\"auto\"><span class=\"tag\">"
                           "moved to <a href=\"#to-%zu\">\xC2\xB6%zu</a> \xE2\x86\x93</span>",
                           k, p->peer, d->paras[p->peer].b_para);
            esc(o, d->text[0] + p->a_off, p->a_len);
            break;
        case DS_DIFF_PARA_MOVED_TO:
            ds__out_printf(o,
                           "<p class=\"mto\" id=\"to-%zu\" dir=\"auto\"><span class=\"tag\">"
                           "moved from <a href=\"#from-%zu\">\xC2\xB6%zu</a> \xE2\x86\x91"
                           "</span>",
                           k, p->peer, p->a_para);
            put_ops(o, d, p, SHOW_BOTH, hide, 0);
            break;
        }
        ds__out_puts(o, "</p>\n");
    }
    if (hidden)
        ds__out_printf(o, "<p class=\"elided\">&hellip; %zu unchanged paragraph%s &hellip;</p>\n",
                       hidden, hidden == 1 ? "" : "s");
    ds__out_puts(o, "</div>\n");
}

static void side_by_side(ds__out *o, const ds_diff *d, const char *la, const char *lb, int hide)
{
    size_t k;
    ds__out_puts(o, "<h2>Side by side</h2>\n<table class=\"sbs\"><colgroup><col class=\"g\">"
                    "<col><col class=\"g\"><col></colgroup>\n<thead><tr><th></th><th>Old: ");
    escs(o, la);
    ds__out_puts(o, "</th><th></th><th>New: ");
    escs(o, lb);
    ds__out_puts(o, "</th></tr></thead>\n<tbody>\n");
    for (k = 0; k < d->npara; k++) {
        const ds_diff_para *p = &d->paras[k];
        static const char *const rowcls[] = {"eq", "chg", "del", "ins", "mfrom", "mto"};
        const char *ga = role_label(p->role);
        size_t skip = role_prefix(p->role);
        if ((p->a_line != NONE && p->a_len < skip) || (p->b_line != NONE && p->b_len < skip))
            skip = 0; /* "#" alone */
        if (p->role == DS_DIFF_ROLE_SPACE)
            continue;
        ds__out_printf(o, "<tr class=\"%s\">", rowcls[p->kind]);
        /* old side */
        if (p->a_line != NONE && p->kind != DS_DIFF_PARA_MOVED_TO) {
            if (p->a_para)
                ds__out_printf(o, "<td class=\"gutter\">\xC2\xB6%zu</td>", p->a_para);
            else
                ds__out_printf(o, "<td class=\"gutter\">%s</td>", ga);
            ds__out_puts(o, "<td class=\"old\" dir=\"auto\">");
            if (p->kind == DS_DIFF_PARA_DELETED)
                tagged(o, "del", d->text[0] + p->a_off + skip, p->a_len - skip);
            else if (p->kind == DS_DIFF_PARA_MOVED_FROM) {
                ds__out_printf(o, "<span class=\"tag\">moved to \xC2\xB6%zu \xE2\x86\x93</span>",
                               d->paras[p->peer].b_para);
                esc(o, d->text[0] + p->a_off, p->a_len);
            } else if (p->kind == DS_DIFF_PARA_EQUAL)
                esc(o, d->text[0] + p->a_off + skip, p->a_len - skip);
            else
                put_ops(o, d, p, SHOW_OLD, hide, skip);
            ds__out_puts(o, "</td>");
        } else if (p->kind == DS_DIFF_PARA_MOVED_TO) {
            ds__out_printf(o,
                           "<td class=\"gutter\"></td><td class=\"old empty\"><span "
                           "class=\"tag\">moved from \xC2\xB6%zu \xE2\x86\x91</span></td>",
                           p->a_para);
        } else
            ds__out_puts(o, "<td class=\"gutter\"></td><td class=\"old empty\"></td>");
        /* new side */
        if (p->b_line != NONE) {
            if (p->b_para)
                ds__out_printf(o, "<td class=\"gutter\">\xC2\xB6%zu</td>", p->b_para);
            else
                ds__out_printf(o, "<td class=\"gutter\">%s</td>", ga);
            ds__out_puts(o, "<td class=\"new\" dir=\"auto\">");
            if (p->kind == DS_DIFF_PARA_INSERTED)
                tagged(o, "ins", d->text[1] + p->b_off + skip, p->b_len - skip);
            else if (p->kind == DS_DIFF_PARA_EQUAL)
                esc(o, d->text[1] + p->b_off + skip, p->b_len - skip);
            else
                put_ops(o, d, p, SHOW_NEW, hide, skip);
            ds__out_puts(o, "</td>");
        } else
            ds__out_puts(o, "<td class=\"gutter\"></td><td class=\"new empty\"></td>");
        ds__out_puts(o, "</tr>\n");
    }
    ds__out_puts(o, "</tbody></table>\n");
}

int ds__render_html(const ds_diff *d, const ds_diff_render_options *opt, ds__out *o)
{
    const char *la = opt->a_label ? opt->a_label : d->label[0];
    const char *lb = opt->b_label ? opt->b_label : d->label[1];
    const ds_diff_summary *s = &d->summary;
    const char *title = s->headline.new_text ? s->headline.new_text : s->headline.old_text;
    int hide = (opt->flags & DS_DIFF_RENDER_HIDE_COSMETIC) != 0;

    ds__out_puts(o, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<meta name=\"generator\" content=\"docseal diff\">\n<title>");
    ds__out_puts(o, "docseal diff: ");
    escs(o, title ? title : la);
    ds__out_puts(o, "</title>\n<style>");
    ds__out_puts(o, css);
    ds__out_puts(o, "</style>\n</head>\n<body>\n<main>\n<header>\n"
                    "<div class=\"tool\">docseal diff</div>\n<h1 dir=\"auto\">");
    if (find_role(d, DS_DIFF_ROLE_HEADLINE))
        put_field(o, d, DS_DIFF_ROLE_HEADLINE, 2, hide);
    else
        escs(o, la);
    ds__out_puts(o, "</h1>\n<dl class=\"meta\">\n<dt>Old</dt><dd>");
    escs(o, la);
    ds__out_printf(o, " &middot; %zu bytes, %zu paragraphs</dd>\n<dt>New</dt><dd>", d->len[0],
                   s->paragraphs_a);
    escs(o, lb);
    ds__out_printf(o, " &middot; %zu bytes, %zu paragraphs</dd>\n", d->len[1], s->paragraphs_b);
    if (find_role(d, DS_DIFF_ROLE_BYLINE)) {
        ds__out_puts(o, "<dt>Byline</dt><dd dir=\"auto\">");
        put_field(o, d, DS_DIFF_ROLE_BYLINE, 8, hide);
        ds__out_puts(o, "</dd>\n");
    }
    if (find_role(d, DS_DIFF_ROLE_DATE)) {
        ds__out_puts(o, "<dt>Date</dt><dd dir=\"auto\">");
        put_field(o, d, DS_DIFF_ROLE_DATE, 6, hide);
        ds__out_puts(o, "</dd>\n");
    }
    ds__out_puts(o, "</dl>\n</header>\n");
    summary_box(o, d, hide);
    article(o, d, opt->context, hide);
    side_by_side(o, d, la, lb, hide);
    ds__out_puts(o, "<footer>Generated by docseal diff. Deletions are struck through in red, "
                    "insertions green, moved paragraphs blue.</footer>\n</main>\n</body>\n"
                    "</html>\n");
    return o->err;
}
