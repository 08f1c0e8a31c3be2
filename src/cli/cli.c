/* cli.c - option parsing, messages, colours and shared helpers of the tool. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

typedef struct cli_getopt_priv {
    struct option *longopts;
    size_t own; /* the first own entries of longopts are the command's */
    char shortopts[128];
    char **saved; /* argv as given, where abbreviations were spelt out */
    char **spelt; /* the strings put in their place */
    int argc;
} cli_getopt_priv;

enum { CLI_HELP_ID = CLI_LONG + 1000 };

const cli_option cli_global_options[] = {
    {"vault", 'C', required_argument, "VAULT",
     "use the vault in VAULT (default: $DOCSEAL_VAULT,\n"
     "else the nearest vault above the working directory)"},
    {"color", CLI_OPT_COLOR, optional_argument, "WHEN",
     "colour output: auto (default), always, never"},
    {"quiet", 'q', no_argument, NULL, "print only results and errors"},
    {"verbose", 'v', no_argument, NULL, "say more (repeat for more)"},
    {NULL, 0, 0, NULL, NULL},
};

/* Does the command's own table define long name or short letter id? */
static int cmd_has(const cli_command *cmd, const char *name, int id)
{
    const cli_option *o;
    for (o = cmd->options; o && o->long_name; o++)
        if (strcmp(o->long_name, name) == 0 || (id < CLI_LONG && o->id == id))
            return 1;
    return 0;
}

static void add_option(cli_getopt_priv *p, size_t *n, size_t *k, const char *name, int has_arg,
                       int id)
{
    p->longopts[*n].name = name;
    p->longopts[*n].has_arg = has_arg;
    p->longopts[*n].val = id;
    (*n)++;
    if (id < CLI_LONG && *k + 3 < sizeof p->shortopts) {
        p->shortopts[(*k)++] = (char)id;
        if (has_arg == required_argument)
            p->shortopts[(*k)++] = ':';
        else if (has_arg == optional_argument) {
            p->shortopts[(*k)++] = ':';
            p->shortopts[(*k)++] = ':';
        }
    }
}

/* Spelt-out option words (see spell_out()), kept until the process exits. */
static char **spelt_kept;
static size_t spelt_count;

static void free_spelt(void)
{
    size_t i;
    for (i = 0; i < spelt_count; i++)
        free(spelt_kept[i]);
    free(spelt_kept);
    spelt_kept = NULL;
    spelt_count = 0;
}

static void keep_spelt(char *s)
{
    char **grown = realloc(spelt_kept, (spelt_count + 1) * sizeof *grown);
    if (!grown)
        return; /* out of memory: leaked rather than freed under a live pointer */
    if (!spelt_kept)
        atexit(free_spelt);
    spelt_kept = grown;
    spelt_kept[spelt_count++] = s;
}

/* The long options whose names start with name[0..len): from *first on,
 * counting them; *which gets the last one. */
static size_t prefix_matches(const struct option *o, size_t from, size_t to, const char *name,
                             size_t len, size_t *which)
{
    size_t i, m = 0;
    for (i = from; i < to; i++)
        if (strncmp(o[i].name, name, len) == 0) {
            if (strlen(o[i].name) == len) {
                *which = i;
                return 1; /* exact */
            }
            *which = i;
            m++;
        }
    return m;
}

/* getopt_long accepts any unambiguous start of a long option's name; with
 * the global options in every command's table, a start that named one option
 * of the command (diff --c for --context) could also name a global one
 * (--color) and become ambiguous. Spell such abbreviations out, preferring
 * the command's own options, so that what worked before still does. */
