#pragma once
// How libpq reports failures, translated into manydb's error kinds.
#include <libpq-fe.h>

#include <string>
#include <string_view>

#include "manydb/core/errors.hpp"

namespace manydb::engines::postgres {

// The SQLSTATE of a failure the server reported.
ErrorKind kind_for_sqlstate(std::string_view sqlstate);

struct Failure {
  ErrorKind kind = ErrorKind::other;
  std::string code;     // the SQLSTATE, or a connection-class code libpq implies
  std::string message;  // not yet redacted
};

// Describes why `res` failed; `res` may be null (libpq gave no result, e.g. out of memory or a
// lost connection), then the connection's own message is used.
Failure describe_failure(PGconn* conn, const PGresult* res);

// Folds libpq's multi-line messages into one line and trims them.
std::string one_line(std::string_view message);

}  // namespace manydb::engines::postgres
