#pragma once
// The error hierarchy. Every error derives from manydb::Error, which carries what people look
// for when a statement fails: the bind it ran on, the codes the engine reported (SQLSTATE,
// SQLite extended result code or MariaDB error number; never one manydb made up), and the
// statement's SQL text, with its `?` placeholders and never the values bound to them. No error
// ever contains a password or a connection URL.
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace manydb {

// The codes an engine reported for one failure; each empty when the engine gave none.
struct ErrorCodes {
  // The SQLSTATE the server sent: PostgreSQL always does for a server error (libpq's own
  // failures, such as a lost socket, have none); MariaDB sends one with every error, "HY000"
  // being its "general error" for errors with no state of their own; SQLite has none.
  std::string_view sqlstate;
  // SQLite's extended result code or MariaDB's error number (server or Connector/C);
  // PostgreSQL has no numbers besides the SQLSTATE, so none.
  std::optional<int> native;
};

class Error : public std::runtime_error {
 public:
  // `code` is a free-form code shown in the message, for errors not reported by an engine.
  Error(std::string message, std::string bind = {}, std::string code = {});
  Error(std::string message, std::string bind, ErrorCodes codes, std::string sql = {});

  // The bind the failure happened on; empty when no layer that knows it was passed.
  const std::string& bind() const noexcept { return bind_; }
  // The code shown in the message: the native code when there is one, else the SQLSTATE (so
  // PostgreSQL's SQLSTATE, MariaDB's error number, SQLite's extended result code).
  const std::string& code() const noexcept { return code_; }
  std::optional<std::string_view> sqlstate() const noexcept;
  std::optional<int> native_code() const noexcept { return native_code_; }
  // The SQL text of the statement that failed, as written (placeholders, no values); empty
  // when the failure was not one statement's (connecting, a connection lost between two).
  const std::string& sql() const noexcept { return sql_; }
  // Retrying the whole transaction, from its first statement, may succeed.
  virtual bool retryable() const noexcept { return false; }

  // For the layer that runs statements: records `sql` as the failed statement's text unless a
  // layer below, which knew more precisely which statement failed, did already.
  void attach_sql(std::string_view sql);

 private:
  std::string bind_;
  std::string code_;
  std::string sqlstate_;
  std::optional<int> native_code_;
  std::string sql_;
};

// A mistake in configuration: a URL, a TOML file, an unknown bind, an invalid identifier.
class ConfigError : public Error {
 public:
  using Error::Error;
};

// A row that was required does not exist (mapped to 404 by the shop).
class NotFound : public Error {
 public:
  using Error::Error;
};

// A tenant id that is valid but was never created, or was dropped (tenancy/): never created on
// the fly. The shop answers 404.
class UnknownTenant : public NotFound {
 public:
  UnknownTenant(std::string message, std::string tenant)
      : NotFound(std::move(message)), tenant_(std::move(tenant)) {}
  const std::string& tenant() const noexcept { return tenant_; }

 private:
  std::string tenant_;
};

// A session's flush found the row of a tracked object gone: its UPDATE matched no row, so its
// changes could not be written (a lost update). Names the model and the primary key, no other
// value. Not a NotFound: the object was there when it was read (the shop answers 409).
class StaleDataError : public Error {
 public:
  using Error::Error;
};

// A consistency token (routing/consistency_token.hpp) that does not parse, or that names a
// bind or a position this Database cannot hold. It came from outside: the shop answers 400.
class InvalidToken : public Error {
 public:
  using Error::Error;
};

// one() found more than one row.
class MultipleResultsFound : public Error {
 public:
  using Error::Error;
};

// Reading a column as a type it does not hold, or a NULL into a non-optional.
class DataError : public Error {
 public:
  using Error::Error;
};

class DatabaseError : public Error {
 public:
  using Error::Error;
};

class IntegrityError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};
class UniqueViolation : public IntegrityError {
 public:
  using IntegrityError::IntegrityError;
};
class ForeignKeyViolation : public IntegrityError {
 public:
  using IntegrityError::IntegrityError;
};
class NotNullViolation : public IntegrityError {
 public:
  using IntegrityError::IntegrityError;
};
class CheckViolation : public IntegrityError {
 public:
  using IntegrityError::IntegrityError;
};

