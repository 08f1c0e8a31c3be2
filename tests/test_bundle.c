/* test_bundle.c - the bundle writer, reader and verifier, tampering and the seal/verify CLI. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>

#include "bundle_internal.h"
#include "docseal/docseal.h"
#include "testutil.h"

/* ---- fixed values ---- */

#define ARTICLE "fixtures/articles/000_b02582cd44c05fde.txt"
/* sha256sum fixtures/articles/000_b02582cd44c05fde.txt */
#define ARTICLE_SHA256 "7afc3aacc5c554160f031ffafd863c3b84f7c97190f29b5f5c13c302a0b561a5"
#define ARTICLE_SIZE 3853
/* RFC 8032 section 7.1 TEST 1 and TEST 2 seeds, and their docseal key ids
 * (see test_sign.c). */
static const char *const seed1_hex =
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
static const char *const seed2_hex =
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb";
#define KEY1_ID "10E4DAE5E46C9089"
#define KEY2_ID "2CDE887CBD7BBD5B"
/* 2024-05-01T12:00:00Z */
#define T0 ((int64_t)1714564800)
/* A revision of the article: one figure changed. */
static const char *const revision_text =
    "'Shrewd & mature N. Korean leader has won this round' – Putin on peninsula crisis\n\n"
    "11/01/2018\n\n"
    "North Korean leader Kim Jong-un has emerged a winner in the latest crisis around the "
    "Korean Peninsula, Russian president Vladimir Putin said.\n\n"
    "*“He has a nuclear [charge] and a ... missile with a range of up to 12,000 kilometers "
    "that can reach almost any place on Earth,”* Putin told journalists on Thursday.\n";

/* ---- helpers ---- */

static ds_secret_key *key_from(const char *hex)
{
    unsigned char seed[32];
    ds_secret_key *k = NULL;
    size_t i;
    for (i = 0; i < 32; i++) {
        unsigned v;
        cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        seed[i] = (unsigned char)v;
    }
    cr_assert_eq(ds_secret_key_from_seed(&k, seed), 0, "%s", ds_error_last());
    return k;
}

static char *path_join(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    cr_assert_not_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static char *sha256_of(const void *data, size_t len)
{
    char *hex = malloc(DS_SHA256_HEX_SIZE);
    cr_assert_eq(ds_sha256_hex(hex, data, len), 0);
    return hex;
}

/* Normalize a file with the library, to know the content hash and text the
 * bundle must hold whatever the normalizer's rules are. */
static ds_document *normalized(const char *path)
{
    ds_document *doc = NULL;
    cr_assert_eq(ds_normalize_file(&doc, path, NULL, NULL, NULL), 0, "%s: %s", path,
                 ds_error_last());
    cr_assert_not_null(doc->text);
    return doc;
}

/* The extension of a document's original: after the format the normalizer
 * used (the article is Markdown-ish text). */
static const char *ext_of(const ds_document *d)
{
    return d->format == DS_FORMAT_MARKDOWN ? "md" : d->format == DS_FORMAT_HTML ? "html" : "txt";
}

/* A work directory with the article and its revision. */
typedef struct fx {
    char *dir, *article, *revision;
    ds_secret_key *key, *other;
} fx;

static void fx_init(fx *f)
{
    size_t len;
    char *data = tu_read(tu_src(ARTICLE), &len);
    memset(f, 0, sizeof *f);
    f->dir = tu_tmpdir();
    f->article = path_join(f->dir, "000_b02582cd44c05fde.txt");
    f->revision = path_join(f->dir, "revision.txt");
    tu_write(f->article, data, len);
    tu_write(f->revision, revision_text, strlen(revision_text));
    free(data);
    f->key = key_from(seed1_hex);
    f->other = key_from(seed2_hex);
}

static void rm_rf(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void fx_fini(fx *f)
{
    rm_rf(f->dir);
    free(f->dir);
    free(f->article);
    free(f->revision);
    ds_secret_key_free(f->key);
    ds_secret_key_free(f->other);
}

/* Seal files into dir (or to out_path) with key at time t; returns the path. */
static char *seal_with(const ds_secret_key *key, const char *out_dir, const char *out_path,
                       const char *const *files, size_t n, int64_t t, int threads,
                       char id[DS_SHA256_HEX_SIZE])
{
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    ds_bundle_writer *w = NULL;
    char *path = NULL;
    size_t i;
    o.snapshot_time = t;
    o.out_dir = out_dir;
    o.threads = threads;
    cr_assert_eq(ds_bundle_writer_new(&w, key, &o), 0, "%s", ds_error_last());
    for (i = 0; i < n; i++)
        cr_assert_eq(ds_bundle_writer_add_file(w, files[i], NULL, NULL, NULL), 0, "%s",
                     ds_error_last());
    cr_assert_eq(ds_bundle_writer_finish(w, out_path, id, &path), 0, "%s", ds_error_last());
    ds_bundle_writer_free(w);
    return path;
}

static char *seal_fx(fx *f, char id[DS_SHA256_HEX_SIZE])
{
    const char *files[] = {f->article, f->revision};
    return seal_with(f->key, f->dir, NULL, files, 2, T0, 0, id);
}

static ds_report *verify_with(const char *path, const ds_secret_key *const *keys, size_t n,
                              int deep, const ds_bundle_limits *limits)
{
    ds_public_key *pubs[4] = {NULL, NULL, NULL, NULL};
    ds_bundle_verify_options o = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    ds_report *r = NULL;
    size_t i;
    for (i = 0; i < n; i++)
        cr_assert_eq(ds_secret_key_public(&pubs[i], keys[i]), 0);
    o.keys = (const ds_public_key *const *)pubs;
    o.key_count = n;
    o.deep = deep;
    o.limits = limits;
    cr_assert_eq(ds_bundle_verify(&r, path, &o, NULL), 0, "%s", ds_error_last());
    for (i = 0; i < n; i++)
        ds_public_key_free(pubs[i]);
    return r;
}

static ds_report *verify(const fx *f, const char *path)
{
    const ds_secret_key *keys[] = {f->key};
    return verify_with(path, keys, 1, 0, NULL);
}

static void dump(const ds_report *r)
{
    size_t i;
    for (i = 0; i < r->count; i++)
        fprintf(stderr, "  %s %s %s: %s\n", ds_check_result_name(r->checks[i].result),
                r->checks[i].name, r->checks[i].subject ? r->checks[i].subject : "-",
                r->checks[i].detail ? r->checks[i].detail : "");
}

/* The check with that name, result and subject (NULL subject: any). */
static const ds_check *find(const ds_report *r, const char *name, ds_check_result res,
                            const char *subject)
{
    size_t i;
    for (i = 0; i < r->count; i++) {
        const ds_check *c = &r->checks[i];
        if (strcmp(c->name, name) == 0 && c->result == res &&
            (!subject || (c->subject && strcmp(c->subject, subject) == 0)))
            return c;
    }
    return NULL;
}

/* Assert a failing check with that name and subject (NULL: any) whose
 * detail contains `has` (NULL: any). */
static void expect_fail(const ds_report *r, const char *name, const char *subject, const char *has)
{
    size_t i;
    for (i = 0; i < r->count; i++) {
        const ds_check *c = &r->checks[i];
        if (strcmp(c->name, name) == 0 && c->result == DS_CHECK_FAIL &&
            (!subject || (c->subject && strcmp(c->subject, subject) == 0)) &&
            (!has || (c->detail && strstr(c->detail, has))))
            break;
    }
    if (i == r->count)
        dump(r);
    cr_assert_lt(i, r->count, "no failing %s check for %s saying '%s'", name,
                 subject ? subject : "(any)", has ? has : "");
    cr_assert_eq(ds_report_ok(r), 0);
}

static void expect_all_pass(const ds_report *r)
{
    if (!ds_report_ok(r))
        dump(r);
    cr_assert(ds_report_ok(r));
    cr_assert_eq(r->failures, 0);
}

/* ---- an in-memory copy of a bundle's entries, and a raw tar builder ---- */

typedef struct tent {
    char name[512];
    char link[256];
    char type;         /* ustar typeflag: '0' file, '1' hard link, '2' symlink, ... */
    uint64_t declared; /* size in the header; len unless forced */
    unsigned char *data;
    size_t len;
} tent;

typedef struct tlist {
    tent e[64];
    size_t n;
} tlist;

static void tl_read(tlist *l, const char *path)
{
    struct archive *a = archive_read_new();
    struct archive_entry *ae;
    memset(l, 0, sizeof *l);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_tar(a);
    cr_assert_eq(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
    while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
        tent *t = &l->e[l->n++];
        snprintf(t->name, sizeof t->name, "%s", archive_entry_pathname(ae));
        t->type = '0';
        t->len = (size_t)archive_entry_size(ae);
        t->declared = t->len;
        t->data = malloc(t->len + 1);
        cr_assert_eq(archive_read_data(a, t->data, t->len), (la_ssize_t)t->len);
    }
    archive_read_free(a);
}

static void tl_free(tlist *l)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        free(l->e[i].data);
    l->n = 0;
}

static tent *tl_get(tlist *l, const char *prefix)
{
    size_t i;
    for (i = 0; i < l->n; i++)
        if (strncmp(l->e[i].name, prefix, strlen(prefix)) == 0)
            return &l->e[i];
    cr_assert_fail("no entry %s", prefix);
    return NULL;
}

static tent *tl_add(tlist *l, const char *name, char type, const void *data, size_t len)
{
    tent *t = &l->e[l->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->type = type;
    t->data = malloc(len + 1);
    if (len)
        memcpy(t->data, data, len);
    t->len = len;
    t->declared = len;
    return t;
}

static void tl_remove(tlist *l, const char *prefix)
{
    tent *t = tl_get(l, prefix);
    free(t->data);
    memmove(t, t + 1, (size_t)(&l->e[l->n] - (t + 1)) * sizeof *t);
    l->n--;
}

static void tl_set(tent *t, const void *data, size_t len)
{
    free(t->data);
    t->data = malloc(len + 1);
    memcpy(t->data, data, len);
    t->len = t->declared = len;
}

typedef struct obuf {
    unsigned char *p;
    size_t len, cap;
} obuf;

static void ob_put(obuf *b, const void *data, size_t len)
{
    if (b->len + len > b->cap) {
        b->cap = (b->len + len) * 2 + 4096;
        b->p = realloc(b->p, b->cap);
        cr_assert_not_null(b->p);
    }
    memcpy(b->p + b->len, data, len);
    b->len += len;
}

static void ob_zeros(obuf *b, size_t n)
{
    static const unsigned char z[512];
    while (n > 0) {
        size_t k = n < 512 ? n : 512;
        ob_put(b, z, k);
        n -= k;
    }
}

/* One 512-byte ustar header (sizes over 8 GiB and names over 100 bytes go in
 * a preceding pax 'x' header, as POSIX pax does). */
static void th_raw(obuf *b, const char *name, char type, uint64_t size, const char *link)
{
    unsigned char h[512];
    unsigned sum = 0;
    size_t i;
    memset(h, 0, sizeof h);
    memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
    memcpy(h + 100, "0000644", 8);
    memcpy(h + 108, "0000000", 8);
    memcpy(h + 116, "0000000", 8);
    snprintf((char *)h + 124, 12, "%011llo",
             (unsigned long long)(size > 077777777777ull ? 0 : size));
    snprintf((char *)h + 136, 12, "%011llo", (unsigned long long)T0);
    memset(h + 148, ' ', 8);
    h[156] = (unsigned char)type;
    if (link)
        memcpy(h + 157, link, strlen(link) < 100 ? strlen(link) : 100);
    memcpy(h + 257, "ustar", 6);
    memcpy(h + 263, "00", 2);
    for (i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    h[155] = ' ';
    ob_put(b, h, 512);
}

static void pax_record(obuf *rec, const char *key, const char *value)
{
    char line[1024];
    size_t body = strlen(key) + strlen(value) + 3, len = body, digits;
    /* the length counts its own digits */
    for (;;) {
        digits = (size_t)snprintf(NULL, 0, "%zu", len);
        if (body + digits == len)
            break;
        len = body + digits;
    }
    snprintf(line, sizeof line, "%zu %s=%s\n", len, key, value);
    ob_put(rec, line, strlen(line));
}

static void th_entry(obuf *b, const tent *t)
{
    obuf rec = {0};
    if (strlen(t->name) > 100)
        pax_record(&rec, "path", t->name);
    if (t->declared > 077777777777ull) {
        char v[32];
        snprintf(v, sizeof v, "%llu", (unsigned long long)t->declared);
        pax_record(&rec, "size", v);
    }
    if (rec.len) {
        th_raw(b, "PaxHeader/x", 'x', rec.len, NULL);
        ob_put(b, rec.p, rec.len);
        ob_zeros(b, (512 - rec.len % 512) % 512);
    }
    th_raw(b, t->name, t->type, t->declared, t->link[0] ? t->link : NULL);
    if (t->len) {
        ob_put(b, t->data, t->len);
        ob_zeros(b, (512 - t->len % 512) % 512);
    }
    free(rec.p);
}

/* Write the entries as a tar, compressed with zstd (level 3, checksum). */
static void tl_write(const tlist *l, const char *path, int end_marker)
{
    obuf tar = {0};
    size_t i, cap, n;
    void *z;
    ZSTD_CCtx *c = ZSTD_createCCtx();
    for (i = 0; i < l->n; i++)
        th_entry(&tar, &l->e[i]);
    if (end_marker)
        ob_zeros(&tar, 1024);
    cap = ZSTD_compressBound(tar.len);
    z = malloc(cap);
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    n = ZSTD_compress2(c, z, cap, tar.p, tar.len);
    cr_assert(!ZSTD_isError(n));
    tu_write(path, z, n);
    ZSTD_freeCCtx(c);
    free(z);
    free(tar.p);
}

/* Re-sign a changed MANIFEST entry of l with key (trusted comment for the
 * new bundle id and time T0). */
static void tl_resign(tlist *l, const ds_secret_key *key)
{
    tent *m = tl_get(l, "MANIFEST"), *s = tl_get(l, "MANIFEST.minisig");
    char *id = sha256_of(m->data, m->len), tc[256], *sig = NULL;
    snprintf(tc, sizeof tc, "docseal-bundle 1 time:2024-05-01T12:00:00Z bundle:%s", id);
    cr_assert_eq(ds_minisig_sign(&sig, key, m->data, m->len, tc, NULL), 0);
    tl_set(s, sig, strlen(sig));
    free(sig);
    free(id);
}

/* Rebuild MANIFEST from the entries' contents (as the writer does). */
static void tl_remanifest(tlist *l)
{
    char *names[64], buf[16384];
    size_t i, j, n = 0, len = 0;
    for (i = 0; i < l->n; i++)
        if (strcmp(l->e[i].name, "MANIFEST") && strcmp(l->e[i].name, "MANIFEST.minisig"))
            names[n++] = l->e[i].name;
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    for (i = 0; i < n; i++) {
        tent *t = tl_get(l, names[i]);
        char *h = sha256_of(t->data, t->len);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s  %s\n", h, names[i]);
        free(h);
    }
    tl_set(tl_get(l, "MANIFEST"), buf, len);
}

/* ---- the writer ---- */

Test(bundle_writer, seals_two_documents_with_exact_manifest)
{
    fx f;
    char id[DS_SHA256_HEX_SIZE], kid[DS_KEY_ID_HEX_SIZE], *path, *expect, line[512];
    ds_document *a, *b;
    ds_bundle_info *info = NULL;
    ds_report *r;
    tlist l;
    tent *m;
    size_t i;
    struct stat st;
    const char *want_names[7];
    char dn[2][96], on[2][96];

    fx_init(&f);
    a = normalized(f.article);
    b = normalized(f.revision);
    path = seal_fx(&f, id);
    expect = path_join(f.dir, id);
    strcat(expect = realloc(expect, strlen(expect) + 9), ".tar.zst");
    cr_assert_str_eq(path, expect);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);

    /* entries: MANIFEST, its signature, snapshot.json, then each text (in
     * bytewise order of content hash) followed by its original */
    tl_read(&l, path);
    cr_assert_eq(l.n, 7);
    snprintf(dn[0], 96, "documents/%s.txt", a->content_sha256);
    snprintf(dn[1], 96, "documents/%s.txt", b->content_sha256);
    snprintf(on[0], 96, "originals/%s.%s", ARTICLE_SHA256, ext_of(a));
    snprintf(on[1], 96, "originals/%s.%s", b->original_sha256, ext_of(b));
    {
        int x = strcmp(a->content_sha256, b->content_sha256) < 0 ? 0 : 1;
        want_names[0] = "MANIFEST";
        want_names[1] = "MANIFEST.minisig";
        want_names[2] = "snapshot.json";
        want_names[3] = dn[x];
        want_names[4] = on[x];
        want_names[5] = dn[1 - x];
        want_names[6] = on[1 - x];
    }
    for (i = 0; i < 7; i++)
        cr_assert_str_eq(l.e[i].name, want_names[i]);
    /* MANIFEST: sha256sum lines of the other 5 entries, in bytewise order */
    m = tl_get(&l, "MANIFEST");
    {
        char buf[4096];
        size_t len = 0;
        const char *sorted[5];
        sorted[0] = strcmp(dn[0], dn[1]) < 0 ? dn[0] : dn[1];
        sorted[1] = strcmp(dn[0], dn[1]) < 0 ? dn[1] : dn[0];
        sorted[2] = strcmp(on[0], on[1]) < 0 ? on[0] : on[1];
        sorted[3] = strcmp(on[0], on[1]) < 0 ? on[1] : on[0];
        sorted[4] = "snapshot.json";
        for (i = 0; i < 5; i++) {
            tent *t = tl_get(&l, sorted[i]);
            char *h = sha256_of(t->data, t->len);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s  %s\n", h, sorted[i]);
            free(h);
        }
        cr_assert_eq(m->len, len);
        cr_assert_eq(memcmp(m->data, buf, len), 0);
    }
    /* bundle id = SHA-256 of MANIFEST */
    {
        char *h = sha256_of(m->data, m->len);
        cr_assert_str_eq(h, id);
        free(h);
    }
    /* the original is stored byte for byte; the text is the normalized text */
    {
        tent *o = tl_get(&l, on[0]), *d = tl_get(&l, dn[0]);
        size_t len;
        char *orig = tu_read(tu_src(ARTICLE), &len);
        cr_assert_eq(o->len, ARTICLE_SIZE);
        cr_assert_eq(memcmp(o->data, orig, len), 0);
        cr_assert_eq(d->len, a->content_size);
        cr_assert_eq(memcmp(d->data, a->text, d->len), 0);
        free(orig);
    }
    /* the signature's trusted comment */
    {
        tent *s = tl_get(&l, "MANIFEST.minisig");
        snprintf(line, sizeof line,
                 "trusted comment: docseal-bundle 1 time:2024-05-01T12:00:00Z bundle:%s\n", id);
        s->data[s->len] = '\0';
        cr_assert(strstr((char *)s->data, line), "%s", s->data);
        cr_assert(strncmp((char *)s->data, "untrusted comment: ", 19) == 0);
    }

    /* info */
    cr_assert_eq(ds_bundle_read_info(&info, path), 0, "%s", ds_error_last());
    cr_assert_str_eq(info->bundle_id, id);
    cr_assert_eq(info->snapshot_time, T0);
    cr_assert_str_eq(info->created, "2024-05-01T12:00:00Z");
    ds_secret_key_id(f.key, kid);
    cr_assert_str_eq(kid, KEY1_ID);
    cr_assert_str_eq(info->key_id, KEY1_ID);
    cr_assert_str_eq(info->normalizer, DS_NORMALIZER_VERSION);
    cr_assert_eq(strncmp(info->tool, "docseal ", 8), 0);
    cr_assert_eq(info->doc_count, 2);
    cr_assert_str_eq(info->docs[0].id, a->id ? a->id : "000_b02582cd44c05fde");
    cr_assert_str_eq(info->docs[1].id, b->id ? b->id : "revision");
    cr_assert_str_eq(info->docs[0].content_sha256, a->content_sha256);
    cr_assert_str_eq(info->docs[0].original_sha256, ARTICLE_SHA256);
    cr_assert_eq(info->docs[0].original_size, ARTICLE_SIZE);
    cr_assert_eq(info->docs[0].content_size, a->content_size);
    cr_assert_str_eq(info->docs[0].format, ds_format_name(a->format));
    cr_assert_str_eq(info->docs[0].document_entry, dn[0]);
    cr_assert_str_eq(info->docs[0].original_entry, on[0]);
    cr_assert_eq(info->docs[0].status, DS_DOC_NEW);
    cr_assert_eq(info->docs[0].revision, 0);
    cr_assert_str_eq(info->docs[0].previous_content_sha256, "");
    cr_assert_str_eq(info->docs[0].date_order, "none");
    if (a->title)
        cr_assert_str_eq(info->docs[0].title, a->title);
    else
        cr_assert_null(info->docs[0].title);

    /* verification passes with every check named */
    r = verify(&f, path);
    expect_all_pass(r);
    {
        static const char *const names[] = {
            "archive-readable", "entry-safety",       "manifest-format", "manifest-complete",
            "digests",          "content-hash",       "signature",       "trusted-comment",
            "bundle-id",        "snapshot-consistent"};
        cr_assert_eq(r->count, sizeof names / sizeof *names);
        for (i = 0; i < r->count; i++)
            cr_assert_str_eq(r->checks[i].name, names[i]);
    }
    cr_assert_str_eq(find(r, "signature", DS_CHECK_PASS, "MANIFEST.minisig")->detail,
                     "MANIFEST is signed by trusted key " KEY1_ID);
    ds_report_free(r);

    ds_bundle_info_free(info);
    tl_free(&l);
    ds_document_free(a);
    ds_document_free(b);
    free(expect);
    free(path);
    fx_fini(&f);
}

Test(bundle_writer, is_deterministic_across_runs_and_thread_counts)
{
    fx f;
    const char *files[2];
    char id1[DS_SHA256_HEX_SIZE], id2[DS_SHA256_HEX_SIZE], id3[DS_SHA256_HEX_SIZE];
    char *p1, *p2, *p3, *d1, *d2, *d3, *b1, *b2, *b3;
    size_t n1, n2, n3;

    fx_init(&f);
    files[0] = f.article;
    files[1] = f.revision;
    d1 = path_join(f.dir, "one");
    d2 = path_join(f.dir, "two");
    d3 = path_join(f.dir, "three");
    mkdir(d1, 0755);
    mkdir(d2, 0755);
    mkdir(d3, 0755);
    p1 = seal_with(f.key, d1, NULL, files, 2, T0, 1, id1);
    p2 = seal_with(f.key, d2, NULL, files, 2, T0, 2, id2);
    /* SOURCE_DATE_EPOCH stands in for the time */
    setenv("SOURCE_DATE_EPOCH", "1714564800", 1);
    p3 = seal_with(f.key, d3, NULL, files, 2, DS_TIME_NOW, 4, id3);
    unsetenv("SOURCE_DATE_EPOCH");
    cr_assert_str_eq(id1, id2);
    cr_assert_str_eq(id1, id3);
    b1 = tu_read(p1, &n1);
    b2 = tu_read(p2, &n2);
    b3 = tu_read(p3, &n3);
    cr_assert_eq(n1, n2);
    cr_assert_eq(n1, n3);
    cr_assert_eq(memcmp(b1, b2, n1), 0, "bundles differ between 1 and 2 threads");
    cr_assert_eq(memcmp(b1, b3, n1), 0, "bundles differ with SOURCE_DATE_EPOCH");
    free(b1);
    free(b2);
    free(b3);
    free(p1);
    free(p2);
    free(p3);
    free(d1);
    free(d2);
    free(d3);
    fx_fini(&f);
}

Test(bundle_writer, a_different_time_gives_a_different_bundle)
{
    fx f;
    const char *files[1];
    char id1[DS_SHA256_HEX_SIZE], id2[DS_SHA256_HEX_SIZE], *p1, *p2;
    fx_init(&f);
    files[0] = f.article;
    p1 = seal_with(f.key, f.dir, NULL, files, 1, T0, 0, id1);
    p2 = seal_with(f.key, f.dir, NULL, files, 1, T0 + 1, 0, id2);
    cr_assert_str_neq(id1, id2);
    free(p1);
    free(p2);
    fx_fini(&f);
}

Test(bundle_writer, finishes_to_an_explicit_path_and_replaces_it)
{
    fx f;
    const char *files[1];
    char id[DS_SHA256_HEX_SIZE], *out, *p;
    struct stat st;
    DIR *d;
    struct dirent *de;
    size_t n = 0;

    fx_init(&f);
    files[0] = f.article;
    out = path_join(f.dir, "my.bundle");
    tu_write(out, "old", 3);
    p = seal_with(f.key, f.dir, out, files, 1, T0, 0, id);
    cr_assert_str_eq(p, out);
    cr_assert_eq(stat(out, &st), 0);
    cr_assert_gt(st.st_size, 3);
    /* no temporary or spool file is left behind */
    d = opendir(f.dir);
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.' || strlen(de->d_name) > 2)
            n++;
    closedir(d);
    cr_assert_eq(n, 3, "expected the two inputs and my.bundle");
    free(p);
    free(out);
    fx_fini(&f);
}

Test(bundle_writer, defaults_to_the_bundle_id_in_the_working_directory)
{
    fx f;
    ds_bundle_writer *w = NULL;
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    char id[DS_SHA256_HEX_SIZE], *p = NULL, want[128], cwd[4096];

    fx_init(&f);
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    cr_assert_eq(chdir(f.dir), 0);
    o.snapshot_time = T0;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0);
    cr_assert_eq(ds_bundle_writer_add_file(w, f.article, NULL, NULL, NULL), 0);
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &p), 0, "%s", ds_error_last());
    snprintf(want, sizeof want, "%s.tar.zst", id);
    cr_assert_str_eq(p, want);
    cr_assert_eq(access(want, F_OK), 0);
    cr_assert_eq(chdir(cwd), 0);
    ds_bundle_writer_free(w);
    free(p);
    fx_fini(&f);
}

