#pragma once
// One log line of the shop and the manydb command line, in either of their formats:
//   text: 2026-01-02T03:04:05.678Z warn slow statement request_id=r1 bind=orders ms=312.456
//   sql="..." json: {"ts":"2026-01-02T03:04:05.678Z","level":"warn","msg":"slow statement",
//          "request_id":"r1","bind":"orders","ms":312.456,"sql":"..."}
// JSON lines are one object per line (Boost.JSON escapes every string); text is for people.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "manydb/observe/log.hpp"

namespace applog {

enum class Format { text, json };

// A named value carried by a line besides its message (bind, sql, ms, status, ...).
struct Field {
  std::string_view key;  // a literal of the program's: needs no escaping
  std::variant<std::string_view, std::int64_t, double> value;
};

struct Line {
  std::chrono::system_clock::time_point ts;
  manydb::LogLevel level = manydb::LogLevel::info;
  std::string_view msg;
  std::string_view request_id;  // empty: outside a request
  std::vector<Field> fields;
};

// The line without its newline.
std::string format_line(Format format, const Line& line);
// ISO 8601 UTC with milliseconds: 2026-01-02T03:04:05.678Z.
std::string iso8601_utc(std::chrono::system_clock::time_point ts);

}  // namespace applog
