// The Prometheus text renderer: escaping, cumulative buckets up to +Inf, and the library's
// families. tests/shop/metrics_test.py parses the whole output with prometheus_client's parser.
#include "manydb/observe/prometheus.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "manydb/observe/bind_metrics.hpp"

namespace manydb {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Prometheus, LabelValuesAndHelpAreEscaped) {
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_help("a\\b\"c\nd"), "a\\\\b\"c\\nd");  // a quote needs none in HELP
  PrometheusWriter out;
  out.family("x_total", PrometheusWriter::Type::counter, "line one\nline two");
  out.sample(Labels{{"path", "/a\"b\\"}}, std::uint64_t{3});
  EXPECT_EQ(out.text(),
            "# HELP x_total line one\\nline two\n"
            "# TYPE x_total counter\n"
            "x_total{path=\"/a\\\"b\\\\\"} 3\n");
}

TEST(Prometheus, ValuesAreFormattedAsTheFormatSpellsThem) {
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(format_value(0.0 / 0.0), "NaN");
}

TEST(Prometheus, HistogramBucketsAreCumulativeUpToInf) {
  HistogramSnapshot h{{0.1, 1}, {2, 0, 3}, 31.5};
  PrometheusWriter out;
  out.family("lat_seconds", PrometheusWriter::Type::histogram, "Latency.");
  out.histogram(Labels{{"route", "/a"}}, h);
  EXPECT_EQ(out.text(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{route=\"/a\",le=\"0.1\"} 2\n"
            "lat_seconds_bucket{route=\"/a\",le=\"1\"} 2\n"
            "lat_seconds_bucket{route=\"/a\",le=\"+Inf\"} 5\n"
            "lat_seconds_sum{route=\"/a\"} 31.5\n"
            "lat_seconds_count{route=\"/a\"} 5\n");
}

TEST(Histogram, ObservationsLandInTheFirstBucketThatHoldsThem) {
  Histogram h;
  h.observe(5us);   // under the first bound (10 µs)
  h.observe(10us);  // on a bound: that bucket (le is "less or equal")
  h.observe(3ms);   // 5 ms bucket
  h.observe(60s);   // past the last bound: +Inf
  const HistogramSnapshot s = h.snapshot();
  ASSERT_EQ(s.counts.size(), s.upper_bounds.size() + 1);
  EXPECT_EQ(s.counts[0], 2u);
  EXPECT_DOUBLE_EQ(s.upper_bounds[8], 0.005);
  EXPECT_EQ(s.counts[8], 1u);
  EXPECT_EQ(s.counts.back(), 1u);
  EXPECT_EQ(s.count(), 4u);
  EXPECT_NEAR(s.sum, 60.003015, 1e-9);
}

TEST(Prometheus, TheLibrarysFamiliesNameBindAndEngine) {
  BindMetrics metrics;
  metrics.statement(StatementKind::read, 1ms);
  metrics.statement(StatementKind::read, 2ms);
  metrics.error(UniqueViolation("dup", "orders", "23505"));
  metrics.committed();
  metrics.prepared();
  MetricsSnapshot m;
  m.binds.push_back(metrics.snapshot(true));
  m.binds.back().bind = "orders";
  m.binds.back().engine = "sqlite";
  const std::string text = render_prometheus(m);
  const std::string labels = "bind=\"orders\",engine=\"sqlite\"";
  EXPECT_TRUE(contains(text, "# TYPE manydb_statement_duration_seconds histogram\n"));
  EXPECT_TRUE(
      contains(text, "manydb_statement_duration_seconds_count{" + labels + ",kind=\"read\"} 2\n"));
  EXPECT_TRUE(
      contains(text, "manydb_statement_duration_seconds_count{" + labels + ",kind=\"write\"} 0\n"));
  EXPECT_TRUE(contains(text, "manydb_errors_total{" + labels + ",type=\"unique\"} 1\n"));
  EXPECT_TRUE(contains(text, "manydb_errors_total{" + labels + ",type=\"deadlock\"} 0\n"));
  EXPECT_TRUE(
      contains(text, "manydb_transactions_total{" + labels + ",outcome=\"committed\"} 1\n"));
  EXPECT_TRUE(contains(text, "manydb_two_phase_total{" + labels + ",event=\"prepared\"} 1\n"));
  EXPECT_TRUE(
      contains(text, "manydb_pool_wait_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} 0\n"));
  EXPECT_TRUE(contains(text, "manydb_sqlite_write_gate_waits_total{" + labels + "} 0\n"));
}

TEST(Prometheus, ServerBindsHaveNoSqliteFamilies) {
  MetricsSnapshot m;
  m.binds.push_back(BindMetrics().snapshot(false));
  m.binds.back().bind = "default";
  m.binds.back().engine = "postgresql";
  EXPECT_FALSE(contains(render_prometheus(m), "manydb_sqlite_"));
}

TEST(BindMetrics, ErrorsAreCountedByTheirMostDerivedType) {
  EXPECT_EQ(error_kind_of(UniqueViolation("m", "b", "")), ErrorKind::unique);
  EXPECT_EQ(error_kind_of(IntegrityError("m", "b", "")), ErrorKind::integrity);
  EXPECT_EQ(error_kind_of(CommitInDoubt("m", "b", "")), ErrorKind::commit_in_doubt);
  EXPECT_EQ(error_kind_of(ConnectionError("m", "b", "")), ErrorKind::connection);
  EXPECT_EQ(error_kind_of(LockTimeout("m", "b", "")), ErrorKind::lock_timeout);
  EXPECT_EQ(error_kind_of(Deadlock("m", "b", "")), ErrorKind::deadlock);
  EXPECT_EQ(error_kind_of(NotFound("m")), ErrorKind::other);
}

}  // namespace
}  // namespace manydb