Test(bundle_writer, unchanged_documents_are_listed_but_not_stored)
{
    fx f;
    ds_bundle_writer *w = NULL;
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    ds_bundle_info *info = NULL;
    const ds_document *da = NULL, *db = NULL;
    size_t ia = 9, ib = 9;
    char id[DS_SHA256_HEX_SIZE], *p = NULL, prev[DS_SHA256_HEX_SIZE];
    ds_report *r;
    tlist l;

    fx_init(&f);
    o.snapshot_time = T0;
    o.out_dir = f.dir;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0);
    cr_assert_eq(ds_bundle_writer_add_file(w, f.article, NULL, &da, &ia), 0);
    cr_assert_eq(ds_bundle_writer_add_file(w, f.revision, NULL, &db, &ib), 0);
    cr_assert_eq(ia, 0);
    cr_assert_eq(ib, 1);
    memcpy(prev, da->content_sha256, sizeof prev);
    cr_assert_eq(ds_bundle_writer_mark(w, ia, 3, DS_DOC_UNCHANGED, prev), 0);
    cr_assert_eq(ds_bundle_writer_mark(w, ib, 2, DS_DOC_CHANGED, ARTICLE_SHA256), 0);
    cr_assert_eq(ds_bundle_writer_mark(w, 2, 1, DS_DOC_NEW, NULL), DS_EINVALID);
    cr_assert_eq(ds_bundle_writer_mark(w, 0, 1, DS_DOC_NEW, "ABC"), DS_EINVALID);
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &p), 0, "%s", ds_error_last());
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, NULL), DS_EUSAGE);
    cr_assert_eq(ds_bundle_writer_add_file(w, f.article, NULL, NULL, NULL), DS_EUSAGE);
    ds_bundle_writer_free(w);

    tl_read(&l, p);
    cr_assert_eq(l.n, 5, "MANIFEST, signature, the revision's text and original, snapshot");
    cr_assert_eq(ds_bundle_read_info(&info, p), 0);
    cr_assert_eq(info->doc_count, 2);
    cr_assert_eq(info->docs[0].status, DS_DOC_UNCHANGED);
    cr_assert_eq(info->docs[0].revision, 3);
    cr_assert_str_eq(info->docs[0].previous_content_sha256, prev);
    cr_assert_null(info->docs[0].document_entry);
    cr_assert_null(info->docs[0].original_entry);
    cr_assert_eq(info->docs[1].status, DS_DOC_CHANGED);
    cr_assert_eq(info->docs[1].revision, 2);
    cr_assert_str_eq(info->docs[1].previous_content_sha256, ARTICLE_SHA256);
    cr_assert_not_null(info->docs[1].document_entry);
    r = verify(&f, p);
    expect_all_pass(r);
    ds_report_free(r);
    ds_bundle_info_free(info);
    tl_free(&l);
    free(p);
    fx_fini(&f);
}

