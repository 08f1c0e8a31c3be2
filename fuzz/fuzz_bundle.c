/* fuzz_bundle.c - the bundle reader and verifier (bundle_read.c,
 * bundle_verify.c) fed arbitrary bytes as a .tar.zst file, exactly as a
 * hostile bundle would arrive. (fuzz_bundle_tar.c compresses its input first
 * so that mutations reach the tar layer.)
 *
 * Invariants: never crashes or leaks; never reports success without a
 * trusted key; the streaming reader walks whatever the verifier read. */
#include "bundle_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fz_tmp_path(".tar.zst");
    if (fz_write_file(path, data, size) < 0)
        return 0;
    (void)fz_bundle_check(path, NULL, 0, 1, NULL);
    unlink(path);
    return 0;
}
