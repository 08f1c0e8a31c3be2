#!/usr/bin/env bash
# extraction_guard.sh - CI regression guard for HTML article extraction.
#
# Runs bench/extraction (docseal normalize --format html --json over the real
# pages of ../shared/corpus/html) and fails when a figure (body F1 on the
# extraction benchmark and against the readability references, title, byline,
# published-time and language rates) drops more than 0.01 below the level
# recorded in bench/extraction-levels.json. Not a speed test.
# Environment: DOCSEAL (the CLI), DS_SOURCE_DIR (the source tree).
set -euo pipefail
src=${DS_SOURCE_DIR:?DS_SOURCE_DIR is not set}
corpus="$src/../shared/corpus/html"
if [ ! -d "$corpus/extraction-benchmark" ] || [ ! -d "$corpus/readability" ]; then
    echo "extraction_guard: no corpus at $corpus: skipped"
    exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "extraction_guard: python3 not found: skipped"
    exit 0
fi
exec python3 "$src/bench/extraction" --docseal "${DOCSEAL:?DOCSEAL is not set}" \
    --corpus "$corpus" --check "$src/bench/extraction-levels.json"
