#pragma once
// The page views' write-ahead log: every view is appended here before it goes to the
// database, so a crash loses only what was not appended yet. An append-only log in a folder
// of its own; each record is [u32 length][u32 CRC-32 of the payload][payload:
// page_view_codec.hpp], fsynced before append() returns. The writer takes records oldest
// first; acknowledge() moves a replay position kept beside each segment, so a segment half
// written to the database before a crash is resumed where it was (and a position lost costs
// only a re-read: the event ids keep the database from counting a view twice). A record cut
// short or corrupted by a crash ends its segment: it and what follows are ignored. A segment
// is deleted once fully acknowledged and no longer appended to.
// Thread-safe for one appending thread and one reading (oldest/acknowledge) thread: an append
// and its fsync do not hold up the reader.
#include <atomic>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "models.hpp"

namespace shop {

class SpillLog {
 public:
  struct Record {
    std::shared_ptr<const std::vector<PageView>> views;
    // Appended by this process (not found in the log at start): not in the database unless
    // this process has tried to write it.
    bool appended_here = false;
  };

  // Creates `dir` if needed and scans the segments a previous process left. Records this
  // process appends are kept in memory, up to `cached_views` views, so that oldest() need
  // not read them back from the file.
  SpillLog(std::filesystem::path dir, std::uint64_t max_bytes, std::size_t cached_views = 0);
  ~SpillLog();
  SpillLog(const SpillLog&) = delete;
  SpillLog& operator=(const SpillLog&) = delete;

  // Appends `views` as records of at most `views_per_record` views each, with one write and
  // one fsync: on disk when it returns. false (nothing written) when the log would exceed
  // max_bytes. Throws std::system_error when the disk refuses.
  bool append(std::span<const PageView> views,
              std::size_t views_per_record = std::numeric_limits<std::size_t>::max());
  // The oldest record not yet acknowledged; nullopt when there is none.
  std::optional<Record> oldest();
  // The record oldest() last returned is in the database: the next oldest() is the one after.
  void acknowledge();

  std::uint64_t pending_events() const { return pending_events_; }
  std::uint64_t bytes() const { return bytes_; }  // of the segments on disk

  // Appends move to a new segment once the current one holds this much (or a quarter of
  // max_bytes, if less): the acknowledged part of a segment is only freed with the segment.
  static constexpr std::uint64_t kSegmentBytes = 64 << 20;

 private:
  struct Segment {
    std::uint64_t number = 0;
    std::uint64_t size = 0;      // bytes of whole records
    std::uint64_t replayed = 0;  // bytes acknowledged: the replay position
    bool appending = false;      // this process appends to it: kept even when all acknowledged
  };
  struct Cached {  // a record this process appended, still in memory
    std::uint64_t segment = 0;
    std::uint64_t offset = 0;
    std::uint64_t end = 0;
    std::shared_ptr<const std::vector<PageView>> views;
  };
  std::filesystem::path segment_path(std::uint64_t number) const;
  std::filesystem::path position_path(std::uint64_t number) const;
  void scan(std::uint64_t number);
  void start_segment_if_due();  // with append_mutex_ held
  struct Encoded {              // one record of an append, at `offset` of its bytes
    std::uint64_t offset = 0;
    std::uint64_t end = 0;
    std::span<const PageView> views;
  };
  void cache(std::uint64_t segment, std::uint64_t start, const std::vector<Encoded>& records);
  std::shared_ptr<const std::vector<PageView>> read_at(const Segment& segment);
  void remove_front();
  void write_position(const Segment& segment) const;

  const std::filesystem::path dir_;
  const std::uint64_t max_bytes_;
  const std::uint64_t segment_bytes_;
  const std::size_t cache_limit_;
  std::mutex append_mutex_;  // one append at a time; guards fd_ and next_number_
  int fd_ = -1;
  std::uint64_t next_number_ = 1;
  std::uint64_t first_own_segment_ = 1;  // segments numbered below it are an earlier process's
  std::mutex mutex_;                     // guards what follows
  std::deque<Segment> segments_;         // oldest first
  std::deque<Cached> cache_;             // oldest first
  std::size_t cached_views_ = 0;
  std::uint64_t unacknowledged_end_ = 0;  // where the record oldest() returned ends
  std::uint64_t unacknowledged_count_ = 0;
  std::atomic<std::uint64_t> pending_events_{0};
  std::atomic<std::uint64_t> bytes_{0};
};

}  // namespace shop
