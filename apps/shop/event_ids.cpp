#include "event_ids.hpp"

#include <algorithm>
#include <chrono>

namespace shop {

namespace {

constexpr std::int64_t kEpochMs = 1'577'836'800'000;  // 2020-01-01T00:00:00Z

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count() - kEpochMs;
}

}  // namespace

EventIds::EventIds() : millisecond_(now_ms()) {}

std::int64_t EventIds::next() {
  if (counter_ == (std::int64_t{1} << kCounterBits)) {
    millisecond_ = std::max(millisecond_ + 1, now_ms());
    counter_ = 0;
  }
  return (millisecond_ << kCounterBits) | counter_++;
}

}  // namespace shop
