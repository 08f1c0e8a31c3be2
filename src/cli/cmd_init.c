/* cmd_init.c - docseal init: create a vault (and a signing key when none exists). */
#include "cli.h"

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { OPT_LEVEL = CLI_LONG, OPT_PASSFILE };

static const cli_option options[] = {
    {"key", 'k', required_argument, "FILE",
     "signing key (default: $XDG_CONFIG_HOME/docseal/docseal.key); made when missing"},
    {"level", OPT_LEVEL, required_argument, "N", "zstd level of the vault's bundles (1..19)"},
    {"passphrase-file", OPT_PASSFILE, required_argument, "FILE",
     "read the key's passphrase from FILE"},
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_init;

static int run(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt g;
    ds_vault_init_options io = DS_VAULT_INIT_OPTIONS_INIT;
    ds_secret_key *key = NULL;
    ds_public_key *pub = NULL;
    ds_vault *v = NULL;
    const char *key_opt = NULL, *passfile = NULL, *dir;
    char *key_path = NULL, *abs_dir = NULL;
    char kid[DS_KEY_ID_HEX_SIZE];
    struct stat st;
    int c, err, rc = CLI_EXIT_OK;

    cli_getopt_init(&g, ctx, &cmd_init, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        switch (c) {
        case 'k':
            key_opt = g.arg;
            break;
        case OPT_LEVEL: {
            char *end;
            long n = strtol(g.arg, &end, 10);
            if (*end || n < 1 || n > 19)
                return cli_usage_error(ctx, "--level: '%s' is not a level 1..19", g.arg);
            io.compression_level = (int)n;
            break;
        }
        case OPT_PASSFILE:
            passfile = g.arg;
            break;
        }
    }
    if (g.status >= 0)
        return g.status;
    if (argc - g.optind > 1)
        return cli_usage_error(ctx, "too many arguments");
    dir = g.optind < argc ? argv[g.optind] : ctx->vault_dir ? ctx->vault_dir : ".";

    if (key_opt) {
        key_path = strdup(key_opt);
    } else if ((err = ds_default_key_path(&key_path)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    if (!key_path) {
        rc = cli_error("out of memory");
        goto done;
    }
    if (stat(key_path, &st) != 0) {
        /* no key yet: make one (encrypted only when DOCSEAL_PASSPHRASE is set) */
        const char *env = getenv("DOCSEAL_PASSPHRASE");
        if ((err = ds_secret_key_generate(&key)) < 0 ||
            (err = ds_secret_key_save(key, key_path, env && *env ? env : NULL, NULL, 0)) < 0) {
            rc = cli_lib_error(err);
            goto done;
        }
        ds_secret_key_id(key, kid);
        printf("created signing key %s (key id %s%s), public key %s.pub\n", key_path, kid,
               env && *env ? ", encrypted with $DOCSEAL_PASSPHRASE" : ", not encrypted", key_path);
    } else if ((rc = cli_load_secret_key(key_path, passfile, &key)) != 0) {
        goto done;
    }
    if ((err = ds_secret_key_public(&pub, key)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    io.key_path = key_path;
    if ((err = ds_vault_init(&v, dir, pub, &io)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    ds_public_key_id(pub, kid);
    abs_dir = realpath(dir, NULL);
    printf("initialized docseal vault in %s (signing key %s, trusted-keys/%s.pub)\n",
           abs_dir ? abs_dir : dir, kid, kid);
done:
    free(abs_dir);
    free(key_path);
    ds_vault_free(v);
    ds_public_key_free(pub);
    ds_secret_key_free(key);
    return rc;
}

const cli_command cmd_init = {"init", "[OPTIONS] [DIR]",
                              "create a vault in DIR (default: -C DIR, else the working "
                              "directory)",
                              options, run};
