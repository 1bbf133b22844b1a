// GET /analytics/pages, /analytics/visits and /analytics/conversion against page views the
// test inserts itself (straight into the analytics bind, with chosen timestamps), compared with
// what a small implementation here computes from the same list. On SQLite and on MariaDB.
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>

#include "shop_test_fixture.hpp"

namespace shop_test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using manydb::Timestamp;

constexpr std::int64_t kGap = 30LL * 60 * 1'000'000;  // 30 minutes, in microseconds
constexpr const char* kOrderPage = "/orders";

struct View {
  std::string page;
  std::optional<std::int64_t> user;
  std::optional<std::string> address;
  Timestamp at;
};

Timestamp at(unsigned day, unsigned hour, unsigned minute, unsigned second = 0,
             unsigned micro = 0) {
  return Timestamp::from_civil(2021, 3, day, hour, minute, second, micro);
}

// --- the expected reports, computed independently of the shop's SQL -------------------------

struct ExpectedVisit {
  std::optional<std::int64_t> user;
  std::optional<std::string> address;
  Timestamp start, end;
  std::int64_t pages = 0;
};

bool in_window(const View& v, Timestamp begin, Timestamp end) {
  return v.at >= begin && v.at < end;
}

std::map<std::pair<std::string, std::string>, std::int64_t> expected_pages(
    const std::vector<View>& views, Timestamp begin, Timestamp end) {
  std::map<std::pair<std::string, std::string>, std::int64_t> pages;
  for (const auto& v : views) {
    if (v.page != kOrderPage && in_window(v, begin, end)) {
      ++pages[{v.at.to_iso8601().substr(0, 10), v.page}];
    }
  }
  return pages;
}

// Ordered as the report orders them: latest start first, users before addresses.
std::vector<ExpectedVisit> expected_visits(const std::vector<View>& views, Timestamp begin,
                                           Timestamp end) {
  // visitor -> its views' times, in order
  std::map<std::pair<std::optional<std::int64_t>, std::optional<std::string>>,
           std::vector<Timestamp>>
      by_visitor;
  for (const auto& v : views) {
    if (v.page == kOrderPage || !in_window(v, begin, end)) continue;
    by_visitor[{v.user, v.user ? std::nullopt : v.address}].push_back(v.at);
  }
  std::vector<ExpectedVisit> visits;
  for (auto& [visitor, times] : by_visitor) {
    std::sort(times.begin(), times.end());
    for (std::size_t i = 0; i < times.size(); ++i) {
      if (i == 0 || times[i].micros - times[i - 1].micros >= kGap) {
        visits.push_back({visitor.first, visitor.second, times[i], times[i], 0});
      }
      visits.back().end = times[i];
      ++visits.back().pages;
    }
  }
  std::sort(visits.begin(), visits.end(), [](const auto& a, const auto& b) {
    return std::tuple(-a.start.micros, !a.user, a.user, a.address) <
           std::tuple(-b.start.micros, !b.user, b.user, b.address);
  });
  return visits;
}

bool converted(const ExpectedVisit& visit, const std::vector<View>& views) {
  return std::any_of(views.begin(), views.end(), [&](const View& o) {
    const bool same_visitor = visit.user ? o.user == visit.user : o.address == visit.address;
    return o.page == kOrderPage && same_visitor && o.at >= visit.start &&
           o.at.micros < visit.end.micros + kGap;
  });
}

// --- the fixture ----------------------------------------------------------------------------

// The servers config, its analytics bind moved to PostgreSQL: the reports' SQL on the third
// engine (the shop deploys analytics on MariaDB).
constexpr const char* kAnalyticsOnPostgres = "analytics_on_postgresql";

