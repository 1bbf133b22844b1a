#pragma once
// Page-view ids that stay unique across restarts without any stored state: the high 43 bits
// are milliseconds since 2020 (good until 2298), the low 20 a counter. A process starts at
// the current millisecond and moves to max(next millisecond, now) whenever its counter wraps,
// so its ids never run ahead of the clock (that would take 2^20 views a millisecond) and a
// later process, starting at a later millisecond, cannot reuse them. They assume one shop per
// analytics database and a wall clock that does not step back across a restart.
#include <cstdint>

namespace shop {

class EventIds {
 public:
  static constexpr int kCounterBits = 20;

  EventIds();
  // Not thread-safe: the caller holds its own lock.
  std::int64_t next();

 private:
  std::int64_t millisecond_;
  std::int64_t counter_ = 0;
};

}  // namespace shop
