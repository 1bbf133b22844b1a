#include "engines/postgres/errors.hpp"

namespace manydb::engines::postgres {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.starts_with(prefix); }

ErrorKind kind_for_exact(std::string_view s) {
  if (s == "23505") return ErrorKind::unique;
  if (s == "23503") return ErrorKind::foreign_key;
  if (s == "23502") return ErrorKind::not_null;
  if (s == "23514") return ErrorKind::check;
  if (s == "40P01") return ErrorKind::deadlock;
  if (s == "40001") return ErrorKind::serialization;
  if (s == "57P01" || s == "57P02" || s == "57P03") return ErrorKind::connection;
  if (s == "57014") return ErrorKind::timeout;       // query_canceled: statement_timeout
  if (s == "55P03") return ErrorKind::lock_timeout;  // lock_not_available: lock_timeout, NOWAIT
  return ErrorKind::other;
}

}  // namespace

ErrorKind kind_for_sqlstate(std::string_view s) {
  if (const ErrorKind exact = kind_for_exact(s); exact != ErrorKind::other) return exact;
  if (starts_with(s, "23")) return ErrorKind::integrity;
  if (starts_with(s, "08")) return ErrorKind::connection;
  if (starts_with(s, "42") || starts_with(s, "0A") || starts_with(s, "26") ||
      starts_with(s, "34") || starts_with(s, "3F")) {
    return ErrorKind::programming;
  }
  if (starts_with(s, "22") || starts_with(s, "21")) return ErrorKind::data;
  for (std::string_view cls : {"25", "40", "53", "54", "55", "57", "58", "28", "3D"}) {
    if (starts_with(s, cls)) return ErrorKind::operational;
  }
  return ErrorKind::other;
}

std::string one_line(std::string_view message) {
  std::string out;
  bool space = false;
  for (char c : message) {
    if (c == '\n' || c == '\r' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty() && out.back() != ' ') out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

std::string field(const PGresult* res, int code) {
  const char* v = res ? PQresultErrorField(res, code) : nullptr;
  return v ? v : "";
}

// Classes 22 (data exception) and 23 (integrity constraint violation): where the server
// quotes the values of the row or of the input.
bool quotes_values(std::string_view sqlstate) {
  return sqlstate.starts_with("22") || sqlstate.starts_with("23");
}

}  // namespace

std::string message_without_values(std::string_view sqlstate, std::string primary,
                                   std::string_view detail) {
  if (!quotes_values(sqlstate)) {
    if (!detail.empty()) primary.append(" (").append(detail).append(")");
    return primary;
  }
  // From the first double quote to the last: a value may itself hold quotes.
  const auto first = primary.find('"');
  const auto last = primary.rfind('"');
  if (sqlstate.starts_with("22") && first != std::string::npos && last > first) {
    primary.replace(first, last - first + 1, "\"...\"");
  }
  return primary;
}

Failure describe_failure(PGconn* conn, const PGresult* res) {
  Failure f;
  // libpq's own failures (socket closed, protocol errors) carry no SQLSTATE, and get none.
  f.sqlstate = field(res, PG_DIAG_SQLSTATE);
  f.message = message_without_values(f.sqlstate, field(res, PG_DIAG_MESSAGE_PRIMARY),
                                     field(res, PG_DIAG_MESSAGE_DETAIL));
  if (f.message.empty() && res) f.message = PQresultErrorMessage(res);
  if (f.message.empty()) f.message = PQerrorMessage(conn);
  f.message = one_line(f.message);
  if (f.message.empty()) f.message = "unknown PostgreSQL error";
  f.kind = kind_for_sqlstate(f.sqlstate);
  if (PQstatus(conn) == CONNECTION_BAD) f.kind = ErrorKind::connection;
  return f;
}

}  // namespace manydb::engines::postgres
