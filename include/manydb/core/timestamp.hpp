#pragma once
// A point in time in UTC with microsecond precision, the one time type every engine stores.
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace manydb {

struct Timestamp {
  std::int64_t micros = 0;  // since 1970-01-01 00:00:00 UTC

  static Timestamp now();
  static Timestamp from_civil(int year, unsigned month, unsigned day, unsigned hour = 0,
                              unsigned minute = 0, unsigned second = 0, unsigned micro = 0);
  // Accepts "YYYY-MM-DD[ T]HH:MM:SS[.f{1,6}][Z|+00|+00:00]" and "YYYY-MM-DD"; throws DataError.
  static Timestamp parse(std::string_view text);

  std::string to_string() const;   // "YYYY-MM-DD HH:MM:SS.ffffff", the form SQLite stores
  std::string to_iso8601() const;  // "YYYY-MM-DDTHH:MM:SS.ffffffZ", the form JSON carries

  auto operator<=>(const Timestamp&) const = default;
};

}  // namespace manydb
