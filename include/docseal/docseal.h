/*
 * docseal/docseal.h - umbrella header: the whole public API of libdocseal.
 *
 * Modules: error (status codes, last error), hash (SHA-256), normalize (the
 * document model and normalization), html (article extraction from pages),
 * sign (Ed25519 keys, minisign signatures), report (verification reports),
 * bundle (signed archive bundles), manifest and vault (the append-only
 * archive), diff (the prose-aware diff engine), version.
 */
#ifndef DOCSEAL_DOCSEAL_H
#define DOCSEAL_DOCSEAL_H

#include "docseal/types.h"
#include "docseal/error.h"
#include "docseal/version.h"
#include "docseal/hash.h"
#include "docseal/normalize.h"
#include "docseal/html.h"
#include "docseal/sign.h"
#include "docseal/report.h"
#include "docseal/bundle.h"
#include "docseal/manifest.h"
#include "docseal/vault.h"
#include "docseal/diff.h"

#endif
