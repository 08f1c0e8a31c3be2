#!/bin/bash
# Patch entries through the CLI: a changed revision is stored as a patch
# against the last revision stored in full; show reads it back; a thin bundle
# alone fails verify naming the entry and its base; export gives a standalone
# bundle with the same bundle id; the stock-tools recipe of docseal-formats(5)
# (tar, zstd --patch-from, sha256sum -c, minisign) reproduces and checks it.
source "$(dirname "$0")/lib/common.sh"

v=$WORK/v
art=$FIX/articles/000_b02582cd44c05fde.txt
pub=$XDG_CONFIG_HOME/docseal/docseal.key.pub
"$DOCSEAL" -q init "$v" >/dev/null
"$DOCSEAL" -q -C "$v" add --id putin-kim --time 2018-01-11T12:00:00Z "$art" >/dev/null
"$DOCSEAL" -q -C "$v" add --id putin-kim --time 2018-01-12T12:00:00Z "$FIX/revisions/vault-2-typo.txt" >/dev/null
"$DOCSEAL" -q -C "$v" add --id putin-kim --time 2018-01-13T12:00:00Z "$FIX/revisions/vault-3-quote.txt" >/dev/null
field() { # field REV NAME: a member of `log --json` for a revision
    "$DOCSEAL" -C "$v" log --json putin-kim |
        sed -n '/"revision": '"$1"',/,/}/s/.*"'"$2"'": "\([^"]*\)".*/\1/p'
}
b1=$(field 1 bundle) b3=$(field 3 bundle)
c1=$(field 1 content_sha256) c3=$(field 3 content_sha256)
o1=$(field 1 original_sha256) o3=$(field 3 original_sha256)
[ "$c1" = 759dda5193f1d2033fc2cedf2864eec21b127f3fdb9d2b556357c759cd2a9fe0 ] || fail "c1 $c1"
[ "$c3" = e5bb300bf10d96201cfd8b3b5e571160f307b9c2f4033178483e913aa2f264c0 ] || fail "c3 $c3"

# the third revision is stored as patches against the first (star: the second is a patch too)
want="MANIFEST
MANIFEST.minisig
snapshot.json
documents/$c3.txt.from-$c1.zst
originals/$o3.md.from-$o1.zst"
got=$(tar --zstd -tf "$v/bundles/$b3.tar.zst")
[ "$got" = "$want" ] || fail "bundle 3 holds [$got], expected [$want]"
# ... and MANIFEST still lists the entries they stand for
tar --zstd -xOf "$v/bundles/$b3.tar.zst" MANIFEST | cut -c67- | sed -n 1,2p >"$WORK/listed"
printf 'documents/%s.txt\noriginals/%s.md\n' "$c3" "$o3" | cmp -s - "$WORK/listed" ||
    fail "MANIFEST lists $(cat "$WORK/listed")"

# show: the exact changed text and the original bytes
"$DOCSEAL" -C "$v" show putin-kim@3 >"$WORK/text"
[ "$(sed -n 10p "$WORK/text")" = '*“He is already a shrewd and mature politician,”* Putin added.' ] ||
    fail "show putin-kim@3 line 10: $(sed -n 10p "$WORK/text")"
[ "$(sha256sum <"$WORK/text" | cut -c1-64)" = "$c3" ] || fail "show putin-kim@3: wrong text"
"$DOCSEAL" -C "$v" show --original putin-kim@3 | cmp -s - "$FIX/revisions/vault-3-quote.txt" ||
    fail "show --original putin-kim@3 differs"
"$DOCSEAL" -C "$v" show putin-kim@2 | cmp -s - <("$DOCSEAL" normalize "$FIX/revisions/vault-2-typo.txt") ||
    fail "show putin-kim@2 differs"
"$DOCSEAL" -C "$v" diff --summary putin-kim@1 putin-kim@3 >"$WORK/sum" || true
[ "$(sed -n 2p "$WORK/sum")" = "summary: +1 −3 words, 1 quote changed" ] ||
    fail "diff --summary: $(cat "$WORK/sum")"
"$DOCSEAL" -q -C "$v" verify >/dev/null || fail "vault verify failed"

# the thin bundle alone: each patch entry named with its base (exit 1)
ds verify --pubkey "$pub" "$v/bundles/$b3.tar.zst" >"$WORK/out" 2>&1
[ $rc -eq 1 ] || fail "verify of a thin bundle: exit $rc"
want="FAIL patches documents/$c3.txt.from-$c1.zst: documents/$c3.txt is stored as a patch against documents/$c1.txt, which is in another bundle of the vault: verify the vault, or docseal export the bundle
FAIL patches originals/$o3.md.from-$o1.zst: originals/$o3.md is stored as a patch against originals/$o1.md, which is in another bundle of the vault: verify the vault, or docseal export the bundle"
[ "$(grep '^FAIL' "$WORK/out")" = "$want" ] || fail "thin verify said: $(cat "$WORK/out")"