Test(bundle_writer, stores_identical_documents_once)
{
    fx f;
    char *copy = NULL, id[DS_SHA256_HEX_SIZE], *p;
    const char *files[2];
    size_t len;
    char *data;
    tlist l;
    ds_bundle_info *info = NULL;

    fx_init(&f);
    copy = path_join(f.dir, "copy.txt");
    data = tu_read(f.article, &len);
    tu_write(copy, data, len);
    files[0] = f.article;
    files[1] = copy;
    p = seal_with(f.key, f.dir, NULL, files, 2, T0, 0, id);
    tl_read(&l, p);
    cr_assert_eq(l.n, 5);
    cr_assert_eq(ds_bundle_read_info(&info, p), 0);
    cr_assert_eq(info->doc_count, 2);
    cr_assert_str_eq(info->docs[0].document_entry, info->docs[1].document_entry);
    cr_assert_str_eq(info->docs[0].original_entry, info->docs[1].original_entry);
    ds_bundle_info_free(info);
    tl_free(&l);
    free(data);
    free(copy);
    free(p);
    fx_fini(&f);
}

/* Two documents of one batch with one id: the batch is refused whole, naming
 * the second, and none of its ids stays taken. */
Test(bundle_writer, refuses_a_batch_with_an_id_twice_and_keeps_none_of_its_ids)
{
    fx f;
    ds_bundle_writer *w = NULL;
    char *one, *two, *other;
    const char *paths[3];
    char want[4200];
    size_t first = 99;

    fx_init(&f);
    one = path_join(f.dir, "one");
    two = path_join(f.dir, "two");
    cr_assert_eq(mkdir(one, 0700), 0);
    cr_assert_eq(mkdir(two, 0700), 0);
    free(one);
    free(two);
    one = path_join(f.dir, "one/dup.txt");
    two = path_join(f.dir, "two/dup.txt");
    other = path_join(f.dir, "other.txt");
    tu_write(one, "First.\n", 7);
    tu_write(two, "Second.\n", 8);
    tu_write(other, "Other.\n", 7);
    paths[0] = one;
    paths[1] = other;
    paths[2] = two;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, NULL), 0);
    cr_assert_eq(ds_bundle_writer_add_files(w, paths, 3, NULL, NULL, NULL), DS_EEXISTS);
    snprintf(want, sizeof want, "%s: document id 'dup' is already in this bundle", two);
    cr_assert_str_eq(ds_error_last(), want);
    /* dup and other are free again */
    cr_assert_eq(ds_bundle_writer_add_files(w, paths, 2, NULL, NULL, &first), 0, "%s",
                 ds_error_last());
    cr_assert_eq(first, 0);
    /* a batch of a new id and one the writer has: refused, the old id kept,
     * the new one free */
    paths[0] = f.article;
    paths[1] = two;
    cr_assert_eq(ds_bundle_writer_add_files(w, paths, 2, NULL, NULL, NULL), DS_EEXISTS);
    cr_assert_eq(ds_bundle_writer_add_files(w, paths + 1, 1, NULL, NULL, NULL), DS_EEXISTS);
    cr_assert_eq(ds_bundle_writer_add_files(w, paths, 1, NULL, NULL, &first), 0, "%s",
                 ds_error_last());
    cr_assert_eq(first, 2);
    ds_bundle_writer_free(w);
    free(one);
    free(two);
    free(other);
    fx_fini(&f);
}

Test(bundle_writer, rejects_a_document_id_given_twice)
{
    fx f;
    ds_bundle_writer *w = NULL;
    ds_bundle_doc_options d = DS_BUNDLE_DOC_OPTIONS_INIT;
    const ds_document *doc = (const ds_document *)&d;
    fx_init(&f);
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, NULL), 0);
    d.id = "article-1";
    cr_assert_eq(ds_bundle_writer_add_file(w, f.article, &d, NULL, NULL), 0);
    cr_assert_eq(ds_bundle_writer_add_file(w, f.revision, &d, &doc, NULL), DS_EEXISTS);
    cr_assert_null(doc);
    cr_assert(strstr(ds_error_last(), "document id 'article-1' is already in this bundle"), "%s",
              ds_error_last());
    /* the failed add did not take the id away from the first */
    cr_assert_eq(ds_bundle_writer_add_file(w, f.revision, &d, NULL, NULL), DS_EEXISTS);
    d.id = "";
    cr_assert_eq(ds_bundle_writer_add_file(w, f.revision, &d, NULL, NULL), DS_EINVALID);
    d.id = "bad\nid";
    cr_assert_eq(ds_bundle_writer_add_file(w, f.revision, &d, NULL, NULL), DS_EINVALID);
    d.id = NULL;
    cr_assert_eq(ds_bundle_writer_add_file(w, "/nonexistent/x.txt", &d, NULL, NULL), DS_ENOTFOUND);
    /* the writer is still usable after those errors */
    d.id = "article-2";
    cr_assert_eq(ds_bundle_writer_add_file(w, f.revision, &d, &doc, NULL), 0);
    cr_assert_str_eq(doc->id, "article-2");
    ds_bundle_writer_free(w);
    fx_fini(&f);
}

Test(bundle_writer, batch_add_is_all_or_nothing_and_in_input_order)
{
    fx f;
    ds_bundle_writer *w = NULL;
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    const ds_document *docs[3];
    const char *paths[3];
    size_t first = 99;
    char id[DS_SHA256_HEX_SIZE], *p = NULL, *third;
    ds_bundle_info *info = NULL;

    fx_init(&f);
    third = path_join(f.dir, "third.txt");
    tu_write(third, "A third article\n\nWith one paragraph.\n", 37);
    o.threads = 2;
    o.snapshot_time = T0;
    o.out_dir = f.dir;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0);
    paths[0] = f.article;
    paths[1] = "/nonexistent/file.txt";
    paths[2] = third;
    cr_assert_eq(ds_bundle_writer_add_files(w, paths, 3, NULL, docs, &first), DS_ENOTFOUND);
    cr_assert(strstr(ds_error_last(), "/nonexistent/file.txt"), "%s", ds_error_last());
    cr_assert_null(docs[0]);
    paths[1] = f.revision;
    cr_assert_eq(ds_bundle_writer_add_files(w, paths, 3, NULL, docs, &first), 0, "%s",
                 ds_error_last());
    cr_assert_eq(first, 0);
    cr_assert_str_eq(docs[0]->original_sha256, ARTICLE_SHA256);
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &p), 0, "%s", ds_error_last());
    cr_assert_eq(ds_bundle_read_info(&info, p), 0);
    cr_assert_eq(info->doc_count, 3);
    cr_assert_str_eq(info->docs[0].original_sha256, ARTICLE_SHA256);
    cr_assert_str_eq(info->docs[2].id, "third");
    ds_bundle_info_free(info);
    ds_bundle_writer_free(w);
    free(p);
    free(third);
    fx_fini(&f);
}

/* A text of about `size` bytes: a headline and numbered paragraphs. */
static void write_long_text(const char *path, size_t size)
{
    FILE *fp = fopen(path, "w");
    size_t n = 0, i;
    cr_assert_not_null(fp);
    n += (size_t)fprintf(fp, "A long article\n\n");
    for (i = 0; n < size; i++)
        n += (size_t)fprintf(fp,
                             "Paragraph %zu. The minister said on Tuesday that the talks would "
                             "resume next week, according to officials familiar with the "
                             "matter, who asked not to be named because the negotiations are "
                             "private.\n\n",
                             i);
    cr_assert_eq(fclose(fp), 0);
}

static size_t count_files(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;
    cr_assert_not_null(d);
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* The number of zstd frames in the file at path. */
static size_t count_frames(const char *path)
{
    size_t len, off = 0, n = 0;
    char *data = tu_read(path, &len);
    while (off < len) {
        size_t k = ZSTD_findFrameCompressedSize(data + off, len - off);
        cr_assert(!ZSTD_isError(k));
        off += k;
        n++;
    }
    free(data);
    return n;
}

/* A regular file of size bytes (over 1 MiB: read again by finish() rather
 * than spooled) that changes between add and finish fails the bundle. */
static void check_changed_before_finish(size_t size)
{
    fx f;
    ds_bundle_writer *w = NULL;
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    char id[DS_SHA256_HEX_SIZE], *p = NULL, want[4200], *big;
    size_t len;
    char *data;
    FILE *fp;

    fx_init(&f);
    big = path_join(f.dir, "long.txt");
    write_long_text(big, size);
    o.out_dir = f.dir;
    {
        /* as it is, sealed in one frame or (over 8 MiB in all) in three */
        cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0);
        cr_assert_eq(ds_bundle_writer_add_file(w, big, NULL, NULL, NULL), 0);
        cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &p), 0, "%s", ds_error_last());
        cr_assert_eq(count_frames(p), 2 * size >= (size_t)8 << 20 ? 3 : 1);
        cr_assert_eq(unlink(p), 0);
        free(p);
        p = NULL;
        ds_bundle_writer_free(w);
    }
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0);
    cr_assert_eq(ds_bundle_writer_add_file(w, big, NULL, NULL, NULL), 0, "%s", ds_error_last());
    /* same size, one byte different */
    data = tu_read(big, &len);
    data[len / 2] ^= 1;
    tu_write(big, data, len);
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &p), DS_EIO);
    snprintf(want, sizeof want, "%s: changed while being sealed", big);
    cr_assert_str_eq(ds_error_last(), want);
    cr_assert_null(p);
    ds_bundle_writer_free(w);
    cr_assert_eq(count_files(f.dir), 3, "nothing but the inputs may remain");
    /* grown */
    write_long_text(big, size);
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0);
    cr_assert_eq(ds_bundle_writer_add_file(w, big, NULL, NULL, NULL), 0);
    fp = fopen(big, "a");
    fputs("One more line.\n", fp);
    fclose(fp);
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &p), DS_EIO);
    cr_assert_str_eq(ds_error_last(), want);
    ds_bundle_writer_free(w);
    cr_assert_eq(count_files(f.dir), 3);
    free(data);
    free(big);
    fx_fini(&f);
}

/* The decompressed bytes of the zstd frame at data (n bytes); *size gets their count. */
static char *frame_bytes(const char *data, size_t n, size_t *size)
{
    ZSTD_DCtx *d = ZSTD_createDCtx();
    ZSTD_inBuffer in = {data, n, 0};
    size_t cap = 1 << 20, ret = 1;
    char *out = malloc(cap);
    *size = 0;
    while (ret != 0) {
        ZSTD_outBuffer o;
        if (*size == cap)
            out = realloc(out, cap *= 2);
        o.dst = out;
        o.size = cap;
        o.pos = *size;
        ret = ZSTD_decompressStream(d, &o, &in);
        cr_assert(!ZSTD_isError(ret), "%s", ZSTD_getErrorName(ret));
        *size = o.pos;
        cr_assert(ret == 0 || in.pos < in.size || o.pos == o.size, "frame cut short");
    }
    ZSTD_freeDCtx(d);
    return out;
}

/* Over 8 MiB of documents and originals: three frames, the head (MANIFEST,
 * MANIFEST.minisig, snapshot.json), the documents and originals, and the
 * end of the archive padded as ever (to 10240 bytes past the last 65536). */
Test(bundle_writer, a_large_bundle_is_written_as_three_frames)
{
    fx f;
    ds_bundle_writer *w = NULL;
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    ds_report *r;
    char id[DS_SHA256_HEX_SIZE], *p = NULL, *big, *data, *head;
    size_t len, off = 0, sizes[4], nframes = 0, k;

    fx_init(&f);
    big = path_join(f.dir, "long.txt");
    write_long_text(big, 4500000);
    o.out_dir = f.dir;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0);
    cr_assert_eq(ds_bundle_writer_add_file(w, big, NULL, NULL, NULL), 0, "%s", ds_error_last());
    cr_assert_eq(ds_bundle_writer_add_file(w, f.article, NULL, NULL, NULL), 0);
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &p), 0, "%s", ds_error_last());
    ds_bundle_writer_free(w);
    data = tu_read(p, &len);
    while (off < len) {
        size_t n = ZSTD_findFrameCompressedSize(data + off, len - off);
        cr_assert(!ZSTD_isError(n));
        cr_assert_lt(nframes, 4);
        head = frame_bytes(data + off, n, &sizes[nframes++]);
        if (nframes == 1) {
            /* exactly three ustar entries */
            static const char *const names[] = {"MANIFEST", "MANIFEST.minisig", "snapshot.json"};
            size_t at = 0, k;
            for (k = 0; k < 3; k++) {
                cr_assert_lt(at, sizes[0]);
                cr_assert_str_eq(head + at, names[k]);
                at += 512 + (strtoull(head + at + 124, NULL, 8) + 511) / 512 * 512;
            }
            cr_assert_eq(at, sizes[0]);
        }
        if (nframes == 3)
            for (k = 0; k < sizes[2]; k++)
                cr_assert_eq(head[k], 0);
        free(head);
        off += n;
    }
    cr_assert_eq(nframes, 3);
    cr_assert_eq(sizes[0] % 512, 0);
    cr_assert_eq(sizes[1] % 512, 0);
    cr_assert_gt(sizes[1], (size_t)8 << 20);
    /* two zero blocks, then zeros to the next multiple of 10240 after the
     * last multiple of 65536 */
    k = (sizes[0] + sizes[1] + 1024) % 65536;
    cr_assert_eq(
        sizes[2],
        1024 +
            (k == 0
                 ? 0
                 : ((k + 10239) / 10240 * 10240 > 65536 ? 65536 : (k + 10239) / 10240 * 10240) - k),
        "%zu + %zu bytes of entries", sizes[0], sizes[1]);
    cr_assert_eq(count_frames(p), 3);
    r = verify(&f, p);
    cr_assert(ds_report_ok(r));
    ds_report_free(r);
    free(data);
    free(p);
    free(big);
    fx_fini(&f);
}

