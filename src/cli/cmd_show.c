/* cmd_show.c - docseal show: the text (or original) of a revision. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_REV = CLI_LONG, OPT_ORIGINAL, OPT_JSON };

static const cli_option options[] = {
    {"rev", OPT_REV, required_argument, "REV",
     "the revision: N, latest, ~N, a date YYYY-MM-DD or an RFC 3339 time"},
    {"original", OPT_ORIGINAL, no_argument, NULL, "print the original bytes, not the text"},
    {"json", OPT_JSON, no_argument, NULL, "print the revision and its text as JSON"},
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_show;

static int run(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt g;
    ds_vault *v = NULL;
    ds_vault_rev rev;
    ds_vault_entry e;
    const char *rev_opt = NULL;
    char *id = NULL, *data = NULL;
    size_t len = 0;
    int c, err, rc = CLI_EXIT_OK, original = 0, json = 0;

    cli_getopt_init(&g, ctx, &cmd_show, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        switch (c) {
        case OPT_REV:
            rev_opt = g.arg;
            break;
        case OPT_ORIGINAL:
            original = 1;
            break;
        case OPT_JSON:
            json = 1;
            break;
        }
    }
    if (g.status >= 0)
        return g.status;
    if (argc - g.optind != 1)
        return cli_usage_error(ctx, "give one document: ID or ID@REV");
    if (rev_opt) {
        /* --rev: the operand is the id exactly as written */
        if (ds_vault_rev_parse(&rev, rev_opt) < 0)
            return cli_usage_error(ctx, "--rev: %s", ds_error_last());
        id = strdup(argv[g.optind]);
        if (!id)
            return cli_error("out of memory");
    } else if ((err = ds_vault_spec_split(&id, &rev, argv[g.optind])) < 0) {
        return cli_lib_error(err);
    }
    if ((err = ds_vault_open_ext(&v, ctx->vault_dir)) < 0 ||
        (err = ds_vault_resolve(&e, v, id, &rev)) < 0 ||
        (err = ds_vault_read(&data, &len, v, id, &e, original)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    if (json) {
        char t[32], *s;
        json_t *o, *text;
        ds_vault_time_format(t, e.time);
        text = json_stringn(data, len);
        if (!text) {
            rc = cli_error("%s@%u: the %s is not UTF-8 text; use --original without --json", id,
                           e.revision, original ? "original" : "text");
            goto done;
        }
        o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:o}", "id", id, "revision",
                      (json_int_t)e.revision, "seq", (json_int_t)e.seq, "time", t, "status",
                      ds_manifest_status_name(e.status), "content_sha256", e.content_sha256,
                      "original_sha256", e.original_sha256, "bundle", e.bundle,
                      original ? "original" : "text", text);
        if (!o || !(s = json_dumps(o, JSON_INDENT(2)))) {
            json_decref(o);
            rc = cli_error("out of memory");
            goto done;
        }
        puts(s);
        free(s);
        json_decref(o);
    } else if (len && fwrite(data, 1, len, stdout) != len) {
        rc = cli_write_error(CLI_STDOUT, errno);
    }
    if (rc == 0 && cli_flush(stdout, CLI_STDOUT) != 0)
        rc = CLI_EXIT_ERROR;
done:
    free(data);
    free(id);
    ds_vault_free(v);
    return rc;
}

const cli_command cmd_show = {"show", "[OPTIONS] ID[@REV]",
                              "print the normalized text (or original) of a revision", options,
                              run};