static void spell_out(cli_getopt_priv *p, int argc, char **argv)
{
    size_t total = 0;
    int i;
    while (p->longopts[total].name)
        total++;
    p->argc = argc;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *eq;
        size_t len, which = 0, m;
        if (strcmp(a, "--") == 0)
            break;
        if (a[0] == '-' && a[1] != '-' && a[1]) {
            /* short options: a letter taking an argument at the end of the
             * cluster takes the next word */
            const char *c;
            for (c = a + 1; *c; c++) {
                const char *sp = strchr(p->shortopts + 1, *c);
                if (sp && *c != ':' && sp[1] == ':' && sp[2] != ':') {
                    if (!c[1])
                        i++;
                    break;
                }
            }
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || !a[2])
            continue;
        eq = strchr(a + 2, '=');
        len = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        m = prefix_matches(p->longopts, 0, p->own, a + 2, len, &which);
        if (m != 1)
            m = prefix_matches(p->longopts, 0, total, a + 2, len, &which);
        if (m != 1)
            continue; /* unknown or ambiguous: getopt_long says so */
        if (strlen(p->longopts[which].name) != len) {
            size_t full = 2 + strlen(p->longopts[which].name) + (eq ? strlen(eq) : 0) + 1;
            char *w = malloc(full);
            if (!p->saved) {
                p->saved = calloc((size_t)argc, sizeof *p->saved);
                p->spelt = calloc((size_t)argc, sizeof *p->spelt);
            }
            if (!w || !p->saved || !p->spelt) {
                free(w);
                continue;
            }
            snprintf(w, full, "--%s%s", p->longopts[which].name, eq ? eq : "");
            p->saved[i] = argv[i];
            p->spelt[i] = w;
            argv[i] = w;
        }
        if (!eq && p->longopts[which].has_arg == required_argument)
            i++; /* its argument is the next word, whatever it looks like */
    }
}

void cli_getopt_init(cli_getopt *g, cli_ctx *ctx, const cli_command *cmd, int argc, char **argv)
{
    cli_getopt_priv *p = calloc(1, sizeof *p);
    size_t n = 0, i, k = 0, count = 0;

    memset(g, 0, sizeof *g);
    g->ctx = ctx;
    g->cmd = cmd;
    g->argc = argc;
    g->argv = argv;
    g->status = -1;
    g->priv = p;
    if (!p)
        return;
    while (cmd->options && cmd->options[count].long_name)
        count++;
    /* the command's options, the global ones (also "--colour"), --help */
    p->longopts = calloc(count + 7, sizeof *p->longopts);
    if (!p->longopts)
        return;
    p->shortopts[k++] = ':';
    for (i = 0; i < count; i++)
        add_option(p, &n, &k, cmd->options[i].long_name, cmd->options[i].has_arg,
                   cmd->options[i].id);
    for (i = 0; cli_global_options[i].long_name; i++) {
        const cli_option *o = &cli_global_options[i];
        if (!cmd_has(cmd, o->long_name, o->id))
            add_option(p, &n, &k, o->long_name, o->has_arg, o->id);
    }
    if (!cmd_has(cmd, "colour", CLI_OPT_COLOR))
        add_option(p, &n, &k, "colour", optional_argument, CLI_OPT_COLOR);
    add_option(p, &n, &k, "help", no_argument, CLI_HELP_ID);
    p->shortopts[k] = '\0';
    p->own = count;
    spell_out(p, argc, argv);
    optind = 0; /* GNU: full re-initialization */
    opterr = 0;
}

int cli_color_set(cli_ctx *ctx, const char *when)
{
    const char *no_color = getenv("NO_COLOR");
    ctx->color_out = ctx->color_err = ctx->color_never = 0;
    if (strcmp(when, "always") == 0) {
        ctx->color_out = ctx->color_err = 1;
    } else if (strcmp(when, "auto") == 0) {
        int allowed = !(no_color && *no_color);
        ctx->color_out = allowed && isatty(STDOUT_FILENO);
        ctx->color_err = allowed && isatty(STDERR_FILENO);
    } else if (strcmp(when, "never") == 0) {
        ctx->color_never = 1;
    } else {
        return -1;
    }
    return 0;
}

