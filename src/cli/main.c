/* main.c - docseal: global options and command dispatch. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const cli_command cmd_normalize, cmd_hash, cmd_keygen, cmd_seal, cmd_verify, cmd_init,
    cmd_add, cmd_log, cmd_show, cmd_diff, cmd_repair, cmd_export;

const cli_command *const cli_commands[] = {
    &cmd_init,   &cmd_add,  &cmd_log,    &cmd_show,      &cmd_diff, &cmd_verify, &cmd_repair,
    &cmd_export, &cmd_seal, &cmd_keygen, &cmd_normalize, &cmd_hash, NULL,
};

static void usage(FILE *f)
{
    size_t i;
    fprintf(f, "Usage: docseal [-C VAULT] [--color=auto|always|never] [-q] [-v] COMMAND "
               "[OPTIONS] [ARGS]\n"
               "Keep a tamper-evident, signed archive of documents and diff their revisions.\n\n"
               "Global options:\n");
    cli_print_options(f, cli_global_options);
    fprintf(f, "  %-28s %s\n  %-28s %s\n\nCommands:\n", "    --version",
            "print the version and exit", "    --help", "show this help and exit");
    for (i = 0; cli_commands[i]; i++)
        fprintf(f, "  %-12s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
    fprintf(f, "\nThe global options -C, --color, -q and -v also work after COMMAND.\n"
               "Run 'docseal COMMAND --help' for a command's options.\n"
               "Exit status: 0 success, 1 negative result (verification failed, differences "
               "found), 2 error.\n");
}

enum { OPT_VERSION = CLI_LONG, OPT_HELP };

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"vault", required_argument, NULL, 'C'},
        {"color", optional_argument, NULL, CLI_OPT_COLOR},
        {"colour", optional_argument, NULL, CLI_OPT_COLOR},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    cli_ctx ctx;
    int c, i;

    memset(&ctx, 0, sizeof ctx);
    cli_color_set(&ctx, "auto");
    ctx.progress = isatty(STDERR_FILENO);
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:C:qv", longopts, NULL)) != -1) {
        switch (c) {
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
        case '?':
            cli_error("unknown option '%s'", argv[optind - 1]);
            fprintf(stderr, "Try 'docseal --help'.\n");
            return CLI_EXIT_ERROR;
        default: /* -C, --color, -q, -v: the same as after the command */
            if (cli_global_option(&ctx, c, optarg) != 1)
                return CLI_EXIT_ERROR;
            break;
        }
    }
    if (optind < argc && (strcmp(argv[optind], "add") == 0 || strcmp(argv[optind], "seal") == 0 ||
                          strcmp(argv[optind], "init") == 0)) {
        /* reproducible-builds.org: a malformed SOURCE_DATE_EPOCH is an error
         * for the commands that use it (those that write a time); the
         * others never read it */
        const char *sde = getenv("SOURCE_DATE_EPOCH");
        if (sde && *sde && strspn(sde, "0123456789") != strlen(sde)) {
            cli_error("SOURCE_DATE_EPOCH: '%s' is not a number of seconds since the epoch", sde);
            return CLI_EXIT_ERROR;
        }
        /* and one too large for a snapshot time is an error too, never "now" */
        if (sde && *sde) {
            unsigned long long t;
            errno = 0;
            t = strtoull(sde, NULL, 10);
            if (errno == ERANGE || t > (unsigned long long)DS_MANIFEST_MAX_TIME) {
                cli_error("SOURCE_DATE_EPOCH: '%s' is out of range (at most %lld, "
                          "9999-12-31T23:59:59Z)",
                          sde, (long long)DS_MANIFEST_MAX_TIME);
                return CLI_EXIT_ERROR;
            }
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
