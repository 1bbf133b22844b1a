#include "engines/sqlite/busy_wait.hpp"

#include <algorithm>
#include <thread>

namespace manydb::engines::sqlite {

namespace {
constexpr std::chrono::microseconds kFirstPause{50};
constexpr std::chrono::microseconds kLongestPause{1000};
}  // namespace

void BusyWait::install(sqlite3* db, std::chrono::milliseconds timeout) {
  timeout_ = timeout;
  sqlite3_busy_handler(db, &BusyWait::on_busy, this);
}

// SQLite calls it with tries = 0, 1, 2 ... for one wait; 0 means "stop waiting: SQLITE_BUSY".
int BusyWait::on_busy(void* self, int tries) {
  auto& wait = *static_cast<BusyWait*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (tries == 0) wait.started_ = now;
  if (now - wait.started_ >= wait.timeout_) return 0;
  const auto pause = std::min(kFirstPause * (1 << std::min(tries, 5)), kLongestPause);
  std::this_thread::sleep_for(pause);
  return 1;
}

}  // namespace manydb::engines::sqlite
