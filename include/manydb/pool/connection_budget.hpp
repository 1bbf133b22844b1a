#pragma once
// A cap on the connections open at once across many pools: every tenant's pool takes a slot
// here before it connects, and the slot comes back when that connection closes. When none is
// free, an idle connection of another pool is closed to make room (the reclaimer), else the
// acquire waits for one until its deadline.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <utility>

namespace manydb {

class ConnectionBudget {
 public:
  using Clock = std::chrono::steady_clock;
  // Closes one idle connection somewhere (returning its slot); false when none is idle.
  using Reclaimer = std::function<bool()>;

  explicit ConnectionBudget(std::size_t limit) : limit_(limit) {}
  ConnectionBudget(const ConnectionBudget&) = delete;
  ConnectionBudget& operator=(const ConnectionBudget&) = delete;

  // Set once, before any pool uses the budget.
  void set_reclaimer(Reclaimer reclaimer) { reclaimer_ = std::move(reclaimer); }

  // A slot for one new connection; false when none came free by `deadline`.
  bool take(Clock::time_point deadline);
  // A connection that held a slot closed.
  void give_back();
  // A connection went idle in some pool: an acquire waiting here may close it and take its slot.
  // One atomic load when nobody waits.
  void idle_available() {
    if (waiters_.load() > 0) wake();
  }

  std::size_t limit() const { return limit_; }
  std::size_t in_use() const;
  std::size_t peak() const;

 private:
  void wake();

  const std::size_t limit_;
  Reclaimer reclaimer_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t used_ = 0;
  std::size_t peak_ = 0;
  std::uint64_t generation_ = 0;  // bumped by every give_back and idle_available
  std::atomic<std::size_t> waiters_{0};
};

// A connection's slot in a budget, given back when the connection it sits beside is destroyed.
class BudgetSlot {
 public:
  BudgetSlot() = default;
  explicit BudgetSlot(ConnectionBudget* budget) : budget_(budget) {}
  BudgetSlot(BudgetSlot&& other) noexcept : budget_(std::exchange(other.budget_, nullptr)) {}
  BudgetSlot& operator=(BudgetSlot&& other) noexcept {
    if (this != &other) {
      release();
      budget_ = std::exchange(other.budget_, nullptr);
    }
    return *this;
  }
  ~BudgetSlot() { release(); }
  bool held() const { return budget_ != nullptr; }

 private:
  void release() {
    if (budget_) std::exchange(budget_, nullptr)->give_back();
  }
  ConnectionBudget* budget_ = nullptr;
};

}  // namespace manydb
