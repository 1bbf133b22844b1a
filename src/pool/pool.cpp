#include "manydb/pool/pool.hpp"

#include <algorithm>

#include <time.h>

#include "manydb/core/errors.hpp"
#include "manydb/observe/log.hpp"
#include "pinned_connection.hpp"

namespace manydb {

Pool::Pool(std::string bind, Factory factory, PoolOptions options)
    : bind_(std::move(bind)), factory_(std::move(factory)), options_(options) {}

Pool::~Pool() {
  unpin();  // gives its connection back while the pool still stands
  delete parked_.load();
}

// The common case, a fresh parked connection, in a few instructions; the rest out of line.
Lease Pool::acquire() {
  if (pinned_.load(std::memory_order_relaxed)) [[unlikely]]
    return acquire_pinned();
  if (down_.load(std::memory_order_relaxed)) return acquire_while_down();
  std::unique_ptr<PooledConnection> parked = unpark();
  if (parked && !stale(*parked)) return Lease(this, std::move(parked), true);
  return acquire_slowly(std::move(parked));
}

// The pinned connection, locked for this thread; without a budget slot or a place in the pool's
// counts, as it holds neither. A lease without a pool: never retried on a new connection.
Lease Pool::acquire_pinned() {
  std::shared_ptr<PinnedConnection> pin;
  {
    std::lock_guard lock(mutex_);
    pin = pin_;
  }
  if (!pin) return acquire();  // unpinned since the flag was read
  return Lease(nullptr, std::make_unique<PooledConnection>(BudgetSlot(), pin->borrow(pin)), false);
}

void Pool::pin() {
  {
    std::lock_guard lock(mutex_);
    if (pin_) {
      throw ProgrammingError("bind '" + bind_ + "' is in a test transaction already", bind_);
    }
  }
  auto pin = std::make_shared<PinnedConnection>(acquire(), options_.acquire_timeout);
  std::lock_guard lock(mutex_);
  pin_ = std::move(pin);
  pinned_.store(true);
}

bool Pool::unpin() noexcept {
  std::shared_ptr<PinnedConnection> pin;
  {
    std::lock_guard lock(mutex_);
    pinned_.store(false);
    pin = std::move(pin_);
  }
  return !pin || pin->end();
}

// While the bind is down: the error that took it down, at once, except for one acquire per
// reconnect_interval, which tries the server again: an idle connection must answer a ping, a
// new one must connect. Either brings the bind back up.
Lease Pool::acquire_while_down() {
  {
    std::lock_guard lock(mutex_);
    if (down_.load()) {
      if (probing_ || Clock::now() < retry_at_) {
        ++stats_.failed_fast;
        throw_down_error();
      }
      probing_ = true;
    }
  }
  try {
    Lease lease = acquire_slowly(unpark(), true);
    came_up();
    return lease;
  } catch (...) {
    std::lock_guard lock(mutex_);
    probing_ = false;
    throw;
  }
}

// Records that the bind went down (or is still down after a failed try).
void Pool::went_down(const OperationalError& error) {
  if (options_.reconnect_interval.count() <= 0) return;
  using Kind = DownError::Kind;
  const Kind kind = dynamic_cast<const Timeout*>(&error)           ? Kind::timeout
                    : dynamic_cast<const ConnectionError*>(&error) ? Kind::connection
                                                                   : Kind::operational;
  bool was_down = false;
  {
    std::lock_guard lock(mutex_);
    down_error_ = DownError{kind, error.what(), error.code()};
    retry_at_ = Clock::now() + options_.reconnect_interval;
    was_down = down_.exchange(true);
  }
  // Once per outage at warn; the failed tries while it lasts at debug.
  log_with(was_down ? LogLevel::debug : LogLevel::warn, bind_, [&] {
    return std::string(was_down ? "still down: " : "down, acquires fail at once: ") + error.what() +
           " (tried again every " + std::to_string(options_.reconnect_interval.count()) + " ms)";
  });
}

void Pool::came_up() {
  if (!down_.load()) return;
  {
    std::lock_guard lock(mutex_);
    if (!down_.exchange(false)) return;
    probing_ = false;
    down_error_ = {};
  }
  log(LogLevel::info, bind_, "up again");
}

void Pool::throw_down_error() const {
  switch (down_error_.kind) {
    case DownError::Kind::timeout: throw Timeout(down_error_.message, bind_, down_error_.code);
    case DownError::Kind::connection:
      throw ConnectionError(down_error_.message, bind_, down_error_.code);
    case DownError::Kind::operational: break;
  }
  throw OperationalError(down_error_.message, bind_, down_error_.code);
}

// `parked` is a stale connection just taken from the slot, or nullptr. `ping_every_idle`: even
// a connection idle for less than ping_after_idle must answer a ping first.
Lease Pool::acquire_slowly(std::unique_ptr<PooledConnection> parked, bool ping_every_idle) {
  if (parked) {
    if (healthy_after_idle(*parked)) return Lease(this, std::move(parked), true);
    forget(std::move(parked));
  }
  std::optional<Clock::time_point> deadline;  // read the clock only if this acquire must wait
  for (;;) {
    std::unique_ptr<PooledConnection> connection = unpark();
    if (!connection) {
      std::unique_lock lock(mutex_);
      connection = take_idle_or_reserve(lock, deadline);
    }
    if (!connection) return Lease(this, open_connection(), false);  // a slot was reserved
    if ((!ping_every_idle && !stale(*connection)) || healthy_after_idle(*connection)) {
      return Lease(this, std::move(connection), true);
    }
    forget(std::move(connection));  // died while idle: try the next one
  }
}

// When a connection went idle, for the staleness check. With ping_after_idle of a second or
// more, the kernel's coarse monotonic clock (a few milliseconds of resolution, no hardware
// read) is precise enough; with 0 every connection is stale and no clock is read at all.
Pool::Clock::time_point Pool::idle_clock() const {
  if (options_.ping_after_idle.count() <= 0) return {};
  if (options_.ping_after_idle >= std::chrono::seconds(1)) {
    timespec ts{};
    if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts) == 0) {
      return Clock::time_point(std::chrono::duration_cast<Clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
    }
  }
  return Clock::now();
}

