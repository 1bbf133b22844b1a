# shellcheck shell=bash disable=SC2034
# Shared by scripts/db-up and scripts/db-down (sourced, not run).
PG_BIN=/usr/lib/postgresql/15/bin
DB_USER=manydb
DB_PASSWORD='p@ss:w/rd%1'             # deliberately full of URL-special characters
DB_PASSWORD_URL='p%40ss%3Aw%2Frd%251' # the same, percent-encoded for URLs

# gone PID: true once PID has exited. Nothing reaps orphans in this container (PID 1 is not
# an init), so an exited server can linger as a zombie: count that as gone (kill -0 would not).
gone() {
  local stat
  stat=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
  [[ $stat == Z* ]]
}

# wait_for SECONDS CMD...: run CMD every 0.2 s until it succeeds; false on timeout.
wait_for() {
  local end=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}

# pg_stop DIR: stop the PostgreSQL server whose data directory is DIR/pg/data, if running.
pg_stop() {
  local data=$1/pg/data pid
  pid=$(head -n1 "$data/postmaster.pid" 2>/dev/null) || return 0
  [ -n "$pid" ] && ! gone "$pid" || return 0
  runuser -u postgres -- "$PG_BIN/pg_ctl" stop -D "$data" -m fast -t 30 >/dev/null 2>&1 ||
    kill -KILL "$pid" 2>/dev/null || true
  wait_for 10 gone "$pid"
}

# mariadb_stop DIR: stop the MariaDB server living in DIR/mariadb, if running.
mariadb_stop() {
  local d=$1/mariadb pid
  pid=$(cat "$d/mariadbd.pid" 2>/dev/null) || return 0
  [ -n "$pid" ] && ! gone "$pid" || return 0
  mariadb-admin --no-defaults --socket="$d/sock" -uroot --shutdown-timeout=30 shutdown \
    >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
  wait_for 30 gone "$pid" || { kill -KILL "$pid" 2>/dev/null; wait_for 5 gone "$pid"; }
}

# pg_start DIR PORT: start the PostgreSQL cluster in DIR/pg/data on 127.0.0.1:PORT (and a unix
# socket in DIR/pgsock), waiting until it accepts connections. Used by db-up and db-fault.
# MANYDB_PG_MAX_PREPARED overrides max_prepared_transactions (a fault test starts one with 0).
pg_start() {
  local dir=$1 port=$2 opts
  opts="-c listen_addresses=127.0.0.1 -c port=$port"
  opts+=" -c max_prepared_transactions=${MANYDB_PG_MAX_PREPARED:-100}"
  opts+=" -c unix_socket_directories=$dir/pgsock -c max_connections=200 -c fsync=on"
  runuser -u postgres -- "$PG_BIN/pg_ctl" start -D "$dir/pg/data" -l "$dir/pg/server.log" \
    -w -t 30 -o "$opts" >/dev/null
}

# mariadb_start DIR PORT: start mariadbd on DIR/mariadb/data, 127.0.0.1:PORT and the socket
# DIR/mariadb/sock, in the background; prints its pid. The caller waits for it to answer.
mariadb_start() {
  local d=$1/mariadb port=$2
  # setsid: own session, so the server survives this script and its terminal.
  # --skip-name-resolve: no reverse DNS lookups on connect. utf8mb4: text is Unicode everywhere.
  setsid nohup /usr/sbin/mariadbd --no-defaults --datadir="$d/data" --user=mysql \
    --port="$port" --socket="$d/sock" --bind-address=127.0.0.1 \
    --pid-file="$d/mariadbd.pid" --log-error="$d/server.log" \
    --max-connections=300 --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    </dev/null >>"$d/console.log" 2>&1 &
  echo $!
}

# mariadb_root DIR ARGS...: the mariadb client as root, through the server's unix socket.
mariadb_root() {
  local d=$1/mariadb
  shift
  mariadb --no-defaults --socket="$d/sock" -uroot "$@"
}
