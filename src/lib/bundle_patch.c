/*
 * bundle_patch.c - patch entries: zstd frames made and expanded with a base
 * as prefix (ZSTD_CCtx_refPrefix / ZSTD_DCtx_refPrefix), the same frames
 * `zstd --patch-from=BASE` makes and `zstd -d --patch-from=BASE` expands.
 * See PATCH ENTRIES in docseal-formats(5).
 */
#include "bundle_internal.h"
#include "docseal/hash.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

int ds__bundle_patches_allowed(int format_version)
{
    /* patch entries belong to bundle format 2 (docseal-formats(5)) */
    return format_version >= 2;
}

int ds_bundle_patch_path_split(const char *path, char *target, char *base)
{
    size_t n;
    ds__entry_kind k;
    const char *from;
    char t[DS__PATH_CAP], b[DS__PATH_CAP];

    if (!path || (n = strlen(path)) > DS_BUNDLE_MAX_PATH)
        return 0;
    k = ds__bundle_entry_kind(path);
    if (k != DS__ENTRY_DOCUMENT_PATCH && k != DS__ENTRY_ORIGINAL_PATCH)
        return 0;
    /* "<target>.from-<64 hex>.zst": the kind checked the shape */
    from = path + n - (6 + 64 + 4);
    memcpy(t, path, (size_t)(from - path));
    t[from - path] = '\0';
    /* the base: the target's directory, the base digest, the target's extension */
    memcpy(b, path, 10);
    memcpy(b + 10, from + 6, 64);
    strcpy(b + 74, t + 74);
    if (target)
        strcpy(target, t);
    if (base)
        strcpy(base, b);
    return 1;
}

int ds__patch_no_base_error(const char *target, const char *base)
{
    return ds__error_set(DS_ENOTFOUND,
                         "%s is stored as a patch against %s, which is in another bundle of the "
                         "vault: verify the vault, or docseal export the bundle",
                         target, base);
}

typedef struct limited {
    ds__buf *b;
    uint64_t max;
} limited;

