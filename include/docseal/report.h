/*
 * docseal/report.h - structured verification reports.
 *
 * A report is an ordered list of named checks, each with a result, the
 * entry or file it concerns and a human-readable detail. Bundle and vault
 * verification both produce one; the tool prints it as text or JSON.
 */
#ifndef DOCSEAL_REPORT_H
#define DOCSEAL_REPORT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ds_check_result {
    DS_CHECK_PASS = 0, /**< the property holds */
    DS_CHECK_FAIL = 1, /**< the property does not hold: the verified object is not intact */
    DS_CHECK_SKIP = 2  /**< not checked (e.g. nothing to check, or an earlier failure prevents it) */
} ds_check_result;

typedef struct ds_check {
    char *name;   /**< stable check name, e.g. "manifest-digests", "signature" */
    ds_check_result result;
    char *subject; /**< the entry, file or record concerned, or NULL */
    char *detail;  /**< one line saying what was found, or NULL */
} ds_check;

typedef struct ds_report {
    ds_check *checks;
    size_t count;
    size_t failures; /**< number of checks with DS_CHECK_FAIL */
} ds_report;

/**
 * Make an empty report.
 * @param[out] out Ownership: caller frees with ds_report_free().
 * @return 0 or DS_ENOMEM.
 */
int ds_report_new(ds_report **out);

/**
 * Append a check. name, subject and detail are copied; subject and detail
 * may be NULL. detail is a printf format (NULL for none).
 * @return 0 or DS_ENOMEM.
 */
int ds_report_add(ds_report *r, const char *name, ds_check_result result, const char *subject,
                  const char *detail, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/** 1 when no check failed. */
int ds_report_ok(const ds_report *r);

/**
 * The report as JSON text: {"ok":bool,"failures":n,"checks":[{"name":...,
 * "result":"pass"|"fail"|"skip","subject":...|null,"detail":...|null}]}.
 * @param[out] out NUL-terminated UTF-8; caller frees with free().
 * @return 0 or DS_ENOMEM.
 */
int ds_report_to_json(char **out, const ds_report *r);

/** "pass", "fail" or "skip". */
const char *ds_check_result_name(ds_check_result r);

/** Free a report; NULL is allowed. */
void ds_report_free(ds_report *r);

#ifdef __cplusplus
}
#endif
#endif
