/* fuzz_bundle_tar.c - structure-aware bundle fuzzing: the input is an
 * uncompressed tar archive (after one option byte), which the harness
 * compresses with libzstd before handing the file to the bundle reader and
 * verifier, so mutations reach libarchive and docseal's entry rules instead
 * of dying in the zstd layer. Seeds are real bundles, decompressed, signed
 * by fixtures/keys/rfc8032-1.key, whose public key is trusted here, so the
 * digest, signature and snapshot checks run too.
 *
 * Option byte:
 *   bit 0  leave tar header checksums alone (otherwise they are recomputed
 *          after mutation, so libarchive accepts the header);
 *   bit 1  do not trust the key;
 *   bit 2  deep verification (re-normalize originals);
 *   bit 3  split the compressed data into two zstd frames;
 *   bit 4  tight limits (entries, path, sizes) instead of the defaults.
 * Invariants: those of bundle_common.h (never crashes; a bundle that
 * verifies reads and extracts with its digests). */
#include "bundle_common.h"

#include <zstd.h>

/* rfc8032-1.key.pub (fixtures/keys) */
static const char rfc8032_pub[] = "RWSJkGzk5drkENdamAGCsQq31Uv+08lkBzoO4XLz2qYjJa8CGmj3B1Ea\n";
static ds_public_key *trusted;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    if (ds_public_key_parse(&trusted, rfc8032_pub, strlen(rfc8032_pub)) < 0)
        abort();
    return 0;
}

static uint64_t octal(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    size_t i = 0;
    if (p[0] & 0x80) { /* base-256 */
        for (i = 1; i < n; i++)
            v = v << 8 | p[i];
        return v;
    }
    while (i < n && (p[i] == ' ' || p[i] == '\0'))
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++)
        v = v * 8 + (uint64_t)(p[i] - '0');
    return v;
}

/* Recompute the checksum of every ustar header reached by walking sizes. */
static void fix_checksums(unsigned char *t, size_t n)
{
    size_t off = 0;
    while (off + 512 <= n) {
        unsigned char *h = t + off;
        unsigned sum = 0;
        uint64_t size;
        size_t i;
        if (memcmp(h + 257, "ustar", 5) != 0) {
            off += 512;
            continue;
        }
        memset(h + 148, ' ', 8);
        for (i = 0; i < 512; i++)
            sum += h[i];
        snprintf((char *)h + 148, 8, "%06o", sum & 0777777u);
        h[155] = ' ';
        size = octal(h + 124, 12);
        if (size > n)
            break;
        off += 512 + (size_t)((size + 511) / 512 * 512);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_tmp_path(".tar.zst");
    const ds_public_key *keys[1];
    ds_bundle_limits tight = DS_BUNDLE_LIMITS_INIT;
    unsigned char *tar = NULL;
    void *z = NULL;
    size_t zcap, zlen = 0, half;
    unsigned cfg;

    if (size < 1)
        return 0;
    cfg = data[0];
    data++, size--;
    tar = malloc(size ? size : 1);
    FZ_CHECK(tar != NULL);
    memcpy(tar, data, size);
    if (!(cfg & 1))
        fix_checksums(tar, size);
    zcap = ZSTD_compressBound(size) * 2 + 64;
    z = malloc(zcap);
    FZ_CHECK(z != NULL);
    half = cfg & 8 ? size / 2 : size;
    zlen = ZSTD_compress(z, zcap, tar, half, 1);
    FZ_CHECK(!ZSTD_isError(zlen));
    if (half < size) {
        size_t more = ZSTD_compress((char *)z + zlen, zcap - zlen, tar + half, size - half, 1);
        FZ_CHECK(!ZSTD_isError(more));
        zlen += more;
    }
    if (fz_write_file(path, z, zlen) == 0) {
        keys[0] = trusted;
        tight.max_entries = 8;
        tight.max_path = 80;
        tight.max_entry_size = 4096;
        tight.max_metadata_size = 4096;
        tight.max_signature_size = 512;
        tight.max_total_size = 16384;
        tight.max_window_log = 20;
        (void)fz_bundle_check(path, keys, cfg & 2 ? 0 : 1, (cfg >> 2) & 1,
                              cfg & 16 ? &tight : NULL);
        unlink(path);
    }
    free(z);
    free(tar);
    return 0;
}