int ds__patch_load_base(void **data, size_t *len, const ds_bundle_base_provider *bases,
                        const char *target, const char *base)
{
    void *d = NULL;
    size_t n = 0;
    char hex[DS_SHA256_HEX_SIZE];
    int err;

    *data = NULL;
    *len = 0;
    if (!bases || !bases->load)
        return ds__patch_no_base_error(target, base);
    if ((err = bases->load(bases->ctx, base, &d, &n)) < 0) {
        if (err == DS_ENOMEM)
            return err;
        return ds__error_set(err, "%s is stored as a patch against %s: %s", target, base,
                             ds_error_last());
    }
    if (n > DS_BUNDLE_MAX_PATCH_SIZE) {
        free(d);
        return ds__error_set(DS_ELIMIT,
                             "%s is stored as a patch against %s, which is larger than %llu "
                             "bytes",
                             target, base, (unsigned long long)DS_BUNDLE_MAX_PATCH_SIZE);
    }
    if ((err = ds_sha256_hex(hex, d ? d : "", n)) < 0) {
        free(d);
        return err;
    }
    if (memcmp(hex, base + 10, 64) != 0) {
        free(d);
        return ds__error_set(DS_EINTEGRITY,
                             "%s is stored as a patch against %s, but the base found hashes to %s",
                             target, base, hex);
    }
    *data = d;
    *len = n;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Expanding                                                                  */

/* The longest zstd frame header (magic included). */
#define HEADER_MAX 18

struct ds__patch_dec {
    ZSTD_DCtx *dctx;
    const ds_sink *sink;
    unsigned char *obuf;
    size_t ocap;
    unsigned char head[HEADER_MAX];
    size_t head_len;
    uint64_t produced;
    int frame_done;
};

int ds__patch_dec_new(ds__patch_dec **out, const void *base, size_t base_len, const ds_sink *sink)
{
    ds__patch_dec *p;
    *out = NULL;
    if (!(p = ds__calloc(1, sizeof *p)))
        return DS_ENOMEM;
    p->sink = sink;
    p->ocap = ZSTD_DStreamOutSize();
    if (!(p->obuf = ds__malloc(p->ocap)) || !(p->dctx = ZSTD_createDCtx())) {
        ds__patch_dec_free(p);
        return ds__error_oom();
    }
    if (ZSTD_isError(
            ZSTD_DCtx_setParameter(p->dctx, ZSTD_d_windowLogMax, (int)DS_BUNDLE_MAX_WINDOW_LOG)) ||
        ZSTD_isError(ZSTD_DCtx_refPrefix(p->dctx, base_len ? base : "", base_len))) {
        ds__patch_dec_free(p);
        return ds__error_set(DS_ERROR, "zstd: cannot use the base as prefix");
    }
    *out = p;
    return 0;
}

/* One decoding step from in into o, passed on to the sink, counted against
 * the limit; sets frame_done at the frame's end. */
static int patch_dec_step(ds__patch_dec *p, ZSTD_outBuffer *o, ZSTD_inBuffer *in)
{
    size_t ret = ZSTD_decompressStream(p->dctx, o, in);
    int err;
    if (ZSTD_isError(ret))
        return ds__error_set(DS_EINTEGRITY, "the patch does not expand: zstd: %s",
                             ZSTD_getErrorName(ret));
    if (o->pos) {
        p->produced += o->pos;
        if (p->produced > DS_BUNDLE_MAX_PATCH_SIZE)
            return ds__error_set(DS_ELIMIT, "the patch expands to more than %llu bytes",
                                 (unsigned long long)DS_BUNDLE_MAX_PATCH_SIZE);
        if ((err = p->sink->write(p->sink->ctx, p->obuf, o->pos)) < 0)
            return err;
    }
    if (ret == 0)
        p->frame_done = 1;
    return 0;
}

int ds__patch_dec_write(void *ctx, const void *buf, size_t len)
{
    ds__patch_dec *p = ctx;
    ZSTD_inBuffer in = {buf, len, 0};
    int err;

    if (p->head_len < HEADER_MAX) {
        size_t k = HEADER_MAX - p->head_len < len ? HEADER_MAX - p->head_len : len;
        memcpy(p->head + p->head_len, buf, k);
        p->head_len += k;
    }
    while (in.pos < in.size) {
        ZSTD_outBuffer o = {p->obuf, p->ocap, 0};
        if (p->frame_done)
            return ds__error_set(DS_EINTEGRITY, "data after the patch's zstd frame");
        if ((err = patch_dec_step(p, &o, &in)) < 0)
            return err;
        if (!p->frame_done && in.pos == in.size && o.pos < o.size)
            break;
    }
    /* flush what the decoder still holds for this input */
    while (!p->frame_done) {
        ZSTD_outBuffer o = {p->obuf, p->ocap, 0};
        ZSTD_inBuffer none = {NULL, 0, 0};
        if ((err = patch_dec_step(p, &o, &none)) < 0)
            return err;
        if (o.pos < o.size)
            break;
    }
    return 0;
}

int ds__patch_dec_end(ds__patch_dec *p)
{
    static const unsigned char magic[4] = {0x28, 0xb5, 0x2f, 0xfd};
    unsigned long long size;
    if (!p->frame_done)
        return ds__error_set(DS_EINTEGRITY, "the patch's zstd frame is truncated");
    if (p->head_len < 5 || memcmp(p->head, magic, 4) != 0)
        return ds__error_set(DS_EINTEGRITY, "the patch is not a zstd frame");
    size = ZSTD_getFrameContentSize(p->head, p->head_len);
    /* Frame_Header_Descriptor bit 2: Content_Checksum_flag (RFC 8878 3.1.1.1.1) */
    if (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR || !(p->head[4] & 0x04))
        return ds__error_set(DS_EINTEGRITY,
                             "the patch's zstd frame lacks its content size or checksum");
    if (size != p->produced)
        return ds__error_set(DS_EINTEGRITY, "the patch expands to %llu bytes, not %llu",
                             (unsigned long long)p->produced, size);
    return 0;
}

uint64_t ds__patch_dec_size(const ds__patch_dec *p)
{
    return p->produced;
}

void ds__patch_dec_free(ds__patch_dec *p)
{
    if (!p)
        return;
    ZSTD_freeDCtx(p->dctx);
    free(p->obuf);
    free(p);
}

/* ------------------------------------------------------------------------ */
/* Making                                                                     */

/* log2 of the smallest power of two >= n, at least 2^10. */
static int window_log(uint64_t n)
{
    int l = 10; /* ZSTD_WINDOWLOG_MIN */
    while (l < 62 && ((uint64_t)1 << l) < n)
        l++;
    return l;
}

int ds__patch_make(ds__buf *out, const void *base, size_t base_len, const void *content,
                   size_t content_len, int level, size_t limit)
{
    ZSTD_CCtx *c = NULL;
    size_t r;
    int err = 0;

    ds__buf_clear(out);
    if (limit == 0)
        return 0;
    if ((err = ds__buf_grow(out, limit)) < 0)
        return err;
    if (!(c = ZSTD_createCCtx()))
        return ds__error_oom();
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog,
                                            window_log((uint64_t)base_len + content_len))) ||
        /* long-distance matching, as zstd --patch-from: without it the level's
         * own tables see little of a base of megabytes (nothing to decode) */
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_enableLongDistanceMatching, 1)) ||
        ZSTD_isError(ZSTD_CCtx_refPrefix(c, base_len ? base : "", base_len))) {
        err = ds__error_set(DS_ERROR, "zstd: cannot set up a patch at level %d", level);
        goto done;
    }
    r = ZSTD_compress2(c, out->ptr, limit, content_len ? content : "", content_len);
    if (ZSTD_isError(r)) {
        if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
            goto done; /* not smaller than limit */
        err = ds__error_set(DS_ERROR, "zstd: patch failed: %s", ZSTD_getErrorName(r));
        goto done;
    }
    if (r >= limit)
        goto done;
    out->len = r;
    /* expand it again before it is stored in place of the content: what is
     * signed is the content, so a patch that did not give it back would lose it */
    {
        ZSTD_DCtx *d = ZSTD_createDCtx();
        unsigned char *back = ds__malloc(content_len ? content_len : 1);
        size_t got = 0;
        if (!d || !back) {
            ZSTD_freeDCtx(d);
            free(back);
            err = ds__error_oom();
            goto done;
        }
        if (!ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27)) &&
            !ZSTD_isError(ZSTD_DCtx_refPrefix(d, base_len ? base : "", base_len)))
            got = ZSTD_decompressDCtx(d, back, content_len ? content_len : 1, out->ptr, r);
        if (ZSTD_isError(got) || got != content_len ||
            (content_len && memcmp(back, content, content_len) != 0))
            err = ds__error_set(DS_ERROR, "zstd: a patch does not expand back to its content");
        else
            err = 1;
        ZSTD_freeDCtx(d);
        free(back);
    }
