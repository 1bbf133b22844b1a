#pragma once
// A latency percentile of what happened between two snapshots of the same histograms, the way
// Prometheus's histogram_quantile estimates it: find the bucket that holds the rank, then
// interpolate linearly inside it (a bucket's observations taken as spread evenly).
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "manydb/observe/histogram.hpp"

namespace shop::status {

// Per bucket, what `after` counted since `before` (same bounds); summed over several pairs
// by calling it once per pair on the same `into`.
void add_bucket_deltas(const manydb::HistogramSnapshot& before,
                       const manydb::HistogramSnapshot& after, std::vector<std::uint64_t>& into);

// The `q` quantile (0 < q <= 1) in seconds of per-bucket `counts` under `upper_bounds` (the
// last bucket is +Inf: a rank there is reported as the highest finite bound); none when the
// buckets are empty.
std::optional<double> quantile(double q, std::span<const double> upper_bounds,
                               std::span<const std::uint64_t> counts);

}  // namespace shop::status
