#pragma once
// Page views never slow nor fail a request: record() only appends to a bounded in-memory
// queue. A background writer writes the queue in batches (batch_size views, or whatever has
// waited flush_interval). When the database refuses a batch, or while earlier views still wait
// in the spill file, batches go to the spill file (spill_log.hpp) instead, and the writer
// replays it, oldest first, once the database answers again (and at start). When the queue
// reaches queue_capacity it is handed whole to a second thread that spills it, so a slow
// database never makes the queue grow. Every view carries a unique event_id, so a replayed
// batch that had been written before a crash is not written twice. stop() replays the spill
// file and writes the queue for at most stop_timeout, and spills the rest.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "analytics_config.hpp"
#include "event_ids.hpp"
#include "models.hpp"
#include "spill_log.hpp"

namespace shop {

struct PageViewStats {
  std::uint64_t recorded = 0;
  std::uint64_t written = 0;        // inserted straight from the queue
  std::uint64_t spilled = 0;        // appended to the spill file
  std::uint64_t replayed = 0;       // inserted from the spill file
  std::uint64_t duplicates = 0;     // replayed views already in the database, skipped
  std::uint64_t failed_writes = 0;  // batches the database refused (then spilled, or retried)
  std::uint64_t dropped = 0;        // lost: memory and the spill file both full, or no disk
  std::size_t queued = 0;           // in memory: queued, or waiting for the spill file
  std::uint64_t spill_pending = 0;  // in the spill file, not yet replayed
  std::uint64_t spill_bytes = 0;
};

class PageViewWriter {
 public:
  // Opens the spill folder (throws std::filesystem_error / std::system_error if it cannot)
  // and starts replaying what an earlier process left there. With config.page_views false
  // it does nothing at all.
  PageViewWriter(manydb::Database& db, AnalyticsConfig config);
  ~PageViewWriter();  // stop()s
  PageViewWriter(const PageViewWriter&) = delete;
  PageViewWriter& operator=(const PageViewWriter&) = delete;

  void record(PageView view);
  // Replays the spill file and writes the queue for at most stop_timeout, spills the rest.
  // Idempotent.
  void stop();
  PageViewStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  using Batch = std::vector<PageView>;

  void run_writer();
  void run_spiller();
  Clock::time_point next_wake() const;  // with mutex_ held
  // Writes `views` in batches while the database takes them and `write_until` has not
  // passed; spills the rest.
  void deliver(std::span<const PageView> views, Clock::time_point write_until);
  bool write(std::span<const PageView> views);
  void spill(std::span<const PageView> views);
  void replay(Clock::time_point until);
  void count(std::uint64_t PageViewStats::*counter, std::uint64_t n);
  void database_failed(const char* doing, const std::exception& e);

  manydb::Database& db_;
  const AnalyticsConfig config_;
  std::unique_ptr<SpillLog> spill_;  // null when page views are off

  mutable std::mutex mutex_;
  std::condition_variable wake_writer_;
  std::condition_variable wake_spiller_;
  Batch queue_;
  Clock::time_point oldest_queued_{};
  std::deque<Batch> overflow_;  // whole queues handed to the spiller
  std::size_t overflow_views_ = 0;
  EventIds ids_;
  PageViewStats stats_;
  bool stopping_ = false;

  // The writer thread's own: after the database failed, batches are spilled without trying
  // it until then, and replay waits for it.
  Clock::time_point retry_at_{};
  bool database_down_ = false;
  std::thread writer_;
  std::thread spiller_;
};

}  // namespace shop
