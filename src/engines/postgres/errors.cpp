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
  if (s == "57014" || s == "55P03") return ErrorKind::timeout;
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

std::string server_message(const PGresult* res) {
  std::string msg = field(res, PG_DIAG_MESSAGE_PRIMARY);
  if (const std::string detail = field(res, PG_DIAG_MESSAGE_DETAIL); !detail.empty()) {
    msg.append(" (").append(detail).append(")");
  }
  return msg;
}

}  // namespace

Failure describe_failure(PGconn* conn, const PGresult* res) {
  Failure f;
  f.code = field(res, PG_DIAG_SQLSTATE);
  f.message = server_message(res);
  if (f.message.empty() && res) f.message = PQresultErrorMessage(res);
  if (f.message.empty()) f.message = PQerrorMessage(conn);
  f.message = one_line(f.message);
  if (f.message.empty()) f.message = "unknown PostgreSQL error";
  // libpq's own failures (socket closed, protocol errors) carry no SQLSTATE.
  if (f.code.empty() && PQstatus(conn) == CONNECTION_BAD) f.code = "08006";
  f.kind = kind_for_sqlstate(f.code);
  if (PQstatus(conn) == CONNECTION_BAD) f.kind = ErrorKind::connection;
  return f;
}

}  // namespace manydb::engines::postgres