// Idle for longer than ping_after_idle: it must answer a ping before it is handed out.
bool Pool::stale(const PooledConnection& pooled) const {
  return options_.ping_after_idle.count() <= 0 ||
         idle_clock() - pooled.idle_since >= options_.ping_after_idle;
}

// Counts one more idle connection unless options().size are idle already. The count covers the
// parked connection as well as idle_, so that parking, which takes no lock, keeps the bound.
bool Pool::reserve_idle() {
  std::size_t n = idle_count_.load();
  do {
    if (n >= options_.size) return false;
  } while (!idle_count_.compare_exchange_weak(n, n + 1));
  return true;
}

// The parked connection, or nullptr.
std::unique_ptr<PooledConnection> Pool::unpark() {
  PooledConnection* parked = parked_.exchange(nullptr);
  if (parked) {
    idle_count_.fetch_sub(1);
    acquired_.fetch_add(1, std::memory_order_relaxed);
  }
  return std::unique_ptr<PooledConnection>(parked);
}

// Parks `connection` when the slot is free, nobody waits and fewer than options().size
// connections are idle; true when it did. A waiter sleeps on freed_ under the lock, so it is
// left to give_back's locked path.
bool Pool::park(std::unique_ptr<PooledConnection>& connection) {
  if (waiters_.load() > 0 || !reserve_idle()) return false;
  PooledConnection* empty = nullptr;
  if (!parked_.compare_exchange_strong(empty, connection.get())) {
    idle_count_.fetch_sub(1);
    return false;
  }
  connection.release();
  // An acquire that looked at the slot just before the connection landed there and then began
  // to wait would sleep until its deadline. It counted itself in waiters_ before it looked
  // (both sequentially consistent), so it is seen here: taking the lock lets it reach its
  // wait, and the signal then wakes it.
  if (waiters_.load() > 0) {
    { std::lock_guard lock(mutex_); }
    freed_.notify_all();
  }
  return true;
}

// Under the lock: an idle connection, or nullptr after reserving a slot for a new connection,
// or PoolTimeout.
std::unique_ptr<PooledConnection> Pool::take_idle_or_reserve(
    std::unique_lock<std::mutex>& lock, std::optional<Clock::time_point>& deadline) {
  const std::size_t max_open = options_.size + options_.max_overflow;
  // Times the wait however it ends: a connection, a reserved slot, or PoolTimeout.
  struct WaitTimer {
    Histogram& histogram;
    std::optional<Clock::time_point> started;
    ~WaitTimer() {
      if (started) histogram.observe(Clock::now() - *started);
    }
  } timer{wait_time_, std::nullopt};
  bool waited = false;
  for (;;) {
    if (!idle_.empty()) {
      std::unique_ptr<PooledConnection> connection = std::move(idle_.back());
      idle_.pop_back();
      idle_count_.fetch_sub(1);
      acquired_.fetch_add(1, std::memory_order_relaxed);
      return connection;
    }
    if (auto connection = unpark()) return connection;  // parked since acquire() looked
    if (open_ < max_open) {
      ++open_;
      stats_.peak_open = std::max(stats_.peak_open, open_);
      acquired_.fetch_add(1, std::memory_order_relaxed);
      return nullptr;
    }
    if (!waited) ++stats_.waits;
    waited = true;
    if (!deadline) deadline = Clock::now() + options_.acquire_timeout;
    if (!timer.started) timer.started = *deadline - options_.acquire_timeout;
    waiters_.fetch_add(1);
    if (auto connection = unpark()) {  // parked before park() could see this waiter
      waiters_.fetch_sub(1);
      return connection;
    }
    const auto status = freed_.wait_until(lock, *deadline);
    waiters_.fetch_sub(1);
    if (status == std::cv_status::timeout && idle_.empty() && !parked_.load() &&
        open_ >= max_open) {
      ++stats_.timeouts;
      lock.unlock();  // the sink may take its time
      throw_pool_timeout();
    }
  }
}

