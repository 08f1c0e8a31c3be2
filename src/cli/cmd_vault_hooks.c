/* cmd_vault_hooks.c - PLACEHOLDER vault hooks until the vault module lands. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

int cli_verify_vault(cli_ctx *ctx, const cli_verify_args *args)
{
    (void)args;
    return cli_error("%s: vault verification is not implemented yet", ctx->command);
}

int cli_load_revision_text(cli_ctx *ctx, const char *spec, const ds_normalize_options *nopts,
                           char **text, size_t *len, char **label)
{
    ds_document *doc = NULL;
    ds_normalize_options o = DS_NORMALIZE_OPTIONS_INIT;
    int err;
    (void)ctx;
    if (nopts)
        o = *nopts;
    o.source_name = spec;
    /* Files only for now. */
    if ((err = ds_normalize_file(&doc, spec, NULL, NULL, &o)) < 0)
        return cli_lib_error(err);
    *text = doc->text;
    *len = (size_t)doc->content_size;
    doc->text = NULL;
    *label = strdup(spec);
    ds_document_free(doc);
    return 0;
}

int cli_vault_trusted_keys(cli_ctx *ctx, ds_public_key ***keys, size_t *count)
{
    (void)ctx;
    *keys = NULL;
    *count = 0;
    return 0;
}

int cli_vault_latest_two(cli_ctx *ctx, const char *id, char **spec_a, char **spec_b)
{
    (void)id;
    *spec_a = *spec_b = NULL;
    return cli_error("%s: comparing revisions needs a vault (not implemented yet)", ctx->command);
}
