#!/usr/bin/env bash
# scripts/check-layers: passes on a tree whose includes go down the layers, fails naming the
# file and line on one that includes a layer above its own, and on an engine reaching another.
set -euo pipefail
check=${1:?usage: check_layers_test.sh scripts/check-layers}
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree"/include/manydb/{core,session} "$tree"/src/engines/{sqlite,postgres}
echo '#include "manydb/core/value.hpp"' >"$tree/include/manydb/session/session.hpp"
echo '#include <string>' >"$tree/include/manydb/core/value.hpp"
echo '#include "engines/sqlite/connection.hpp"' >"$tree/src/engines/sqlite/cursor.cpp"
"$check" "$tree" >/dev/null || { echo "FAIL: a clean tree was refused"; exit 1; }

printf '#include <string>\n#include "manydb/session/session.hpp"\n' >"$tree/include/manydb/core/value.hpp"
if out=$("$check" "$tree" 2>&1); then echo "FAIL: core including session passed"; exit 1; fi
grep -q 'include/manydb/core/value.hpp:2' <<<"$out" || { echo "FAIL: not named: $out"; exit 1; }

echo '#include <string>' >"$tree/include/manydb/core/value.hpp"
echo '#include "engines/postgres/connection.hpp"' >"$tree/src/engines/sqlite/cursor.cpp"
if "$check" "$tree" >/dev/null 2>&1; then echo "FAIL: an engine including another passed"; exit 1; fi
echo "check-layers: refuses what it must"