class OperationalError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};
// The connection could not be made or was lost; the connection is unusable afterwards.
class ConnectionError : public OperationalError {
 public:
  using OperationalError::OperationalError;
};
// The connection was lost, or given up on a server that stopped answering, while COMMIT was
// in flight: the server may have committed the transaction or not, and nobody can tell from
// here. Retrying could do the work twice; compensating could undo work that was kept.
class CommitInDoubt : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};
// A statement or the server took longer than allowed.
class Timeout : public OperationalError {
 public:
  using OperationalError::OperationalError;
};
// A lock stayed held by another transaction longer than the wait allowed (PostgreSQL 55P03
// lock_not_available, from lock_timeout or NOWAIT; MariaDB 1205; SQLite SQLITE_BUSY after
// busy_timeout). Not a TransactionRollback: MariaDB rolls back only the statement, and
// whether waiting longer is worth it is the application's call.
class LockTimeout : public Timeout {
 public:
  using Timeout::Timeout;
};
// The server rolled the transaction back to resolve a conflict with another one: roll back
// (the session does) and run the whole transaction again, from its first read; it may then
// succeed. retryable() is true.
class TransactionRollback : public OperationalError {
 public:
  using OperationalError::OperationalError;
  bool retryable() const noexcept override { return true; }
};
// Two transactions waited for each other's locks (PostgreSQL 40P01, MariaDB 1213).
class Deadlock : public TransactionRollback {
 public:
  using TransactionRollback::TransactionRollback;
};
// The transaction read data that another one changed since (PostgreSQL 40001; MariaDB 1020
// under innodb_snapshot_isolation; SQLite SQLITE_BUSY_SNAPSHOT, a WAL read transaction that
// tried to write after another connection wrote).
class SerializationFailure : public TransactionRollback {
 public:
  using TransactionRollback::TransactionRollback;
};

// Wrong SQL, a missing table or column, a misuse of the API.
class ProgrammingError : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};

// No connection became free within the pool's acquire timeout.
class PoolTimeout : public OperationalError {
 public:
  using OperationalError::OperationalError;
};

// A commit across binds failed after some binds had committed: those keep their changes, the
// failed bind and the ones after it were rolled back. Not atomic: see docs/sessions.md.
class PartialCommit : public DatabaseError {
 public:
  PartialCommit(std::string message, std::string failed_bind, std::string code,
                std::vector<std::string> committed)
      : DatabaseError(std::move(message), std::move(failed_bind), std::move(code)),
        committed_(std::move(committed)) {}
  const std::vector<std::string>& committed_binds() const noexcept { return committed_; }

 private:
  std::vector<std::string> committed_;
};

// An atomic commit across binds (docs/sessions.md) whose decision was made, but which could not
// finish on every bind: the unfinished binds hold the transaction prepared (their rows locked)
// until recovery, which runs in the background and by hand (`manydb recover`), finishes them the
// way the decision says. Nothing is lost, and retrying the work would do it twice.
class InDoubt : public DatabaseError {
 public:
  InDoubt(std::string message, std::string transaction_id, std::vector<std::string> unfinished)
      : DatabaseError(std::move(message), unfinished.empty() ? std::string() : unfinished.front()),
        transaction_id_(std::move(transaction_id)),
        unfinished_(std::move(unfinished)) {}
  const std::string& transaction_id() const noexcept { return transaction_id_; }
  const std::vector<std::string>& unfinished_binds() const noexcept { return unfinished_; }

 private:
  std::string transaction_id_;
  std::vector<std::string> unfinished_;
};

// What an engine's error code means, decided by each engine, thrown in one place.
enum class ErrorKind {
  unique,
  foreign_key,
  not_null,
  check,
  integrity,
  connection,
  commit_in_doubt,
  timeout,
  lock_timeout,
  deadlock,
  serialization,
  operational,
  programming,
  data,
  other
};

// Throws the exception type of `kind` with a message "bind 'B': <what> [code C]", C being
// `codes.native` if set, else `codes.sqlstate`. `what` must hold no bound value.
[[noreturn]] void throw_database_error(ErrorKind kind, std::string_view bind,
                                       const ErrorCodes& codes, std::string_view what,
                                       std::string_view sql = {});
// For failures no engine reported (manydb's own refusals): `code` is shown, but is neither a
// SQLSTATE nor a native code.
[[noreturn]] void throw_database_error(ErrorKind kind, std::string_view bind, std::string_view code,
                                       std::string_view what);

// Replaces every occurrence of `secret` (and its percent-encoded form) in `text` with "***".
std::string redact(std::string text, std::string_view secret);

}  // namespace manydb
