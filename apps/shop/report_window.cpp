#include "report_window.hpp"

#include <charconv>

#include "manydb/core/errors.hpp"
#include "request_body.hpp"

namespace shop {

using manydb::Timestamp;

namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000;

// Years where every engine stores the day and the midnight after it (MariaDB's DATETIME ends
// with 9999, SQLite's date functions start with 0000, and no page view predates 1970).
constexpr int kFirstYear = 1970;
constexpr int kLastYear = 9998;

Timestamp parse_day(const std::string& name, const std::string& text) {
  const auto bad = [&] {
    return BadRequest("'" + name + "' must be a date YYYY-MM-DD between " +
                      std::to_string(kFirstYear) + "-01-01 and " + std::to_string(kLastYear) +
                      "-12-31");
  };
  if (text.size() != 10) throw bad();
  int year = 0;
  if (std::from_chars(text.data(), text.data() + 4, year).ptr != text.data() + 4) throw bad();
  if (year < kFirstYear || year > kLastYear) throw bad();
  try {
    return Timestamp::parse(text);
  } catch (const manydb::DataError&) {
    throw bad();
  }
}

// The date of `t`'s day, YYYY-MM-DD.
std::string day_of(Timestamp t) { return t.to_iso8601().substr(0, 10); }

Timestamp midnight_of(Timestamp t) { return {t.micros - t.micros % kMicrosPerDay}; }

}  // namespace

DayWindow day_window(const std::map<std::string, std::string>& query) {
  const auto from_it = query.find("from");
  const auto to_it = query.find("to");
  const Timestamp to =
      to_it != query.end() ? parse_day("to", to_it->second) : midnight_of(Timestamp::now());
  const Timestamp from = from_it != query.end()
                             ? parse_day("from", from_it->second)
                             : Timestamp{to.micros - (kDefaultWindowDays - 1) * kMicrosPerDay};
  if (from > to) throw BadRequest("'from' must not be after 'to'");
  if ((to.micros - from.micros) / kMicrosPerDay + 1 > kMaxWindowDays) {
    throw BadRequest("'from' to 'to' must span at most " + std::to_string(kMaxWindowDays) +
                     " days");
  }
  return {day_of(from), day_of(to), from, Timestamp{to.micros + kMicrosPerDay}};
}

std::int64_t limit_parameter(const std::map<std::string, std::string>& query, std::int64_t fallback,
                             std::int64_t max) {
  const auto it = query.find("limit");
  if (it == query.end()) return fallback;
  const std::string& text = it->second;
  std::int64_t limit = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || limit < 1 ||
      limit > max) {
    throw BadRequest("'limit' must be an integer from 1 to " + std::to_string(max));
  }
  return limit;
}

}  // namespace shop
