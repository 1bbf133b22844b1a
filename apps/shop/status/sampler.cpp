#include "status/sampler.hpp"

#include <cmath>
#include <numeric>

#include "status/latency_quantile.hpp"

namespace shop::status {

namespace {

std::optional<std::uint64_t> micros(std::optional<double> seconds) {
  if (!seconds) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(*seconds * 1e6));
}

std::uint64_t errors_of(const manydb::BindSnapshot& b) {
  return std::accumulate(b.errors.begin(), b.errors.end(), std::uint64_t{0});
}

std::uint64_t since(std::uint64_t now, std::uint64_t before) {
  return now > before ? now - before : 0;
}

// What `after` did since `before`: the two snapshots of one bind.
BindSample interval_of(const manydb::BindSnapshot& before, const manydb::BindSnapshot& after) {
  std::vector<std::uint64_t> buckets;
  for (std::size_t k = 0; k < after.statements.size(); ++k) {
    add_bucket_deltas(before.statements[k], after.statements[k], buckets);
  }
  const auto& bounds = after.statements.front().upper_bounds;
  BindSample s;
  s.p50_us = micros(quantile(0.50, bounds, buckets));
  s.p95_us = micros(quantile(0.95, bounds, buckets));
  s.p99_us = micros(quantile(0.99, bounds, buckets));
  s.statements = std::accumulate(buckets.begin(), buckets.end(), std::uint64_t{0});
  s.errors = since(errors_of(after), errors_of(before));
  s.pool_size = after.pool.size;
  s.in_use = after.pool.in_use;
  s.idle = after.pool.idle;
  s.pool_waits = since(after.pool.waits, before.pool.waits);
  s.down = after.pool.down;
  return s;
}

}  // namespace

StatusSampler::StatusSampler(manydb::Database& db, std::function<std::size_t()> page_views_queued,
                             SamplerOptions options)
    : db_(db),
      page_views_queued_(std::move(page_views_queued)),
      options_(options),
      capacity_(static_cast<std::size_t>(std::max<std::int64_t>(
          1, std::chrono::milliseconds(options.window) / options.interval))) {
  for (const auto& name : db_.bind_names()) {
    binds_.push_back(
        {.name = name, .engine = std::string(to_string(db_.engine(name).url().backend))});
  }
}

StatusSampler::~StatusSampler() { stop(); }

void StatusSampler::start() {
  last_ = db_.metrics();
  last_at_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { run(); });
}

void StatusSampler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

StatusView StatusSampler::view() const {
  std::lock_guard lock(mutex_);
  return {.options = options_, .binds = binds_, .samples = samples_};
}

void StatusSampler::run() {
  auto next = last_at_;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    next += options_.interval;
    if (wake_.wait_until(lock, next, [this] { return stopping_; })) break;
    lock.unlock();
    // Health first on the first tick, so the page shows it without waiting a whole period.
    if (ticks_++ % options_.health_every == 0) check_health();
    take_sample();
    lock.lock();
  }
}

void StatusSampler::take_sample() {
  auto now = db_.metrics();
  const auto at = std::chrono::steady_clock::now();
  Sample sample{.at = std::chrono::system_clock::now(),
                .elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(at - last_at_),
                .page_views_queued = page_views_queued_()};
  for (std::size_t i = 0; i < now.binds.size() && i < last_.binds.size(); ++i) {
    sample.binds.push_back(interval_of(last_.binds[i], now.binds[i]));
  }
  last_ = std::move(now);
  last_at_ = at;
  std::lock_guard lock(mutex_);
  samples_.push_back(std::move(sample));
  while (samples_.size() > capacity_) samples_.pop_front();
}

// Blocks this thread for the budget at most; a server that hangs is reported as a timeout and
// its check goes on in the background (Engine::check_health).
void StatusSampler::check_health() {
  auto results = db_.check_health(options_.health_budget);
  const auto at = std::chrono::system_clock::now();
  std::lock_guard lock(mutex_);
  for (auto& [name, health] : results) {
    for (auto& bind : binds_) {
      if (bind.name != name) continue;
      // Engines redact their own errors; this is the page's own guarantee.
      health.error = manydb::redact(std::move(health.error), db_.engine(name).url().password);
      bind.health = std::move(health);
      bind.checked_at = at;
    }
  }
}

}  // namespace shop::status
