#include "engines/sqlite/wal_sync.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "engines/sqlite/per_file.hpp"

namespace manydb::engines::sqlite {

namespace {
// Opened anew for every sync: SQLite deletes the WAL when the file's last connection closes
// and creates another, so a descriptor kept open could sync a file no longer in use.
int sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int error = ::fdatasync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return error;
}
}  // namespace

std::shared_ptr<WalSync> WalSync::for_file(const std::string& path) {
  return shared_per_file<WalSync>(path, [wal = path + "-wal"] {
    return std::make_shared<WalSync>(wal, [wal] { return sync_file(wal); });
  });
}

WalSync::WalSync(std::string wal_path, SyncFunction sync)
    : wal_path_(std::move(wal_path)), sync_(std::move(sync)) {}

// One caller at a time syncs, for every ticket handed out before it started; the others wait
// for a sync that covers theirs, or lead the next one when the running one started too early.
bool WalSync::wait_durable() {
  std::unique_lock lock(mutex_);
  const std::uint64_t ticket = ++committed_;
  bool led = false;
  while (durable_ < ticket) {
    if (error_ != 0) throw_failed();
    if (syncing_) {
      synced_or_failed_.wait(lock);
      continue;
    }
    syncing_ = true;
    led = true;
    const std::uint64_t covered = committed_;
    lock.unlock();
    const int error = sync_();
    lock.lock();
    syncing_ = false;
    ++syncs_;
    if (error == 0) {
      durable_ = covered;
    } else {
      error_ = error;
    }
    synced_or_failed_.notify_all();
  }
  return led;
}

void WalSync::throw_failed() const {
  throw std::system_error(error_, std::generic_category(),
                          "fsync of '" + wal_path_ +
                              "' failed, so this commit may not be on disk; every later commit "
                              "to this file fails until the process opens it anew");
}

std::uint64_t WalSync::syncs() {
  std::lock_guard lock(mutex_);
  return syncs_;
}

std::uint64_t WalSync::commits() {
  std::lock_guard lock(mutex_);
  return committed_;
}

}  // namespace manydb::engines::sqlite
