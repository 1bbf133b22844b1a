#pragma once
// Group commit for a SQLite file in WAL mode (synchronous=group). SQLite's synchronous=FULL
// fsyncs the WAL inside every COMMIT, while the write lock is held, so a file commits no faster
// than its disk syncs, one transaction per sync. With synchronous=group SQLite runs as NORMAL
// (COMMIT writes the WAL without syncing it) and the committer, after giving the write lock
// back, waits here until one fsync of the WAL has started after its COMMIT returned: the next
// writer runs while the disk syncs, and commits that finish meanwhile share the next sync.
// A commit still returns only once it is on disk; other connections may see it up to one sync
// earlier, as they may see a PostgreSQL commit with synchronous_commit=off.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

namespace manydb::engines::sqlite {

class WalSync {
 public:
  // Returns 0 once the WAL's writes so far are on disk, or an errno.
  using SyncFunction = std::function<int()>;

  // The one shared by every connection of this process to the database file `path`
  // (absolute, normalised): it syncs `path`-wal.
  static std::shared_ptr<WalSync> for_file(const std::string& path);
  WalSync(std::string wal_path, SyncFunction sync);

  // Call after a COMMIT (or a write outside a transaction) returned: returns once a sync
  // started after that has succeeded. Throws std::system_error if the sync failed. A failed
  // fsync may have dropped the written pages, and a later fsync can succeed without writing
  // them, so after one failure every commit on the file fails: the process must reopen it.
  // True when this caller ran a sync itself rather than sharing another's (for metrics).
  bool wait_durable();

  std::uint64_t syncs();    // fsyncs made (for tests and monitoring)
  std::uint64_t commits();  // commits waited for

 private:
  [[noreturn]] void throw_failed() const;

  const std::string wal_path_;
  const SyncFunction sync_;
  std::mutex mutex_;
  std::condition_variable synced_or_failed_;
  std::uint64_t committed_ = 0;  // tickets handed out, one per wait_durable
  std::uint64_t durable_ = 0;    // every ticket up to this one is on disk
  bool syncing_ = false;
  int error_ = 0;
  std::uint64_t syncs_ = 0;
};

}  // namespace manydb::engines::sqlite
