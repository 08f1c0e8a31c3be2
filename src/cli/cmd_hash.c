/* cmd_hash.c - docseal hash (placeholder until its issue lands). */
#include "cli.h"

static const cli_option options[] = {
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_hash;
static int run(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt g;
    int c;
    cli_getopt_init(&g, &cmd_hash, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1)
        ;
    if (g.status >= 0)
        return g.status;
    return cli_error("%s: not implemented yet", ctx->command);
}

const cli_command cmd_hash = {"hash", "[OPTIONS]", "(not implemented yet)", options, run};
