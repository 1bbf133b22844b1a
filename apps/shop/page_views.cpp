#include "page_views.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>

#include "app_log.hpp"
#include "page_view_store.hpp"

namespace shop {

namespace {
// After the database refused a record, how long the writer leaves it alone.
constexpr auto kRetryAfter = std::chrono::milliseconds(500);

// The database writer yields the CPU to request threads (nice 10: a tenth of their share when
// both want it), so that writing analytics never slows a request; it catches up when they
// idle, the views waiting meanwhile in the log, on disk. The logger keeps its priority: it is
// what bounds what a crash loses.
void lower_this_threads_priority() {
  setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);  // best effort: may be refused
}
}  // namespace

PageViewWriter::PageViewWriter(manydb::Database& db, AnalyticsConfig config)
    : db_(db), config_(std::move(config)) {
  if (!config_.page_views) return;
  log_ = std::make_unique<SpillLog>(config_.spill_dir, config_.spill_max_bytes,
                                    config_.queue_capacity);
  logger_ = std::thread([this] { run_logger(); });
  writer_ = std::thread([this] { run_writer(); });
}

PageViewWriter::~PageViewWriter() { stop(); }

void PageViewWriter::record(PageView view) {
  if (!config_.page_views) return;
  if (view.timestamp == Timestamp{}) view.timestamp = Timestamp::now();
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    ++stats_.recorded;
    // The logger empties the queue every flush interval: full means the disk is stalled.
    if (stopping_ || queue_.size() >= config_.queue_capacity) {
      ++stats_.dropped;
      return;
    }
    view.event_id = ids_.next();
    if (queue_.empty()) {
      oldest_queued_ = Clock::now();
      wake = true;  // a new flush deadline
    }
    queue_.push_back(std::move(view));
    wake = wake || queue_.size() == config_.batch_size;
  }
  if (wake) wake_logger_.notify_one();
}

void PageViewWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !config_.page_views) return;
    stopping_ = true;
  }
  const auto write_until = Clock::now() + config_.stop_timeout;
  wake_logger_.notify_all();
  wake_writer_.release();
  logger_.join();  // after the append it is making
  writer_.join();  // after the record it is writing
  Batch rest;
  {
    std::lock_guard lock(mutex_);
    rest.swap(queue_);
  }
  log(rest);
  if (Clock::now() < retry_at_) return;  // the database just refused: the next start tries
  while (Clock::now() < write_until && write_oldest()) {
  }
}

PageViewStats PageViewWriter::stats() const {
  std::lock_guard lock(mutex_);
  PageViewStats s = stats_;
  s.written = writer_counts_.written.load();
  s.replayed = writer_counts_.replayed.load();
  s.duplicates = writer_counts_.duplicates.load();
  s.failed_writes = writer_counts_.failed_writes.load();
  s.queued = queue_.size() + appending_;
  if (log_) {
    s.spill_pending = log_->pending_events();
    s.spill_bytes = log_->bytes();
  }
  return s;
}

bool PageViewWriter::flush_due() const {
  return !queue_.empty() && (queue_.size() >= config_.batch_size ||
                             Clock::now() >= oldest_queued_ + config_.flush_interval);
}

void PageViewWriter::run_logger() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (queue_.empty()) {
      wake_logger_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    } else {
      wake_logger_.wait_until(lock, oldest_queued_ + config_.flush_interval,
                              [&] { return stopping_ || queue_.size() >= config_.batch_size; });
    }
    if (stopping_ || !flush_due()) continue;
    Batch batch;
    batch.swap(queue_);
    appending_ = batch.size();
    lock.unlock();
    log(batch);
    lock.lock();
    appending_ = 0;
  }
}

void PageViewWriter::log(std::span<const PageView> views) {
  if (views.empty()) return;
  try {
    const auto start = Clock::now();
    if (log_->append(views, config_.batch_size)) {
      const auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
      {
        std::lock_guard lock(mutex_);
        stats_.logged += views.size();
        stats_.slowest_append = std::max(stats_.slowest_append, took);
      }
      wake_writer_.release();
      log_failing_ = false;
      return;
    }
    if (!log_failing_) {
      applog::log(manydb::LogLevel::error, "page-view log full (spill_max_mb): dropping views",
                  {{"spill_dir", config_.spill_dir}});
    }
  } catch (const std::system_error& e) {
    if (!log_failing_) {
      applog::log(manydb::LogLevel::error, "page-view log not written: dropping views",
                  {{"error", e.what()}});
    }
  }
  log_failing_ = true;
  std::lock_guard lock(mutex_);
  stats_.dropped += views.size();
}

void PageViewWriter::run_writer() {
  lower_this_threads_priority();
  while (!stopping_) {
    if (Clock::now() < retry_at_) {
      (void)wake_writer_.try_acquire_until(retry_at_);  // woken early only to stop
      continue;
    }
    if (log_->pending_events() == 0) {
      // Every append releases the semaphore once: a release made before this wait is not
      // lost, and one already consumed only costs a look at an empty log.
      wake_writer_.acquire();
      continue;
    }
    write_oldest();
  }
}

bool PageViewWriter::write_oldest() {
  std::optional<SpillLog::Record> record;
  try {
    record = log_->oldest();
  } catch (const std::system_error& e) {
    applog::log(manydb::LogLevel::error, "page views: cannot read the log", {{"error", e.what()}});
    retry_at_ = Clock::now() + kRetryAfter;
    return false;
  }
  return record && insert(*record);
}

bool PageViewWriter::insert(const SpillLog::Record& record) {
  const auto& views = *record.views;
  // A record that may be in the database already is checked first; the others cannot be.
  const bool check = !record.appended_here || outcome_unknown_;
  std::size_t duplicates = 0;
  try {
    if (check) {
      duplicates = insert_missing_page_views(db_, views);
    } else {
      insert_page_views(db_, views);
    }
  } catch (const manydb::Error& e) {
    outcome_unknown_ = true;  // perhaps committed all the same, its answer lost
    database_failed(e);
    return false;
  }
  outcome_unknown_ = false;
  database_down_ = false;
  log_->acknowledge();
  writer_counts_.written += views.size() - duplicates;
  if (check) writer_counts_.replayed += views.size() - duplicates;
  writer_counts_.duplicates += duplicates;
  return true;
}

void PageViewWriter::database_failed(const std::exception& e) {
  ++writer_counts_.failed_writes;
  retry_at_ = Clock::now() + kRetryAfter;
  // A warning once an outage; the retries that follow it, every kRetryAfter, only at debug.
  applog::log(database_down_ ? manydb::LogLevel::debug : manydb::LogLevel::warn,
              "page views not written: kept in the log until the analytics bind answers",
              {{"error", e.what()}, {"spill_dir", config_.spill_dir}});
  database_down_ = true;
}

}  // namespace shop
