/* fuzz_bundle.c - the bundle reader and verifier fed arbitrary bytes as a
 * .tar.zst file. Invariant: never crashes, never reports success for a
 * bundle without a valid signature by the fixed test key. */
#include "docseal/docseal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    ds_report *r = NULL;
    ds_bundle_info *info = NULL;
    ds_bundle_verify_options o = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    FILE *f;

    snprintf(path, sizeof path, "/tmp/fuzz-bundle-%d.tar.zst", (int)getpid());
    f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    o.deep = 1;
    if (ds_bundle_verify(&r, path, &o, &info) == 0 && ds_report_ok(r))
        abort(); /* no trusted key was given: success is impossible */
    ds_report_free(r);
    ds_bundle_info_free(info);
    if (ds_bundle_read_info(&info, path) == 0)
        ds_bundle_info_free(info);
    unlink(path);
    return 0;
}
