#!/bin/bash
# The main job through the CLI with a fixed key and fixed times: the exact
# output of init, add, log, show, verify and repair is compared with
# tests/sh/vault_mainjob.expected (DS_UPDATE_GOLDEN=1 rewrites it), and every
# revision's text with what `docseal normalize` makes of its file.
set -euo pipefail
: "${DOCSEAL:?path of the docseal binary}" "${DS_SOURCE_DIR:?source directory}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$DS_SOURCE_DIR"
cp fixtures/keys/vault-test.key "$tmp/test.key"
chmod 600 "$tmp/test.key"
unset SOURCE_DATE_EPOCH DOCSEAL_PASSPHRASE XDG_CONFIG_HOME
export DOCSEAL_VAULT=$tmp/vault NO_COLOR=1 HOME=$tmp
expected=tests/sh/vault_mainjob.expected
out=$tmp/out

run() {
    echo "\$ docseal $*" | sed "s|$tmp|TMP|g"
    set +e
    "$DOCSEAL" "$@" >"$tmp/o" 2>"$tmp/e"
    local rc=$?
    set -e
    sed "s|$tmp|TMP|g" "$tmp/o"
    sed "s|$tmp|TMP|g; s|^|stderr: |" "$tmp/e"
    echo "[exit $rc]"
}

art=fixtures/articles/000_b02582cd44c05fde.txt
revs=(vault-2-typo vault-3-quote vault-4-figure vault-5-paragraph vault-6-headline)
files=("$art")
for r in "${revs[@]}"; do files+=("fixtures/revisions/$r.txt"); done

{
    run init --key "$tmp/test.key" "$tmp/vault"
    day=11
    for f in "${files[@]}"; do
        run add --id putin-kim --time "2018-01-${day}T12:00:00Z" "$f"
        day=$((day + 1))
    done
    run add --id putin-kim --time 2018-01-17T12:00:00Z fixtures/revisions/vault-6-headline.txt
    run add --id putin-kim --time 2018-01-18T12:00:00Z -m "same text, other line breaks" \
        fixtures/revisions/vault-6-headline-reflowed.txt
    # a second document in the same snapshot as a third
    run add --time 2018-01-19T12:00:00Z fixtures/revisions/vault-2-typo.txt fixtures/revisions/vault-3-quote.txt
    run add --json --time 2018-01-20T12:00:00Z fixtures/revisions/vault-3-quote.txt
    run log
    run log putin-kim
    run log --all putin-kim
    run log --no-summary vault-3-quote
    run log --json
    run log --json vault-2-typo
    run log --head
    run show --json putin-kim@1
    run verify
    # errors
    run add --time 2018-01-01T00:00:00Z "$art"
    run add --id x "$art" "$art"
    run show nobody
    run show putin-kim@7
    run show putin-kim@2018-01-01
    run show --rev tomorrow putin-kim
    run log nobody
    run -C "$tmp" log
    # a crash in the middle of an append, and its repair
    head -c 150 "$tmp/vault/manifest.jsonl" >>"$tmp/vault/manifest.jsonl"
    run verify
    run add --time 2018-02-01T00:00:00Z "$art"
    run log --head
    run repair --dry-run
    run repair
    run repair
    run verify
} >"$out"

# every revision's text and original, exactly
n=1
for f in "${files[@]}"; do
    "$DOCSEAL" normalize "$f" >"$tmp/want"
    "$DOCSEAL" show "putin-kim@$n" >"$tmp/got"
    cmp "$tmp/want" "$tmp/got" || { echo "show putin-kim@$n differs from normalize $f"; exit 1; }
    "$DOCSEAL" show --original --rev "$n" putin-kim >"$tmp/got"
    cmp "$f" "$tmp/got" || { echo "show --original putin-kim@$n differs from $f"; exit 1; }
    n=$((n + 1))
done

if [ "${DS_UPDATE_GOLDEN:-0}" = 1 ]; then
    cp "$out" "$expected"
    echo "updated $expected"
    exit 0
fi
diff -u "$expected" "$out"
echo "vault_mainjob: ok"
