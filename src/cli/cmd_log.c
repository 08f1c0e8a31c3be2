/* cmd_log.c - docseal log: the documents of a vault, or the revisions of one. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_JSON = CLI_LONG, OPT_HEAD, OPT_NO_SUMMARY, OPT_ALL };

static const cli_option options[] = {
    {"json", OPT_JSON, no_argument, NULL, "print JSON"},
    {"head", OPT_HEAD, no_argument, NULL,
     "print the record hash of the last snapshot (for verify --expect-head)"},
    {"all", OPT_ALL, no_argument, NULL, "with ID: one line per snapshot, unchanged ones too"},
    {"no-summary", OPT_NO_SUMMARY, no_argument, NULL, "with ID: leave out the change summaries"},
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_log;

static int dump_json(json_t *j)
{
    char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
    json_decref(j);
    if (!s)
        return cli_error("out of memory");
    puts(s);
    free(s);
    return CLI_EXIT_OK;
}

static int log_documents(cli_ctx *ctx, ds_vault *v, int json)
{
    ds_vault_doc_info *docs = NULL;
    size_t n = 0, i;
    int err = ds_vault_documents(&docs, &n, v);
    json_t *arr = NULL;

    if (err < 0)
        return cli_lib_error(err);
    if (json && !(arr = json_array()))
        goto oom;
    for (i = 0; i < n; i++) {
        char f[32], l[32], ch[32];
        ds_vault_time_format(f, docs[i].first_seen);
        ds_vault_time_format(l, docs[i].last_seen);
        ds_vault_time_format(ch, docs[i].last_change);
        if (json) {
            json_t *o =
                json_pack("{s:s, s:I, s:I, s:s, s:s, s:s}", "id", docs[i].id, "revisions",
                          (json_int_t)docs[i].revisions, "snapshots", (json_int_t)docs[i].sightings,
                          "first_seen", f, "last_seen", l, "last_change", ch);
            if (!o || json_array_append_new(arr, o))
                goto oom;
            continue;
        }
        printf("%s%s%s  rev %u  first seen %s  last seen %s  %llu snapshot%s\n",
               cli_color(ctx->color_out, "1"), docs[i].id, cli_reset(ctx->color_out),
               docs[i].revisions, f, l, (unsigned long long)docs[i].sightings,
               docs[i].sightings == 1 ? "" : "s");
    }
    if (!json && n == 0)
        cli_info(ctx, 0, "the vault holds no documents yet\n");
    ds_vault_doc_info_free(docs, n);
    return json ? dump_json(arr) : CLI_EXIT_OK;
oom:
    json_decref(arr);
    ds_vault_doc_info_free(docs, n);
    return cli_error("out of memory");
}

static int log_document(cli_ctx *ctx, ds_vault *v, const char *id, int json, int summaries, int all)
{
    ds_vault_entry *e = NULL;
    size_t n = 0, i, j;
    const ds_vault_entry *prev_rev = NULL;
    json_t *arr = NULL;
    int err = ds_vault_history(&e, &n, v, id), rc = CLI_EXIT_OK;

    if (err < 0)
        return cli_lib_error(err);
    if (json && !(arr = json_array()))
        goto oom;
    for (i = 0; i < n; i++) {
        char t[32], summary[DS_VAULT_SUMMARY_SIZE];
        size_t seen = 0;
        summary[0] = '\0';
        if (e[i].status == DS_DOC_UNCHANGED) {
            if (json) {
                char tb[32];
                json_t *o;
                ds_vault_time_format(tb, e[i].time);
                o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "revision",
                              (json_int_t)e[i].revision, "seq", (json_int_t)e[i].seq, "time", tb,
                              "status", "unchanged", "content_sha256", e[i].content_sha256,
                              "original_sha256", e[i].original_sha256, "bundle", e[i].bundle);
                if (!o || json_array_append_new(arr, o))
                    goto oom;
            } else if (all) {
                ds_vault_time_format(t, e[i].time);
                printf("rev %u  %s  %.12s  bundle %.12s  %sunchanged%s\n", e[i].revision, t,
                       e[i].content_sha256, e[i].bundle, cli_color(ctx->color_out, "2"),
                       cli_reset(ctx->color_out));
            }
            continue;
        }
        /* a revision: its summary against the previous one */
        if (e[i].status == DS_DOC_NEW || !prev_rev) {
            snprintf(summary, sizeof summary, "first revision");
        } else if (summaries) {
            if ((err = ds_vault_change_summary(summary, v, id, prev_rev, &e[i])) < 0) {
                cli_warn("%s", ds_error_last());
                snprintf(summary, sizeof summary, "changed (no summary: %s)",
                         err == DS_EINTEGRITY ? "a stored text does not match its digest; "
                                                "run 'docseal verify'"
                                              : "a stored text could not be read");
                rc = CLI_EXIT_ERROR;
            }
        } else {
            snprintf(summary, sizeof summary, "changed");
        }
        for (j = i + 1; j < n && e[j].status == DS_DOC_UNCHANGED; j++)
            seen++;
        ds_vault_time_format(t, e[i].time);
        if (json) {
            json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "revision",
                                  (json_int_t)e[i].revision, "seq", (json_int_t)e[i].seq, "time", t,
                                  "status", ds_manifest_status_name(e[i].status), "content_sha256",
                                  e[i].content_sha256, "original_sha256", e[i].original_sha256,
                                  "bundle", e[i].bundle, "summary", summary);
            if (!o || json_array_append_new(arr, o))
                goto oom;
        } else {
            printf("%srev %u%s  %s  %.12s  bundle %.12s  %s", cli_color(ctx->color_out, "1"),
                   e[i].revision, cli_reset(ctx->color_out), t, e[i].content_sha256, e[i].bundle,
                   summary);
            if (seen && !all) {
                char l[32];
                ds_vault_time_format(l, e[i + seen].time);
                printf("  (seen unchanged %zu more time%s, last %s)", seen, seen == 1 ? "" : "s",
                       l);
            }
            putchar('\n');
        }
        prev_rev = &e[i];
    }
    free(e);
    if (json) {
        int r2 = dump_json(arr);
        return rc ? rc : r2;
    }
    return rc;
