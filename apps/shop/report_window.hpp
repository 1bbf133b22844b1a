#pragma once
// The query parameters the analytics reports share: a window of whole UTC days and a row limit,
// read strictly (a bad value is a BadRequest naming the parameter, never a 500).
#include <cstdint>
#include <map>
#include <string>

#include "manydb/core/timestamp.hpp"

namespace shop {

// The days `from` to `to`, both included: the views with begin <= timestamp < end.
struct DayWindow {
  std::string from;  // YYYY-MM-DD
  std::string to;    // YYYY-MM-DD
  manydb::Timestamp begin;
  manydb::Timestamp end;  // midnight after `to`
};

// Without `to`, today (UTC); without `from`, the 30 days that end with `to`. A window longer
// than kMaxWindowDays, `from` after `to`, or a date that is not YYYY-MM-DD is a BadRequest.
inline constexpr int kDefaultWindowDays = 30;
inline constexpr int kMaxWindowDays = 366;
DayWindow day_window(const std::map<std::string, std::string>& query);

// The `limit` parameter: 1 to `max`, `fallback` when absent.
std::int64_t limit_parameter(const std::map<std::string, std::string>& query, std::int64_t fallback,
                             std::int64_t max);

}  // namespace shop
