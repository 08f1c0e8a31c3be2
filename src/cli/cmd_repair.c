/* cmd_repair.c - docseal repair (placeholder until its issue lands). */
#include "cli.h"

static const cli_option options[] = {
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_repair;
static int run(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt g;
    int c;
    cli_getopt_init(&g, &cmd_repair, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1)
        ;
    if (g.status >= 0)
        return g.status;
    return cli_error("%s: not implemented yet", ctx->command);
}

const cli_command cmd_repair = {"repair", "[OPTIONS]", "(not implemented yet)", options, run};
