#include "manydb/routing/replica_monitor.hpp"

namespace manydb {

ReplicaMonitor::ReplicaMonitor(std::vector<ReplicaSet*> sets, std::chrono::milliseconds interval)
    : sets_(std::move(sets)), interval_(interval), thread_([this] { run(); }) {}

ReplicaMonitor::~ReplicaMonitor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ReplicaMonitor::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    for (ReplicaSet* set : sets_) set->refresh();
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace manydb
