#include "analytics_reports.hpp"

#include <charconv>
#include <cmath>

#include "models.hpp"

namespace shop {

using manydb::Backend;
using manydb::Value;

namespace {

constexpr std::int64_t kGapMicros =
    std::chrono::duration_cast<std::chrono::microseconds>(kVisitGap).count();

// What differs between engines, as small expressions over a timestamp column `c`.
// Microseconds since 1970: exact integers, so that a gap of exactly kVisitGap is seen as such
// (SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff" and its strftime would round .999999 up to the
// next second; PostgreSQL's EXTRACT answers an exact numeric;
// MariaDB's UNIX_TIMESTAMP would depend on the session's time zone, TIMESTAMPDIFF does not).
std::string epoch_micros(Backend backend, const std::string& c) {
  switch (backend) {
    case Backend::sqlite:  // the whole seconds apart: SQLite's date functions round to ms
      return "(CAST(strftime('%s', substr(" + c + ", 1, 19)) AS INTEGER) * 1000000 + CAST(substr(" +
             c + ", 21, 6) AS INTEGER))";
    case Backend::mariadb: return "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', " + c + ")";
    case Backend::postgresql: return "CAST(EXTRACT(EPOCH FROM " + c + ") * 1000000 AS BIGINT)";
  }
  return {};
}

// The UTC day as text YYYY-MM-DD.
std::string day_text(Backend backend, const std::string& c) {
  switch (backend) {
    case Backend::sqlite: return "substr(" + c + ", 1, 10)";
    case Backend::mariadb: return "DATE_FORMAT(" + c + ", '%Y-%m-%d')";
    case Backend::postgresql: return "to_char(" + c + ", 'YYYY-MM-DD')";
  }
  return {};
}

// Counts come back as the engine types them: BIGINT, or a DECIMAL for MariaDB's SUM.
std::int64_t integer_of(const Value& v) {
  switch (v.type()) {
    case manydb::ValueType::null: return 0;
    case manydb::ValueType::real: return std::llround(v.as_double());
    case manydb::ValueType::text: {
      std::int64_t n = 0;
      const auto& t = v.as_text();
      std::from_chars(t.data(), t.data() + t.size(), n);
      return n;
    }
    default: return v.as_int64();
  }
}

std::string text_of(const Value& v) {
  if (v.type() == manydb::ValueType::blob) {
    const auto& b = v.as_blob();
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  }
  return v.as_text();
}

}  // namespace

AnalyticsReports::AnalyticsReports(manydb::Database& db)
    : db_(db),
      bind_(manydb::schema::table_info<PageView>().bind_or_default()),
      dialect_(db.engine(bind_).dialect()) {}

std::vector<PageDay> AnalyticsReports::pages_per_day(const DayWindow& window, std::int64_t limit) {
  const auto day = day_text(dialect_.backend(), q("timestamp"));
  const std::string sql = "SELECT " + day + ", " + q("page") + ", COUNT(*) FROM " + q("page_view") +
                          " WHERE " + q("timestamp") + " >= ? AND " + q("timestamp") + " < ? AND " +
                          q("page") + " <> ? GROUP BY " + day + ", " + q("page") +
                          " ORDER BY 1, 2 LIMIT ?";
  const auto result = db_.execute(bind_, sql, {window.begin, window.end, kOrderEventPage, limit});
  std::vector<PageDay> pages;
  pages.reserve(result.rows.size());
  for (const auto& row : result.rows) {
    pages.push_back({text_of(row[0]), text_of(row[1]), integer_of(row[2])});
  }
  return pages;
}

// Each view is marked when it starts a visit (its visitor's first, or kVisitGap or more after
// the previous); the running count of marks numbers the visits; grouping by it gives each
// visit's bounds. The visitor is (user_id, address): the address only for views without a user.
std::string AnalyticsReports::visits_cte() const {
  const auto ts = q("timestamp");
  const auto user = q("user_id");
  const std::string visitor = "PARTITION BY " + user + ", address ORDER BY t, " + q("id");
  return "WITH events AS (SELECT " + q("id") + ", " + user + ", CASE WHEN " + user +
         " IS NULL THEN " + q("ip_address") + " END AS address, " + ts + " AS ts, " +
         epoch_micros(dialect_.backend(), ts) + " AS t FROM " + q("page_view") + " WHERE " + ts +
         " >= ? AND " + ts + " < ? AND " + q("page") + " <> ? AND (" + user + " IS NOT NULL OR " +
         q("ip_address") + " IS NOT NULL)), marked AS (SELECT " + q("id") + ", " + user +
         ", address, ts, t, CASE WHEN t - LAG(t) OVER (" + visitor +
         ") < ? THEN 0 ELSE 1 END AS starts FROM events), numbered AS (SELECT " + user +
         ", address, ts, t, SUM(starts) OVER (" + visitor +
         " ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS visit FROM marked), visits AS "
         "(SELECT " +
         user +
         " AS user_id, address, MIN(ts) AS start_ts, MIN(t) AS start_t, MAX(t) AS end_t, "
         "COUNT(*) AS pages FROM numbered GROUP BY " +
         user + ", address, visit) ";
}

VisitReport AnalyticsReports::visits(const DayWindow& window, std::int64_t limit) {
  const std::string sql =
      visits_cte() +
      "SELECT user_id, address, start_t, end_t, pages, COUNT(*) OVER (), SUM(pages) OVER () "
      "FROM visits ORDER BY start_t DESC, CASE WHEN user_id IS NULL THEN 1 ELSE 0 END, "
      "user_id, address LIMIT ?";
  const auto result =
      db_.execute(bind_, sql, {window.begin, window.end, kOrderEventPage, kGapMicros, limit});
  VisitReport report;
  for (const auto& row : result.rows) {
    Visit v;
    if (!row[0].is_null()) v.user_id = integer_of(row[0]);
    if (!row[1].is_null()) v.address = text_of(row[1]);
    v.start_micros = integer_of(row[2]);
    v.end_micros = integer_of(row[3]);
    v.pages = integer_of(row[4]);
    report.total_visits = integer_of(row[5]);
    report.total_pages = integer_of(row[6]);
    report.visits.push_back(std::move(v));
  }
  return report;
}

// A visit converted when an order event of its visitor (the same user, or for an address's
// visit the same address) comes at or after its first view and less than kVisitGap after its
// last: within the visit, as a view at that moment would have been.
Conversion AnalyticsReports::conversion(const DayWindow& window) {
  const auto ordered_by = [&](const char* column, const char* visit_column) {
    const std::string o_ts = "o." + q("timestamp");
    return "EXISTS (SELECT 1 FROM " + q("page_view") + " o WHERE o." + q("page") + " = ? AND o." +
           q(column) + " = v." + visit_column + " AND " + o_ts + " >= v.start_ts AND " +
           epoch_micros(dialect_.backend(), o_ts) + " < v.end_t + ?)";
  };
  const std::string sql =
      visits_cte() +
      "SELECT COUNT(*), COUNT(CASE WHEN converted = 1 THEN 1 END) FROM (SELECT CASE WHEN "
      "(v.user_id IS NOT NULL AND " +
      ordered_by("user_id", "user_id") + ") OR (v.user_id IS NULL AND " +
      ordered_by("ip_address", "address") + ") THEN 1 ELSE 0 END AS converted FROM visits v) x";
  const auto result = db_.execute(bind_, sql,
                                  {window.begin, window.end, kOrderEventPage, kGapMicros,
                                   kOrderEventPage, kGapMicros, kOrderEventPage, kGapMicros});
  if (result.rows.empty()) return {};
  return {integer_of(result.rows[0][0]), integer_of(result.rows[0][1])};
}

}  // namespace shop