int cli_global_option(cli_ctx *ctx, int id, const char *arg)
{
    /* before the command, errors name no command; after it, they are usage
     * errors of that command */
#define GLOBAL_ERROR(...)                                                                          \
    (ctx->command ? cli_usage_error(ctx, __VA_ARGS__) : cli_error(__VA_ARGS__))
    switch (id) {
    case 'C':
        if (!*arg)
            return GLOBAL_ERROR("-C: the vault directory is empty");
        ctx->vault_dir = arg;
        return 1;
    case 'q':
        ctx->quiet = 1;
        ctx->progress = 0;
        return 1;
    case 'v':
        ctx->verbose++;
        return 1;
    case CLI_OPT_COLOR:
        if (cli_color_set(ctx, arg ? arg : "always") < 0)
            return GLOBAL_ERROR("--color: '%s' is not one of auto, always, never", arg);
        return 1;
    default:
        return 0;
    }
#undef GLOBAL_ERROR
}

static void cli_getopt_done(cli_getopt *g)
{
    cli_getopt_priv *p = g->priv;
    int i;
    g->optind = optind;
    if (p) {
        /* the words as given (getopt may have moved them: find each); the
         * spelt-out strings stay alive, since option arguments (g->arg,
         * "--form=json") point into them, and are freed at exit */
        for (i = 0; p->spelt && i < p->argc; i++) {
            int j;
            if (!p->spelt[i])
                continue;
            for (j = 1; j < g->argc; j++)
                if (g->argv[j] == p->spelt[i])
                    g->argv[j] = p->saved[i];
            keep_spelt(p->spelt[i]);
        }
        free(p->saved);
        free(p->spelt);
        free(p->longopts);
        free(p);
        g->priv = NULL;
    }
}

int cli_getopt_next(cli_getopt *g)
{
    cli_getopt_priv *p = g->priv;
    int c, li = -1;

    if (!p || !p->longopts) {
        cli_error("out of memory");
        g->status = CLI_EXIT_ERROR;
        cli_getopt_done(g);
        return -1;
    }
again:
    c = getopt_long(g->argc, g->argv, p->shortopts, p->longopts, &li);
    g->arg = optarg;
    if (c == -1) {
        cli_getopt_done(g);
        return -1;
    }
    if (c == CLI_HELP_ID) {
        cli_print_help(stdout, g->cmd);
        g->status = CLI_EXIT_OK;
        cli_getopt_done(g);
        return -1;
    }
    if (c == '?' || c == ':') {
        /* optopt names a bad short option; for a bad long option optopt is
         * 0 (or its id) and argv[optind - 1] is the argument as given. */
        const char *bad = g->argv[optind - 1];
        if (c == ':' && optopt > 0 && optopt < CLI_LONG && strncmp(bad, "--", 2) != 0)
            cli_error("%s: option '-%c' needs an argument", g->cmd->name, optopt);
        else if (c == ':')
            cli_error("%s: option '%s' needs an argument", g->cmd->name, bad);
        else if (optopt > 0 && optopt < CLI_LONG)
            cli_error("%s: unknown option '-%c'", g->cmd->name, optopt);
        else if (strncmp(bad, "--", 2) == 0) {
            /* an unknown name, or the start of more than one */
            const char *eq = strchr(bad + 2, '=');
            size_t len = eq ? (size_t)(eq - (bad + 2)) : strlen(bad + 2), i, m = 0;
            char names[512] = "";
            for (i = 0; len && p->longopts[i].name; i++)
                if (strncmp(p->longopts[i].name, bad + 2, len) == 0) {
                    size_t used = strlen(names);
                    snprintf(names + used, sizeof names - used, "%s--%s", m++ ? ", " : "",
                             p->longopts[i].name);
                }
            if (m > 1)
                cli_error("%s: option '%.*s' is ambiguous (%s)", g->cmd->name, (int)len + 2, bad,
                          names);
            else
                cli_error("%s: unknown option '%s'", g->cmd->name, bad);
        } else
            cli_error("%s: unknown option '%s'", g->cmd->name, bad);
        fprintf(stderr, "Try 'docseal %s --help'.\n", g->cmd->name);
        g->status = CLI_EXIT_ERROR;
        cli_getopt_done(g);
        return -1;
    }
    /* a global option after the command: applied here, for every command */
    if (!cmd_has(g->cmd, li >= 0 ? p->longopts[li].name : "", c)) {
        int r = cli_global_option(g->ctx, c, g->arg);
        if (r == CLI_EXIT_ERROR) {
            g->status = CLI_EXIT_ERROR;
            cli_getopt_done(g);
            return -1;
        }
        if (r == 1) {
            li = -1;
            goto again;
        }
    }
    return c;
}

