# shellcheck shell=bash disable=SC2034
# Shared by scripts/db-up, scripts/db-down and scripts/db-fault (sourced, not run).
# The servers of one db-up live in one directory, a folder each: pg (PostgreSQL) and its
# streaming replicas pgr and pgr2; mariadb (MariaDB, binlog on) and its GTID replicas mariadbr
# and mariadbr2.
PG_REPLICAS=(pgr pgr2)
MARIADB_REPLICAS=(mariadbr mariadbr2)

# replica_suffix I: how the I-th replica (from 1) is named in the env file: MANYDB_PG_REPLICA_PORT,
# MANYDB_PG_REPLICA2_PORT, ...
replica_suffix() { (($1 == 1)) || echo "$1"; }
PG_BIN=/usr/lib/postgresql/15/bin
DB_USER=manydb
DB_PASSWORD='p@ss:w/rd%1'             # deliberately full of URL-special characters
DB_PASSWORD_URL='p%40ss%3Aw%2Frd%251' # the same, percent-encoded for URLs
# The replicas log in to their primary as this user, over loopback TCP with a password.
REPL_USER=manydb_repl
REPL_PASSWORD='repl-pw-7c1e'

# load_env ENV_FILE: the settings that db-up wrote to ENV_FILE, and none that the caller's
# environment holds instead (under scripts/with-db, the shared servers': a test's own servers
# without replicas must not seem to have those). MANYDB_PG_MAX_PREPARED is an input: it stays.
load_env() {
  local name
  for name in "${!MANYDB_@}" DATABASE_URL DATABASE_REPLICAS; do
    [ "$name" = MANYDB_PG_MAX_PREPARED ] || unset "$name"
  done
  # shellcheck disable=SC1090
  . "$1"
}

# gone PID: true once PID has exited. Nothing reaps orphans in this container (PID 1 is not
# an init), so an exited server can linger as a zombie: count that as gone (kill -0 would not).
gone() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
  [[ $stat == Z* ]]
}

# wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds; false on timeout.
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < end)) || return 1
    sleep 0.1
  done
}

# pg_stop DIR [NAME [MODE]]: stop the PostgreSQL server whose data directory is DIR/NAME/data
# (NAME: pg, the default, or a replica's), if running. MODE: fast (the default: a clean shutdown) or
# immediate, for a server whose files are deleted next (no shutdown checkpoint, which on this
# disk spends seconds on fsync after CREATE DATABASE).
pg_stop() {
  local data=$1/${2:-pg}/data mode=${3:-fast} pid
  pid=$(head -n1 "$data/postmaster.pid" 2>/dev/null) || return 0
  [ -n "$pid" ] && ! gone "$pid" || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" stop -D "$data" -m "$mode" -t 30 >/dev/null 2>&1 ||
    kill -KILL "$pid" 2>/dev/null || true
  wait_for 10 gone "$pid"
}

# pg_start DIR PORT [NAME]: start the PostgreSQL cluster in DIR/NAME/data (NAME: pg, the
# default, or a replica's) on 127.0.0.1:PORT (and a unix socket in DIR/pgsock), waiting until it
# accepts connections. Used by db-up and db-fault.
# MANYDB_PG_MAX_PREPARED overrides max_prepared_transactions (a fault test starts one with 0).
# The replicas get the same settings: a standby refuses to start with fewer connections or
# prepared transactions than its primary.
pg_start() {
  local dir=$1 port=$2 name=${3:-pg} opts
  opts="-c listen_addresses=127.0.0.1 -c port=$port"
  opts+=" -c max_prepared_transactions=${MANYDB_PG_MAX_PREPARED:-100}"
  opts+=" -c unix_socket_directories=$dir/pgsock -c max_connections=200 -c fsync=on"
  # A replica whose primary restarted tries again after 1 s rather than the default 5 s.
  opts+=" -c wal_retrieve_retry_interval=1s"
  # The server's own count of the statements it ran, which the tests compare manydb's statement
  # counter with (docs/testing.md); part of postgresql-15 (contrib).
  opts+=" -c shared_preload_libraries=pg_stat_statements"
  runuser -u postgres -- "$PG_BIN/pg_ctl" start -D "$dir/$name/data" -l "$dir/$name/server.log" \
    -w -t 30 -o "$opts" >/dev/null
}

# pg_super DIR PORT ARGS...: psql as the postgres superuser through the unix socket.
pg_super() {
  local dir=$1 port=$2
  shift 2
  "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir/pgsock" -p "$port" -U postgres "$@"
}

# mariadb_stop DIR [NAME]: stop the MariaDB server living in DIR/NAME (NAME: mariadb, the
# default, or a replica's), if running. SQL SHUTDOWN and a pid poll take 0.2 s where
# mariadb-admin shutdown takes 1 s (it polls once a second).
mariadb_stop() {
  local name=${2:-mariadb} pid
  pid=$(cat "$1/$name/mariadbd.pid" 2>/dev/null) || return 0
  [ -n "$pid" ] && ! gone "$pid" || return 0
  mariadb_root "$1" "$name" -e SHUTDOWN >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  wait_for 30 gone "$pid" || { kill -KILL "$pid" 2>/dev/null; wait_for 5 gone "$pid"; }
}

# mariadb_start DIR PORT [NAME]: start mariadbd on DIR/NAME/data, 127.0.0.1:PORT and the socket
# DIR/NAME/sock, in the background; prints its pid. The caller waits for it to answer.
# NAME mariadb (the default) is the primary (server id 1), mariadbr and mariadbr2 its replicas
# (2 and 3): started again after a crash with these same options, a replica restarts its slave
# threads by itself. Binlogs and relay logs are named: the default names hold the host name.
mariadb_start() {
  local name=${3:-mariadb} port=$2 role=()
  local d=$1/$name binlog=(--log-bin=mariadb-bin --binlog-format=ROW)
  local replica=(--log-slave-updates --read-only --relay-log=relay-bin "${binlog[@]}")
  case $name in
    mariadb) role=(--server-id=1) ;;
    mariadbr) role=(--server-id=2 "${replica[@]}") ;;
    mariadbr2) role=(--server-id=3 "${replica[@]}") ;;
    *) echo "mariadb_start: unknown server $name" >&2; return 1 ;;
  esac
  # The primary writes a binlog only when it has replicas (db-up's MANYDB_DB_REPLICAS).
  if [ "$name" = mariadb ] && [ -d "$1/mariadbr" ]; then role+=("${binlog[@]}"); fi
  # setsid: own session, so the server survives this script and its terminal.
  # --skip-name-resolve: no reverse DNS lookups on connect. utf8mb4: text is Unicode everywhere.
  setsid nohup /usr/sbin/mariadbd --no-defaults --datadir="$d/data" --user=mysql \
    --port="$port" --socket="$d/sock" --bind-address=127.0.0.1 \
    --pid-file="$d/mariadbd.pid" --log-error="$d/server.log" \
    --max-connections=300 --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    "${role[@]}" \
    </dev/null >>"$d/console.log" 2>&1 &
  echo $!
}

# mariadb_root DIR NAME ARGS...: the mariadb client as root, through the unix socket of the
# server in DIR/NAME (mariadb or a replica's).
mariadb_root() {
  local d=$1/$2
  shift 2
  mariadb --no-defaults --socket="$d/sock" -uroot "$@"
}
