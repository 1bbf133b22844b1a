#include "engines/sqlite/write_gate.hpp"

#include <algorithm>
#include <unordered_map>

namespace manydb::engines::sqlite {

std::shared_ptr<WriteGate> WriteGate::for_file(const std::string& path) {
  static std::mutex registry_mutex;
  static std::unordered_map<std::string, std::weak_ptr<WriteGate>> registry;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[path];
  auto gate = slot.lock();
  if (!gate) {
    gate = std::make_shared<WriteGate>();
    slot = gate;
  }
  return gate;
}

bool WriteGate::acquire(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!held_ && queue_.empty()) {
    held_ = true;
    return true;
  }
  const std::uint64_t ticket = next_ticket_++;
  queue_.push_back(ticket);
  const bool mine =
      turn_.wait_for(lock, timeout, [&] { return !held_ && queue_.front() == ticket; });
  queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
  if (mine) {
    held_ = true;
  } else if (!held_) {
    turn_.notify_all();  // the next in line may have been waiting behind this ticket
  }
  return mine;
}

void WriteGate::release() {
  {
    std::lock_guard lock(mutex_);
    held_ = false;
  }
  turn_.notify_all();
}

}  // namespace manydb::engines::sqlite