void Pool::throw_pool_timeout() const {
  PoolTimeout timeout("bind '" + bind_ + "': no connection became free within " +
                          std::to_string(options_.acquire_timeout.count()) + " ms (pool_size " +
                          std::to_string(options_.size) + ", max_overflow " +
                          std::to_string(options_.max_overflow) + ")",
                      bind_);
  log(LogLevel::warn, bind_, timeout.what());
  throw timeout;
}

std::unique_ptr<PooledConnection> Pool::open_connection() {
  BudgetSlot slot;
  if (budget_) slot = take_budget_slot();
  try {
    auto connection = std::make_unique<PooledConnection>(std::move(slot), factory_());
    {
      std::lock_guard lock(mutex_);
      ++stats_.connects;
    }
    came_up();
    return connection;
  } catch (...) {
    {
      std::lock_guard lock(mutex_);
      --open_;
      ++stats_.errors;
    }
    freed_.notify_one();
    try {
      throw;
    } catch (const OperationalError& error) {  // the server: refused, unreachable, not answering
      went_down(error);
    } catch (...) {
    }
    throw;
  }
}

// A slot of the shared budget, or PoolTimeout (the pool's own slot freed) when none came free
// within the acquire timeout: the cap is reached, which says nothing about this bind's server.
BudgetSlot Pool::take_budget_slot() {
  if (budget_->take(Clock::now() + options_.acquire_timeout)) return BudgetSlot(budget_.get());
  {
    std::lock_guard lock(mutex_);
    --open_;
    ++stats_.timeouts;
  }
  freed_.notify_one();
  PoolTimeout timeout("bind '" + bind_ + "': no connection could be opened within " +
                          std::to_string(options_.acquire_timeout.count()) +
                          " ms: the tenants' connections are all in use (max_connections " +
                          std::to_string(budget_->limit()) + ")",
                      bind_);
  log(LogLevel::warn, bind_, timeout.what());
  throw timeout;
}

bool Pool::close_one_idle() {
  std::unique_ptr<PooledConnection> connection = unpark();
  std::unique_lock lock(mutex_);
  if (connection) {
    acquired_.fetch_sub(1, std::memory_order_relaxed);  // unpark() counted an acquire
  } else if (!idle_.empty()) {
    connection = std::move(idle_.front());  // the coldest
    idle_.erase(idle_.begin());
    idle_count_.fetch_sub(1);
  } else {
    return false;
  }
  --open_;
  lock.unlock();
  freed_.notify_one();
  connection.reset();  // closes it, and its budget slot comes back
  return true;
}

bool Pool::healthy_after_idle(PooledConnection& pooled) {
  try {
    return pooled.connection->ping();
  } catch (const Error&) {
    return false;
  }
}

void Pool::give_back(std::unique_ptr<PooledConnection> connection) {
  connection->idle_since = idle_clock();
  if (!park(connection)) keep_idle(std::move(connection));
  if (budget_) budget_->idle_available();
}

// give_back's locked path: into idle_, or closed when options().size are idle already.
void Pool::keep_idle(std::unique_ptr<PooledConnection> connection) {
  std::unique_lock lock(mutex_);
  if (!reserve_idle()) {  // an overflow connection: close it outside the lock
    --open_;
    lock.unlock();
    freed_.notify_one();
    connection.reset();
    return;
  }
  idle_.push_back(std::move(connection));
  const bool wake = waiters_.load() > 0;  // nobody waits in the common case: skip the signal
  lock.unlock();
  if (wake) freed_.notify_one();
}

void Pool::forget(std::unique_ptr<PooledConnection> connection) {
  // A server that stopped answering will keep every other connection waiting as long.
  if (connection->connection->timed_out()) {
    went_down(Timeout(
        "bind '" + bind_ + "': the server did not answer within the statement timeout (" +
            std::to_string(options_.statement_timeout.count()) + " ms); it is tried again every " +
            std::to_string(options_.reconnect_interval.count()) + " ms",
        bind_));
  }
  connection.reset();
  {
    std::lock_guard lock(mutex_);
    --open_;
    ++stats_.errors;
    ++stats_.discarded;
  }
  freed_.notify_one();
  log(LogLevel::info, bind_, "a broken connection was closed, not kept");
}

// The dead connection's slot passes to its replacement; open_connection frees it on failure.
std::unique_ptr<PooledConnection> Pool::replace(std::unique_ptr<PooledConnection> dead) {
  dead.reset();
  {
    std::lock_guard lock(mutex_);
    ++stats_.errors;
    ++stats_.discarded;
  }
  log(LogLevel::info, bind_, "a connection found dead was discarded and replaced");
  return open_connection();
}

PoolStats Pool::stats() const {
  std::lock_guard lock(mutex_);
  PoolStats s = stats_;
  s.acquired = acquired_.load(std::memory_order_relaxed);
  s.idle = idle_count_.load();
  s.in_use = open_ - s.idle;
  s.down = down_.load();
  return s;
}

}  // namespace manydb
