/* cmd_normalize.c - docseal normalize: print a document's normalized text
 * (norm-1) or, with --json, its metadata, digests and text. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_JSON = CLI_LONG };

static const cli_option options[] = {
    CLI_NORMALIZE_OPTIONS,
    {"json", OPT_JSON, no_argument, NULL, "print metadata, digests and the text as JSON"},
    {NULL, 0, 0, NULL, NULL},
};

typedef struct out_sink {
    FILE *f;
    int err; /* errno of a failed write, or 0 */
} out_sink;

static int out_write(void *ctx, const void *buf, size_t len)
{
    out_sink *s = ctx;
    if (len && fwrite(buf, 1, len, s->f) != len) {
        s->err = errno ? errno : EIO;
        return DS_EIO;
    }
    return 0;
}

static json_t *jstr(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static int print_json(const ds_document *d)
{
    json_t *o = json_object();
    char *s;
    int rc = CLI_EXIT_OK;

    if (!o)
        return cli_error("out of memory");
    json_object_set_new(o, "id", jstr(d->id));
    json_object_set_new(o, "canonical_url", jstr(d->canonical_url));
    json_object_set_new(o, "title", jstr(d->title));
    json_object_set_new(o, "byline", jstr(d->byline));
    json_object_set_new(o, "published_raw", jstr(d->published_raw));
    json_object_set_new(o, "published", jstr(d->published));
    json_object_set_new(o, "modified", jstr(d->modified));
    json_object_set_new(o, "language", jstr(d->language));
    json_object_set_new(o, "site_name", jstr(d->site_name));
    json_object_set_new(o, "format", json_string(ds_format_name(d->format)));
    json_object_set_new(o, "normalizer", json_string(DS_NORMALIZER_VERSION));
    json_object_set_new(o, "content_sha256", json_string(d->content_sha256));
    json_object_set_new(o, "original_sha256", json_string(d->original_sha256));
    json_object_set_new(o, "content_size", json_integer((json_int_t)d->content_size));
    json_object_set_new(o, "original_size", json_integer((json_int_t)d->original_size));
    json_object_set_new(o, "paragraphs", json_integer((json_int_t)d->paragraph_count));
    json_object_set_new(o, "boilerplate_removed", json_integer((json_int_t)d->boilerplate_removed));
    json_object_set_new(o, "text", jstr(d->text));
    s = json_dumps(o, JSON_INDENT(2));
    json_decref(o);
    if (!s)
        return cli_error("out of memory");
    if (puts(s) == EOF)
        rc = cli_write_error(CLI_STDOUT, errno);
    free(s);
    return rc;
}

extern const cli_command cmd_normalize;
static int run(cli_ctx *ctx, int argc, char **argv)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_document *doc = NULL;
    out_sink os = {stdout, 0};
    ds_sink sink = {out_write, &os};
    cli_getopt g;
    int c, json = 0, err, rc = CLI_EXIT_OK;

    cli_getopt_init(&g, ctx, &cmd_normalize, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        int r = cli_normalize_option(ctx, c, g.arg, &o);
        if (r == 2) {
            while (cli_getopt_next(&g) != -1)
                ;
            return CLI_EXIT_ERROR;
        }
        if (r == 0 && c == OPT_JSON)
            json = 1;
    }
    if (g.status >= 0)
        return g.status;
    if (argc - g.optind != 1)
        return cli_usage_error(ctx, "expected one FILE (or - for standard input)");

    err = ds_normalize_file(&doc, argv[g.optind], json ? NULL : &sink, NULL, &o);
    if (os.err || (err == 0 && !json && fflush(stdout) != 0)) {
        rc = cli_write_error(CLI_STDOUT, os.err ? os.err : errno);
    } else if (err < 0) {
        fflush(stdout);
        rc = cli_lib_error(err);
    } else if (json) {
        rc = print_json(doc);
    }
    ds_document_free(doc);
    return rc;
}

const cli_command cmd_normalize = {
    "normalize", "[OPTIONS] FILE|-",
    "print a document's normalized text (norm-1), or its metadata and digests as JSON", options,
    run};
