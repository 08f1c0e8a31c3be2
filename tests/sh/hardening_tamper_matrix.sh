#!/usr/bin/env bash
# Tamper matrix: random single-byte flips over every bundle and the manifest,
# each on a fresh copy of the vault: verify must exit 1 and name the file.
# Then the structural attacks: deleted bundle, deleted / reordered /
# duplicated manifest line, a bundle swapped in from another vault, a record
# signed by an untrusted key.
. "$(dirname "$0")/lib/common.sh"
flips=${DS_TAMPER_FLIPS:-1000}
RANDOM=20261130
make_vault "$WORK/v"
ds -q -C "$WORK/v" verify
[ $rc -eq 0 ] || fail "pristine vault does not verify (exit $rc)"

files=("$WORK/v/manifest.jsonl" "$WORK"/v/bundles/*.tar.zst)
missed=0
for ((i = 0; i < flips; i++)); do
    f=${files[$((i % ${#files[@]}))]}
    rel=${f#"$WORK/v/"}
    size=$(stat -c %s "$f")
    off=$(((RANDOM * 32768 + RANDOM) % size))
    mask=$((RANDOM % 255 + 1))
    rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"
    byte=$(od -An -tu1 -j "$off" -N1 "$WORK/t/$rel" | tr -d ' ')
    printf "$(printf '\\%03o' $((byte ^ mask)))" |
        dd of="$WORK/t/$rel" bs=1 seek="$off" conv=notrunc status=none
    ds -C "$WORK/t" verify >"$WORK/out" 2>&1
    if [ $rc -ne 1 ] || ! grep -qF "$(basename "$rel")" "$WORK/out"; then
        echo "MISSED: flip of byte $off (xor $mask) in $rel: exit $rc" >&2
        sed 's/^/    /' "$WORK/out" | head -20 >&2
        missed=$((missed + 1))
    fi
done
[ $missed -eq 0 ] || fail "$missed of $flips flips not detected or not named"
echo "all $flips single-byte flips detected and named"

check_attack() { # name: the vault in $WORK/t must fail verification naming $2
    ds -C "$WORK/t" verify >"$WORK/out" 2>&1
    [ $rc -eq 1 ] || { cat "$WORK/out" >&2; fail "$1: verify exit $rc, expected 1"; }
    grep -qF "$2" "$WORK/out" || { cat "$WORK/out" >&2; fail "$1: output does not name $2"; }
    echo "detected: $1"
}
fresh() { rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"; }

fresh; b=$(ls "$WORK/t/bundles" | head -n 1); rm "$WORK/t/bundles/$b"
check_attack "deleted bundle" "$b"
fresh; sed -i '2d' "$WORK/t/manifest.jsonl"
check_attack "deleted manifest line" "manifest.jsonl"
fresh; sed -i '$d' "$WORK/t/manifest.jsonl"
ds -C "$WORK/t" verify --expect-head "$("$DOCSEAL" -C "$WORK/v" log --head)" >"$WORK/out" 2>&1
[ $rc -eq 1 ] || fail "truncated manifest passes --expect-head (exit $rc)"
echo "detected: last manifest line removed (with --expect-head)"
fresh; awk 'NR==2{l=$0;next} NR==3{print;print l;next} {print}' "$WORK/v/manifest.jsonl" >"$WORK/t/manifest.jsonl"
check_attack "reordered manifest lines" "manifest.jsonl"
fresh; sed -n '2p' "$WORK/v/manifest.jsonl" >>"$WORK/t/manifest.jsonl"
check_attack "duplicated manifest line" "manifest.jsonl"

# A bundle from another vault (other key) swapped in under the same name.
mkdir -p "$WORK/other"
XDG_CONFIG_HOME=$WORK/other/config "$DOCSEAL" -C "$WORK/other/v" init >/dev/null
XDG_CONFIG_HOME=$WORK/other/config "$DOCSEAL" -C "$WORK/other/v" add --id seed \
    --time 2026-01-01T12:00:00Z "$FIX"/articles/000_b02582cd44c05fde.txt >/dev/null
fresh; b=$(ls "$WORK/t/bundles" | head -n 1)
cp "$(ls "$WORK"/other/v/bundles/*.tar.zst | head -n 1)" "$WORK/t/bundles/$b"
check_attack "bundle swapped from another vault" "$b"

# A record signed by a key that is not trusted: trust the other vault's key
# for one add, then take the trust away again.
fresh
otherpub=$(ls "$WORK"/other/v/trusted-keys/*.pub)
cp "$otherpub" "$WORK/t/trusted-keys/"
XDG_CONFIG_HOME=$WORK/other/config "$DOCSEAL" -C "$WORK/t" add --time 2026-02-01T12:00:00Z \
    --key "$WORK/other/config/docseal/docseal.key" --id intruder \
    "$FIX"/articles/000_b02582cd44c05fde.txt >/dev/null
rm "$WORK/t/trusted-keys/$(basename "$otherpub")"
check_attack "record signed by an untrusted key" "$(basename "$otherpub" .pub)"
echo "tamper matrix passed"
