#pragma once
// A thread-safe pool of connections to one database. Connecting and pinging happen outside
// the pool's lock, so a slow server never blocks threads that only return connections.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "manydb/core/errors.hpp"
#include "manydb/driver/connection.hpp"
#include "manydb/observe/histogram.hpp"
#include "manydb/pool/connection_budget.hpp"
#include "manydb/pool/lease.hpp"
#include "manydb/pool/pool_options.hpp"

namespace manydb {

class PinnedConnection;  // src/pool/pinned_connection.hpp

class Pool {
  struct DownError {
    enum class Kind { timeout, connection, operational } kind = Kind::operational;
    std::string message;
    std::string code;
  };

 public:
  using Factory = std::function<std::unique_ptr<Connection>()>;

  Pool(std::string bind, Factory factory, PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // A live connection, or PoolTimeout after options().acquire_timeout, or the connect error.
  Lease acquire();
  PoolStats stats() const;
  // How long the acquires that had to wait for a connection waited.
  HistogramSnapshot wait_time() const { return wait_time_.snapshot(); }
  const PoolOptions& options() const { return options_; }
  const std::string& bind() const { return bind_; }

  // Makes every connection this pool opens take a slot in `budget` first (tenant pools share
  // one: TenantSettings::max_connections). Called once, before the pool is used.
  void share_budget(std::shared_ptr<ConnectionBudget> budget) { budget_ = std::move(budget); }
  // Closes one idle connection, for a budget that needs its slot; false when none is idle.
  bool close_one_idle();

  // Test-transaction mode (docs/testing.md): leases one connection and begins a transaction on
  // it; until unpin(), acquire() hands out only that connection, to one thread at a time, with
  // each borrower's transactions as savepoints in it. ProgrammingError when pinned already.
  void pin();
  // Rolls that transaction back and returns the connection; false when a statement had ended it
  // before (MariaDB commits at DDL), so the test's writes stay.
  bool unpin() noexcept;
  bool pinned() const { return pinned_.load(std::memory_order_relaxed); }

 private:
  friend class Lease;
  using Clock = std::chrono::steady_clock;

  Lease acquire_pinned();
  Lease acquire_slowly(std::unique_ptr<PooledConnection> parked, bool ping_every_idle = false);
  Lease acquire_while_down();
  void went_down(const OperationalError& error);
  [[noreturn]] void throw_down_error() const;    // under the lock
  [[noreturn]] void throw_pool_timeout() const;  // logs it too: outside the lock
  void came_up();
  std::unique_ptr<PooledConnection> open_connection();  // counted in open_ by the caller
  BudgetSlot take_budget_slot();
  std::unique_ptr<PooledConnection> take_idle_or_reserve(
      std::unique_lock<std::mutex>& lock, std::optional<Clock::time_point>& deadline);
  bool reserve_idle();
  std::unique_ptr<PooledConnection> unpark();
  bool park(std::unique_ptr<PooledConnection>& connection);
  Clock::time_point idle_clock() const;
  bool stale(const PooledConnection& pooled) const;
  bool healthy_after_idle(PooledConnection& pooled);
  void give_back(std::unique_ptr<PooledConnection> connection);
  void keep_idle(std::unique_ptr<PooledConnection> connection);
  void forget(std::unique_ptr<PooledConnection> connection);  // close it and free its slot
  std::unique_ptr<PooledConnection> replace(std::unique_ptr<PooledConnection> dead);

  const std::string bind_;
  const Factory factory_;
  const PoolOptions options_;
  std::shared_ptr<ConnectionBudget> budget_;  // nullptr: no cap beyond this pool's own
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<PooledConnection>> idle_;  // most recently returned last: reuse warm
                                                         // connections first
  std::size_t open_ = 0;  // idle (parked included) + leased + being opened
  // The connection returned last, parked outside the lock: a thread that takes a connection and
  // gives it back, as a request handler does, pays no mutex. It counts as idle; it is the
  // warmest, so acquire() tries it first.
  std::atomic<PooledConnection*> parked_{nullptr};
  std::atomic<std::size_t> idle_count_{0};  // idle_.size() + the parked one; see reserve_idle
  std::atomic<std::size_t> waiters_{0};     // acquires blocked on freed_ (changed under the lock)
  std::atomic<std::uint64_t> acquired_{0};
  PoolStats stats_;
  Histogram wait_time_;  // observed only by acquires that wait: none on the fast path
  // The bind is down (PoolOptions::reconnect_interval): set and cleared under the lock, read
  // without it by acquire().
  std::atomic<bool> down_{false};
  // What made it go down, thrown again by failing acquires: a new exception object each time,
  // as one shared by threads would be destroyed by whichever releases it last.
  DownError down_error_;
  Clock::time_point retry_at_{};
  bool probing_ = false;  // one acquire is trying the server again
  // Test-transaction mode: the flag, read by every acquire, and the connection (under the lock).
  std::atomic<bool> pinned_{false};
  std::shared_ptr<PinnedConnection> pin_;
};

}  // namespace manydb