# export: the same bundle id, every entry in full, verifies alone
(cd "$WORK" && "$DOCSEAL" -C "$v" export putin-kim@3) >"$WORK/exp"
[ "$(cat "$WORK/exp")" = "$b3  $b3.tar.zst" ] || fail "export printed $(cat "$WORK/exp")"
want="MANIFEST
MANIFEST.minisig
snapshot.json
documents/$c3.txt
originals/$o3.md"
got=$(tar --zstd -tf "$WORK/$b3.tar.zst")
[ "$got" = "$want" ] || fail "export holds [$got]"
"$DOCSEAL" verify --pubkey "$pub" "$WORK/$b3.tar.zst" >"$WORK/out" || fail "export does not verify: $(cat "$WORK/out")"
[ "$(tail -n 1 "$WORK/out")" = "verification passed" ] || fail "$(cat "$WORK/out")"
[ "$(tar --zstd -xOf "$WORK/$b3.tar.zst" MANIFEST | sha256sum | cut -c1-64)" = "$b3" ] ||
    fail "export has another bundle id"
"$DOCSEAL" -C "$v" export -o - "$b3" >"$WORK/stdout.tar.zst"
cmp -s "$WORK/stdout.tar.zst" "$WORK/$b3.tar.zst" || fail "export -o - differs from the file"
cp "$v/bundles/$b3.tar.zst" "$WORK/saved"
expect 2 "docseal: $v/bundles/$b3.tar.zst: is the bundle being exported; choose another file" \
    -- -C "$v" export -o "$v/bundles/$b3.tar.zst" "$b3"
cmp -s "$WORK/saved" "$v/bundles/$b3.tar.zst" || fail "export replaced the vault's bundle"
expect 2 "docseal: bundle 0000000000000000000000000000000000000000000000000000000000000000: no record of the vault names it" \
    -- -C "$v" export -o "$WORK/x" 0000000000000000000000000000000000000000000000000000000000000000
expect 2 "docseal: export: give one bundle: BUNDLE-ID or ID@REV
Try 'docseal export --help'." -- -C "$v" export

