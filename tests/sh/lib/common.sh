# lib.sh - shared set-up for the shell tests (sourced).
set -euo pipefail
: "${DOCSEAL:?path of the docseal binary}" "${DS_SOURCE_DIR:?source tree}"
WORK=$(mktemp -d /tmp/docseal-sh-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export XDG_CONFIG_HOME=$WORK/config DOCSEAL_PASSPHRASE= NO_COLOR=1
unset DOCSEAL_VAULT SOURCE_DATE_EPOCH
FIX=$DS_SOURCE_DIR/fixtures
fail() { echo "FAIL: $*" >&2; exit 1; }
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
