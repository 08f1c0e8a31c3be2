# lib.sh - shared set-up for the shell tests (sourced).
set -euo pipefail
: "${DOCSEAL:?path of the docseal binary}" "${DS_SOURCE_DIR:?source tree}"
WORK=$(mktemp -d /tmp/docseal-sh-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export XDG_CONFIG_HOME=$WORK/config DOCSEAL_PASSPHRASE= NO_COLOR=1
unset DOCSEAL_VAULT SOURCE_DATE_EPOCH
FIX=$DS_SOURCE_DIR/fixtures
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect STATUS EXPECTED-STDERR -- ARGS...: run docseal (stdin empty, stdout
# to $WORK/out); fail unless it exits STATUS with exactly that on stderr.
expect() { # expect STATUS EXPECTED-STDERR -- ARGS...
    local want=$1 msg=$2
    shift 3
    set +e
    "$DOCSEAL" "$@" >"$WORK/out" 2>"$WORK/err" </dev/null
    rc=$?
    set -e
    [ $rc -eq "$want" ] || fail "docseal $*: exit $rc, expected $want ($(cat "$WORK/err"))"
    [ "$(cat "$WORK/err")" = "$msg" ] || fail "docseal $*: stderr was [$(cat "$WORK/err")], expected [$msg]"
}

# ds ARGS...: run docseal, capturing the exit status in $rc without tripping set -e.
ds() { set +e; "$DOCSEAL" "$@"; rc=$?; set -e; }
# make_vault DIR: a vault with a fixed key and four snapshots of fixture articles.
make_vault() {
    local v=$1 t=0 f
    "$DOCSEAL" -C "$v" init >/dev/null
    for f in "$FIX"/articles/*.txt "$FIX"/revisions/*.txt; do
        [ -e "$f" ] || continue
        t=$((t + 1))
        "$DOCSEAL" -C "$v" add --id seed --time "2026-01-0${t}T12:00:00Z" "$f" >/dev/null
        [ $t -ge 4 ] && break
    done
    "$DOCSEAL" -C "$v" add --time 2026-01-09T12:00:00Z "$FIX"/articles/*.txt >/dev/null
}
