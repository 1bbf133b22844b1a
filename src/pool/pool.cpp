#include "manydb/pool/pool.hpp"

#include <algorithm>

#include <time.h>

#include "manydb/core/errors.hpp"

namespace manydb {

Pool::Pool(std::string bind, Factory factory, PoolOptions options)
    : bind_(std::move(bind)), factory_(std::move(factory)), options_(options) {}

Lease Pool::acquire() {
  std::optional<Clock::time_point> deadline;  // read the clock only if this acquire must wait
  for (;;) {
    bool stale = false;
    std::unique_ptr<Connection> connection;
    {
      std::unique_lock lock(mutex_);
      connection = take_idle_or_reserve(lock, deadline, stale);
    }
    if (!connection) return Lease(this, open_connection(), false);  // a slot was reserved
    if (!stale || healthy_after_idle(*connection)) return Lease(this, std::move(connection), true);
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

// Under the lock: an idle connection (stale = idle longer than ping_after_idle), or nullptr
// after reserving a slot for a new connection, or PoolTimeout.
std::unique_ptr<Connection> Pool::take_idle_or_reserve(std::unique_lock<std::mutex>& lock,
                                                       std::optional<Clock::time_point>& deadline,
                                                       bool& stale) {
  bool waited = false;
  for (;;) {
    if (!idle_.empty()) {
      Idle idle = std::move(idle_.back());
      idle_.pop_back();
      ++stats_.acquired;
      stale = options_.ping_after_idle.count() <= 0 ||
              idle_clock() - idle.since >= options_.ping_after_idle;
      return std::move(idle.connection);
    }
    if (open_ < options_.size + options_.max_overflow) {
      ++open_;
      stats_.peak_open = std::max(stats_.peak_open, open_);
      ++stats_.acquired;
      return nullptr;
    }
    if (!waited) ++stats_.waits;
    waited = true;
    if (!deadline) deadline = Clock::now() + options_.acquire_timeout;
    ++waiters_;
    const auto status = freed_.wait_until(lock, *deadline);
    --waiters_;
    if (status == std::cv_status::timeout && idle_.empty() &&
        open_ >= options_.size + options_.max_overflow) {
      ++stats_.timeouts;
      throw PoolTimeout("bind '" + bind_ + "': no connection became free within " +
                            std::to_string(options_.acquire_timeout.count()) + " ms (pool_size " +
                            std::to_string(options_.size) + ", max_overflow " +
                            std::to_string(options_.max_overflow) + ")",
                        bind_);
    }
  }
}

std::unique_ptr<Connection> Pool::open_connection() {
  try {
    auto connection = factory_();
    std::lock_guard lock(mutex_);
    ++stats_.connects;
    return connection;
  } catch (...) {
    std::lock_guard lock(mutex_);
    --open_;
    ++stats_.errors;
    freed_.notify_one();
    throw;
  }
}

bool Pool::healthy_after_idle(Connection& connection) {
  try {
    return connection.ping();
  } catch (const Error&) {
    return false;
  }
}

void Pool::give_back(std::unique_ptr<Connection> connection) {
  std::unique_lock lock(mutex_);
  if (idle_.size() >= options_.size) {  // an overflow connection: close it outside the lock
    --open_;
    lock.unlock();
    freed_.notify_one();
    connection.reset();
    return;
  }
  idle_.push_back({std::move(connection), idle_clock()});
  const bool wake = waiters_ > 0;  // nobody waits in the common case: skip the signal
  lock.unlock();
  if (wake) freed_.notify_one();
}

void Pool::forget(std::unique_ptr<Connection> connection) {
  connection.reset();
  {
    std::lock_guard lock(mutex_);
    --open_;
    ++stats_.errors;
  }
  freed_.notify_one();
}

// The dead connection's slot passes to its replacement; open_connection frees it on failure.
std::unique_ptr<Connection> Pool::replace(std::unique_ptr<Connection> dead) {
  dead.reset();
  {
    std::lock_guard lock(mutex_);
    ++stats_.errors;
  }
  return open_connection();
}

PoolStats Pool::stats() const {
  std::lock_guard lock(mutex_);
  PoolStats s = stats_;
  s.idle = idle_.size();
  s.in_use = open_ - idle_.size();
  return s;
}

}  // namespace manydb
