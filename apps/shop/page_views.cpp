#include "page_views.hpp"

#include <chrono>

#include "app_log.hpp"

namespace shop {

namespace {
constexpr std::size_t kBatch = 500;
constexpr auto kRetryAfter = std::chrono::milliseconds(500);
}  // namespace

PageViewWriter::PageViewWriter(manydb::Database& db, std::size_t capacity)
    : db_(db), capacity_(capacity), thread_([this] { run(); }) {}

PageViewWriter::~PageViewWriter() { stop(); }

void PageViewWriter::record(PageView view) {
  using manydb::Timestamp;
  {
    std::lock_guard lock(mutex_);
    ++stats_.recorded;
    if (view.timestamp == Timestamp{}) view.timestamp = Timestamp::now();
    if (buffer_.size() >= capacity_) {
      buffer_.pop_front();
      ++stats_.dropped;
    }
    buffer_.push_back(std::move(view));
  }
  wake_.notify_one();
}

void PageViewWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

PageViewStats PageViewWriter::stats() const {
  std::lock_guard lock(mutex_);
  PageViewStats s = stats_;
  s.buffered = buffer_.size();
  return s;
}

void PageViewWriter::run() {
  std::unique_lock lock(mutex_);
  bool last_failed = false;
  for (;;) {
    if (last_failed && !stopping_) {
      // The analytics bind is down: wait before retrying, unless asked to stop.
      wake_.wait_for(lock, kRetryAfter, [&] { return stopping_; });
    } else {
      wake_.wait(lock, [&] { return stopping_ || !buffer_.empty(); });
    }
    if (buffer_.empty() && stopping_) return;
    std::deque<PageView> batch;
    while (!buffer_.empty() && batch.size() < kBatch) {
      batch.push_back(std::move(buffer_.front()));
      buffer_.pop_front();
    }
    lock.unlock();
    const bool ok = write_batch(batch, last_failed);
    lock.lock();
    last_failed = !ok;
    if (ok) {
      stats_.written += batch.size();
    } else {
      ++stats_.failed_writes;
      // Put the batch back in front, in order, within the capacity.
      while (!batch.empty() && buffer_.size() < capacity_) {
        buffer_.push_front(std::move(batch.back()));
        batch.pop_back();
      }
      stats_.dropped += batch.size();
      if (stopping_) return;  // one last attempt was made: give up on the rest
    }
  }
}

// A failure after a success is a warning; the retries that follow it, every kRetryAfter while
// the bind stays down, only at debug.
bool PageViewWriter::write_batch(std::deque<PageView>& batch, bool failing) {
  try {
    auto s = db_.session_for<PageView>();
    for (auto& view : batch) s.add(view);
    s.commit();
    return true;
  } catch (const manydb::Error& e) {
    applog::log(failing ? manydb::LogLevel::debug : manydb::LogLevel::warn,
                "page views not written, kept to retry", {{"bind", e.bind()}, {"error", e.what()}});
    return false;
  }
}

}  // namespace shop
