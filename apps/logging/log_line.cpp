#include "log_line.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <ctime>

namespace applog {

namespace {

void append_json_string(std::string& out, std::string_view text) {
  out += boost::json::serialize(
      boost::json::value(boost::json::string_view(text.data(), text.size())));
}

// Milliseconds keep three decimals: enough for a statement, short enough to read.
std::string decimal(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", value);
  return buf;
}

std::string json_value(const Field& field) {
  std::string out;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string_view>) {
          append_json_string(out, v);
        } else if constexpr (std::is_same_v<T, double>) {
          out = decimal(v);
        } else {
          out = std::to_string(v);
        }
      },
      field.value);
  return out;
}

// A text value is quoted (as a JSON string) only when it would not read as one word.
std::string text_value(const Field& field) {
  if (const auto* s = std::get_if<std::string_view>(&field.value)) {
    const bool plain = !s->empty() && s->find_first_of(" \t\r\n\"=\\") == std::string_view::npos;
    if (plain) return std::string(*s);
  }
  return json_value(field);
}

std::string json(const Line& line) {
  std::string out = "{\"ts\":\"" + iso8601_utc(line.ts) + "\",\"level\":\"";
  out.append(manydb::to_string(line.level)).append("\",\"msg\":");
  append_json_string(out, line.msg);
  if (!line.request_id.empty()) {
    out += ",\"request_id\":";
    append_json_string(out, line.request_id);
  }
  for (const Field& f : line.fields) out.append(",\"").append(f.key).append("\":") += json_value(f);
  out.push_back('}');
  return out;
}

std::string text(const Line& line) {
  std::string out = iso8601_utc(line.ts);
  out.append(" ").append(manydb::to_string(line.level)).append(" ").append(line.msg);
  if (!line.request_id.empty()) out.append(" request_id=").append(line.request_id);
  for (const Field& f : line.fields) out.append(" ").append(f.key).append("=") += text_value(f);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';  // a message with a newline still makes one line
  }
  return out;
}

}  // namespace

std::string iso8601_utc(std::chrono::system_clock::time_point ts) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(ts.time_since_epoch());
  const std::time_t seconds =
      static_cast<std::time_t>(std::chrono::floor<std::chrono::seconds>(ms).count());
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[80];  // room for any int the compiler cannot rule out
  const auto milli = static_cast<int>((ms.count() % 1000 + 1000) % 1000);
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, milli);
  return buf;
}

std::string format_line(Format format, const Line& line) {
  return format == Format::json ? json(line) : text(line);
}

}  // namespace applog
