/* cmd_verify.c - docseal verify: a bundle, or (without one) the whole vault. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { OPT_PUBKEY = CLI_LONG, OPT_JSON, OPT_DEEP, OPT_EXPECT_HEAD };

static const cli_option options[] = {
    {"pubkey", OPT_PUBKEY, required_argument, "FILE",
     "trust this minisign public key (repeatable; default: the vault's trusted keys, else "
     "the default key's .pub)"},
    {"json", OPT_JSON, no_argument, NULL, "print the report as JSON"},
    {"deep", OPT_DEEP, no_argument, NULL,
     "also re-normalize every original and compare with its content hash"},
    {"expect-head", OPT_EXPECT_HEAD, required_argument, "HASH",
     "vault only: the manifest must still contain this record hash"},
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_verify;

static void free_keys(ds_public_key **keys, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        ds_public_key_free(keys[i]);
    free(keys);
}

/* Keys for a bundle: --pubkey files, else the vault's trusted keys, else the
 * default key's .pub. Returns 0 or an exit status after printing the error. */
static int load_keys(cli_ctx *ctx, const char **files, size_t nfiles, ds_public_key ***out,
                     size_t *count)
{
    ds_public_key **keys = NULL;
    char *def = NULL, *pub = NULL;
    size_t i;
    int err, rc = 0;

    *out = NULL;
    *count = 0;
    if (nfiles > 0) {
        if (!(keys = calloc(nfiles, sizeof *keys)))
            return cli_error("out of memory");
        for (i = 0; i < nfiles; i++) {
            if ((err = ds_public_key_load(&keys[i], files[i])) < 0) {
                rc = cli_lib_error(err);
                free_keys(keys, nfiles);
                return rc == CLI_EXIT_NEGATIVE ? CLI_EXIT_ERROR : rc;
            }
        }
        *out = keys;
        *count = nfiles;
        return 0;
    }
    if ((rc = cli_vault_trusted_keys(ctx, out, count)) != 0)
        return rc;
    if (*count > 0)
        return 0;
    free(*out);
    *out = NULL;
    if ((err = ds_default_key_path(&def)) < 0)
        return cli_error("no public key: give --pubkey FILE");
    if (!(pub = malloc(strlen(def) + 5))) {
        free(def);
        return cli_error("out of memory");
    }
    strcpy(pub, def);
    strcat(pub, ".pub");
    if (!(keys = calloc(1, sizeof *keys))) {
        rc = cli_error("out of memory");
    } else if ((err = ds_public_key_load(&keys[0], pub)) < 0) {
        if (err == DS_ENOTFOUND)
            rc =
                cli_error("no public key: give --pubkey FILE (the default %s does not exist)", pub);
        else
            rc = cli_lib_error(err), rc = CLI_EXIT_ERROR;
        free(keys);
        keys = NULL;
    } else {
        *out = keys;
        *count = 1;
    }
    free(def);
    free(pub);
    return rc;
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
    ds_bundle_verify_options vopts = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    cli_verify_args vargs;
    const char **pubfiles = NULL;
    ds_public_key **keys = NULL;
    ds_report *report = NULL;
    size_t npub = 0, nkeys = 0;
    const char *bundle;
    struct stat st;
    int c, err, rc;
    cli_getopt g;

    memset(&vargs, 0, sizeof vargs);
    if (!(pubfiles = calloc((size_t)argc + 1, sizeof *pubfiles)))
        return cli_error("out of memory");
    cli_getopt_init(&g, &cmd_verify, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        switch (c) {
        case OPT_PUBKEY:
            pubfiles[npub++] = g.arg;
            break;
        case OPT_JSON:
            vargs.json = 1;
            break;
        case OPT_DEEP:
            vargs.deep = 1;
            break;
        case OPT_EXPECT_HEAD:
            vargs.expect_head = g.arg;
            break;
        default:
            break;
        }
    }
    if (g.status >= 0) {
        free(pubfiles);
        return g.status;
    }
    if (argc - g.optind > 1) {
        free(pubfiles);
        return cli_usage_error(ctx, "give at most one BUNDLE");
    }
    if (argc - g.optind == 0) {
        free(pubfiles);
        if (npub)
            return cli_usage_error(ctx, "--pubkey needs a BUNDLE (a vault uses its trusted keys)");
        return cli_verify_vault(ctx, &vargs);
    }
    bundle = argv[g.optind];
    if (vargs.expect_head) {
        free(pubfiles);
        return cli_usage_error(ctx, "--expect-head applies to a vault, not to a BUNDLE");
    }
    /* an unreadable bundle is an error (2), not a failed verification (1) */
    if (stat(bundle, &st) < 0) {
        free(pubfiles);
        return cli_error("%s: %s", bundle, strerror(errno));
    }
    if (!S_ISREG(st.st_mode)) {
        free(pubfiles);
        return cli_error("%s: not a regular file", bundle);
    }
    rc = load_keys(ctx, pubfiles, npub, &keys, &nkeys);
    free(pubfiles);
    if (rc != 0)
        return rc;
    vopts.keys = (const ds_public_key *const *)keys;
    vopts.key_count = nkeys;
    vopts.deep = vargs.deep;
    err = ds_bundle_verify(&report, bundle, &vopts, NULL);
    if (err < 0) {
        rc = cli_lib_error(err);
        rc = CLI_EXIT_ERROR;
    } else {
        cli_print_report(ctx, report, vargs.json);
        rc = ds_report_ok(report) ? CLI_EXIT_OK : CLI_EXIT_NEGATIVE;
    }
    ds_report_free(report);
    free_keys(keys, nkeys);
    return rc;
}

const cli_command cmd_verify = {
    "verify", "[OPTIONS] [BUNDLE.tar.zst]",
    "verify a bundle, or without BUNDLE the whole vault (exit 1 when any check fails)", options,
    run};
