#!/usr/bin/env bash
# bundle_interop.sh - a bundle made by `docseal seal` is verifiable with stock
# tools alone (tar, zstd, sha256sum, minisign), exactly as README's "Verify
# without docseal" says; bundles are deterministic; a bundle repacked and
# recompressed by stock tools still verifies with docseal, and damage to it
# does not.
# Env: DOCSEAL (the built CLI), DS_SOURCE_DIR.
set -euo pipefail

: "${DOCSEAL:?path of the docseal binary}"
: "${DS_SOURCE_DIR:?source directory}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
unset DOCSEAL_PASSPHRASE XDG_CONFIG_HOME SOURCE_DATE_EPOCH
export HOME=$tmp/home

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
ok() { echo "ok - $*"; }
for tool in tar zstd sha256sum minisign cmp; do
    command -v "$tool" >/dev/null || fail "$tool is not installed"
done

article=$DS_SOURCE_DIR/fixtures/articles/000_b02582cd44c05fde.txt
cp "$article" article.txt
printf '%s\n\n%s\n' "Putin praises Kim – a revision" \
    "The range is now “up to 12,000 kilometers,” Putin said." >revision.txt

"$DOCSEAL" keygen --no-passphrase -o k.key >/dev/null
ok "keygen"

# --- seal: one line "<bundle id>  <path>" -------------------------------------
out=$(printf 'From standard input.\n' |
    "$DOCSEAL" seal --key k.key --time 2024-05-01T12:00:00Z -o b1.tar.zst article.txt revision.txt -)
id=${out%%  *}
[[ $out == "$id  b1.tar.zst" ]] || fail "seal printed '$out'"
[[ $id =~ ^[0-9a-f]{64}$ ]] || fail "bad bundle id '$id'"
ok "seal prints the bundle id and path"

# --- stock tools -----------------------------------------------------------------
zstd -q -t b1.tar.zst || fail "zstd -t rejects the bundle"
listing=$(tar --zstd -tvv --full-time -f b1.tar.zst)
echo "$listing" | awk '{print $1, $2, $4, $5}' | sort -u >modes.txt
[[ $(cat modes.txt) == "-rw-r--r-- 0/0 2024-05-01 12:00:00" ]] ||
    fail "entries not all mode 0644, uid/gid 0, mtime = snapshot time: $(cat modes.txt)"
names=$(tar --zstd -tf b1.tar.zst)
[[ $(echo "$names" | head -2 | tr '\n' ' ') == "MANIFEST MANIFEST.minisig " ]] ||
    fail "MANIFEST and its signature do not come first"
[[ $(echo "$names" | sed -n 3p) == "snapshot.json" ]] || fail "snapshot.json is not third"
# then each text, in bytewise order, followed by the original it came from
texts=$(echo "$names" | grep '^documents/')
[[ $(echo "$texts" | LC_ALL=C sort) == "$texts" ]] || fail "texts are not in bytewise order"
echo "$names" | sed -n '4~2p' | grep -qv '^documents/' && fail "not text, original, text, original: $names"
echo "$names" | sed -n '5~2p' | grep -qv '^originals/' && fail "not text, original, text, original: $names"
[[ $(echo "$names" | grep -c '^documents/') == 3 && $(echo "$names" | grep -c '^originals/') == 3 ]] ||
    fail "expected 3 documents and 3 originals: $names"
ok "tar lists regular files 0644 0/0 at the snapshot time, in the documented order"

mkdir x
tar --zstd -xf b1.tar.zst -C x
(cd x && sha256sum --quiet -c MANIFEST) || fail "sha256sum -c MANIFEST"
[[ $(sha256sum <x/MANIFEST | cut -d' ' -f1) == "$id" ]] || fail "bundle id is not SHA-256(MANIFEST)"
mout=$(cd x && minisign -Vm MANIFEST -p ../k.key.pub) || fail "minisign -Vm MANIFEST"
echo "$mout" | grep -qx "Trusted comment: docseal-bundle 1 time:2024-05-01T12:00:00Z bundle:$id" ||
    fail "minisign shows: $mout"
cmp -s "$article" "x/originals/$(sha256sum <"$article" | cut -d' ' -f1).md" ||
    cmp -s "$article" "x/originals/$(sha256sum <"$article" | cut -d' ' -f1).txt" ||
    fail "the original is not stored byte for byte"
grep -q '"format": "docseal-bundle"' x/snapshot.json || fail "snapshot.json format"
[[ $(tail -c1 x/snapshot.json | od -An -c | tr -d ' ') == '\n' ]] || fail "snapshot.json final newline"
ok "tar --zstd -xf, sha256sum -c MANIFEST and minisign -Vm MANIFEST pass"

