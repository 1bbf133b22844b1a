#include "manydb/core/timestamp.hpp"

#include <chrono>
#include <cstdio>

#include "manydb/core/errors.hpp"

namespace manydb {

namespace {
using namespace std::chrono;
constexpr std::int64_t kMicrosPerDay = 86'400'000'000LL;

[[noreturn]] void bad_timestamp(std::string_view text, const char* why) {
  throw DataError("invalid timestamp '" + std::string(text) + "': " + why +
                  " (expected YYYY-MM-DD HH:MM:SS[.ffffff])");
}

bool read_digits(std::string_view text, std::size_t& pos, std::size_t count, unsigned& out) {
  out = 0;
  if (pos + count > text.size()) return false;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<unsigned>(c - '0');
  }
  pos += count;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

unsigned read_fraction(std::string_view text, std::size_t& pos) {
  unsigned micro = 0, digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (digits < 6) micro = micro * 10 + static_cast<unsigned>(text[pos] - '0');
    ++digits;
    ++pos;
  }
  if (digits == 0) bad_timestamp(text, "empty fraction");
  for (; digits < 6; ++digits) micro *= 10;
  return micro;
}
}  // namespace

Timestamp Timestamp::now() {
  return {duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()};
}

Timestamp Timestamp::from_civil(int year, unsigned month, unsigned day, unsigned hour,
                                unsigned minute, unsigned second, unsigned micro) {
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                           std::chrono::day{day}};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60 || micro > 999'999) {
    throw DataError("invalid date or time of day");
  }
  const std::int64_t days = sys_days{ymd}.time_since_epoch().count();
  return {days * kMicrosPerDay + ((hour * 60LL + minute) * 60LL + second) * 1'000'000LL + micro};
}

Timestamp Timestamp::parse(std::string_view text) {
  std::size_t pos = 0;
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, us = 0;
  if (!read_digits(text, pos, 4, y) || !expect(text, pos, '-') || !read_digits(text, pos, 2, mo) ||
      !expect(text, pos, '-') || !read_digits(text, pos, 2, d)) {
    bad_timestamp(text, "bad date");
  }
  if (pos < text.size()) {
    if (!expect(text, pos, ' ') && !expect(text, pos, 'T')) bad_timestamp(text, "bad separator");
    if (!read_digits(text, pos, 2, h) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, mi) || !expect(text, pos, ':') ||
        !read_digits(text, pos, 2, s)) {
      bad_timestamp(text, "bad time of day");
    }
    if (expect(text, pos, '.')) us = read_fraction(text, pos);
    const std::string_view zone = text.substr(pos);
    if (!zone.empty() && zone != "Z" && zone != "+00" && zone != "+00:00") {
      bad_timestamp(text, "only UTC is accepted");
    }
  }
  try {
    return from_civil(static_cast<int>(y), mo, d, h, mi, s, us);
  } catch (const DataError&) {
    bad_timestamp(text, "no such date or time");
  }
}

namespace {
std::string format(std::int64_t micros, char separator, const char* suffix) {
  std::int64_t days = micros / kMicrosPerDay;
  std::int64_t rest = micros % kMicrosPerDay;
  if (rest < 0) {
    rest += kMicrosPerDay;
    --days;
  }
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  const std::int64_t secs = rest / 1'000'000;
  const int year = static_cast<int>(ymd.year());
  char buf[48];
  if (year < 0 || year > 9999) {  // rare: printf handles the sign and the width
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u%c%02lld:%02lld:%02lld.%06lld%s", year,
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), separator,
                  static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60), static_cast<long long>(rest % 1'000'000),
                  suffix);
    return buf;
  }
  // Digits by hand: timestamps are formatted for every bound SQLite value and JSON date, and
  // snprintf's format parsing cost more than the rest of the work.
  char* p = buf;
  auto digits = [&p](std::int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) p[i] = static_cast<char>('0' + value % 10);
    p += width;
  };
  digits(year, 4);
  *p++ = '-';
  digits(static_cast<unsigned>(ymd.month()), 2);
  *p++ = '-';
  digits(static_cast<unsigned>(ymd.day()), 2);
  *p++ = separator;
  digits(secs / 3600, 2);
  *p++ = ':';
  digits(secs / 60 % 60, 2);
  *p++ = ':';
  digits(secs % 60, 2);
  *p++ = '.';
  digits(rest % 1'000'000, 6);
  return std::string(buf, p) + suffix;
}
}  // namespace

std::string Timestamp::to_string() const { return format(micros, ' ', ""); }
std::string Timestamp::to_iso8601() const { return format(micros, 'T', "Z"); }

}  // namespace manydb
