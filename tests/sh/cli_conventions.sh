#!/usr/bin/env bash
# Command-line conventions shared by every command: exact messages and exit
# statuses for bad options, `help COMMAND`, standard input given twice, a
# malformed or out-of-range SOURCE_DATE_EPOCH, an empty -C, colour control,
# global options after the command, and two input
# limits (an over-long paragraph on stdin; a UTF-16 page).
. "$(dirname "$0")/lib/common.sh"

art=$FIX/articles/000_b02582cd44c05fde.txt
expect 2 "docseal: hash: unknown option '-x'
Try 'docseal hash --help'." -- hash -xyz "$art"
expect 2 "docseal: hash: unknown option '--bogus'
Try 'docseal hash --help'." -- hash --bogus "$art"
expect 2 "docseal: seal: option '-o' needs an argument
Try 'docseal seal --help'." -- seal -o
expect 2 "docseal: diff: option '--format' needs an argument
Try 'docseal diff --help'." -- diff --format
expect 2 "docseal: 'frobnicate' is not a docseal command" -- help frobnicate
expect 0 "" -- help diff
head -n 1 "$WORK/out" | grep -q '^Usage: docseal diff ' || fail "help diff: $(head -n 1 "$WORK/out")"
expect 2 "docseal: hash: standard input ('-') can be given only once
Try 'docseal hash --help'." -- hash - -
expect 2 "docseal: -C: the vault directory is empty" -- -C "" log
expect 2 "docseal: verify: --expect-head abc: not a record hash (64 lowercase hex digits, as 'docseal log --head' prints)
Try 'docseal verify --help'." -- verify --expect-head abc

expect 2 "docseal: seal: -o: the output path is empty
Try 'docseal seal --help'." -- seal -o '' "$art"
expect 2 "docseal: seal: --url: empty
Try 'docseal seal --help'." -- seal --url '' "$art"
expect 2 "docseal: add: --id: empty
Try 'docseal add --help'." -- add --id '' "$art"

# A named passphrase file that cannot be read is an error, needed or not.
"$DOCSEAL" keygen --no-passphrase -o "$WORK/k.key" >/dev/null
expect 2 "docseal: /nonexistent/pass: No such file or directory" -- \
    seal -k "$WORK/k.key" --passphrase-file /nonexistent/pass -o "$WORK/x.tar.zst" "$art"
[ ! -e "$WORK/x.tar.zst" ] || fail "a bundle was written"

# Control characters in a message (a file name with a line feed, an escape
# sequence) are shown as \xHH: one line, nothing sent to the terminal.
expect 2 'docseal: /nonexistent/a\x0ab\x1b[31m: No such file or directory' -- hash $'/nonexistent/a\nb\e[31m'
# C1 controls (U+009B is CSI) and bytes that are not UTF-8 too; other text stays as it is
expect 2 'docseal: /nonexistent/\xc2\x9b31m\xff—é: No such file or directory' -- hash $'/nonexistent/\xc2\x9b31m\xff\u2014\u00e9'
expect 2 "docseal: diff: -o: the output path is empty
Try 'docseal diff --help'." -- diff -o '' "$art" "$art"

# Output that cannot be written is an error (exit 2), one message for every command.
if [ -w /dev/full ]; then
    for args in "--help" "--version" "help add" "hash $art" "normalize $art" "normalize --json $art" \
        "diff $art $FIX/revisions/rev-figure.txt"; do
        set +e
        # shellcheck disable=SC2086
        "$DOCSEAL" $args >/dev/full 2>"$WORK/err"
        rc=$?
        set -e
        [ $rc -eq 2 ] || fail "docseal $args >/dev/full: exit $rc"
        [ "$(cat "$WORK/err")" = "docseal: write error: standard output: No space left on device" ] ||
            fail "docseal $args >/dev/full: [$(cat "$WORK/err")]"
    done
fi
SOURCE_DATE_EPOCH=1600000000x expect 2 \
    "docseal: SOURCE_DATE_EPOCH: '1600000000x' is not a number of seconds since the epoch" -- seal -k "$WORK/none.key" -o "$WORK/x.tar.zst" "$art"
SOURCE_DATE_EPOCH=" 1600000000" expect 2 \
    "docseal: SOURCE_DATE_EPOCH: ' 1600000000' is not a number of seconds since the epoch" -- init "$WORK/sde-vault0"
# the commands that never read the time ignore it
SOURCE_DATE_EPOCH=1600000000x expect 0 "" -- hash "$art"

