/* testutil.h - helpers shared by the Criterion tests. */
#ifndef DS_TESTUTIL_H
#define DS_TESTUTIL_H

#include <stddef.h>

/* Path under the source tree (static buffer, valid until the next call). */
const char *tu_src(const char *rel);
/* Read a whole file; aborts the test on failure. Caller frees. */
char *tu_read(const char *path, size_t *len);
/* Write a file; aborts the test on failure. */
void tu_write(const char *path, const void *data, size_t len);
/* A fresh temporary directory (caller frees the string). */
char *tu_tmpdir(void);
/* Run the docseal CLI with sh -c "docseal ARGS", capturing stdout and
 * stderr (caller frees both); returns the exit status (or -1). */
int tu_run(char **out, char **err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
