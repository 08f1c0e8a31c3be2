/* test_vault.c - the vault through the library API: init, add, revisions, index,
 * verify after tampering, torn tails and repair. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docseal/docseal.h"
#include "testutil.h"

#define T0 1515672000 /* 2018-01-11T12:00:00Z */
#define ART "fixtures/articles/000_b02582cd44c05fde.txt"

static char *g_dir;  /* temporary directory of the test */
static char *g_vdir; /* <g_dir>/vault */
static ds_secret_key *g_key;

static ds_secret_key *load_key(const char *name)
{
    char path[512], src[256];
    size_t len;
    char *data;
    ds_secret_key *k = NULL;
    snprintf(src, sizeof src, "fixtures/keys/%s.key", name);
    data = tu_read(tu_src(src), &len);
    snprintf(path, sizeof path, "%s/%s.key", g_dir, name);
    tu_write(path, data, len);
    chmod(path, 0600);
    free(data);
    cr_assert_eq(ds_secret_key_load(&k, path, NULL), 0, "%s", ds_error_last());
    return k;
}

static ds_vault *make_vault(const char *sub, ds_secret_key *key)
{
    ds_vault_init_options io = DS_VAULT_INIT_OPTIONS_INIT;
    ds_public_key *pub = NULL;
    ds_vault *v = NULL;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", g_dir, sub);
    cr_assert_eq(ds_secret_key_public(&pub, key), 0);
    io.created = T0;
    io.compression_level = 3;
    cr_assert_eq(ds_vault_init(&v, dir, pub, &io), 0, "%s", ds_error_last());
    ds_public_key_free(pub);
    return v;
}

static void setup(void)
{
    char p[512];
    g_dir = tu_tmpdir();
    snprintf(p, sizeof p, "%s/vault", g_dir);
    g_vdir = strdup(p);
    g_key = load_key("vault-test");
}

static void teardown(void)
{
    char cmd[600];
    ds_secret_key_free(g_key);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    (void)system(cmd);
    free(g_dir);
    free(g_vdir);
}

/* Add paths (NULL-terminated) at time t; returns the result (caller frees). */
static ds_vault_add_result *add_at(ds_vault *v, int64_t t, const char *id, ...)
{
    const char *paths[16];
    size_t n = 0;
    va_list ap;
    const char *p;
    ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
    ds_vault_add_result *r = NULL;
    va_start(ap, id);
    while ((p = va_arg(ap, const char *)) != NULL)
        paths[n++] = p;
    va_end(ap);
    ao.time = t;
    ao.id = id;
    ao.threads = 1;
    cr_assert_eq(ds_vault_add(&r, v, g_key, paths, n, &ao), 0, "add: %s", ds_error_last());
    return r;
}

static char *rev_path(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "fixtures/revisions/%s", name);
    return strdup(tu_src(rel));
}

static ds_report *verify(ds_vault *v, const char *expect_head)
{
    ds_vault_verify_options vo = DS_VAULT_VERIFY_OPTIONS_INIT;
    ds_report *rep = NULL;
    vo.expect_head = expect_head;
    cr_assert_eq(ds_vault_verify(&rep, v, &vo), 0, "%s", ds_error_last());
    return rep;
}

/* The failing checks as "name subject: detail\n" lines. */
static char *failures(const ds_report *r)
{
    static char buf[16384];
    size_t i, n = 0;
    buf[0] = '\0';
    for (i = 0; i < r->count && n < sizeof buf - 1; i++) {
        const ds_check *c = &r->checks[i];
        if (c->result != DS_CHECK_FAIL)
            continue;
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s %s: %s\n", c->name,
                              c->subject ? c->subject : "-", c->detail ? c->detail : "");
    }
    return buf;
}

static void expect_ok(ds_vault *v)
{
    ds_report *r = verify(v, NULL);
    cr_assert(ds_report_ok(r), "verify failed:\n%s", failures(r));
    ds_report_free(r);
}

/* Build the main-job vault: the article, then five cumulative revisions. */
static const char *const revs[] = {"vault-2-typo.txt", "vault-3-quote.txt", "vault-4-figure.txt",
                                   "vault-5-paragraph.txt", "vault-6-headline.txt"};

static ds_vault *main_job_vault(void)
{
    ds_vault *v = make_vault("vault", g_key);
    size_t i;
    ds_vault_add_result_free(add_at(v, T0, "putin-kim", tu_src(ART), NULL));
    for (i = 0; i < 5; i++) {
        char *p = rev_path(revs[i]);
        ds_vault_add_result_free(add_at(v, T0 + 86400 * (int64_t)(i + 1), "putin-kim", p, NULL));
        free(p);
    }
    return v;
}

TestSuite(vault, .init = setup, .fini = teardown);

Test(vault, init_layout_and_refusal)
{
    ds_vault *v = make_vault("vault", g_key), *v2 = NULL;
    char p[600], *cfg;
    struct stat st;
    const char *names[] = {
        "docseal.json", "manifest.jsonl", "bundles", "index", "trusted-keys/A67C4D5530FCDCF0.pub",
        ".lock"};
    size_t i;
    for (i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", g_vdir, names[i]);
        cr_assert_eq(stat(p, &st), 0, "%s missing", names[i]);
    }
    snprintf(p, sizeof p, "%s/docseal.json", g_vdir);
    cfg = tu_read(p, NULL);
    snprintf(p, sizeof p,
             "{\n  \"format\": \"docseal-vault\",\n  \"version\": 2,\n  \"created\": "
             "\"2018-01-11T12:00:00Z\",\n  \"key\": null,\n  \"compression_level\": 3\n}\n");
    cr_assert_str_eq(cfg, p);
    free(cfg);
    cr_assert_eq(ds_vault_compression_level(v), 3);
    cr_assert_eq(ds_vault_init(&v2, g_vdir, NULL, NULL), DS_EEXISTS);
    snprintf(p, sizeof p, "%s: already a docseal vault", g_vdir);
    cr_assert_str_eq(ds_error_last(), p);
    ds_vault_free(v);
    /* open and discovery */
    cr_assert_eq(ds_vault_open(&v, g_vdir), 0);
    ds_vault_free(v);
    cr_assert_eq(ds_vault_open(&v, g_dir), DS_ENOTFOUND);
    snprintf(p, sizeof p, "%s: not a docseal vault (no docseal.json)", g_dir);
    cr_assert_str_eq(ds_error_last(), p);
}

Test(vault, discover_upward_and_env)
{
    ds_vault *v = make_vault("vault", g_key);
    char sub[600], *found = NULL, *cwd = getcwd(NULL, 0), *real = realpath(g_vdir, NULL);
    ds_vault_free(v);
    snprintf(sub, sizeof sub, "%s/bundles", g_vdir);
    cr_assert_eq(chdir(sub), 0);
    unsetenv("DOCSEAL_VAULT");
    cr_assert_eq(ds_vault_discover(&found, NULL), 0, "%s", ds_error_last());
    cr_assert_str_eq(found, real);
    free(found);
    cr_assert_eq(chdir(g_dir), 0);
    cr_assert_eq(ds_vault_discover(&found, NULL), DS_ENOTFOUND);
    setenv("DOCSEAL_VAULT", g_vdir, 1);
    cr_assert_eq(ds_vault_discover(&found, NULL), 0);
    cr_assert_str_eq(found, g_vdir);
    free(found);
    unsetenv("DOCSEAL_VAULT");
    cr_assert_eq(chdir(cwd), 0);
    free(cwd);
    free(real);
}

