/* cmd_seal.c - docseal seal: one signed bundle of the given documents, without a vault. */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { OPT_PASSFILE = CLI_LONG, OPT_TIME, OPT_LEVEL, OPT_THREADS, OPT_ID, OPT_URL, OPT_JSON };

static const cli_option options[] = {
    {"output", 'o', required_argument, "BUNDLE",
     "write the bundle to BUNDLE (default: ./<bundle id>.tar.zst)"},
    {"key", 'k', required_argument, "FILE", "secret key (default: the default key path)"},
    {"passphrase-file", OPT_PASSFILE, required_argument, "FILE",
     "read the key's passphrase from FILE"},
    {"time", OPT_TIME, required_argument, "RFC3339",
     "snapshot time (default: SOURCE_DATE_EPOCH, else now)"},
    {"level", OPT_LEVEL, required_argument, "N", "zstd compression level 1..19 (default 3)"},
    {"threads", OPT_THREADS, required_argument, "N",
     "threads for normalizing and zstd (default: one per CPU; the output is the same)"},
    CLI_NORMALIZE_OPTIONS,
    {"id", OPT_ID, required_argument, "ID", "document id (only with one FILE)"},
    {"url", OPT_URL, required_argument, "URL", "canonical URL (only with one FILE)"},
    {"json", OPT_JSON, no_argument, NULL, "print the result as JSON"},
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_seal;

static int run(cli_ctx *ctx, int argc, char **argv)
{
    ds_bundle_options bopts = DS_BUNDLE_OPTIONS_INIT;
    ds_bundle_doc_options dopts = DS_BUNDLE_DOC_OPTIONS_INIT;
    ds_normalize_options nopts = DS_NORMALIZE_OPTIONS_INIT;
    const char *out_path = NULL, *key_path = NULL, *passfile = NULL;
    ds_secret_key *key = NULL;
    ds_bundle_writer *w = NULL;
    char id[DS_SHA256_HEX_SIZE], *path = NULL;
    const ds_document **docs = NULL;
    int json = 0, rc = CLI_EXIT_OK, err, c, i, nfiles, bad = 0;
    cli_getopt g;

    cli_getopt_init(&g, ctx, &cmd_seal, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        switch (c) {
        case 'o':
            out_path = g.arg;
            break;
        case 'k':
            key_path = g.arg;
            break;
        case OPT_PASSFILE:
            passfile = g.arg;
            break;
        case OPT_TIME:
            if (!bad &&
                (ds_vault_time_parse(&bopts.snapshot_time, g.arg) < 0 || bopts.snapshot_time < 0))
                bad =
                    cli_usage_error(ctx, "--time: '%s' is not an RFC 3339 time after 1970", g.arg);
            break;
        case OPT_LEVEL:
            if (!bad && cli_parse_int(g.arg, 1, 19, &bopts.compression_level) < 0)
                bad = cli_usage_error(ctx, "--level: '%s' is not a number from 1 to 19", g.arg);
            break;
        case OPT_THREADS:
            if (!bad && cli_parse_int(g.arg, 1, 200, &bopts.threads) < 0)
                bad = cli_usage_error(ctx, "--threads: '%s' is not a number from 1 to 200", g.arg);
            break;
        case OPT_ID:
            dopts.id = g.arg;
            break;
        case OPT_URL:
            dopts.canonical_url = g.arg;
            break;
        case OPT_JSON:
            json = 1;
            break;
        default: {
            int r = cli_normalize_option(ctx, c, g.arg, &nopts);
            if (r == CLI_EXIT_ERROR && !bad)
                bad = r;
            break;
        }
        }
    }
    if (g.status >= 0)
        return g.status;
    if (bad)
        return bad;
    if (out_path && !*out_path)
        return cli_usage_error(ctx, "-o: the output path is empty");
    if ((dopts.id && !*dopts.id) || (dopts.canonical_url && !*dopts.canonical_url))
        return cli_usage_error(ctx, "%s: empty", dopts.id && !*dopts.id ? "--id" : "--url");
    nfiles = argc - g.optind;
    if (nfiles < 1)
        return cli_usage_error(ctx, "no input files (give FILE... or - for standard input)");
    if (nfiles > 1 && (dopts.id || dopts.canonical_url))
        return cli_usage_error(ctx, "--id and --url apply to a single FILE");
    if (cli_stdin_once(ctx, argc, argv, g.optind) != 0)
        return CLI_EXIT_ERROR;
    dopts.normalize = &nopts;

    if ((rc = cli_load_secret_key(key_path, passfile, &key)) != 0)
        return rc;
    if (!(docs = calloc((size_t)nfiles, sizeof *docs))) {
        rc = cli_error("out of memory");
        goto done;
    }
    if ((err = ds_bundle_writer_new(&w, key, &bopts)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    if ((err = ds_bundle_writer_add_files(w, (const char *const *)argv + g.optind, (size_t)nfiles,
                                          &dopts, docs, NULL)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    for (i = 0; i < nfiles; i++)
        cli_info(ctx, 1, "%s  %.12s  %s\n", docs[i]->id, docs[i]->content_sha256,
                 strcmp(argv[g.optind + i], "-") == 0 ? "<stdin>" : argv[g.optind + i]);
    if ((err = ds_bundle_writer_finish(w, out_path, id, &path)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    if (json) {
        json_t *o = json_object(), *arr = json_array();
        char *s;
        json_object_set_new(o, "bundle", json_string(id));
        json_object_set_new(o, "path", json_string(path));
        for (i = 0; i < nfiles; i++) {
            json_t *d = json_object();
            json_object_set_new(d, "id", json_string(docs[i]->id));
            json_object_set_new(d, "content_sha256", json_string(docs[i]->content_sha256));
            json_object_set_new(d, "original_sha256", json_string(docs[i]->original_sha256));
            json_object_set_new(d, "format", json_string(ds_format_name(docs[i]->format)));
            json_array_append_new(arr, d);
        }
        json_object_set_new(o, "documents", arr);
        s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s)
            puts(s);
        free(s);
        json_decref(o);
    } else {
        printf("%s  %s\n", id, path);
    }
    if (cli_flush(stdout, CLI_STDOUT) != 0)
        rc = CLI_EXIT_ERROR;
done:
    free(path);
    free(docs);
    ds_bundle_writer_free(w);
    ds_secret_key_free(key);
    return rc;
}

const cli_command cmd_seal = {
    "seal", "[OPTIONS] FILE...|-",
    "seal documents into one signed bundle (no vault); prints '<bundle id>  <path>'", options, run};
