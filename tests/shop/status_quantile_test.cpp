// The status page's latency percentiles: estimated from the buckets a histogram gained between
// two snapshots, interpolated inside the bucket that holds the rank.
#include <gtest/gtest.h>

#include "status/latency_quantile.hpp"

namespace {

using shop::status::add_bucket_deltas;
using shop::status::quantile;

manydb::HistogramSnapshot observed(std::initializer_list<std::uint64_t> nanoseconds) {
  manydb::Histogram h;
  for (const auto ns : nanoseconds) h.observe_ns(ns);
  return h.snapshot();
}

TEST(StatusQuantile, NoneWithoutObservations) {
  const auto h = observed({});
  EXPECT_FALSE(quantile(0.5, h.upper_bounds, h.counts));
}

TEST(StatusQuantile, InterpolatesInsideTheBucketOfTheRank) {
  // Four observations in (10 µs, 25 µs]: the median is halfway through that bucket.
  const auto h = observed({11'000, 12'000, 20'000, 24'000});
  EXPECT_DOUBLE_EQ(*quantile(0.5, h.upper_bounds, h.counts), 10e-6 + 15e-6 * 0.5);
  EXPECT_DOUBLE_EQ(*quantile(1.0, h.upper_bounds, h.counts), 25e-6);
}

TEST(StatusQuantile, TheTailLandsInItsOwnBucket) {
  // 98 fast statements, 2 of about 300 ms: p50 below 10 µs, p99 in (250 ms, 500 ms].
  manydb::Histogram h;
  for (int i = 0; i < 98; ++i) h.observe_ns(5'000);
  h.observe_ns(300'000'000);
  h.observe_ns(310'000'000);
  const auto s = h.snapshot();
  EXPECT_LE(*quantile(0.5, s.upper_bounds, s.counts), 10e-6);
  const double p99 = *quantile(0.99, s.upper_bounds, s.counts);
  EXPECT_GT(p99, 0.25);
  EXPECT_LE(p99, 0.5);
}

TEST(StatusQuantile, BeyondTheLastBoundIsTheLastBound) {
  const auto h = observed({20'000'000'000});
  EXPECT_DOUBLE_EQ(*quantile(0.99, h.upper_bounds, h.counts), 10.0);
}

TEST(StatusQuantile, OnlyWhatHappenedBetweenTheSnapshotsCounts) {
  manydb::Histogram h;
  for (int i = 0; i < 1000; ++i) h.observe_ns(1'000'000'000);  // before: slow
  const auto before = h.snapshot();
  h.observe_ns(5'000);  // during the interval: one fast statement
  std::vector<std::uint64_t> deltas;
  add_bucket_deltas(before, h.snapshot(), deltas);
  EXPECT_LE(*quantile(0.99, before.upper_bounds, deltas), 10e-6);
}

}  // namespace
