#!/usr/bin/env bash
# What show and diff say about a vault they cannot read faithfully (a
# replaced or damaged bundle), diff's note when an operand names both a
# document and a file, the vault's renormalize line with verify --deep, and
# the wording for a stray line feed at the end of the manifest: exact
# messages and exit statuses.
. "$(dirname "$0")/lib/common.sh"

art=$FIX/articles/000_b02582cd44c05fde.txt
typo=$FIX/revisions/rev-typo.txt
figure=$FIX/revisions/rev-figure.txt
v=$WORK/v
"$DOCSEAL" -q init "$v" >/dev/null
"$DOCSEAL" -q -C "$v" add --id doc --time 2026-01-01T00:00:00Z "$art" >/dev/null
"$DOCSEAL" -q -C "$v" add --id doc --time 2026-01-02T00:00:00Z "$typo" >/dev/null
"$DOCSEAL" -q -C "$v" add --id doc --time 2026-01-03T00:00:00Z "$figure" >/dev/null
field() { sed -n "${1}p" "$v/manifest.jsonl" | sed "s/.*\"$2\":\"\([0-9a-f]*\)\".*/\1/"; }
b2=$(field 2 bundle)
s2=$(field 2 bundle_sha256)
b3=$(field 3 bundle)
bundle2=$v/bundles/$b2.tar.zst
cp "$bundle2" "$WORK/b2.keep"

# 1. Rev 2's bundle replaced by another valid bundle of the vault: the
# bundle is named once, and the reason is that it is not the recorded file.
cp "$v/bundles/$b3.tar.zst" "$bundle2"
s3=$(sha256sum "$bundle2" | cut -c1-64)
replaced="docseal: bundles/$b2.tar.zst: SHA-256 is $s3, the manifest (record 2) says $s2: the bundle was replaced or damaged; run 'docseal verify'"
expect 1 "$replaced" -- -C "$v" show doc@2
[ ! -s "$WORK/out" ] || fail "show printed text from a replaced bundle"
expect 1 "$replaced" -- -C "$v" show --original doc@2
expect 1 "$replaced" -- -C "$v" show --json doc@2
# for diff, exit 1 means "they differ": a revision it cannot read is an error
expect 2 "$replaced" -- -C "$v" diff doc@1 doc@2
expect 2 "$replaced" -- -C "$v" diff doc
# the other revisions read as before
expect 0 "" -- -C "$v" show doc@3
"$DOCSEAL" -C "$v" show --original doc@3 | cmp -s - "$figure" || fail "doc@3 original differs"
# a bundle that is not a bundle at all
printf 'not a bundle\n' >"$bundle2"
sg=$(sha256sum "$bundle2" | cut -c1-64)
expect 1 "docseal: bundles/$b2.tar.zst: SHA-256 is $sg, the manifest (record 2) says $s2: the bundle was replaced or damaged; run 'docseal verify'" \
    -- -C "$v" show --original doc@2
cp "$WORK/b2.keep" "$bundle2"
expect 0 "" -- -C "$v" show doc@2
"$DOCSEAL" -C "$v" show doc@2 | cmp -s - <("$DOCSEAL" normalize "$typo") || fail "doc@2 differs"

# 2. diff: an operand that names both a document and a file is the
# document, with a note; ./NAME (a path) is the file.
cd "$v"
cp "$typo" ./doc
note="docseal: note: 'doc' names both a document in the vault and a file; comparing the document (doc@3); for the file, write './doc'"
expect 1 "$note" -- diff --summary doc "$typo"
grep -q '^summary: ' "$WORK/out" || fail "diff doc: $(cat "$WORK/out")"
expect 0 "" -- diff --summary ./doc "$typo"
expect 0 "" -- diff --summary "$v/doc" "$typo"
expect 1 "" -- -q diff --summary doc "$typo"
expect 1 "" -- diff -q --summary doc "$typo"
rm ./doc
cp "$typo" ./doc@2
expect 1 "docseal: note: 'doc@2' names both a document in the vault and a file; comparing the document (doc@2); for the file, write './doc@2'" \
    -- diff --summary "$art" doc@2
