/* fuzz_minisig.c - the minisign public-key and signature parsers.
 *
 * Input: up to three parts separated by NUL bytes: a public key text, a
 * signature (.minisig) text and the signed message (the rest, NULs
 * included). Seeds built from fixtures/keys make whole verifications
 * succeed, so the trusted-comment path is reached too.
 *
 * Invariants: never crashes or leaks; a parsed key formats to text that
 * parses back to the same key and key id; ds_minisig_key_id() agrees with
 * the key id of a key that verified the signature; a verified signature
 * yields a trusted comment without line breaks. */
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
    char id[DS_KEY_ID_HEX_SIZE], sid[DS_KEY_ID_HEX_SIZE];
    char *tc = NULL;

    if (ds_public_key_parse(&key, p, klen) == 0) {
        char *text = NULL;
        ds_public_key_id(key, id);
        if (strlen(id) != 16)
            abort();
        if (ds_public_key_format(&text, key, NULL) == 0) {
            ds_public_key *again = NULL;
            char id2[DS_KEY_ID_HEX_SIZE];
            if (ds_public_key_parse(&again, text, strlen(text)) != 0 ||
                !ds_public_key_equal(key, again))
                abort(); /* what we print we must read back */
            ds_public_key_id(again, id2);
            if (strcmp(id, id2) != 0)
                abort(); /* the key id survives the round trip */
            ds_public_key_free(again);
        }
        free(text);
        /* a comment with a line break must be refused */
        if (ds_public_key_format(&text, key, "a\nb") == 0)
            abort();
    }
    if (nul) {
        const char *sig = nul + 1;
        size_t rest = size - klen - 1;
        const char *nul2 = memchr(sig, '\0', rest);
        size_t slen = nul2 ? (size_t)(nul2 - sig) : rest;
        const char *msg = nul2 ? nul2 + 1 : "message";
        size_t mlen = nul2 ? rest - slen - 1 : 7;
        int idok = ds_minisig_key_id(sig, slen, sid) == 0;
        if (!idok && sid[0] != '\0')
            abort(); /* documented: hex is "" on failure */
        if (key && ds_minisig_verify(key, msg, mlen, sig, slen, &tc) == 0) {
            if (!tc || strchr(tc, '\n') || strchr(tc, '\r'))
                abort();
            if (!idok || strcmp(sid, id) != 0)
                abort(); /* a verified signature names the key's id */
            free(tc);
        } else if (tc) {
            abort(); /* documented: NULL unless the signature verifies */
        }
    }
    ds_public_key_free(key);
    return 0;
}