fs::path analytics_on_postgres_config() {
  std::ifstream in(fs::path(shop_config_dir()) / "shop-servers.toml");
  std::stringstream text;
  text << in.rdbuf();
  std::string config = text.str();
  const std::string mariadb = "mariadb://shop@127.0.0.1:3306/analytics";
  const auto at = config.find(mariadb);
  if (at == std::string::npos) throw std::runtime_error("shop-servers.toml: no " + mariadb);
  config.replace(at, mariadb.size(), "postgresql://shop@127.0.0.1:5432/analytics");
  const auto path =
      fs::temp_directory_path() / ("manydb-shop-analytics-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << config;
  return path;
}

class ShopAnalytics : public ShopTest {
 protected:
  void SetUp() override {
    if (GetParam() != kAnalyticsOnPostgres) return ShopTest::SetUp();
    config_file_ = analytics_on_postgres_config();
    start_shop(ShopOptions{.config = "servers", .config_file = config_file_.string()});
    if (IsSkipped() || HasFatalFailure()) return;
    ASSERT_EQ(db().engine("analytics").url().backend, manydb::Backend::postgresql);
  }
  void TearDown() override {
    ShopTest::TearDown();
    if (!config_file_.empty()) fs::remove(config_file_);
  }

  void insert(const std::vector<View>& views) {
    const std::string sql = "INSERT INTO " + quoted("analytics", "page_view") + " (" +
                            quoted("analytics", "page") + ", " + quoted("analytics", "user_id") +
                            ", " + quoted("analytics", "timestamp") + ", " +
                            quoted("analytics", "ip_address") + ") VALUES (?, ?, ?, ?)";
    for (const auto& v : views) db().execute("analytics", sql, {v.page, v.user, v.at, v.address});
  }

  json::value report(const std::string& path) {
    const auto response = get(path);
    EXPECT_EQ(response.status, 200) << path << ": " << describe(response);
    return parse_json(response);
  }

  void expect_bad(const std::string& path, const std::string& parameter) {
    const auto response = get(path);
    EXPECT_EQ(response.status, 400) << path << ": " << describe(response);
    EXPECT_TRUE(is_error_body(response)) << path << ": " << describe(response);
    EXPECT_NE(response.body.find("'" + parameter + "'"), std::string::npos)
        << path << ": the error names " << parameter << ": " << describe(response);
  }

  // Views of 2021-03-10 and 11, around them, and order events: every edge the reports have.
  static std::vector<View> scenario() {
    const std::string products = "/products";
    return {
        // User 1001: a gap just under 30 minutes (one visit), then exactly 30 (a new visit),
        // which an order 5 minutes later converts. Its address does not make it anonymous.
        {products, 1001, "10.0.0.9", at(10, 10, 0)},
        {"/users/1001/orders", 1001, "10.0.0.9", at(10, 10, 29, 59, 999'999)},
        {products, 1001, "10.0.0.9", at(10, 10, 59, 59, 999'999)},
        {kOrderPage, 1001, "10.0.0.9", at(10, 11, 5)},
        // User 1002: one visit across midnight; no order.
        {"/users/1002/orders", 1002, "10.0.0.8", at(10, 23, 50)},
        {products, 1002, "10.0.0.8", at(11, 0, 10)},
        // An address's visit, converted by an order placed from that address by a user
        // (1003) who viewed nothing: that order alone is no visit.
        {products, std::nullopt, "10.0.0.1", at(10, 12, 0)},
        {products, std::nullopt, "10.0.0.1", at(10, 12, 10)},
        {kOrderPage, 1003, "10.0.0.1", at(10, 12, 35)},
        // One view; the order comes exactly 30 minutes later: after the visit.
        {products, std::nullopt, "10.0.0.2", at(11, 15, 0)},
        {kOrderPage, 1004, "10.0.0.2", at(11, 15, 30)},
        // One view; the order came a minute before it: not after the visit began.
        {products, std::nullopt, "10.0.0.3", at(11, 16, 0)},
        {kOrderPage, std::nullopt, "10.0.0.3", at(11, 15, 59)},
        // Just outside the window, on both sides.
        {products, std::nullopt, "10.0.0.4", at(9, 23, 59, 59, 999'999)},
        {products, std::nullopt, "10.0.0.4", at(12, 0, 0)},
    };
  }

  static constexpr const char* kWindow = "from=2021-03-10&to=2021-03-11";
  const Timestamp begin_ = at(10, 0, 0);
  const Timestamp end_ = at(12, 0, 0);

 private:
  fs::path config_file_;
};

void expect_visit(const json::value& got, const ExpectedVisit& want) {
  const auto& o = got.as_object();
  if (want.user) {
    EXPECT_EQ(o.at("visitor").as_string(), "user:" + std::to_string(*want.user));
    EXPECT_EQ(integer(o.at("user_id")), *want.user);
    EXPECT_FALSE(o.contains("address"));
  } else {
    EXPECT_EQ(o.at("visitor").as_string(), "address:" + *want.address);
    EXPECT_EQ(o.at("address").as_string(), *want.address);
    EXPECT_FALSE(o.contains("user_id"));
  }
  EXPECT_EQ(o.at("start").as_string(), want.start.to_iso8601()) << json::serialize(got);
  EXPECT_EQ(o.at("end").as_string(), want.end.to_iso8601()) << json::serialize(got);
  EXPECT_DOUBLE_EQ(number(o.at("seconds")),
                   static_cast<double>(want.end.micros - want.start.micros) / 1e6);
  EXPECT_EQ(integer(o.at("pages")), want.pages) << json::serialize(got);
}

TEST_P(ShopAnalytics, PagesCountsViewsPerPageAndDay) {
  const auto views = scenario();
  insert(views);
  const auto want = expected_pages(views, begin_, end_);
  const auto body = report(std::string("/analytics/pages?") + kWindow);
  ASSERT_TRUE(body.is_array()) << json::serialize(body);
  ASSERT_EQ(body.as_array().size(), want.size()) << json::serialize(body);
  auto it = want.begin();
  for (const auto& row : body.as_array()) {
    EXPECT_EQ(row.at("day").as_string(), it->first.first) << json::serialize(row);
    EXPECT_EQ(row.at("page").as_string(), it->first.second) << json::serialize(row);
    EXPECT_EQ(integer(row.at("views")), it->second) << json::serialize(row);
    ++it;
  }
  const auto first = report(std::string("/analytics/pages?limit=2&") + kWindow);
  ASSERT_TRUE(first.is_array());
  ASSERT_EQ(first.as_array().size(), 2u) << json::serialize(first);
  EXPECT_EQ(first.as_array()[1], body.as_array()[1]) << "the limit keeps the first rows";
}

TEST_P(ShopAnalytics, VisitsSplitOnGapsOfThirtyMinutes) {
  const auto views = scenario();
  insert(views);
  const auto want = expected_visits(views, begin_, end_);
  ASSERT_EQ(want.size(), 6u) << "the scenario's own count: 1001 twice, 1002, three addresses";
  const auto body = report(std::string("/analytics/visits?") + kWindow);
  ASSERT_TRUE(body.is_object()) << json::serialize(body);
  EXPECT_EQ(body.at("from").as_string(), "2021-03-10");
  EXPECT_EQ(body.at("to").as_string(), "2021-03-11");
  std::int64_t pages = 0;
  for (const auto& v : want) pages += v.pages;
  EXPECT_EQ(integer(body.at("totals").at("visits")), static_cast<std::int64_t>(want.size()));
  EXPECT_EQ(integer(body.at("totals").at("pages")), pages);
  const auto& got = body.at("visits").as_array();
  ASSERT_EQ(got.size(), want.size()) << json::serialize(body);
  for (std::size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("visit " + std::to_string(i));
    expect_visit(got[i], want[i]);
  }

  const auto limited = report(std::string("/analytics/visits?limit=2&") + kWindow);
  ASSERT_EQ(limited.at("visits").as_array().size(), 2u) << json::serialize(limited);
  EXPECT_EQ(limited.at("visits").as_array()[1], got[1]) << "the latest first, as without limit";
  EXPECT_EQ(limited.at("totals"), body.at("totals")) << "totals count every visit";
}

TEST_P(ShopAnalytics, ConversionIsTheShareOfVisitsFollowedByAnOrder) {
  const auto views = scenario();
  insert(views);
  const auto visits = expected_visits(views, begin_, end_);
  const auto converted_visits = std::count_if(visits.begin(), visits.end(),
                                              [&](const auto& v) { return converted(v, views); });
  ASSERT_EQ(converted_visits, 2) << "the scenario's own count: 1001's second, 10.0.0.1's";
  const auto body = report(std::string("/analytics/conversion?") + kWindow);
  ASSERT_TRUE(body.is_object()) << json::serialize(body);
  EXPECT_EQ(integer(body.at("visits")), static_cast<std::int64_t>(visits.size()));
  EXPECT_EQ(integer(body.at("converted")), converted_visits);
  EXPECT_DOUBLE_EQ(number(body.at("rate")),
                   static_cast<double>(converted_visits) / static_cast<double>(visits.size()));

  // One day of the two: the visits of the 10th only (1002's starts there, its view after
  // midnight is cut off).
  const auto tenth = report("/analytics/conversion?from=2021-03-10&to=2021-03-10");
  const auto tenth_visits = expected_visits(views, begin_, at(11, 0, 0));
  EXPECT_EQ(integer(tenth.at("visits")), static_cast<std::int64_t>(tenth_visits.size()));
  EXPECT_EQ(integer(tenth.at("converted")),
            std::count_if(tenth_visits.begin(), tenth_visits.end(),
                          [&](const auto& v) { return converted(v, views); }));
}

TEST_P(ShopAnalytics, EmptyRangesAnswerEmptyReports) {
  insert(scenario());
  const std::string empty = "from=2021-01-01&to=2021-01-31";
  EXPECT_EQ(report("/analytics/pages?" + empty), json::value(json::array{}));
  const auto visits = report("/analytics/visits?" + empty);
  EXPECT_EQ(integer(visits.at("totals").at("visits")), 0);
  EXPECT_EQ(integer(visits.at("totals").at("pages")), 0);
  EXPECT_TRUE(visits.at("visits").as_array().empty()) << json::serialize(visits);
  const auto conversion = report("/analytics/conversion?" + empty);
  EXPECT_EQ(integer(conversion.at("visits")), 0);
  EXPECT_EQ(integer(conversion.at("converted")), 0);
  EXPECT_EQ(number(conversion.at("rate")), 0.0);
}

TEST_P(ShopAnalytics, DefaultWindowIsTheLastThirtyDaysWithToday) {
  const auto body = report("/analytics/visits");
  const auto today = Timestamp::now().to_iso8601().substr(0, 10);
  const auto to = std::string(body.at("to").as_string());
  // The request may straddle midnight: the day before is also right then.
  const auto yesterday = Timestamp{Timestamp::now().micros - 86'400'000'000}.to_iso8601();
  EXPECT_TRUE(to == today || to == yesterday.substr(0, 10)) << json::serialize(body);
  const auto from = Timestamp::parse(std::string(body.at("from").as_string()));
  EXPECT_EQ(Timestamp::parse(to).micros - from.micros, 29 * 86'400'000'000LL);
}

TEST_P(ShopAnalytics, BadParametersAre400NamingTheParameter) {
  for (const char* route : {"/analytics/pages", "/analytics/visits", "/analytics/conversion"}) {
    SCOPED_TRACE(route);
    const std::string r = route;
    expect_bad(r + "?from=2021-13-01", "from");
    expect_bad(r + "?from=2021-02-30", "from");
    expect_bad(r + "?from=yesterday", "from");
    expect_bad(r + "?from=2021-03-10T00:00:00Z", "from");
    expect_bad(r + "?to=21-03-10", "to");
    expect_bad(r + "?to=", "to");
    expect_bad(r + "?to=1969-12-31", "to");
    expect_bad(r + "?from=2021-03-11&to=2021-03-10", "from");
    expect_bad(r + "?from=2020-01-01&to=2021-03-10", "from");  // more than 366 days
  }
  for (const char* route : {"/analytics/pages", "/analytics/visits"}) {
    SCOPED_TRACE(route);
    const std::string r = route;
    expect_bad(r + "?limit=0", "limit");
    expect_bad(r + "?limit=-1", "limit");
    expect_bad(r + "?limit=ten", "limit");
    expect_bad(r + "?limit=1.5", "limit");
    expect_bad(r + "?limit=99999999999999999999", "limit");
  }
  expect_bad("/analytics/visits?limit=1001", "limit");
  expect_bad("/analytics/pages?limit=10001", "limit");
}

INSTANTIATE_TEST_SUITE_P(Configs, ShopAnalytics,
                         ::testing::Values("sqlite", "servers", kAnalyticsOnPostgres), config_name);

}  // namespace
}  // namespace shop_test
