// PgConnection::copy_rows: COPY FROM STDIN in text format, on the non-blocking connection, every
// wait bounded by the statement timeout as the other statements' are.
#include <charconv>
#include <cmath>

#include "engines/postgres/connection.hpp"

namespace manydb::engines::postgres {

namespace {

constexpr std::size_t kChunkBytes = 1 << 18;  // handed to libpq at a time

// COPY's text format: a backslash, tab, newline or carriage return in a value is escaped.
void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
}

template <typename Number>
void append_number(std::string& out, Number n) {
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, ec == std::errc() ? end : buf);
}

void append_field(std::string& out, const Value& v) {
  static constexpr char kHex[] = "0123456789abcdef";
  switch (v.type()) {
    case ValueType::null: out += "\\N"; break;
    case ValueType::boolean: out += v.as_bool() ? 't' : 'f'; break;
    case ValueType::int64: append_number(out, v.as_int64()); break;
    case ValueType::real: {
      const double d = v.as_double();
      if (std::isnan(d))
        out += "NaN";
      else if (std::isinf(d))
        out += d > 0 ? "Infinity" : "-Infinity";
      else
        append_number(out, d);
      break;
    }
    case ValueType::text: append_escaped(out, v.as_text()); break;
    case ValueType::blob:  // bytea's hex input, its backslash escaped for COPY
      out += "\\\\x";
      for (const std::byte b : v.as_blob()) {
        out += kHex[std::to_integer<unsigned>(b) >> 4];
        out += kHex[std::to_integer<unsigned>(b) & 15];
      }
      break;
    case ValueType::timestamp: out += v.as_timestamp().to_string(); break;
  }
}

}  // namespace

void PgConnection::copy_rows(std::string_view copy_statement, std::size_t columns,
                             std::span<const Value> values) {
  refuse_if_in_flight();
  require_usable();
  if (columns == 0 || values.size() % columns != 0) {
    throw_database_error(ErrorKind::programming, bind(), "",
                         "copy_rows: " + std::to_string(values.size()) +
                             " values do not make rows of " + std::to_string(columns));
  }
  cursor_.reset(nullptr);
  if (pending_) send_pending_begin();
  ResultPtr started = finish(PQsendQuery(conn_, std::string(copy_statement).c_str()));
  if (!started || PQresultStatus(started.get()) != PGRES_COPY_IN) {
    try {
      check(started);
    } catch (Error& e) {
      e.attach_sql(copy_statement);
      throw;
    }
    throw_database_error(ErrorKind::programming, bind(), "",
                         "copy_rows: not a COPY ... FROM STDIN statement");
  }
  const Clock::time_point until = deadline();
  std::string chunk;
  chunk.reserve(kChunkBytes + 4096);
  for (std::size_t i = 0; i < values.size(); ++i) {
    append_field(chunk, values[i]);
    chunk += (i + 1) % columns == 0 ? '\n' : '\t';
    if (chunk.size() >= kChunkBytes) {
      put_copy_data(chunk, until);
      chunk.clear();
    }
  }
  if (!chunk.empty()) put_copy_data(chunk, until);
  end_copy(until);
  try {
    check(finish(1));
  } catch (Error& e) {
    e.attach_sql(copy_statement);
    throw;
  }
}

void PgConnection::put_copy_data(std::string_view chunk, Clock::time_point until) {
  for (;;) {
    const int queued = PQputCopyData(conn_, chunk.data(), static_cast<int>(chunk.size()));
    if (queued < 0) fail(nullptr);  // the connection's own error
    await(until);                   // sends what libpq holds: in COPY IN it is never busy
    if (queued == 1) return;
  }
}

void PgConnection::end_copy(Clock::time_point until) {
  for (;;) {
    const int queued = PQputCopyEnd(conn_, nullptr);
    if (queued < 0) fail(nullptr);
    await(until);  // sends what libpq holds: in COPY IN it is never busy
    if (queued == 1) return;
  }
}

}  // namespace manydb::engines::postgres
