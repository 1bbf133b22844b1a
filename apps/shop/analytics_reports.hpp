#pragma once
// The analytics reports, each one SQL statement run in the analytics database: page views per
// page and day, visits (a visitor's views with less than kVisitGap between them) and the share
// of visits followed by an order. The same SQL runs on every engine; only two expressions, a
// timestamp's day and its microseconds since 1970, are spelled per engine.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manydb/manydb.hpp"
#include "report_window.hpp"

namespace shop {

// Views less than this apart are one visit; a gap of exactly this starts another.
inline constexpr std::chrono::minutes kVisitGap{30};

struct PageDay {
  std::string day;  // YYYY-MM-DD
  std::string page;
  std::int64_t views = 0;
};

// A visitor is a user when the view names one, else the client address.
struct Visit {
  std::optional<std::int64_t> user_id;
  std::optional<std::string> address;
  std::int64_t start_micros = 0;  // since 1970, UTC
  std::int64_t end_micros = 0;    // the last view's
  std::int64_t pages = 0;
};

struct VisitReport {
  std::vector<Visit> visits;  // the latest first, at most the limit
  std::int64_t total_visits = 0;
  std::int64_t total_pages = 0;
};

struct Conversion {
  std::int64_t visits = 0;
  std::int64_t converted = 0;
};

class AnalyticsReports {
 public:
  explicit AnalyticsReports(manydb::Database& db);

  // Ordered by day, then page.
  std::vector<PageDay> pages_per_day(const DayWindow& window, std::int64_t limit);
  VisitReport visits(const DayWindow& window, std::int64_t limit);
  Conversion conversion(const DayWindow& window);

 private:
  std::string q(std::string_view identifier) const { return dialect_.quote_identifier(identifier); }
  // The visits of the window, as WITH ... visits(user_id, address, start_ts, start_t, end_t,
  // pages); its parameters are the window's begin and end, the order page and the gap.
  std::string visits_cte() const;

  manydb::Database& db_;
  const std::string bind_;
  const manydb::Dialect& dialect_;
};

}  // namespace shop