# Colour: never on a pipe by default or with NO_COLOR; always when asked.
rev=$FIX/revisions/rev-figure.txt
"$DOCSEAL" diff "$art" "$rev" >"$WORK/plain" || true
grep -q $'\033\[' "$WORK/plain" && fail "escape codes on a pipe without --color"
NO_COLOR=1 "$DOCSEAL" --color=auto diff --format color "$art" "$rev" >"$WORK/nc" || true
"$DOCSEAL" --color=always diff --format color "$art" "$rev" >"$WORK/c" || true
grep -q $'\033\[' "$WORK/c" || fail "--color=always printed no escape codes"
# an explicit --color=never wins over --format color: the plain format, byte for byte
"$DOCSEAL" --color=never diff --format color "$art" "$rev" >"$WORK/never" || true
grep -q $'\033\[' "$WORK/never" && fail "--color=never --format color printed escape codes"
cmp -s "$WORK/never" "$WORK/plain" || fail "--color=never --format color is not the plain format"

# Memory is bounded by the longest paragraph: a 300 MB paragraph on stdin is refused.
set +e
yes text | head -c 300000000 | "$DOCSEAL" hash - >"$WORK/out" 2>"$WORK/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "an over-long paragraph: exit $rc"
grep -qx "docseal: <stdin>: a paragraph longer than 256 MiB (the normalizer holds one paragraph at a time; split the input with blank lines)" "$WORK/err" ||
    fail "an over-long paragraph: $(cat "$WORK/err")"

# A UTF-16 page with a byte order mark reads like its UTF-8 twin.
printf '<!DOCTYPE html><html lang="en"><head><title>Caf\xc3\xa9 news</title></head><body><article><h1>Caf\xc3\xa9 news</h1><p>The caf\xc3\xa9 opened on Monday with a long queue of people waiting outside in the rain.</p><p>Its owner said she was delighted by the number of visitors and hoped they would return.</p></article></body></html>' >"$WORK/u8.html"
{ printf '\xff\xfe'; iconv -f UTF-8 -t UTF-16LE "$WORK/u8.html"; } >"$WORK/u16le.html"
{ printf '\xfe\xff'; iconv -f UTF-8 -t UTF-16BE "$WORK/u8.html"; } >"$WORK/u16be.html"
h8=$("$DOCSEAL" hash "$WORK/u8.html" | cut -c1-64)
for f in u16le u16be; do
    h=$("$DOCSEAL" hash "$WORK/$f.html" | cut -c1-64)
    [ "$h" = "$h8" ] || fail "$f page: content hash $h, UTF-8 twin $h8"
done
[ "$h8" = "e4c6ce8af4bf1ea83e7cb952eb1cc86b0f1948068e330afdc76405f043c3386a" ] || fail "UTF-8 page hash $h8"
# A snapshot time far in the future would lock the vault (times never
# decrease): refused unless --allow-future.
"$DOCSEAL" -q -C "$WORK/v" init >/dev/null
set +e
"$DOCSEAL" -C "$WORK/v" add --time 2081-01-01T00:00:00Z "$art" >/dev/null 2>"$WORK/err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "future time: exit $rc"
grep -q "^docseal: add: snapshot time 2081-01-01T00:00:00Z is more than 24 hours in the future" "$WORK/err" ||
    fail "future time: $(cat "$WORK/err")"
[ ! -s "$WORK/v/manifest.jsonl" ] || fail "future time: a record was written"
"$DOCSEAL" -q -C "$WORK/v" add --allow-future --time 2081-01-01T00:00:00Z "$art" >/dev/null ||
    fail "--allow-future refused"
# Revision and vault errors say what is wrong.
expect 2 "docseal: 000_b02582cd44c05fde@0: '0' is not a revision of 000_b02582cd44c05fde (use N >= 1, latest, ~N, YYYY-MM-DD or an RFC 3339 time)" \
    -- -C "$WORK/v" show 000_b02582cd44c05fde@0
expect 2 "docseal: nobody: no such document in the vault (see 'docseal log')" -- -C "$WORK/v" show nobody
expect 2 "docseal: $WORK/none: No such file or directory" -- -C "$WORK/none" log
expect 2 "docseal: $art: not a directory" -- -C "$art" log
# SOURCE_DATE_EPOCH beyond 9999-12-31T23:59:59Z (or beyond any integer) is
# an error for the commands that write a time (add, seal, init), never "now".
for e in 99999999999999999999 253402300800; do
    big="docseal: SOURCE_DATE_EPOCH: '$e' is out of range (at most 253402300799, 9999-12-31T23:59:59Z)"
    SOURCE_DATE_EPOCH=$e expect 2 "$big" -- -C "$WORK/v" add --id sde "$art"
    SOURCE_DATE_EPOCH=$e expect 2 "$big" -- seal -k "$WORK/k.key" -o "$WORK/sde.tar.zst" "$art"
    SOURCE_DATE_EPOCH=$e expect 2 "$big" -- init "$WORK/sde-vault"
    SOURCE_DATE_EPOCH=$e expect 0 "" -- hash "$art"
