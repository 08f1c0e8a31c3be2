/* bundle_common.h - what the bundle harnesses do with a bundle file. */
#ifndef DS_FUZZ_BUNDLE_COMMON_H
#define DS_FUZZ_BUNDLE_COMMON_H

#include "common.h"

/* Walk every entry with the streaming reader, hashing the readable ones. */
static inline void fz_bundle_walk(const char *path, const ds_bundle_limits *limits)
{
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    int rc;
    size_t n = 0;

    if (ds_bundle_reader_open(&r, path, limits) < 0) {
        FZ_CHECK(r == NULL);
        return;
    }
    while ((rc = ds_bundle_reader_next(r, &e)) == 1) {
        FZ_CHECK(e.path != NULL);
        n++;
        if (e.problem == NULL) {
            ds_sha256 *h = NULL;
            ds_sink s = {ds_sha256_sink_write, NULL};
            FZ_CHECK(ds_sha256_new(&h) == 0);
            s.ctx = h;
            rc = ds_bundle_reader_stream(r, &s);
            ds_sha256_free(h);
            if (rc < 0)
                break;
        } else {
            ds_sink s = {fz_null_write, NULL};
            FZ_CHECK(ds_bundle_reader_stream(r, &s) == DS_EUSAGE);
        }
    }
    FZ_CHECK(rc <= 1);
    if (rc == 0)
        (void)ds_bundle_reader_finish(r);
    {
        uint64_t c, d;
        ds_bundle_reader_offsets(r, &c, &d);
    }
    ds_bundle_reader_free(r);
}

/* Verify (with the given trusted keys), read the info, walk the entries. A
 * bundle that verifies must also read, and every stored text must extract
 * with its content hash. Returns 1 when the bundle verified. */
static inline int fz_bundle_check(const char *path, const ds_public_key *const *keys, size_t nkeys,
                                  int deep, const ds_bundle_limits *limits)
{
    ds_bundle_verify_options o = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    ds_report *rep = NULL;
    ds_bundle_info *vinfo = NULL, *info = NULL;
    int ok = 0, err;

    o.keys = keys;
    o.key_count = nkeys;
    o.deep = deep;
    o.limits = limits;
    err = ds_bundle_verify(&rep, path, &o, &vinfo);
    FZ_CHECK(err == 0 || err == DS_EIO || err == DS_ENOMEM);
    if (err == 0) {
        char *json = NULL;
        FZ_CHECK(rep != NULL);
        FZ_CHECK(rep->count > 0);
        ok = ds_report_ok(rep);
        if (getenv("FZ_DEBUG")) {
            for (size_t i = 0; i < rep->count; i++)
                fprintf(stderr, "  %s %s %s: %s\n", ds_check_result_name(rep->checks[i].result),
                        rep->checks[i].name, rep->checks[i].subject ? rep->checks[i].subject : "-",
                        rep->checks[i].detail ? rep->checks[i].detail : "");
        }
        FZ_CHECK(ok == (rep->failures == 0));
        FZ_CHECK(ds_report_to_json(&json, rep) == 0);
        free(json);
        if (ok && nkeys == 0)
            FZ_CHECK(!"a bundle verified without a trusted key");
    }
    err = ds_bundle_read_info(&info, path);
    if (ok) {
        size_t i;
        FZ_CHECK(vinfo != NULL);
        FZ_CHECK(err == 0);
        FZ_CHECK(strcmp(info->bundle_id, vinfo->bundle_id) == 0);
        FZ_CHECK(info->doc_count == vinfo->doc_count && info->doc_count > 0);
        for (i = 0; i < info->doc_count; i++) {
            const ds_bundle_doc *d = &info->docs[i];
            if (d->document_entry) {
                ds_sha256 *h = NULL;
                ds_sink s = {ds_sha256_sink_write, NULL};
                char hex[DS_SHA256_HEX_SIZE];
                FZ_CHECK(ds_sha256_new(&h) == 0);
                s.ctx = h;
                FZ_CHECK(ds_bundle_extract(path, d->document_entry, &s) == 0);
                FZ_CHECK(ds_sha256_final_hex(h, hex) == 0);
                FZ_CHECK(strcmp(hex, d->content_sha256) == 0);
                ds_sha256_free(h);
            }
        }
    }
    ds_bundle_info_free(info);
    ds_bundle_info_free(vinfo);
    ds_report_free(rep);
    fz_bundle_walk(path, limits);
    return ok;
}

#endif
