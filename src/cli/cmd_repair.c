/* cmd_repair.c - docseal repair: undo what a crash left behind (torn tail, orphans). */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>

enum { OPT_DRY_RUN = CLI_LONG };

static const cli_option options[] = {
    {"dry-run", OPT_DRY_RUN, no_argument, NULL, "only say what would be done"},
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_repair;

typedef struct announce_ctx {
    const cli_ctx *ctx;
    int dry_run;
} announce_ctx;

static void announce(void *p, const ds_vault_repair_action *a)
{
    const announce_ctx *ac = p;
    printf("%s: %s%s\n", a->path, ac->dry_run ? "would " : "", a->detail);
    fflush(stdout);
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt g;
    ds_vault_repair_options ro = DS_VAULT_REPAIR_OPTIONS_INIT;
    announce_ctx ac;
    ds_vault *v = NULL;
    size_t n = 0;
    int c, err, rc = CLI_EXIT_OK;

    cli_getopt_init(&g, ctx, &cmd_repair, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        if (c == OPT_DRY_RUN)
            ro.dry_run = 1;
    }
    if (g.status >= 0)
        return g.status;
    if (argc - g.optind > 0)
        return cli_usage_error(ctx, "no arguments expected");
    ac.ctx = ctx;
    ac.dry_run = ro.dry_run;
    ro.on_action = announce;
    ro.ctx = &ac;
    if ((err = ds_vault_open_ext(&v, ctx->vault_dir)) < 0 ||
        (err = ds_vault_repair(&n, v, &ro)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    if (n == 0)
        printf("nothing to repair\n");
    else if (!ro.dry_run)
        cli_info(ctx, 0, "repaired: %zu step%s; run 'docseal verify' to check the vault\n", n,
                 n == 1 ? "" : "s");
done:
    ds_vault_free(v);
    return rc;
}

const cli_command cmd_repair = {"repair", "[OPTIONS]",
                                "undo what an interrupted add left behind, saying what it does",
                                options, run};
