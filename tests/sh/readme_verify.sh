#!/usr/bin/env bash
# README's "Verify without docseal" commands, extracted from README.md and run
# as written with stock tools on a fresh bundle; then on a tampered copy they
# must fail.
. "$(dirname "$0")/lib/common.sh"
block=$(awk '/^## Verify without docseal/{f=1} f&&/^```sh/{c=1;next} c&&/^```/{exit} c' "$DS_SOURCE_DIR/README.md")
[ -n "$block" ] || fail "no sh block in README's Verify without docseal section"
"$DOCSEAL" keygen --no-passphrase -o "$WORK/k.key" >/dev/null
cd "$WORK"
B=$("$DOCSEAL" seal -k "$WORK/k.key" --time 2026-01-01T00:00:00Z \
    "$FIX/articles/000_b02582cd44c05fde.txt" "$FIX/revisions/rev-figure.txt" | cut -c1-64)
KEY=$WORK/k.key.pub
export B KEY
bash -euo pipefail -c "$block" >"$WORK/out" 2>&1 || { cat "$WORK/out" >&2; fail "README commands failed"; }
grep -q "bundle id OK" "$WORK/out" && grep -q "no unlisted entries" "$WORK/out" ||
    { cat "$WORK/out" >&2; fail "README commands did not confirm"; }
echo "README verification passed on a fresh bundle"

# Tampered: an extra entry appended to the tar -> the last check must fail.
rm -rf b
zstd -dcq "$B.tar.zst" >plain.tar
echo extra >extra.txt
tar --append -f plain.tar extra.txt
zstd -qf plain.tar -o "$B.tar.zst"
if bash -euo pipefail -c "$block" >"$WORK/out" 2>&1; then
    fail "README commands passed a bundle with an unlisted entry"
fi
echo "README verification caught an unlisted entry"
