/* test_core.c - error, hash, report and util basics. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "docseal/docseal.h"
#include "testutil.h"

Test(hash, sha256_of_abc)
{
    char hex[DS_SHA256_HEX_SIZE];
    cr_assert_eq(ds_sha256_hex(hex, "abc", 3), 0);
    cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(hash, streaming_equals_oneshot)
{
    ds_sha256 *c = NULL;
    char a[DS_SHA256_HEX_SIZE], b[DS_SHA256_HEX_SIZE];
    cr_assert_eq(ds_sha256_new(&c), 0);
    cr_assert_eq(ds_sha256_update(c, "a", 1), 0);
    cr_assert_eq(ds_sha256_update(c, "bc", 2), 0);
    cr_assert_eq(ds_sha256_final_hex(c, a), 0);
    ds_sha256_free(c);
    cr_assert_eq(ds_sha256_hex(b, "abc", 3), 0);
    cr_assert_str_eq(a, b);
}

Test(hash, missing_file_is_notfound)
{
    char hex[DS_SHA256_HEX_SIZE];
    cr_assert_eq(ds_sha256_file(hex, "/nonexistent/x", NULL), DS_ENOTFOUND);
    cr_assert_str_eq(ds_error_last(), "/nonexistent/x: No such file or directory");
}

Test(report, json_shape)
{
    ds_report *r = NULL;
    char *json = NULL;
    cr_assert_eq(ds_report_new(&r), 0);
    cr_assert_eq(ds_report_add(r, "digest", DS_CHECK_FAIL, "documents/x.txt", "expected %d", 1),
                 0);
    cr_assert_eq(ds_report_ok(r), 0);
    cr_assert_eq(ds_report_to_json(&json, r), 0);
    cr_assert_str_eq(json, "{\n  \"ok\": false,\n  \"failures\": 1,\n  \"checks\": [\n    {\n"
                           "      \"name\": \"digest\",\n      \"result\": \"fail\",\n"
                           "      \"subject\": \"documents/x.txt\",\n"
                           "      \"detail\": \"expected 1\"\n    }\n  ]\n}");
    free(json);
    ds_report_free(r);
}

Test(cli, version_and_unknown_command)
{
    char *out, *err;
    cr_assert_eq(tu_run(&out, &err, "--version"), 0);
    cr_assert_str_eq(out, "docseal 0.1.0 (library 0.1.0, normalizer norm-1, bundle format 2)\n");
    free(out);
    free(err);
    cr_assert_eq(tu_run(&out, &err, "frobnicate"), 2);
    cr_assert_str_eq(err, "docseal: 'frobnicate' is not a docseal command\nTry 'docseal --help'.\n");
    free(out);
    free(err);
}