/* size bytes of letters and spaces in lines, from a fixed seed: text that
 * zstd cannot shrink much */
static void write_noise(const char *path, size_t size)
{
    FILE *fp = fopen(path, "w");
    uint32_t x = 12345;
    size_t i;
    cr_assert_not_null(fp);
    for (i = 0; i < size; i++) {
        x = x * 1664525u + 1013904223u;
        fputc(i % 80 == 79 ? '\n' : (x >> 24) % 7 == 0 ? ' ' : 'a' + (int)((x >> 16) % 26), fp);
    }
    cr_assert_eq(fclose(fp), 0);
}

/* Seal path (over 8 MiB with its original: split) with the head held back
 * delay_ms; *p gets the bundle's path. */
static int seal_delayed(const fx *f, const char *path, unsigned delay_ms, char **p)
{
    ds_bundle_writer *w = NULL;
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    char id[DS_SHA256_HEX_SIZE];
    int rc;
    o.out_dir = f->dir;
    o.snapshot_time = T0;
    cr_assert_eq(ds_bundle_writer_new(&w, f->key, &o), 0);
    ds__bundle_writer_delay_head(w, delay_ms);
    cr_assert_eq(ds_bundle_writer_add_file(w, path, NULL, NULL, NULL), 0, "%s", ds_error_last());
    rc = ds_bundle_writer_finish(w, NULL, id, p);
    ds_bundle_writer_free(w);
    return rc;
}

/* A head held back until the body's frame is in its spool: the spool is
 * copied into the bundle, the rest follows it, and the file is the same
 * bytes as when the head comes first. */
Test(bundle_writer, a_body_spooled_before_the_head_gives_the_same_file)
{
    fx f;
    char *noise, *p = NULL, *q = NULL, *a, *b;
    size_t alen, blen;
    ds_report *r;

    fx_init(&f);
    noise = path_join(f.dir, "noise.txt");
    write_noise(noise, 5 << 20);
    cr_assert_eq(seal_delayed(&f, noise, 0, &p), 0, "%s", ds_error_last());
    a = tu_read(p, &alen);
    cr_assert_eq(unlink(p), 0);
    cr_assert_eq(seal_delayed(&f, noise, 400, &q), 0, "%s", ds_error_last());
    b = tu_read(q, &blen);
    cr_assert_eq(count_frames(q), 3);
    cr_assert_eq(alen, blen);
    cr_assert_eq(memcmp(a, b, alen), 0);
    r = verify(&f, q);
    cr_assert(ds_report_ok(r));
    ds_report_free(r);
    free(a);
    free(b);
    free(p);
    free(q);
    free(noise);
    fx_fini(&f);
}

/* Flips the first byte of the body's spool once it holds data. */
static void *damage_body_spool(void *arg)
{
    int *done = arg, tries;
    for (tries = 0; tries < 300 && !*done; tries++) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *de;
        cr_assert_not_null(d);
        while ((de = readdir(d)) != NULL) {
            char link[300], target[4096];
            ssize_t n;
            struct stat st;
            unsigned char c;
            int fd = atoi(de->d_name);
            snprintf(link, sizeof link, "/proc/self/fd/%s", de->d_name);
            n = readlink(link, target, sizeof target - 1);
            if (n <= 0)
                continue;
            target[n] = '\0';
            if (!strstr(target, "/.docseal-spool-body-") || fstat(fd, &st) != 0 || st.st_size == 0)
                continue;
            if (pread(fd, &c, 1, 0) == 1) {
                c ^= 1;
                if (pwrite(fd, &c, 1, 0) == 1)
                    *done = 1;
            }
            break;
        }
        closedir(d);
        usleep(5000);
    }
    return NULL;
}

/* The body's spool read back other than it was written is caught before the
 * bundle is committed, and named. */
Test(bundle_writer, a_damaged_body_spool_is_caught)
{
    fx f;
    char *noise, *p = NULL;
    pthread_t th;
    int done = 0;

    fx_init(&f);
    noise = path_join(f.dir, "noise.txt");
    write_noise(noise, 5 << 20);
    cr_assert_eq(pthread_create(&th, NULL, damage_body_spool, &done), 0);
    cr_assert_eq(seal_delayed(&f, noise, 600, &p), DS_EIO);
    pthread_join(th, NULL);
    cr_assert(done, "the body's spool was never seen with data");
    cr_assert(strncmp(ds_error_last(), "spool file for ", 15) == 0 &&
                  strstr(ds_error_last(), ".tar.zst: damaged (checksum mismatch)"),
              "%s", ds_error_last());
    cr_assert_null(p);
    cr_assert_eq(count_files(f.dir), 3, "nothing but the inputs may remain");
    free(noise);
    fx_fini(&f);
}

Test(bundle_writer, fails_when_a_large_original_changes_before_finish)
{
    check_changed_before_finish(1200000);
}

/* Over 8 MiB of documents and originals: the failure happens in the thread
 * that compresses them while the head is made, and is reported the same. */
Test(bundle_writer, fails_when_the_original_of_a_split_bundle_changes_before_finish)
{
    check_changed_before_finish(9000000);
}

Test(bundle_writer, a_small_original_is_sealed_as_it_was_read)
{
    fx f;
    ds_bundle_writer *w = NULL;
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    ds_report *r;
    char id[DS_SHA256_HEX_SIZE], *p = NULL;
    const ds_document *doc = NULL;

    fx_init(&f);
    o.out_dir = f.dir;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0);
    cr_assert_eq(ds_bundle_writer_add_file(w, f.article, NULL, &doc, NULL), 0);
    cr_assert_str_eq(doc->original_sha256, ARTICLE_SHA256);
    /* small originals are spooled while read: a later change does not matter */
    tu_write(f.article, "changed\n", 8);
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &p), 0, "%s", ds_error_last());
    r = verify(&f, p);
    expect_all_pass(r);
    ds_report_free(r);
    ds_bundle_writer_free(w);
    free(p);
    fx_fini(&f);
}

Test(bundle_writer, rejects_bad_options)
{
    fx f;
    ds_bundle_writer *w = NULL;
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    char id[DS_SHA256_HEX_SIZE];
    fx_init(&f);
    o.compression_level = 20;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), DS_EINVALID);
    o.compression_level = 0;
    o.out_dir = f.article;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), DS_EINVALID);
    o.out_dir = NULL;
    o.snapshot_time = -5;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), DS_EINVALID);
    cr_assert_eq(ds_bundle_writer_new(&w, NULL, NULL), DS_EINVALID);
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, NULL), 0);
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, NULL), DS_EUSAGE);
    ds_bundle_writer_free(w);
    ds_bundle_writer_free(NULL);
    fx_fini(&f);
}

/* ---- reading ---- */

typedef struct membuf {
    char *p;
    size_t len;
} membuf;

static int mem_write(void *ctx, const void *buf, size_t len)
{
    membuf *m = ctx;
    m->p = realloc(m->p, m->len + len + 1);
    cr_assert_not_null(m->p);
    memcpy(m->p + m->len, buf, len);
    m->len += len;
    m->p[m->len] = '\0';
    return 0;
}

static int failing_write(void *ctx, const void *buf, size_t len)
{
    (void)ctx, (void)buf, (void)len;
    return DS_EIO;
}

Test(bundle_reader, extracts_texts_and_originals)
{
    fx f;
    char id[DS_SHA256_HEX_SIZE], *p, entry[128], *orig;
    ds_document *a;
    membuf m = {0};
    ds_sink sink = {mem_write, &m}, bad = {failing_write, NULL};
    size_t len;

    fx_init(&f);
    a = normalized(f.article);
    p = seal_fx(&f, id);
    snprintf(entry, sizeof entry, "documents/%s.txt", a->content_sha256);
    cr_assert_eq(ds_bundle_extract(p, entry, &sink), 0, "%s", ds_error_last());
    cr_assert_eq(m.len, a->content_size);
    cr_assert_eq(memcmp(m.p, a->text, m.len), 0);
    free(m.p);
    memset(&m, 0, sizeof m);
    orig = tu_read(tu_src(ARTICLE), &len);
    snprintf(entry, sizeof entry, "originals/%s.%s", ARTICLE_SHA256, ext_of(a));
    cr_assert_eq(ds_bundle_extract(p, entry, &sink), 0);
    cr_assert_eq(m.len, len);
    cr_assert_eq(memcmp(m.p, orig, len), 0);
    free(m.p);
    memset(&m, 0, sizeof m);
    /* "originals/<sha256>" finds the original whatever its extension */
    cr_assert_eq(ds_bundle_extract(p, "originals/" ARTICLE_SHA256, &sink), 0, "%s",
                 ds_error_last());
    cr_assert_eq(m.len, len);
    free(m.p);
    memset(&m, 0, sizeof m);
    cr_assert_eq(ds_bundle_extract(p, "snapshot.json", &sink), 0);
    cr_assert(strstr(m.p, "\"format\": \"docseal-bundle\""));
    cr_assert_eq(m.p[m.len - 1], '\n');
    free(m.p);
    memset(&m, 0, sizeof m);
    cr_assert_eq(ds_bundle_extract(p, "documents/" ARTICLE_SHA256 "0.txt", &sink), DS_ENOTFOUND);
    cr_assert_eq(ds_bundle_extract(p, "originals/" ARTICLE_SHA256 ".html", &sink), DS_ENOTFOUND);
    cr_assert_eq(ds_bundle_extract(p, "../etc/passwd", &sink), DS_ENOTFOUND);
    cr_assert_eq(ds_bundle_extract(p, "MANIFEST", &bad), DS_EIO);
    cr_assert_eq(ds_bundle_extract("/nonexistent.tar.zst", "MANIFEST", &sink), DS_ENOTFOUND);
    cr_assert_null(m.p);
    free(orig);
    ds_document_free(a);
    free(p);
    fx_fini(&f);
}

Test(bundle_reader, extract_checks_the_content_against_its_name)
{
    fx f;
    char id[DS_SHA256_HEX_SIZE], *p, *bad;
    membuf m = {0};
    ds_sink sink = {mem_write, &m};
    tlist l;
    tent *o;

    fx_init(&f);
    p = seal_fx(&f, id);
    tl_read(&l, p);
    o = tl_get(&l, "originals/" ARTICLE_SHA256);
    o->data[10] ^= 0x20;
    bad = path_join(f.dir, "bad.tar.zst");
    tl_write(&l, bad, 1);
    cr_assert_eq(ds_bundle_extract(bad, o->name, &sink), DS_EINTEGRITY);
    cr_assert(strstr(ds_error_last(), "content does not match its digest"), "%s", ds_error_last());
    free(m.p);
    free(bad);
    tl_free(&l);
    free(p);
    fx_fini(&f);
}

Test(bundle_reader, iterates_entries_with_sizes_and_offsets)
{
    fx f;
    char id[DS_SHA256_HEX_SIZE], *p;
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    size_t n = 0;
    uint64_t comp = 0, decomp = 0;
    struct stat st;
    membuf m = {0};
    ds_sink sink = {mem_write, &m};

    fx_init(&f);
    p = seal_fx(&f, id);
    cr_assert_eq(ds_bundle_reader_open(&r, p, NULL), 0);
    while (ds_bundle_reader_next(r, &e) == 1) {
        cr_assert_null(e.problem);
        cr_assert_eq(e.type, DS_BUNDLE_ENTRY_FILE);
        cr_assert_eq(e.offset % 512, 0);
        if (n == 0) {
            cr_assert_str_eq(e.path, "MANIFEST");
            cr_assert_eq(e.offset, 0);
            cr_assert_eq(ds_bundle_reader_stream(r, &sink), 0);
            cr_assert_eq(m.len, e.size);
            /* data can be read only once */
            cr_assert_eq(ds_bundle_reader_stream(r, &sink), DS_EUSAGE);
        }
        n++;
    }
    cr_assert_eq(n, 7);
    cr_assert_eq(ds_bundle_reader_finish(r), 0);
    ds_bundle_reader_offsets(r, &comp, &decomp);
    cr_assert_eq(stat(p, &st), 0);
    cr_assert_eq(comp, (uint64_t)st.st_size);
    cr_assert_eq(decomp % 10240, 0);
    ds_bundle_reader_free(r);
    ds_bundle_reader_free(NULL);
    free(m.p);
    free(p);
    fx_fini(&f);
}

Test(bundle_reader, path_grammar)
{
    cr_assert_null(ds_bundle_path_problem("MANIFEST"));
    cr_assert_null(ds_bundle_path_problem("MANIFEST.minisig"));
    cr_assert_null(ds_bundle_path_problem("snapshot.json"));
    cr_assert_null(ds_bundle_path_problem("documents/" ARTICLE_SHA256 ".txt"));
    cr_assert_null(ds_bundle_path_problem("originals/" ARTICLE_SHA256 ".txt"));
    cr_assert_null(ds_bundle_path_problem("originals/" ARTICLE_SHA256 ".md"));
    cr_assert_null(ds_bundle_path_problem("originals/" ARTICLE_SHA256 ".html"));
    cr_assert_str_eq(ds_bundle_path_problem("originals/" ARTICLE_SHA256 ".pdf"),
                     "not a bundle entry name");
    cr_assert_str_eq(ds_bundle_path_problem("documents/" ARTICLE_SHA256 ".md"),
                     "not a bundle entry name");
    cr_assert_str_eq(ds_bundle_path_problem("documents/7AFC3aacc5c554160f031ffafd863c3b84f7c97190f"
                                            "29b5f5c13c302a0b561a5.txt"),
                     "not a bundle entry name");
    cr_assert_str_eq(ds_bundle_path_problem("/etc/x"), "absolute path");
    cr_assert_str_eq(ds_bundle_path_problem("../x"), "'..' path component");
    cr_assert_str_eq(ds_bundle_path_problem("documents/../MANIFEST"), "'..' path component");
    cr_assert_str_eq(ds_bundle_path_problem("./MANIFEST"), "'.' path component");
    cr_assert_str_eq(ds_bundle_path_problem("documents//x"), "empty path component");
    cr_assert_str_eq(ds_bundle_path_problem(""), "empty path");
    cr_assert_str_eq(ds_bundle_path_problem("MANIFEST "), "not a bundle entry name");
}

