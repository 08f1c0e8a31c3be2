/*
 * bundle_write.c - the streaming bundle writer.
 *
 * add_file() normalizes a document with ds_normalize_file(), spooling the
 * normalized text (and the original bytes of small files, standard input and
 * other non-regular files) to unlinked temporary files in out_dir. finish()
 * knows every digest, so it writes MANIFEST and its signature first, then
 * streams each entry from the spools or the original files through
 * libarchive's pax writer into libzstd (multi-threaded; the output does not
 * depend on the number of threads) and into a temporary file that is fsynced
 * and renamed. In a large bundle the entries after the head are compressed
 * by another thread, into a spool, while the head is made (write_frame()).
 *
 * Memory is bounded regardless of the documents' sizes: stream buffers, the
 * zstd contexts (window and jobs of the chosen level), and per document its
 * metadata.
 */
#include "bundle_internal.h"
#include "docseal/hash.h"
#include "docseal/manifest.h"
#include "docseal/version.h"
#include "normalize_internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utf8proc.h>
#include <xxhash.h>
#include <zstd.h>

#define SPOOL_BUF (256 * 1024)
/* Regular files up to this size are copied to the spool while they are read;
 * larger ones are read again by finish(). */
#define SPOOL_ORIGINAL_MAX ((uint64_t)1 << 20)
/* Most normalization threads of ds_bundle_writer_add_files(). */
#define MAX_WORKERS 16

/* An append-only spool file (unlinked right after creation). Each document's
 * bytes are also checksummed (XXH3-64) as they are spooled, so that finish()
 * can tell they come back from the file as written: against a damaged spool,
 * not an adversary (the file is unlinked and ours), so a fast checksum does,
 * where SHA-256 again would cost a tenth of a seal. */
typedef struct spool {
    int fd;
    uint64_t flushed; /* bytes written to the file */
    unsigned char *buf;
    size_t len;
    XXH3_state_t *check; /* of the bytes written since the last reset */
} spool;

typedef struct wdoc {
    ds_document *doc; /* owned; text is NULL */
    char *src_path;   /* regular file to read again at finish(), or NULL when spooled */
    char *display;    /* name for messages */
    int sp;           /* spool pair holding its text (and original when spooled) */
    uint64_t text_off;
    uint64_t orig_off;   /* in the originals spool when src_path is NULL */
    uint64_t text_check; /* XXH3-64 of the spooled text */
    uint64_t orig_check; /* and of the spooled original */
    const char *date_order;
    int keep_boilerplate;
    char *from_encoding;
    char *rules_sha256;
    unsigned revision;
    ds_doc_status status;
    int keep_original; /* an unchanged document whose original is stored all the same */
    int compact;       /* an unchanged document listed by id only ("unchanged", format 2) */
    char prev[DS_SHA256_HEX_SIZE];
    /* bases offered by ds_bundle_writer_patch(), or NULL */
    char *text_base, *orig_base;
    const ds_bundle_base_provider *bases;
} wdoc;

/* What finish() stores of a document. */
static int stores_text(const wdoc *d)
{
    return d->status != DS_DOC_UNCHANGED;
}

static int stores_original(const wdoc *d)
{
    return d->status != DS_DOC_UNCHANGED || d->keep_original;
}

struct ds_bundle_writer {
    const ds_secret_key *key;
    int level, threads;
    int64_t time;
    char *out_dir;
    int out_dir_given;
    wdoc *docs;
    size_t count, cap;
    ds__strset ids;
    spool text[MAX_WORKERS], orig[MAX_WORKERS];
    int finished;
    unsigned head_delay_ms; /* tests: see ds__bundle_writer_delay_head() */
};

const char *ds_doc_status_name(ds_doc_status s)
{
    switch (s) {
    case DS_DOC_NEW:
        return "new";
    case DS_DOC_CHANGED:
        return "changed";
    case DS_DOC_UNCHANGED:
        return "unchanged";
    }
    return "?";
}

/* ------------------------------------------------------------------------ */
/* Spools                                                                     */

/* Open s in dir as an unlinked file named (while it has a name) NAME-XXXXXX. */
static int spool_open(spool *s, const char *dir, const char *name)
{
    char *tmpl;
    if (s->fd >= 0)
        return 0;
    /* the buffer and checksum state first: an open spool is a usable one */
    if (!s->buf && !(s->buf = ds__malloc(SPOOL_BUF)))
        return DS_ENOMEM;
    if (!s->check && !(s->check = XXH3_createState()))
        return ds__error_oom();
    if (!(tmpl = ds__asprintf("%s/%s-XXXXXX", dir, name)))
        return DS_ENOMEM;
    s->fd = mkstemp(tmpl);
    if (s->fd < 0) {
        int err = ds__error_errno(DS_EIO, errno, tmpl);
        free(tmpl);
        return err;
    }
    unlink(tmpl);
    free(tmpl);
    return 0;
}

