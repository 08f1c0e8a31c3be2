/* cmd_hash.c - docseal hash: content hashes (SHA-256 of the normalized text)
 * or, with --raw, SHA-256 of the input bytes, printed like sha256sum(1). */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>

enum { OPT_RAW = CLI_LONG };

static const cli_option options[] = {
    CLI_NORMALIZE_OPTIONS,
    {"raw", OPT_RAW, no_argument, NULL,
     "hash the input bytes as they are, not the normalized text"},
    {NULL, 0, 0, NULL, NULL},
};

static int discard(void *ctx, const void *buf, size_t len)
{
    (void)ctx, (void)buf, (void)len;
    return 0;
}

/* "<hex>  <name>" as sha256sum prints it: a name holding a backslash or a
 * newline is escaped and the line starts with a backslash. */
static void print_line(const char *hex, const char *name)
{
    const char *p;
    if (!strpbrk(name, "\\\n")) {
        printf("%s  %s\n", hex, name);
        return;
    }
    printf("\\%s  ", hex);
    for (p = name; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", stdout);
        else if (*p == '\n')
            fputs("\\n", stdout);
        else
            putchar(*p);
    }
    putchar('\n');
}

extern const cli_command cmd_hash;
static int run(cli_ctx *ctx, int argc, char **argv)
{
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_sink sink = {discard, NULL};
    cli_getopt g;
    int c, raw = 0, failed = 0, i;

    cli_getopt_init(&g, ctx, &cmd_hash, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        int r = cli_normalize_option(ctx, c, g.arg, &o);
        if (r == 2) {
            while (cli_getopt_next(&g) != -1)
                ;
            return CLI_EXIT_ERROR;
        }
        if (r == 0 && c == OPT_RAW)
            raw = 1;
    }
    if (g.status >= 0)
        return g.status;
    if (g.optind >= argc)
        return cli_usage_error(ctx, "expected FILE... (or - for standard input)");
    if (cli_stdin_once(ctx, argc, argv, g.optind) != 0)
        return CLI_EXIT_ERROR;

    for (i = g.optind; i < argc; i++) {
        char hex[DS_SHA256_HEX_SIZE];
        int err;
        if (raw) {
            err = ds_sha256_file(hex, argv[i], NULL);
        } else {
            ds_document *doc = NULL;
            err = ds_normalize_file(&doc, argv[i], &sink, NULL, &o);
            if (err == 0)
                memcpy(hex, doc->content_sha256, sizeof hex);
            ds_document_free(doc);
        }
        if (err < 0) {
            fflush(stdout);
            cli_lib_error(err);
            failed = 1;
            continue;
        }
        print_line(hex, argv[i]);
    }
    if (cli_flush(stdout, CLI_STDOUT) != 0)
        return CLI_EXIT_ERROR;
    return failed ? CLI_EXIT_ERROR : CLI_EXIT_OK;
}

const cli_command cmd_hash = {
    "hash", "[OPTIONS] FILE...|-",
    "print content hashes (SHA-256 of the normalized text) or, with --raw, of the input bytes",
    options, run};
