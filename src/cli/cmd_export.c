/* cmd_export.c - docseal export: a standalone copy of a vault's bundle, with
 * every patch entry replaced by its full entry. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const cli_option options[] = {
    {"output", 'o', required_argument, "FILE",
     "write the bundle to FILE, or '-' for standard output (default: ./<bundle id>.tar.zst)"},
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_export;

/* 1 when s is 64 lowercase hex digits. */
static int is_bundle_id(const char *s)
{
    size_t i;
    for (i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[64] == '\0';
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt g;
    ds_vault *v = NULL;
    const char *out = NULL, *arg;
    char bundle[DS_SHA256_HEX_SIZE], *path = NULL, *id = NULL;
    int c, err, rc = CLI_EXIT_OK;

    cli_getopt_init(&g, ctx, &cmd_export, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        if (c == 'o')
            out = g.arg;
    }
    if (g.status >= 0)
        return g.status;
    if (argc - g.optind != 1)
        return cli_usage_error(ctx, "give one bundle: BUNDLE-ID or ID@REV");
    arg = argv[g.optind];
    if (out && strcmp(out, "-") == 0 && isatty(STDOUT_FILENO))
        return cli_usage_error(ctx, "will not write a bundle to a terminal (use -o FILE, or "
                                    "redirect standard output)");
    if ((err = ds_vault_open_ext(&v, ctx->vault_dir)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    if (is_bundle_id(arg)) {
        memcpy(bundle, arg, DS_SHA256_HEX_SIZE);
    } else if (strlen(arg) >= 8 && strlen(arg) < 64 &&
               strspn(arg, "0123456789abcdef") == strlen(arg)) {
        rc = cli_error("export: %s: a bundle id has 64 hex digits ('docseal log --json' prints "
                       "them; 'docseal log' shows the first 12)",
                       arg);
        goto done;
    } else {
        /* a document's revision: the bundle of the record that stored it */
        ds_vault_rev rev;
        ds_vault_entry e;
        if ((err = ds_vault_spec_split(&id, &rev, arg)) < 0 ||
            (err = ds_vault_resolve(&e, v, id, &rev)) < 0) {
            rc = cli_lib_error(err);
            goto done;
        }
        memcpy(bundle, e.bundle, DS_SHA256_HEX_SIZE);
    }
    if (!out) {
        if (!(path = malloc(64 + sizeof ".tar.zst"))) {
            rc = cli_error("out of memory");
            goto done;
        }
        snprintf(path, 64 + sizeof ".tar.zst", "%s.tar.zst", bundle);
        out = path;
    }
    if ((err = ds_vault_export(v, bundle, out)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    if (strcmp(out, "-") != 0) {
        printf("%s  %s\n", bundle, out);
        if (cli_flush(stdout, CLI_STDOUT) != 0)
            rc = CLI_EXIT_ERROR;
    }
done:
    free(path);
    free(id);
    ds_vault_free(v);
    return rc;
}

const cli_command cmd_export = {
    "export", "[OPTIONS] BUNDLE-ID|ID@REV",
    "write a standalone copy of a vault's bundle (patch entries expanded); prints '<bundle id>  "
    "<path>'",
    options, run};