#define OTHER_SHA256 "759dda5193f1d2033fc2cedf2864eec21b127f3fdb9d2b556357c759cd2a9fe0"

Test(bundle_reader, patch_path_grammar)
{
    char target[DS_BUNDLE_MAX_PATH + 1], base[DS_BUNDLE_MAX_PATH + 1];

    cr_assert_null(
        ds_bundle_path_problem("documents/" ARTICLE_SHA256 ".txt.from-" OTHER_SHA256 ".zst"));
    cr_assert_null(
        ds_bundle_path_problem("originals/" ARTICLE_SHA256 ".html.from-" OTHER_SHA256 ".zst"));
    cr_assert_null(
        ds_bundle_path_problem("originals/" ARTICLE_SHA256 ".md.from-" OTHER_SHA256 ".zst"));
    /* no patch of metadata, of a patch, of an unknown extension; exact digests */
    cr_assert_str_eq(ds_bundle_path_problem("snapshot.json.from-" OTHER_SHA256 ".zst"),
                     "not a bundle entry name");
    cr_assert_str_eq(ds_bundle_path_problem("documents/" ARTICLE_SHA256 ".txt.from-" OTHER_SHA256
                                            ".zst.from-" OTHER_SHA256 ".zst"),
                     "not a bundle entry name");
    cr_assert_str_eq(
        ds_bundle_path_problem("originals/" ARTICLE_SHA256 ".pdf.from-" OTHER_SHA256 ".zst"),
        "not a bundle entry name");
    cr_assert_str_eq(
        ds_bundle_path_problem("documents/" ARTICLE_SHA256 ".txt.from-" OTHER_SHA256 ".zstd"),
        "not a bundle entry name");
    cr_assert_str_eq(ds_bundle_path_problem("documents/" ARTICLE_SHA256
                                            ".txt.from-759DDA5193f1d2033fc2cedf2864eec21b127f3fdb9"
                                            "d2b556357c759cd2a9fe0.zst"),
                     "not a bundle entry name");
    cr_assert_str_eq(ds_bundle_path_problem("documents/" ARTICLE_SHA256 ".txt.from-759dda.zst"),
                     "not a bundle entry name");
    cr_assert_str_eq(
        ds_bundle_path_problem("documents/" ARTICLE_SHA256 ".txt.from-" OTHER_SHA256 ".zst/x"),
        "not a bundle entry name");
    /* split */
    cr_assert_eq(ds_bundle_patch_path_split(
                     "originals/" ARTICLE_SHA256 ".html.from-" OTHER_SHA256 ".zst", target, base),
                 1);
    cr_assert_str_eq(target, "originals/" ARTICLE_SHA256 ".html");
    cr_assert_str_eq(base, "originals/" OTHER_SHA256 ".html");
    cr_assert_eq(ds_bundle_patch_path_split(
                     "documents/" ARTICLE_SHA256 ".txt.from-" OTHER_SHA256 ".zst", target, NULL),
                 1);
    cr_assert_str_eq(target, "documents/" ARTICLE_SHA256 ".txt");
    strcpy(target, "unchanged");
    cr_assert_eq(ds_bundle_patch_path_split("documents/" ARTICLE_SHA256 ".txt", target, base), 0);
    cr_assert_str_eq(target, "unchanged");
    cr_assert_eq(ds_bundle_patch_path_split(NULL, NULL, NULL), 0);
}

/* ---- verification: tampering, each detected and named ---- */

/* Seal the fixture, let edit() change the entries, write the result and
 * verify it with the first key. */
typedef struct tampered {
    fx f;
    char id[DS_SHA256_HEX_SIZE];
    char *good, *bad;
    tlist l;
    ds_report *r;
    ds_document *a;
    char doc_entry[128], orig_entry[128];
} tampered;

static void tamper_begin(tampered *t)
{
    memset(t, 0, sizeof *t);
    fx_init(&t->f);
    t->a = normalized(t->f.article);
    t->good = seal_fx(&t->f, t->id);
    t->bad = path_join(t->f.dir, "bad.tar.zst");
    tl_read(&t->l, t->good);
    snprintf(t->doc_entry, sizeof t->doc_entry, "documents/%s.txt", t->a->content_sha256);
    snprintf(t->orig_entry, sizeof t->orig_entry, "originals/%s.%s", ARTICLE_SHA256, ext_of(t->a));
}

static void tamper_verify(tampered *t)
{
    tl_write(&t->l, t->bad, 1);
    t->r = verify(&t->f, t->bad);
}

static void tamper_end(tampered *t)
{
    ds_report_free(t->r);
    tl_free(&t->l);
    ds_document_free(t->a);
    free(t->good);
    free(t->bad);
    fx_fini(&t->f);
}

Test(bundle_verify, a_repacked_bundle_still_verifies)
{
    tampered t;
    tamper_begin(&t);
    tamper_verify(&t);
    expect_all_pass(t.r);
    tamper_end(&t);
}

Test(bundle_verify, flipped_byte_in_a_normalized_text)
{
    tampered t;
    char *h;
    tent *d;
    tamper_begin(&t);
    d = tl_get(&t.l, t.doc_entry);
    d->data[d->len / 2] ^= 0x01;
    h = sha256_of(d->data, d->len);
    tamper_verify(&t);
    {
        char want[256];
        snprintf(want, sizeof want, "digest mismatch: MANIFEST says %s, content is %s",
                 t.a->content_sha256, h);
        expect_fail(t.r, "digests", t.doc_entry, want);
    }
    expect_fail(t.r, "content-hash", t.doc_entry, h);
    cr_assert_not_null(find(t.r, "signature", DS_CHECK_PASS, NULL));
    free(h);
    tamper_end(&t);
}

Test(bundle_verify, flipped_byte_in_an_original)
{
    tampered t;
    tent *o;
    tamper_begin(&t);
    o = tl_get(&t.l, t.orig_entry);
    o->data[0] ^= 0x01;
    tamper_verify(&t);
    expect_fail(t.r, "digests", t.orig_entry, "MANIFEST says " ARTICLE_SHA256);
    expect_fail(t.r, "content-hash", t.orig_entry, "not to the digest in its name");
    tamper_end(&t);
}

Test(bundle_verify, flipped_byte_in_snapshot_json)
{
    tampered t;
    tent *s;
    char *q;
    tamper_begin(&t);
    s = tl_get(&t.l, "snapshot.json");
    s->data[s->len] = '\0';
    q = strstr((char *)s->data, "\"tool\": \"docseal");
    cr_assert_not_null(q);
    q[10] ^= 0x01; /* docseal -> eocseal: still valid JSON */
    tamper_verify(&t);
    expect_fail(t.r, "digests", "snapshot.json", "digest mismatch");
    cr_assert_not_null(find(t.r, "snapshot-consistent", DS_CHECK_PASS, NULL));
    tamper_end(&t);
}

Test(bundle_verify, flipped_byte_in_manifest)
{
    tampered t;
    tent *m;
    tamper_begin(&t);
    m = tl_get(&t.l, "MANIFEST");
    m->data[0] = m->data[0] == '0' ? '1' : '0'; /* still a hex digit */
    tamper_verify(&t);
    expect_fail(t.r, "signature", "MANIFEST.minisig", "signature verification failed");
    expect_fail(t.r, "digests", NULL, "digest mismatch: MANIFEST says");
    cr_assert_not_null(find(t.r, "trusted-comment", DS_CHECK_SKIP, NULL));
    tamper_end(&t);
}

Test(bundle_verify, flipped_byte_in_the_signature)
{
    tampered t;
    tent *s;
    char *line2;
    tamper_begin(&t);
    s = tl_get(&t.l, "MANIFEST.minisig");
    s->data[s->len] = '\0';
    line2 = strchr((char *)s->data, '\n') + 1;
    line2[20] = line2[20] == 'A' ? 'B' : 'A';
    tamper_verify(&t);
    expect_fail(t.r, "signature", "MANIFEST.minisig", NULL);
    tamper_end(&t);
}

Test(bundle_verify, manifest_edited_to_match_a_changed_text)
{
    tampered t;
    tent *d;
    tamper_begin(&t);
    /* change the text and fix its MANIFEST line (name kept): only the
     * signature and the name can tell */
    d = tl_get(&t.l, t.doc_entry);
    d->data[0] ^= 0x01;
    tl_remanifest(&t.l);
    tamper_verify(&t);
    expect_fail(t.r, "signature", "MANIFEST.minisig", "signature verification failed");
    expect_fail(t.r, "content-hash", t.doc_entry, NULL);
    cr_assert_not_null(find(t.r, "digests", DS_CHECK_PASS, NULL));
    tamper_end(&t);
}

Test(bundle_verify, manifest_line_removed)
{
    tampered t;
    tent *m;
    char *nl;
    tamper_begin(&t);
    m = tl_get(&t.l, "MANIFEST");
    m->data[m->len] = '\0';
    nl = strdup(strchr((char *)m->data, '\n') + 1); /* drop the first line */
    tl_set(m, nl, strlen(nl));
    free(nl);
    tamper_verify(&t);
    expect_fail(t.r, "signature", "MANIFEST.minisig", NULL);
    expect_fail(t.r, "manifest-complete", NULL, "extra entry: not listed in MANIFEST");
    tamper_end(&t);
}

Test(bundle_verify, manifest_malformed)
{
    tampered t;
    tamper_begin(&t);
    tl_set(tl_get(&t.l, "MANIFEST"), "not a manifest\n", 15);
    tamper_verify(&t);
    expect_fail(t.r, "manifest-format", "MANIFEST",
                "MANIFEST: line 1: not \"<sha256>  <path>\" (two spaces)");
    cr_assert_not_null(find(t.r, "manifest-complete", DS_CHECK_SKIP, NULL));
    cr_assert_not_null(find(t.r, "digests", DS_CHECK_SKIP, NULL));
    tamper_end(&t);
}

Test(bundle_verify, signature_from_another_key)
{
    tampered t;
    const ds_secret_key *both[2];
    ds_report *r2;
    tamper_begin(&t);
    tl_resign(&t.l, t.f.other);
    tamper_verify(&t);
    expect_fail(t.r, "signature", "MANIFEST.minisig",
                "no trusted key with key id " KEY2_ID " (trusted: " KEY1_ID ")");
    expect_fail(t.r, "snapshot-consistent", "snapshot.json",
                "signer_key_id is " KEY1_ID " but MANIFEST.minisig names key " KEY2_ID);
    /* trusting the other key too, the signature verifies but the snapshot
     * still names the first signer */
    both[0] = t.f.key;
    both[1] = t.f.other;
    r2 = verify_with(t.bad, both, 2, 0, NULL);
    cr_assert_not_null(find(r2, "signature", DS_CHECK_PASS, NULL));
    cr_assert_not_null(find(r2, "trusted-comment", DS_CHECK_PASS, NULL));
    expect_fail(r2, "snapshot-consistent", "snapshot.json", "signer_key_id");
    ds_report_free(r2);
    tamper_end(&t);
}

Test(bundle_verify, no_trusted_key)
{
    tampered t;
    tamper_begin(&t);
    t.r = verify_with(t.good, NULL, 0, 0, NULL);
    expect_fail(t.r, "signature", "MANIFEST.minisig",
                "signed by key id " KEY1_ID "; no trusted public key was given");
    tamper_end(&t);
}

Test(bundle_verify, extra_entry)
{
    tampered t;
    const char *text = "smuggled\n";
    char name[128], *h = sha256_of(text, strlen(text));
    tamper_begin(&t);
    snprintf(name, sizeof name, "documents/%s.txt", h);
    tl_add(&t.l, name, '0', text, strlen(text));
    tamper_verify(&t);
    expect_fail(t.r, "manifest-complete", name, "extra entry: not listed in MANIFEST");
    cr_assert_not_null(find(t.r, "signature", DS_CHECK_PASS, NULL));
    free(h);
    tamper_end(&t);
}

Test(bundle_verify, missing_entry)
{
    tampered t;
    tamper_begin(&t);
    tl_remove(&t.l, t.orig_entry);
    tamper_verify(&t);
    expect_fail(t.r, "manifest-complete", t.orig_entry,
                "listed in MANIFEST but missing from the archive");
    tamper_end(&t);
}

Test(bundle_verify, missing_signature)
{
    tampered t;
    tamper_begin(&t);
    tl_remove(&t.l, "MANIFEST.minisig");
    tamper_verify(&t);
    expect_fail(t.r, "manifest-complete", "MANIFEST.minisig", "required entry missing");
    expect_fail(t.r, "signature", "MANIFEST.minisig", "MANIFEST.minisig not read");
    tamper_end(&t);
}

Test(bundle_verify, truncated_bundle)
{
    tampered t;
    size_t len;
    char *data;
    tamper_begin(&t);
    data = tu_read(t.good, &len);
    tu_write(t.bad, data, len / 2);
    t.r = verify(&t.f, t.bad);
    expect_fail(t.r, "archive-readable", NULL, "truncated");
    free(data);
    tamper_end(&t);
}

Test(bundle_verify, truncated_tar_inside_a_complete_zstd_frame)
{
    tampered t;
    tamper_begin(&t);
    /* the original declares its size but the archive ends inside it */
    {
        obuf tar = {0};
        size_t i, cap, n;
        void *z;
        for (i = 0; i < t.l.n; i++) {
            th_entry(&tar, &t.l.e[i]);
            if (strcmp(t.l.e[i].name, t.orig_entry) == 0) {
                tar.len -= 1024; /* cut the end of the original's data */
                break;
            }
        }
        cap = ZSTD_compressBound(tar.len);
        z = malloc(cap);
        n = ZSTD_compress(z, cap, tar.p, tar.len, 3);
        tu_write(t.bad, z, n);
        free(z);
        free(tar.p);
    }
    t.r = verify(&t.f, t.bad);
    expect_fail(t.r, "archive-readable", t.orig_entry, "of 3853 bytes of the entry");
    tamper_end(&t);
}

