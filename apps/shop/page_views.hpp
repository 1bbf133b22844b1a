#pragma once
// Page views never slow nor fail a request: record() only appends to a bounded in-memory
// queue. Two background threads take it from there:
// - the logger appends the queue to the write-ahead log (spill_log.hpp), fsynced, every
//   flush_interval or as soon as batch_size views wait: a view is on disk at most one flush
//   interval (plus one append) after it was recorded, whatever the database does, and that is
//   all a SIGKILL can lose;
// - the writer writes the log's records to the database, oldest first, one transaction each,
//   and acknowledges each once committed. While the database refuses, records wait in the log
//   (up to spill_max_mb) and the writer tries again every 500 ms.
// Every view carries a unique event_id. A record this process appended and never tried is
// inserted as it is; one found in the log at start, or retried after a write whose outcome is
// unknown, is inserted without the views already in the database, so none is written twice.
// stop() logs the queue and writes the log for at most stop_timeout; the rest waits in the
// log for the next start.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <semaphore>
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
  std::uint64_t logged = 0;         // appended to the log (on disk)
  std::uint64_t written = 0;        // inserted into the database, by either path
  std::uint64_t replayed = 0;       // of `written`: checked against the database first
  std::uint64_t duplicates = 0;     // checked and found already in the database, skipped
  std::uint64_t failed_writes = 0;  // record writes the database refused (then retried)
  std::uint64_t dropped = 0;        // lost: the queue full, the log full, or no disk
  std::size_t queued = 0;           // in memory, not yet on disk
  std::uint64_t spill_pending = 0;  // in the log, not yet in the database
  std::uint64_t spill_bytes = 0;    // the log's segments on disk
  // The longest an append (write and fsync) took: a view reaches the disk at most
  // flush_interval + 2 x this after it was recorded (docs/reliability.md).
  std::chrono::microseconds slowest_append{0};
};

class PageViewWriter {
 public:
  // Opens the log's folder (throws std::filesystem_error / std::system_error if it cannot)
  // and starts writing what an earlier process left there. With config.page_views false it
  // does nothing at all.
  PageViewWriter(manydb::Database& db, AnalyticsConfig config);
  ~PageViewWriter();  // stop()s
  PageViewWriter(const PageViewWriter&) = delete;
  PageViewWriter& operator=(const PageViewWriter&) = delete;

  void record(PageView view);
  // Logs the queue, then writes the log for at most stop_timeout. Idempotent.
  void stop();
  PageViewStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  using Batch = std::vector<PageView>;

  void run_logger();
  void run_writer();
  bool flush_due() const;  // with mutex_ held
  void log(std::span<const PageView> views);
  // Writes the log's oldest record; false when there is none or the database refused it.
  bool write_oldest();
  bool insert(const SpillLog::Record& record);
  void database_failed(const std::exception& e);

  manydb::Database& db_;
  const AnalyticsConfig config_;
  std::unique_ptr<SpillLog> log_;  // null when page views are off

  // Requests and the logger share mutex_; the writer, which runs at a lower priority, never
  // takes it, so a request never waits for a thread the scheduler has set aside: it is woken
  // by a semaphore and counts in atomics.
  mutable std::mutex mutex_;
  std::condition_variable wake_logger_;
  std::counting_semaphore<> wake_writer_{0};
  Batch queue_;
  Clock::time_point oldest_queued_{};
  std::size_t appending_ = 0;  // views the logger took from the queue, not yet on disk
  EventIds ids_;
  PageViewStats stats_;  // but for the writer's counts below
  std::atomic<bool> stopping_{false};
  struct WriterCounts {
    std::atomic<std::uint64_t> written{0}, replayed{0}, duplicates{0}, failed_writes{0};
  } writer_counts_;

  bool log_failing_ = false;  // the logger's own: to say so once, not once an append
  // The writer's own (stop()'s once it has joined the writer).
  Clock::time_point retry_at_{};
  bool outcome_unknown_ = false;  // the oldest record's last write failed: it may be in
  bool database_down_ = false;
  std::thread logger_;
  std::thread writer_;
};

}  // namespace shop
