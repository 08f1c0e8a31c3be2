/*
 * cli.h - shared pieces of the docseal command-line tool.
 *
 * The tool is a thin user of the public API (include/docseal/). Each command
 * lives in its own file cmd_<name>.c and defines one cli_command: its name,
 * usage, summary, option table and run function. The option table is the
 * single source for getopt_long parsing, --help output and the man page
 * check in tests.
 */
#ifndef DS_CLI_H
#define DS_CLI_H

#include "docseal/docseal.h"

#include <stdio.h>

/* Exit statuses. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_NEGATIVE = 1, CLI_EXIT_ERROR = 2 };

typedef struct cli_ctx {
    const char *vault_dir; /* -C DIR, or NULL */
    int color_out;         /* colour on stdout */
    int color_err;         /* colour on stderr */
    int color_never;       /* --color=never was given */
    int quiet;             /* -q */
    int verbose;           /* -v (count) */
    int progress;          /* stderr is a terminal and not quiet */
    const char *command;   /* the running command's name, for messages */
} cli_ctx;

/* Option ids: a printable short option letter, or a value >= CLI_LONG for
 * long-only options. */
enum { CLI_LONG = 256 };

typedef struct cli_option {
    const char *long_name; /* without "--" */
    int id;                /* short letter or CLI_LONG + n */
    int has_arg;           /* no_argument, required_argument, optional_argument */
    const char *arg_name;  /* "FILE", "N", ... or NULL */
    const char *help;      /* one line */
} cli_option;

typedef struct cli_command {
    const char *name;
    const char *usage;         /* after "docseal NAME ", e.g. "[OPTIONS] FILE|-" */
    const char *summary;       /* one line */
    const cli_option *options; /* terminated by an entry with long_name NULL */
    int (*run)(cli_ctx *ctx, int argc, char **argv);
} cli_command;

/* All commands, NULL-terminated (main.c). */
extern const cli_command *const cli_commands[];

/* Option parsing over a command's table. Usage:
 *     cli_getopt g; int c;
 *     cli_getopt_init(&g, ctx, &cmd_x, argc, argv);
 *     while ((c = cli_getopt_next(&g)) != -1) switch (c) { ... g.arg ... }
 *     if (g.status >= 0) return g.status;   // --help printed (0) or usage error (2)
 *     positional arguments: argv[g.optind .. argc-1]
 * --help is handled here: it prints the help and ends the loop with status 0.
 * An unknown option or missing argument prints an error and the hint
 * "Try 'docseal NAME --help'." and ends the loop with status 2. The global
 * options (cli_global_options) are accepted among the command's and applied
 * to ctx; they are never returned to the command. */
typedef struct cli_getopt {
    cli_ctx *ctx; /* global options after the command are applied to it */
    const cli_command *cmd;
    int argc;
    char **argv;
    const char *arg; /* the current option's argument, or NULL */
    int optind;      /* first positional argument after the loop */
    int status;      /* -1 while parsing went fine; 0 or 2 when the command must return */
    void *priv;      /* internal */
} cli_getopt;
void cli_getopt_init(cli_getopt *g, cli_ctx *ctx, const cli_command *cmd, int argc, char **argv);
int cli_getopt_next(cli_getopt *g);

/* The global options that also work after the command (-C, --color, -q, -v;
 * cli_getopt handles them for every command, main.c before the command).
 * The table is NULL-terminated; "--colour" is accepted as "--color". */
enum { CLI_OPT_COLOR = CLI_LONG + 900 };
extern const cli_option cli_global_options[];
/* Apply global option id to ctx: 1 when applied, 0 when id is not a global
 * option, 2 after printing an error (a usage error once ctx->command is set). */
int cli_global_option(cli_ctx *ctx, int id, const char *arg);
/* Set the colour fields of ctx for WHEN (auto, always, never); -1 otherwise. */
int cli_color_set(cli_ctx *ctx, const char *when);
/* Print an option table as --help does. */
void cli_print_options(FILE *f, const cli_option *opts);

/* Normalization options shared by every command that reads documents
 * (normalize, hash, add, seal): put CLI_NORMALIZE_OPTIONS in the command's
 * table and pass each parsed option to cli_normalize_option(). */
enum {
    CLI_OPT_FORMAT = CLI_LONG + 500,
    CLI_OPT_DATE_ORDER,
    CLI_OPT_KEEP_BOILERPLATE,
    CLI_OPT_BOILERPLATE_RULES,
    CLI_OPT_FROM_ENCODING
};
#define CLI_NORMALIZE_OPTIONS                                                                      \
    {"format", CLI_OPT_FORMAT, required_argument, "FORMAT",                                        \
     "input format: auto (default), text, markdown, html"},                                        \
        {"date-order", CLI_OPT_DATE_ORDER, required_argument, "ORDER",                             \
         "read all-numeric dates as mdy, dmy or ymd"},                                             \
        {"keep-boilerplate", CLI_OPT_KEEP_BOILERPLATE, no_argument, NULL,                          \
         "keep related-link teasers and page furniture"},                                          \
        {"boilerplate-rules", CLI_OPT_BOILERPLATE_RULES, required_argument, "FILE",                \
         "also drop paragraphs matching the rules in FILE"},                                       \
    {                                                                                              \
        "from-encoding", CLI_OPT_FROM_ENCODING, required_argument, "NAME",                         \
            "convert the input from encoding NAME (iconv) first"                                   \
    }
