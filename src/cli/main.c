/* main.c - docseal: global options and command dispatch. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const cli_command cmd_normalize, cmd_hash, cmd_keygen, cmd_seal, cmd_verify, cmd_init,
    cmd_add, cmd_log, cmd_show, cmd_diff, cmd_repair;

const cli_command *const cli_commands[] = {
    &cmd_init,   &cmd_add,  &cmd_log,    &cmd_show,      &cmd_diff, &cmd_verify,
    &cmd_repair, &cmd_seal, &cmd_keygen, &cmd_normalize, &cmd_hash, NULL,
};

static void usage(FILE *f)
{
    size_t i;
    fprintf(f, "Usage: docseal [-C VAULT] [--color=auto|always|never] [-q] [-v] COMMAND "
               "[OPTIONS] [ARGS]\n"
               "Keep a tamper-evident, signed archive of documents and diff their revisions.\n\n"
               "Global options:\n"
               "  -C, --vault VAULT            use the vault in VAULT (default: $DOCSEAL_VAULT,\n"
               "                               else the nearest vault above the working "
               "directory)\n"
               "      --color[=WHEN]           colour output: auto (default), always, never\n"
               "  -q, --quiet                  print only results and errors\n"
               "  -v, --verbose                say more (repeat for more)\n"
               "      --version                print the version and exit\n"
               "      --help                   show this help and exit\n\n"
               "Commands:\n");
    for (i = 0; cli_commands[i]; i++)
        fprintf(f, "  %-12s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
    fprintf(f, "\nRun 'docseal COMMAND --help' for a command's options.\n"
               "Exit status: 0 success, 1 negative result (verification failed, differences "
               "found), 2 error.\n");
}

enum { OPT_COLOR = CLI_LONG, OPT_VERSION, OPT_HELP };

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"vault", required_argument, NULL, 'C'},
        {"color", optional_argument, NULL, OPT_COLOR},
        {"colour", optional_argument, NULL, OPT_COLOR},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    cli_ctx ctx;
    const char *color = "auto";
    const char *no_color = getenv("NO_COLOR");
    int c, i;

    memset(&ctx, 0, sizeof ctx);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:C:qv", longopts, NULL)) != -1) {
        switch (c) {
        case 'C':
            ctx.vault_dir = optarg;
            break;
        case 'q':
            ctx.quiet = 1;
            break;
        case 'v':
            ctx.verbose++;
            break;
        case OPT_COLOR:
            color = optarg ? optarg : "always";
            break;
        case OPT_VERSION:
            printf("docseal %s (library %s, normalizer %s, bundle format %d)\n", DS_VERSION_STRING,
                   ds_version(), DS_NORMALIZER_VERSION, DS_BUNDLE_FORMAT_VERSION);
            return CLI_EXIT_OK;
        case OPT_HELP:
            usage(stdout);
            return CLI_EXIT_OK;
        case ':':
            cli_error("option '%s' needs an argument", argv[optind - 1]);
            fprintf(stderr, "Try 'docseal --help'.\n");
            return CLI_EXIT_ERROR;
        default:
            cli_error("unknown option '%s'", argv[optind - 1]);
            fprintf(stderr, "Try 'docseal --help'.\n");
            return CLI_EXIT_ERROR;
        }
    }
    if (strcmp(color, "always") == 0) {
        ctx.color_out = ctx.color_err = 1;
    } else if (strcmp(color, "auto") == 0) {
        int allowed = !(no_color && *no_color);
        ctx.color_out = allowed && isatty(STDOUT_FILENO);
        ctx.color_err = allowed && isatty(STDERR_FILENO);
    } else if (strcmp(color, "never") == 0) {
        ctx.color_never = 1;
    } else {
        cli_error("--color: '%s' is not one of auto, always, never", color);
        return CLI_EXIT_ERROR;
    }
    ctx.progress = !ctx.quiet && isatty(STDERR_FILENO);
    if (ctx.vault_dir && !*ctx.vault_dir) {
        cli_error("-C: the vault directory is empty");
        return CLI_EXIT_ERROR;
    }
    {
        /* reproducible-builds.org: a malformed SOURCE_DATE_EPOCH is an error */
        const char *sde = getenv("SOURCE_DATE_EPOCH");
        if (sde && *sde && strspn(sde, "0123456789") != strlen(sde)) {
            cli_error("SOURCE_DATE_EPOCH: '%s' is not a number of seconds since the epoch", sde);
            return CLI_EXIT_ERROR;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return CLI_EXIT_ERROR;
    }
    for (i = 0; cli_commands[i]; i++) {
        if (strcmp(cli_commands[i]->name, argv[optind]) == 0) {
            ctx.command = cli_commands[i]->name;
            return cli_commands[i]->run(&ctx, argc - optind, argv + optind);
        }
    }
    if (strcmp(argv[optind], "help") == 0) {
        /* "docseal help COMMAND" is "docseal COMMAND --help" */
        for (i = 0; optind + 1 < argc && cli_commands[i]; i++) {
            if (strcmp(cli_commands[i]->name, argv[optind + 1]) == 0) {
                cli_print_help(stdout, cli_commands[i]);
                return CLI_EXIT_OK;
            }
        }
        if (optind + 1 < argc) {
            cli_error("'%s' is not a docseal command", argv[optind + 1]);
            return CLI_EXIT_ERROR;
        }
        usage(stdout);
        return CLI_EXIT_OK;
    }
    cli_error("'%s' is not a docseal command", argv[optind]);
    fprintf(stderr, "Try 'docseal --help'.\n");
    return CLI_EXIT_ERROR;
}

int main(int argc, char **argv)
{
    int rc = run(argc, argv);
    /* whatever the command, output that could not be written (a full disk,
     * say) is an error; a command that already failed has said why */
    if (rc == CLI_EXIT_ERROR) {
        fflush(stdout);
        return rc;
    }
    return cli_flush(stdout, CLI_STDOUT) != 0 ? CLI_EXIT_ERROR : rc;
}
