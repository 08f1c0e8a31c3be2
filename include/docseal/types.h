/*
 * docseal/types.h - small types shared by several modules.
 */
#ifndef DOCSEAL_TYPES_H
#define DOCSEAL_TYPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Size of a lowercase hex SHA-256 digest string including its NUL. */
#define DS_SHA256_HEX_SIZE 65

/**
 * A byte sink: write(ctx, buf, len) must consume all len bytes and return 0,
 * or return a negative DS_E code (and set the last error) to stop the producer,
 * which then returns that code unchanged.
 */
typedef int (*ds_write_fn)(void *ctx, const void *buf, size_t len);
typedef struct ds_sink {
    ds_write_fn write;
    void *ctx;
} ds_sink;

#ifdef __cplusplus
}
#endif
#endif
