#pragma once
// What GET /status shows: a thread of its own takes Database::metrics() every interval and
// keeps the last window of samples per bind (latency percentiles over the interval, statements,
// the pool), the page-view queue, and every bind's health, checked now and then with a short
// budget. A request only copies what is kept: it never waits on a database.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "manydb/manydb.hpp"

namespace shop::status {

struct SamplerOptions {
  std::chrono::milliseconds interval{2000};
  std::chrono::minutes window{10};
  // Health is checked every this many samples (a check is a SELECT 1 on each bind).
  int health_every = 5;
  std::chrono::milliseconds health_budget{1000};
};

// One bind over one interval. The percentiles are of every statement kind together; none when
// the interval ran no statement.
struct BindSample {
  std::optional<std::uint64_t> p50_us, p95_us, p99_us;
  std::uint64_t statements = 0;
  std::uint64_t errors = 0;
  std::size_t pool_size = 0, in_use = 0, idle = 0;
  std::uint64_t pool_waits = 0;  // acquires that waited during the interval
  bool down = false;
};

struct Sample {
  std::chrono::system_clock::time_point at{};
  std::chrono::milliseconds elapsed{0};  // since the previous sample
  std::size_t page_views_queued = 0;
  std::vector<BindSample> binds{};  // in StatusView::binds order
};

struct BindStatus {
  std::string name;
  std::string engine;
  std::optional<manydb::Health> health{};  // none until the first check ends
  std::chrono::system_clock::time_point checked_at{};
};

struct StatusView {
  SamplerOptions options;
  std::vector<BindStatus> binds;
  std::deque<Sample> samples;  // oldest first
};

class StatusSampler {
 public:
  // `page_views_queued` tells how many page views wait to be written; called on the sampler's
  // thread.
  StatusSampler(manydb::Database& db, std::function<std::size_t()> page_views_queued,
                SamplerOptions options = {});
  ~StatusSampler();
  StatusSampler(const StatusSampler&) = delete;
  StatusSampler& operator=(const StatusSampler&) = delete;

  void start();
  void stop();  // idempotent; returns once the thread has ended
  StatusView view() const;

 private:
  void run();
  void take_sample();
  void check_health();

  manydb::Database& db_;
  const std::function<std::size_t()> page_views_queued_;
  const SamplerOptions options_;
  const std::size_t capacity_;

  // Only the sampler's thread touches these.
  manydb::MetricsSnapshot last_;
  std::chrono::steady_clock::time_point last_at_;
  int ticks_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<BindStatus> binds_;
  std::deque<Sample> samples_;
  std::thread thread_;
};

}  // namespace shop::status