Test(vault, revisions_numbering_and_statuses)
{
    ds_vault *v = main_job_vault();
    ds_vault_add_result *r;
    ds_vault_entry *h = NULL;
    ds_vault_doc_info *docs = NULL;
    size_t n = 0, i;
    char *p6 = rev_path("vault-6-headline.txt"), *p6b = rev_path("vault-6-headline-reflowed.txt");

    /* the same text again, and the same text written differently: unchanged */
    r = add_at(v, T0 + 86400 * 7, "putin-kim", p6, NULL);
    cr_assert_eq(r->seq, 7);
    cr_assert_eq(r->docs[0].revision, 6);
    cr_assert_eq(r->docs[0].status, DS_DOC_UNCHANGED);
    ds_vault_add_result_free(r);
    r = add_at(v, T0 + 86400 * 8, "putin-kim", p6b, NULL);
    cr_assert_eq(r->docs[0].revision, 6);
    cr_assert_eq(r->docs[0].status, DS_DOC_UNCHANGED);
    ds_vault_add_result_free(r);

    cr_assert_eq(ds_vault_history(&h, &n, v, "putin-kim"), 0, "%s", ds_error_last());
    cr_assert_eq(n, 8);
    for (i = 0; i < 6; i++) {
        cr_assert_eq(h[i].revision, i + 1);
        cr_assert_eq(h[i].seq, i + 1);
        cr_assert_eq(h[i].status, i == 0 ? DS_DOC_NEW : DS_DOC_CHANGED);
        cr_assert_eq(h[i].time, T0 + 86400 * (int64_t)i);
    }
    cr_assert_eq(h[6].status, DS_DOC_UNCHANGED);
    cr_assert_str_eq(h[6].content_sha256, h[5].content_sha256);
    cr_assert_str_eq(h[6].original_sha256, h[5].original_sha256);
    cr_assert_str_eq(h[7].content_sha256, h[5].content_sha256);
    cr_assert_str_neq(h[7].original_sha256, h[5].original_sha256);
    free(h);

    cr_assert_eq(ds_vault_documents(&docs, &n, v), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(docs[0].id, "putin-kim");
    cr_assert_eq(docs[0].revisions, 6);
    cr_assert_eq(docs[0].sightings, 8);
    cr_assert_eq(docs[0].first_seen, T0);
    cr_assert_eq(docs[0].last_seen, T0 + 86400 * 8);
    cr_assert_eq(docs[0].last_change, T0 + 86400 * 5);
    ds_vault_doc_info_free(docs, n);
    expect_ok(v);
    free(p6);
    free(p6b);
    ds_vault_free(v);
}

static int count_sink(void *ctx, const void *data, size_t len)
{
    (void)data;
    *(size_t *)ctx += len;
    return 0;
}

/* An unchanged document read from other bytes keeps those bytes: its
 * original is stored (without its text); from the same bytes, nothing is */
Test(vault, unchanged_sighting_keeps_different_original_bytes)
{
    ds_vault *v = main_job_vault();
    ds_vault_add_result *r;
    ds_bundle_info *info = NULL;
    char *p6 = rev_path("vault-6-headline.txt"), *p6b = rev_path("vault-6-headline-reflowed.txt");
    char bpath[600], want[128];
    size_t i;
    const char *const files[] = {p6, p6b, p6b};
    const int kept[] = {0, 1, 0};

    for (i = 0; i < 3; i++) {
        r = add_at(v, T0 + 86400 * (int64_t)(7 + i), "putin-kim", files[i], NULL);
        cr_assert_eq(r->docs[0].status, DS_DOC_UNCHANGED);
        snprintf(bpath, sizeof bpath, "%s/bundles/%s.tar.zst", g_vdir, r->bundle);
        cr_assert_eq(ds_bundle_read_info(&info, bpath), 0, "%s", ds_error_last());
        if (!kept[i]) {
            /* the same bytes again: a compact sighting (vault version 2), listed
             * by id in "unchanged", format 2 */
            cr_assert_eq(info->format_version, 2);
            cr_assert_eq(info->doc_count, 0);
            cr_assert_eq(info->unchanged_count, 1);
            cr_assert_str_eq(info->unchanged[0].id, "putin-kim");
            cr_assert_eq(info->unchanged[0].revision, 6);
            cr_assert_eq(strlen(info->unchanged_sha256), 64);
            ds_bundle_info_free(info);
            info = NULL;
            ds_vault_add_result_free(r);
            continue;
        }
        cr_assert_eq(info->format_version, 2); /* its original offered a base */
        cr_assert_eq(info->doc_count, 1);
        cr_assert_null(info->docs[0].document_entry);
        if (kept[i]) {
            ds_bundle_base_provider bases;
            char patch[300];
            snprintf(want, sizeof want, "originals/%s.md", r->docs[0].original_sha256);
            cr_assert_str_eq(info->docs[0].original_entry, want, "add %zu", i);
            size_t got = 0;
            ds_sink sink = {count_sink, &got};
            /* stored as a patch against the revision's original (a kept
             * original of a page whose furniture changes costs its changes) */
            cr_assert_eq(ds_bundle_extract(bpath, want, &sink), DS_ENOTFOUND);
            cr_assert_eq(ds_vault_base_provider(&bases, v), 0);
            cr_assert_eq(ds_bundle_extract_ext(bpath, want, &sink, &bases), 0, "%s",
                         ds_error_last());
            cr_assert_eq(got, 3941); /* vault-6-headline-reflowed.txt */
            snprintf(patch, sizeof patch, "%s.from-", want);
            {
                ds_bundle_reader *rd = NULL;
                ds_bundle_entry e;
                int found = 0;
                cr_assert_eq(ds_bundle_reader_open(&rd, bpath, NULL), 0);
                while (ds_bundle_reader_next(rd, &e) == 1)
                    found |= strncmp(e.path, patch, strlen(patch)) == 0;
                ds_bundle_reader_free(rd);
                cr_assert(found, "no patch entry %s...", patch);
            }
        } else {
            cr_assert_null(info->docs[0].original_entry, "add %zu", i);
        }
        ds_bundle_info_free(info);
        info = NULL;
        ds_vault_add_result_free(r);
    }
    expect_ok(v);
    free(p6);
    free(p6b);
    ds_vault_free(v);
}

Test(vault, revision_selection)
{
    ds_vault *v = main_job_vault();
    ds_vault_rev rev;
    ds_vault_entry e;
    char *id = NULL, *text = NULL;
    size_t len;
    struct {
        const char *spec;
        unsigned want;
    } cases[] = {
        {"putin-kim", 6},
        {"putin-kim@latest", 6},
        {"putin-kim@1", 1},
        {"putin-kim@4", 4},
        {"putin-kim@~0", 6},
        {"putin-kim@~2", 4},
        {"putin-kim@2018-01-11", 1},           /* end of that day */
        {"putin-kim@2018-01-12T11:59:59Z", 1}, /* just before rev 2 */
        {"putin-kim@2018-01-12T12:00:00Z", 2},
        {"putin-kim@2018-01-13T14:00:00+02:00", 3},
        {"putin-kim@2030-01-01", 6},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        cr_assert_eq(ds_vault_spec_split(&id, &rev, cases[i].spec), 0);
        cr_assert_str_eq(id, "putin-kim");
        cr_assert_eq(ds_vault_resolve(&e, v, id, &rev), 0, "%s: %s", cases[i].spec,
                     ds_error_last());
        cr_expect_eq(e.revision, cases[i].want, "%s gave %u", cases[i].spec, e.revision);
        free(id);
    }
    /* failures name what exists */
    cr_assert_eq(ds_vault_rev_parse(&rev, "7"), 0);
    cr_assert_eq(ds_vault_resolve(&e, v, "putin-kim", &rev), DS_ENOTFOUND);
    cr_assert_str_eq(ds_error_last(), "putin-kim: no revision 7 (it has 6)");
    cr_assert_eq(ds_vault_rev_parse(&rev, "~6"), 0);
    cr_assert_eq(ds_vault_resolve(&e, v, "putin-kim", &rev), DS_ENOTFOUND);
    cr_assert_str_eq(ds_error_last(), "putin-kim: no revision ~6 (it has 6 revisions)");
    cr_assert_eq(ds_vault_rev_parse(&rev, "2018-01-10"), 0);
    cr_assert_eq(ds_vault_resolve(&e, v, "putin-kim", &rev), DS_ENOTFOUND);
    cr_assert_str_eq(ds_error_last(), "putin-kim: no revision at or before 2018-01-10T23:59:59Z "
                                      "(first seen 2018-01-11T12:00:00Z)");
    cr_assert_eq(ds_vault_resolve(&e, v, "nobody", &rev), DS_ENOTFOUND);
    cr_assert_str_eq(ds_error_last(), "nobody: no such document in the vault (see 'docseal log')");
    cr_assert_eq(ds_vault_rev_parse(&rev, "0"), DS_EINVALID);
    cr_assert_eq(ds_vault_rev_parse(&rev, "yesterday"), DS_EINVALID);

    /* ids with '@': split only before a valid revision */
    cr_assert_eq(ds_vault_spec_split(&id, &rev, "https://x.org/@user/post@3"), 0);
    cr_assert_str_eq(id, "https://x.org/@user/post");
    cr_assert_eq(rev.kind, DS_VAULT_REV_NUMBER);
    cr_assert_eq(rev.n, 3);
    free(id);
    cr_assert_eq(ds_vault_spec_split(&id, &rev, "https://x.org/@user/post"), 0);
    cr_assert_str_eq(id, "https://x.org/@user/post");
    cr_assert_eq(rev.kind, DS_VAULT_REV_LATEST);
    free(id);

    /* texts: revision 2 fixed the typo, revision 1 still has it */
    cr_assert_eq(ds_vault_rev_parse(&rev, "1"), 0);
    cr_assert_eq(ds_vault_resolve(&e, v, "putin-kim", &rev), 0);
    cr_assert_eq(ds_vault_read(&text, &len, v, "putin-kim", &e, 0), 0, "%s", ds_error_last());
    cr_assert_not_null(strstr(text, "crisis from from the outset"));
    cr_assert_eq(strlen(text), len);
    free(text);
    cr_assert_eq(ds_vault_read(&text, &len, v, "putin-kim", &e, 1), 0, "%s", ds_error_last());
    {
        size_t olen;
        char *orig = tu_read(tu_src(ART), &olen);
        cr_assert_eq(len, olen);
        cr_assert_eq(memcmp(text, orig, len), 0);
        free(orig);
    }
    free(text);
    cr_assert_eq(ds_vault_rev_parse(&rev, "2"), 0);
    cr_assert_eq(ds_vault_resolve(&e, v, "putin-kim", &rev), 0);
    cr_assert_eq(ds_vault_read(&text, &len, v, "putin-kim", &e, 0), 0);
    cr_assert_null(strstr(text, "from from"));
    cr_assert_not_null(strstr(text, "crisis from the outset"));
    free(text);
    ds_vault_free(v);
}

Test(vault, unchanged_sighting_reads_the_stored_revision)
{
    ds_vault *v = main_job_vault();
    char *p6 = rev_path("vault-6-headline.txt"), *a = NULL, *b = NULL;
    size_t alen, blen;
    ds_vault_rev rev;
    ds_vault_entry e;
    ds_vault_add_result_free(add_at(v, T0 + 86400 * 9, "putin-kim", p6, NULL));
    /* the time of the unchanged sighting resolves to revision 6, stored at seq 6 */
    cr_assert_eq(ds_vault_rev_parse(&rev, "2018-01-20T12:00:00Z"), 0);
    cr_assert_eq(ds_vault_resolve(&e, v, "putin-kim", &rev), 0);
    cr_assert_eq(e.revision, 6);
    cr_assert_eq(e.seq, 6);
    cr_assert_eq(e.status, DS_DOC_CHANGED);
    cr_assert_eq(ds_vault_read(&a, &alen, v, "putin-kim", &e, 0), 0);
    rev.kind = DS_VAULT_REV_LATEST;
    cr_assert_eq(ds_vault_resolve(&e, v, "putin-kim", &rev), 0);
    cr_assert_eq(ds_vault_read(&b, &blen, v, "putin-kim", &e, 0), 0);
    cr_assert_eq(alen, blen);
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    free(p6);
    ds_vault_free(v);
}

/* "café" typed with a combining acute accent (NFD, as macOS file names are)
 * is stored as its NFC form, and found by either form */
Test(vault, document_ids_are_kept_in_nfc)
{
    static const char nfd[] = "cafe\xcc\x81-report", nfc[] = "caf\xc3\xa9-report";
    ds_vault *v = make_vault("vault", g_key);
    ds_vault_add_result *r;
    ds_vault_entry *h = NULL;
    ds_vault_doc_info *docs = NULL;
    size_t n = 0, len = 0;
    char *p2 = rev_path("vault-2-typo.txt"), *text = NULL;
    ds_vault_rev rev;
    ds_vault_entry e;

    r = add_at(v, T0, nfd, tu_src(ART), NULL);
    cr_assert_str_eq(r->docs[0].id, nfc);
    ds_vault_add_result_free(r);
    /* the NFC form names the same document: a second revision, not a new one */
    r = add_at(v, T0 + 60, nfc, p2, NULL);
    cr_assert_eq(r->docs[0].revision, 2);
    cr_assert_eq(r->docs[0].status, DS_DOC_CHANGED);
    ds_vault_add_result_free(r);
    cr_assert_eq(ds_vault_documents(&docs, &n, v), 0);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(docs[0].id, nfc);
    ds_vault_doc_info_free(docs, n);
    cr_assert_eq(ds_vault_history(&h, &n, v, nfd), 0, "%s", ds_error_last());
    cr_assert_eq(n, 2);
    free(h);
    cr_assert_eq(ds_vault_history(&h, &n, v, nfc), 0, "%s", ds_error_last());
    cr_assert_eq(n, 2);
    free(h);
    cr_assert_eq(ds_vault_history(&h, &n, v, "cafe-report"), DS_ENOTFOUND);
    /* resolving and reading (text and original) by the NFD form */
    rev.kind = DS_VAULT_REV_NUMBER;
    rev.n = 1;
    cr_assert_eq(ds_vault_resolve(&e, v, nfd, &rev), 0, "%s", ds_error_last());
    cr_assert_eq(e.revision, 1);
    cr_assert_eq(ds_vault_read(&text, &len, v, nfd, &e, 0), 0, "%s", ds_error_last());
    cr_assert_str_eq(e.content_sha256,
                     "759dda5193f1d2033fc2cedf2864eec21b127f3fdb9d2b556357c759cd2a9fe0");
    free(text);
    cr_assert_eq(ds_vault_read(&text, &len, v, nfd, &e, 1), 0, "%s", ds_error_last());
    cr_assert_eq(len, 3853); /* the original's bytes */
    free(text);
    expect_ok(v);
    free(p2);
    ds_vault_free(v);
}

Test(vault, head_and_expect_head)
{
    ds_vault *v = make_vault("vault", g_key);
    char head[DS_SHA256_HEX_SIZE], head1[DS_SHA256_HEX_SIZE];
    uint64_t seq = 9;
    ds_vault_add_result *r;
    ds_report *rep;
    cr_assert_eq(ds_vault_head(head, &seq, v), DS_ENOTFOUND);
    cr_assert_eq(seq, 0);
    r = add_at(v, T0, "a", tu_src(ART), NULL);
    cr_assert_eq(ds_vault_head(head1, &seq, v), 0);
    cr_assert_eq(seq, 1);
    cr_assert_str_eq(head1, r->record_hash);
    ds_vault_add_result_free(r);
    ds_vault_add_result_free(add_at(v, T0 + 1, "b", tu_src(ART), NULL));
    rep = verify(v, head1);
    cr_assert(ds_report_ok(rep), "%s", failures(rep));
    ds_report_free(rep);
    rep = verify(v, DS_MANIFEST_GENESIS);
    cr_assert_not(ds_report_ok(rep));
    cr_assert_str_eq(failures(rep), "expect-head " DS_MANIFEST_GENESIS
                                    ": no record has this hash: the manifest was truncated, "
                                    "rolled back or rewritten\n");
    ds_report_free(rep);
    ds_vault_free(v);
}

/* RFC 3339 times: a leap second (23:59:60 UTC, in any offset) is read as
 * 23:59:59; a second 60 anywhere else is refused. */
Test(vault, time_parse_leap_second)
{
    int64_t t = 0;
    cr_assert_eq(ds_vault_time_parse(&t, "2016-12-31T23:59:60Z"), 0, "%s", ds_error_last());
    cr_assert_eq(t, 1483228799);
    cr_assert_eq(ds_vault_time_parse(&t, "2017-01-01T00:59:60+01:00"), 0, "%s", ds_error_last());
    cr_assert_eq(t, 1483228799);
    cr_assert_eq(ds_vault_time_parse(&t, "2024-01-01T12:00:60Z"), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(),
                     "2024-01-01T12:00:60Z: not an RFC 3339 time or YYYY-MM-DD date");
    cr_assert_eq(ds_vault_time_parse(&t, "2016-12-31T23:59:60+01:00"), DS_EINVALID);
}

Test(vault, time_must_not_decrease)
{
    ds_vault *v = make_vault("vault", g_key);
    ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
    const char *p = tu_src(ART);
    ds_vault_add_result_free(add_at(v, T0, NULL, p, NULL));
    ao.time = T0 - 1;
    cr_assert_eq(ds_vault_add(NULL, v, g_key, &p, 1, &ao), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "add: snapshot time 2018-01-11T11:59:59Z is earlier than "
                                      "the latest snapshot's (2018-01-11T12:00:00Z); record "
                                      "times must not decrease");
    ds_vault_free(v);
}

/* The digests are the point of a snapshot: DS_NORMALIZE_NO_DIGESTS in the
 * normalize options is ignored by add (and the bundle writer under it). */
Test(vault, add_ignores_no_digests)
{
    ds_vault *v = make_vault("vault", g_key);
    ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
    ds_normalize_options no = DS_NORMALIZE_OPTIONS_INIT;
    ds_vault_add_result *r = NULL;
    const char *p = tu_src(ART);
    no.flags = DS_NORMALIZE_NO_DIGESTS;
    ao.time = T0;
    ao.threads = 1;
    ao.normalize = &no;
    cr_assert_eq(ds_vault_add(&r, v, g_key, &p, 1, &ao), 0, "%s", ds_error_last());
    cr_assert_eq(r->doc_count, 1);
    cr_assert_str_eq(r->docs[0].content_sha256,
                     "759dda5193f1d2033fc2cedf2864eec21b127f3fdb9d2b556357c759cd2a9fe0");
    cr_assert_str_eq(r->docs[0].original_sha256,
                     "7afc3aacc5c554160f031ffafd863c3b84f7c97190f29b5f5c13c302a0b561a5");
    ds_vault_add_result_free(r);
    ds_vault_free(v);
}

/* A caller built against version 1 of the add options passes a struct that
 * ends before allow_future: nothing past it is read (ASan would see it in
 * this exactly-sized block), and the field takes its default (off). */
Test(vault, add_options_version_1)
{
    ds_vault *v = make_vault("vault", g_key);
    ds_vault_add_options init = DS_VAULT_ADD_OPTIONS_INIT;
    size_t v1_size = offsetof(ds_vault_add_options, allow_future);
    void *block = malloc(v1_size);
    const char *p = tu_src(ART);
    cr_assert(block);
    init.version = 1;
    init.allow_future = 1;  /* not copied: a version 1 struct has no such field */
    init.time = 4102444800; /* 2100-01-01: refused unless allow_future */
    memcpy(block, &init, v1_size);
    cr_assert_eq(ds_vault_add(NULL, v, g_key, &p, 1, block), DS_EINVALID);
    cr_assert(strstr(ds_error_last(), "in the future"), "%s", ds_error_last());
    init.time = T0;
    memcpy(block, &init, v1_size);
    cr_assert_eq(ds_vault_add(NULL, v, g_key, &p, 1, block), 0, "%s", ds_error_last());
    free(block);
    ds_vault_free(v);
}

Test(vault, untrusted_signing_key_refused)
{
    ds_vault *v = make_vault("vault", g_key);
    ds_secret_key *other = load_key("vault-other");
    ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
    const char *p = tu_src(ART);
    char msg[600];
    ao.time = T0;
    cr_assert_eq(ds_vault_add(NULL, v, other, &p, 1, &ao), DS_EPERM);
    snprintf(msg, sizeof msg,
             "signing key 534A73F91D4F36B1 is not trusted by the vault %s "
             "(trusted-keys/534A73F91D4F36B1.pub is missing)",
             g_vdir);
    cr_assert_str_eq(ds_error_last(), msg);
    ds_secret_key_free(other);
    ds_vault_free(v);
}

/* --- the vault stays exactly as it was after a failed add --- */

/* "path sha256\n" for every file under dir, sorted (find | sort). */
static char *tree_digest(const char *dir)
{
    char cmd[1024], *out = NULL;
    snprintf(cmd, sizeof cmd,
             "cd '%s' && find . -type f -print0 | sort -z | xargs -0 sha256sum > '%s/tree.txt'; "
             "find . | sort >> '%s/tree.txt'",
             dir, g_dir, g_dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/tree.txt", g_dir);
    out = tu_read(cmd, NULL);
    remove(cmd);
    return out;
}

Test(vault, bad_input_in_multi_file_add_changes_nothing)
{
    ds_vault *v = main_job_vault();
    ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
    char bad[600], *before, *after;
    const char *paths[3];
    snprintf(bad, sizeof bad, "%s/bad.txt", g_dir);
    tu_write(bad, "# Title\n\nvalid start \xff\xfe invalid UTF-8\n", 37);
    paths[0] = tu_src("fixtures/revisions/vault-6-headline.txt");
    paths[1] = bad;
    paths[2] = tu_src("fixtures/revisions/vault-5-paragraph.txt");
    /* warm the index so that nothing is derived during the failed add */
    {
        ds_vault_doc_info *d = NULL;
        size_t n = 0;
        cr_assert_eq(ds_vault_documents(&d, &n, v), 0);
        ds_vault_doc_info_free(d, n);
    }
    before = tree_digest(g_vdir);
    ao.time = T0 + 86400 * 30;
    cr_assert_eq(ds_vault_add(NULL, v, g_key, paths, 3, &ao), DS_EINVALID);
    cr_assert_not_null(strstr(ds_error_last(), "bad.txt"), "%s", ds_error_last());
    cr_assert_not_null(strstr(ds_error_last(), "invalid UTF-8"), "%s", ds_error_last());
    after = tree_digest(g_vdir);
    cr_assert_str_eq(before, after);
    /* a missing file too */
    paths[1] = "/nonexistent/file.txt";
    cr_assert_eq(ds_vault_add(NULL, v, g_key, paths, 3, &ao), DS_ENOTFOUND);
    free(after);
    after = tree_digest(g_vdir);
    cr_assert_str_eq(before, after);
    /* two inputs with one id */
    paths[1] = paths[0];
    cr_assert_lt(ds_vault_add(NULL, v, g_key, paths, 2, &ao), 0);
    free(after);
    after = tree_digest(g_vdir);
    cr_assert_str_eq(before, after);
    free(before);
    free(after);
    expect_ok(v);
    ds_vault_free(v);
}

/* --- index --- */

Test(vault, index_is_rebuilt_when_missing_stale_or_damaged)
{
    ds_vault *v = main_job_vault(), *v2;
    ds_vault_entry *h = NULL, *h2 = NULL;
    size_t n = 0, n2 = 0;
    char p[600];
    cr_assert_eq(ds_vault_history(&h, &n, v, "putin-kim"), 0);
    ds_vault_free(v);
    /* missing */
    snprintf(p, sizeof p, "rm -rf '%s/index'", g_vdir);
    cr_assert_eq(system(p), 0);
    cr_assert_eq(ds_vault_open(&v2, g_vdir), 0);
    cr_assert_eq(ds_vault_history(&h2, &n2, v2, "putin-kim"), 0, "%s", ds_error_last());
    cr_assert_eq(n2, n);
    cr_assert_eq(memcmp(h, h2, n * sizeof *h), 0);
    free(h2);
    ds_vault_free(v2);
    snprintf(p, sizeof p, "%s/index/docs", g_vdir);
    cr_assert_eq(access(p, F_OK), 0, "the rebuilt index was not saved");
    /* damaged: a flipped byte in docs fails its checksum */
    {
        int fd = open(p, O_RDWR);
        char c;
        cr_assert_eq(pread(fd, &c, 1, 20), 1);
        c ^= 1;
        cr_assert_eq(pwrite(fd, &c, 1, 20), 1);
        close(fd);
    }
    cr_assert_eq(ds_vault_open(&v2, g_vdir), 0);
    cr_assert_eq(ds_vault_history(&h2, &n2, v2, "putin-kim"), 0, "%s", ds_error_last());
    cr_assert_eq(memcmp(h, h2, n * sizeof *h), 0);
    free(h2);
    /* stale: another handle appends; this one catches up */
    ds_vault_add_result_free(add_at(v2, T0 + 86400 * 40, "other", tu_src(ART), NULL));
    cr_assert_eq(ds_vault_open(&v, g_vdir), 0);
    cr_assert_eq(ds_vault_history(&h2, &n2, v, "other"), 0, "%s", ds_error_last());
    cr_assert_eq(n2, 1);
    cr_assert_eq(h2[0].seq, 7);
    free(h2);
    ds_vault_free(v);
    ds_vault_free(v2);
    free(h);
}

/* --- tampering --- */

static char *vpath(const char *rel)
{
    static char buf[4][700];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", g_vdir, rel);
    return buf[k];
}

/* The manifest's lines (without '\n'). */
static size_t read_lines(char ***out)
{
    char *data = tu_read(vpath("manifest.jsonl"), NULL), *p = data, *nl;
    char **lines = calloc(64, sizeof *lines);
    size_t n = 0;
    while ((nl = strchr(p, '\n')) != NULL) {
        lines[n++] = strndup(p, (size_t)(nl - p));
        p = nl + 1;
    }
    free(data);
    *out = lines;
    return n;
}

static void write_lines(char **lines, const size_t *order, size_t n)
{
    FILE *f = fopen(vpath("manifest.jsonl"), "wb");
    size_t i;
    for (i = 0; i < n; i++)
        fprintf(f, "%s\n", lines[order[i]]);
    fclose(f);
}

static void free_lines(char **lines, size_t n)
{
    while (n)
        free(lines[--n]);
    free(lines);
}

static void expect_failure(ds_vault *v, const char *want)
{
    ds_report *r = verify(v, NULL);
    cr_assert_not(ds_report_ok(r), "tampering not detected");
    cr_assert_str_eq(failures(r), want);
    ds_report_free(r);
}

static char *bundle_of_line(char **lines, size_t i)
{
    static char id[65];
    const char *b = strstr(lines[i], "\"bundle\":\"");
    memcpy(id, b + 10, 64);
    id[64] = '\0';
    return id;
}

Test(vault, tamper_manifest_line_edited)
{
    ds_vault *v = main_job_vault();
    char **lines, *edited;
    size_t n = read_lines(&lines), order[] = {0, 1, 2, 3, 4, 5};
    /* change revision 3's content hash: valid JSON, canonical, but not what was signed */
    edited = strstr(lines[2], "\"content_sha256\":\"") + 18;
    edited[0] = edited[0] == 'a' ? 'b' : 'a';
    write_lines(lines, order, n);
    {
        ds_report *r = verify(v, NULL);
        const char *f = failures(r);
        cr_assert_not(ds_report_ok(r));
        cr_assert_not_null(strstr(f, "record-signature manifest.jsonl line 3: record 3: the "
                                     "signature by key A67C4D5530FCDCF0 does not verify\n"),
                           "%s", f);
        cr_assert_not_null(strstr(f, "manifest-chain manifest.jsonl line 4: prev "), "%s", f);
        cr_assert_not_null(strstr(f, "bundle-agrees bundles/"), "%s", f);
        ds_report_free(r);
    }
    free_lines(lines, n);
    ds_vault_free(v);
}

Test(vault, tamper_manifest_line_deleted_reordered_duplicated)
{
    ds_vault *v = main_job_vault();
    char **lines;
    size_t n = read_lines(&lines);
    size_t del[] = {0, 1, 3, 4, 5}, reord[] = {0, 2, 1, 3, 4, 5}, dup[] = {0, 1, 2, 2, 3, 4, 5},
           last_del[] = {0, 1, 2, 3, 4};
    char msg[4096], orph[128];
    cr_assert_eq(n, 6);

    write_lines(lines, del, 5);
    snprintf(orph, sizeof orph, "bundles/%s.tar.zst", bundle_of_line(lines, 2));
    snprintf(msg, sizeof msg,
             "manifest-chain manifest.jsonl line 3: seq 4, expected 3 (a record was removed, "
             "duplicated or reordered)\n"
             "revisions manifest.jsonl line 3: putin-kim: revision 4 changed: status changed "
             "needs the next revision number\n"
             "stray-files %s: orphaned bundle: no record references it (left by an interrupted "
             "add, or its record was removed from the manifest); the manifest is damaged, so "
             "repair refuses: see the failures above\n",
             orph);
    expect_failure(v, msg);

    write_lines(lines, reord, 6);
    {
        ds_report *r = verify(v, NULL);
        const char *f = failures(r);
        cr_assert_not(ds_report_ok(r));
        cr_assert_not_null(strstr(f, "manifest-chain manifest.jsonl line 2: seq 3, expected 2"),
                           "%s", f);
        cr_assert_not_null(strstr(f, "manifest-time manifest.jsonl line 3: time "
                                     "2018-01-12T12:00:00Z is earlier than the previous "
                                     "record's 2018-01-13T12:00:00Z"),
                           "%s", f);
        ds_report_free(r);
    }

    write_lines(lines, dup, 7);
    {
        ds_report *r = verify(v, NULL);
        const char *f = failures(r);
        cr_assert_not_null(strstr(f, "manifest-chain manifest.jsonl line 4: seq 3, expected 4"),
                           "%s", f);
        cr_assert_not_null(strstr(f, "revisions manifest.jsonl line 4: putin-kim: revision 3 "
                                     "changed: status changed needs the next revision number"),
                           "%s", f);
        ds_report_free(r);
    }

    /* the last record removed: the chain is fine; --expect-head tells, and so
     * does the index, which still covers the removed record */
    write_lines(lines, last_del, 5);
    {
        char head[65];
        ds_report *r;
        cr_assert_eq(ds_manifest_line_hash(head, lines[5], strlen(lines[5])), 0);
        r = verify(v, head);
        snprintf(orph, sizeof orph, "bundles/%s.tar.zst", bundle_of_line(lines, 5));
        snprintf(msg, sizeof msg,
                 "stray-files %s: orphaned bundle: no record references it (left by an "
                 "interrupted add, or its record was removed from the manifest); 'docseal "
                 "repair' sets it aside in orphans/\n"
                 "expect-head %s: no record has this hash: the manifest was truncated, rolled "
                 "back or rewritten\n"
                 "index index/: covers 6 records, the manifest has 5: the derived index is "
                 "stale or was altered; run 'docseal repair' (or delete index/)\n",
                 orph, head);
        cr_assert_str_eq(failures(r), msg);
        ds_report_free(r);
    }
    free_lines(lines, n);
    ds_vault_free(v);
}

Test(vault, tamper_bundles_deleted_replaced_swapped_stray)
{
    ds_vault *v = main_job_vault(), *other;
    ds_secret_key *okey = load_key("vault-other");
    char **lines, cmd[2048], b2[65], b3[65], want[4096];
    size_t n = read_lines(&lines);
    strcpy(b2, bundle_of_line(lines, 1));
    strcpy(b3, bundle_of_line(lines, 2));

    /* deleted */
    snprintf(cmd, sizeof cmd, "cd '%s/bundles' && mv %s.tar.zst ../../saved2", g_vdir, b2);
    cr_assert_eq(system(cmd), 0);
    snprintf(want, sizeof want,
             "bundle-present bundles/%s.tar.zst: missing (referenced by manifest.jsonl line "
             "2)\n",
             b2);
    expect_failure(v, want);
    /* replaced by another bundle of this vault (renamed) */
    snprintf(cmd, sizeof cmd, "cd '%s/bundles' && cp %s.tar.zst %s.tar.zst", g_vdir, b3, b2);
    cr_assert_eq(system(cmd), 0);
    {
        ds_report *r = verify(v, NULL);
        const char *f = failures(r);
        cr_assert_not(ds_report_ok(r));
        cr_assert_not_null(strstr(f, "bundle-digest bundles/"), "%s", f);
        cr_assert_not_null(strstr(f, "(the bundle was modified or replaced)"), "%s", f);
        cr_assert_not_null(strstr(f, "bundle-agrees bundles/"), "%s", f);
        ds_report_free(r);
    }
    /* swapped with another vault's bundle (other key) */
    other = make_vault("other", okey);
    {
        ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
        ds_vault_add_result *r = NULL;
        const char *p = tu_src(ART);
        ao.time = T0;
        ao.id = "putin-kim";
        cr_assert_eq(ds_vault_add(&r, other, okey, &p, 1, &ao), 0, "%s", ds_error_last());
        snprintf(cmd, sizeof cmd, "cp '%s/other/bundles/%s.tar.zst' '%s/bundles/%s.tar.zst'", g_dir,
                 r->bundle, g_vdir, b2);
        cr_assert_eq(system(cmd), 0);
        ds_vault_add_result_free(r);
    }
    {
        ds_report *r = verify(v, NULL);
        const char *f = failures(r);
        cr_assert_not(ds_report_ok(r));
        cr_assert_not_null(strstr(f, "bundle-digest bundles/"), "%s", f);
        cr_assert_not_null(strstr(f, "signed by key 534A73F91D4F36B1, manifest.jsonl line 2 by "
                                     "A67C4D5530FCDCF0"),
                           "%s", f);
        ds_report_free(r);
    }
    /* restored: passes again; then a stray file and a temporary file */
    snprintf(cmd, sizeof cmd, "mv '%s/saved2' '%s/bundles/%s.tar.zst'", g_dir, g_vdir, b2);
    cr_assert_eq(system(cmd), 0);
    expect_ok(v);
    tu_write(vpath("bundles/notes.txt"), "x", 1);
    tu_write(vpath("bundles/abc.tar.zst.tmp.Q1w2E3"), "x", 1);
    expect_failure(v, "stray-files bundles/abc.tar.zst.tmp.Q1w2E3: temporary file (left by an "
                      "interrupted add?); run 'docseal repair'\n"
                      "stray-files bundles/notes.txt: unknown file: not a bundle\n");
    ds_vault_free(other);
    ds_secret_key_free(okey);
    free_lines(lines, n);
    ds_vault_free(v);
}

Test(vault, tamper_untrusted_key)
{
    ds_vault *v = main_job_vault();
    ds_secret_key *okey = load_key("vault-other");
    ds_public_key *opub = NULL;
    ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
    const char *p = tu_src(ART);
    char kfile[700];
    /* trust the other key for one add, then take the trust away */
    cr_assert_eq(ds_secret_key_public(&opub, okey), 0);
    cr_assert_eq(ds_vault_trust_key(v, opub), 0);
    ao.time = T0 + 86400 * 10;
    ao.id = "second";
    cr_assert_eq(ds_vault_add(NULL, v, okey, &p, 1, &ao), 0, "%s", ds_error_last());
    expect_ok(v);
    snprintf(kfile, sizeof kfile, "%s", vpath("trusted-keys/534A73F91D4F36B1.pub"));
    cr_assert_eq(remove(kfile), 0);
    {
        ds_report *r = verify(v, NULL);
        const char *f = failures(r);
        cr_assert_not(ds_report_ok(r));
        cr_assert_not_null(strstr(f, "record-signature manifest.jsonl line 7: signed by key "
                                     "534A73F91D4F36B1, which is not trusted (no "
                                     "trusted-keys/534A73F91D4F36B1.pub)\n"),
                           "%s", f);
        ds_report_free(r);
    }
    ds_public_key_free(opub);
    ds_secret_key_free(okey);
    ds_vault_free(v);
}

/* --- crashes --- */

Test(vault, torn_tail_reported_refused_and_repaired)
{
    ds_vault *v = main_job_vault();
    char **lines, want[1024];
    size_t n = read_lines(&lines), i, full = 0, actions = 0;
    ds_vault_repair_options ro = DS_VAULT_REPAIR_OPTIONS_INIT;
    ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
    const char *p = tu_src(ART);
    FILE *f;
    char *before;

    for (i = 0; i < n; i++)
        full += strlen(lines[i]) + 1;
    /* a crash during the append of a 7th record: half of a line */
    f = fopen(vpath("manifest.jsonl"), "ab");
    fwrite(lines[5], 1, 100, f);
    fclose(f);
    snprintf(want, sizeof want,
             "torn-tail manifest.jsonl: torn final record at byte offset %zu (crash during "
             "append?); run 'docseal repair'\n",
             full);
    expect_failure(v, want);
    /* add refuses to append after it */
    ao.time = T0 + 86400 * 20;
    cr_assert_eq(ds_vault_add(NULL, v, g_key, &p, 1, &ao), DS_EINTEGRITY);
    snprintf(want, sizeof want,
             "manifest.jsonl: torn final record at byte offset %zu (crash during append?); run "
             "'docseal repair'",
             full);
    cr_assert_str_eq(ds_error_last(), want);
    /* repair: dry run changes nothing; then truncates */
    before = tree_digest(g_vdir);
    ro.dry_run = 1;
    cr_assert_eq(ds_vault_repair(&actions, v, &ro), 0, "%s", ds_error_last());
    cr_assert_eq(actions, 2); /* truncate + rebuild index */
    {
        char *after = tree_digest(g_vdir);
        cr_assert_str_eq(before, after);
        free(after);
    }
    ro.dry_run = 0;
    cr_assert_eq(ds_vault_repair(&actions, v, &ro), 0, "%s", ds_error_last());
    {
        struct stat st;
        cr_assert_eq(stat(vpath("manifest.jsonl"), &st), 0);
        cr_assert_eq((size_t)st.st_size, full);
    }
    expect_ok(v);
    cr_assert_eq(ds_vault_repair(&actions, v, &ro), 0);
    cr_assert_eq(actions, 0);
    free(before);
    free_lines(lines, n);
    ds_vault_free(v);
}

Test(vault, repair_completes_a_whole_record_and_sets_orphans_aside)
{
    ds_vault *v = main_job_vault();
    char **lines, data[4];
    size_t n = read_lines(&lines), actions = 0;
    ds_vault_repair_options ro = DS_VAULT_REPAIR_OPTIONS_INIT;
    int fd;
    struct stat st;
    (void)data;
    /* the last record lost only its newline */
    cr_assert_eq(stat(vpath("manifest.jsonl"), &st), 0);
    cr_assert_eq(truncate(vpath("manifest.jsonl"), st.st_size - 1), 0);
    /* an orphaned bundle and temporary files of an interrupted add */
    tu_write(vpath("bundles/"
                   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                   ".tar.zst"),
             "x", 1);
    tu_write(vpath("bundles/abc.tar.zst.tmp.Q1w2E3"), "x", 1);
    tu_write(vpath("index/docs.tmp.aaaaaa"), "x", 1);
    tu_write(vpath("bundles/notes.txt"), "user's", 6);
    cr_assert_eq(ds_vault_repair(&actions, v, &ro), 0, "%s", ds_error_last());
    cr_assert_eq(actions, 5, "%zu", actions); /* complete, orphan, 2 temps, index */
    cr_assert_eq(stat(vpath("manifest.jsonl"), &st), 0);
    fd = open(vpath("manifest.jsonl"), O_RDONLY);
    {
        char c;
        cr_assert_eq(pread(fd, &c, 1, st.st_size - 1), 1);
        cr_assert_eq(c, '\n');
    }
    close(fd);
    cr_assert_eq(access(vpath("bundles/abc.tar.zst.tmp.Q1w2E3"), F_OK), -1);
    cr_assert_eq(access(vpath("orphans/"
                              "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                              ".tar.zst"),
                        F_OK),
                 0);                                           /* set aside, not deleted */
    cr_assert_eq(access(vpath("bundles/notes.txt"), F_OK), 0); /* unknown files are kept */
    remove(vpath("bundles/notes.txt"));
    expect_ok(v);
    free_lines(lines, n);
    ds_vault_free(v);
}

/* Removing the newest records leaves their bundles orphaned: verify says that
 * more than one orphan means removed records, and repair sets the bundles
 * aside in orphans/ (the evidence), never deletes them. */
Test(vault, repair_sets_aside_the_bundles_of_removed_records)
{
    ds_vault *v = main_job_vault();
    char **lines, orph[3][128], msg[2048], rel[160];
    size_t n = read_lines(&lines), keep[] = {0, 1, 2}, actions = 0, i;
    ds_vault_repair_options ro = DS_VAULT_REPAIR_OPTIONS_INIT;
    ds_report *r;
    cr_assert_eq(n, 6);
    write_lines(lines, keep, 3);
    for (i = 0; i < 3; i++)
        snprintf(orph[i], sizeof orph[i], "%s.tar.zst", bundle_of_line(lines, 3 + i));
    r = verify(v, NULL);
    for (i = 0; i < 3; i++) {
        snprintf(msg, sizeof msg,
                 "stray-files bundles/%s: orphaned bundle: no record references it; 3 bundles "
                 "are orphaned: as many interrupted adds, or records removed from the manifest "
                 "(--expect-head with a head kept elsewhere tells); 'docseal repair' sets it "
                 "aside in orphans/\n",
                 orph[i]);
        cr_assert_not_null(strstr(failures(r), msg), "%s", failures(r));
    }
    ds_report_free(r);
    /* a dry run (shared lock only) changes nothing */
    ro.dry_run = 1;
    cr_assert_eq(ds_vault_repair(&actions, v, &ro), 0, "%s", ds_error_last());
    cr_assert_eq(actions, 4, "%zu", actions); /* 3 orphans, the stale index */
    for (i = 0; i < 3; i++) {
        snprintf(rel, sizeof rel, "bundles/%.80s", orph[i]);
        cr_assert_eq(access(vpath(rel), F_OK), 0);
    }
    ro.dry_run = 0;
    cr_assert_eq(ds_vault_repair(&actions, v, &ro), 0, "%s", ds_error_last());
    cr_assert_eq(actions, 4, "%zu", actions);
    for (i = 0; i < 3; i++) {
        snprintf(rel, sizeof rel, "bundles/%.80s", orph[i]);
        cr_assert_eq(access(vpath(rel), F_OK), -1);
        snprintf(rel, sizeof rel, "orphans/%.80s", orph[i]);
        cr_assert_eq(access(vpath(rel), F_OK), 0, "%s was not set aside", rel);
    }
    /* the shortened history verifies; the set-aside bundles are mentioned */
    r = verify(v, NULL);
    cr_assert(ds_report_ok(r), "%s", failures(r));
    for (i = 0; i < r->count; i++)
        if (strcmp(r->checks[i].name, "orphans") == 0)
            break;
    cr_assert_lt(i, r->count, "no orphans line");
    cr_assert_eq(r->checks[i].result, DS_CHECK_SKIP);
    cr_assert_str_eq(r->checks[i].detail,
                     "3 bundles set aside by repair, outside the history (from an add that did "
                     "not finish, or from records removed from the manifest: check each with "
                     "'docseal verify orphans/ID.tar.zst' in the vault)");
    ds_report_free(r);
    free_lines(lines, n);
    ds_vault_free(v);
}

static void note_action(void *ctx, const ds_vault_repair_action *a)
{
    char *buf = ctx;
    size_t n = strlen(buf);
    snprintf(buf + n, 4096 - n, "%d %s: %s\n", (int)a->kind, a->path, a->detail);
}

/* log's change summaries come from a cache in index/: an altered line is
 * caught by verify (exit-1 failure naming file and line) and removed by
 * repair, after which the summary is computed again */
Test(vault, altered_summary_cache_is_caught_and_repaired)
{
    ds_vault *v = main_job_vault();
    ds_vault_repair_options ro = DS_VAULT_REPAIR_OPTIONS_INIT;
    ds_vault_entry *h = NULL;
    size_t n = 0, len = 0, actions = 0;
    char sum[DS_VAULT_SUMMARY_SIZE], want[4096], acts[4096] = "", *data, *p;
    const char *file =
        "index/summaries-v2/e7b30f0317507becb682e8706a03cdbc3d801d03a290cbcc6c7a68214ab76255.txt";
    ds_report *r;
    char path[600];

    cr_assert_eq(ds_vault_history(&h, &n, v, "putin-kim"), 0, "%s", ds_error_last());
    cr_assert_eq(n, 6);
    cr_assert_eq(ds_vault_change_summary(sum, v, "putin-kim", &h[1], &h[2]), 0, "%s",
                 ds_error_last());
    cr_assert_str_eq(sum, "+1 \xe2\x88\x92"
                          "2 words, 1 quote changed");
    /* verify recomputes it and agrees; the cache holds exactly this line */
    r = verify(v, NULL);
    cr_assert(ds_report_ok(r), "%s", failures(r));
    ds_report_free(r);
    snprintf(path, sizeof path, "%s/%s", g_vdir, file);
    data = tu_read(path, &len);
    cr_assert_not_null(data, "no cache file %s", file);
    cr_assert_eq(len, 130 + strlen(sum) + 1);
    /* forge it: "cosmetic changes only" */
    p = data + 130;
    memcpy(p, "cosmetic changes only\n", 23);
    tu_write(path, data, 130 + 22);
    {
        /* what log (a new process) would print */
        ds_vault *v2 = NULL;
        cr_assert_eq(ds_vault_open(&v2, g_vdir), 0);
        cr_assert_eq(ds_vault_change_summary(sum, v2, "putin-kim", &h[1], &h[2]), 0);
        cr_assert_str_eq(sum, "cosmetic changes only");
        ds_vault_free(v2);
    }
    r = verify(v, NULL);
    snprintf(want, sizeof want,
             "summaries %s line 1: 1 cached change summary of putin-kim differs from the texts; "
             "the first reads \"cosmetic changes only\", the texts give \"+1 \xe2\x88\x92"
             "2 words, 1 quote changed\" (the cache was altered); run 'docseal repair'\n",
             file);
    cr_assert_str_eq(failures(r), want);
    ds_report_free(r);
    /* repair deletes that cache file; the summary is computed again */
    ro.on_action = note_action;
    ro.ctx = acts;
    cr_assert_eq(ds_vault_repair(&actions, v, &ro), 0, "%s", ds_error_last());
    cr_assert_eq(actions, 1);
    snprintf(want, sizeof want,
             "%d %s: delete cached change summaries that the texts do not give (recomputed when "
             "next needed)\n",
             (int)DS_VAULT_REPAIR_DROP_SUMMARIES, file);
    cr_assert_str_eq(acts, want);
    cr_assert_eq(access(path, F_OK), -1);
    cr_assert_eq(ds_vault_change_summary(sum, v, "putin-kim", &h[1], &h[2]), 0);
    cr_assert_str_eq(sum, "+1 \xe2\x88\x92"
                          "2 words, 1 quote changed");
    expect_ok(v);
    free(data);
    free(h);
    ds_vault_free(v);
}

Test(vault, repair_refuses_damage_in_the_middle)
{
    ds_vault *v = main_job_vault();
    char **lines, *before, *after;
    size_t n = read_lines(&lines), order[] = {0, 1, 2, 3, 4, 5};
    ds_vault_repair_options ro = DS_VAULT_REPAIR_OPTIONS_INIT;
    lines[2][0] = '#'; /* not JSON any more */
    write_lines(lines, order, n);
    {
        FILE *f = fopen(vpath("manifest.jsonl"), "ab");
        fputs("{\"seq\":7,", f);
        fclose(f);
    }
    before = tree_digest(g_vdir);
    cr_assert_eq(ds_vault_repair(NULL, v, &ro), DS_EINTEGRITY);
    cr_assert_not_null(strstr(ds_error_last(), "manifest.jsonl line 3: not valid JSON"), "%s",
                       ds_error_last());
    cr_assert_not_null(strstr(ds_error_last(), "refusing to repair"));
    after = tree_digest(g_vdir);
    cr_assert_str_eq(before, after);
    free(before);
    free(after);
    free_lines(lines, n);
    ds_vault_free(v);
}

/* The summary cache cannot be used to hide a forgery: a document named in
 * another Unicode form uses the same cache file; a FIFO planted there blocks
 * nothing and is reported; an index that verify cannot rely on does not turn
 * the check off while cache files exist */
Test(vault, summary_cache_attacks)
{
    static const char nfd[] = "ne\xcc\x81"
                              "e",
                      nfc[] = "n\xc3\xa9"
                              "e";
    ds_vault *v = make_vault("vault", g_key);
    ds_vault_repair_options ro = DS_VAULT_REPAIR_OPTIONS_INIT;
    ds_vault_entry *h = NULL;
    size_t n = 0, actions = 0;
    char sum[DS_VAULT_SUMMARY_SIZE], *p2 = rev_path("vault-2-typo.txt");
    char name[120], path[700], hex[DS_SHA256_HEX_SIZE];
    ds_report *r;

    ds_vault_add_result_free(add_at(v, T0, nfc, tu_src(ART), NULL));
    ds_vault_add_result_free(add_at(v, T0 + 60, nfc, p2, NULL));
    /* asked by the NFD form: cached under the NFC form's name */
    cr_assert_eq(ds_vault_history(&h, &n, v, nfd), 0, "%s", ds_error_last());
    cr_assert_eq(n, 2);
    cr_assert_eq(ds_vault_change_summary(sum, v, nfd, &h[0], &h[1]), 0, "%s", ds_error_last());
    cr_assert_eq(ds_sha256_hex(hex, nfc, strlen(nfc)), 0);
    snprintf(name, sizeof name, "index/summaries-v2/%s.txt", hex);
    cr_assert_eq(access(vpath(name), F_OK), 0, "no %s", name);
    r = verify(v, NULL);
    cr_assert(ds_report_ok(r), "%s", failures(r));
    cr_assert_not_null(strstr(r->checks[r->count - 1].detail, "1 cached change summary"));
    ds_report_free(r);

    /* a FIFO as the cache file: log computes, verify reports, repair deletes */
    snprintf(path, sizeof path, "%s", vpath(name));
    cr_assert_eq(unlink(path), 0);
    cr_assert_eq(mkfifo(path, 0644), 0);
    {
        ds_vault *v2 = NULL;
        char again[DS_VAULT_SUMMARY_SIZE];
        cr_assert_eq(ds_vault_open(&v2, g_vdir), 0);
        cr_assert_eq(ds_vault_change_summary(again, v2, nfc, &h[0], &h[1]), 0);
        cr_assert_str_eq(again, sum);
        ds_vault_free(v2);
    }
    r = verify(v, NULL);
    {
        char want[600];
        snprintf(want, sizeof want,
                 "summaries %s: the cached change summaries of %s cannot be checked: %s: not a "
                 "regular file; run 'docseal repair'\n",
                 name, nfc, name);
        cr_assert_str_eq(failures(r), want);
    }
    ds_report_free(r);
    cr_assert_eq(ds_vault_repair(&actions, v, &ro), 0, "%s", ds_error_last());
    cr_assert_eq(actions, 1);
    cr_assert_eq(access(path, F_OK), -1);
    expect_ok(v);

    /* cache present, index gone: the check cannot run, and says so */
    cr_assert_eq(ds_vault_change_summary(sum, v, nfc, &h[0], &h[1]), 0);
    cr_assert_eq(access(path, F_OK), 0);
    cr_assert_eq(unlink(vpath("index/docs")), 0);
    r = verify(v, NULL);
    cr_assert_str_eq(failures(r), "summaries index/: cached change summaries cannot be checked "
                                  "while the index is not current; run 'docseal repair'\n");
    ds_report_free(r);
    cr_assert_eq(ds_vault_repair(&actions, v, &ro), 0, "%s", ds_error_last());
    expect_ok(v);
    free(h);
    free(p2);
    ds_vault_free(v);
}

/* --- compact sightings (vault version 2) --- */

/* Re-sign line i of the manifest after editing its record with edit(), and
 * chain the lines after it again (so that only the edit is wrong). */
static void resign_line(size_t i, void (*edit)(ds_manifest_record *))
{
    char **lines;
    size_t n = read_lines(&lines), k, order[64] = {0};
    char prev[65] = "";
    for (k = i; k < n; k++) {
        ds_manifest_record *r = NULL;
        char *line = NULL;
        size_t len = 0;
        cr_assert_eq(ds_manifest_record_parse(&r, lines[k], strlen(lines[k])), 0);
        if (k == i)
            edit(r);
        else
            memcpy(r->prev, prev, 65);
        cr_assert_eq(ds_manifest_record_sign(r, g_key), 0, "%s", ds_error_last());
        cr_assert_eq(ds_manifest_record_format(&line, &len, r), 0, "%s", ds_error_last());
        memcpy(prev, r->hash, 65);
        free(lines[k]);
        lines[k] = line;
        ds_manifest_record_free(r);
    }
    for (k = 0; k < n; k++)
        order[k] = k;
    write_lines(lines, order, n);
    free_lines(lines, n);
}

#define H64_9 "9999999999999999999999999999999999999999999999999999999999999999"
static char g_saved_sum[65];
static unsigned g_saved_rev;

static void other_revision(ds_manifest_record *r)
{
    memcpy(g_saved_sum, r->unchanged_sha256, 65);
    g_saved_rev = r->unchanged[0].revision;
    r->unchanged[0].revision = 2;
}

static void other_reading(ds_manifest_record *r)
{
    r->unchanged[0].revision = g_saved_rev;
    memcpy(r->unchanged_sha256, H64_9, 65);
}

static void restore_line3(ds_manifest_record *r)
{
    memcpy(r->unchanged_sha256, g_saved_sum, 65);
}

static void add_ghost(ds_manifest_record *r)
{
    cr_assert_eq(ds_manifest_record_add_unchanged(r, "ghost", 1), 0);
    if (!r->unchanged_sha256[0])
        memcpy(r->unchanged_sha256, H64_9, 65);
}

Test(vault, compact_sightings_are_listed_by_id)
{
    ds_vault *v = make_vault("vault", g_key);
    char *typo = rev_path("vault-2-typo.txt"), *quote = rev_path("vault-3-quote.txt");
    char copy[600], **lines, *data;
    const char *art = tu_src(ART);
    ds_vault_entry *hist = NULL, e;
    ds_vault_rev rev;
    size_t n, len;
    ds_vault_add_result *r;

    ds_vault_add_result_free(add_at(v, T0, NULL, art, typo, NULL));
    /* the same bytes again: both compact */
    r = add_at(v, T0 + 86400, NULL, art, typo, NULL);
    cr_assert_eq(r->docs[0].status, DS_DOC_UNCHANGED);
    cr_assert_eq(r->docs[1].status, DS_DOC_UNCHANGED);
    ds_vault_add_result_free(r);
    /* vault-2-typo changes (other bytes under the same file name): the article stays compact */
    snprintf(copy, sizeof copy, "%s/vault-2-typo.txt", g_dir);
    data = tu_read(quote, &len);
    tu_write(copy, data, len);
    free(data);
    r = add_at(v, T0 + 2 * 86400, NULL, art, copy, NULL);
    cr_assert_eq(r->docs[1].status, DS_DOC_CHANGED);
    ds_vault_add_result_free(r);

    n = read_lines(&lines);
    cr_assert_eq(n, 3);
    cr_assert_not_null(strstr(lines[1], ",\"documents\":[],\"unchanged\":{\"000_b02582cd44c05fde\":"
                                        "1,\"vault-2-typo\":1},\"unchanged_sha256\":\""),
                       "%s", lines[1]);
    cr_assert_not_null(strstr(lines[2], "\"status\":\"changed\""), "%s", lines[2]);
    cr_assert_not_null(strstr(lines[2], "}],\"unchanged\":{\"000_b02582cd44c05fde\":1},"
                                        "\"unchanged_sha256\":\""),
                       "%s", lines[2]);
    free_lines(lines, n);

    /* log: the compact sightings carry the first record's revision and digests */
    cr_assert_eq(ds_vault_history(&hist, &n, v, "000_b02582cd44c05fde"), 0, "%s", ds_error_last());
    cr_assert_eq(n, 3);
    cr_assert_eq(hist[0].compact, 0);
    cr_assert_eq(hist[1].compact, 1);
    cr_assert_eq(hist[2].compact, 1);
    cr_assert_eq(hist[2].revision, 1);
    cr_assert_eq(hist[2].status, DS_DOC_UNCHANGED);
    cr_assert_str_eq(hist[2].content_sha256, hist[0].content_sha256);
    cr_assert_str_eq(hist[2].original_sha256, hist[0].original_sha256);
    cr_assert_eq(hist[2].seq, 3);
    free(hist);
    /* an index entry of a compact sighting altered (its content hash): the
     * line holds only the id, so the reader compares it with the sighting
     * before it, finds the index wrong and rebuilds it from the manifest */
    {
        FILE *f = fopen(vpath("index/entries.bin"), "r+b");
        int c;
        cr_assert_not_null(f);
        fseek(f, 2 * 176 + 48, SEEK_SET); /* entry 2: the article's first compact sighting */
        c = fgetc(f);
        fseek(f, 2 * 176 + 48, SEEK_SET);
        fputc(c ^ 1, f);
        fclose(f);
    }
    cr_assert_eq(ds_vault_history(&hist, &n, v, "000_b02582cd44c05fde"), 0, "%s", ds_error_last());
    cr_assert_eq(n, 3);
    cr_assert_str_eq(hist[1].content_sha256, hist[0].content_sha256);
    free(hist);
    /* a time that falls on a compact sighting names the revision it saw */
    cr_assert_eq(ds_vault_rev_parse(&rev, "2018-01-13T12:00:00Z"), 0);
    cr_assert_eq(ds_vault_resolve(&e, v, "000_b02582cd44c05fde", &rev), 0, "%s", ds_error_last());
    cr_assert_eq(e.seq, 1);
    cr_assert_eq(e.revision, 1);
    expect_ok(v);

    /* signed records that lie about a compact sighting: another revision;
     * a text or original other than the earlier records give (what a
     * doctored index could make add believe) */
    resign_line(2, other_revision);
    {
        ds_report *rep = verify(v, NULL);
        const char *f = failures(rep);
        cr_assert_not_null(strstr(f, "revisions manifest.jsonl line 3: 000_b02582cd44c05fde: "
                                     "revision 2: listed as unchanged with another revision than "
                                     "the latest\n"),
                           "%s", f);
        cr_assert_not_null(strstr(f,
                                  ": unchanged[0] is 000_b02582cd44c05fde revision 1, "
                                  "manifest.jsonl line 3 says 000_b02582cd44c05fde revision 2\n"),
                           "%s", f);
        ds_report_free(rep);
    }
    resign_line(2, other_reading);
    {
        ds_report *rep = verify(v, NULL);
        const char *f = failures(rep);
        cr_assert_not_null(strstr(f, "revisions manifest.jsonl line 3: unchanged_sha256 is " H64_9
                                     ", but the compact sightings with the texts and originals "
                                     "the earlier records give hash to "),
                           "%s", f);
        cr_assert_not_null(strstr(f, ": unchanged_sha256 "), "%s", f);
        ds_report_free(rep);
    }
    resign_line(2, restore_line3);
    expect_ok(v);

    /* a signed record that names a document nobody saw before */
    resign_line(2, add_ghost);
    {
        ds_report *rep = verify(v, NULL);
        const char *f = failures(rep);
        cr_assert_not_null(
            strstr(f, "revisions manifest.jsonl line 3: ghost: revision 1: listed as unchanged, "
                      "but no earlier record lists it\n"),
            "%s", f);
        cr_assert_not_null(strstr(f, ": 1 compact sighting (\"unchanged\"), manifest.jsonl line "
                                     "3 lists 2\n"),
                           "%s", f);
        ds_report_free(rep);
    }
    free(typo);
    free(quote);
    ds_vault_free(v);
}

/* A version 2 vault relabelled version 1: its compact sightings and format 2
 * bundles are named (older docseal could not read them) */
Test(vault, version_2_content_in_a_version_1_vault_fails)
{
    ds_vault *v = make_vault("vault", g_key);
    char *cfg, *at;
    ds_vault_add_result_free(add_at(v, T0, "putin-kim", tu_src(ART), NULL));
    ds_vault_add_result_free(add_at(v, T0 + 86400, "putin-kim", tu_src(ART), NULL));
    ds_vault_free(v);
    cfg = tu_read(vpath("docseal.json"), NULL);
    at = strstr(cfg, "\"version\": 2");
    cr_assert_not_null(at);
    at[11] = '1';
    tu_write(vpath("docseal.json"), cfg, strlen(cfg));
    free(cfg);
    cr_assert_eq(ds_vault_open(&v, g_vdir), 0, "%s", ds_error_last());
    {
        ds_report *rep = verify(v, NULL);
        const char *f = failures(rep);
        cr_assert_not_null(strstr(f, "revisions manifest.jsonl line 2: putin-kim: revision 1: "
                                     "listed as unchanged (a compact sighting) in a version 1 "
                                     "vault\n"),
                           "%s", f);
        cr_assert_not_null(strstr(f, ": bundle format 2 (compact sightings or patch entries) in a "
                                     "version 1 vault, which older docseal cannot read\n"),
                           "%s", f);
        ds_report_free(rep);
    }
    ds_vault_free(v);
}

/* A version 1 vault is appended to in the version 1 form, which older
 * docseal reads: full records, bundles of format 1 */
Test(vault, version_1_vault_keeps_full_records)
{
    ds_vault *v = make_vault("vault", g_key);
    char **lines, *cfg, *at;
    size_t n;
    ds_vault_free(v);
    cfg = tu_read(vpath("docseal.json"), NULL);
    at = strstr(cfg, "\"version\": 2");
    cr_assert_not_null(at);
    at[11] = '1';
    tu_write(vpath("docseal.json"), cfg, strlen(cfg));
    free(cfg);
    cr_assert_eq(ds_vault_open(&v, g_vdir), 0, "%s", ds_error_last());
    ds_vault_add_result_free(add_at(v, T0, "putin-kim", tu_src(ART), NULL));
    ds_vault_add_result_free(add_at(v, T0 + 86400, "putin-kim", tu_src(ART), NULL));
    n = read_lines(&lines);
    cr_assert_eq(n, 2);
    cr_assert_null(strstr(lines[1], "\"unchanged\":"), "%s", lines[1]);
    cr_assert_not_null(strstr(lines[1], "\"documents\":[{\"id\":\"putin-kim\",\"revision\":1,"
                                        "\"status\":\"unchanged\","),
                       "%s", lines[1]);
    {
        ds_bundle_info *info = NULL;
        char bp[700];
        snprintf(bp, sizeof bp, "%s/bundles/%s.tar.zst", g_vdir, bundle_of_line(lines, 1));
        cr_assert_eq(ds_bundle_read_info(&info, bp), 0, "%s", ds_error_last());
        cr_assert_eq(info->format_version, 1);
        cr_assert_eq(info->doc_count, 1);
        cr_assert_eq(info->unchanged_count, 0);
        ds_bundle_info_free(info);
    }
    free_lines(lines, n);
    expect_ok(v);
    /* a compact sighting does not belong in a version 1 vault */
    resign_line(1, add_ghost);
    {
        ds_report *rep = verify(v, NULL);
        const char *f = failures(rep);
        cr_assert_not_null(
            strstr(f, "revisions manifest.jsonl line 2: ghost: revision 1: listed as unchanged, "
                      "but no earlier record lists it\n"),
            "%s", f);
        ds_report_free(rep);
    }
    ds_vault_free(v);
}

/* ------------------------------------------------------------------------ */
/* Patch entries                                                              */

/* The entry paths of a bundle, in archive order, one per line (static buffer). */
static const char *entries_of(const char *bundle_id, const char *dir)
{
    static char buf[8192];
    char path[600];
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    size_t n = 0;
    int rc;
    if (dir)
        snprintf(path, sizeof path, "%s", dir);
    else
        snprintf(path, sizeof path, "%s/bundles/%s.tar.zst", g_vdir, bundle_id);
    buf[0] = '\0';
    cr_assert_eq(ds_bundle_reader_open(&r, path, NULL), 0, "%s", ds_error_last());
    while ((rc = ds_bundle_reader_next(r, &e)) == 1)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\n", e.path);
    cr_assert_eq(rc, 0, "%s", ds_error_last());
    ds_bundle_reader_free(r);
    return buf;
}

/* The expected entries of a one-document bundle: text and original, each in
 * full (base NULL) or as a patch against the given digests. */
static const char *one_doc_entries(const ds_vault_added_doc *d, const char *text_base,
                                   const char *orig_base)
{
    static char buf[1024];
    char t[200], o[200];
    snprintf(t, sizeof t, "documents/%s.txt", d->content_sha256);
    snprintf(o, sizeof o, "originals/%s.md", d->original_sha256);
    snprintf(buf, sizeof buf, "MANIFEST\nMANIFEST.minisig\nsnapshot.json\n%s%s%s%s\n%s%s%s%s\n", t,
             text_base ? ".from-" : "", text_base ? text_base : "", text_base ? ".zst" : "", o,
             orig_base ? ".from-" : "", orig_base ? orig_base : "", orig_base ? ".zst" : "");
    return buf;
}

/* Read a revision's text (or original) through the public reader. */
static char *read_rev(ds_vault *v, const char *id, unsigned rev, int original, size_t *len)
{
    ds_vault_rev r = {DS_VAULT_REV_NUMBER, rev, 0};
    ds_vault_entry e;
    char *data = NULL;
    cr_assert_eq(ds_vault_resolve(&e, v, id, &r), 0, "%s", ds_error_last());
    cr_assert_eq(ds_vault_read(&data, len, v, id, &e, original), 0, "%s", ds_error_last());
    return data;
}

Test(vault, changed_documents_are_stored_as_patches_against_the_last_full_revision)
{
    ds_vault *v = make_vault("vault", g_key);
    ds_vault_add_result *r[6];
    size_t i, len = 0;
    char *text, *orig, *file;

    r[0] = add_at(v, T0, "putin-kim", tu_src(ART), NULL);
    for (i = 0; i < 5; i++) {
        char *p = rev_path(revs[i]);
        r[i + 1] = add_at(v, T0 + 86400 * (int64_t)(i + 1), "putin-kim", p, NULL);
        free(p);
    }
    /* the first revision in full; every later one a patch against it (star:
     * the third patches against the first, since the second is a patch) */
    cr_assert_str_eq(entries_of(r[0]->bundle, NULL), one_doc_entries(&r[0]->docs[0], NULL, NULL));
    for (i = 1; i < 6; i++)
        cr_assert_str_eq(entries_of(r[i]->bundle, NULL),
                         one_doc_entries(&r[i]->docs[0], r[0]->docs[0].content_sha256,
                                         r[0]->docs[0].original_sha256),
                         "revision %zu", i + 1);
    cr_assert_str_eq(
        entries_of(r[2]->bundle, NULL),
        "MANIFEST\nMANIFEST.minisig\nsnapshot.json\n"
        "documents/e5bb300bf10d96201cfd8b3b5e571160f307b9c2f4033178483e913aa2f264c0.txt.from-"
        "759dda5193f1d2033fc2cedf2864eec21b127f3fdb9d2b556357c759cd2a9fe0.zst\n"
        "originals/"
        "0b6bc874e8cc868f3d4756218d2c410d644bc2843d29def314e50823136438e9.md.from-"
        "7afc3aacc5c554160f031ffafd863c3b84f7c97190f29b5f5c13c302a0b561a5.zst\n");
    /* read back: the exact text and original bytes */
    for (i = 0; i < 6; i++) {
        char *want, hex[DS_SHA256_HEX_SIZE];
        size_t wlen;
        file = i ? rev_path(revs[i - 1]) : strdup(tu_src(ART));
        want = tu_read(file, &wlen);
        orig = read_rev(v, "putin-kim", (unsigned)i + 1, 1, &len);
        cr_assert_eq(len, wlen, "revision %zu", i + 1);
        cr_assert_eq(memcmp(orig, want, len), 0, "revision %zu", i + 1);
        text = read_rev(v, "putin-kim", (unsigned)i + 1, 0, &len);
        cr_assert_eq(ds_sha256_hex(hex, text, len), 0);
        cr_assert_str_eq(hex, r[i]->docs[0].content_sha256, "revision %zu", i + 1);
        free(text);
        free(orig);
        free(want);
        free(file);
    }
    expect_ok(v);
    for (i = 0; i < 6; i++)
        ds_vault_add_result_free(r[i]);
    ds_vault_free(v);
}

/* The main-job vault, returning the add results of its six snapshots. */
static ds_vault *patched_vault(ds_vault_add_result *r[6])
{
    ds_vault *v = make_vault("vault", g_key);
    size_t i;
    r[0] = add_at(v, T0, "putin-kim", tu_src(ART), NULL);
    for (i = 0; i < 5; i++) {
        char *p = rev_path(revs[i]);
        r[i + 1] = add_at(v, T0 + 86400 * (int64_t)(i + 1), "putin-kim", p, NULL);
        free(p);
    }
    return v;
}

Test(vault, missing_base_bundle_is_named)
{
    ds_vault_add_result *r[6];
    ds_vault *v = patched_vault(r);
    char cmd[1024], want[16384], *p;
    size_t i, n = 0;

    snprintf(cmd, sizeof cmd, "rm '%s/bundles/%s.tar.zst'", g_vdir, r[0]->bundle);
    cr_assert_eq(system(cmd), 0);
    n += (size_t)snprintf(want + n, sizeof want - n,
                          "bundle-present bundles/%s.tar.zst: missing (referenced by "
                          "manifest.jsonl line 1)\n",
                          r[0]->bundle);
    for (i = 1; i < 6; i++) {
        const ds_vault_added_doc *d = &r[i]->docs[0], *b = &r[0]->docs[0];
        n += (size_t)snprintf(
            want + n, sizeof want - n,
            "bundle bundles/%s.tar.zst: patches documents/%s.txt.from-%s.zst: documents/%s.txt is "
            "stored as a patch against documents/%s.txt: no earlier bundle of the vault holds "
            "documents/%s.txt in full: bundles/%s.tar.zst (record 1), which stores it, is "
            "missing\n",
            r[i]->bundle, d->content_sha256, b->content_sha256, d->content_sha256,
            b->content_sha256, b->content_sha256, r[0]->bundle);
        n += (size_t)snprintf(
            want + n, sizeof want - n,
            "bundle bundles/%s.tar.zst: patches originals/%s.md.from-%s.zst: originals/%s.md is "
            "stored as a patch against originals/%s.md: no earlier bundle of the vault holds "
            "originals/%s.md in full: bundles/%s.tar.zst (record 1), which stores it, is "
            "missing\n",
            r[i]->bundle, d->original_sha256, b->original_sha256, d->original_sha256,
            b->original_sha256, b->original_sha256, r[0]->bundle);
    }
    expect_failure(v, want);
    /* reading names the entry, its base and the missing bundle */
    {
        ds_vault_rev rev = {DS_VAULT_REV_NUMBER, 3, 0};
        ds_vault_entry e;
        size_t len;
        cr_assert_eq(ds_vault_resolve(&e, v, "putin-kim", &rev), 0);
        cr_assert_eq(ds_vault_read(&p, &len, v, "putin-kim", &e, 0), DS_EINTEGRITY);
        snprintf(want, sizeof want,
                 "bundles/%s.tar.zst: documents/%s.txt is stored as a patch against "
                 "documents/%s.txt: no earlier bundle of the vault holds documents/%s.txt in "
                 "full: bundles/%s.tar.zst (record 1), which stores it, is missing",
                 r[2]->bundle, r[2]->docs[0].content_sha256, r[0]->docs[0].content_sha256,
                 r[0]->docs[0].content_sha256, r[0]->bundle);
        cr_assert_str_eq(ds_error_last(), want);
    }
    for (i = 0; i < 6; i++)
        ds_vault_add_result_free(r[i]);
    ds_vault_free(v);
}

Test(vault, a_base_stored_only_as_a_patch_is_refused)
{
    ds_vault_add_result *r[6];
    ds_vault *v = patched_vault(r);
    ds_bundle_base_provider bp;
    char entry[128], want[1024];
    void *data = (void *)1;
    size_t len = 1;

    cr_assert_eq(ds_vault_base_provider(&bp, v), 0);
    /* revision 1 is a base: stored in full */
    snprintf(entry, sizeof entry, "documents/%s.txt", r[0]->docs[0].content_sha256);
    cr_assert_eq(bp.load(bp.ctx, entry, &data, &len), 0, "%s", ds_error_last());
    cr_assert_eq(len, 3677);
    free(data);
    /* revision 2 is a patch: never a base */
    snprintf(entry, sizeof entry, "documents/%s.txt", r[1]->docs[0].content_sha256);
    cr_assert_eq(bp.load(bp.ctx, entry, &data, &len), DS_ENOTFOUND);
    cr_assert_null(data);
    snprintf(want, sizeof want,
             "no earlier bundle of the vault holds %s in full: bundles/%s.tar.zst (record 2) "
             "holds it only as a patch, and a base must be stored in full",
             entry, r[1]->bundle);
    cr_assert_str_eq(ds_error_last(), want);
    for (size_t i = 0; i < 6; i++)
        ds_vault_add_result_free(r[i]);
    ds_vault_free(v);
}

/* Copy a vault bundle to g_dir/NAME.tar.zst, running sh commands in its
 * extracted tree first (cwd = the tree) and repacking its entries in
 * archive order with tar. */
static char *craft_bundle(const char *bundle_id, const char *name, const char *sh)
{
    char cmd[4096], out[600];
    snprintf(out, sizeof out, "%s/%s.tar.zst", g_dir, name);
    snprintf(
        cmd, sizeof cmd,
        "set -e; d='%s/%s.d'; mkdir \"$d\"; cd \"$d\"; tar --zstd -xf '%s/bundles/%s.tar.zst'; "
        "list=$(tar --zstd -tf '%s/bundles/%s.tar.zst'); %s; "
        "tar --zstd --format=pax -cf '%s' $(for f in $list; do [ -e \"$f\" ] && echo \"$f\"; "
        "done; echo $EXTRA)",
        g_dir, name, g_vdir, bundle_id, g_vdir, bundle_id, sh, out);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    return strdup(out);
}

Test(vault, tampered_patch_entry_is_named_by_verify)
{
    ds_vault_add_result *r[6];
    ds_vault *v = patched_vault(r);
    ds_bundle_verify_options bo = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    ds_bundle_base_provider bp;
    ds_public_key *pub = NULL;
    const ds_public_key *keys[1];
    ds_report *rep = NULL;
    char *thin, want[2048], patch[300];

    snprintf(patch, sizeof patch, "documents/%s.txt.from-%s.zst", r[1]->docs[0].content_sha256,
             r[0]->docs[0].content_sha256);
    /* the last byte of the patch: its content checksum */
    {
        char sh[1024];
        snprintf(sh, sizeof sh,
                 "f=%s; n=$(stat -c %%s $f); b=$(tail -c 1 $f | od -An -tu1 | tr -d ' '); "
                 "printf \"\\\\$(printf %%o $((b ^ 1)))\" | dd of=$f bs=1 seek=$((n - 1)) "
                 "conv=notrunc status=none",
                 patch);
        thin = craft_bundle(r[1]->bundle, "flipped", sh);
    }
    cr_assert_eq(ds_secret_key_public(&pub, g_key), 0);
    keys[0] = pub;
    cr_assert_eq(ds_vault_base_provider(&bp, v), 0);
    bo.keys = keys;
    bo.key_count = 1;
    bo.bases = &bp;
    cr_assert_eq(ds_bundle_verify(&rep, thin, &bo, NULL), 0, "%s", ds_error_last());
    snprintf(want, sizeof want,
             "patches %s: does not expand against documents/%s.txt: the patch does not expand: "
             "zstd: Restored data doesn't match checksum\n",
             patch, r[0]->docs[0].content_sha256);
    cr_assert_str_eq(failures(rep), want);
    ds_report_free(rep);
    /* the same bundle untouched verifies with the bases, and names the
     * missing base without them (version 1 options: no provider) */
    {
        char bpath[600];
        ds_bundle_verify_options v1 = DS_BUNDLE_VERIFY_OPTIONS_INIT;
        snprintf(bpath, sizeof bpath, "%s/bundles/%s.tar.zst", g_vdir, r[1]->bundle);
        cr_assert_eq(ds_bundle_verify(&rep, bpath, &bo, NULL), 0);
        cr_assert(ds_report_ok(rep), "%s", failures(rep));
        ds_report_free(rep);
        v1.version = 1;
        v1.keys = keys;
        v1.key_count = 1;
        v1.bases = &bp; /* not read: a version 1 caller has no such member */
        cr_assert_eq(ds_bundle_verify(&rep, bpath, &v1, NULL), 0);
        snprintf(want, sizeof want,
                 "patches %s: documents/%s.txt is stored as a patch against documents/%s.txt, "
                 "which is in another bundle of the vault: verify the vault, or docseal export "
                 "the bundle\n"
                 "patches originals/%s.md.from-%s.zst: originals/%s.md is stored as a patch "
                 "against originals/%s.md, which is in another bundle of the vault: verify the "
                 "vault, or docseal export the bundle\n",
                 patch, r[1]->docs[0].content_sha256, r[0]->docs[0].content_sha256,
                 r[1]->docs[0].original_sha256, r[0]->docs[0].original_sha256,
                 r[1]->docs[0].original_sha256, r[0]->docs[0].original_sha256);
        cr_assert_str_eq(failures(rep), want);
        ds_report_free(rep);
    }
    /* a patch that expands to other content (made against the base with
     * zstd, but from other text) fails content-hash and digests */
    {
        char sh[1024], *wrong;
        snprintf(sh, sizeof sh,
                 "mkdir -p ../b && tar --zstd -xf '%s/bundles/%s.tar.zst' -C ../b && "
                 "printf 'other text\\n' > other && zstd -q -f --patch-from=../b/documents/%s.txt "
                 "other -o %s && rm other",
                 g_vdir, r[0]->bundle, r[0]->docs[0].content_sha256, patch);
        wrong = craft_bundle(r[1]->bundle, "wrong", sh);
        cr_assert_eq(ds_bundle_verify(&rep, wrong, &bo, NULL), 0);
        snprintf(want, sizeof want,
                 "digests documents/%s.txt: digest mismatch: MANIFEST says %s, content is "
                 "63c3cf7091dabd33a6c54abf345b9d4d72a526e8e2a54713c92802c97ae26c31\n"
                 "content-hash %s: expands to content that hashes to "
                 "63c3cf7091dabd33a6c54abf345b9d4d72a526e8e2a54713c92802c97ae26c31, not to the "
                 "digest of documents/%s.txt\n"
                 "snapshot-consistent documents/%s.txt: document putin-kim: snapshot.json says "
                 "3672 bytes, the entry has 11\n",
                 r[1]->docs[0].content_sha256, r[1]->docs[0].content_sha256, patch,
                 r[1]->docs[0].content_sha256, r[1]->docs[0].content_sha256);
        cr_assert_str_eq(failures(rep), want);
        ds_report_free(rep);
        free(wrong);
    }
    ds_public_key_free(pub);
    free(thin);
    for (size_t i = 0; i < 6; i++)
        ds_vault_add_result_free(r[i]);
    ds_vault_free(v);
}

Test(vault, an_entry_stored_both_ways_is_refused)
{
    ds_vault_add_result *r[6];
    ds_vault *v = patched_vault(r);
    ds_bundle_verify_options bo = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    ds_bundle_base_provider bp;
    ds_report *rep = NULL;
    char sh[1024], want[1024], *both;

    /* the full text next to its patch (from the exported copy) */
    snprintf(
        sh, sizeof sh,
        "mkdir -p ../full && cd ../full && tar --zstd -xf '%s/full.tar.zst' && cd - >/dev/null "
        "&& cp ../full/documents/%s.txt documents/; export EXTRA=documents/%s.txt",
        g_dir, r[1]->docs[0].content_sha256, r[1]->docs[0].content_sha256);
    {
        char out[600];
        snprintf(out, sizeof out, "%s/full.tar.zst", g_dir);
        cr_assert_eq(ds_vault_export(v, r[1]->bundle, out), 0, "%s", ds_error_last());
    }
    both = craft_bundle(r[1]->bundle, "both", sh);
    cr_assert_eq(ds_vault_base_provider(&bp, v), 0);
    bo.bases = &bp;
    cr_assert_eq(ds_bundle_verify(&rep, both, &bo, NULL), 0);
    snprintf(want, sizeof want,
             "entry-safety documents/%s.txt.from-%s.zst: documents/%s.txt is stored twice: in "
             "full or as a patch, and as documents/%s.txt\n",
             r[1]->docs[0].content_sha256, r[0]->docs[0].content_sha256,
             r[1]->docs[0].content_sha256, r[1]->docs[0].content_sha256);
    cr_assert_not_null(strstr(failures(rep), want), "%s", failures(rep));
    ds_report_free(rep);
    free(both);
    for (size_t i = 0; i < 6; i++)
        ds_vault_add_result_free(r[i]);
    ds_vault_free(v);
}

Test(vault, export_gives_a_standalone_bundle_with_the_same_id)
{
    ds_vault_add_result *r[6];
    ds_vault *v = patched_vault(r);
    ds_bundle_verify_options bo = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    ds_public_key *pub = NULL;
    const ds_public_key *keys[1];
    ds_report *rep = NULL;
    ds_bundle_info *info = NULL;
    char out[600], bad[100];

    snprintf(out, sizeof out, "%s/copy.tar.zst", g_dir);
    cr_assert_eq(ds_vault_export(v, r[2]->bundle, out), 0, "%s", ds_error_last());
    cr_assert_str_eq(entries_of(NULL, out), one_doc_entries(&r[2]->docs[0], NULL, NULL));
    cr_assert_eq(ds_secret_key_public(&pub, g_key), 0);
    keys[0] = pub;
    bo.keys = keys;
    bo.key_count = 1;
    cr_assert_eq(ds_bundle_verify(&rep, out, &bo, &info), 0);
    cr_assert(ds_report_ok(rep), "%s", failures(rep));
    cr_assert_str_eq(info->bundle_id, r[2]->bundle);
    ds_report_free(rep);
    ds_bundle_info_free(info);
    /* the thin bundle alone: extraction names the entry and its base */
    {
        char thin[600], want[1024], entry[128];
        size_t got = 0;
        ds_sink sink = {count_sink, &got};
        snprintf(thin, sizeof thin, "%s/bundles/%s.tar.zst", g_vdir, r[2]->bundle);
        snprintf(entry, sizeof entry, "documents/%s.txt", r[2]->docs[0].content_sha256);
        cr_assert_eq(ds_bundle_extract(thin, entry, &sink), DS_ENOTFOUND);
        snprintf(want, sizeof want,
                 "%s: %s is stored as a patch against documents/%s.txt, which is in another "
                 "bundle of the vault: verify the vault, or docseal export the bundle",
                 thin, entry, r[0]->docs[0].content_sha256);
        cr_assert_str_eq(ds_error_last(), want);
        cr_assert_eq(got, 0);
        /* ... and with the vault's bases, the text */
        {
            ds_bundle_base_provider bp;
            cr_assert_eq(ds_vault_base_provider(&bp, v), 0);
            cr_assert_eq(ds_bundle_extract_ext(thin, entry, &sink, &bp), 0, "%s", ds_error_last());
            cr_assert_eq(got, 3660); /* vault-3-quote.txt normalized */
        }
    }
    /* errors */
    memset(bad, 'a', 64);
    bad[64] = '\0';
    cr_assert_eq(ds_vault_export(v, bad, out), DS_ENOTFOUND);
    cr_assert_str_eq(ds_error_last(),
                     "bundle aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: "
                     "no record of the vault names it");
    cr_assert_eq(ds_vault_export(v, "ABC", out), DS_EINVALID);
    cr_assert_str_eq(ds_error_last(), "ABC: not a bundle id (64 lowercase hex digits)");
    ds_public_key_free(pub);
    for (size_t i = 0; i < 6; i++)
        ds_vault_add_result_free(r[i]);
    ds_vault_free(v);
}

Test(vault, a_large_drift_is_stored_in_full_and_becomes_the_base)
{
    ds_vault *v = make_vault("vault", g_key);
    ds_vault_add_result *r[3];
    char p3[600], *data;
    size_t len;

    r[0] = add_at(v, T0, "doc", tu_src(ART), NULL);
    r[1] = add_at(v, T0 + 86400, "doc", tu_src("fixtures/articles/002_front_matter.txt"), NULL);
    data = tu_read(tu_src("fixtures/articles/002_front_matter.txt"), &len);
    snprintf(p3, sizeof p3, "%s/third.txt", g_dir);
    {
        char *d3 = malloc(len + 64);
        memcpy(d3, data, len);
        memcpy(d3 + len, "\nOne more sentence at the end.\n", 31);
        tu_write(p3, d3, len + 31);
        free(d3);
    }
    r[2] = add_at(v, T0 + 2 * 86400, "doc", p3, NULL);
    cr_assert_eq(r[1]->docs[0].status, DS_DOC_CHANGED);
    /* another article under the same id: the patch would not pay */
    cr_assert_str_eq(entries_of(r[1]->bundle, NULL), one_doc_entries(&r[1]->docs[0], NULL, NULL));
    /* the next small change patches against it, not against revision 1 */
    cr_assert_str_eq(entries_of(r[2]->bundle, NULL),
                     one_doc_entries(&r[2]->docs[0], r[1]->docs[0].content_sha256,
                                     r[1]->docs[0].original_sha256));
    expect_ok(v);
    free(data);
    for (size_t i = 0; i < 3; i++)
        ds_vault_add_result_free(r[i]);
    ds_vault_free(v);
}

/* A version 1 vault never gets patch entries (older docseal could not read
 * them): a changed document is stored in full, in a bundle of format 1. */
Test(vault, version_1_vault_stores_changed_documents_in_full)
{
    ds_vault *v = make_vault("vault", g_key);
    ds_vault_add_result *r[2];
    ds_bundle_info *info = NULL;
    char *cfg, *at, *p2 = rev_path(revs[0]), bp[700];
    ds_vault_free(v);
    cfg = tu_read(vpath("docseal.json"), NULL);
    at = strstr(cfg, "\"version\": 2");
    cr_assert_not_null(at);
    at[11] = '1';
    tu_write(vpath("docseal.json"), cfg, strlen(cfg));
    free(cfg);
    cr_assert_eq(ds_vault_open(&v, g_vdir), 0, "%s", ds_error_last());
    r[0] = add_at(v, T0, "putin-kim", tu_src(ART), NULL);
    r[1] = add_at(v, T0 + 86400, "putin-kim", p2, NULL);
    cr_assert_eq(r[1]->docs[0].status, DS_DOC_CHANGED);
    cr_assert_str_eq(entries_of(r[1]->bundle, NULL), one_doc_entries(&r[1]->docs[0], NULL, NULL));
    snprintf(bp, sizeof bp, "%s/bundles/%s.tar.zst", g_vdir, r[1]->bundle);
    cr_assert_eq(ds_bundle_read_info(&info, bp), 0, "%s", ds_error_last());
    cr_assert_eq(info->format_version, 1);
    ds_bundle_info_free(info);
    expect_ok(v);
    /* in a version 2 vault the same change is a patch, in a bundle of format 2 */
    {
        ds_vault *v2 = make_vault("vault2", g_key);
        ds_vault_add_result *s0 = NULL, *s1 = NULL;
        ds_vault_add_options ao = DS_VAULT_ADD_OPTIONS_INIT;
        const char *in0 = tu_src(ART);
        char bp2[700];
        ao.time = T0;
        ao.id = "putin-kim";
        ao.threads = 1;
        cr_assert_eq(ds_vault_add(&s0, v2, g_key, &in0, 1, &ao), 0, "%s", ds_error_last());
        ao.time = T0 + 86400;
        in0 = p2;
        cr_assert_eq(ds_vault_add(&s1, v2, g_key, &in0, 1, &ao), 0, "%s", ds_error_last());
        snprintf(bp2, sizeof bp2, "%s/vault2/bundles/%s.tar.zst", g_dir, s1->bundle);
        cr_assert_str_eq(
            entries_of(NULL, bp2),
            one_doc_entries(&s1->docs[0], s0->docs[0].content_sha256, s0->docs[0].original_sha256));
        cr_assert_eq(ds_bundle_read_info(&info, bp2), 0, "%s", ds_error_last());
        cr_assert_eq(info->format_version, 2);
        ds_bundle_info_free(info);
        ds_vault_add_result_free(s0);
        ds_vault_add_result_free(s1);
        ds_vault_free(v2);
    }
    free(p2);
    ds_vault_add_result_free(r[0]);
    ds_vault_add_result_free(r[1]);
    ds_vault_free(v);
}
