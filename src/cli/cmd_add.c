/* cmd_add.c - docseal add: one snapshot of one or more documents into the vault. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_ID = CLI_LONG,
    OPT_URL,
    OPT_TIME,
    OPT_PASSFILE,
    OPT_JSON,
    OPT_THREADS,
    OPT_ALLOW_FUTURE
};

static const cli_option options[] = {
    {"id", OPT_ID, required_argument, "ID", "document id (one input only)"},
    {"url", OPT_URL, required_argument, "URL", "canonical URL, used as the id (one input only)"},
    CLI_NORMALIZE_OPTIONS,
    {"time", OPT_TIME, required_argument, "TIME",
     "snapshot time, RFC 3339 (default: $SOURCE_DATE_EPOCH, else now)"},
    {"message", 'm', required_argument, "TEXT", "a note kept in the manifest record"},
    {"key", 'k', required_argument, "FILE", "signing key (default: the vault's)"},
    {"passphrase-file", OPT_PASSFILE, required_argument, "FILE",
     "read the key's passphrase from FILE"},
    {"threads", OPT_THREADS, required_argument, "N",
     "threads for normalizing and zstd (default: one per CPU; the output is the same)"},
    {"allow-future", OPT_ALLOW_FUTURE, no_argument, NULL,
     "accept a --time more than 24 hours ahead of the clock"},
    {"json", OPT_JSON, no_argument, NULL, "print the snapshot as JSON"},
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_add;

typedef struct progress {
    const cli_ctx *ctx;
    int shown;
} progress;

static void on_progress(void *p, uint64_t done, uint64_t total)
{
    progress *pr = p;
    int width = 30, fill = total ? (int)(done * (uint64_t)width / total) : width;
    fprintf(stderr, "\radding [%.*s%*s] %llu/%llu", fill,
            "==============================", width - fill, "", (unsigned long long)done,
            (unsigned long long)total);
    fflush(stderr);
    pr->shown = 1;
}

static int print_json(const ds_vault_add_result *r)
{
    json_t *o = NULL, *docs = NULL;
    char tb[32], *s = NULL;
    size_t i;
    ds_vault_time_format(tb, r->time);
    o = json_pack("{s:I, s:s, s:s, s:s, s:s}", "seq", (json_int_t)r->seq, "time", tb, "head",
                  r->record_hash, "bundle", r->bundle, "bundle_sha256", r->bundle_sha256);
    docs = json_array();
    if (!o || !docs)
        goto oom;
    for (i = 0; i < r->doc_count; i++) {
        const ds_vault_added_doc *d = &r->docs[i];
        json_t *e =
            json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "id", d->id, "path",
                      strcmp(d->path, "-") == 0 ? "-" : d->path, "revision",
                      (json_int_t)d->revision, "status", ds_manifest_status_name(d->status),
                      "content_sha256", d->content_sha256, "original_sha256", d->original_sha256);
        if (!e || json_array_append_new(docs, e))
            goto oom;
    }
    if (json_object_set_new(o, "documents", docs)) {
        docs = NULL;
        goto oom;
    }
    docs = NULL;
    if (!(s = json_dumps(o, JSON_INDENT(2))))
        goto oom;
    puts(s);
    free(s);
    json_decref(o);
    return CLI_EXIT_OK;
oom:
    json_decref(o);
    json_decref(docs);
    return cli_error("out of memory");
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt g;
    ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
    ds_normalize_options no = DS_NORMALIZE_OPTIONS_INIT;
    ds_vault_add_result *res = NULL;
    ds_vault *v = NULL;
    ds_secret_key *key = NULL;
    const char *key_path = NULL, *passfile = NULL;
    progress pr = {ctx, 0};
    int c, err, rc = CLI_EXIT_OK, json = 0, count;
    size_t i;

    cli_getopt_init(&g, ctx, &cmd_add, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        switch (c) {
        case OPT_ID:
            ao.id = g.arg;
            break;
        case OPT_URL:
            ao.canonical_url = g.arg;
            break;
        case OPT_TIME:
            if (ds_vault_time_parse(&ao.time, g.arg) < 0)
                return cli_usage_error(ctx, "--time: %s", ds_error_last());
            break;
        case 'm':
            ao.message = g.arg;
            break;
        case 'k':
            key_path = g.arg;
            break;
        case OPT_PASSFILE:
            passfile = g.arg;
            break;
        case OPT_THREADS:
            if (cli_parse_int(g.arg, 1, 200, &ao.threads) < 0)
                return cli_usage_error(ctx, "--threads: '%s' is not a number from 1 to 200", g.arg);
            break;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_ALLOW_FUTURE:
            ao.allow_future = 1;
            break;
        default:
            if (cli_normalize_option(ctx, c, g.arg, &no) == CLI_EXIT_ERROR)
                return CLI_EXIT_ERROR;
            break;
        }
    }
    if (g.status >= 0)
        return g.status;
    if ((ao.id && !*ao.id) || (ao.canonical_url && !*ao.canonical_url))
        return cli_usage_error(ctx, "%s: empty", ao.id && !*ao.id ? "--id" : "--url");
    count = argc - g.optind;
    if (count < 1)
        return cli_usage_error(ctx, "no input files");
    if ((ao.id || ao.canonical_url) && count > 1)
        return cli_usage_error(ctx, "--id and --url name one document: give one input");
    ao.normalize = &no;

    if ((err = ds_vault_open_ext(&v, ctx->vault_dir)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    if (!key_path)
        key_path = ds_vault_key_path(v);
    if ((rc = cli_load_secret_key(key_path, passfile, &key)) != 0)
        goto done;
    if (ctx->progress && count >= 10) {
        ao.progress = on_progress;
        ao.progress_ctx = &pr;
    }
    err = ds_vault_add(&res, v, key, (const char *const *)argv + g.optind, (size_t)count, &ao);
    if (pr.shown)
        fprintf(stderr, "\r\033[K");
    if (err < 0) {
        cli_lib_error(err);
        rc = CLI_EXIT_ERROR; /* nothing was added: an error, even for a torn manifest */
        goto done;
    }
    if (json) {
        rc = print_json(res);
        goto done;
    }
    for (i = 0; i < res->doc_count; i++) {
        const ds_vault_added_doc *d = &res->docs[i];
        const char *col = d->status == DS_DOC_NEW ? "32" : d->status == DS_DOC_CHANGED ? "33" : "2";
        printf("%s  rev %u  %s%s%s  %.12s\n", d->id, d->revision, cli_color(ctx->color_out, col),
               ds_manifest_status_name(d->status), cli_reset(ctx->color_out), d->content_sha256);
    }
    fflush(stdout); /* results first, then the note on stderr */
    {
        char tb[32];
        ds_vault_time_format(tb, res->time);
        cli_info(ctx, 0, "snapshot %llu at %s: bundle %.12s, head %s\n",
                 (unsigned long long)res->seq, tb, res->bundle, res->record_hash);
        if (!res->index_updated)
            cli_warn("the index could not be updated; it will be rebuilt");
    }
done:
    ds_vault_add_result_free(res);
    ds_secret_key_free(key);
    ds_vault_free(v);
    return rc;
}

const cli_command cmd_add = {"add", "[OPTIONS] FILE...|-",
                             "archive one snapshot of documents in the vault", options, run};
