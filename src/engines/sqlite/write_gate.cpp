#include "engines/sqlite/write_gate.hpp"

#include <algorithm>

#include "engines/sqlite/per_file.hpp"

namespace manydb::engines::sqlite {

std::shared_ptr<WriteGate> WriteGate::for_file(const std::string& path) {
  return shared_per_file<WriteGate>(path, [] { return std::make_shared<WriteGate>(); });
}

bool WriteGate::acquire(std::chrono::milliseconds timeout, bool* queued) {
  std::unique_lock lock(mutex_);
  if (!held_) {  // never free while writers wait: release() hands it on without freeing it
    held_ = true;
    return true;
  }
  if (queued) *queued = true;
  Waiter me;
  queue_.push_back(&me);
  if (me.turn.wait_for(lock, timeout, [&] { return me.granted; })) return true;
  queue_.erase(std::find(queue_.begin(), queue_.end(), &me));
  return false;
}

void WriteGate::release() {
  std::lock_guard lock(mutex_);
  if (queue_.empty()) {
    held_ = false;
    return;
  }
  Waiter* next = queue_.front();
  queue_.pop_front();
  next->granted = true;
  // Under the lock: `next` lives until its owner, woken, takes the lock back.
  next->turn.notify_one();
}

std::size_t WriteGate::waiting() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

}  // namespace manydb::engines::sqlite
