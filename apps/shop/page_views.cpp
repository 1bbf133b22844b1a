#include "page_views.hpp"

#include <cstdint>

#include "app_log.hpp"
#include "page_view_store.hpp"

namespace shop {

namespace {
// After the database refused a batch, how long batches go straight to the spill file before
// it is asked again (by replaying the oldest spilled batch).
constexpr auto kRetryAfter = std::chrono::milliseconds(500);
}  // namespace

PageViewWriter::PageViewWriter(manydb::Database& db, AnalyticsConfig config)
    : db_(db), config_(std::move(config)) {
  if (!config_.page_views) return;
  spill_ = std::make_unique<SpillLog>(config_.spill_dir, config_.spill_max_bytes);
  writer_ = std::thread([this] { run_writer(); });
  spiller_ = std::thread([this] { run_spiller(); });
}

PageViewWriter::~PageViewWriter() { stop(); }

void PageViewWriter::record(PageView view) {
  if (!config_.page_views) return;
  if (view.timestamp == Timestamp{}) view.timestamp = Timestamp::now();
  bool wake_writer = false, wake_spiller = false;
  {
    std::lock_guard lock(mutex_);
    ++stats_.recorded;
    if (stopping_) {
      ++stats_.dropped;
      return;
    }
    view.event_id = ids_.next();
    if (queue_.size() >= config_.queue_capacity) {
      // The writer is behind (a slow database): the spiller takes the whole queue, unless it
      // is a whole queue behind too.
      if (overflow_views_ + queue_.size() > config_.queue_capacity) {
        ++stats_.dropped;
        return;
      }
      overflow_views_ += queue_.size();
      overflow_.push_back(std::move(queue_));
      queue_ = Batch();
      wake_spiller = true;
    }
    if (queue_.empty()) {
      oldest_queued_ = Clock::now();
      wake_writer = true;  // a new flush deadline
    }
    queue_.push_back(std::move(view));
    wake_writer = wake_writer || queue_.size() == config_.batch_size;
  }
  if (wake_writer) wake_writer_.notify_one();
  if (wake_spiller) wake_spiller_.notify_one();
}

void PageViewWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !config_.page_views) return;
    stopping_ = true;
  }
  const auto write_until = Clock::now() + config_.stop_timeout;
  wake_writer_.notify_all();
  wake_spiller_.notify_all();
  writer_.join();   // after the batch it is writing
  spiller_.join();  // after spilling every queue handed to it
  Batch rest;
  {
    std::lock_guard lock(mutex_);
    rest.swap(queue_);
  }
  // What waits in the spill file goes first (a queue handed to the spiller under load, say),
  // then the queue, while the database answers and time is left.
  if (Clock::now() >= retry_at_) replay(write_until);
  deliver(rest, write_until);
}

PageViewStats PageViewWriter::stats() const {
  std::lock_guard lock(mutex_);
  PageViewStats s = stats_;
  s.queued = queue_.size() + overflow_views_;
  if (spill_) {
    s.spill_pending = spill_->pending_events();
    s.spill_bytes = spill_->bytes();
  }
  return s;
}

void PageViewWriter::count(std::uint64_t PageViewStats::*counter, std::uint64_t n) {
  std::lock_guard lock(mutex_);
  stats_.*counter += n;
}

PageViewWriter::Clock::time_point PageViewWriter::next_wake() const {
  auto wake = Clock::time_point::max();
  if (!queue_.empty()) wake = oldest_queued_ + config_.flush_interval;
  if (spill_->pending_events() > 0) wake = std::min(wake, retry_at_);
  return wake;
}

void PageViewWriter::run_writer() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const bool was_empty = queue_.empty();
    wake_writer_.wait_until(lock, next_wake(), [&] {
      return stopping_ || queue_.size() >= config_.batch_size || (was_empty && !queue_.empty());
    });
    if (stopping_) break;
    const auto now = Clock::now();
    Batch batch;
    if (!queue_.empty() &&
        (queue_.size() >= config_.batch_size || now >= oldest_queued_ + config_.flush_interval))
      batch.swap(queue_);
    lock.unlock();
    deliver(batch, Clock::time_point::max());
    if (spill_->pending_events() > 0 && Clock::now() >= retry_at_) {
      replay(Clock::now() + config_.flush_interval);  // then back to the queue
    }
    lock.lock();
  }
}

void PageViewWriter::run_spiller() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_spiller_.wait(lock, [&] { return stopping_ || !overflow_.empty(); });
    if (overflow_.empty()) return;  // stopping, and every queue handed over is spilled
    Batch batch = std::move(overflow_.front());
    overflow_.pop_front();
    lock.unlock();
    spill(batch);
    lock.lock();
    overflow_views_ -= batch.size();
  }
}

void PageViewWriter::deliver(std::span<const PageView> views, Clock::time_point write_until) {
  // Earlier views wait in the spill file: these go after them, to keep the order.
  if (spill_->pending_events() > 0 || Clock::now() < retry_at_) return spill(views);
  while (!views.empty() && Clock::now() < write_until) {
    const auto batch = views.first(std::min(views.size(), config_.batch_size));
    if (!write(batch)) break;
    views = views.subspan(batch.size());
  }
  spill(views);
}

bool PageViewWriter::write(std::span<const PageView> views) {
  try {
    insert_page_views(db_, views);
    database_down_ = false;
    count(&PageViewStats::written, views.size());
    return true;
  } catch (const manydb::Error& e) {
    // Perhaps written all the same (a commit whose answer was lost): the spill file's replay
    // skips those by their event ids.
    database_failed("write", e);
    return false;
  }
}

void PageViewWriter::spill(std::span<const PageView> views) {
  if (views.empty()) return;
  try {
    if (spill_->append(views)) return count(&PageViewStats::spilled, views.size());
    applog::log(
        manydb::LogLevel::error, "page-view spill file full: views dropped",
        {{"spill_dir", config_.spill_dir}, {"views", static_cast<std::int64_t>(views.size())}});
  } catch (const std::system_error& e) {
    applog::log(manydb::LogLevel::error, "page views not spilled: views dropped",
                {{"error", e.what()}, {"views", static_cast<std::int64_t>(views.size())}});
  }
  count(&PageViewStats::dropped, views.size());
}

void PageViewWriter::replay(Clock::time_point until) {
  while (Clock::now() < until) {
    std::optional<Batch> batch;
    try {
      batch = spill_->oldest();
    } catch (const std::system_error& e) {
      applog::log(manydb::LogLevel::error, "page views: cannot replay the spill file",
                  {{"error", e.what()}});
      retry_at_ = Clock::now() + kRetryAfter;
      return;
    }
    if (!batch) return;
    std::size_t duplicates = 0;
    try {
      duplicates = insert_missing_page_views(db_, *batch);
    } catch (const manydb::Error& e) {
      database_failed("replay", e);
      return;
    }
    database_down_ = false;
    spill_->acknowledge();
    count(&PageViewStats::replayed, batch->size() - duplicates);
    count(&PageViewStats::duplicates, duplicates);
  }
}

void PageViewWriter::database_failed(const char* doing, const std::exception& e) {
  count(&PageViewStats::failed_writes, 1);
  retry_at_ = Clock::now() + kRetryAfter;
  // A warning once an outage; the retries that follow it, every kRetryAfter, only at debug.
  applog::log(database_down_ ? manydb::LogLevel::debug : manydb::LogLevel::warn,
              "page views not written: spilled until the analytics bind answers",
              {{"doing", doing}, {"error", e.what()}, {"spill_dir", config_.spill_dir}});
  database_down_ = true;
}

}  // namespace shop
