#pragma once
// The error hierarchy. Every database error names its bind and carries the engine's own code
// (SQLSTATE, SQLite result code or MariaDB error number); none ever contains a password.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace manydb {

class Error : public std::runtime_error {
 public:
  Error(std::string message, std::string bind = {}, std::string code = {});
  const std::string& bind() const noexcept { return bind_; }
  const std::string& code() const noexcept { return code_; }  // engine code, may be empty
  virtual bool retryable() const noexcept { return false; }

 private:
  std::string bind_;
  std::string code_;
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
class Timeout : public OperationalError {
 public:
  using OperationalError::OperationalError;
};
// Retrying the whole transaction may succeed.
class Deadlock : public OperationalError {
 public:
  using OperationalError::OperationalError;
  bool retryable() const noexcept override { return true; }
};
class SerializationFailure : public OperationalError {
 public:
  using OperationalError::OperationalError;
  bool retryable() const noexcept override { return true; }
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
  deadlock,
  serialization,
  operational,
  programming,
  data,
  other
};

// Throws the exception type of `kind` with a message "bind 'B': <what> [code C]".
[[noreturn]] void throw_database_error(ErrorKind kind, std::string_view bind, std::string_view code,
                                       std::string_view what);

// Replaces every occurrence of `secret` (and its percent-encoded form) in `text` with "***".
std::string redact(std::string text, std::string_view secret);

}  // namespace manydb