expect 1 "" -- diff --summary "$art" ./doc@2
rm ./doc@2
# a path to a file that does not exist is not looked up in the vault
expect 2 "docseal: ./doc: No such file or directory" -- diff ./doc "$typo"
cd - >/dev/null

# 3. verify --deep on a vault: one renormalize line (one JSON item).
expect 0 "" -- -C "$v" verify
grep -q renormalize "$WORK/out" && fail "renormalize without --deep"
expect 0 "" -- -C "$v" verify --deep
grep -qx "ok   renormalize: 3 documents re-normalize (norm-1) to their recorded content hashes" "$WORK/out" ||
    fail "verify --deep: $(cat "$WORK/out")"
[ "$(grep -c renormalize "$WORK/out")" -eq 1 ] || fail "verify --deep: more than one renormalize line"
expect 0 "" -- -C "$v" verify --deep --json
[ "$(grep -c '"name": "renormalize"' "$WORK/out")" -eq 1 ] || fail "verify --deep --json: $(cat "$WORK/out")"
# an original normalized with an extra rules file cannot be re-normalized
# from the bundle alone: said in the same line
printf '^Read more\n' >"$WORK/rules"
"$DOCSEAL" -q init "$WORK/vb" >/dev/null
"$DOCSEAL" -q -C "$WORK/vb" add --id a --boilerplate-rules "$WORK/rules" "$art" >/dev/null
expect 0 "" -- -C "$WORK/vb" verify --deep
grep -qx "skip renormalize: skipped ('docseal verify --deep BUNDLE' says why)" "$WORK/out" ||
    fail "verify --deep, rules file: $(cat "$WORK/out")"
"$DOCSEAL" -q -C "$WORK/vb" add --id b "$typo" >/dev/null
expect 0 "" -- -C "$WORK/vb" verify --deep
grep -qx "ok   renormalize: 1 document re-normalizes (norm-1) to their recorded content hashes; some were skipped ('docseal verify --deep BUNDLE' says why)" "$WORK/out" ||
    fail "verify --deep, one skipped: $(cat "$WORK/out")"

# 4. A stray line feed at the end of the manifest is an empty line, not a
# torn record; a torn record of one byte is "1 byte".
size=$(stat -c %s "$v/manifest.jsonl")
printf '\n' >>"$v/manifest.jsonl"
expect 1 "" -- -C "$v" verify -q
[ "$(cat "$WORK/out")" = "FAIL torn-tail manifest.jsonl: an empty line at byte offset $size ends the manifest (a stray line feed, not a record); run 'docseal repair'" ] ||
    fail "verify, empty line: $(cat "$WORK/out")"
expect 0 "docseal: warning: manifest.jsonl: an empty line at byte offset $size ends the manifest (a stray line feed, not a record); run 'docseal repair'" \
    -- -C "$v" log --head
expect 0 "" -- -C "$v" repair --dry-run
grep -qx "manifest.jsonl: would truncate from $((size + 1)) to $size bytes, removing the empty line at the end (a stray line feed at byte offset $size, not a record)" "$WORK/out" ||
    fail "repair, empty line: $(cat "$WORK/out")"
"$DOCSEAL" -q -C "$v" repair >/dev/null
printf 'x' >>"$v/manifest.jsonl"
expect 1 "" -- -C "$v" verify -q
[ "$(cat "$WORK/out")" = "FAIL torn-tail manifest.jsonl: torn final record at byte offset $size (crash during append?); run 'docseal repair'" ] ||
    fail "verify, torn byte: $(cat "$WORK/out")"
expect 0 "repaired: 2 steps; run 'docseal verify' to check the vault" -- -C "$v" repair
grep -qx "manifest.jsonl: truncate from $((size + 1)) to $size bytes, removing the torn final record at byte offset $size (1 byte, crash during append)" "$WORK/out" ||
    fail "repair, one byte: $(cat "$WORK/out")"
[ "$(stat -c %s "$v/manifest.jsonl")" -eq "$size" ] || fail "repair did not truncate"
expect 0 "" -- -C "$v" verify -q
echo "vault read messages: ok"
