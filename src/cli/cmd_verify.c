/* cmd_verify.c - docseal verify: a bundle, or (without one) the whole vault. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { OPT_PUBKEY = CLI_LONG, OPT_JSON, OPT_DEEP, OPT_EXPECT_HEAD, OPT_TRUSTED_KEY };

static const cli_option options[] = {
    {"pubkey", OPT_PUBKEY, required_argument, "FILE",
     "trust only this minisign public key (repeatable; default: the vault's trusted keys, "
     "else the default key's .pub); for a vault, pins its signers"},
    {"trusted-key", OPT_TRUSTED_KEY, required_argument, "KEYID",
     "vault only: trust only the trusted-keys/ key with this key id (repeatable)"},
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

/* What docseal verify was asked, for the vault case. */
typedef struct cli_verify_args {
    int json;
    int deep;
    const char *expect_head; /* record hash the vault must still contain, or NULL */
} cli_verify_args;

static void verify_progress(void *p, uint64_t done, uint64_t total)
{
    int *shown = p;
    if (!total)
        return;
    fprintf(stderr, "\rverifying %3d%%", (int)(done * 100 / total));
    fflush(stderr);
    *shown = 1;
}

/* The whole vault, trusting only the pinned keys when any are given. */
static int verify_vault(cli_ctx *ctx, const cli_verify_args *args, ds_public_key **pins,
                        size_t npins, const char **pin_ids, size_t nids)
{
    ds_vault_verify_options vo = DS_VAULT_VERIFY_OPTIONS_INIT;
    ds_vault *v = NULL;
    ds_report *rep = NULL;
    int err, rc, shown = 0;

    if ((err = ds_vault_open_ext(&v, ctx->vault_dir)) < 0)
        return cli_lib_error(err);
    vo.expect_head = args->expect_head;
    vo.deep = args->deep;
    vo.pin_keys = (const ds_public_key *const *)pins;
    vo.pin_key_count = npins;
    vo.pin_key_ids = pin_ids;
    vo.pin_key_id_count = nids;
    if (ctx->progress && !args->json) {
        vo.progress = verify_progress;
        vo.progress_ctx = &shown;
    }
    err = ds_vault_verify(&rep, v, &vo);
    if (shown)
        fprintf(stderr, "\r\033[K");
    if (err < 0) {
        rc = cli_lib_error(err);
    } else {
        rc = cli_print_report(ctx, rep, args->json);
        if (rc == CLI_EXIT_OK)
            rc = ds_report_ok(rep) ? CLI_EXIT_OK : CLI_EXIT_NEGATIVE;
    }
    ds_report_free(rep);
    ds_vault_free(v);
    return rc;
}

static int is_key_id(const char *s)
{
    size_t i;
    for (i = 0; i < 16; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'F') ||
              (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return s[16] == '\0';
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
    ds_bundle_verify_options vopts = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    cli_verify_args vargs;
    const char **pubfiles = NULL, **key_ids = NULL;
    ds_public_key **keys = NULL;
    ds_report *report = NULL;
    size_t npub = 0, nkeys = 0, nids = 0, i;
    const char *bundle;
    struct stat st;
    int c, err, rc;
    cli_getopt g;

    memset(&vargs, 0, sizeof vargs);
    if (!(pubfiles = calloc((size_t)argc + 1, sizeof *pubfiles)) ||
        !(key_ids = calloc((size_t)argc + 1, sizeof *key_ids))) {
        free(pubfiles);
        return cli_error("out of memory");
    }
    cli_getopt_init(&g, ctx, &cmd_verify, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        switch (c) {
        case OPT_PUBKEY:
            pubfiles[npub++] = g.arg;
            break;
        case OPT_TRUSTED_KEY:
            key_ids[nids++] = g.arg;
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
        rc = g.status;
        goto done;
    }
    for (i = 0; i < nids; i++) {
        if (!is_key_id(key_ids[i])) {
            rc = cli_usage_error(ctx, "--trusted-key %s: not a key id (16 hex digits)", key_ids[i]);
            goto done;
        }
    }
    if (vargs.expect_head &&
        (strlen(vargs.expect_head) != 64 || strspn(vargs.expect_head, "0123456789abcdef") != 64)) {
        rc = cli_usage_error(ctx,
                             "--expect-head %s: not a record hash (64 lowercase hex digits, as "
                             "'docseal log --head' prints)",
                             vargs.expect_head);
        goto done;
    }
    if (argc - g.optind > 1) {
        rc = cli_usage_error(ctx, "give at most one BUNDLE");
        goto done;
    }
    if (argc - g.optind == 0) {
        /* the vault: --pubkey and --trusted-key pin its signers */
        if (npub > 0 && (rc = load_keys(ctx, pubfiles, npub, &keys, &nkeys)) != 0)
            goto done;
        rc = verify_vault(ctx, &vargs, keys, nkeys, key_ids, nids);
        goto done;
    }
    bundle = argv[g.optind];
    if (vargs.expect_head) {
        rc = cli_usage_error(ctx, "--expect-head applies to a vault, not to a BUNDLE");
        goto done;
    }
    if (nids) {
        rc = cli_usage_error(ctx, "--trusted-key applies to a vault; for a BUNDLE give --pubkey");
        goto done;
    }
    /* an unreadable bundle is an error (2), not a failed verification (1) */
    if (stat(bundle, &st) < 0) {
        rc = cli_error("%s: %s", bundle, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = cli_error("%s: not a regular file", bundle);
        goto done;
    }
    if ((rc = load_keys(ctx, pubfiles, npub, &keys, &nkeys)) != 0)
        goto done;
    vopts.keys = (const ds_public_key *const *)keys;
    vopts.key_count = nkeys;
    vopts.deep = vargs.deep;
    err = ds_bundle_verify(&report, bundle, &vopts, NULL);
    if (err < 0) {
        rc = cli_lib_error(err);
        rc = CLI_EXIT_ERROR;
    } else {
        rc = cli_print_report(ctx, report, vargs.json);
        if (rc == CLI_EXIT_OK)
            rc = ds_report_ok(report) ? CLI_EXIT_OK : CLI_EXIT_NEGATIVE;
    }
done:
    ds_report_free(report);
    free_keys(keys, nkeys);
    free(pubfiles);
    free(key_ids);
    return rc;
}

const cli_command cmd_verify = {
    "verify", "[OPTIONS] [BUNDLE.tar.zst]",
    "verify a bundle, or without BUNDLE the whole vault (exit 1 when any check fails)", options,
    run};
