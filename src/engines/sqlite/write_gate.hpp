#pragma once
// One writer at a time per SQLite file within this process, taken before BEGIN IMMEDIATE.
// SQLite's own busy handler makes a waiting writer sleep and retry (1, 2, 5 ... 100 ms), so
// under contention from the pool's other connections a writer can wait far longer than the
// transaction it waits for, and the longest waiters are not served first. The gate queues
// writers in arrival order and wakes the next one the moment the file's lock is released.
// Other processes still meet SQLite's file lock and its busy_timeout.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

namespace manydb::engines::sqlite {

class WriteGate {
 public:
  // The gate shared by every connection of this process to `path` (an absolute, normalised
  // path of the database file).
  static std::shared_ptr<WriteGate> for_file(const std::string& path);

  // Waits in arrival order; false if the gate was not free within `timeout`. `queued`, when
  // given, is set to whether it had to wait (for the bind's metrics).
  bool acquire(std::chrono::milliseconds timeout, bool* queued = nullptr);
  // Hands the gate straight to the oldest waiter, waking that one alone.
  void release();
  std::size_t waiting();  // how many writers are queued (for tests)

 private:
  // A queued writer, on its own thread's stack: a condition variable of its own means a
  // release wakes only the writer whose turn it is, not every waiter to find out whose it is.
  struct Waiter {
    std::condition_variable turn;
    bool granted = false;
  };

  std::mutex mutex_;
  std::deque<Waiter*> queue_;  // oldest first
  bool held_ = false;
};

}  // namespace manydb::engines::sqlite