done:
    ZSTD_freeCCtx(c);
    return err;
}

int ds__compressed_size(uint64_t *out, const void *content, size_t len, int level)
{
    ZSTD_CCtx *c = NULL;
    unsigned char *buf = NULL;
    size_t cap = ZSTD_CStreamOutSize();
    ZSTD_inBuffer in = {len ? content : "", len, 0};
    uint64_t total = 0;
    int err = 0;

    *out = 0;
    if (!(buf = ds__malloc(cap)))
        return DS_ENOMEM;
    if (!(c = ZSTD_createCCtx())) {
        err = ds__error_oom();
        goto done;
    }
    if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)) ||
        ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(c, len))) {
        err = ds__error_set(DS_ERROR, "zstd: cannot compress at level %d", level);
        goto done;
    }
    for (;;) {
        ZSTD_outBuffer o = {buf, cap, 0};
        size_t left = ZSTD_compressStream2(c, &o, &in, ZSTD_e_end);
        if (ZSTD_isError(left)) {
            err = ds__error_set(DS_ERROR, "zstd: %s", ZSTD_getErrorName(left));
            goto done;
        }
        total += o.pos;
        if (left == 0)
            break;
    }
    *out = total;
done:
    ZSTD_freeCCtx(c);
    free(buf);
    return err;
}
