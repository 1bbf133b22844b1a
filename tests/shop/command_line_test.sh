#!/usr/bin/env bash
# The command lines as a user types them: --config before or after the subcommand, --version,
# and `manydb ping` telling a SQL_ASCII PostgreSQL database apart (when the test servers run).
set -euo pipefail
build=$1
shop=$build/apps/shop/shop
manydb=$build/tools/manydb/manydb
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
unset DATABASE_URL DATABASE_REPLICAS $(compgen -e | grep "^MANYDB_BIND_" || true)
fail() { echo "FAIL: $*"; exit 1; }

"$shop" --version | grep -qE '^shop \(manydb [0-9]+\.[0-9]+\.[0-9]+\)$' || fail "shop --version"
"$manydb" --version | grep -qE '^manydb [0-9]+\.[0-9]+\.[0-9]+$' || fail "manydb --version"

cat >shop.toml <<TOML
[database]
url = "sqlite:///$work/products.db"
[database.binds]
users = "sqlite:///$work/users.db"
orders = "sqlite:///$work/orders.db"
reviews = "sqlite:///$work/reviews.db"
analytics = "sqlite:///$work/analytics.db"
TOML
"$shop" create-all --config shop.toml >/dev/null || fail "shop create-all --config FILE"
[ -f products.db ] || fail "shop create-all --config FILE did not use FILE"
"$shop" --config shop.toml check-schema >/dev/null || fail "shop --config FILE check-schema"
"$manydb" ping --config shop.toml | grep -q '^analytics  *ok ' || fail "manydb ping --config FILE"
"$manydb" --config shop.toml ping | grep -q '^users  *ok ' || fail "manydb --config FILE ping"

# serve --config FILE: serves that file's binds.
mkfifo out
"$shop" serve --config shop.toml --port 0 >out 2>err &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
exec 3<out
IFS= read -r -t 60 line <&3 || { cat err; fail "shop serve --config FILE did not start"; }
[[ $line == "listening on http://"* ]] || fail "shop serve --config FILE said: $line"
url=${line#listening on }
[ "$(curl -s -o /dev/null -w '%{http_code}' "$url/products")" = 200 ] || fail "GET /products"
kill "$pid"
wait "$pid" || fail "shop serve did not exit 0 on SIGTERM"

# serve --orders-commit: best-effort is used (POST /orders then creates no commit log in
# orders.db: only an atomic commit writes manydb_commit_log, which the default does), and a
# mode that does not exist is refused with the choices.
commit_log_tables() { sqlite3 "$1/orders.db" \
  "SELECT count(*) FROM sqlite_master WHERE name = 'manydb_commit_log'"; }
order_in() { # DIR [SERVE ARGS...]: serves DIR's files, posts one order; its status in DIR/status
  local dir=$1
  shift
  mkdir -p "$dir"
  sed "s|$work/|$dir/|" shop.toml >"$dir/shop.toml"
  "$shop" --config "$dir/shop.toml" seed --products 2 --users 2 --orders 0 --reviews 0 >/dev/null
  rm -f out && mkfifo out
  "$shop" serve --config "$dir/shop.toml" --port 0 "$@" >out 2>err &
  pid=$!
  exec 3<out
  IFS= read -r -t 60 line <&3 || { cat err >&2; fail "shop serve $* did not start"; }
  curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{"user_id": 1, "items": [{"product_id": 1, "quantity": 1}]}' \
    "${line#listening on }/orders" >"$dir/status"
  kill "$pid"
  wait "$pid" || fail "shop serve $* did not exit 0 on SIGTERM"
}
order_in "$work/atomic"
[ "$(cat "$work/atomic/status")" = 201 ] || fail "POST /orders (atomic)"
[ "$(commit_log_tables "$work/atomic")" = 1 ] || fail "an atomic POST /orders wrote no commit log"
order_in "$work/best-effort" --orders-commit best-effort
[ "$(cat "$work/best-effort/status")" = 201 ] || fail "POST /orders with --orders-commit best-effort"
[ "$(commit_log_tables "$work/best-effort")" = 0 ] ||
  fail "--orders-commit best-effort still committed atomically"
status=0
"$shop" serve --config shop.toml --port 0 --orders-commit sometimes >out.txt 2>&1 || status=$?
[ "$status" != 0 ] || fail "shop serve --orders-commit sometimes was accepted"
grep -q -- "--orders-commit" out.txt && grep -q "best-effort" out.txt ||
  { cat out.txt; fail "shop serve --orders-commit sometimes: no message naming the choices"; }

# A SQL_ASCII database is reported by name, with the way out.
if [ -n "${MANYDB_TEST_POSTGRES_URL:-}" ]; then
  db="ascii_cli_$$"
  admin=$MANYDB_TEST_POSTGRES_URL
  psql=/usr/lib/postgresql/15/bin/psql
  "$psql" -X -q "$admin" -c "DROP DATABASE IF EXISTS $db" \
    -c "CREATE DATABASE $db ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
  printf '[database]\nurl = "%s"\n' "${admin%/*}/$db" >ascii.toml
  status=0
  "$manydb" ping --config ascii.toml >ping.txt || status=$?
  "$psql" -X -q "$admin" -c "DROP DATABASE $db"
  [ "$status" = 1 ] || fail "manydb ping of a SQL_ASCII database exited $status"
  grep -q "SQL_ASCII" ping.txt && grep -q "allow_sql_ascii=true" ping.txt ||
    { cat ping.txt; fail "manydb ping does not report SQL_ASCII"; }
elif [ "${MANYDB_REQUIRE_ALL_ENGINES:-}" = 1 ]; then
  fail "MANYDB_TEST_POSTGRES_URL is not set but MANYDB_REQUIRE_ALL_ENGINES=1"
else
  echo "SKIPPING the SQL_ASCII check: MANYDB_TEST_POSTGRES_URL is not set"
fi
echo "ok"
