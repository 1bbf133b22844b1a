#pragma once
// A latency histogram with fixed bucket bounds (10 µs to 10 s), shared by threads without a
// lock: an observation is a few compares and two relaxed atomic adds (its bucket, the sum).
// The count is the buckets' total, so it needs no atomic of its own.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <vector>

namespace manydb {

// What a Histogram held when it was read: per bucket, not cumulative (the exposition format's
// cumulative buckets are the renderer's business).
struct HistogramSnapshot {
  std::vector<double> upper_bounds;   // seconds, ascending; the last bucket (+Inf) is implied
  std::vector<std::uint64_t> counts;  // upper_bounds.size() + 1 buckets, the last one +Inf
  double sum = 0;                     // seconds
  std::uint64_t count() const;
};

class Histogram {
 public:
  // Upper bounds in nanoseconds: sub-millisecond for SQLite in process, up to the timeouts.
  static constexpr std::array<std::uint64_t, 19> kBoundsNs{
      10'000,        25'000,        50'000,        100'000,       250'000,
      500'000,       1'000'000,     2'500'000,     5'000'000,     10'000'000,
      25'000'000,    50'000'000,    100'000'000,   250'000'000,   500'000'000,
      1'000'000'000, 2'500'000'000, 5'000'000'000, 10'000'000'000};

  void observe_ns(std::uint64_t ns) noexcept {
    std::size_t i = 0;
    while (i < kBoundsNs.size() && ns > kBoundsNs[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(ns, std::memory_order_relaxed);
  }
  void observe(std::chrono::steady_clock::duration elapsed) noexcept {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
    observe_ns(ns > 0 ? static_cast<std::uint64_t>(ns) : 0);
  }
  HistogramSnapshot snapshot() const;

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsNs.size() + 1> buckets_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace manydb
