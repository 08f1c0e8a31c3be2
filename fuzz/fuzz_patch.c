/* fuzz_patch.c - patch entries (bundle_patch.c): the expander fed an
 * arbitrary patch against an arbitrary base, as a hostile thin bundle would
 * give them, and the patch maker on the same bytes.
 *
 * Input: two bytes (little-endian) giving the base's length (at most the
 * rest of the input), the base, then the rest: the patch to expand, and the
 * content to patch. The expander is fed in pieces of 1 to 64 bytes (the
 * first byte of the patch chooses the size) to walk its streaming paths.
 *
 * Invariants: never crashes or leaks; an expansion that ends without error
 * produced exactly the frame's content size; a patch made of content against
 * base expands back to content, byte for byte. */
#include "bundle_internal.h"
#include "common.h"

static int expand(fz_buf *out, const uint8_t *base, size_t blen, const uint8_t *patch, size_t plen,
                  size_t piece)
{
    ds__patch_dec *dec = NULL;
    ds_sink sink = {fz_sink_write, out};
    size_t off = 0;
    int err;
    if ((err = ds__patch_dec_new(&dec, base, blen, &sink)) < 0)
        return err;
    while (err == 0 && off < plen) {
        size_t n = plen - off < piece ? plen - off : piece;
        err = ds__patch_dec_write(dec, patch + off, n);
        off += n;
    }
    if (err == 0)
        err = ds__patch_dec_end(dec);
    FZ_CHECK(err < 0 || ds__patch_dec_size(dec) == out->n);
    ds__patch_dec_free(dec);
    return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t blen, plen;
    const uint8_t *base, *rest;
    fz_buf out = {0};
    ds__buf patch = DS__BUF_INIT;
    int rc;

    if (size < 2)
        return 0;
    blen = (size_t)data[0] | (size_t)data[1] << 8;
    if (blen > size - 2)
        blen = size - 2;
    base = data + 2;
    rest = base + blen;
    plen = size - 2 - blen;
    /* 1. whatever the rest is, expanded as a patch */
    (void)expand(&out, base, blen, rest, plen, plen ? (size_t)(rest[0] & 63) + 1 : 1);
    free(out.p);
    memset(&out, 0, sizeof out);
    /* 2. the rest as content: made into a patch, expanded back */
    rc = ds__patch_make(&patch, base, blen, plen ? rest : (const uint8_t *)"", plen, 1,
                        plen + 64 + blen / 4);
    FZ_CHECK(rc >= 0);
    if (rc == 1) {
        FZ_CHECK(expand(&out, base, blen, (const uint8_t *)patch.ptr, patch.len, 7) == 0);
        FZ_CHECK(out.n == plen && (plen == 0 || memcmp(out.p, rest, plen) == 0));
    }
    free(out.p);
    ds__buf_free(&patch);
    ds_error_clear();
    return 0;
}
