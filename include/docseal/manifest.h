/*
 * docseal/manifest.h - DRAFT placeholder; owned by the manifest module.
 */
#ifndef DOCSEAL_MANIFEST_H
#define DOCSEAL_MANIFEST_H

#include "docseal/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
