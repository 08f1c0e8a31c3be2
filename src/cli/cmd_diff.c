/* cmd_diff.c - docseal diff: compare two revisions of a document. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    OPT_JSON = CLI_LONG,
    OPT_IGNORE_COSMETIC,
    OPT_NO_MOVES,
    OPT_MINIMAL,
    OPT_NO_NORMALIZE,
    OPT_INPUT_FORMAT,
};

static const cli_option options[] = {
    {"format", 'f', 1, "FMT",
     "output: color, plain, unified, json, html, summary (default: color on a terminal, else "
     "plain)"},
    {"json", OPT_JSON, 0, NULL, "same as --format json"},
    {"summary", 's', 0, NULL, "print only the change summary"},
    {"ignore-cosmetic", OPT_IGNORE_COSMETIC, 0, NULL,
     "hide cosmetic-only changes; exit 0 when there are no others"},
    {"context", 'U', 1, "N",
     "show N unchanged paragraphs around changes (unified: N lines; default all, unified 3)"},
    {"output", 'o', 1, "FILE", "write to FILE instead of standard output"},
    {"no-moves", OPT_NO_MOVES, 0, NULL, "do not detect moved paragraphs"},
    {"minimal", OPT_MINIMAL, 0, NULL, "minimal diff without the work limit (may be slow)"},
    {"no-normalize", OPT_NO_NORMALIZE, 0, NULL,
     "compare files as they are (already normalized text)"},
    {"input-format", OPT_INPUT_FORMAT, 1, "FMT",
     "read file operands as auto, text, markdown or html (default auto)"},
    {NULL, 0, 0, NULL, NULL},
};

extern const cli_command cmd_diff;

/* An operand's text: malloc'd, or mapped (--no-normalize on a regular file). */
typedef struct text {
    char *ptr;
    size_t len;
    int mapped;
    char *label;
} text;

static void text_free(text *t)
{
    if (t->mapped)
        munmap(t->ptr, t->len);
    else
        free(t->ptr);
    free(t->label);
    memset(t, 0, sizeof *t);
}

/* Read a whole stream as it is. Returns 0 or an exit status after printing
 * the error. */
static int read_stream(FILE *f, const char *name, text *t)
{
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        size_t got;
        if (cap - n < 65536) {
            char *nb;
            cap = cap ? cap * 2 : 1 << 16;
            if (!(nb = realloc(buf, cap + 1))) {
                free(buf);
                return cli_error("%s: out of memory", name);
            }
            buf = nb;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        return cli_error("%s: %s", name, strerror(e));
    }
    buf[n] = '\0';
    t->ptr = buf;
    t->len = n;
    return 0;
}

/* A file as it is ("-" = standard input): regular files are mapped. */
static int read_raw(const char *path, text *t)
{
    struct stat st;
    FILE *f;
    int fd, rc;
    if (strcmp(path, "-") == 0)
        return read_stream(stdin, "<stdin>", t);
    if ((fd = open(path, O_RDONLY)) < 0)
        return cli_error("%s: %s", path, strerror(errno));
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return cli_error("%s: is a directory", path);
    }
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uintmax_t)st.st_size <= (uintmax_t)SIZE_MAX) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p != MAP_FAILED) {
            close(fd);
            t->ptr = p;
            t->len = (size_t)st.st_size;
            t->mapped = 1;
            return 0;
        }
    }
    if (!(f = fdopen(fd, "rb"))) {
        close(fd);
        return cli_error("%s: %s", path, strerror(errno));
    }
    rc = read_stream(f, path, t);
    fclose(f);
    return rc;
}

static int load(cli_ctx *ctx, const char *spec, int raw, const ds_normalize_options *nopts, text *t)
{
    int rc;
    if (!raw)
        return cli_load_revision_text(ctx, spec, nopts, &t->ptr, &t->len, &t->label);
    if ((rc = read_raw(spec, t)) != 0)
        return rc;
    if (!(t->label = strdup(strcmp(spec, "-") == 0 ? "<stdin>" : spec))) {
        text_free(t);
        return cli_error("out of memory");
    }
    return 0;
}

