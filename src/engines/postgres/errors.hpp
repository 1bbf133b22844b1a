#pragma once
// How libpq reports failures, translated into manydb's error kinds.
#include <libpq-fe.h>

#include <string>
#include <string_view>

#include "manydb/core/errors.hpp"

namespace manydb::engines::postgres {

// Whether a result is a success (a command, rows, or an empty query).
inline bool succeeded(const PGresult* res) {
  switch (PQresultStatus(res)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_EMPTY_QUERY: return true;
    default: return false;
  }
}

// The SQLSTATE of a failure the server reported.
ErrorKind kind_for_sqlstate(std::string_view sqlstate);

struct Failure {
  ErrorKind kind = ErrorKind::other;
  std::string sqlstate;  // as the server sent it; empty for libpq's own failures
  std::string message;   // not yet redacted; holds no value of the row or the parameters
};

// Describes why `res` failed; `res` may be null (libpq gave no result, e.g. out of memory or a
// lost connection), then the connection's own message is used.
Failure describe_failure(PGconn* conn, const PGresult* res);

// The server's message without the values it quotes: the DETAIL of integrity and data errors
// ("Key (email)=(...) already exists", "Failing row contains (...)") is left out, and the
// quoted input of a data error's message ("invalid input syntax for type integer: "...""),
// which may be a bound parameter's, is elided.
std::string message_without_values(std::string_view sqlstate, std::string primary,
                                   std::string_view detail);

// Folds libpq's multi-line messages into one line and trims them.
std::string one_line(std::string_view message);

}  // namespace manydb::engines::postgres
