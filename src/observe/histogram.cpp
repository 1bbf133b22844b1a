#include "manydb/observe/histogram.hpp"

#include <numeric>

namespace manydb {

std::uint64_t HistogramSnapshot::count() const {
  return std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
}

HistogramSnapshot Histogram::snapshot() const {
  HistogramSnapshot s;
  s.upper_bounds.reserve(kBoundsNs.size());
  for (auto ns : kBoundsNs) s.upper_bounds.push_back(static_cast<double>(ns) / 1e9);
  s.counts.reserve(buckets_.size());
  for (const auto& bucket : buckets_) s.counts.push_back(bucket.load(std::memory_order_relaxed));
  s.sum = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

}  // namespace manydb
