/* hash.c - SHA-256 through OpenSSL EVP. */
#include "docseal/hash.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct ds_sha256 {
    EVP_MD_CTX *md;
};

int ds_sha256_new(ds_sha256 **out)
{
    ds_sha256 *c = ds__calloc(1, sizeof *c);
    *out = NULL;
    if (!c)
        return DS_ENOMEM;
    c->md = EVP_MD_CTX_new();
    if (!c->md || EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1) {
        ds_sha256_free(c);
        return ds__error_set(DS_ERROR, "sha256: OpenSSL could not start a digest");
    }
    *out = c;
    return 0;
}

int ds_sha256_update(ds_sha256 *c, const void *data, size_t len)
{
    if (len && EVP_DigestUpdate(c->md, data, len) != 1)
        return ds__error_set(DS_ERROR, "sha256: digest update failed");
    return 0;
}

int ds_sha256_final(ds_sha256 *c, unsigned char digest[32])
{
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(c->md, digest, &n) != 1 || n != 32)
        return ds__error_set(DS_ERROR, "sha256: digest finalization failed");
    return 0;
}

int ds_sha256_final_hex(ds_sha256 *c, char hex[DS_SHA256_HEX_SIZE])
{
    unsigned char d[32];
    int err = ds_sha256_final(c, d);
    if (err < 0)
        return err;
    ds__hex(hex, d, 32);
    return 0;
}

int ds_sha256_reset(ds_sha256 *c)
{
    if (EVP_DigestInit_ex(c->md, EVP_sha256(), NULL) != 1)
        return ds__error_set(DS_ERROR, "sha256: digest reset failed");
    return 0;
}

void ds_sha256_free(ds_sha256 *c)
{
    if (!c)
        return;
    EVP_MD_CTX_free(c->md);
    free(c);
}

int ds_sha256_hex(char hex[DS_SHA256_HEX_SIZE], const void *data, size_t len)
{
    unsigned char d[32];
    unsigned int n = 0;
    if (EVP_Digest(data, len, d, &n, EVP_sha256(), NULL) != 1 || n != 32)
        return ds__error_set(DS_ERROR, "sha256: digest failed");
    ds__hex(hex, d, 32);
    return 0;
}

int ds_sha256_sink_write(void *ctx, const void *data, size_t len)
{
    return ds_sha256_update((ds_sha256 *)ctx, data, len);
}

int ds_sha256_file(char hex[DS_SHA256_HEX_SIZE], const char *path, uint64_t *size_out)
{
    ds_sha256 *c = NULL;
    unsigned char *buf = NULL;
    uint64_t total = 0;
    int fd = 0, err;
    struct stat st;
    const char *name = ds__display_name(path);

    if (strcmp(path, "-") != 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return ds__error_errno(errno == ENOENT ? DS_ENOTFOUND : DS_EIO, errno, path);
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        err = ds__error_set(DS_EINVALID, "%s: is a directory", name);
        goto done;
    }
    if ((err = ds_sha256_new(&c)) < 0)
        goto done;
    if (!(buf = ds__malloc(1 << 17))) {
        err = DS_ENOMEM;
        goto done;
    }
    for (;;) {
        ssize_t n = read(fd, buf, 1 << 17);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            err = ds__error_errno(DS_EIO, errno, name);
            goto done;
        }
        if (n == 0)
            break;
        total += (uint64_t)n;
        if ((err = ds_sha256_update(c, buf, (size_t)n)) < 0)
            goto done;
    }
    if ((err = ds_sha256_final_hex(c, hex)) < 0)
        goto done;
    if (size_out)
        *size_out = total;
done:
    if (fd > 0)
        close(fd);
    free(buf);
    ds_sha256_free(c);
    return err;
}
