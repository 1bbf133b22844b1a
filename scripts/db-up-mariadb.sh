# shellcheck shell=bash disable=SC2154 # dir, ports, die: set by db-up
# MariaDB's part of scripts/db-up (sourced by it, not run; it runs in the background): a
# primary with its binlog on and its GTID replicas. Uses db-up's dir, port (by server) and die.

# mariadb-install-db is the slow part; db-up runs it while PostgreSQL gets set up.
mariadb_install() {
  mariadb-install-db --no-defaults --datadir="$dir/mariadb/data" --user=mysql \
    --auth-root-authentication-method=socket --skip-test-db --skip-name-resolve \
    >"$dir/mariadb/install.log" 2>&1
}

# It has failed once in hundreds of runs, with other servers being set up beside it: a second
# try on a clean data directory, after printing the first failure's error lines.
mariadb_install_twice() {
  mariadb_install && { rm "$dir/mariadb/install.log"; return; }
  mv "$dir/mariadb/install.log" "$dir/mariadb/install.first-try.log"
  echo "db-up: mariadb-install-db failed; trying once more. Its errors:" >&2
  grep -i -m 5 'error' "$dir/mariadb/install.first-try.log" >&2 || true
  rm -rf "$dir/mariadb/data"
  mariadb_install || die "mariadb-install-db failed twice"
  rm "$dir/mariadb/install.first-try.log" "$dir/mariadb/install.log"
}

# mariadb_launch NAME: start the server NAME and note its pid for db-up's cleanup, which must
# be able to kill it before it writes its pid file.
mariadb_launch() {
  mariadb_start "$dir" "${port[$1]}" "$1" >"$dir/$1/launched.pid"
}

# mariadb_answers NAME: root gets an answer through the unix socket.
mariadb_answers() {
  gone "$(cat "$dir/$1/launched.pid")" && die "mariadbd ($1) exited during startup"
  mariadb_root "$dir" "$1" -e 'select 1' >/dev/null 2>&1
}

# root logs in through the socket (unix_socket auth); manydb over TCP with the password.
# Everything here replicates: the replicas' binlog position starts before it.
# ALL PRIVILEGES includes READ_ONLY ADMIN, which lets a user write on a --read-only server:
# without it manydb cannot write on a replica (ERROR 1290), as on PostgreSQL's, where a stray
# write would otherwise stop replication at the next conflicting row. STOP/START SLAVE need
# REPLICATION SLAVE ADMIN, which stays.
mariadb_create_users_and_databases() {
  {
    echo "CREATE DATABASE analytics; CREATE DATABASE manydb_test;"
    for host in 127.0.0.1 localhost %; do
      echo "CREATE USER '$DB_USER'@'$host' IDENTIFIED BY '$DB_PASSWORD';"
      echo "GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'$host';"
      echo "REVOKE READ_ONLY ADMIN ON *.* FROM '$DB_USER'@'$host';"
    done
    echo "CREATE USER '$REPL_USER'@'127.0.0.1' IDENTIFIED BY '$REPL_PASSWORD';"
    echo "GRANT REPLICATION SLAVE ON *.* TO '$REPL_USER'@'127.0.0.1';"
  } | mariadb_root "$dir" mariadb
}

# mariadb_start_slave NAME: replica NAME follows the primary by GTID. MASTER_CONNECT_RETRY=1:
# after the primary restarts the replica reconnects within a second (the default waits 60 s).
mariadb_start_slave() {
  mariadb_root "$dir" "$1" <<SQL
CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=${port[mariadb]}, MASTER_USER='$REPL_USER',
  MASTER_PASSWORD='$REPL_PASSWORD', MASTER_CONNECT_RETRY=1, MASTER_USE_GTID=slave_pos;
START SLAVE;
SQL
}

# A row written on the primary, then, once each replica has applied the primary's last GTID
# (MASTER_GTID_WAIT: 0 when applied, -1 after its 30 s deadline), read there by the manydb
# user over TCP.
mariadb_prove_replication() {
  local gtid replica applied
  gtid=$(mariadb_root "$dir" mariadb -N <<SQL
CREATE DATABASE replication_check;
CREATE TABLE replication_check.written (written_at DATETIME(6) NOT NULL);
INSERT INTO replication_check.written VALUES (NOW(6));
SELECT @@gtid_binlog_pos;
SQL
  )
  for replica in "${MARIADB_REPLICAS[@]}"; do
    applied=$(mariadb_root "$dir" "$replica" -N -e "SELECT MASTER_GTID_WAIT('$gtid', 30)")
    [ "$applied" = 0 ] || die "the mariadb replica $replica did not apply $gtid within 30 s"
    [ "$(mariadb --no-defaults -h127.0.0.1 -P"${port[$replica]}" -u"$DB_USER" \
      -p"$DB_PASSWORD" -N -e 'SELECT count(*) FROM replication_check.written')" = 1 ] ||
      die "the mariadb replica $replica has not got the row written on the primary"
  done
}

setup_mariadb() {
  local replica server
  mariadb_install_twice
  # One install for all: the replicas start from copies of the primary's empty data directory
  # and replicate everything done on the primary afterwards (its binlog is on from the start).
  for replica in "${MARIADB_REPLICAS[@]}"; do cp -a "$dir/mariadb/data" "$dir/$replica/data"; done
  for server in mariadb "${MARIADB_REPLICAS[@]}"; do mariadb_launch "$server"; done
  wait_for 30 mariadb_answers mariadb || die "mariadb is not answering on $dir/mariadb/sock"
  mariadb_create_users_and_databases
  for replica in "${MARIADB_REPLICAS[@]}"; do
    wait_for 30 mariadb_answers "$replica" || die "mariadb's replica $replica is not answering"
    mariadb_start_slave "$replica"
  done
  ((${#MARIADB_REPLICAS[@]} == 0)) || mariadb_prove_replication
}
