# shellcheck shell=bash disable=SC2154 # dir, ports, die: set by db-up
# PostgreSQL's part of scripts/db-up (sourced by it, not run): a primary and its streaming
# replicas. Uses db-up's dir, port (by server), pg_base and die.

# --no-sync: the cluster is throwaway; the server itself still runs with fsync=on.
# UTF-8 whatever the caller's locale: under POSIX (a bare machine, LANG unset) initdb would
# pick SQL_ASCII, where varchar(n) counts bytes and any bytes at all are accepted. C.UTF-8 is
# part of Debian's libc-bin, so it exists on every machine.
pg_init() {
  runuser -u postgres -- "$PG_BIN/initdb" -D "$dir/pg/data" -U postgres --no-sync \
    --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >"$dir/pg/initdb.log" 2>&1
  rm "$dir/pg/initdb.log"
}

# Local (unix socket) connections are trusted, TCP ones need the password. initdb's pg_hba.conf
# already lets a REPLICATION role in over 127.0.0.1 with its password (scram-sha-256).
pg_create_roles() {
  pg_super "$dir" "${port[pg]}" -d postgres >/dev/null <<SQL
CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '$DB_PASSWORD';
-- DROP DATABASE ... WITH (FORCE) in the tests' teardown must be able to end an autovacuum
-- worker that is busy in the scratch database (it has no role, so only pg_signal_backend may).
GRANT pg_signal_backend TO $DB_USER;
CREATE ROLE $REPL_USER LOGIN REPLICATION PASSWORD '$REPL_PASSWORD';
-- Where db-up proves that the replica replays what the primary writes.
CREATE TABLE replication_check (written_at timestamptz NOT NULL);
GRANT SELECT ON replication_check TO $DB_USER;
-- The tests simulate replica lag by pausing replay on the replica. Each database has its own
-- catalog: grant in template1, which every CREATE DATABASE copies.
\c template1
-- In every database made from now on: the statement counts that tests compare with manydb's.
CREATE EXTENSION pg_stat_statements;
GRANT EXECUTE ON FUNCTION pg_wal_replay_pause(), pg_wal_replay_resume(),
  pg_is_wal_replay_paused(), pg_get_wal_replay_pause_state(), pg_last_wal_replay_lsn()
  TO $DB_USER;
SQL
}

# Created after the base backup, so they reach the replica as WAL: the backup stays small and
# its checkpoint has little to write.
pg_create_databases() {
  pg_super "$dir" "${port[pg]}" -d postgres >/dev/null <<SQL
CREATE DATABASE products OWNER $DB_USER;
CREATE DATABASE users OWNER $DB_USER;
CREATE DATABASE orders OWNER $DB_USER;
CREATE DATABASE reviews OWNER $DB_USER;
CREATE DATABASE manydb_test OWNER $DB_USER;
SQL
}

# The first replica's data directory: a base backup of the primary, with -R writing
# standby.signal and the primary_conninfo (password included) that it streams from.
pg_clone_replica() {
  local first=${PG_REPLICAS[0]}
  runuser -u postgres -- env PGPASSWORD="$REPL_PASSWORD" "$PG_BIN/pg_basebackup" \
    -h 127.0.0.1 -p "${port[pg]}" -U "$REPL_USER" -D "$dir/$first/data" -R -X stream -c fast \
    --no-sync >"$dir/$first/basebackup.log" 2>&1
  rm "$dir/$first/basebackup.log"
}

# pg_start_replicas: the others than the first start from copies of its base backup, made
# before it starts (a base backup serves any number of standbys; a copy costs a tenth of a
# second, another backup a checkpoint); then all of them start side by side.
pg_start_replicas() {
  local first=${PG_REPLICAS[0]} replica starts=() pid started=0
  for replica in "${PG_REPLICAS[@]:1}"; do cp -a "$dir/$first/data" "$dir/$replica/data"; done
  for replica in "${PG_REPLICAS[@]}"; do
    pg_start "$dir" "${port[$replica]}" "$replica" &
    starts+=($!)
  done
  for pid in "${starts[@]}"; do wait "$pid" || started=1; done
  return $started
}

# pg_replica_has_row NAME: the row written on the primary after the replicas started is
# visible on replica NAME, read by the manydb user over TCP.
pg_replica_has_row() {
  [ "$(PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -X -qAt "$pg_base:${port[$1]}/postgres" \
    -c 'SELECT count(*) FROM replication_check' 2>/dev/null)" = 1 ]
}

setup_postgres() {
  local replicas_start replica
  pg_init
  pg_start "$dir" "${port[pg]}" pg
  pg_create_roles
  if ((${#PG_REPLICAS[@]} == 0)); then
    pg_create_databases
    return
  fi
  pg_clone_replica
  pg_start_replicas &
  replicas_start=$!
  # (On failure, the replicas' start ends first: db-up's cleanup must find their pid files.)
  pg_create_databases || { wait "$replicas_start"; die "creating the databases failed"; }
  wait "$replicas_start" || die "a postgresql replica did not start"
  # Written last: seen on a replica, it proves that everything before it is there too.
  pg_super "$dir" "${port[pg]}" -d postgres -c 'INSERT INTO replication_check VALUES (now())'
  for replica in "${PG_REPLICAS[@]}"; do
    wait_for 30 pg_replica_has_row "$replica" ||
      die "the postgresql replica $replica does not replay the primary's writes"
  done
}