done
[ "$(wc -l <"$WORK/v/manifest.jsonl")" -eq 1 ] || fail "SOURCE_DATE_EPOCH out of range: a record was written"
[ ! -e "$WORK/sde.tar.zst" ] && [ ! -e "$WORK/sde-vault" ] || fail "SOURCE_DATE_EPOCH out of range: output written"
SOURCE_DATE_EPOCH=253402300799 expect 0 "" -- hash "$art"

# The global options -q, -C DIR, --color=WHEN (and -v) also come after the
# command, for every command, as before it.
for cmd in init add log show diff verify repair seal keygen normalize hash; do
    expect 0 "" -- "$cmd" -q -C "$WORK/v" --color=never -v --help
    grep -qx "Global options (before or after $cmd):" "$WORK/out" || fail "$cmd --help: no global options"
done
"$DOCSEAL" -q -C "$WORK/v" verify >"$WORK/before"
expect 0 "" -- verify -q -C "$WORK/v"
cmp -s "$WORK/out" "$WORK/before" || fail "verify -q -C: output differs from -q -C verify"
expect 0 "" -- log -C "$WORK/v"
grep -q '^000_b02582cd44c05fde ' "$WORK/out" || fail "log -C: $(cat "$WORK/out")"
expect 0 "" -- hash -C "$WORK/v" -q "$art"
expect 2 "docseal: verify: --color: 'bad' is not one of auto, always, never
Try 'docseal verify --help'." -- verify --color=bad -C "$WORK/v"
expect 2 "docseal: --color: 'bad' is not one of auto, always, never" -- --color=bad verify
expect 2 "docseal: log: -C: the vault directory is empty
Try 'docseal log --help'." -- log -C ''
expect 2 "docseal: log: option '-C' needs an argument
Try 'docseal log --help'." -- log -C
"$DOCSEAL" diff --format color "$art" "$rev" --color=always >"$WORK/c2" || true
cmp -s "$WORK/c2" "$WORK/c" || fail "diff ... --color=always differs from --color=always diff"
"$DOCSEAL" diff --format color --color=never "$art" "$rev" >"$WORK/never2" || true
cmp -s "$WORK/never2" "$WORK/plain" || fail "diff --color=never --format color is not the plain format"
# the last one given wins, before or after the command
"$DOCSEAL" --color=never diff --format color --color=always "$art" "$rev" >"$WORK/c3" || true
cmp -s "$WORK/c3" "$WORK/c" || fail "--color=always after the command did not win"

# diff: summary is a format; --summary with it changes nothing, and with
# unified or html is a usage error that says which formats it works with.
expect 1 "" -- diff -s -f summary "$art" "$rev"
cp "$WORK/out" "$WORK/s1"
expect 1 "" -- diff -f summary "$art" "$rev"
cmp -s "$WORK/out" "$WORK/s1" || fail "diff -s -f summary differs from -f summary"
expect 2 "docseal: diff: --summary does not work with --format html (it works with color, plain, summary and json)
Try 'docseal diff --help'." -- diff -s -f html "$art" "$rev"
expect 2 "docseal: diff: unknown diff format 'sumary' (expected color, plain, unified, json, html or summary)
Try 'docseal diff --help'." -- diff -s -f sumary "$art" "$rev"
# abbreviated long options: a start naming one of the command's own options
# means it, though it may also start a global option; a start of several
# options is called ambiguous, naming them
expect 1 "" -- diff --c 0 "$art" "$rev"
cp "$WORK/out" "$WORK/ctx0"
expect 1 "" -- diff --context=0 "$art" "$rev"
cmp -s "$WORK/out" "$WORK/ctx0" || fail "diff --c 0 is not diff --context=0"
expect 1 "" -- diff --co 0 "$art" "$rev"
cmp -s "$WORK/out" "$WORK/ctx0" || fail "diff --co 0 is not diff --context=0"
expect 1 "" -- diff --form=json "$art" "$rev"
[ "$(head -c 1 "$WORK/out")" = "{" ] || fail "diff --form=json: not JSON: $(head -c 80 "$WORK/out")"
expect 0 "" -- keygen --no-passphrase --com hello -o "$WORK/abbrev.key"
grep -qx "untrusted comment: hello" "$WORK/abbrev.key.pub" || fail "keygen --com: comment not used"
expect 2 "docseal: hash: option '--v' is ambiguous (--vault, --verbose)
Try 'docseal hash --help'." -- hash --v "$art"
echo "cli conventions: ok"
