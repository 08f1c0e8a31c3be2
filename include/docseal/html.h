/*
 * docseal/html.h - DRAFT placeholder; owned by the html module.
 */
#ifndef DOCSEAL_HTML_H
#define DOCSEAL_HTML_H

#include "docseal/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
