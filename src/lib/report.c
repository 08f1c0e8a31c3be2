/* report.c - structured verification reports. */
#include "docseal/report.h"
#include "util.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

int ds_report_new(ds_report **out)
{
    *out = ds__calloc(1, sizeof **out);
    return *out ? 0 : DS_ENOMEM;
}

int ds_report_add(ds_report *r, const char *name, ds_check_result result, const char *subject,
                  const char *detail, ...)
{
    ds_check *c;
    ds__buf d = DS__BUF_INIT;

    if ((r->count & (r->count - 1)) == 0) { /* 0, 1, 2, 4, 8...: grow geometrically */
        ds_check *grown = ds__realloc(r->checks, (r->count ? 2 * r->count : 1) * sizeof *grown);
        if (!grown)
            return DS_ENOMEM;
        r->checks = grown;
    }
    c = &r->checks[r->count];
    c->name = ds__strdup(name);
    c->result = result;
    c->subject = ds__strdup(subject);
    c->detail = NULL;
    if (detail) {
        va_list ap;
        int n;
        va_start(ap, detail);
        n = vsnprintf(NULL, 0, detail, ap);
        va_end(ap);
        if (n >= 0 && ds__buf_grow(&d, (size_t)n) == 0) {
            va_start(ap, detail);
            vsnprintf(d.ptr, (size_t)n + 1, detail, ap);
            va_end(ap);
            c->detail = d.ptr;
        }
    }
    if (!c->name || (subject && !c->subject) || (detail && !c->detail)) {
        free(c->name);
        free(c->subject);
        free(c->detail);
        return ds__error_oom();
    }
    r->count++;
    if (result == DS_CHECK_FAIL)
        r->failures++;
    return 0;
}

int ds_report_ok(const ds_report *r)
{
    return r->failures == 0;
}

const char *ds_check_result_name(ds_check_result r)
{
    return r == DS_CHECK_PASS ? "pass" : r == DS_CHECK_FAIL ? "fail" : "skip";
}

/* A JSON string of s; bytes that are not UTF-8 (a hostile archive's entry
 * name, say) become U+FFFD, so that the report can always be written. */
static json_t *ds__json_str_or_null(const char *s)
{
    json_t *j;
    ds__buf b = DS__BUF_INIT;
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left;
    if (!s)
        return json_null();
    if ((j = json_string(s)) != NULL)
        return j;
    for (left = (utf8proc_ssize_t)strlen(s); left > 0;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(p, left, &cp);
        if (k < 0) {
            if (ds__buf_put(&b, "\xef\xbf\xbd", 3) < 0)
                break;
            k = 1;
        } else if (ds__buf_put(&b, p, (size_t)k) < 0) {
            break;
        }
        p += k;
        left -= k;
    }
    j = ds__buf_put(&b, "", 1) < 0 ? NULL : json_string(b.ptr);
    ds__buf_free(&b);
    return j;
}

int ds_report_to_json(char **out, const ds_report *r)
{
    json_t *root = NULL, *arr = NULL;
    size_t i;
    int err = 0;

    *out = NULL;
    root = json_object();
    arr = json_array();
    if (!root || !arr)
        goto oom;
    for (i = 0; i < r->count; i++) {
        const ds_check *c = &r->checks[i];
        json_t *o = json_pack(
            "{s:s, s:s, s:o, s:o}", "name", c->name, "result", ds_check_result_name(c->result),
            "subject", ds__json_str_or_null(c->subject), "detail", ds__json_str_or_null(c->detail));
        if (!o || json_array_append_new(arr, o) < 0)
            goto oom;
    }
    if (json_object_set_new(root, "ok", json_boolean(r->failures == 0)) < 0 ||
        json_object_set_new(root, "failures", json_integer((json_int_t)r->failures)) < 0 ||
        json_object_set(root, "checks", arr) < 0)
        goto oom;
    *out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!*out)
        goto oom;
    goto done;
oom:
    err = ds__error_oom();
done:
    json_decref(arr);
    json_decref(root);
    return err;
}

void ds_report_free(ds_report *r)
{
    size_t i;
    if (!r)
        return;
    for (i = 0; i < r->count; i++) {
        free(r->checks[i].name);
        free(r->checks[i].subject);
        free(r->checks[i].detail);
    }
    free(r->checks);
    free(r);
}
