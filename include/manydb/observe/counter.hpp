#pragma once
// A monotonic count shared by threads: one relaxed atomic add, no lock. Relaxed is enough as
// nothing is ordered by a metric; a snapshot may see one count a moment before another.
#include <atomic>
#include <cstdint>

namespace manydb {

class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

}  // namespace manydb
