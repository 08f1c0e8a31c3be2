#!/usr/bin/env bash
# Each public header compiles alone, as C11 and as C++, with pedantic warnings
# as errors (a header must include what it uses and nothing non-standard).
set -euo pipefail
src=${DS_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
for h in "$src"/include/docseal/*.h; do
    name=docseal/$(basename "$h")
    printf '#include "%s"\n#include "%s"\nint main(void) { return 0; }\n' "$name" "$name" >"$tmp/t.c"
    if ! cc -std=c11 -pedantic -Wall -Wextra -Werror -I"$src/include" -fsyntax-only "$tmp/t.c"; then
        echo "FAIL: $name does not compile alone as C11"
        fail=1
    fi
    if command -v c++ >/dev/null && ! c++ -x c++ -std=c++11 -pedantic -Wall -Wextra -Werror \
        -I"$src/include" -fsyntax-only "$tmp/t.c"; then
        echo "FAIL: $name does not compile alone as C++11"
        fail=1
    fi
done
[ $fail -eq 0 ] && echo "all public headers compile alone"
exit $fail