static int spool_flush(spool *s)
{
    size_t done = 0;
    while (done < s->len) {
        ssize_t n = pwrite(s->fd, s->buf + done, s->len - done, (off_t)(s->flushed + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return ds__error_errno(DS_EIO, errno, "spool file");
        done += (size_t)n;
    }
    s->flushed += s->len;
    s->len = 0;
    return 0;
}

static uint64_t spool_size(const spool *s)
{
    return s->flushed + s->len;
}

/* Forget everything from offset on (a failed add). */
static void spool_rewind(spool *s, uint64_t offset)
{
    if (offset >= s->flushed) {
        s->len = (size_t)(offset - s->flushed);
    } else {
        s->flushed = offset;
        s->len = 0;
    }
}

static int spool_write(void *ctx, const void *data, size_t len)
{
    spool *s = ctx;
    const unsigned char *p = data;
    int err;
    while (len > 0) {
        size_t n = SPOOL_BUF - s->len;
        if (n > len)
            n = len;
        /* (only what is taken: a failed flush leaves the rest out of both) */
        if (XXH3_64bits_update(s->check, p, n) != XXH_OK)
            return ds__error_set(DS_ERROR, "spool file: checksum failed");
        memcpy(s->buf + s->len, p, n);
        s->len += n;
        p += n;
        len -= n;
        if (s->len == SPOOL_BUF && (err = spool_flush(s)) < 0)
            return err;
    }
    return 0;
}

static void spool_close(spool *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
    free(s->buf);
    s->buf = NULL;
    XXH3_freeState(s->check);
    s->check = NULL;
}

/* ------------------------------------------------------------------------ */
/* Writer setup                                                               */

int ds_bundle_writer_new(ds_bundle_writer **out, const ds_secret_key *key,
                         const ds_bundle_options *opts)
{
    ds_bundle_options def = DS_BUNDLE_OPTIONS_INIT;
    ds_bundle_writer *w;
    struct stat st;
    long ncpu;
    int i;

    *out = NULL;
    if (!opts)
        opts = &def;
    if (!key)
        return ds__error_set(DS_EINVALID, "bundle: no signing key");
    if (opts->compression_level < 0 || opts->compression_level > 19)
        return ds__error_set(DS_EINVALID, "bundle: compression level %d is not in 1..19",
                             opts->compression_level);
    if (opts->threads < 0 || opts->threads > 200)
        return ds__error_set(DS_EINVALID, "bundle: thread count %d is not in 0..200",
                             opts->threads);
    if (opts->snapshot_time < 0 && opts->snapshot_time != DS_TIME_NOW)
        return ds__error_set(DS_EINVALID, "bundle: snapshot time %lld is before 1970",
                             (long long)opts->snapshot_time);
    if (opts->out_dir && (stat(opts->out_dir, &st) < 0 || !S_ISDIR(st.st_mode)))
        return ds__error_set(DS_EINVALID, "%s: not a directory", opts->out_dir);
    if (!(w = ds__calloc(1, sizeof *w)))
        return DS_ENOMEM;
    w->key = key;
    for (i = 0; i < MAX_WORKERS; i++)
        w->text[i].fd = w->orig[i].fd = -1;
    w->level = opts->compression_level ? opts->compression_level : DS_BUNDLE_DEFAULT_LEVEL;
    ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    w->threads = opts->threads ? opts->threads : (ncpu > 0 ? (int)(ncpu > 64 ? 64 : ncpu) : 1);
    w->time = opts->snapshot_time == DS_TIME_NOW ? ds__now() : opts->snapshot_time;
    w->out_dir_given = opts->out_dir != NULL;
    if (!(w->out_dir = ds__strdup(opts->out_dir ? opts->out_dir : "."))) {
        free(w);
        return DS_ENOMEM;
    }
    *out = w;
    return 0;
}

static void wdoc_free(wdoc *d)
{
    ds_document_free(d->doc);
    free(d->src_path);
    free(d->display);
    free(d->from_encoding);
    free(d->rules_sha256);
    free(d->text_base);
    free(d->orig_base);
    memset(d, 0, sizeof *d);
}

void ds__bundle_writer_delay_head(ds_bundle_writer *w, unsigned ms)
{
    w->head_delay_ms = ms;
}

void ds_bundle_writer_free(ds_bundle_writer *w)
{
    size_t i;
    if (!w)
        return;
    for (i = 0; i < w->count; i++)
        wdoc_free(&w->docs[i]);
    free(w->docs);
    ds__strset_free(&w->ids);
    for (i = 0; i < MAX_WORKERS; i++) {
        spool_close(&w->text[i]);
        spool_close(&w->orig[i]);
    }
    free(w->out_dir);
    free(w);
}

/* ------------------------------------------------------------------------ */
/* Adding documents                                                           */

/* UTF-8 without control characters (used for ids and URLs we are given). */
static const char *text_problem(const char *s)
{
    const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
    utf8proc_ssize_t left = (utf8proc_ssize_t)strlen(s);
    while (left > 0) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
        if (n < 0)
            return "is not valid UTF-8";
        if (cp < 0x20 || cp == 0x7f)
            return "contains a control character";
        p += n;
        left -= n;
    }
    return NULL;
}

/* The file name without directories and without its last extension. */
static char *file_stem(const char *path)
{
    const char *base = strrchr(path, '/'), *dot;
    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    if (dot && dot != base)
        return ds__strndup(base, (size_t)(dot - base));
    return ds__strdup(base);
}

static const char *date_order_name(ds_date_order o)
{
    switch (o) {
    case DS_DATE_ORDER_MDY:
        return "mdy";
    case DS_DATE_ORDER_DMY:
        return "dmy";
    case DS_DATE_ORDER_YMD:
        return "ymd";
    default:
        return "none";
    }
}

static int replace_str(char **field, const char *value)
{
    char *v = ds__strdup(value);
    if (value && !v)
        return DS_ENOMEM;
    free(*field);
    *field = v;
    return 0;
}

static int check_doc_options(const char *path, const ds_bundle_doc_options *opts)
{
    const char *name = ds__display_name(path), *why;
    if (opts->id && !*opts->id)
        return ds__error_set(DS_EINVALID, "%s: document id is empty", name);
    if (opts->id && (why = text_problem(opts->id)) != NULL)
        return ds__error_set(DS_EINVALID, "%s: document id %s", name, why);
    if (opts->canonical_url && (why = text_problem(opts->canonical_url)) != NULL)
        return ds__error_set(DS_EINVALID, "%s: canonical URL %s", name, why);
    return 0;
}

/* One document being read: normalized into spool pair sp. */
typedef struct job {
    const char *path;
    const ds_bundle_doc_options *opts;
    int sp;
    wdoc d; /* the result */
    int err;
    char *msg; /* the error message (errors are thread-local) */
} job;

/* Normalize j->path into spool pair j->sp and fill j->d (all but the
 * writer-wide checks). On failure the spools are rewound. Thread-safe for
 * distinct spool pairs. */
static int job_run(ds_bundle_writer *w, job *j)
{
    ds_normalize_options nopts = DS_NORMALIZE_OPTIONS_INIT;
    const ds_bundle_doc_options *opts = j->opts;
    spool *ts = &w->text[j->sp], *os = &w->orig[j->sp];
    ds_sink text_sink = {spool_write, ts}, orig_sink = {spool_write, os};
    wdoc *d = &j->d;
    struct stat st;
    uint64_t text_start, orig_start;
    const char *path = j->path, *name = ds__display_name(path), *id;
    char *stem = NULL, *nfc = NULL;
    int err = 0, is_stdin = strcmp(path, "-") == 0, spool_orig;

    memset(d, 0, sizeof *d);
    /* by the caller's version; a bundle needs the digests whatever the flags */
    ds__normalize_options_copy(&nopts, opts->normalize);
    nopts.flags &= ~DS_NORMALIZE_NO_DIGESTS;
    if (!nopts.source_name)
        nopts.source_name = name;
    /* a large regular file is read again at finish(); anything else is
     * spooled as it is read (for many small files one spool file costs far
     * fewer system calls than reopening each) */
    spool_orig = is_stdin || (stat(path, &st) == 0 && !S_ISDIR(st.st_mode) &&
                              (!S_ISREG(st.st_mode) || (uint64_t)st.st_size <= SPOOL_ORIGINAL_MAX));
    if ((err = spool_open(ts, w->out_dir, ".docseal-spool")) < 0 ||
        (spool_orig && (err = spool_open(os, w->out_dir, ".docseal-spool")) < 0))
        return err;
    text_start = spool_size(ts);
    orig_start = os->fd >= 0 ? spool_size(os) : 0;
    (void)XXH3_64bits_reset(ts->check);
    if (spool_orig)
        (void)XXH3_64bits_reset(os->check);
    d->sp = j->sp;
    d->text_off = text_start;
    d->orig_off = orig_start;
    d->status = DS_DOC_NEW;

    if ((err = ds_normalize_file(&d->doc, path, &text_sink, spool_orig ? &orig_sink : NULL,
                                 &nopts)) < 0)
        goto done;
    d->text_check = XXH3_64bits_digest(ts->check);
    if (spool_orig)
        d->orig_check = XXH3_64bits_digest(os->check);
    if (spool_size(ts) - text_start != d->doc->content_size ||
        (spool_orig && spool_size(os) - orig_start != d->doc->original_size)) {
        err = ds__error_set(DS_ERROR, "%s: the normalizer's sizes disagree with its output", name);
        goto done;
    }
    if (d->doc->content_size > DS_BUNDLE_MAX_ENTRY_SIZE ||
        d->doc->original_size > DS_BUNDLE_MAX_ENTRY_SIZE) {
        err = ds__error_set(DS_ELIMIT, "%s: larger than the bundle entry limit of %llu bytes", name,
                            (unsigned long long)DS_BUNDLE_MAX_ENTRY_SIZE);
        goto done;
    }
    free(d->doc->text);
    d->doc->text = NULL;
    if (opts->canonical_url && (err = replace_str(&d->doc->canonical_url, opts->canonical_url)) < 0)
        goto done;
    /* document id: given, front matter, canonical URL, file name stem */
    id = opts->id ? opts->id : d->doc->id ? d->doc->id : d->doc->canonical_url;
    if (!id) {
        if (!(stem = is_stdin ? ds__strdup("stdin") : file_stem(path))) {
            err = DS_ENOMEM;
            goto done;
        }
        id = stem;
    }
    if (!*id || text_problem(id)) {
        err = ds__error_set(DS_EINVALID,
                            "%s: the document id %s is empty or not valid UTF-8 text: give one",
                            name, id == stem ? "made from the file name" : "found");
        goto done;
    }
    /* ids are kept in Unicode Normalization Form C, so that a name typed or
     * stored in another form (macOS file names are NFD) finds the same
     * document */
    if (!(nfc = (char *)utf8proc_NFC((const utf8proc_uint8_t *)id))) {
        err = DS_ENOMEM;
        goto done;
    }
    if ((err = replace_str(&d->doc->id, nfc)) < 0)
        goto done;
    /* the normalization options, recorded for verify --deep */
    d->date_order = date_order_name(nopts.date_order);
    d->keep_boilerplate = nopts.keep_boilerplate != 0;
    if (nopts.from_encoding && !(d->from_encoding = ds__strdup(nopts.from_encoding))) {
        err = DS_ENOMEM;
        goto done;
    }
    if (nopts.boilerplate_rules) {
        char hex[DS_SHA256_HEX_SIZE];
        if ((err = ds_sha256_file(hex, nopts.boilerplate_rules, NULL)) < 0)
            goto done;
        if (!(d->rules_sha256 = ds__strdup(hex))) {
            err = DS_ENOMEM;
            goto done;
        }
    }
    if (!(d->display = ds__strdup(name)) || (!spool_orig && !(d->src_path = ds__strdup(path)))) {
        err = DS_ENOMEM;
        goto done;
    }
done:
    if (err < 0) {
        spool_rewind(ts, text_start);
        if (spool_orig)
            spool_rewind(os, orig_start);
        wdoc_free(d);
    }
    free(stem);
    free(nfc);
    return err;
}

static void *job_worker(void *arg);

typedef struct pool {
    ds_bundle_writer *w;
    job *jobs;
    size_t n, next;
    pthread_mutex_t lock;
} pool;

typedef struct worker {
    pool *p;
    int sp;
} worker;

static void *job_worker(void *arg)
{
    worker *wk = arg;
    pool *p = wk->p;
    for (;;) {
        job *j;
        pthread_mutex_lock(&p->lock);
        j = p->next < p->n ? &p->jobs[p->next++] : NULL;
        pthread_mutex_unlock(&p->lock);
        if (!j)
            return NULL;
        j->sp = wk->sp;
        if ((j->err = job_run(p->w, j)) < 0)
            j->msg = ds__strdup(ds_error_last());
    }
}

static int grow_docs(ds_bundle_writer *w, size_t extra)
{
    size_t ncap = w->cap ? w->cap : 16;
    wdoc *grown;
    if (w->count + extra <= w->cap)
        return 0;
    while (ncap < w->count + extra)
        ncap *= 2;
    if (!(grown = ds__realloc(w->docs, ncap * sizeof *grown)))
        return DS_ENOMEM;
    w->docs = grown;
    w->cap = ncap;
    return 0;
}

int ds_bundle_writer_add_files(ds_bundle_writer *w, const char *const *paths, size_t n,
                               const ds_bundle_doc_options *opts, const ds_document **docs_out,
                               size_t *first_index)
{
    ds_bundle_doc_options def = DS_BUNDLE_DOC_OPTIONS_INIT;
    uint64_t text_size[MAX_WORKERS], orig_size[MAX_WORKERS];
    pthread_t threads[MAX_WORKERS];
    worker workers[MAX_WORKERS];
    job *jobs = NULL;
    pool p;
    size_t i, nthreads, started = 0, added = 0;
    int err = 0, stdin_seen = 0;

    if (w->finished)
        return ds__error_set(DS_EUSAGE, "bundle: already finished");
    if (!opts)
        opts = &def;
    if (n == 0)
        return ds__error_set(DS_EUSAGE, "bundle: no files given");
    if (n > 1 && (opts->id || opts->canonical_url))
        return ds__error_set(DS_EUSAGE,
                             "bundle: a document id or canonical URL applies to one file only");
    if (w->count + n > (DS_BUNDLE_MAX_ENTRIES - 3) / 2)
        return ds__error_set(DS_ELIMIT, "bundle: a bundle holds at most %u documents",
                             (DS_BUNDLE_MAX_ENTRIES - 3) / 2);
    for (i = 0; i < n; i++) {
        if ((err = check_doc_options(paths[i], opts)) < 0)
            return err;
        if (strcmp(paths[i], "-") == 0 && stdin_seen++)
            return ds__error_set(DS_EUSAGE, "bundle: standard input given twice");
    }
    if (!(jobs = ds__calloc(n, sizeof *jobs)) || (err = grow_docs(w, n)) < 0) {
        err = err < 0 ? err : DS_ENOMEM;
        goto done;
    }
    for (i = 0; i < MAX_WORKERS; i++) {
        text_size[i] = spool_size(&w->text[i]);
        orig_size[i] = spool_size(&w->orig[i]);
    }
    for (i = 0; i < n; i++) {
        jobs[i].path = paths[i];
        jobs[i].opts = opts;
    }
    nthreads = (size_t)w->threads < n ? (size_t)w->threads : n;
    if (nthreads > MAX_WORKERS)
        nthreads = MAX_WORKERS;
    memset(&p, 0, sizeof p);
    p.w = w;
    p.jobs = jobs;
    p.n = n;
    if (nthreads <= 1) {
        for (i = 0; i < n; i++)
            if ((jobs[i].err = job_run(w, &jobs[i])) < 0)
                break;
    } else {
        pthread_mutex_init(&p.lock, NULL);
        for (i = 0; i < nthreads; i++) {
            workers[i].p = &p;
            workers[i].sp = (int)i;
            if (pthread_create(&threads[i], NULL, job_worker, &workers[i]) != 0)
                break;
            started++;
        }
        if (started == 0)
            job_worker(&workers[0]); /* no thread could be started: do it here */
        for (i = 0; i < started; i++)
            pthread_join(threads[i], NULL);
        pthread_mutex_destroy(&p.lock);
    }
    /* the first failure in input order decides */
    for (i = 0; i < n; i++) {
        if (jobs[i].err < 0) {
            err = jobs[i].msg ? ds__error_set(jobs[i].err, "%s", jobs[i].msg) : jobs[i].err;
            goto done;
        }
    }
    /* ids: new to the writer and distinct within the batch (on failure,
     * those added are taken out again below) */
    for (added = 0; added < n; added++) {
        const char *id = jobs[added].d.doc->id;
        if ((err = ds__strset_add(&w->ids, id)) == 0) {
            err = ds__error_set(DS_EEXISTS, "%s: document id '%s' is already in this bundle",
                                jobs[added].d.display, id);
            goto done;
        }
        if (err < 0)
            goto done;
    }
    err = 0;
    if (first_index)
        *first_index = w->count;
    for (i = 0; i < n; i++) {
        w->docs[w->count] = jobs[i].d;
        memset(&jobs[i].d, 0, sizeof jobs[i].d);
        if (docs_out)
            docs_out[i] = w->docs[w->count].doc;
        w->count++;
    }
done:
    if (err < 0) {
        for (i = 0; i < added; i++)
            ds__strset_remove(&w->ids, jobs[i].d.doc->id);
        for (i = 0; i < MAX_WORKERS; i++) {
            spool_rewind(&w->text[i], text_size[i]);
            spool_rewind(&w->orig[i], orig_size[i]);
        }
        if (docs_out)
            for (i = 0; i < n; i++)
                docs_out[i] = NULL;
    }
    for (i = 0; jobs && i < n; i++) {
        wdoc_free(&jobs[i].d);
        free(jobs[i].msg);
    }
    free(jobs);
    return err;
}

int ds_bundle_writer_add_file(ds_bundle_writer *w, const char *path,
                              const ds_bundle_doc_options *opts, const ds_document **doc_out,
                              size_t *index_out)
{
    const ds_document *doc = NULL;
    size_t first = 0;
    int err = ds_bundle_writer_add_files(w, &path, 1, opts, &doc, &first);
    if (doc_out)
        *doc_out = doc;
    if (err == 0 && index_out)
        *index_out = first;
    return err;
}

int ds_bundle_writer_mark(ds_bundle_writer *w, size_t index, unsigned revision,
                          ds_doc_status status, const char *previous_content_sha256)
{
    wdoc *d;
    if (w->finished)
        return ds__error_set(DS_EUSAGE, "bundle: already finished");
    if (index >= w->count)
        return ds__error_set(DS_EINVALID, "bundle: no document with index %zu", index);
    if (status != DS_DOC_NEW && status != DS_DOC_CHANGED && status != DS_DOC_UNCHANGED)
        return ds__error_set(DS_EINVALID, "bundle: bad document status %d", (int)status);
    if (previous_content_sha256 && !ds__is_sha256_hex(previous_content_sha256))
        return ds__error_set(DS_EINVALID,
                             "bundle: previous content hash '%s' is not 64 "
                             "lowercase hex digits",
                             previous_content_sha256);
    d = &w->docs[index];
    d->revision = revision;
    d->status = status;
    d->keep_original = 0;
    d->compact = 0;
    if (previous_content_sha256)
        memcpy(d->prev, previous_content_sha256, DS_SHA256_HEX_SIZE);
    else
        d->prev[0] = '\0';
    return 0;
}

int ds_bundle_writer_patch(ds_bundle_writer *w, size_t index, const char *text_base,
                           const char *original_base, const ds_bundle_base_provider *bases)
{
    wdoc *d;
    char *tb = NULL, *ob = NULL;
    if (w->finished)
        return ds__error_set(DS_EUSAGE, "bundle: already finished");
    if (index >= w->count)
        return ds__error_set(DS_EINVALID, "bundle: no document with index %zu", index);
    d = &w->docs[index];
    /* a changed document; or an unchanged one whose other original bytes are
     * kept (page furniture that changes daily), for its original alone */
    if (d->status != DS_DOC_CHANGED && !(d->keep_original && !text_base))
        return ds__error_set(DS_EINVALID,
                             "bundle: document %zu is not marked changed: only a changed "
                             "document, or the kept original of an unchanged one, is stored as "
                             "a patch",
                             index);
    if (!bases || !bases->load)
        return ds__error_set(DS_EINVALID, "bundle: patch bases need a provider");
    if (text_base && ds__bundle_entry_kind(text_base) != DS__ENTRY_DOCUMENT)
        return ds__error_set(DS_EINVALID, "bundle: %s is not a documents/ entry name", text_base);
    if (original_base && (ds__bundle_entry_kind(original_base) != DS__ENTRY_ORIGINAL ||
                          strcmp(original_base + 75, ds__bundle_format_ext(d->doc->format)) != 0))
        return ds__error_set(DS_EINVALID,
                             "bundle: %s is not an originals/ entry name with extension %s",
                             original_base, ds__bundle_format_ext(d->doc->format));
    if ((text_base && !(tb = ds__strdup(text_base))) ||
        (original_base && !(ob = ds__strdup(original_base)))) {
        free(tb);
        return DS_ENOMEM;
    }
    free(d->text_base);
    free(d->orig_base);
    d->text_base = tb;
    d->orig_base = ob;
    d->bases = bases;
    return 0;
}

int ds_bundle_writer_keep_original(ds_bundle_writer *w, size_t index)
{
    if (w->finished)
        return ds__error_set(DS_EUSAGE, "bundle: already finished");
    if (index >= w->count)
        return ds__error_set(DS_EINVALID, "bundle: no document with index %zu", index);
    if (w->docs[index].status != DS_DOC_UNCHANGED)
        return ds__error_set(DS_EINVALID,
                             "bundle: document %zu is not marked unchanged (its original is "
                             "stored anyway)",
                             index);
    w->docs[index].keep_original = 1;
    w->docs[index].compact = 0;
    return 0;
}

int ds_bundle_writer_mark_compact(ds_bundle_writer *w, size_t index)
{
    if (w->finished)
        return ds__error_set(DS_EUSAGE, "bundle: already finished");
    if (index >= w->count)
        return ds__error_set(DS_EINVALID, "bundle: no document with index %zu", index);
    if (w->docs[index].status != DS_DOC_UNCHANGED || w->docs[index].keep_original ||
        !w->docs[index].revision)
        return ds__error_set(DS_EINVALID,
                             "bundle: document %zu is not marked unchanged with a revision "
                             "and without its original",
                             index);
    w->docs[index].compact = 1;
    return 0;
}

/* The bundle format finish() writes: 2 when a document is listed compactly,
 * or when a base was offered for a patch entry (decided only while the
 * archive is written, after snapshot.json: format 2 allows patch entries, it
 * does not require them). */
static int writer_format(const ds_bundle_writer *w)
{
    size_t i;
    for (i = 0; i < w->count; i++)
        if (w->docs[i].compact || w->docs[i].text_base || w->docs[i].orig_base)
            return 2;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* finish(): entries, snapshot.json, MANIFEST, signature, archive             */

enum { SRC_MEM, SRC_TEXT_SPOOL, SRC_ORIG_SPOOL, SRC_FILE };

typedef struct went {
    char path[96];
    char digest[DS_SHA256_HEX_SIZE];
    uint64_t size;
    int src;
    int sp;              /* spool pair */
    uint64_t off;        /* spool offset */
    uint64_t check;      /* XXH3-64 of a spooled entry's bytes */
    const char *file;    /* SRC_FILE path */
    const char *display; /* name for messages */
    const void *mem;     /* SRC_MEM data */
    size_t order;        /* insertion order, to keep the first of duplicates */
    const char *base;    /* a base offered for a patch entry, or NULL */
    const ds_bundle_base_provider *bases;
    const char *stored; /* the path in the archive when it is not path (a patch), or NULL */
} went;

static int went_cmp(const void *a, const void *b)
{
    const went *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static const went *went_find(const went *e, size_t n, const char *path)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(e[mid].path, path);
        if (c == 0)
            return &e[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* An entry's path: dir ("documents/" or "originals/"), 64 hex digits, a
 * dot and ext (what snprintf would make, for the ones made per document). */
static void entry_path(char path[96], const char *dir, const char *hex, const char *ext)
{
    size_t d = strlen(dir), e = strlen(ext);
    if (d + 64 + 1 + e >= 96) {
        snprintf(path, 96, "%s%.64s.%s", dir, hex, ext);
        return;
    }
    memcpy(path, dir, d);
    memcpy(path + d, hex, 64);
    path[d + 64] = '.';
    memcpy(path + d + 65, ext, e + 1);
}

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Set key to value (a new reference); a NULL value means allocation failure
 * or invalid UTF-8. */
static int jset(json_t *obj, const char *key, json_t *value)
{
    if (!value)
        return ds__error_set(DS_EINVALID, "snapshot.json: %s: not valid UTF-8 (or out of memory)",
                             key);
    if (json_object_set_new(obj, key, value) < 0)
        return ds__error_oom();
    return 0;
}

static int json_to_buf(const char *buffer, size_t size, void *data)
{
    return ds__buf_put(data, buffer, size) < 0 ? -1 : 0;
}

/* One document's object in snapshot.json. */
static int snapshot_doc(json_t **out, const wdoc *d, const went *ents, size_t n)
{
    const ds_document *doc = d->doc;
    json_t *o = json_object(), *norm = json_object();
    const went *de, *oe;
    char path[96];
    int err = 0;

    *out = NULL;
    if (!o || !norm) {
        err = ds__error_oom();
        goto done;
    }
    entry_path(path, "documents/", doc->content_sha256, "txt");
    de = went_find(ents, n, path);
    entry_path(path, "originals/", doc->original_sha256, ds__bundle_format_ext(doc->format));
    oe = went_find(ents, n, path);
    if ((err = jset(o, "id", json_string(doc->id))) < 0 ||
        (err = jset(o, "canonical_url", jstr(doc->canonical_url))) < 0 ||
        (err = jset(o, "title", jstr(doc->title))) < 0 ||
        (err = jset(o, "byline", jstr(doc->byline))) < 0 ||
        (err = jset(o, "published_raw", jstr(doc->published_raw))) < 0 ||
        (err = jset(o, "published", jstr(doc->published))) < 0 ||
        (err = jset(o, "modified", jstr(doc->modified))) < 0 ||
        (err = jset(o, "language", jstr(doc->language))) < 0 ||
        (err = jset(o, "site_name", jstr(doc->site_name))) < 0 ||
        (err = jset(o, "format", json_string(ds_format_name(doc->format)))) < 0 ||
        (err = jset(o, "content_sha256", json_string(doc->content_sha256))) < 0 ||
        (err = jset(o, "content_size", json_integer((json_int_t)doc->content_size))) < 0 ||
        (err = jset(o, "original_sha256", json_string(doc->original_sha256))) < 0 ||
        (err = jset(o, "original_size", json_integer((json_int_t)doc->original_size))) < 0 ||
        (err = jset(o, "revision", d->revision ? json_integer(d->revision) : json_null())) < 0 ||
        (err = jset(o, "status", json_string(ds_doc_status_name(d->status)))) < 0 ||
        (err = jset(o, "previous_content_sha256", jstr(d->prev[0] ? d->prev : NULL))) < 0 ||
        (err = jset(o, "document_entry", jstr(de ? de->path : NULL))) < 0 ||
        (err = jset(o, "original_entry", jstr(oe ? oe->path : NULL))) < 0 ||
        (err = jset(norm, "date_order", json_string(d->date_order))) < 0 ||
        (err = jset(norm, "keep_boilerplate", json_boolean(d->keep_boilerplate))) < 0 ||
        (err = jset(norm, "from_encoding", jstr(d->from_encoding))) < 0 ||
        (err = jset(norm, "boilerplate_rules_sha256", jstr(d->rules_sha256))) < 0)
        goto done;
    err = jset(o, "normalize", norm);
    norm = NULL;
    if (err < 0)
        goto done;
    *out = o;
    o = NULL;
done:
    json_decref(norm);
    json_decref(o);
    return err;
}

/* The layout of snapshot.json: jansson's JSON_INDENT(2) output of the whole
 * object. The documents are serialized one at a time (a tree of every
 * document would cost memory and time) and placed at the depth the whole
 * tree would give them: each object sits 2 levels deep, so every line break
 * inside it gets 4 more spaces (JSON strings never hold a raw line break). */
#define SNAPSHOT_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER)

/* Append o, serialized with SNAPSHOT_FLAGS into scratch, to out with depth
 * spaces after each of its line breaks. */
static int put_indented(ds__buf *out, const json_t *o, ds__buf *scratch, size_t depth)
{
    static const char spaces[] = "        ";
    size_t len, k, lines = 0;
    const char *p, *end;
    char *w;
    int err = 0;

    len = json_dumpb(o, scratch->ptr, scratch->cap, SNAPSHOT_FLAGS);
    if (len > scratch->cap) {
        ds__buf_clear(scratch);
        if ((err = ds__buf_grow(scratch, len)) < 0)
            return err;
        len = json_dumpb(o, scratch->ptr, scratch->cap, SNAPSHOT_FLAGS);
    }
    if (len == 0 || len > scratch->cap)
        return ds__error_set(DS_ERROR, "snapshot.json: could not serialize");
    for (p = scratch->ptr, end = p + len; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++)
        lines++;
    if (depth > sizeof spaces - 1)
        return ds__error_set(DS_ERROR, "snapshot.json: internal error: depth %zu", depth);
    if (lines > (SIZE_MAX - len) / (depth + 1) ||
        (err = ds__buf_grow(out, len + lines * depth)) < 0)
        return err < 0 ? err : ds__error_oom();
    w = out->ptr + out->len;
    for (p = scratch->ptr, k = 0; k <= lines; k++) {
        const char *nl = k < lines ? memchr(p, '\n', (size_t)(end - p)) : end;
        size_t n = (size_t)(nl - p) + (k < lines);
        memcpy(w, p, n);
        w += n;
        p += n;
        if (k < lines) {
            memcpy(w, spaces, depth);
            w += depth;
        }
    }
    out->len = (size_t)(w - out->ptr);
    out->ptr[out->len] = '\0';
    return 0;
}

typedef struct snap_part {
    const ds_bundle_writer *w;
    const went *ents;
    size_t n, from, to;
    ds__buf out;
    int err;
    char *msg; /* the error message (errors are thread-local) */
} snap_part;

static int snapshot_docs(snap_part *sp)
{
    ds__buf one = DS__BUF_INIT;
    size_t i;
    int err = 0;

    if ((err = ds__buf_grow(&one, 4096)) < 0)
        return err;
    for (i = sp->from; i < sp->to; i++) {
        json_t *o = NULL;
        if (sp->w->docs[i].compact)
            continue; /* listed in "unchanged" */
        if ((err = snapshot_doc(&o, &sp->w->docs[i], sp->ents, sp->n)) < 0)
            goto done;
        /* each element after a comma; the first one's is dropped when the
         * parts are joined */
        if ((err = ds__buf_puts(&sp->out, ",\n    ")) == 0)
            err = put_indented(&sp->out, o, &one, 4);
        json_decref(o);
        if (err < 0)
            goto done;
    }
done:
    ds__buf_free(&one);
    return err;
}

/* Format 2: ,"unchanged" with the compact documents (id: revision, in
 * order) and ,"unchanged_sha256" over what was read of them, laid out as
 * JSON_INDENT(2) places them one level deep. */
static int snapshot_unchanged(ds__buf *out, const ds_bundle_writer *w)
{
    json_t *o = NULL;
    ds_manifest_doc *sg = NULL;
    ds__buf one = DS__BUF_INIT;
    char sum[DS_SHA256_HEX_SIZE];
    size_t i, k, n = 0;
    int err = 0;

    for (i = 0; i < w->count; i++)
        n += w->docs[i].compact != 0;
    if (n == 0)
        return 0;
    if (!(o = json_object()) || !(sg = ds__calloc(n, sizeof *sg))) {
        err = ds__error_oom();
        goto done;
    }
    for (i = 0, k = 0; i < w->count; i++) {
        const wdoc *d = &w->docs[i];
        if (!d->compact)
            continue;
        sg[k].id = (char *)d->doc->id; /* read only */
        sg[k].revision = d->revision;
        memcpy(sg[k].content_sha256, d->doc->content_sha256, DS_SHA256_HEX_SIZE);
        memcpy(sg[k].original_sha256, d->doc->original_sha256, DS_SHA256_HEX_SIZE);
        k++;
        if (json_object_set_new(o, d->doc->id, json_integer((json_int_t)d->revision))) {
            err = ds__error_oom();
            goto done;
        }
    }
    if ((err = ds_manifest_unchanged_digest(sum, sg, n)) < 0 ||
        (err = ds__buf_puts(out, ",\n  \"unchanged\": ")) < 0 ||
        (err = put_indented(out, o, &one, 2)) < 0)
        goto done;
    if ((err = ds__buf_puts(out, ",\n  \"unchanged_sha256\": \"")) < 0 ||
        (err = ds__buf_put(out, sum, 64)) < 0 || (err = ds__buf_putc(out, '"')) < 0)
        goto done;
done:
    ds__buf_free(&one);
    json_decref(o);
    free(sg);
    return err;
}

static void *snapshot_worker(void *arg)
{
    snap_part *sp = arg;
    if ((sp->err = snapshot_docs(sp)) < 0)
        sp->msg = ds__strdup(ds_error_last());
    return NULL;
}

static int snapshot_json(ds__buf *out, const ds_bundle_writer *w, const went *ents, size_t n,
                         const char *created, const char *key_id)
{
    static const char tail[] = "[]\n}";
    json_t *root = json_object();
    char *tool = NULL;
    snap_part part[2];
    pthread_t th;
    int err = 0, started = 0;
    size_t i;

    memset(part, 0, sizeof part);
    for (i = 0; i < 2; i++) {
        part[i].w = w;
        part[i].ents = ents;
        part[i].n = n;
    }
    /* the second half in another thread when there is enough to share */
    part[0].to = w->threads > 1 && w->count >= 64 ? w->count / 2 : w->count;
    part[1].from = part[0].to;
    part[1].to = w->count;
    if (!root || !(tool = ds__asprintf("docseal %s", ds_version()))) {
        err = ds__error_oom();
        goto done;
    }
    if ((err = jset(root, "format", json_string(DS_BUNDLE_FORMAT_NAME))) < 0 ||
        (err = jset(root, "format_version", json_integer(writer_format(w)))) < 0 ||
        (err = jset(root, "created", json_string(created))) < 0 ||
        (err = jset(root, "snapshot_time", json_integer((json_int_t)w->time))) < 0 ||
        (err = jset(root, "tool", json_string(tool))) < 0 ||
        (err = jset(root, "normalizer", json_string(DS_NORMALIZER_VERSION))) < 0 ||
        (err = jset(root, "signer_key_id", json_string(key_id))) < 0 ||
        (err = jset(root, "documents", json_array())) < 0)
        goto done;
    ds__buf_clear(out);
    if (json_dump_callback(root, json_to_buf, out, SNAPSHOT_FLAGS) != 0 ||
        out->len < sizeof tail - 1 ||
        memcmp(out->ptr + out->len - (sizeof tail - 1), tail, sizeof tail - 1) != 0) {
        err = ds__error_set(DS_ERROR, "snapshot.json: could not serialize");
        goto done;
    }
    out->len -= sizeof tail - 1;
    if (part[1].from < part[1].to && pthread_create(&th, NULL, snapshot_worker, &part[1]) == 0)
        started = 1;
    else
        part[0].to = w->count; /* no thread: all here */
    part[0].err = snapshot_docs(&part[0]);
    if (started)
        pthread_join(th, NULL);
    for (i = 0; i < 2; i++)
        if (part[i].err < 0) {
            err = part[i].msg ? ds__error_set(part[i].err, "%s", part[i].msg) : part[i].err;
            goto done;
        }
    if (!started)
        ds__buf_clear(&part[1].out);
    if (part[0].out.len + part[1].out.len == 0) {
        err = ds__buf_puts(out, "[]");
    } else {
        /* the parts' elements each follow a comma: not the first */
        ds__buf *first = part[0].out.len ? &part[0].out : &part[1].out;
        if ((err = ds__buf_put(out, "[", 1)) < 0 ||
            (err = ds__buf_put(out, first->ptr + 1, first->len - 1)) < 0 ||
            (first == &part[0].out &&
             (err = ds__buf_put(out, part[1].out.ptr, part[1].out.len)) < 0) ||
            (err = ds__buf_puts(out, "\n  ]")) < 0)
            goto done;
    }
    if (err < 0 || (err = snapshot_unchanged(out, w)) < 0 || (err = ds__buf_puts(out, "\n}\n")) < 0)
        goto done;
done:
    for (i = 0; i < 2; i++) {
        ds__buf_free(&part[i].out);
        free(part[i].msg);
    }
    free(tool);
    json_decref(root);
    return err;
}

/* The compressed output. libarchive's pax writer, unblocked, hands tar bytes
 * to tar_write(); they are gathered in stage[] and fed through
 * ZSTD_compressStream2() to a sink: the bundle file, or a spool holding a
 * frame made ahead of time (see write_frame()). */
typedef struct zout {
    ds_sink sink;
    const char *name;
    ZSTD_CCtx *cctx;
    unsigned char *buf; /* compressed output, ZSTD_CStreamOutSize() bytes */
    size_t cap;
    unsigned char *stage; /* tar bytes not yet given to zstd */
    size_t staged;
    uint64_t tar_bytes; /* tar bytes taken into this frame */
    uint64_t dropped;   /* end-of-archive bytes dropped by tarz_end_tar() */
    int dropping;
    atomic_int *stop; /* when set, fail: the frame is not wanted any more */
    int err;          /* DS_E code of the first failure */
} zout;

static int zout_run(zout *z, const void *data, size_t len, ZSTD_EndDirective mode)
{
    ZSTD_inBuffer in = {data, len, 0};
    for (;;) {
        ZSTD_outBuffer o = {z->buf, z->cap, 0};
        size_t left = ZSTD_compressStream2(z->cctx, &o, &in, mode);
        if (ZSTD_isError(left))
            return ds__error_set(DS_ERROR, "%s: zstd compression failed: %s", z->name,
                                 ZSTD_getErrorName(left));
        if (o.pos) {
            int err = z->sink.write(z->sink.ctx, z->buf, o.pos);
            if (err < 0)
                return err;
        }
        if (mode == ZSTD_e_continue ? in.pos == in.size : left == 0)
            return 0;
    }
}

/* Tar bytes into the frame. The output depends only on the bytes, not on
 * how they are cut into calls (no flushes before the frame's end). */
static int zout_put(zout *z, const void *data, size_t len)
{
    int err;
    z->tar_bytes += len;
    if (z->staged + len > DS__BUNDLE_BLOCK) {
        if ((err = zout_run(z, z->stage, z->staged, ZSTD_e_continue)) < 0)
            return err;
        z->staged = 0;
    }
    if (len >= DS__BUNDLE_BLOCK)
        return zout_run(z, data, len, ZSTD_e_continue);
    memcpy(z->stage + z->staged, data, len);
    z->staged += len;
    return 0;
}

/* End the frame (with an end directive of its own: zstd's multi-threaded
 * mode ends a frame differently when the last input comes with it, and
 * bundles have always been ended this way). */
static int zout_end(zout *z)
{
    int err = zout_run(z, z->stage, z->staged, ZSTD_e_continue);
    z->staged = 0;
    return err < 0 ? err : zout_run(z, NULL, 0, ZSTD_e_end);
}

static la_ssize_t tar_write(struct archive *a, void *ctx, const void *buf, size_t len)
{
    zout *z = ctx;
    int err;
    if (z->err)
        return -1;
    if (z->stop && atomic_load(z->stop)) {
        z->err = ds__error_set(DS_ERROR, "%s: stopped", z->name);
        archive_set_error(a, ECANCELED, "%s", ds_error_last());
        return -1;
    }
    if (z->dropping) {
        z->dropped += len;
        return (la_ssize_t)len;
    }
    if ((err = zout_put(z, buf, len)) < 0) {
        z->err = err;
        archive_set_error(a, EIO, "%s", ds_error_last());
        return -1;
    }
    return (la_ssize_t)len;
}

/* A sink writing to a file descriptor. */
typedef struct fd_sink {
    int fd;
    const char *name;
} fd_sink;

static int fd_sink_write(void *ctx, const void *data, size_t len)
{
    const fd_sink *f = ctx;
    return ds__write_all(f->fd, data, len, f->name);
}

/* libarchive's error, or ours when the callback failed. */
static int tar_error(struct archive *a, const zout *z, const char *what)
{
    if (z->err)
        return z->err;
    return ds__error_set(DS_ERROR, "%s: tar writer: %s: %s", z->name, what,
                         archive_error_string(a) ? archive_error_string(a) : "failed");
}

static int tar_data(struct archive *a, const zout *z, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        la_ssize_t n = archive_write_data(a, p, len);
        if (n <= 0)
            return tar_error(a, z, "data");
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* One tar writer over one zstd frame (a bundle has one, or three: see
 * ds_bundle_writer_finish()). */
typedef struct tarz {
    zout z;
    struct archive *a;
    struct archive_entry *ae;
} tarz;

static void tarz_free(tarz *t)
{
    if (t->a)
        archive_write_free(t->a);
    t->a = NULL;
    archive_entry_free(t->ae);
    t->ae = NULL;
    ZSTD_freeCCtx(t->z.cctx);
    t->z.cctx = NULL;
    free(t->z.buf);
    t->z.buf = NULL;
    free(t->z.stage);
    t->z.stage = NULL;
}

/* Start a frame into sink at the given zstd level: long-distance matching
 * over a 2^DS__BUNDLE_WINDOW_LOG window when ldm is set (the writer sets it
 * when there are HTML pages: pages of one site share their templates, 13%
 * smaller on 117 real news pages for about 10% more time; plain text gains
 * nothing, each text already sitting right before its original, and 2^25
 * keeps `zstd -d` within its default memory); with threads > 0,
 * zstd's multi-threaded mode with that many workers and a fixed job size
 * (its output does not depend on the number of workers, while it differs
 * from single-threaded mode: the writer always uses at least one). */
static int tarz_open(tarz *t, const ds_sink *sink, const char *name, int level, int ldm,
                     int threads)
{
    memset(t, 0, sizeof *t);
    t->z.sink = *sink;
    t->z.name = name;
    t->z.cap = ZSTD_CStreamOutSize();
    if (!(t->z.buf = ds__malloc(t->z.cap)) || !(t->z.stage = ds__malloc(DS__BUNDLE_BLOCK)))
        return DS_ENOMEM;
    if (!(t->z.cctx = ZSTD_createCCtx()) || !(t->a = archive_write_new()) ||
        !(t->ae = archive_entry_new()))
        return ds__error_oom();
    if (ZSTD_isError(ZSTD_CCtx_setParameter(t->z.cctx, ZSTD_c_compressionLevel, level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(t->z.cctx, ZSTD_c_checksumFlag, 1)) ||
        (ldm &&
         (ZSTD_isError(ZSTD_CCtx_setParameter(t->z.cctx, ZSTD_c_enableLongDistanceMatching, 1)) ||
          ZSTD_isError(
              ZSTD_CCtx_setParameter(t->z.cctx, ZSTD_c_windowLog, DS__BUNDLE_WINDOW_LOG)))))
        return ds__error_set(DS_ERROR, "%s: zstd rejected level %d", name, level);
    if (threads > 0 &&
        (ZSTD_isError(ZSTD_CCtx_setParameter(t->z.cctx, ZSTD_c_nbWorkers, threads)) ||
         ZSTD_isError(ZSTD_CCtx_setParameter(t->z.cctx, ZSTD_c_jobSize, DS__BUNDLE_JOB_SIZE))))
        return ds__error_set(DS_ERROR, "%s: this libzstd has no multi-threading support", name);
    /* Unblocked: every byte reaches tar_write() as it is made, so that the
     * end-of-archive blocks can be told apart (tarz_end_tar()). */
    if (archive_write_set_format_pax_restricted(t->a) != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(t->a, 0) != ARCHIVE_OK ||
        archive_write_open2(t->a, &t->z, NULL, tar_write, NULL, NULL) != ARCHIVE_OK)
        return tar_error(t->a, &t->z, "open");
    return 0;
}

/* Close the tar writer, dropping the end-of-archive blocks it writes: the
 * archive may go on in the next frame (tarz_trailer() writes them). */
static int tarz_end_tar(tarz *t)
{
    int rc;
    /* the last entry's padding first: it is part of the entries */
    if (archive_write_finish_entry(t->a) != ARCHIVE_OK)
        return tar_error(t->a, &t->z, "close");
    t->z.dropping = 1;
    rc = archive_write_close(t->a);
    t->z.dropping = 0;
    if (rc != ARCHIVE_OK)
        return tar_error(t->a, &t->z, "close");
    if (t->z.dropped != 1024)
        return ds__error_set(DS_ERROR, "%s: tar writer: ended with %llu bytes, not 1024", t->z.name,
                             (unsigned long long)t->z.dropped);
    return 0;
}

/* The end of the archive, total tar bytes into it: two zero blocks, then
 * zeros up to the next multiple of 10240 bytes past the last multiple of
 * 65536 (or to that 65536), as libarchive pads in 64 KiB blocks with a last
 * block of 10240-byte records (what the bundle format has always had, and
 * what GNU tar reads without a complaint). */
static int tarz_trailer(tarz *t, uint64_t total)
{
    static const unsigned char zeros[1024];
    uint64_t end = total + 1024, rem = end % 65536, pad = 0;
    int err;
    if (rem) {
        uint64_t target = (rem + 10239) / 10240 * 10240;
        pad = (target < 65536 ? target : 65536) - rem;
    }
    for (end = 1024 + pad; end > 0; end -= rem) {
        rem = end < sizeof zeros ? end : sizeof zeros;
        if ((err = zout_put(&t->z, zeros, (size_t)rem)) < 0)
            return err;
    }
    return 0;
}

static int read_full(int fd, void *buf, size_t len, uint64_t off, int use_pread, size_t *got)
{
    size_t done = 0;
    while (done < len) {
        ssize_t n = use_pread ? pread(fd, (char *)buf + done, len - done, (off_t)(off + done))
                              : read(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            break;
        done += (size_t)n;
    }
    *got = done;
    return 0;
}

/* Write one entry's header and data, re-hashing what is written. */
static int write_entry(struct archive *a, zout *z, const ds_bundle_writer *w, const went *e,
                       struct archive_entry *ae, unsigned char *block, ds_sha256 *sha,
                       XXH3_state_t *check)
{
    char hex[DS_SHA256_HEX_SIZE];
    uint64_t left = e->size, off = e->off;
    int fd = -1, err = 0, use_pread = 1;
    const char *what = e->display;
    struct stat st;

    archive_entry_clear(ae);
    archive_entry_set_pathname(ae, e->stored ? e->stored : e->path);
    archive_entry_set_filetype(ae, AE_IFREG);
    archive_entry_set_perm(ae, 0644);
    archive_entry_set_size(ae, (la_int64_t)e->size);
    archive_entry_set_mtime(ae, (time_t)w->time, 0);
    archive_entry_set_uid(ae, 0);
    archive_entry_set_gid(ae, 0);
    if (archive_write_header(a, ae) != ARCHIVE_OK)
        return tar_error(a, z, e->path);
    if (e->src == SRC_MEM)
        return tar_data(a, z, e->mem, (size_t)e->size);
    if (e->src == SRC_FILE) {
        fd = open(e->file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return ds__error_errno(DS_EIO, errno, e->file);
        if (fstat(fd, &st) < 0) {
            err = ds__error_errno(DS_EIO, errno, e->file);
            goto done;
        }
        if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != e->size) {
            err = ds__error_set(DS_EIO, "%s: changed while being sealed", e->file);
            goto done;
        }
        use_pread = 0;
    } else {
        fd = e->src == SRC_TEXT_SPOOL ? w->text[e->sp].fd : w->orig[e->sp].fd;
    }
    /* a file read again: its SHA-256 (it may have changed); a spool: its
     * checksum (it may be damaged) */
    if (e->src == SRC_FILE ? (err = ds_sha256_reset(sha)) < 0
                           : XXH3_64bits_reset(check) != XXH_OK && (err = ds__error_oom()) < 0)
        goto done;
    while (left > 0) {
        size_t want = left < DS__BUNDLE_BLOCK ? (size_t)left : DS__BUNDLE_BLOCK, got = 0;
        int rc = read_full(fd, block, want, off, use_pread, &got);
        if (rc < 0) {
            err = ds__error_errno(DS_EIO, -rc, e->src == SRC_FILE ? e->file : "spool file");
            goto done;
        }
        if (got < want) {
            err = ds__error_set(DS_EIO, "%s: changed while being sealed", what);
            goto done;
        }
        if ((e->src == SRC_FILE ? (err = ds_sha256_update(sha, block, got)) < 0
                                : XXH3_64bits_update(check, block, got) != XXH_OK &&
                                      (err = ds__error_oom()) < 0) ||
            (err = tar_data(a, z, block, got)) < 0)
            goto done;
        left -= got;
        off += got;
    }
    if (e->src == SRC_FILE) {
        size_t got = 0;
        if (read_full(fd, block, 1, 0, 0, &got) == 0 && got != 0) {
            err = ds__error_set(DS_EIO, "%s: changed while being sealed", what);
            goto done;
        }
    }
    if (e->src != SRC_FILE) {
        if (XXH3_64bits_digest(check) != e->check)
            err = ds__error_set(DS_EIO, "%s: spool file damaged (checksum mismatch)", what);
        goto done;
    }
    if ((err = ds_sha256_final_hex(sha, hex)) < 0)
        goto done;
    if (strcmp(hex, e->digest) != 0) {
        err = ds__error_set(DS_EIO, "%s: changed while being sealed", what);
        goto done;
    }
done:
    if (fd >= 0 && e->src == SRC_FILE)
        close(fd);
    return err;
}

/* Read an entry's bytes into memory (at most DS_BUNDLE_MAX_PATCH_SIZE), with
 * the checks write_entry() makes: a spool against its checksum, a file read
 * again against its digest. */
static int load_content(const ds_bundle_writer *w, const went *e, ds__buf *out, XXH3_state_t *check,
                        ds_sha256 *sha)
{
    char hex[DS_SHA256_HEX_SIZE];
    size_t got = 0;
    int fd = -1, err = 0, rc;
    struct stat st;

    if ((err = ds__buf_grow(out, (size_t)e->size)) < 0)
        return err;
    if (e->src == SRC_FILE) {
        fd = open(e->file, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return ds__error_errno(DS_EIO, errno, e->file);
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size != e->size) {
            err = ds__error_set(DS_EIO, "%s: changed while being sealed", e->file);
            goto done;
        }
        rc = read_full(fd, out->ptr, (size_t)e->size + 1, 0, 0, &got);
    } else {
        int sfd = e->src == SRC_TEXT_SPOOL ? w->text[e->sp].fd : w->orig[e->sp].fd;
        rc = read_full(sfd, out->ptr, (size_t)e->size, e->off, 1, &got);
    }
    if (rc < 0) {
        err = ds__error_errno(DS_EIO, -rc, e->src == SRC_FILE ? e->file : "spool file");
        goto done;
    }
    if (got != e->size) {
        err = ds__error_set(DS_EIO, "%s: changed while being sealed", e->display);
        goto done;
    }
    out->len = got;
    if (e->src == SRC_FILE) {
        if ((err = ds_sha256_reset(sha)) < 0 || (err = ds_sha256_update(sha, out->ptr, got)) < 0 ||
            (err = ds_sha256_final_hex(sha, hex)) < 0)
            goto done;
        if (strcmp(hex, e->digest) != 0)
            err = ds__error_set(DS_EIO, "%s: changed while being sealed", e->display);
    } else if (XXH3_64bits_reset(check) != XXH_OK ||
               XXH3_64bits_update(check, out->ptr, got) != XXH_OK) {
        err = ds__error_oom();
    } else if (XXH3_64bits_digest(check) != e->check) {
        err = ds__error_set(DS_EIO, "%s: spool file damaged (checksum mismatch)", e->display);
    }
done:
    if (fd >= 0)
        close(fd);
    return err;
}

/* For an entry offered a base: 1 with the patch in *patch when it is to be
 * stored as one (see ds_bundle_writer_patch() for when), 2 with the entry's
 * bytes in *content when it is stored in full from memory, 0 when it is to be
 * written as usual (too large to patch), or a negative DS_E code. A base that
 * cannot be loaded means the entry is stored in full. */
static int patch_entry(const ds_bundle_writer *w, const went *e, ds__buf *content, ds__buf *patch,
                       XXH3_state_t *check, ds_sha256 *sha)
{
    void *base = NULL;
    size_t blen = 0;
    uint64_t alone = 0;
    int err;

    if (e->size > DS_BUNDLE_MAX_PATCH_SIZE || !ds__bundle_patches_allowed(writer_format(w)))
        return 0;
    if ((err = load_content(w, e, content, check, sha)) < 0)
        return err;
    if ((err = ds__patch_load_base(&base, &blen, e->bases, e->path, e->base)) < 0) {
        if (err == DS_ENOMEM)
            return err;
        ds_error_clear(); /* no base: this revision is stored in full */
        return 2;
    }
    if ((err = ds__compressed_size(&alone, content->ptr, content->len, w->level)) < 0)
        goto done;
    /* worth it only when smaller than half of the entry compressed alone */
    err = ds__patch_make(patch, base, blen, content->ptr, content->len, w->level,
                         (size_t)(alone / 2));
    if (err == 0)
        err = 2;
done:
    free(base);
    return err;
}

/* Whether a stored original is an HTML page. */
static int any_html(const ds_bundle_writer *w)
{
    size_t i;
    for (i = 0; i < w->count; i++)
        if (stores_original(&w->docs[i]) && w->docs[i].doc->format == DS_FORMAT_HTML)
            return 1;
    return 0;
}

/* One frame of a bundle: the tar bytes of ents[0..n) (n may be 0), then,
 * when trailer is set, the end of the archive after `before` tar bytes of
 * earlier frames. *tar_bytes (when not NULL) gets the entries' tar bytes.
 * Stops early, failing, once *stop (when not NULL) is set. */
static int write_frame(const ds_bundle_writer *w, int threads, const ds_sink *sink,
                       const char *name, const went *ents, size_t n, int trailer, uint64_t before,
                       uint64_t *tar_bytes, atomic_int *stop)
{
    unsigned char *block = NULL;
    ds_sha256 *sha = NULL;
    XXH3_state_t *check = NULL;
    uint64_t entries;
    tarz t;
    size_t i;
    int err;

    if ((err = tarz_open(&t, sink, name, w->level, any_html(w), threads)) < 0)
        goto done;
    t.z.stop = stop;
    if (!(block = ds__malloc(DS__BUNDLE_BLOCK))) {
        err = DS_ENOMEM;
        goto done;
    }
    if ((err = ds_sha256_new(&sha)) < 0)
        goto done;
    if (!(check = XXH3_createState())) {
        err = ds__error_oom();
        goto done;
    }
    for (i = 0; i < n; i++) {
        if (stop && atomic_load(stop)) {
            err = ds__error_set(DS_ERROR, "%s: stopped", name);
            goto done;
        }
        if (ents[i].base) {
            /* a patch, or the entry from memory since it has been read already */
            went pe = ents[i];
            ds__buf content = DS__BUF_INIT, patch = DS__BUF_INIT;
            char stored[DS__PATH_CAP];
            int rc = patch_entry(w, &ents[i], &content, &patch, check, sha);
            if (rc < 0) {
                ds__buf_free(&content);
                ds__buf_free(&patch);
                err = rc;
                goto done;
            }
            if (rc == 1) {
                snprintf(stored, sizeof stored, "%s.from-%.64s.zst", pe.path, pe.base + 10);
                pe.stored = stored;
                pe.mem = patch.ptr;
                pe.size = patch.len;
                pe.src = SRC_MEM;
            } else if (rc == 2) {
                pe.mem = content.ptr ? content.ptr : "";
                pe.src = SRC_MEM;
            }
            err = write_entry(t.a, &t.z, w, &pe, t.ae, block, sha, check);
            ds__buf_free(&content);
            ds__buf_free(&patch);
            if (err < 0)
                goto done;
            continue;
        }
        if ((err = write_entry(t.a, &t.z, w, &ents[i], t.ae, block, sha, check)) < 0)
            goto done;
    }
    if ((err = tarz_end_tar(&t)) < 0)
        goto done;
    entries = t.z.tar_bytes;
    if ((trailer && (err = tarz_trailer(&t, before + entries)) < 0) || (err = zout_end(&t.z)) < 0)
        goto done;
    if (tar_bytes)
        *tar_bytes = entries;
done:
    tarz_free(&t);
    XXH3_freeState(check);
    ds_sha256_free(sha);
    free(block);
    return err;
}

static int archive_order(const ds_bundle_writer *w, const went *ents, size_t n, went **out);

/* The documents and originals of a large bundle, compressed as a frame of
 * their own by another thread while the head (snapshot.json, MANIFEST, its
 * signature) is made and written: into a spool until the head is in the
 * bundle file, then (body_attach()) the spool is copied there and the rest
 * of the frame goes straight after it. */
typedef struct body_job {
    const ds_bundle_writer *w;
    const went *ents; /* n entries sorted by path */
    size_t n;
    went *order; /* the same in archive order (archive_order()) */
    const char *name;
    uint64_t tar_bytes;
    atomic_int stop;
    pthread_t thread;
    int err;
    char *msg;
    pthread_mutex_t lock; /* guards what follows */
    spool out;
    int fd;              /* the bundle file once attached, else -1 */
    const char *fd_name; /* its name in messages */
    int failed;          /* a write failed: the spool may be short */
    int locked;          /* lock initialized */
} body_job;

static int body_write(void *ctx, const void *data, size_t len)
{
    body_job *b = ctx;
    int err;
    if (atomic_load(&b->stop))
        return ds__error_set(DS_ERROR, "%s: stopped", b->name);
    pthread_mutex_lock(&b->lock);
    err =
        b->fd >= 0 ? ds__write_all(b->fd, data, len, b->fd_name) : spool_write(&b->out, data, len);
    if (err < 0)
        b->failed = 1;
    pthread_mutex_unlock(&b->lock);
    return err;
}

static int body_run(body_job *b)
{
    ds_sink sink = {body_write, b};
    int err = archive_order(b->w, b->ents, b->n, &b->order);
    if (err == 0)
        err = write_frame(b->w, b->w->threads, &sink, b->name, b->order, b->n, 0, 0, &b->tar_bytes,
                          &b->stop);
    if (err == 0) {
        pthread_mutex_lock(&b->lock);
        if (b->fd < 0 && (err = spool_flush(&b->out)) < 0)
            b->failed = 1;
        pthread_mutex_unlock(&b->lock);
    }
    return err;
}

static void *body_worker(void *arg)
{
    body_job *b = arg;
    if ((b->err = body_run(b)) < 0)
        b->msg = ds__strdup(ds_error_last());
    return NULL;
}

/* Copy bytes [*off, to) of the body's spool to fd, into check. */
static int body_copy(const body_job *b, int fd, const char *name, uint64_t *off, uint64_t to,
                     unsigned char *block, XXH3_state_t *check)
{
    while (*off < to) {
        uint64_t left = to - *off;
        size_t want = left < DS__BUNDLE_BLOCK ? (size_t)left : DS__BUNDLE_BLOCK, got = 0;
        int rc = read_full(b->out.fd, block, want, *off, 1, &got), err;
        if (rc < 0)
            return ds__error_errno(DS_EIO, -rc, "spool file");
        if (got < want)
            return ds__error_set(DS_EIO, "spool file for %s: cut short", name);
        if (XXH3_64bits_update(check, block, got) != XXH_OK)
            return ds__error_oom();
        if ((err = ds__write_all(fd, block, got, name)) < 0)
            return err;
        *off += got;
    }
    return 0;
}

/* Copy what the body job has spooled to the bundle file fd (checking that
 * it comes back from the spool as written: see struct spool), and send the
 * rest of its frame there. Most of it is copied while the job goes on (the
 * spool only grows), the last part under the lock. 1 when the job failed
 * writing (its own error says why: join it), 0, or an error. */
static int body_attach(body_job *b, int fd, const char *name)
{
    unsigned char *block = ds__malloc(DS__BUNDLE_BLOCK);
    XXH3_state_t *check = XXH3_createState();
    uint64_t off = 0, to;
    int err = 0, locked = 0;

    if (!block || !check || XXH3_64bits_reset(check) != XXH_OK) {
        err = ds__error_oom();
        goto done;
    }
    for (;;) {
        pthread_mutex_lock(&b->lock);
        locked = 1;
        if (b->failed) {
            err = 1;
            goto done;
        }
        if ((err = spool_flush(&b->out)) < 0)
            goto done;
        to = b->out.flushed;
        if (to - off <= ((uint64_t)1 << 20))
            break;
        pthread_mutex_unlock(&b->lock);
        locked = 0;
        if ((err = body_copy(b, fd, name, &off, to, block, check)) < 0)
            goto done;
    }
    if ((err = body_copy(b, fd, name, &off, to, block, check)) < 0)
        goto done;
    if (XXH3_64bits_digest(check) != XXH3_64bits_digest(b->out.check)) {
        err = ds__error_set(DS_EIO, "spool file for %s: damaged (checksum mismatch)", name);
        goto done;
    }
    b->fd = fd;
    b->fd_name = name;
    spool_close(&b->out); /* all in the bundle now */
done:
    if (locked)
        pthread_mutex_unlock(&b->lock);
    XXH3_freeState(check);
    free(block);
    return err;
}

static int went_push(went **ents, size_t *n, size_t *cap, const went *e)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;
        went *g = ds__realloc(*ents, ncap * sizeof *g);
        if (!g)
            return DS_ENOMEM;
        *ents = g;
        *cap = ncap;
    }
    (*ents)[*n] = *e;
    (*ents)[*n].order = *n;
    (*n)++;
    return 0;
}

/* A text and the original it was normalized from. */
typedef struct pair {
    const char *text;     /* content hash */
    const went *original; /* its originals/ entry */
} pair;

static int pair_cmp(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int c = strcmp(x->text, y->text);
    return c ? c : strcmp(x->original->path, y->original->path);
}

/* The archive order after MANIFEST, MANIFEST.minisig and snapshot.json:
 * each normalized text in bytewise order of its content hash, each followed
 * by the originals it was made from that were not written before, then the
 * remaining originals (of unchanged documents kept for their bytes) in
 * bytewise order. A text and its original are mostly the same words, so
 * zstd finds the second within its window (sorting all texts before all
 * originals would put them a whole documents/ section apart). ents (n
 * entries, without snapshot.json) is sorted by path; *out gets the n
 * entries in archive order, owned by the caller. */
static int archive_order(const ds_bundle_writer *w, const went *ents, size_t n, went **out)
{
    pair *pairs = NULL;
    unsigned char *written = NULL;
    went *all = NULL;
    size_t np = 0, i, k = 0, p = 0;
    int err = 0;

    *out = NULL;
    if (!(all = ds__malloc((n ? n : 1) * sizeof *all)) || !(written = ds__calloc(n ? n : 1, 1)) ||
        !(pairs = ds__malloc((w->count ? w->count : 1) * sizeof *pairs))) {
        err = DS_ENOMEM;
        goto done;
    }
    for (i = 0; i < w->count; i++) {
        const wdoc *d = &w->docs[i];
        if (!stores_text(d))
            continue;
        pairs[np].text = d->doc->content_sha256;
        {
            char path[96];
            entry_path(path, "originals/", d->doc->original_sha256,
                       ds__bundle_format_ext(d->doc->format));
            if (!(pairs[np++].original = went_find(ents, n, path))) {
                err = ds__error_set(DS_ERROR, "bundle: internal error: no entry %s", path);
                goto done;
            }
        }
    }
    if (np > 1)
        qsort(pairs, np, sizeof *pairs, pair_cmp);
    for (i = 0; i < n; i++) {
        const went *e = &ents[i];
        if (strncmp(e->path, "documents/", 10) != 0)
            break; /* documents/ sorts before originals/ */
        all[k++] = *e;
        for (; p < np && strncmp(pairs[p].text, e->digest, 64) < 0; p++)
            ;
        for (; p < np && strncmp(pairs[p].text, e->digest, 64) == 0; p++) {
            size_t o = (size_t)(pairs[p].original - ents);
            if (!written[o]) {
                written[o] = 1;
                all[k++] = ents[o];
            }
        }
    }
    /* then the originals of documents stored without their text */
    for (; i < n; i++)
        if (!written[i])
            all[k++] = ents[i];
    if (k != n) {
        err = ds__error_set(DS_ERROR, "bundle: internal error: %zu of %zu entries ordered", k, n);
        goto done;
    }
    *out = all;
    all = NULL;
done:
    free(all);
    free(written);
    free(pairs);
    return err;
}

int ds_bundle_writer_finish(ds_bundle_writer *w, const char *out_path,
                            char bundle_id[DS_SHA256_HEX_SIZE], char **path_out)
{
    went *ents = NULL, *body = NULL, e, head[3];
    size_t n = 0, cap = 0, i, j;
    uint64_t total = 0, body_size = 0, head_bytes = 0;
    ds__buf manifest = DS__BUF_INIT, snap = DS__BUF_INIT;
    ds_public_key *pub = NULL;
    char created[32], key_id[DS_KEY_ID_HEX_SIZE], id[DS_SHA256_HEX_SIZE];
    char *sig = NULL, *tc = NULL, *final = NULL, *dir = NULL;
    ds__outfile of;
    int opened = 0, err = 0, split, started = 0;
    body_job job;

    memset(&job, 0, sizeof job);
    job.out.fd = -1;
    job.fd = -1;
    if (bundle_id)
        bundle_id[0] = '\0';
    if (path_out)
        *path_out = NULL;
    if (w->finished)
        return ds__error_set(DS_EUSAGE, "bundle: already finished");
    if (w->count == 0)
        return ds__error_set(DS_EUSAGE, "bundle: no documents to seal");
    w->finished = 1;
    for (i = 0; i < MAX_WORKERS; i++)
        if ((w->text[i].fd >= 0 && (err = spool_flush(&w->text[i])) < 0) ||
            (w->orig[i].fd >= 0 && (err = spool_flush(&w->orig[i])) < 0))
            goto done;

    /* stored entries */
    for (i = 0; i < w->count; i++) {
        const wdoc *d = &w->docs[i];
        if (!stores_original(d))
            continue;
        if (stores_text(d)) {
            memset(&e, 0, sizeof e);
            entry_path(e.path, "documents/", d->doc->content_sha256, "txt");
            memcpy(e.digest, d->doc->content_sha256, DS_SHA256_HEX_SIZE);
            e.size = d->doc->content_size;
            e.src = SRC_TEXT_SPOOL;
            e.check = d->text_check;
            e.sp = d->sp;
            e.off = d->text_off;
            e.display = d->display;
            e.base = d->text_base;
            e.bases = d->bases;
            if ((err = went_push(&ents, &n, &cap, &e)) < 0)
                goto done;
        }
        memset(&e, 0, sizeof e);
        entry_path(e.path, "originals/", d->doc->original_sha256,
                   ds__bundle_format_ext(d->doc->format));
        memcpy(e.digest, d->doc->original_sha256, DS_SHA256_HEX_SIZE);
        e.size = d->doc->original_size;
        e.src = d->src_path ? SRC_FILE : SRC_ORIG_SPOOL;
        e.check = d->orig_check;
        e.sp = d->sp;
        e.off = d->orig_off;
        e.file = d->src_path;
        e.display = d->display;
        e.base = d->orig_base; /* a changed document, or a kept original */
        e.bases = d->bases;
        if ((err = went_push(&ents, &n, &cap, &e)) < 0)
            goto done;
    }
    if (n > 1)
        qsort(ents, n, sizeof *ents, went_cmp);
    for (i = j = 0; i < n; i++)
        if (j == 0 || strcmp(ents[j - 1].path, ents[i].path) != 0)
            ents[j++] = ents[i];
    n = j;
    if (n + 3 > DS_BUNDLE_MAX_ENTRIES) {
        err = ds__error_set(DS_ELIMIT, "bundle: more than %u entries", DS_BUNDLE_MAX_ENTRIES);
        goto done;
    }
    for (i = 0; i < n; i++) {
        total += ents[i].size;
        /* (an entry offered a base is likely a small patch: not counted) */
        if (!ents[i].base || ents[i].size > DS_BUNDLE_MAX_PATCH_SIZE)
            body_size += ents[i].size;
    }
    /* (each entry is under 16 GiB, so this sum cannot wrap) */
    if (total > DS_BUNDLE_MAX_TOTAL_SIZE - DS_BUNDLE_MAX_METADATA_SIZE * 3) {
        err = ds__error_set(DS_ELIMIT,
                            "bundle: the entries would exceed the total limit of %llu bytes",
                            (unsigned long long)DS_BUNDLE_MAX_TOTAL_SIZE);
        goto done;
    }

    /* Documents and originals: in a large bundle, compressed as a frame of
     * their own by another thread from here on, while the head is made
     * (the two would otherwise take turns: the head keeps about one core
     * busy, zstd two). The tar stream is the same either way; a frame
     * cannot refer back to the one before it, which costs nothing here
     * (the head is further back than the level's window) but would cost
     * the cross references of a small bundle's few entries. */
    split = body_size >= DS__BUNDLE_SPLIT_MIN;
    if (split) {
        job.w = w;
        job.ents = ents; /* read only from here on */
        job.n = n;
        /* (the file's name waits for the bundle id: the head's) */
        job.name = out_path ? out_path : "bundle";
        if (pthread_mutex_init(&job.lock, NULL) != 0) {
            err = ds__error_set(DS_ERROR, "bundle: cannot create a mutex");
            goto done;
        }
        job.locked = 1;
        if ((err = spool_open(&job.out, w->out_dir, ".docseal-spool-body")) < 0)
            goto done;
        if (XXH3_64bits_reset(job.out.check) != XXH_OK) {
            err = ds__error_oom();
            goto done;
        }
        /* without a thread, the same frame is made below */
        started = pthread_create(&job.thread, NULL, body_worker, &job) == 0;
    }

    /* snapshot.json (its entry pointers need the sorted list) */
    ds__format_time(created, w->time);
    if ((err = ds_secret_key_public(&pub, w->key)) < 0)
        goto done;
    ds_public_key_id(pub, key_id);
    if ((err = snapshot_json(&snap, w, ents, n, created, key_id)) < 0)
        goto done;
    if (snap.len > DS_BUNDLE_MAX_METADATA_SIZE) {
        err = ds__error_set(DS_ELIMIT, "bundle: snapshot.json would exceed %llu bytes",
                            (unsigned long long)DS_BUNDLE_MAX_METADATA_SIZE);
        goto done;
    }
    memset(head, 0, sizeof head);
    strcpy(head[2].path, "snapshot.json");
    if ((err = ds_sha256_hex(head[2].digest, snap.ptr, snap.len)) < 0)
        goto done;
    head[2].size = snap.len;
    head[2].src = SRC_MEM;
    head[2].mem = snap.ptr;
    head[2].display = "snapshot.json";

    /* MANIFEST (snapshot.json sorts last), bundle id, signature */
    for (i = 0; i <= n; i++) {
        const went *m = i < n ? &ents[i] : &head[2];
        if ((err = ds__buf_put(&manifest, m->digest, 64)) < 0 ||
            (err = ds__buf_put(&manifest, "  ", 2)) < 0 ||
            (err = ds__buf_puts(&manifest, m->path)) < 0 ||
            (err = ds__buf_putc(&manifest, '\n')) < 0)
            goto done;
    }
    if (manifest.len > DS_BUNDLE_MAX_METADATA_SIZE) {
        err = ds__error_set(DS_ELIMIT, "bundle: MANIFEST would exceed %llu bytes",
                            (unsigned long long)DS_BUNDLE_MAX_METADATA_SIZE);
        goto done;
    }
    if ((err = ds_sha256_hex(id, manifest.ptr, manifest.len)) < 0)
        goto done;
    if (!(tc = ds__asprintf(DS__BUNDLE_TC_PREFIX "time:%s bundle:%s", created, id))) {
        err = DS_ENOMEM;
        goto done;
    }
    if ((err = ds_minisig_sign(&sig, w->key, manifest.ptr, manifest.len, tc, NULL)) < 0)
        goto done;

    /* the file */
    if (out_path)
        final = ds__strdup(out_path);
    else if (w->out_dir_given)
        final = ds__asprintf("%s/%s.tar.zst", w->out_dir, id);
    else
        final = ds__asprintf("%s.tar.zst", id);
    if (!final || !(dir = ds__dirname(final))) {
        err = DS_ENOMEM;
        goto done;
    }
    if ((err = ds__outfile_open(&of, final, dir, 0644)) < 0)
        goto done;
    opened = 1;
    strcpy(head[0].path, "MANIFEST");
    head[0].size = manifest.len;
    head[0].mem = manifest.ptr;
    strcpy(head[1].path, "MANIFEST.minisig");
    head[1].size = strlen(sig);
    head[1].mem = sig;
    head[0].src = head[1].src = SRC_MEM;
    {
        fd_sink fs = {of.fd, final};
        ds_sink sink = {fd_sink_write, &fs};
        if (!split) {
            went *all = NULL;
            if ((err = archive_order(w, ents, n, &body)) < 0 ||
                !(all = ds__malloc((n + 3) * sizeof *all))) {
                err = err < 0 ? err : DS_ENOMEM;
                goto done;
            }
            memcpy(all, head, sizeof head);
            if (n)
                memcpy(all + 3, body, n * sizeof *all);
            err = write_frame(w, w->threads, &sink, final, all, n + 3, 1, 0, NULL, NULL);
            free(all);
            if (err < 0)
                goto done;
        } else {
            if (w->head_delay_ms) {
                struct timespec ts = {(time_t)(w->head_delay_ms / 1000),
                                      (long)(w->head_delay_ms % 1000) * 1000000L};
                while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
                    ;
            }
            if ((err = write_frame(w, 0, &sink, final, head, 3, 0, 0, &head_bytes, NULL)) < 0 ||
                (err = body_attach(&job, of.fd, final)) < 0)
                goto done;
            /* (1: the body failed, as its job's error says) */
            if (started) {
                pthread_join(job.thread, NULL);
                started = 0;
            } else if (err == 0) {
                job.err = body_run(&job); /* no thread: straight to the file */
                job.msg = job.err < 0 ? ds__strdup(ds_error_last()) : NULL;
            }
            if (job.err < 0 && job.msg) {
                err = ds__error_set(job.err, "%s", job.msg);
                goto done;
            }
            if (job.err < 0 || err == 1) { /* (no memory for the message) */
                err = ds__error_set(job.err < 0 ? job.err : DS_ERROR,
                                    "%s: writing the documents and originals failed", final);
                goto done;
            }
            if ((err = write_frame(w, 0, &sink, final, NULL, 0, 1, head_bytes + job.tar_bytes, NULL,
                                   NULL)) < 0)
                goto done;
        }
    }
    /* the disk starts on the bundle while the spools (all read now) are
     * released: the kernel's freeing of their pages and the commit's fsync
     * then take less time together */
    ds__outfile_start_writeback(&of);
    for (i = 0; i < MAX_WORKERS; i++) {
        spool_close(&w->text[i]);
        spool_close(&w->orig[i]);
    }
    spool_close(&job.out);
    opened = 0; /* committed or discarded */
    if ((err = ds__outfile_commit(&of, final, dir, final)) < 0)
        goto done;
    if (bundle_id)
        memcpy(bundle_id, id, DS_SHA256_HEX_SIZE);
    if (path_out) {
        *path_out = final;
        final = NULL;
    }
done:
    if (started) {
        atomic_store(&job.stop, 1);
        pthread_join(job.thread, NULL);
    }
    free(job.msg);
    spool_close(&job.out);
    if (job.locked)
        pthread_mutex_destroy(&job.lock);
    free(job.order);
    free(body);
    if (opened)
        ds__outfile_discard(&of);
    free(final);
    free(dir);
    free(tc);
    free(sig);
    free(ents);
    ds_public_key_free(pub);
    ds__buf_free(&manifest);
    ds__buf_free(&snap);
    return err;
}

/* ------------------------------------------------------------------------ */
/* Export: a standalone copy with every patch entry expanded                  */

typedef struct export_sink {
    struct archive *a;
    const zout *z;
    ds_sha256 *sha; /* or NULL */
} export_sink;

static int export_write(void *ctx, const void *buf, size_t len)
{
    export_sink *s = ctx;
    int err;
    if (s->sha && (err = ds_sha256_update(s->sha, buf, len)) < 0)
        return err;
    return tar_data(s->a, s->z, buf, len);
}

static int export_header(struct archive *a, const zout *z, struct archive_entry *ae,
                         const char *path, uint64_t size, int64_t time)
{
    archive_entry_clear(ae);
    archive_entry_set_pathname(ae, path);
    archive_entry_set_filetype(ae, AE_IFREG);
    archive_entry_set_perm(ae, 0644);
    archive_entry_set_size(ae, (la_int64_t)size);
    archive_entry_set_mtime(ae, (time_t)time, 0);
    archive_entry_set_uid(ae, 0);
    archive_entry_set_gid(ae, 0);
    if (archive_write_header(a, ae) != ARCHIVE_OK)
        return tar_error(a, z, path);
    return 0;
}

static int export_entries(const char *path, int fd, const char *name, const ds_bundle_info *info,
                          const ds_bundle_base_provider *bases)
{
    fd_sink fs = {fd, name};
    ds_sink out = {fd_sink_write, &fs};
    ds_bundle_reader *r = NULL;
    ds_bundle_entry e;
    ds_sha256 *sha = NULL;
    ds__buf exp = DS__BUF_INIT;
    tarz t;
    size_t i;
    int err = 0, rc, html = 0;

    for (i = 0; i < info->doc_count; i++)
        html |= info->docs[i].original_entry && strcmp(info->docs[i].format, "html") == 0;
    /* as the writer does, in one frame and zstd's single-threaded mode */
    if ((err = tarz_open(&t, &out, name, DS_BUNDLE_DEFAULT_LEVEL, html, 0)) < 0 ||
        (err = ds_sha256_new(&sha)) < 0)
        goto done;
    if ((err = ds_bundle_reader_open(&r, path, NULL)) < 0)
        goto done;
    while ((rc = ds_bundle_reader_next(r, &e)) == 1) {
        char target[DS__PATH_CAP], base[DS__PATH_CAP];
        ds__entry_kind k;
        if (e.problem) {
            char *q = ds__bundle_quote(e.path);
            err = ds__error_set(DS_EINVALID, "%s: %s: %s", path, q ? q : "?", e.problem);
            free(q);
            goto done;
        }
        if (ds_bundle_patch_path_split(e.path, target, base)) {
            ds__buf_clear(&exp);
            if ((err = ds__bundle_expand_current(&exp, r, target, base, bases)) < 0) {
                if (err != DS_ENOMEM)
                    err = ds__error_set(err, "%s: %s", path, ds_error_last());
                goto done;
            }
            if ((err = export_header(t.a, &t.z, t.ae, target, exp.len, info->snapshot_time)) < 0 ||
                (err = tar_data(t.a, &t.z, exp.ptr ? exp.ptr : "", exp.len)) < 0)
                goto done;
            continue;
        }
        k = ds__bundle_entry_kind(e.path);
        {
            export_sink es = {t.a, &t.z, NULL};
            ds_sink sink = {export_write, &es};
            char hex[DS_SHA256_HEX_SIZE];
            int named = k == DS__ENTRY_DOCUMENT || k == DS__ENTRY_ORIGINAL;
            if (named) {
                if ((err = ds_sha256_reset(sha)) < 0)
                    goto done;
                es.sha = sha;
            }
            if ((err = export_header(t.a, &t.z, t.ae, e.path, e.size, info->snapshot_time)) < 0 ||
                (err = ds_bundle_reader_stream(r, &sink)) < 0)
                goto done;
            if (named) {
                if ((err = ds_sha256_final_hex(sha, hex)) < 0)
                    goto done;
                if (memcmp(hex, e.path + 10, 64) != 0) {
                    err = ds__error_set(DS_EINTEGRITY,
                                        "%s: %s: content does not match its digest (it hashes "
                                        "to %s): the bundle is damaged",
                                        path, e.path, hex);
                    goto done;
                }
            }
        }
    }
    if (rc < 0) {
        err = rc;
        goto done;
    }
    if ((err = ds_bundle_reader_finish(r)) < 0)
        goto done;
    if ((err = tarz_end_tar(&t)) < 0 || (err = tarz_trailer(&t, t.z.tar_bytes)) < 0)
        goto done;
    err = zout_end(&t.z);
done:
    ds_bundle_reader_free(r);
    tarz_free(&t);
    ds_sha256_free(sha);
    ds__buf_free(&exp);
    return err;
}

int ds__bundle_write_out(const char *path, const char *out_path,
                         int (*fill)(void *ctx, int fd, const char *name), void *ctx)
{
    ds__outfile of;
    char *dir = NULL;
    int opened = 0, err;
    struct stat a, b;

    /* never over the bundle itself (a vault's thin bundle would change its
     * bytes, which the manifest records) */
    if (strcmp(out_path, "-") != 0 && stat(path, &a) == 0 && stat(out_path, &b) == 0 &&
        a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return ds__error_set(DS_EINVALID, "%s: is the bundle being exported; choose another file",
                             out_path);
    if (strcmp(out_path, "-") == 0)
        return fill(ctx, STDOUT_FILENO, "standard output");
    if (!(dir = ds__dirname(out_path)))
        return DS_ENOMEM;
    if ((err = ds__outfile_open(&of, out_path, dir, 0644)) < 0)
        goto done;
    opened = 1;
    if ((err = fill(ctx, of.fd, out_path)) < 0)
        goto done;
    opened = 0;
    err = ds__outfile_commit(&of, out_path, dir, out_path);
done:
    if (opened)
        ds__outfile_discard(&of);
    free(dir);
    return err;
}

typedef struct export_ctx {
    const char *path;
    const ds_bundle_info *info;
    const ds_bundle_base_provider *bases;
} export_ctx;

static int export_fill(void *ctx, int fd, const char *name)
{
    const export_ctx *x = ctx;
    return export_entries(x->path, fd, name, x->info, x->bases);
}

int ds_bundle_export(const char *path, const char *out_path, const ds_bundle_base_provider *bases)
{
    ds_bundle_info *info = NULL;
    export_ctx x;
    int err;

    if ((err = ds_bundle_read_info(&info, path)) < 0)
        return err;
    x.path = path;
    x.info = info;
    x.bases = bases;
    err = ds__bundle_write_out(path, out_path, export_fill, &x);
    ds_bundle_info_free(info);
    return err;
}
