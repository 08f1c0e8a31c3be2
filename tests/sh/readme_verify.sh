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
for ok in "bundle id OK" "no unlisted entries" "nothing after the end"; do
    grep -q "$ok" "$WORK/out" || { cat "$WORK/out" >&2; fail "README commands did not confirm '$ok'"; }
done
echo "README verification passed on a fresh bundle"
zstd -dcq "$B.tar.zst" >good.tar
cp "$B.tar.zst" good.tar.zst

# Tampered: an extra entry appended to the tar -> "no unlisted entries" is not printed.
rm -rf b
cp good.tar plain.tar
echo extra >extra.txt
tar --append -f plain.tar extra.txt
zstd -qf plain.tar -o "$B.tar.zst"
bash -uo pipefail -c "$block" >"$WORK/out" 2>&1 || true
grep -q "no unlisted entries" "$WORK/out" && fail "README commands passed a bundle with an unlisted entry"
echo "README verification caught an unlisted entry"

# Tampered: a second zstd frame holding another archive after the end -> tar
# lists nothing new, but "nothing after the end" is not printed.
rm -rf b
tar -cf hidden.tar extra.txt
{ cat good.tar.zst; zstd -qc hidden.tar; } >"$B.tar.zst"
bash -uo pipefail -c "$block" >"$WORK/out" 2>&1 || true
grep -q "no unlisted entries" "$WORK/out" || { cat "$WORK/out" >&2; fail "setup: tar should list nothing extra"; }
grep -q "nothing after the end" "$WORK/out" && fail "README commands passed an archive hidden after the end"
"$DOCSEAL" verify --pubkey "$KEY" "$B.tar.zst" >"$WORK/out" 2>&1 && fail "docseal verify passed it"
grep -q "FAIL archive-readable: data after the end of the tar archive" "$WORK/out" ||
    { cat "$WORK/out" >&2; fail "docseal verify did not name the hidden data"; }
echo "README verification and docseal verify caught an archive hidden after the end"