/* The tar a zstd file decodes to, or NULL when zstd rejects it. */
static unsigned char *unzstd(const char *data, size_t len, size_t *out_len)
{
    size_t cap = 1 << 20, n;
    unsigned char *out = malloc(cap);
    cr_assert(out);
    n = ZSTD_decompress(out, cap, data, len);
    if (ZSTD_isError(n)) {
        free(out);
        return NULL;
    }
    *out_len = n;
    return out;
}

/* A flipped bit in the compressed stream either fails verification or leaves
 * every decoded byte as it was (zstd has a few bits that no decoder reads,
 * e.g. in table descriptions; the content checksum covers the decoded data).
 * Content is what bundles sign, so a flip that changes no byte of content
 * is not a change; a vault also records each bundle's file digest. */
Test(bundle_verify, corrupted_zstd_frames_anywhere)
{
    tampered t;
    size_t len, pos, step, good_len;
    char *data;
    unsigned char *good_tar;
    int detected = 0, tried = 0;
    tamper_begin(&t);
    data = tu_read(t.good, &len);
    good_tar = unzstd(data, len, &good_len);
    cr_assert(good_tar);
    step = len / 40 ? len / 40 : 1;
    for (pos = 0; pos < len; pos += step) {
        ds_report *r;
        data[pos] ^= 0x10;
        tu_write(t.bad, data, len);
        r = verify(&t.f, t.bad);
        tried++;
        if (!ds_report_ok(r)) {
            detected++;
            if (!find(r, "archive-readable", DS_CHECK_FAIL, NULL) &&
                !find(r, "digests", DS_CHECK_FAIL, NULL))
                dump(r);
        } else {
            size_t bad_len = 0;
            unsigned char *bad_tar = unzstd(data, len, &bad_len);
            cr_assert(bad_tar, "flip at %zu: zstd rejects it but verify passes", pos);
            cr_assert(bad_len == good_len && memcmp(bad_tar, good_tar, good_len) == 0,
                      "flip at %zu changes the decoded archive but verify passes", pos);
            free(bad_tar);
        }
        data[pos] ^= 0x10;
        ds_report_free(r);
    }
    /* nearly all flips change what zstd decodes, or break the frame */
    cr_assert_geq(detected, tried - 3, "%d of %d flips detected", detected, tried);
    free(good_tar);
    /* a frame magic destroyed at the start */
    data[0] ^= 0xff;
    tu_write(t.bad, data, len);
    t.r = verify(&t.f, t.bad);
    expect_fail(
        t.r, "archive-readable", NULL,
        "not zstd-compressed data (unknown frame magic) at or after compressed byte offset 0");
    free(data);
    tamper_end(&t);
}

Test(bundle_verify, garbage_after_the_last_frame)
{
    tampered t;
    size_t len;
    char *data;
    tamper_begin(&t);
    data = tu_read(t.good, &len);
    data = realloc(data, len + 8);
    memcpy(data + len, "GARBAGE!", 8);
    tu_write(t.bad, data, len + 8);
    t.r = verify(&t.f, t.bad);
    expect_fail(t.r, "archive-readable", NULL, "after the end of the tar archive");
    free(data);
    tamper_end(&t);
}

/* The archive order with shared entries: two documents with one text (their
 * originals differ only in spacing) and a third made from the first one's
 * original with other options (another text, the same original). Each text
 * comes in bytewise order, followed by the originals not written before. */
Test(bundle_write, order_with_shared_texts_and_originals)
{
    fx f;
    char *f1, *f2, *path, id[DS_SHA256_HEX_SIZE];
    const char *t1 = "# Title\n\nHello world.\n\nAdvertisement\n",
               *t2 = "# Title\n\nHello   world.\n\nAdvertisement\n";
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    ds_bundle_doc_options da = DS_BUNDLE_DOC_OPTIONS_INIT, db = DS_BUNDLE_DOC_OPTIONS_INIT,
                          dc = DS_BUNDLE_DOC_OPTIONS_INIT;
    ds_normalize_options drop = DS_NORMALIZE_OPTIONS_INIT, keep = DS_NORMALIZE_OPTIONS_INIT;
    const ds_document *a, *b, *c;
    ds_bundle_writer *w = NULL;
    tlist l;
    const char *want[7];
    char ta[96], tc[96], oa[96], ob[96];
    ds_report *r;
    size_t i;

    fx_init(&f);
    f1 = path_join(f.dir, "one.txt");
    f2 = path_join(f.dir, "two.txt");
    tu_write(f1, t1, strlen(t1));
    tu_write(f2, t2, strlen(t2));
    keep.keep_boilerplate = 1; /* "Advertisement" stays in c's text */
    da.id = "a";
    da.normalize = &drop;
    db.id = "b";
    db.normalize = &drop;
    dc.id = "c";
    dc.normalize = &keep;
    o.snapshot_time = T0;
    o.out_dir = f.dir;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0, "%s", ds_error_last());
    cr_assert_eq(ds_bundle_writer_add_file(w, f1, &da, &a, NULL), 0, "%s", ds_error_last());
    cr_assert_eq(ds_bundle_writer_add_file(w, f2, &db, &b, NULL), 0, "%s", ds_error_last());
    cr_assert_eq(ds_bundle_writer_add_file(w, f1, &dc, &c, NULL), 0, "%s", ds_error_last());
    /* the premise: a and b share a text, a and c an original */
    cr_assert_str_eq(a->content_sha256, b->content_sha256);
    cr_assert_str_neq(a->content_sha256, c->content_sha256);
    cr_assert_str_eq(a->original_sha256, c->original_sha256);
    cr_assert_str_neq(a->original_sha256, b->original_sha256);
    snprintf(ta, sizeof ta, "documents/%s.txt", a->content_sha256);
    snprintf(tc, sizeof tc, "documents/%s.txt", c->content_sha256);
    snprintf(oa, sizeof oa, "originals/%s.%s", a->original_sha256, ext_of(a));
    snprintf(ob, sizeof ob, "originals/%s.%s", b->original_sha256, ext_of(b));
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &path), 0, "%s", ds_error_last());
    ds_bundle_writer_free(w);

    want[0] = "MANIFEST";
    want[1] = "MANIFEST.minisig";
    want[2] = "snapshot.json";
    if (strcmp(ta, tc) < 0) {
        want[3] = ta;
        want[4] = strcmp(oa, ob) < 0 ? oa : ob;
        want[5] = strcmp(oa, ob) < 0 ? ob : oa;
        want[6] = tc; /* its original came already */
    } else {
        want[3] = tc;
        want[4] = oa;
        want[5] = ta;
        want[6] = ob; /* oa came already */
    }
    tl_read(&l, path);
    cr_assert_eq(l.n, 7);
    for (i = 0; i < 7; i++)
        cr_assert_str_eq(l.e[i].name, want[i], "entry %zu", i);
    r = verify(&f, path);
    expect_all_pass(r);
    ds_report_free(r);
    tl_free(&l);
    free(path);
    free(f1);
    free(f2);
    fx_fini(&f);
}

/* A second zstd frame holding a whole tar archive (entries nobody lists)
 * after the end of the bundle's archive: tar stops at the end-of-archive
 * blocks, so verify must refuse it. A frame of zero bytes is padding, and a
 * skippable frame is ignored by every decoder. */
Test(bundle_verify, hidden_archive_after_the_end)
{
    tampered t;
    size_t len, tar_len, cap;
    char *data, *zeros;
    unsigned char *tar;
    size_t z;
    tamper_begin(&t);
    data = tu_read(t.good, &len);
    tar = unzstd(data, len, &tar_len);
    cr_assert(tar);
    cap = ZSTD_compressBound(tar_len);
    data = realloc(data, len + cap);
    z = ZSTD_compress(data + len, cap, tar, tar_len, 1);
    cr_assert_not(ZSTD_isError(z));
    tu_write(t.bad, data, len + z);
    t.r = verify(&t.f, t.bad);
    expect_fail(t.r, "archive-readable", NULL, "data after the end of the tar archive");
    expect_fail(t.r, "archive-readable", NULL,
                "(which ends at decompressed byte offset 17920): only zero padding may follow");
    ds_report_free(t.r);
    t.r = NULL;
    /* zero bytes after it are fine, in another frame too */
    zeros = calloc(1, 4096);
    z = ZSTD_compress(data + len, cap, zeros, 4096, 1);
    cr_assert_not(ZSTD_isError(z));
    tu_write(t.bad, data, len + z);
    t.r = verify(&t.f, t.bad);
    expect_all_pass(t.r);
    ds_report_free(t.r);
    /* so is a zstd skippable frame (documented: no decoder outputs it) */
    memcpy(data + len, "\x50\x2a\x4d\x18\x04\x00\x00\x00skip", 12);
    tu_write(t.bad, data, len + 12);
    t.r = verify(&t.f, t.bad);
    expect_all_pass(t.r);
    free(zeros);
    free(tar);
    free(data);
    tamper_end(&t);
}

Test(bundle_verify, empty_and_non_zstd_files)
{
    tampered t;
    ds_report *r;
    tamper_begin(&t);
    tu_write(t.bad, "", 0);
    r = verify(&t.f, t.bad);
    expect_fail(r, "archive-readable", NULL, "empty file: not a zstd-compressed bundle");
    ds_report_free(r);
    tu_write(t.bad, "hello world, not a bundle\n", 26);
    t.r = verify(&t.f, t.bad);
    expect_fail(t.r, "archive-readable", NULL, "not zstd-compressed data");
    tamper_end(&t);
}

Test(bundle_verify, unsafe_entries_are_named)
{
    tampered t;
    tent *e;
    tamper_begin(&t);
    tl_add(&t.l, "../x", '0', "escape\n", 7);
    tl_add(&t.l, "/etc/x", '0', "escape\n", 7);
    e = tl_add(&t.l, "documents/" ARTICLE_SHA256 ".txt", '2', NULL, 0);
    strcpy(e->link, "/etc/passwd");
    e = tl_add(&t.l, "originals/" ARTICLE_SHA256 ".html", '1', NULL, 0);
    strcpy(e->link, "MANIFEST");
    tl_add(&t.l, "documents", '5', NULL, 0);
    tl_add(&t.l, "snapshot.jso", '3', NULL, 0);
    tl_add(&t.l, "fifo", '6', NULL, 0);
    tl_add(&t.l, "./MANIFEST", '0', "x", 1);
    tl_add(&t.l, "MANIFEST", '0', "x", 1);
    tl_add(&t.l, "README", '0', "x", 1);
    tamper_verify(&t);
    expect_fail(t.r, "entry-safety", "../x", "'..' path component");
    expect_fail(t.r, "entry-safety", "/etc/x", "absolute path");
    expect_fail(t.r, "entry-safety", "documents/" ARTICLE_SHA256 ".txt",
                "a symbolic link, not a regular file");
    expect_fail(t.r, "entry-safety", "originals/" ARTICLE_SHA256 ".html",
                "a hard link, not a regular file");
    expect_fail(t.r, "entry-safety", "documents", "a directory, not a regular file");
    expect_fail(t.r, "entry-safety", "snapshot.jso", "a character device, not a regular file");
    expect_fail(t.r, "entry-safety", "fifo", "a FIFO, not a regular file");
    expect_fail(t.r, "entry-safety", "./MANIFEST", "'.' path component");
    expect_fail(t.r, "entry-safety", "MANIFEST",
                "duplicate path (an earlier entry has the same path)");
    expect_fail(t.r, "entry-safety", "README", "not a bundle entry name");
    /* the genuine entries still check out */
    cr_assert_not_null(find(t.r, "signature", DS_CHECK_PASS, NULL));
    cr_assert_not_null(find(t.r, "digests", DS_CHECK_PASS, NULL));
    tamper_end(&t);
}

#define LONG_NAME                                                                                  \
    "documents/0000000000000000000000000000000000000000000000000000000000000000/"                  \
    "00000000000000000000000000000000000000000000000000.txt"

/* Put a copy of the last entry (a raw special header) at position at. */
static void tl_move_last_to(tlist *l, size_t at)
{
    tent last = l->e[l->n - 1];
    memmove(&l->e[at + 1], &l->e[at], (l->n - 1 - at) * sizeof last);
    l->e[at] = last;
}

/* Tar headers that libarchive reads without reporting them (a GNU volume
 * label, a pax global header) would hide bytes that tar -t shows but docseal
 * never lists: each is named by the entry it precedes, or, after the last
 * entry, by the archive check. A pax extended header ('x') is allowed. */
Test(bundle_verify, hidden_tar_headers_are_named)
{
    tampered t;
    size_t i;
    tamper_begin(&t);
    tl_add(&t.l, "SECRET LABEL", 'V', NULL, 0);
    tl_move_last_to(&t.l, 0);
    tl_add(&t.l, "pax_global_header", 'g', "20 comment=hidden!!\n", 20);
    for (i = 0; i < t.l.n && strcmp(t.l.e[i].name, "snapshot.json") != 0; i++)
        ;
    cr_assert_lt(i, t.l.n - 1);
    tl_move_last_to(&t.l, i);
    tamper_verify(&t);
    expect_fail(t.r, "entry-safety", "MANIFEST",
                "a GNU volume label header precedes it (docseal's reader skips it, tar -t lists "
                "it): not allowed in a bundle");
    expect_fail(t.r, "entry-safety", "snapshot.json",
                "a pax global header precedes it (tar readers skip it): not allowed in a bundle");
    tamper_end(&t);

    /* after the last entry, before the end-of-archive blocks */
    tamper_begin(&t);
    tl_add(&t.l, "SECRET LABEL", 'V', NULL, 0);
    tamper_verify(&t);
    expect_fail(t.r, "archive-readable", NULL, "a tar header after the last entry");
    cr_assert_not_null(find(t.r, "digests", DS_CHECK_PASS, NULL));
    tamper_end(&t);

    /* a pax extended header in front of an entry is fine: an entry whose
     * long path is carried by one is judged by its path alone */
    tamper_begin(&t);
    tl_add(&t.l, LONG_NAME, '0', "x", 1);
    tamper_verify(&t);
    {
        const ds_check *c = find(t.r, "entry-safety", DS_CHECK_FAIL, LONG_NAME);
        cr_assert_not_null(c);
        cr_assert_str_eq(c->detail, "not a bundle entry name");
    }
    tamper_end(&t);
}

