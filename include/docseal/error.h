/*
 * docseal/error.h - status codes and the last-error message.
 *
 * Every fallible function in libdocseal returns an int: 0 (DS_OK) on success
 * or one of the negative ds_status codes below, and records a one-line
 * message that ds_error_last() returns. The message has the shape
 * "<what failed>: <why>" (for example "article.txt: invalid UTF-8 at byte
 * offset 1234"), so a tool can print it as "docseal: <message>".
 *
 * The message is thread-local: each thread sees the message of the last
 * failing call it made. There is no other global state.
 */
#ifndef DOCSEAL_ERROR_H
#define DOCSEAL_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/** Status codes. Functions return 0 or one of the negative values. */
typedef enum ds_status {
    DS_OK = 0,
    DS_ERROR = -1,        /**< unclassified failure (library bug, OpenSSL internal error) */
    DS_ENOTFOUND = -2,    /**< a file, key, document, revision or entry does not exist */
    DS_EEXISTS = -3,      /**< the target already exists and overwriting was not asked for */
    DS_EINVALID = -4,     /**< malformed input: bad UTF-8, bad format, bad argument */
    DS_EIO = -5,          /**< an operating-system read, write, fsync or rename failed */
    DS_ENOMEM = -6,       /**< an allocation failed */
    DS_EINTEGRITY = -7,   /**< a digest, signature or chain check failed (a negative result) */
    DS_EUSAGE = -8,       /**< the caller passed arguments that make no sense together */
    DS_EPERM = -9,        /**< refused for safety (e.g. a secret key readable by others) */
    DS_EBUSY = -10,       /**< a lock could not be taken */
    DS_EUNSUPPORTED = -11, /**< a format version or algorithm this build does not know */
    DS_ELIMIT = -12       /**< input exceeds a documented limit (size, count, depth) */
} ds_status;

/**
 * The message of the last failure in this thread.
 *
 * @return a NUL-terminated string, never NULL ("" when no error was
 *         recorded). Ownership: borrowed; valid until the next libdocseal
 *         call in the same thread.
 */
const char *ds_error_last(void);

/**
 * The status code of the last failure in this thread (DS_OK when none).
 */
int ds_error_last_code(void);

/** Forget the last error of this thread. */
void ds_error_clear(void);

/**
 * A short constant name for a status code ("DS_EINVALID", ...).
 * @return a static string; "DS_?" for unknown codes.
 */
const char *ds_status_name(int code);

#ifdef __cplusplus
}
#endif
#endif
