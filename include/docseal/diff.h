/*
 * docseal/diff.h - DRAFT placeholder; owned by the diff module.
 */
#ifndef DOCSEAL_DIFF_H
#define DOCSEAL_DIFF_H

#include "docseal/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
