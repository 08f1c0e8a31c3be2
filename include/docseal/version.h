/*
 * docseal/version.h - library version.
 */
#ifndef DOCSEAL_VERSION_H
#define DOCSEAL_VERSION_H

#ifdef __cplusplus
extern "C" {
#endif

#define DS_VERSION_MAJOR 0
#define DS_VERSION_MINOR 1
#define DS_VERSION_PATCH 0

/** The library version as "MAJOR.MINOR.PATCH" (static string). */
const char *ds_version(void);

#ifdef __cplusplus
}
#endif
#endif