# --- docseal verify ------------------------------------------------------------
"$DOCSEAL" verify --pubkey k.key.pub b1.tar.zst >v.txt || fail "docseal verify: $(cat v.txt)"
grep -qx "verification passed" v.txt || fail "verify output: $(cat v.txt)"
"$DOCSEAL" verify --deep --pubkey k.key.pub b1.tar.zst >v.txt || fail "verify --deep: $(cat v.txt)"
grep -q "^ok   renormalize: 3 documents re-normalize" v.txt || fail "deep: $(cat v.txt)"
ok "docseal verify (and --deep) pass"

# --- determinism ------------------------------------------------------------------
printf 'From standard input.\n' |
    "$DOCSEAL" seal --key k.key --time 2024-05-01T12:00:00Z --threads 1 -o b2.tar.zst \
        article.txt revision.txt - >/dev/null
cmp b1.tar.zst b2.tar.zst || fail "two seals differ"
printf 'From standard input.\n' | SOURCE_DATE_EPOCH=1714564800 \
    "$DOCSEAL" seal --key k.key -o b3.tar.zst article.txt revision.txt - >/dev/null
cmp b1.tar.zst b3.tar.zst || fail "SOURCE_DATE_EPOCH seal differs"
ok "same inputs, time and key give byte-identical bundles (also via SOURCE_DATE_EPOCH)"

# default output name: <bundle id>.tar.zst in the working directory
mkdir d && out=$(cd d && "$DOCSEAL" seal --key ../k.key --time 2024-05-01T12:00:00Z ../article.txt)
did=${out%%  *}
[[ $out == "$did  $did.tar.zst" && -f d/$did.tar.zst ]] || fail "default output: '$out'"
[[ $(ls -A d | wc -l) == 1 ]] || fail "temporary files left: $(ls -A d)"
ok "default output is <bundle id>.tar.zst, nothing else left behind"

# --- repacked and recompressed by stock tools: provenance survives ------------------
(cd x && tar --no-recursion --format=posix -cf ../repack.tar MANIFEST MANIFEST.minisig \
    documents/* originals/* snapshot.json)
zstd -q -19 --rm repack.tar -o repack.tar.zst
"$DOCSEAL" verify --pubkey k.key.pub repack.tar.zst >v.txt || fail "repacked: $(cat v.txt)"
ok "a bundle repacked with tar --format=posix and zstd -19 still verifies"

# --- damage is detected: exit 1 and the entry named ---------------------------------
doc=$(cd x && ls documents | head -1)
printf 'X' | dd of="x/documents/$doc" bs=1 seek=3 conv=notrunc status=none
(cd x && ! sha256sum --quiet -c MANIFEST >/dev/null 2>&1) || fail "sha256sum missed the change"
(cd x && tar --no-recursion -cf - MANIFEST MANIFEST.minisig documents/* originals/* snapshot.json) |
    zstd -q >bad.tar.zst
set +e
"$DOCSEAL" verify --pubkey k.key.pub bad.tar.zst >v.txt
rc=$?
set -e
[[ $rc == 1 ]] || fail "tampered bundle: exit $rc"
grep -q "^FAIL digests documents/$doc: digest mismatch: MANIFEST says" v.txt || fail "$(cat v.txt)"
ok "a changed text is detected (exit 1, entry named)"

head -c 2000 b1.tar.zst >trunc.tar.zst
set +e
"$DOCSEAL" verify --pubkey k.key.pub trunc.tar.zst >v.txt
rc=$?
"$DOCSEAL" verify --pubkey k.key.pub missing.tar.zst 2>err.txt
rc2=$?
set -e
[[ $rc == 1 ]] && grep -q "^FAIL archive-readable" v.txt || fail "truncated: exit $rc $(cat v.txt)"
[[ $rc2 == 2 ]] && grep -q "missing.tar.zst: No such file or directory" err.txt ||
    fail "missing bundle: exit $rc2 $(cat err.txt)"
ok "a truncated bundle fails (1); a missing one is an error (2)"

# --- another key ----------------------------------------------------------------------
"$DOCSEAL" keygen --no-passphrase -o other.key >/dev/null
set +e
"$DOCSEAL" verify --pubkey other.key.pub b1.tar.zst >v.txt
rc=$?
set -e
[[ $rc == 1 ]] && grep -q "^FAIL signature MANIFEST.minisig: no trusted key with key id" v.txt ||
    fail "other key: exit $rc $(cat v.txt)"
(cd x && ! minisign -Vm MANIFEST -p ../other.key.pub >/dev/null 2>&1) || fail "minisign accepted another key"
ok "a key that did not sign is refused by docseal and by minisign"
echo "all bundle interop checks passed"
