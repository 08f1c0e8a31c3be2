/*
 * docseal/vault.h - DRAFT placeholder; owned by the vault module.
 */
#ifndef DOCSEAL_VAULT_H
#define DOCSEAL_VAULT_H

#include "docseal/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif
#endif