Test(bundle_verify, an_entry_declaring_10_gb)
{
    tampered t;
    tent *e;
    char name[128];
    tamper_begin(&t);
    /* an original that declares 10 GB but holds 5 bytes: the archive ends
     * inside it */
    snprintf(name, sizeof name, "originals/%s.html", ARTICLE_SHA256);
    e = tl_add(&t.l, name, '0', "short", 5);
    e->declared = 10000000000ull;
    tl_write(&t.l, t.bad, 0);
    t.r = verify(&t.f, t.bad);
    expect_fail(t.r, "archive-readable", name,
                "truncated: the archive ends after 512 of 10000000000 bytes of the entry");
    ds_report_free(t.r);
    t.r = NULL;
    tl_remove(&t.l, name);
    /* metadata entries are held in memory: refused before allocating */
    e = tl_get(&t.l, "snapshot.json");
    e->declared = 10000000000ull;
    tl_write(&t.l, t.bad, 0);
    t.r = verify(&t.f, t.bad);
    expect_fail(t.r, "entry-safety", "snapshot.json",
                "declares 10000000000 bytes, over the limit of 67108864 bytes");
    ds_report_free(t.r);
    t.r = NULL;
    /* and documents over 16 GiB */
    e->declared = e->len;
    snprintf(name, sizeof name, "documents/%064d.txt", 0);
    e = tl_add(&t.l, name, '0', "x", 1);
    e->declared = 20000000000ull;
    tl_write(&t.l, t.bad, 0);
    t.r = verify(&t.f, t.bad);
    expect_fail(t.r, "entry-safety", name,
                "declares 20000000000 bytes, over the limit of 17179869184 bytes");
    /* its data is skipped, not read, and found missing */
    expect_fail(t.r, "archive-readable", name, "truncated: the archive ends inside the data");
    tamper_end(&t);
}

Test(bundle_verify, limits_on_entries_paths_total_and_window)
{
    tampered t;
    ds_bundle_limits lim = DS_BUNDLE_LIMITS_INIT;
    const ds_secret_key *keys[1];
    ds_report *r;
    char longname[400];
    tamper_begin(&t);
    keys[0] = t.f.key;
    lim.max_entries = 3;
    r = verify_with(t.good, keys, 1, 0, &lim);
    expect_fail(r, "entry-safety", NULL, "more than 3 entries");
    cr_assert_not_null(find(r, "archive-readable", DS_CHECK_SKIP, NULL));
    ds_report_free(r);
    lim = (ds_bundle_limits)DS_BUNDLE_LIMITS_INIT;
    lim.max_total_size = 1000;
    r = verify_with(t.good, keys, 1, 0, &lim);
    expect_fail(r, "entry-safety", NULL, "the entries' total exceeds the limit of 1000 bytes");
    ds_report_free(r);
    lim = (ds_bundle_limits)DS_BUNDLE_LIMITS_INIT;
    lim.max_window_log = 10;
    r = verify_with(t.good, keys, 1, 0, &lim);
    expect_fail(r, "archive-readable", NULL, "zstd window larger than the limit of 2^10 bytes");
    ds_report_free(r);
    memset(longname, 'a', 300);
    memcpy(longname, "documents/", 10);
    longname[300] = '\0';
    tl_add(&t.l, longname, '0', "x", 1);
    tamper_verify(&t);
    expect_fail(t.r, "entry-safety", longname, "path longer than 255 bytes");
    tamper_end(&t);
}

Test(bundle_verify, trusted_comment_must_name_this_bundle)
{
    tampered t;
    tent *m, *s;
    char tc[256], *sig = NULL;
    tamper_begin(&t);
    /* a valid signature by our key, but over another bundle's comment */
    m = tl_get(&t.l, "MANIFEST");
    s = tl_get(&t.l, "MANIFEST.minisig");
    snprintf(tc, sizeof tc, "docseal-bundle 1 time:2020-01-01T00:00:00Z bundle:%s", ARTICLE_SHA256);
    cr_assert_eq(ds_minisig_sign(&sig, t.f.key, m->data, m->len, tc, NULL), 0);
    tl_set(s, sig, strlen(sig));
    tamper_verify(&t);
    expect_fail(t.r, "trusted-comment", "MANIFEST.minisig",
                "names bundle " ARTICLE_SHA256 ", but MANIFEST hashes to");
    expect_fail(t.r, "trusted-comment", "MANIFEST.minisig",
                "says time 2020-01-01T00:00:00Z, snapshot.json says 2024-05-01T12:00:00Z");
    free(sig);
    free(NULL);
    tamper_end(&t);
}

Test(bundle_verify, snapshot_must_agree_with_manifest)
{
    tampered t;
    tent *s;
    char *q;
    tamper_begin(&t);
    s = tl_get(&t.l, "snapshot.json");
    s->data[s->len] = '\0';
    q = strstr((char *)s->data, "\"original_size\": 3853");
    cr_assert_not_null(q);
    q[17] = '4'; /* 3853 -> 4853, same length */
    tl_remanifest(&t.l);
    tl_resign(&t.l, t.f.key);
    tamper_verify(&t);
    expect_fail(t.r, "snapshot-consistent", t.orig_entry,
                "snapshot.json says 4853 bytes, the entry has 3853");
    cr_assert_not_null(find(t.r, "signature", DS_CHECK_PASS, NULL));
    tamper_end(&t);
}

Test(bundle_verify, snapshot_not_json)
{
    tampered t;
    tamper_begin(&t);
    tl_set(tl_get(&t.l, "snapshot.json"), "{\"format\": ", 11);
    tl_remanifest(&t.l);
    tl_resign(&t.l, t.f.key);
    tamper_verify(&t);
    expect_fail(t.r, "snapshot-consistent", "snapshot.json", "snapshot.json: invalid JSON");
    tamper_end(&t);
}

Test(bundle_verify, snapshot_with_millions_of_values_is_refused_before_parsing)
{
    tampered t;
    size_t n = 2100000, i;
    char *json = malloc(2 * n + 64), *q = json;
    tamper_begin(&t);
    q += sprintf(q, "{\"x\": [");
    for (i = 0; i < n; i++) {
        *q++ = '1';
        *q++ = ',';
    }
    q += sprintf(q, "1]}\n");
    tl_set(tl_get(&t.l, "snapshot.json"), json, (size_t)(q - json));
    tl_remanifest(&t.l);
    tl_resign(&t.l, t.f.key);
    tamper_verify(&t);
    expect_fail(t.r, "snapshot-consistent", "snapshot.json",
                "snapshot.json: more than 2000064 JSON values");
    free(json);
    tamper_end(&t);
}

Test(bundle_verify, renamed_bundle_file)
{
    tampered t;
    char *renamed, name[128];
    tamper_begin(&t);
    snprintf(name, sizeof name, "%s.tar.zst", ARTICLE_SHA256);
    renamed = path_join(t.f.dir, name);
    cr_assert_eq(rename(t.good, renamed), 0);
    t.r = verify(&t.f, renamed);
    expect_fail(t.r, "bundle-id", NULL, "the file is named for bundle " ARTICLE_SHA256);
    free(renamed);
    tamper_end(&t);
}

Test(bundle_verify, unreadable_files_are_errors)
{
    ds_report *r = NULL;
    char *dir = tu_tmpdir();
    cr_assert_eq(ds_bundle_verify(&r, "/nonexistent/x.tar.zst", NULL, NULL), DS_ENOTFOUND);
    cr_assert_null(r);
    cr_assert_eq(ds_bundle_verify(&r, dir, NULL, NULL), DS_EINVALID);
    cr_assert(strstr(ds_error_last(), "not a regular file"));
    rm_rf(dir);
    free(dir);
}

Test(bundle_verify, deep_renormalizes_originals)
{
    tampered t;
    const ds_secret_key *keys[1];
    ds_report *r;
    tamper_begin(&t);
    keys[0] = t.f.key;
    r = verify_with(t.good, keys, 1, 1, NULL);
    expect_all_pass(r);
    cr_assert_str_eq(find(r, "renormalize", DS_CHECK_PASS, NULL)->detail,
                     "2 documents re-normalize (" DS_NORMALIZER_VERSION
                     ") to their recorded content hashes");
    ds_report_free(r);
    tamper_end(&t);
}

Test(bundle_verify, deep_detects_an_original_that_does_not_match_its_text)
{
    tampered t;
    const ds_secret_key *keys[1];
    tent *o, *s;
    char *q, *h, *json, name[128];
    const char *other = "A different article\n\nIt says something else entirely.\n";
    tamper_begin(&t);
    keys[0] = t.f.key;
    /* swap the article's original for another text, fix every digest and
     * re-sign: only --deep can tell */
    h = sha256_of(other, strlen(other));
    o = tl_get(&t.l, t.orig_entry);
    snprintf(name, sizeof name, "originals/%s.%s", h, ext_of(t.a));
    snprintf(o->name, sizeof o->name, "%s", name);
    tl_set(o, other, strlen(other));
    s = tl_get(&t.l, "snapshot.json");
    s->data[s->len] = '\0';
    json = strdup((char *)s->data);
    q = strstr(json, "\"original_sha256\": \"" ARTICLE_SHA256);
    cr_assert_not_null(q);
    memcpy(q + 20, h, 64);
    q = strstr(json, "\"original_entry\": \"originals/" ARTICLE_SHA256);
    cr_assert_not_null(q);
    memcpy(q + 29, h, 64);
    q = strstr(json, "\"original_size\": 3853");
    cr_assert_not_null(q);
    {
        char buf[16384];
        snprintf(buf, sizeof buf, "%.*s\"original_size\": %4zu%s", (int)(q - json), json,
                 strlen(other), q + 21);
        /* keep the JSON valid: the padded number is fine for jansson */
        tl_set(s, buf, strlen(buf));
    }
    tl_remanifest(&t.l);
    tl_resign(&t.l, t.f.key);
    tl_write(&t.l, t.bad, 1);
    t.r = verify_with(t.bad, keys, 1, 0, NULL);
    expect_all_pass(t.r);
    ds_report_free(t.r);
    t.r = verify_with(t.bad, keys, 1, 1, NULL);
    expect_fail(t.r, "renormalize", name, "re-normalizes");
    free(json);
    free(h);
    tamper_end(&t);
}

Test(bundle_verify, deep_streams_a_large_original, .timeout = 60)
{
    fx f;
    char id[DS_SHA256_HEX_SIZE], *p, *big;
    const char *files[1];
    const ds_secret_key *keys[1];
    ds_report *r;

    fx_init(&f);
    /* over 16 MiB: re-normalized through a pipe, not in memory */
    big = path_join(f.dir, "long.txt");
    write_long_text(big, 17 << 20);
    files[0] = big;
    p = seal_with(f.key, f.dir, NULL, files, 1, T0, 0, id);
    keys[0] = f.key;
    r = verify_with(p, keys, 1, 1, NULL);
    expect_all_pass(r);
    cr_assert_str_eq(find(r, "renormalize", DS_CHECK_PASS, NULL)->detail,
                     "1 document re-normalizes (" DS_NORMALIZER_VERSION
                     ") to their recorded content hashes");
    ds_report_free(r);
    free(p);
    free(big);
    fx_fini(&f);
}

Test(bundle_verify, deep_uses_the_recorded_normalization_options)
{
    fx f;
    ds_bundle_writer *w = NULL;
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    ds_bundle_doc_options d = DS_BUNDLE_DOC_OPTIONS_INIT;
    ds_normalize_options n = DS_NORMALIZE_OPTIONS_INIT;
    ds_bundle_info *info = NULL;
    const ds_secret_key *keys[1];
    ds_report *r;
    char id[DS_SHA256_HEX_SIZE], *p = NULL, *latin;
    /* "Caf\xe9 news" in ISO-8859-1 */
    static const char text[] = "Caf\xe9 news\n\n03/04/2024\n\nThe caf\xe9 reopened.\n";

    fx_init(&f);
    latin = path_join(f.dir, "latin1.txt");
    tu_write(latin, text, sizeof text - 1);
    n.from_encoding = "ISO-8859-1";
    n.date_order = DS_DATE_ORDER_DMY;
    n.keep_boilerplate = 1;
    n.format = DS_FORMAT_TEXT;
    d.normalize = &n;
    o.out_dir = f.dir;
    o.snapshot_time = T0;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0);
    cr_assert_eq(ds_bundle_writer_add_file(w, latin, &d, NULL, NULL), 0, "%s", ds_error_last());
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &p), 0, "%s", ds_error_last());
    ds_bundle_writer_free(w);
    cr_assert_eq(ds_bundle_read_info(&info, p), 0);
    cr_assert_str_eq(info->docs[0].date_order, "dmy");
    cr_assert_eq(info->docs[0].keep_boilerplate, 1);
    cr_assert_str_eq(info->docs[0].from_encoding, "ISO-8859-1");
    cr_assert_null(info->docs[0].boilerplate_rules_sha256);
    cr_assert_str_eq(info->docs[0].format, "text");
    cr_assert_eq(info->docs[0].original_size, sizeof text - 1);
    keys[0] = f.key;
    r = verify_with(p, keys, 1, 1, NULL);
    expect_all_pass(r);
    cr_assert_not_null(find(r, "renormalize", DS_CHECK_PASS, NULL));
    ds_report_free(r);
    ds_bundle_info_free(info);
    free(latin);
    free(p);
    fx_fini(&f);
}

