#!/bin/bash
# CLI details: init making a key, finding the vault (-C, DOCSEAL_VAULT, the
# working directory), ids with '@', stdin, encrypted keys, usage errors.
set -euo pipefail
: "${DOCSEAL:?path of the docseal binary}" "${DS_SOURCE_DIR:?source directory}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset SOURCE_DATE_EPOCH DOCSEAL_PASSPHRASE DOCSEAL_VAULT
export XDG_CONFIG_HOME=$tmp/config NO_COLOR=1 HOME=$tmp
art=$DS_SOURCE_DIR/fixtures/articles/000_b02582cd44c05fde.txt
fail() { echo "vault_cli: $*" >&2; exit 1; }
expect() { # expect WANT GOT
    [ "$1" = "$2" ] || fail "expected [$1], got [$2]"
}

# init makes a key when there is none, and says where
out=$("$DOCSEAL" init "$tmp/v1")
key=$tmp/config/docseal/docseal.key
kid=$(sed -n 's/.*key id \([0-9A-F]\{16\}\).*/\1/p' <<<"$out")
[ ${#kid} -eq 16 ] || fail "no key id in: $out"
expect "created signing key $key (key id $kid, not encrypted), public key $key.pub
initialized docseal vault in $tmp/v1 (signing key $kid, trusted-keys/$kid.pub)" "$out"
expect 600 "$(stat -c %a "$key")"
cmp -s "$key.pub" "$tmp/v1/trusted-keys/$kid.pub" || fail "trusted key differs from $key.pub"
grep -q "\"key\": \"$key\"" "$tmp/v1/docseal.json" || fail "key path not recorded"
# a second vault reuses the key
out=$("$DOCSEAL" init "$tmp/v2")
expect "initialized docseal vault in $tmp/v2 (signing key $kid, trusted-keys/$kid.pub)" "$out"
# never over an existing vault
set +e
err=$("$DOCSEAL" init "$tmp/v1" 2>&1)
rc=$?
set -e
expect 2 "$rc"
expect "docseal: $tmp/v1: already a docseal vault" "$err"

# finding the vault: -C, then DOCSEAL_VAULT, then upward from the working directory
"$DOCSEAL" -q -C "$tmp/v1" add --id one --time 2020-01-01T00:00:00Z "$art" >/dev/null
DOCSEAL_VAULT=$tmp/v2 "$DOCSEAL" -q add --id two --time 2020-01-01T00:00:00Z "$art" >/dev/null
expect one "$(cd "$tmp/v1/bundles" && "$DOCSEAL" log | cut -d' ' -f1)"
expect two "$(cd "$tmp/v1/bundles" && DOCSEAL_VAULT=$tmp/v2 "$DOCSEAL" log | cut -d' ' -f1)"
expect one "$(cd "$tmp/v2" && "$DOCSEAL" -C "$tmp/v1" log | cut -d' ' -f1)"
set +e
err=$(cd "$tmp" && "$DOCSEAL" log 2>&1)
rc=$?
set -e
expect 2 "$rc"
expect "docseal: no docseal vault in $tmp or any parent directory (create one with 'docseal init', or name one with -C DIR or \$DOCSEAL_VAULT)" "$err"

# ids with '@' (URLs), standard input
export DOCSEAL_VAULT=$tmp/v1
url='https://example.org/@ed/story'
out=$("$DOCSEAL" add --url "$url" --time 2020-01-02T00:00:00Z - <"$art" 2>/dev/null)
expect "$url  rev 1  new  759dda5193f1" "$out"
printf '# Story\n\nA second version.\n' | "$DOCSEAL" -q add --url "$url" --time 2020-01-03T00:00:00Z - >/dev/null
expect "# Story" "$("$DOCSEAL" show "$url" | head -n 1)"
expect "# Story" "$("$DOCSEAL" show "$url@2" | head -n 1)"
expect "# Story" "$("$DOCSEAL" show "$url@latest" | head -n 1)"
"$DOCSEAL" show "$url@1" | cmp -s - <("$DOCSEAL" normalize "$art") || fail "$url@1 differs"
"$DOCSEAL" show --rev '~1' "$url" | cmp -s - <("$DOCSEAL" normalize "$art") || fail "--rev ~1 differs"
"$DOCSEAL" show --original "$url@1" | cmp -s - "$art" || fail "original of stdin differs"
expect "$url" "$("$DOCSEAL" log | sed -n 2p | cut -d' ' -f1)"
expect "rev 2" "$("$DOCSEAL" log --no-summary "$url" | sed -n 2p | cut -c1-5)"

# an encrypted key: add needs the passphrase
printf 'secret words\n' >"$tmp/pass"
DOCSEAL_PASSPHRASE='secret words' "$DOCSEAL" init --key "$tmp/enc.key" "$tmp/v3" >"$tmp/o"
grep -q 'encrypted with $DOCSEAL_PASSPHRASE' "$tmp/o" || fail "key not encrypted: $(cat "$tmp/o")"
DOCSEAL_VAULT=$tmp/v3 "$DOCSEAL" -q add --passphrase-file "$tmp/pass" --id e "$art" </dev/null >/dev/null
set +e
err=$(DOCSEAL_VAULT=$tmp/v3 "$DOCSEAL" -q add --id e "$art" 2>&1 </dev/null)
rc=$?
set -e
expect 2 "$rc"
[ "$(wc -l <"$tmp/v3/manifest.jsonl")" -eq 1 ] || fail "an add without the passphrase wrote"

# usage errors
set +e
"$DOCSEAL" add >/dev/null 2>&1
expect 2 "$?"
"$DOCSEAL" add - - >/dev/null 2>&1
expect 2 "$?"
"$DOCSEAL" show a b >/dev/null 2>&1
expect 2 "$?"
"$DOCSEAL" log --head x >/dev/null 2>&1
expect 2 "$?"
"$DOCSEAL" repair extra >/dev/null 2>&1
expect 2 "$?"
set -e
echo "vault_cli: ok"