typedef struct load_job {
    cli_ctx *ctx;
    const char *spec;
    int raw;
    const ds_normalize_options *nopts;
    text *t;
    int rc;
} load_job;

static void *load_thread(void *arg)
{
    load_job *j = arg;
    j->rc = load(j->ctx, j->spec, j->raw, j->nopts, j->t);
    return NULL;
}

static int big_regular_file(const char *path)
{
    struct stat st;
    return strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           st.st_size >= 65536;
}

/* Load both operands; two large files are normalized at the same time, one
 * per core (cli_load_revision_text is safe to call from two threads). */
static int load_both(cli_ctx *ctx, const char *sa, const char *sb, int raw,
                     const ds_normalize_options *nopts, text *ta, text *tb)
{
    load_job jb = {ctx, sb, raw, nopts, tb, 0};
    pthread_t th;
    int rc;
    if (raw || !big_regular_file(sa) || !big_regular_file(sb) ||
        pthread_create(&th, NULL, load_thread, &jb) != 0) {
        if ((rc = load(ctx, sa, raw, nopts, ta)) != 0)
            return rc;
        return load(ctx, sb, raw, nopts, tb);
    }
    rc = load(ctx, sa, raw, nopts, ta);
    pthread_join(th, NULL);
    return rc ? rc : jb.rc;
}