/* Apply option id to o. Returns 1 when id is a normalization option, 0 when
 * it is not, 2 after printing a usage error. */
int cli_normalize_option(const cli_ctx *ctx, int id, const char *arg, ds_normalize_options *o);

/* Refuse "-" (standard input) given more than once among argv[first..argc-1]:
 * returns 0, or 2 after printing a usage error. */
int cli_stdin_once(const cli_ctx *ctx, int argc, char **argv, int first);

/* Parse a decimal integer in [lo, hi]; 0 or -1. */
int cli_parse_int(const char *s, long lo, long hi, int *out);

/* Print "docseal NAME" help from the table to f. */
void cli_print_help(FILE *f, const cli_command *cmd);

/* "docseal: warning: <fmt>\n" on stderr (control characters escaped). */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "docseal: note: <fmt>\n" on stderr (escaped as cli_warn), unless quiet. */
void cli_note(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Messages: "docseal: <fmt>\n" on stderr (control characters and bytes that
 * are not UTF-8 shown as \xHH). Return CLI_EXIT_ERROR. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: message, then "Try 'docseal CMD --help'." Returns 2. */
int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the library's last error as "docseal: <message>" and map the code to
 * an exit status: DS_EINTEGRITY -> 1, anything else -> 2. */
int cli_lib_error(int code);
/* Print to stderr unless quiet (verbose >= level required when level > 0). */
void cli_info(const cli_ctx *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Colours (empty strings when colour is off for that stream). */
const char *cli_color(int on, const char *sgr); /* sgr like "31" or "1;32" */
const char *cli_reset(int on);

/* "docseal: write error: NAME: why" (why from errno value err, or "an
 * earlier write failed" when err is 0); returns CLI_EXIT_ERROR. NAME is the
 * file, or CLI_STDOUT for standard output. */
#define CLI_STDOUT "standard output"
int cli_write_error(const char *name, int err);

/* Flush f and report a failed write to it (now or earlier) with
 * cli_write_error(); returns 0 or CLI_EXIT_ERROR. */
int cli_flush(FILE *f, const char *name);

/* A sink writing to a FILE * (ctx); a failed write is reported with
 * cli_write_error() (naming standard output when ctx is stdout) and returns
 * DS_EIO. */
int cli_file_sink_write(void *ctx, const void *buf, size_t len);

/* Print a verification report: text (one line per check) or JSON. */
/* Print a verification report (text, escaped as messages are; or JSON).
 * Returns CLI_EXIT_OK, or CLI_EXIT_ERROR after printing why it could not. */
int cli_print_report(const cli_ctx *ctx, const ds_report *r, int json);

/* Passphrase for a secret key: from --passphrase-file FILE when given, else
 * $DOCSEAL_PASSPHRASE, else a prompt on the terminal (twice when confirm),
 * else NULL (no passphrase). *out is freed (and wiped) by cli_free_secret(). */
int cli_get_passphrase(const char *passphrase_file, const char *prompt, int confirm, char **out);
void cli_free_secret(char *s);

/* Load the secret key at path (NULL: the default key path), asking for a
 * passphrase when the key is encrypted. Prints errors; returns an exit status. */
int cli_load_secret_key(const char *path, const char *passphrase_file, ds_secret_key **out);

/* --- Vault hooks used by commands of other modules (cmd_vault_hooks.c) --- */

/* Resolve a diff/show operand: "ID@REV" or "ID" in the vault, else a file
 * path ("-" for stdin) normalized on the fly. On success *text is the
 * normalized text (caller frees), *label a display name (caller frees), and
 * the return is 0; otherwise an exit status after printing the error (2, also
 * for a revision whose bundle does not match the manifest). An operand that
 * is written as a path ("/x", "./x", "../x") is always a file; one that names
 * both a document and a file is the document, with a note on stderr. */
int cli_load_revision_text(cli_ctx *ctx, const char *spec, const ds_normalize_options *nopts,
                           char **text, size_t *len, char **label);

/* The vault's trusted public keys (for verifying a bundle inside a vault).
 * Returns 0 and sets *keys and *count (free with ds_public_key_free each, then
 * free()), or 0 with *count == 0 when there is no vault. */
int cli_vault_trusted_keys(cli_ctx *ctx, ds_public_key ***keys, size_t *count);

/* For "docseal diff ID": the specs of the latest two revisions of document
 * id ("ID@N-1" and "ID@N" in --rev-safe form, caller frees both). Returns 0,
 * or an exit status after printing the error (no vault, unknown id, only one
 * revision). */
int cli_vault_latest_two(cli_ctx *ctx, const char *id, char **spec_a, char **spec_b);

#endif