Test(bundle_verify, deep_skips_documents_sealed_with_extra_rules)
{
    fx f;
    ds_bundle_writer *w = NULL;
    ds_bundle_options o = DS_BUNDLE_OPTIONS_INIT;
    ds_bundle_doc_options d = DS_BUNDLE_DOC_OPTIONS_INIT;
    ds_normalize_options n = DS_NORMALIZE_OPTIONS_INIT;
    ds_bundle_info *info = NULL;
    const ds_secret_key *keys[1];
    const ds_check *c;
    ds_report *r;
    char id[DS_SHA256_HEX_SIZE], *p = NULL, *rules, *h;
    static const char rule[] = "^read more\n";

    fx_init(&f);
    rules = path_join(f.dir, "rules.txt");
    tu_write(rules, rule, sizeof rule - 1);
    h = sha256_of(rule, sizeof rule - 1);
    n.boilerplate_rules = rules;
    d.normalize = &n;
    o.out_dir = f.dir;
    cr_assert_eq(ds_bundle_writer_new(&w, f.key, &o), 0);
    cr_assert_eq(ds_bundle_writer_add_file(w, f.article, &d, NULL, NULL), 0, "%s", ds_error_last());
    cr_assert_eq(ds_bundle_writer_finish(w, NULL, id, &p), 0, "%s", ds_error_last());
    ds_bundle_writer_free(w);
    cr_assert_eq(ds_bundle_read_info(&info, p), 0);
    cr_assert_str_eq(info->docs[0].boilerplate_rules_sha256, h);
    keys[0] = f.key;
    r = verify_with(p, keys, 1, 1, NULL);
    expect_all_pass(r);
    c = find(r, "renormalize", DS_CHECK_SKIP, NULL);
    cr_assert_not_null(c);
    cr_assert(strstr(c->detail, "sealed with an extra boilerplate rules file"), "%s", c->detail);
    ds_report_free(r);
    ds_bundle_info_free(info);
    free(h);
    free(rules);
    free(p);
    fx_fini(&f);
}

/* Verification never writes: the directory and the working directory keep
 * exactly their files. */
static char *listing(const char *dir)
{
    char cmd[4200], *out;
    FILE *p;
    size_t n;
    snprintf(cmd, sizeof cmd, "ls -lA --time-style=+%%s '%s' | sort", dir);
    p = popen(cmd, "r");
    out = calloc(1, 65536);
    n = fread(out, 1, 65535, p);
    out[n] = '\0';
    pclose(p);
    return out;
}

Test(bundle_verify, writes_nothing_to_disk)
{
    tampered t;
    const ds_secret_key *keys[1];
    char *before, *after, *cwd_before, *cwd_after, cwd[4096];
    tent *e;
    tamper_begin(&t);
    keys[0] = t.f.key;
    e = tl_add(&t.l, "../escaped.txt", '0', "x", 1);
    (void)e;
    e = tl_add(&t.l, "/tmp/docseal-escaped.txt", '0', "x", 1);
    tl_write(&t.l, t.bad, 1);
    cr_assert_not_null(getcwd(cwd, sizeof cwd));
    before = listing(t.f.dir);
    cwd_before = listing(cwd);
    t.r = verify_with(t.bad, keys, 1, 1, NULL);
    after = listing(t.f.dir);
    cwd_after = listing(cwd);
    cr_assert_str_eq(before, after);
    cr_assert_str_eq(cwd_before, cwd_after);
    cr_assert_neq(access("/tmp/docseal-escaped.txt", F_OK), 0);
    expect_fail(t.r, "entry-safety", "../escaped.txt", "'..' path component");
    free(before);
    free(after);
    free(cwd_before);
    free(cwd_after);
    tamper_end(&t);
}

/* ---- checked-in fixtures (fixtures/bundles/README.md) ---- */

static ds_report *verify_fixture(const char *name)
{
    char path[256];
    ds_public_key *pub = NULL;
    const ds_public_key *keys[1];
    ds_bundle_verify_options o = DS_BUNDLE_VERIFY_OPTIONS_INIT;
    ds_report *r = NULL;
    snprintf(path, sizeof path, "fixtures/bundles/%s", name);
    cr_assert_eq(ds_public_key_load(&pub, tu_src("fixtures/keys/rfc8032-1.key.pub")), 0);
    keys[0] = pub;
    o.keys = keys;
    o.key_count = 1;
    cr_assert_eq(ds_bundle_verify(&r, tu_src(path), &o, NULL), 0, "%s", ds_error_last());
    ds_public_key_free(pub);
    return r;
}

#define ZERO_NAME(dir, ext)                                                                        \
    dir "/0000000000000000000000000000000000000000000000000000000000000000." ext

Test(bundle_fixtures, each_verdict)
{
    static const struct {
        const char *file, *check, *subject, *detail;
    } cases[] = {
        {"dotdot.tar.zst", "entry-safety", "../x", "'..' path component"},
        {"absolute.tar.zst", "entry-safety", "/etc/x", "absolute path"},
        {"symlink.tar.zst", "entry-safety", ZERO_NAME("documents", "txt"),
         "a symbolic link, not a regular file"},
        {"hardlink.tar.zst", "entry-safety", ZERO_NAME("originals", "txt"),
         "a hard link, not a regular file"},
        {"device.tar.zst", "entry-safety", "snapshot.jsonx",
         "a character device, not a regular file"},
        {"fifo.tar.zst", "entry-safety", "fifo", "a FIFO, not a regular file"},
        {"directory.tar.zst", "entry-safety", "documents/", "a directory, not a regular file"},
        {"duplicate.tar.zst", "entry-safety", "MANIFEST", "duplicate path"},
        {"unicode-name.tar.zst", "entry-safety", NULL, "not a bundle entry name"},
        {"declares-10gb.tar.zst", "archive-readable", ZERO_NAME("originals", "html"),
         "truncated: the archive ends after 512 of 10000000000 bytes of the entry"},
        {"snapshot-10gb.tar.zst", "entry-safety", "snapshot.json",
         "declares 10000000000 bytes, over the limit of 67108864 bytes"},
        {"bomb.tar.zst", "content-hash", ZERO_NAME("originals", "txt"),
         "not to the digest in its name"},
        {"bomb.tar.zst", "manifest-complete", ZERO_NAME("originals", "txt"), "extra entry"},
        {"extra-entry.tar.zst", "manifest-complete", ZERO_NAME("documents", "txt"),
         "extra entry: not listed in MANIFEST"},
        {"missing-original.tar.zst", "manifest-complete", NULL,
         "listed in MANIFEST but missing from the archive"},
        {"flipped-text.tar.zst", "digests", NULL, "digest mismatch: MANIFEST says"},
        {"truncated.tar.zst", "archive-readable", NULL,
         "truncated: the zstd frame is cut off at the end of the file"},
        {"not-zstd.tar.zst", "archive-readable", NULL,
         "not zstd-compressed data (unknown frame magic) at or after compressed byte offset 0"},
    };
    size_t i;
    ds_report *r = verify_fixture("valid.tar.zst");
    expect_all_pass(r);
    cr_assert_not_null(find(r, "signature", DS_CHECK_PASS, NULL));
    ds_report_free(r);
    for (i = 0; i < sizeof cases / sizeof *cases; i++) {
        r = verify_fixture(cases[i].file);
        expect_fail(r, cases[i].check, cases[i].subject, cases[i].detail);
        ds_report_free(r);
    }
}

/* ---- the command line ---- */

static char *cli_key(const char *dir)
{
    ds_secret_key *k = key_from(seed1_hex);
    char *path = path_join(dir, "k.key");
    cr_assert_eq(ds_secret_key_save(k, path, NULL, NULL, 0), 0, "%s", ds_error_last());
    ds_secret_key_free(k);
    return path;
}

Test(bundle_cli, seal_then_verify)
{
    fx f;
    char *key, *out = NULL, *err = NULL, want[256], id[65], path[4096];
    int rc;
    fx_init(&f);
    key = cli_key(f.dir);
    rc = tu_run(&out, &err,
                "seal --key '%s' --time 2024-05-01T12:00:00Z -o '%s/b.tar.zst' '%s' '%s'", key,
                f.dir, f.article, f.revision);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_str_eq(err, "");
    cr_assert_eq(sscanf(out, "%64s  %4095s", id, path), 2, "%s", out);
    snprintf(want, sizeof want, "%s  %s/b.tar.zst\n", id, f.dir);
    cr_assert_str_eq(out, want);
    free(out);
    free(err);
    rc = tu_run(&out, &err, "verify --pubkey '%s.pub' '%s/b.tar.zst'", key, f.dir);
    cr_assert_eq(rc, 0, "%s%s", out, err);
    cr_assert(strstr(out,
                     "ok   signature MANIFEST.minisig: MANIFEST is signed by trusted key " KEY1_ID
                     "\n"),
              "%s", out);
    cr_assert(strstr(out, "verification passed\n"));
    free(out);
    free(err);
    rc = tu_run(&out, &err, "verify --json --pubkey '%s.pub' '%s/b.tar.zst'", key, f.dir);
    cr_assert_eq(rc, 0);
    cr_assert(strncmp(out, "{\"ok\": true, \"failures\": 0", 26) == 0 ||
                  strstr(out, "\"ok\": true") || strstr(out, "\"ok\":true"),
              "%s", out);
    free(out);
    free(err);
    free(key);
    fx_fini(&f);
}

Test(bundle_cli, seal_reads_standard_input)
{
    fx f;
    char *key, *out = NULL, *err = NULL, id[65], path[4096];
    ds_bundle_info *info = NULL;
    int rc;
    fx_init(&f);
    key = cli_key(f.dir);
    rc = tu_run(&out, &err,
                "seal --key '%s' --id piped --url https://example.org/a -o '%s/s.tar.zst' - < '%s'",
                key, f.dir, f.article);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(sscanf(out, "%64s  %4095s", id, path), 2);
    cr_assert_eq(ds_bundle_read_info(&info, path), 0);
    cr_assert_str_eq(info->docs[0].id, "piped");
    cr_assert_str_eq(info->docs[0].canonical_url, "https://example.org/a");
    cr_assert_str_eq(info->docs[0].original_sha256, ARTICLE_SHA256);
    {
        ds_document *a = normalized(f.article);
        char want[128];
        snprintf(want, sizeof want, "originals/%s.%s", ARTICLE_SHA256, ext_of(a));
        cr_assert_str_eq(info->docs[0].original_entry, want);
        ds_document_free(a);
    }
    ds_bundle_info_free(info);
    free(out);
    free(err);
    rc = tu_run(&out, &err, "verify --deep --pubkey '%s.pub' '%s'", key, path);
    cr_assert_eq(rc, 0, "%s%s", out, err);
    cr_assert(strstr(out, "ok   renormalize: 1 document re-normalizes"), "%s", out);
    free(out);
    free(err);
    free(key);
    fx_fini(&f);
}

/* Names from a hostile archive reach the report: the text report shows
 * control characters and bytes that are not UTF-8 as \\xHH (a name cannot
 * drive the terminal), and the JSON report stays valid JSON */
Test(bundle_cli, hostile_names_in_the_report)
{
    tampered t;
    char *key, *out = NULL, *err = NULL;
    int rc;
    tamper_begin(&t);
    tl_add(&t.l, "evil\x1b[2K\xff name", '0', "x", 1);
    tl_write(&t.l, t.bad, 1);
    key = cli_key(t.f.dir);
    rc = tu_run(&out, &err, "verify --pubkey '%s.pub' '%s'", key, t.bad);
    cr_assert_eq(rc, 1, "%s%s", out, err);
    cr_assert_null(strchr(out, '\x1b'), "%s", out);
    cr_assert_null(strstr(out, "\xff"), "%s", out);
    cr_assert(strstr(out, "FAIL entry-safety"), "%s", out);
    free(out);
    free(err);
    rc = tu_run(&out, &err, "verify --json --pubkey '%s.pub' '%s'", key, t.bad);
    cr_assert_eq(rc, 1, "%s%s", out, err);
    {
        json_error_t je;
        json_t *j = json_loads(out, 0, &je);
        cr_assert_not_null(j, "not JSON (%s): %s", je.text, out);
        cr_assert(json_is_false(json_object_get(j, "ok")));
        json_decref(j);
    }
    free(out);
    free(err);
    free(key);
    tamper_end(&t);
}

Test(bundle_cli, exit_codes)
{
    fx f;
    char *key, *out = NULL, *err = NULL, id[65], path[4096], *data;
    size_t len;
    int rc;
    fx_init(&f);
    key = cli_key(f.dir);
    rc = tu_run(&out, &err, "seal --key '%s' --time 2024-05-01T12:00:00Z -o '%s/b.tar.zst' '%s'",
                key, f.dir, f.article);
    cr_assert_eq(rc, 0, "%s", err);
    cr_assert_eq(sscanf(out, "%64s  %4095s", id, path), 2);
    free(out);
    free(err);
    /* tampered: 1 */
    data = tu_read(path, &len);
    tu_write(path, data, len - 100);
    rc = tu_run(&out, &err, "verify --pubkey '%s.pub' '%s'", key, path);
    cr_assert_eq(rc, 1, "%s%s", out, err);
    cr_assert(strstr(out, "FAIL archive-readable"), "%s", out);
    cr_assert(strstr(out, "verification FAILED\n"));
    free(out);
    free(err);
    /* missing file and directory: 2 */
    rc = tu_run(&out, &err, "verify --pubkey '%s.pub' '%s/none.tar.zst'", key, f.dir);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err, "none.tar.zst: No such file or directory"), "%s", err);
    free(out);
    free(err);
    rc = tu_run(&out, &err, "verify --pubkey '%s.pub' '%s'", key, f.dir);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err, "not a regular file"), "%s", err);
    free(out);
    free(err);
    /* usage errors: 2 */
    rc = tu_run(&out, &err, "seal --key '%s' --id x '%s' '%s'", key, f.article, f.revision);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err, "--id and --url apply to a single FILE"), "%s", err);
    free(out);
    free(err);
    rc = tu_run(&out, &err, "seal --key '%s' --level 42 '%s'", key, f.article);
    cr_assert_eq(rc, 2);
    free(out);
    free(err);
    rc = tu_run(&out, &err, "seal --key '%s' --time yesterday '%s'", key, f.article);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err, "--time: 'yesterday' is not an RFC 3339 time"), "%s", err);
    free(out);
    free(err);
    rc = tu_run(&out, &err, "seal --key '%s'", key);
    cr_assert_eq(rc, 2);
    free(out);
    free(err);
    rc = tu_run(&out, &err, "seal --key '%s' '%s/missing.txt'", key, f.dir);
    cr_assert_eq(rc, 2);
    cr_assert(strstr(err, "missing.txt"), "%s", err);
    free(out);
    free(err);
    rc = tu_run(&out, &err, "verify --expect-head abc '%s'", path);
    cr_assert_eq(rc, 2);
    free(out);
    free(err);
    free(data);
    free(key);
    fx_fini(&f);
}
