#!/usr/bin/env bash
# The `make run` path itself, as a new user meets it: migrate the empty SQLite default in a
# fresh folder (apps/shop/migrations), seed it, serve on a free port, answer /products, exit 0
# on SIGTERM.
set -euo pipefail
build=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
# make run serves the SQLite default: drop the test servers' overrides that make test exports.
unset DATABASE_URL DATABASE_REPLICAS $(compgen -e | grep "^MANYDB_BIND_" || true)
mkfifo "$work/out"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$root/scripts/run-shop" "$build" 0 "$work" >"$work/out" 2>"$work/err" &
pid=$!
exec 3<"$work/out"
# Read the shop's own lines until it names its port (blocking reads, bounded in time).
migrated=no
seeded=no
url=
while IFS= read -r -t 120 line <&3; do
  case "$line" in
    "bind orders: applied 0001, 0002") migrated=yes ;;
    seeded*) seeded=yes ;;
    listening\ on\ http://*) url=${line#listening on }; break ;;
  esac
done
[ -n "$url" ] || { cat "$work/err"; echo "FAIL: the shop never said where it listens"; exit 1; }
[ "$migrated" = yes ] || { echo "FAIL: the orders bind was not migrated to 0002"; exit 1; }
[ "$seeded" = yes ] || { echo "FAIL: an empty default was not seeded"; exit 1; }
cat <&3 >/dev/null &  # keep draining stdout
status=$(curl -s -o "$work/products.json" -w '%{http_code}' "$url/products")
[ "$status" = 200 ] || { echo "FAIL: GET /products answered $status"; exit 1; }
count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/products.json")
[ "$count" = 1000 ] || { echo "FAIL: expected the 1000 seeded products, got $count"; exit 1; }
# A second `make run` on the same port says how to choose another one.
port=${url##*:}
if "$root/scripts/run-shop" "$build" "$port" "$work" >"$work/second.out" 2>"$work/second.err"; then
  echo "FAIL: a second shop started on a port in use"; exit 1
fi
grep -q 'make run PORT=N' "$work/second.err" || { cat "$work/second.err"; echo "FAIL: no hint"; exit 1; }
kill -TERM "$pid"
wait "$pid" && rc=0 || rc=$?
[ "$rc" = 0 ] || { cat "$out"; echo "FAIL: exit status $rc after SIGTERM"; exit 1; }
echo "ok: $url answered /products with $count products and exited 0 on SIGTERM"