# stock tools alone: the thin bundle, the base's bundle, zstd --patch-from
mkdir "$WORK/thin" "$WORK/base"
tar --zstd -xf "$v/bundles/$b3.tar.zst" -C "$WORK/thin"
tar --zstd -xf "$v/bundles/$b1.tar.zst" -C "$WORK/base"
(
    cd "$WORK/thin"
    for p in */*.from-*.zst; do
        t=${p%.from-*}; b=${p##*.from-}; b=${b%.zst}
        zstd -q -d --patch-from="../base/${t%%/*}/$b.${t##*.}" "$p" -o "$t" && rm "$p"
    done
    sha256sum -c MANIFEST >"$WORK/sums"
    minisign -Vm MANIFEST -p "$pub" >"$WORK/mini"
)
want="documents/$c3.txt: OK
originals/$o3.md: OK
snapshot.json: OK"
[ "$(cat "$WORK/sums")" = "$want" ] || fail "sha256sum -c: $(cat "$WORK/sums")"
grep -qx "Trusted comment: docseal-bundle 1 time:2018-01-13T12:00:00Z bundle:$b3" "$WORK/mini" ||
    fail "minisign: $(cat "$WORK/mini")"
cmp -s "$WORK/thin/documents/$c3.txt" "$WORK/text" || fail "expanded text differs from show"

# a flipped byte in a patch entry (its last byte: the frame's checksum),
# repacked with tar over the vault's bundle: verify names the entry (exit 1)
mkdir "$WORK/flip"
(
    cd "$WORK/flip"
    tar --zstd -xf "$v/bundles/$b3.tar.zst"
    f=documents/$c3.txt.from-$c1.zst
    n=$(stat -c %s "$f")
    b=$(tail -c 1 "$f" | od -An -tu1 | tr -d ' ')
    printf "\\$(printf %o $((b ^ 1)))" | dd of="$f" bs=1 seek=$((n - 1)) conv=notrunc status=none
    tar --zstd --format=pax -cf "$v/bundles/$b3.tar.zst" $(tar --zstd -tf "$WORK/saved")
)
ds -C "$v" verify >"$WORK/out" 2>&1
[ $rc -eq 1 ] || fail "verify after a flipped byte: exit $rc"
grep -qxF "FAIL bundle bundles/$b3.tar.zst: patches documents/$c3.txt.from-$c1.zst: does not expand against documents/$c1.txt: the patch does not expand: zstd: Restored data doesn't match checksum" "$WORK/out" ||
    fail "verify after a flipped byte said: $(cat "$WORK/out")"
cp "$WORK/saved" "$v/bundles/$b3.tar.zst"
"$DOCSEAL" -q -C "$v" verify >/dev/null || fail "restored vault does not verify"

# export of a bundle without patch entries is the vault's file byte for byte
# (a copy restores a lost one); a swapped bundle is refused (exit 1), nothing written
"$DOCSEAL" -q -C "$v" export -o "$WORK/b1.tar.zst" putin-kim@1 || fail "export putin-kim@1"
cmp -s "$WORK/b1.tar.zst" "$v/bundles/$b1.tar.zst" || fail "export of a full bundle is not a byte copy"
b2=$(field 2 bundle)
cp "$v/bundles/$b1.tar.zst" "$WORK/keep1"
cp "$v/bundles/$b2.tar.zst" "$v/bundles/$b1.tar.zst"
expect 1 "docseal: bundles/$b1.tar.zst: SHA-256 is $(sha256sum <"$v/bundles/$b2.tar.zst" | cut -c1-64), the manifest (record 1) says $(sha256sum <"$WORK/keep1" | cut -c1-64): the bundle was replaced or damaged; nothing exported" \
    -- -C "$v" export -o "$WORK/swapped.tar.zst" putin-kim@1
[ -e "$WORK/swapped.tar.zst" ] && fail "export of a swapped bundle wrote a file"
cp "$WORK/keep1" "$v/bundles/$b1.tar.zst"

# the thin-bundle recipe of docseal-formats(5), literally: bases in two
# earlier bundles (two documents first seen on different days, both changed)
"$DOCSEAL" -q init "$WORK/v2" >/dev/null
mkdir "$WORK/in2"
cp "$art" "$WORK/in2/a.txt"
cp "$FIX/revisions/vault-3-quote.txt" "$WORK/in2/b.txt"
"$DOCSEAL" -q -C "$WORK/v2" add --time 2024-01-01T00:00:00Z "$WORK/in2/a.txt" >/dev/null
"$DOCSEAL" -q -C "$WORK/v2" add --time 2024-01-02T00:00:00Z "$WORK/in2/b.txt" >/dev/null
cp "$FIX/revisions/vault-2-typo.txt" "$WORK/in2/a.txt"
cp "$FIX/revisions/vault-4-figure.txt" "$WORK/in2/b.txt"
"$DOCSEAL" -q -C "$WORK/v2" add --time 2024-01-03T00:00:00Z "$WORK/in2/a.txt" "$WORK/in2/b.txt" >/dev/null
ID=$(sed -n 3p "$WORK/v2/manifest.jsonl" | sed 's/.*"bundle":"\([0-9a-f]*\)".*/\1/')
[ "$(tar --zstd -tf "$WORK/v2/bundles/$ID.tar.zst" | grep -c '\.from-')" = 4 ] || fail "v2: expected 4 patch entries"
(
    cd "$WORK/v2"
    KEY=$pub
    mkdir thin && tar --zstd -xf bundles/$ID.tar.zst -C thin
    for p in $(tar --zstd -tf bundles/$ID.tar.zst | grep '\.from-'); do
        t=${p%.from-*}; b=${p##*.from-}; base=${t%%/*}/${b%.zst}.${t##*.}
        for f in bundles/*.tar.zst; do
            if tar --zstd -tf "$f" | grep -xF "$base" >/dev/null; then
                tar --zstd -xOf "$f" "$base" >base.tmp; break
            fi
        done
        zstd -q -d --patch-from=base.tmp "thin/$p" -o "thin/$t" && rm "thin/$p"
    done
    cd thin && sha256sum -c MANIFEST >"$WORK/sums2" && minisign -Vm MANIFEST -p "$KEY" >/dev/null
    find . -type f ! -name 'MANIFEST*' | cut -c3- | sort >../listed
    cut -c67- MANIFEST | sort | diff - ../listed
) || fail "the thin-bundle recipe failed"
[ "$(grep -c ': OK$' "$WORK/sums2")" = 5 ] || fail "recipe: $(cat "$WORK/sums2")"

# one-off seal never writes patch entries
(cd "$WORK" && "$DOCSEAL" -q seal -o sealed.tar.zst "$FIX/revisions/vault-3-quote.txt" >/dev/null)
tar --zstd -tf "$WORK/sealed.tar.zst" | grep 'from-' >/dev/null && fail "seal wrote a patch entry"
echo "vault_patches: ok"
