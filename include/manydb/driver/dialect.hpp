#pragma once
// The SQL flavour of one engine: placeholders, identifier quoting, DDL type names.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/core/url.hpp"
#include "manydb/core/value.hpp"
#include "manydb/driver/catalogue.hpp"
#include "manydb/driver/replication.hpp"

namespace manydb {

enum class TxMode { write, read };

class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual Backend backend() const = 0;
  virtual std::string_view name() const = 0;

  // Validates `name` ([A-Za-z_][A-Za-z0-9_$]*, at most 63 bytes) and quotes it; a name from
  // configuration that fails throws ConfigError rather than reaching the SQL text.
  std::string quote_identifier(std::string_view name) const;
  // A string as a quoted SQL literal, for DDL defaults only: values in statements are bound.
  std::string quote_literal(std::string_view text) const;
  // 1-based: "?" on SQLite and MariaDB, "$1" on PostgreSQL.
  virtual std::string placeholder(std::size_t index) const = 0;
  // Rewrites the portable '?' placeholders of `sql` into this dialect's, leaving string
  // literals, quoted identifiers and comments alone; `count`, when given, receives how many.
  std::string rewrite_placeholders(std::string_view sql, std::size_t* count = nullptr) const;

  // The column type for DDL; `length` > 0 asks for varchar(length) where it applies.
  virtual std::string type_name(ValueType type, std::size_t length = 0) const = 0;
  // The full column definition of an auto-incrementing integer primary key, without its name.
  virtual std::string_view autoincrement_primary_key() const = 0;
  virtual bool supports_returning() const { return true; }  // on INSERT
  virtual bool supports_update_returning() const { return true; }
  virtual bool supports_for_update() const = 0;
  // An expression for the key that an auto-increment column's sequence gave last on this
  // connection, with three '?': the column's table (quoted), the column, and a quoted name
  // that the error names when there is no such sequence. With it a child's INSERT can go out
  // before its parent's key is read back. Empty where the engine has none that a later row of
  // the same statement cannot change (SQLite's and MariaDB's last insert id).
  virtual std::string_view sequence_key_sql() const { return {}; }
  virtual std::string begin_statement(TxMode mode) const = 0;

  // How the engine spells what differs, and what it can do: the layers above ask these, never
  // which engine it is.
  //
  // The DDL default of a column that takes the current UTC time, with microseconds.
  virtual std::string_view utc_now_default() const = 0;
  // Appended to CREATE TABLE (MariaDB: InnoDB, utf8mb4 and a binary collation).
  virtual std::string_view table_options() const { return {}; }
  // An INSERT of a row that gives no column, after the table's name.
  virtual std::string_view insert_default_values() const { return " DEFAULT VALUES"; }
  // The type AVG() is cast to for a double; empty when AVG() answers one already.
  virtual std::string_view average_cast_type() const { return {}; }
  // The LIMIT an OFFSET without one needs; empty when OFFSET may stand alone.
  virtual std::string_view unlimited() const { return {}; }
  // Connection::run sends a batch of statements, with BEGIN and COMMIT, in one round trip.
  virtual bool pipelines() const { return false; }
  // The database runs inside this process (SQLite): a statement costs no round trip, so batching
  // statements of concurrent requests gains nothing.
  virtual bool runs_in_process() const { return false; }
  // A write transaction's BEGIN takes a lock that other writers wait for (SQLite's BEGIN
  // IMMEDIATE): a transaction begins at its first write, not at its first read.
  virtual bool begin_blocks_writers() const { return false; }
  // Whether Connection::copy_rows has a bulk path (PostgreSQL's COPY) faster than INSERTs.
  virtual bool copies_rows() const { return false; }
  // Whether a transaction can be prepared for two-phase commit (Connection::prepare).
  virtual bool prepares() const { return false; }
  // Whether a transaction that may be prepared must say so when it begins (MariaDB's XA START):
  // then it is begun with Connection::begin_branch.
  virtual bool branch_declared_at_begin() const { return false; }
  // A statement that gathers planner statistics, run after a bulk load when the engine does not
  // gather them as rows are written (PostgreSQL); empty when it does.
  virtual std::string_view gather_statistics_statement() const { return {}; }
  // A statement that makes the connection's next transaction READ COMMITTED, on an engine whose
  // default isolation makes a DELETE lock the gaps beside the rows it looks for (InnoDB's
  // REPEATABLE READ): housekeeping deletes (the commit log's) then run in a transaction of their
  // own at that level, since inside an application's transaction those gap locks make
  // concurrent commits deadlock. Empty where deletes take no gap locks.
  virtual std::string_view read_committed_next_transaction() const { return {}; }
  // Appended to a SELECT so the rows it reads stay share-locked until the transaction ends
  // (a table move's backfill); empty where the transaction's write lock covers the whole
  // database already (SQLite's BEGIN IMMEDIATE).
  virtual std::string_view lock_for_share() const { return {}; }
  // A statement, run inside a transaction, that sets the connection up for a bulk copy that
  // gives way to the application's writes (a table move's backfill): its waits for a row lock
  // give up after `wait_ms` with LockTimeout, for the rest of the transaction on PostgreSQL
  // (SET LOCAL); on MariaDB for the rest of the connection's life (whole seconds, rounded up),
  // with READ COMMITTED from its next transaction on, whose INSERTs take no gap locks that an
  // application's INSERT would wait for and deadlock on. Empty on SQLite, whose lock wait is
  // the file's busy_timeout. A dual write waiting for the copy on one server while it holds a
  // lock the copy waits for on the other is a cycle neither server sees: the copy gives way.
  virtual std::string bulk_copy_settings(std::int64_t /*wait_ms*/) const { return {}; }
  // What gives the connection its server's settings back, where bulk_copy_settings outlive the
  // transaction (MariaDB); empty elsewhere.
  virtual std::string restore_bulk_copy_settings() const { return {}; }
  // Appended to a multi-row INSERT so that a row whose key `quoted_key` exists already is
  // skipped rather than an error (never INSERT IGNORE, which hides every other error too).
  virtual std::string skip_existing_keys(std::string_view quoted_key) const;
  // Statements that make the auto-increment key `key` of table `table` give keys above `floor`
  // from now on (a moved table's target, whose rows came with their keys given).
  virtual std::vector<std::string> raise_key_sequence(std::string_view table, std::string_view key,
                                                      std::int64_t floor) const = 0;
  // Positions in the engine's replication stream, for read replicas; nullptr where the engine
  // has no replicas (SQLite).
  virtual const Replication* replication() const { return nullptr; }
  // The bind's tables, columns and indexes from the engine's own catalogue.
  virtual std::vector<CatalogueTable> read_catalogue(const CatalogueQuery& query) const = 0;
  // What a catalogue's type name holds, as manydb reads it.
  virtual CatalogueType classify_type(std::string_view type) const = 0;

 protected:
  virtual char identifier_quote() const = 0;
  // A backslash in a string literal escapes (MariaDB without NO_BACKSLASH_ESCAPES).
  virtual bool backslash_escapes() const { return false; }
};

// Throws ConfigError unless `name` is [A-Za-z_][A-Za-z0-9_$]* and at most 63 bytes, which every
// engine accepts quoted.
void validate_identifier(std::string_view name);

// The dialect of each backend; a static object that lives for the program.
const Dialect& dialect_for(Backend backend);

}  // namespace manydb
