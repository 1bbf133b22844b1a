#include "manydb/pool/connection_budget.hpp"

#include <algorithm>

namespace manydb {

// Counted among the waiters for the whole slow path, so that a connection going idle while
// this looks for one (after the reclaimer found nothing) bumps the generation it compares.
bool ConnectionBudget::take(Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (used_ < limit_) {
    peak_ = std::max(peak_, ++used_);
    return true;
  }
  waiters_.fetch_add(1);
  struct Leave {
    std::atomic<std::size_t>& waiters;
    ~Leave() { waiters.fetch_sub(1); }
  } leave{waiters_};
  for (;;) {
    if (used_ < limit_) {
      peak_ = std::max(peak_, ++used_);
      return true;
    }
    const std::uint64_t seen = generation_;
    if (reclaimer_) {
      lock.unlock();
      const bool closed = reclaimer_();
      lock.lock();
      if (closed || generation_ != seen) continue;
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout && used_ >= limit_ &&
        generation_ == seen) {
      return false;
    }
  }
}

void ConnectionBudget::give_back() {
  {
    std::lock_guard lock(mutex_);
    --used_;
    ++generation_;
  }
  changed_.notify_one();
}

void ConnectionBudget::wake() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  changed_.notify_all();
}

std::size_t ConnectionBudget::in_use() const {
  std::lock_guard lock(mutex_);
  return used_;
}

std::size_t ConnectionBudget::peak() const {
  std::lock_guard lock(mutex_);
  return peak_;
}

}  // namespace manydb
