/* cmd_vault_hooks.c - vault services for commands of other modules (diff, verify). */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Open the vault quietly: NULL when there is none. */
static ds_vault *open_quiet(cli_ctx *ctx)
{
    ds_vault *v = NULL;
    if (ds_vault_open_ext(&v, ctx->vault_dir) < 0) {
        ds_error_clear();
        return NULL;
    }
    return v;
}

static char *label_for(const char *id, unsigned rev)
{
    size_t n = strlen(id) + 16;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s@%u", id, rev);
    return s;
}

int cli_load_revision_text(cli_ctx *ctx, const char *spec, const ds_normalize_options *nopts,
                           char **text, size_t *len, char **label)
{
    ds_document *doc = NULL;
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    ds_vault *v = NULL;
    struct stat st;
    char *id = NULL;
    ds_vault_rev rev;
    ds_vault_entry e;
    int err, is_file = strcmp(spec, "-") == 0 || stat(spec, &st) == 0;
    /* a path as written ("/x", "./x", "../x") is a file, never an id */
    int path_form = spec[0] == '/' || strncmp(spec, "./", 2) == 0 || strncmp(spec, "../", 3) == 0;

    *text = NULL;
    *label = NULL;
    *len = 0;
    /* a vault document (ID or ID@REV) first, then a file */
    if (strcmp(spec, "-") != 0 && !path_form && (v = open_quiet(ctx)) != NULL) {
        if ((err = ds_vault_spec_split(&id, &rev, spec)) < 0) {
            ds_vault_free(v);
            return cli_lib_error(err);
        }
        err = ds_vault_resolve(&e, v, id, &rev);
        if (err == 0) {
            if (is_file && !S_ISDIR(st.st_mode))
                cli_note(ctx,
                         "'%s' names both a document in the vault and a file; comparing the "
                         "document (%s@%u); for the file, write './%s'",
                         spec, id, e.revision, spec);
            err = ds_vault_read(text, len, v, id, &e, 0);
            if (err == 0 && !(*label = label_for(id, e.revision)))
                err = DS_ENOMEM;
            free(id);
            ds_vault_free(v);
            if (err < 0) {
                free(*text);
                *text = NULL;
                /* for diff, exit status 1 means "they differ": a revision
                 * that cannot be read as the manifest has it (a replaced
                 * bundle) is an error */
                cli_lib_error(err);
                return CLI_EXIT_ERROR;
            }
            return 0;
        }
        ds_vault_free(v);
        if (!is_file) {
            /* not a file either: the vault's reason is the useful one, unless the
             * document itself is unknown */
            int rc;
            if (err == DS_ENOTFOUND && (!strstr(ds_error_last(), "no such document") ||
                                        strstr(ds_error_last(), "is not a revision")))
                rc = cli_lib_error(err);
            else
                rc = cli_error("%s: neither a document in the vault nor a file", spec);
            free(id);
            return rc;
        }
        free(id);
        ds_error_clear();
    } else if (!is_file && !path_form) {
        return cli_error("%s: no such file (and no vault to look it up in)", spec);
    }
    if (nopts)
        o = *nopts;
    o.source_name = spec;
    if ((err = ds_normalize_file(&doc, spec, NULL, NULL, &o)) < 0)
        return cli_lib_error(err);
    *text = doc->text;
    *len = (size_t)doc->content_size;
    doc->text = NULL;
    *label = strdup(spec);
    ds_document_free(doc);
    if (!*label) {
        free(*text);
        *text = NULL;
        return cli_error("out of memory");
    }
    return 0;
}

int cli_vault_trusted_keys(cli_ctx *ctx, ds_public_key ***keys, size_t *count)
{
    ds_vault *v = open_quiet(ctx);
    int err;
    *keys = NULL;
    *count = 0;
    if (!v)
        return 0;
    err = ds_vault_trusted_keys(keys, count, v);
    ds_vault_free(v);
    return err < 0 ? cli_lib_error(err) : 0;
}

int cli_vault_latest_two(cli_ctx *ctx, const char *id, char **spec_a, char **spec_b)
{
    ds_vault *v = NULL;
    ds_vault_rev latest = {DS_VAULT_REV_LATEST, 0, 0};
    ds_vault_entry e;
    int err;

    *spec_a = *spec_b = NULL;
    if ((err = ds_vault_open_ext(&v, ctx->vault_dir)) < 0)
        return cli_lib_error(err);
    err = ds_vault_resolve(&e, v, id, &latest);
    ds_vault_free(v);
    if (err == DS_ENOTFOUND && strchr(id, '@'))
        return cli_error("%s: no such document; with one operand diff takes a document ID and "
                         "compares its last two revisions (for a revision, give two: "
                         "'docseal diff ID@N ID@M')",
                         id);
    if (err < 0)
        return cli_lib_error(err);
    if (e.revision < 2)
        return cli_error("%s: has only one revision; nothing to compare", id);
    /* "ID@N" always splits back at its last '@' into ID and N */
    *spec_a = label_for(id, e.revision - 1);
    *spec_b = label_for(id, e.revision);
    if (!*spec_a || !*spec_b) {
        free(*spec_a);
        free(*spec_b);
        *spec_a = *spec_b = NULL;
        return cli_error("out of memory");
    }
    return 0;
}