static int run(cli_ctx *ctx, int argc, char **argv)
{
    cli_getopt g;
    ds_diff_options dopts = DS_DIFF_OPTIONS_INIT;
    ds_diff_render_options ropts = DS_DIFF_RENDER_OPTIONS_INIT;
    ds_normalize_options nopts = DS_NORMALIZE_OPTIONS_INIT;
    ds_diff_format fmt = DS_DIFF_FORMAT_PLAIN;
    const char *format = NULL, *output = NULL, *bad_context = NULL, *bad_input_format = NULL;
    int summary = 0, ignore_cosmetic = 0, raw = 0, c, rc = CLI_EXIT_ERROR, err;
    char *spec_a = NULL, *spec_b = NULL;
    text ta = {NULL, 0, 0, NULL}, tb = {NULL, 0, 0, NULL};
    ds_diff *diff = NULL;
    FILE *out = stdout;
    ds_sink sink;

    cli_getopt_init(&g, ctx, &cmd_diff, argc, argv);
    while ((c = cli_getopt_next(&g)) != -1) {
        switch (c) {
        case 'f':
            format = g.arg;
            break;
        case OPT_JSON:
            format = "json";
            break;
        case 's':
            summary = 1;
            break;
        case OPT_IGNORE_COSMETIC:
            ignore_cosmetic = 1;
            break;
        case 'U': {
            char *end;
            long v;
            errno = 0;
            v = strtol(g.arg, &end, 10);
            if (errno || *end || end == g.arg || v < 0 || v > 1000000)
                bad_context = g.arg; /* reported after the loop, which must finish */
            else
                ropts.context = v;
            break;
        }
        case 'o':
            output = g.arg;
            break;
        case OPT_NO_MOVES:
            dopts.flags |= DS_DIFF_NO_MOVES;
            break;
        case OPT_MINIMAL:
            dopts.flags |= DS_DIFF_MINIMAL;
            break;
        case OPT_NO_NORMALIZE:
            raw = 1;
            break;
        case OPT_INPUT_FORMAT:
            if (ds_format_parse(&nopts.format, g.arg) < 0)
                bad_input_format = g.arg;
            break;
        }
    }
    if (g.status >= 0)
        return g.status;
    if (output && !*output)
        return cli_usage_error(ctx, "-o: the output path is empty");
    if (bad_context)
        return cli_usage_error(ctx, "invalid context '%s' (expected a number >= 0)", bad_context);
    if (bad_input_format && ds_format_parse(&nopts.format, bad_input_format) < 0)
        return cli_usage_error(ctx, "%s", ds_error_last());
    argc -= g.optind;
    argv += g.optind;
    if (argc < 1 || argc > 2)
        return cli_usage_error(ctx, "expected two revisions (A B) or one document ID");
    if (format && ds_diff_format_parse(&fmt, format) < 0)
        return cli_usage_error(ctx, "%s", ds_error_last());
    if (!format)
        fmt = ctx->color_out && !output ? DS_DIFF_FORMAT_COLOR : DS_DIFF_FORMAT_PLAIN;
    else if (fmt == DS_DIFF_FORMAT_COLOR && ctx->color_never)
        fmt = DS_DIFF_FORMAT_PLAIN; /* an explicit --color=never wins */
    if (summary) {
        if (fmt == DS_DIFF_FORMAT_UNIFIED || fmt == DS_DIFF_FORMAT_HTML)
            return cli_usage_error(ctx,
                                   "--summary does not work with --format %s (it works with "
                                   "color, plain, summary and json)",
                                   fmt == DS_DIFF_FORMAT_UNIFIED ? "unified" : "html");
        if (fmt == DS_DIFF_FORMAT_JSON)
            ropts.flags |= DS_DIFF_RENDER_SUMMARY_ONLY;
        else {
            if (fmt == DS_DIFF_FORMAT_COLOR)
                ropts.flags |= DS_DIFF_RENDER_COLOR;
            fmt = DS_DIFF_FORMAT_SUMMARY;
        }
    }
    if (ignore_cosmetic)
        ropts.flags |= DS_DIFF_RENDER_HIDE_COSMETIC;

    if (argc == 2) {
        if (strcmp(argv[0], "-") == 0 && strcmp(argv[1], "-") == 0)
            return cli_usage_error(ctx, "only one operand may be '-'");
        if (!(spec_a = strdup(argv[0])) || !(spec_b = strdup(argv[1]))) {
            rc = cli_error("out of memory");
            goto done;
        }
    } else {
        /* docseal diff ID: the latest two revisions, from the vault */
        if (raw) {
            rc = cli_usage_error(ctx, "--no-normalize needs two file operands");
            goto done;
        }
        if ((rc = cli_vault_latest_two(ctx, argv[0], &spec_a, &spec_b)) != 0)
            goto done;
    }
    nopts.flags |= DS_NORMALIZE_NO_DIGESTS; /* only the texts are compared */
    if ((rc = load_both(ctx, spec_a, spec_b, raw, &nopts, &ta, &tb)) != 0)
        goto done;
    dopts.a_label = ta.label;
    dopts.b_label = tb.label;
    dopts.flags |= DS_DIFF_BORROW_TEXTS; /* ta and tb outlive the diff */
    if ((err = ds_diff_texts(&diff, ta.ptr, ta.len, tb.ptr, tb.len, &dopts)) < 0) {
        rc = cli_lib_error(err);
        goto done;
    }
    if (output && strcmp(output, "-") != 0 && !(out = fopen(output, "w"))) {
        out = stdout;
        rc = cli_error("%s: %s", output, strerror(errno));
        goto done;
    }
    sink.write = cli_file_sink_write;
    sink.ctx = out;
    if ((err = ds_diff_render(diff, fmt, &ropts, &sink)) < 0) {
        rc = err == DS_EIO ? CLI_EXIT_ERROR : cli_lib_error(err);
        goto done;
    }
    if ((rc = cli_flush(out, out == stdout ? CLI_STDOUT : output)) != 0)
        goto done;
    switch (ds_diff_get_summary(diff)->classification) {
    case DS_DIFF_IDENTICAL:
        rc = CLI_EXIT_OK;
        break;
    case DS_DIFF_COSMETIC:
        rc = ignore_cosmetic ? CLI_EXIT_OK : CLI_EXIT_NEGATIVE;
        break;
    default:
        rc = CLI_EXIT_NEGATIVE;
        break;
    }
done:
    if (out != stdout && fclose(out) != 0 && rc != CLI_EXIT_ERROR)
        rc = cli_error("%s: %s", output, strerror(errno));
    ds_diff_free(diff);
    free(spec_a);
    free(spec_b);
    text_free(&ta);
    text_free(&tb);
    return rc;
}

const cli_command cmd_diff = {
    "diff", "[OPTIONS] A B | ID",
    "show what changed between two revisions (exit 0 same, 1 different, 2 error)", options, run};