void cli_print_options(FILE *f, const cli_option *opts)
{
    const cli_option *o;
    for (o = opts; o && o->long_name; o++) {
        char left[64];
        const char *h, *nl;
        int n;
        if (o->id < CLI_LONG)
            n = snprintf(left, sizeof left, "-%c, --%s", o->id, o->long_name);
        else
            n = snprintf(left, sizeof left, "    --%s", o->long_name);
        if (o->arg_name && (size_t)n < sizeof left)
            snprintf(left + n, sizeof left - (size_t)n,
                     o->has_arg == optional_argument ? "[=%s]" : " %s", o->arg_name);
        /* a help text may hold line feeds: continuation lines */
        for (h = o->help; (nl = strchr(h, '\n')) != NULL; h = nl + 1) {
            fprintf(f, "  %-28s %.*s\n", left, (int)(nl - h), h);
            left[0] = '\0';
        }
        fprintf(f, "  %-28s %s\n", left, h);
    }
}

void cli_print_help(FILE *f, const cli_command *cmd)
{
    fprintf(f, "Usage: docseal %s %s\n%s\n", cmd->name, cmd->usage, cmd->summary);
    fprintf(f, "\nOptions:\n");
    cli_print_options(f, cmd->options);
    fprintf(f, "  %-28s %s\n", "    --help", "show this help and exit");
    fprintf(f, "\nGlobal options (before or after %s):\n", cmd->name);
    cli_print_options(f, cli_global_options);
    fprintf(f, "\nExit status: 0 success, 1 negative result, 2 error.\n");
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0. */
static int utf8_len(const unsigned char *p)
{
    int n, i;
    if (p[0] < 0x80)
        return 1;
    n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 && p[0] < 0xe0 ? 2 : 0;
    if (p[0] > 0xf4)
        n = 0;
    for (i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* Write s to f with control characters (C0, DEL, C1 such as CSI) and bytes
 * that are not UTF-8 shown as \xHH, so that a file name (or anything else
 * taken from input) can neither break the line nor drive the terminal. */
static void put_escaped(FILE *f, const char *s)
{
    const unsigned char *p;
    for (p = (const unsigned char *)s; *p;) {
        int len = utf8_len(p);
        int c1 = len == 2 && p[0] == 0xc2 && p[1] < 0xa0; /* U+0080..U+009F */
        if (len == 1 && *p >= 0x20 && *p != 0x7f) {
            fputc(*p, f);
        } else if (len > 1 && !c1) {
            fwrite(p, 1, (size_t)len, f);
        } else {
            int i;
            if (len == 0)
                len = 1;
            for (i = 0; i < len; i++)
                fprintf(f, "\\x%02x", p[i]);
        }
        p += len;
    }
}

/* Write prefix + message + suffix to stderr as one line, escaped as
 * put_escaped() does. */
static void put_message(const char *prefix, const char *fmt, va_list ap, const char *suffix)
{
    char small[1024], *buf = small;
    va_list ap2;
    int n;
    va_copy(ap2, ap);
    n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= (int)sizeof small && (buf = malloc((size_t)n + 1)) != NULL)
        vsnprintf(buf, (size_t)n + 1, fmt, ap2);
    else if (n >= (int)sizeof small)
        buf = small; /* out of memory: the message is cut */
    va_end(ap2);
    fputs(prefix, stderr);
    put_escaped(stderr, buf);
    fputs(suffix, stderr);
    if (buf != small)
        free(buf);
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_message("docseal: warning: ", fmt, ap, "\n");
    va_end(ap);
}

void cli_note(const cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    if (ctx->quiet)
        return;
    va_start(ap, fmt);
    flockfile(stderr); /* one line, even from two threads */
    put_message("docseal: note: ", fmt, ap, "\n");
    funlockfile(stderr);
    va_end(ap);
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_message("docseal: ", fmt, ap, "\n");
    va_end(ap);
    return CLI_EXIT_ERROR;
}

int cli_usage_error(const cli_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "docseal: %s: ", ctx->command);
    va_start(ap, fmt);
    put_message("", fmt, ap, "\n");
    va_end(ap);
    fprintf(stderr, "Try 'docseal %s --help'.\n", ctx->command);
    return CLI_EXIT_ERROR;
}

int cli_lib_error(int code)
{
    const char *msg = ds_error_last();
    cli_error("%s", *msg ? msg : ds_status_name(code));
    return code == DS_EINTEGRITY ? CLI_EXIT_NEGATIVE : CLI_EXIT_ERROR;
}

void cli_info(const cli_ctx *ctx, int level, const char *fmt, ...)
{
    va_list ap;
    if (ctx->quiet || ctx->verbose < level)
        return;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
}

const char *cli_color(int on, const char *sgr)
{
    static _Thread_local char buf[32];
    if (!on)
        return "";
    snprintf(buf, sizeof buf, "\033[%sm", sgr);
    return buf;
}

const char *cli_reset(int on)
{
    return on ? "\033[0m" : "";
}

int cli_write_error(const char *name, int err)
{
    return cli_error("write error: %s: %s", name, err ? strerror(err) : "an earlier write failed");
}

int cli_flush(FILE *f, const char *name)
{
    int bad = ferror(f), e = 0;
    errno = 0;
    if (fflush(f) != 0) {
        bad = 1;
        e = errno;
    }
    return bad ? cli_write_error(name, e) : 0;
}

int cli_file_sink_write(void *ctx, const void *buf, size_t len)
{
    FILE *f = ctx;
    if (len && fwrite(buf, 1, len, f) != len) {
        cli_write_error(f == stdout ? CLI_STDOUT : "output file", errno);
        return DS_EIO;
    }
    return 0;
}

int cli_print_report(const cli_ctx *ctx, const ds_report *r, int json)
{
    size_t i;
    if (json) {
        char *s = NULL;
        int err = ds_report_to_json(&s, r);
        if (err < 0)
            return cli_lib_error(err);
        puts(s);
        free(s);
        return CLI_EXIT_OK;
    }
    for (i = 0; i < r->count; i++) {
        const ds_check *c = &r->checks[i];
        const char *tag = c->result == DS_CHECK_PASS   ? "ok  "
                          : c->result == DS_CHECK_FAIL ? "FAIL"
                                                       : "skip";
        const char *col = c->result == DS_CHECK_PASS   ? "32"
                          : c->result == DS_CHECK_FAIL ? "1;31"
                                                       : "33";
        if (ctx->quiet && c->result != DS_CHECK_FAIL)
            continue;
        printf("%s%s%s %s", cli_color(ctx->color_out, col), tag, cli_reset(ctx->color_out),
               c->name);
        if (c->subject) {
            putchar(' ');
            put_escaped(stdout, c->subject);
        }
        if (c->detail) {
            fputs(": ", stdout);
            put_escaped(stdout, c->detail);
        }
        putchar('\n');
    }
    if (!ctx->quiet)
        printf("%s\n", r->failures ? "verification FAILED" : "verification passed");
    return CLI_EXIT_OK;
}

static int cli_read_tty_line(const char *prompt, char **out)
{
    struct termios old, noecho;
    char buf[1024];
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    FILE *tty;
    size_t n;
    int echo_off = 0;

    *out = NULL;
    if (fd < 0)
        return 0;
    tty = fdopen(fd, "r+");
    if (!tty) {
        close(fd);
        return 0;
    }
    fputs(prompt, tty);
    fflush(tty);
    if (tcgetattr(fd, &old) == 0) {
        noecho = old;
        noecho.c_lflag &= ~(tcflag_t)ECHO;
        echo_off = tcsetattr(fd, TCSAFLUSH, &noecho) == 0;
    }
    if (!fgets(buf, sizeof buf, tty))
        buf[0] = '\0';
    if (echo_off)
        tcsetattr(fd, TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    n = strcspn(buf, "\r\n");
    buf[n] = '\0';
    *out = strdup(buf);
    OPENSSL_cleanse(buf, sizeof buf);
    return *out ? 1 : -1;
}

int cli_get_passphrase(const char *passphrase_file, const char *prompt, int confirm, char **out)
{
    const char *env = getenv("DOCSEAL_PASSPHRASE");
    *out = NULL;
    if (passphrase_file) {
        char *data = NULL;
        size_t len = 0;
        FILE *f = strcmp(passphrase_file, "-") == 0 ? stdin : fopen(passphrase_file, "r");
        if (!f)
            return cli_error("%s: %s", passphrase_file, strerror(errno));
        if (getline(&data, &len, f) < 0) {
            free(data);
            data = strdup("");
        }
        if (f != stdin)
            fclose(f);
        if (!data)
            return cli_error("out of memory");
        data[strcspn(data, "\r\n")] = '\0';
        *out = data;
        return 0;
    }
    if (env) {
        *out = strdup(env);
        return *out ? 0 : cli_error("out of memory");
    }
    if (isatty(STDIN_FILENO) && prompt) {
        char *a = NULL, *b = NULL;
        if (cli_read_tty_line(prompt, &a) <= 0)
            return 0;
        if (confirm) {
            if (cli_read_tty_line("Repeat passphrase: ", &b) <= 0 || strcmp(a, b) != 0) {
                cli_free_secret(a);
                cli_free_secret(b);
                return cli_error("passphrases do not match");
            }
            cli_free_secret(b);
        }
        *out = a;
    }
    return 0;
}

void cli_free_secret(char *s)
{
    if (!s)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

int cli_load_secret_key(const char *path, const char *passphrase_file, ds_secret_key **out)
{
    char *def = NULL, *pass = NULL;
    int err, rc = CLI_EXIT_OK, enc;

    *out = NULL;
    if (!path) {
        if ((err = ds_default_key_path(&def)) < 0)
            return cli_lib_error(err);
        path = def;
    }
    enc = ds_secret_key_is_encrypted(path);
    if (enc < 0) {
        rc = cli_lib_error(enc);
        goto done;
    }
    if (enc && (rc = cli_get_passphrase(passphrase_file, "Passphrase: ", 0, &pass)) != 0)
        goto done;
    /* not needed for a key without a passphrase, but a file that was named
     * and cannot be read is still a mistake worth hearing about */
    if (!enc && passphrase_file && strcmp(passphrase_file, "-") != 0 &&
        access(passphrase_file, R_OK) != 0) {
        rc = cli_error("%s: %s", passphrase_file, strerror(errno));
        goto done;
    }
    if ((err = ds_secret_key_load(out, path, pass)) < 0)
        rc = cli_lib_error(err);
done:
    cli_free_secret(pass);
    free(def);
    return rc;
}

int cli_normalize_option(const cli_ctx *ctx, int id, const char *arg, ds_normalize_options *o)
{
    switch (id) {
    case CLI_OPT_FORMAT:
        if (ds_format_parse(&o->format, arg) < 0)
            return cli_usage_error(ctx, "--format: '%s' is not one of auto, text, markdown, html",
                                   arg);
        return 1;
    case CLI_OPT_DATE_ORDER:
        if (ds_date_order_parse(&o->date_order, arg) < 0)
            return cli_usage_error(ctx, "--date-order: '%s' is not one of mdy, dmy, ymd", arg);
        return 1;
    case CLI_OPT_KEEP_BOILERPLATE:
        o->keep_boilerplate = 1;
        return 1;
    case CLI_OPT_BOILERPLATE_RULES:
        o->boilerplate_rules = arg;
        return 1;
    case CLI_OPT_FROM_ENCODING:
        o->from_encoding = arg;
        return 1;
    default:
        return 0;
    }
}

int cli_parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (!*s || *end || errno || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

int cli_stdin_once(const cli_ctx *ctx, int argc, char **argv, int first)
{
    int i, seen = 0;
    for (i = first; i < argc; i++)
        if (strcmp(argv[i], "-") == 0 && seen++)
            return cli_usage_error(ctx, "standard input ('-') can be given only once");
    return 0;
}
