/* fuzz_minisig.c - the minisign public-key and signature parsers.
 * The input is split at the first NUL: a public key text, then a signature
 * text; the signature is checked against a fixed message. */
#include "docseal/docseal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nul = memchr(p, '\0', size);
    size_t klen = nul ? (size_t)(nul - p) : size;
    ds_public_key *key = NULL;
    char id[DS_KEY_ID_HEX_SIZE];
    char *tc = NULL;

    if (ds_public_key_parse(&key, p, klen) == 0) {
        char *text = NULL;
        ds_public_key_id(key, id);
        if (ds_public_key_format(&text, key, NULL) == 0) {
            ds_public_key *again = NULL;
            if (ds_public_key_parse(&again, text, strlen(text)) != 0 ||
                !ds_public_key_equal(key, again))
                abort(); /* what we print we must read back */
            ds_public_key_free(again);
        }
        free(text);
    }
    if (nul) {
        const char *sig = nul + 1;
        size_t slen = size - klen - 1;
        (void)ds_minisig_key_id(sig, slen, id);
        if (key && ds_minisig_verify(key, "message", 7, sig, slen, &tc) == 0)
            free(tc);
    }
    ds_public_key_free(key);
    return 0;
}
