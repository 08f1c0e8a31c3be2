/* cmd_keygen.c - docseal keygen: make an Ed25519 key pair. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_COMMENT = CLI_LONG, OPT_PASSPHRASE_FILE, OPT_NO_PASSPHRASE };

static const cli_option options[] = {
    {"output", 'o', required_argument, "PATH",
     "secret key file (public key: PATH.pub; default: see docseal-keygen(1))"},
    {"force", 'f', no_argument, NULL, "replace an existing key pair"},
    {"comment", OPT_COMMENT, required_argument, "TEXT", "untrusted comment line of the .pub file"},
    {"passphrase-file", OPT_PASSPHRASE_FILE, required_argument, "FILE",
     "read the passphrase from the first line of FILE ('-' for stdin)"},
    {"no-passphrase", OPT_NO_PASSPHRASE, no_argument, NULL,
     "leave the secret key unencrypted (no prompt)"},
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_keygen;

static int run(cli_ctx *ctx, int argc, char **argv)
{
    const char *path = NULL, *comment = NULL, *passphrase_file = NULL;
    char *def = NULL, *pass = NULL, *pub_path = NULL;
    ds_secret_key *key = NULL;
    char id[DS_KEY_ID_HEX_SIZE];
    int force = 0, no_passphrase = 0, rc = CLI_EXIT_OK, err, c;
    cli_getopt g;

    cli_getopt_init(&g, ctx, &cmd_keygen, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        switch (c) {
        case 'o':
            path = g.arg;
            break;
        case 'f':
            force = 1;
            break;
        case OPT_COMMENT:
            comment = g.arg;
            break;
        case OPT_PASSPHRASE_FILE:
            passphrase_file = g.arg;
            break;
        case OPT_NO_PASSPHRASE:
            no_passphrase = 1;
            break;
        }
    }
    if (g.status >= 0)
        return g.status;
    if (g.optind < argc)
        return cli_usage_error(ctx, "unexpected argument '%s'", argv[g.optind]);
    if (no_passphrase && passphrase_file)
        return cli_usage_error(ctx, "--no-passphrase and --passphrase-file exclude each other");
    if (path && !*path)
        return cli_usage_error(ctx, "--output needs a non-empty path");

    if (!path) {
        if ((err = ds_default_key_path(&def)) < 0)
            return cli_lib_error(err);
        path = def;
    }
    if (!no_passphrase) {
        if ((rc = cli_get_passphrase(
                 passphrase_file, "Passphrase for the new key (empty for none): ", 1, &pass)) != 0)
            goto done;
        if (passphrase_file && (!pass || !*pass)) {
            rc = cli_error("%s: the passphrase is empty (use --no-passphrase for an unencrypted "
                           "secret key)",
                           passphrase_file);
            goto done;
        }
    }
    if ((err = ds_secret_key_generate(&key)) < 0 ||
        (err = ds_secret_key_save(key, path, pass, comment, force)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    ds_secret_key_id(key, id);
    if (!(pub_path = malloc(strlen(path) + 5))) {
        rc = cli_error("out of memory");
        goto done;
    }
    strcpy(pub_path, path);
    strcat(pub_path, ".pub");
    printf("secret key: %s\npublic key: %s\nkey id: %s\n", path, pub_path, id);
    if (!pass || !*pass)
        cli_info(ctx, 1, "docseal: the secret key is not encrypted\n");
done:
    ds_secret_key_free(key);
    cli_free_secret(pass);
    free(pub_path);
    free(def);
    return rc;
}

const cli_command cmd_keygen = {"keygen", "[OPTIONS]",
                                "make an Ed25519 key pair for signing bundles", options, run};