oom:
    json_decref(arr);
    free(e);
    return cli_error("out of memory");
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt g;
    ds_vault *v = NULL;
    int c, err, rc, json = 0, head = 0, summaries = 1, all = 0;

    cli_getopt_init(&g, ctx, &cmd_log, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        switch (c) {
        case OPT_JSON:
            json = 1;
            break;
        case OPT_HEAD:
            head = 1;
            break;
        case OPT_NO_SUMMARY:
            summaries = 0;
            break;
        case OPT_ALL:
            all = 1;
            break;
        }
    }
    if (g.status >= 0)
        return g.status;
    if (argc - g.optind > 1)
        return cli_usage_error(ctx, "too many arguments (one document id at most)");
    if (head && argc - g.optind > 0)
        return cli_usage_error(ctx, "--head takes no document id");
    if ((err = ds_vault_open_ext(&v, ctx->vault_dir)) < 0)
        return cli_lib_error(err);
    if (head) {
        char hash[DS_SHA256_HEX_SIZE];
        uint64_t seq = 0;
        err = ds_vault_head(hash, &seq, v);
        if (err == DS_EINTEGRITY) {
            /* torn tail: the head is still the last complete record */
            cli_warn("%s", ds_error_last());
            err = seq ? 0 : DS_ENOTFOUND;
        }
        if (err < 0) {
            rc = cli_lib_error(err);
        } else {
            if (json)
                rc = dump_json(json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "head", hash));
            else
                printf("%s\n", hash), rc = CLI_EXIT_OK;
        }
    } else if (g.optind < argc) {
        rc = log_document(ctx, v, argv[g.optind], json, summaries, all);
    } else {
        rc = log_documents(ctx, v, json);
    }
    ds_vault_free(v);
    return rc;
}

const cli_command cmd_log = {"log", "[OPTIONS] [ID]",
                             "list the vault's documents, or the revisions of document ID", options,
                             run};
