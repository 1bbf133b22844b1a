#pragma once
// Page views are written by a background thread in batches, so analytics can never fail or
// slow a read: record() only appends to a bounded buffer. A failed write keeps the batch in
// the buffer and is retried; when the buffer is full the oldest views are dropped and counted.
// stop() writes what is left (one last attempt) before the service exits.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "models.hpp"

namespace shop {

struct PageViewStats {
  std::uint64_t recorded = 0;
  std::uint64_t written = 0;
  std::uint64_t failed_writes = 0;  // batches that failed and were kept for a retry
  std::uint64_t dropped = 0;        // views lost because the buffer was full
  std::size_t buffered = 0;
};

class PageViewWriter {
 public:
  explicit PageViewWriter(manydb::Database& db, std::size_t capacity = 100'000);
  ~PageViewWriter();
  void record(PageView view);
  void stop();
  PageViewStats stats() const;

 private:
  void run();
  bool write_batch(std::deque<PageView>& batch, bool failing);

  manydb::Database& db_;
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<PageView> buffer_;
  PageViewStats stats_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace shop
