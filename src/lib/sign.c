/* sign.c - PLACEHOLDER until the sign module lands. */
#include "docseal/sign.h"
#include "util.h"

int ds_secret_key_is_encrypted(const char *path)
{
    (void)path;
    return ds__error_set(DS_EUNSUPPORTED, "keys: not implemented yet");
}

int ds_secret_key_load(ds_secret_key **out, const char *path, const char *passphrase)
{
    (void)out, (void)path, (void)passphrase;
    return ds__error_set(DS_EUNSUPPORTED, "keys: not implemented yet");
}

int ds_default_key_path(char **out)
{
    (void)out;
    return ds__error_set(DS_EUNSUPPORTED, "keys: not implemented yet");
}
