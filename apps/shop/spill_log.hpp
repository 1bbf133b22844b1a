#pragma once
// Page views that could not go to the database (it is down, or the queue passed its bound),
// kept on local disk until they can: an append-only log in a folder of its own. Each append
// is one record, [u32 length][u32 CRC-32 of the payload][payload: page_view_codec.hpp], and
// is fsynced before append() returns. Records are replayed oldest first; acknowledge() moves
// a replay position kept beside each segment, so a segment half replayed before a crash is
// resumed where it was (and a position lost costs only a re-read: the event ids keep the
// database from counting a view twice). A record cut short or corrupted by a crash ends its
// segment: it and what follows are ignored. Segments are deleted once fully replayed.
// Thread-safe: the writer replays while another thread may append.
#include <atomic>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models.hpp"

namespace shop {

class SpillLog {
 public:
  // Creates `dir` if needed and scans the segments a previous process left.
  SpillLog(std::filesystem::path dir, std::uint64_t max_bytes);
  ~SpillLog();
  SpillLog(const SpillLog&) = delete;
  SpillLog& operator=(const SpillLog&) = delete;

  // Appends `views` as one record, on disk when it returns. false (nothing written) when the
  // log already holds max_bytes. Throws std::system_error when the disk refuses.
  bool append(std::span<const PageView> views);
  // The oldest batch not yet acknowledged; nullopt when there is none.
  std::optional<std::vector<PageView>> oldest();
  // The batch oldest() last returned is in the database: the next oldest() is the one after.
  void acknowledge();

  std::uint64_t pending_events() const { return pending_events_; }
  std::uint64_t bytes() const { return bytes_; }

  static constexpr std::uint64_t kSegmentBytes = 64 << 20;  // then appends start a new one

 private:
  struct Segment {
    std::uint64_t number = 0;
    std::uint64_t size = 0;      // bytes of whole records
    std::uint64_t replayed = 0;  // bytes acknowledged: the replay position
  };
  std::filesystem::path segment_path(std::uint64_t number) const;
  std::filesystem::path position_path(std::uint64_t number) const;
  void scan(std::uint64_t number);
  void open_segment();
  void remove_front();
  void write_position(const Segment& segment) const;

  const std::filesystem::path dir_;
  const std::uint64_t max_bytes_;
  std::mutex mutex_;
  std::deque<Segment> segments_;  // oldest first; the last one is appended to when fd_ >= 0
  int fd_ = -1;
  std::uint64_t next_number_ = 1;
  std::uint64_t unacknowledged_end_ = 0;  // where the record oldest() returned ends
  std::uint64_t unacknowledged_count_ = 0;
  std::atomic<std::uint64_t> pending_events_{0};
  std::atomic<std::uint64_t> bytes_{0};
};

}  // namespace shop
