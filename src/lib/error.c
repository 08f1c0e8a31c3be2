/* error.c - thread-local last-error message. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { DS__ERRMSG_MAX = 1024 };

static _Thread_local char ds__errmsg[DS__ERRMSG_MAX];
static _Thread_local int ds__errcode;

const char *ds_error_last(void)
{
    return ds__errmsg;
}

int ds_error_last_code(void)
{
    return ds__errcode;
}

void ds_error_clear(void)
{
    ds__errmsg[0] = '\0';
    ds__errcode = DS_OK;
}

int ds__error_set(int code, const char *fmt, ...)
{
    char tmp[DS__ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap); /* tmp: fmt may name the old message */
    va_end(ap);
    memcpy(ds__errmsg, tmp, sizeof tmp);
    ds__errcode = code;
    return code;
}

int ds__error_errno(int code, int errnum, const char *what)
{
    return ds__error_set(code, "%s: %s", what, strerror(errnum));
}

int ds__error_oom(void)
{
    return ds__error_set(DS_ENOMEM, "out of memory");
}

const char *ds_status_name(int code)
{
    switch (code) {
    case DS_OK: return "DS_OK";
    case DS_ERROR: return "DS_ERROR";
    case DS_ENOTFOUND: return "DS_ENOTFOUND";
    case DS_EEXISTS: return "DS_EEXISTS";
    case DS_EINVALID: return "DS_EINVALID";
    case DS_EIO: return "DS_EIO";
    case DS_ENOMEM: return "DS_ENOMEM";
    case DS_EINTEGRITY: return "DS_EINTEGRITY";
    case DS_EUSAGE: return "DS_EUSAGE";
    case DS_EPERM: return "DS_EPERM";
    case DS_EBUSY: return "DS_EBUSY";
    case DS_EUNSUPPORTED: return "DS_EUNSUPPORTED";
    case DS_ELIMIT: return "DS_ELIMIT";
    default: return "DS_?";
    }
}
