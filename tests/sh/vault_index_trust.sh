#!/usr/bin/env bash
# The derived index is never trusted over the manifest: an edited
# index/entries.bin changes neither 'log ID' nor 'show ID@DATE' and fails
# verify (named "index"); a same-length edit of a middle manifest record is
# found by 'log ID' (exit 1), not hidden by a "fresh" index.
. "$(dirname "$0")/lib/common.sh"
a=$FIX/articles/000_b02582cd44c05fde.txt
b=$FIX/articles/001_noisy_variant.txt
c=$FIX/articles/002_front_matter.txt
"$DOCSEAL" -C "$WORK/v" init >/dev/null
"$DOCSEAL" -q -C "$WORK/v" add --id doc --time 2026-01-01T12:00:00Z "$a" >/dev/null
"$DOCSEAL" -q -C "$WORK/v" add --id doc --time 2026-01-05T12:00:00Z "$c" >/dev/null
"$DOCSEAL" -q -C "$WORK/v" add --id doc --time 2026-01-09T12:00:00Z "$b" >/dev/null
"$DOCSEAL" -C "$WORK/v" log --no-summary doc >"$WORK/log0"
"$DOCSEAL" -C "$WORK/v" show doc@2026-01-02 >"$WORK/show0"
grep -q "^rev 1  2026-01-01T12:00:00Z" "$WORK/log0" || fail "log: $(cat "$WORK/log0")"
patch_byte() { # FILE OFFSET XOR
    local byte
    byte=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    printf "$(printf '\\%03o' $((byte ^ $3)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
# entry 0's time (bytes 16..23) moved by 2^16 seconds (about 18 hours)
cp -a "$WORK/v" "$WORK/t"
patch_byte "$WORK/t/index/entries.bin" 18 1
"$DOCSEAL" -C "$WORK/t" log --no-summary doc >"$WORK/log1"
diff "$WORK/log0" "$WORK/log1" >&2 || fail "log ID follows an edited index"
cp -a "$WORK/v" "$WORK/t2" && rm -rf "$WORK/t" && mv "$WORK/t2" "$WORK/t"
patch_byte "$WORK/t/index/entries.bin" 18 1
"$DOCSEAL" -C "$WORK/t" show doc@2026-01-02 >"$WORK/show1"
cmp -s "$WORK/show0" "$WORK/show1" || fail "show ID@DATE follows an edited index"
# verify names the altered index; repair rebuilds it
rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"
patch_byte "$WORK/t/index/entries.bin" 18 1
ds -C "$WORK/t" verify >"$WORK/out" 2>&1
[ $rc -eq 1 ] || { cat "$WORK/out" >&2; fail "verify passes an altered index (exit $rc)"; }
grep -qF "FAIL index index/: index/entries.bin differs from the manifest" "$WORK/out" ||
    { cat "$WORK/out" >&2; fail "verify does not name the index"; }
"$DOCSEAL" -C "$WORK/t" repair >"$WORK/out"
grep -qF "index: rebuild the index from the manifest" "$WORK/out" || fail "repair: $(cat "$WORK/out")"
ds -C "$WORK/t" verify >"$WORK/out" 2>&1
[ $rc -eq 0 ] || { cat "$WORK/out" >&2; fail "verify after repair: exit $rc"; }
grep -qx "ok   index index/: matches the manifest" "$WORK/out" || fail "no index line: $(cat "$WORK/out")"

# a same-length edit of the middle record's time: log ID must not trust the index
rm -rf "$WORK/t" && cp -a "$WORK/v" "$WORK/t"
sed -i '2s/"time":"2026-01-05T12/"time":"2026-01-06T12/' "$WORK/t/manifest.jsonl"
cmp -s "$WORK/v/manifest.jsonl" "$WORK/t/manifest.jsonl" && fail "sed did not edit"
[ "$(stat -c %s "$WORK/v/manifest.jsonl")" = "$(stat -c %s "$WORK/t/manifest.jsonl")" ] || fail "length changed"
ds -C "$WORK/t" log --no-summary doc >"$WORK/out" 2>"$WORK/err"
[ $rc -eq 1 ] || { cat "$WORK/out" "$WORK/err" >&2; fail "log ID over an edited manifest: exit $rc"; }
grep -qF "docseal: manifest.jsonl" "$WORK/err" || fail "log ID error: $(cat "$WORK/err")"
grep -q "2026-01-06" "$WORK/out" && fail "log printed the edited time"
ds -C "$WORK/t" show doc@2 >/dev/null 2>"$WORK/err"
[ $rc -eq 1 ] || fail "show over an edited manifest: exit $rc ($(cat "$WORK/err"))"
echo "index trust passed"
