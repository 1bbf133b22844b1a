#pragma once
// Refreshes every bind's replicas (ReplicaSet::refresh) on a thread of its own: positions for
// read-your-writes, lag for max_lag, and replicas that failed probed back into rotation.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "manydb/routing/replica_set.hpp"

namespace manydb {

class ReplicaMonitor {
 public:
  ReplicaMonitor(std::vector<ReplicaSet*> sets, std::chrono::milliseconds interval);
  ~ReplicaMonitor();  // stops the thread, after the pass it is in
  ReplicaMonitor(const ReplicaMonitor&) = delete;
  ReplicaMonitor& operator=(const ReplicaMonitor&) = delete;

 private:
  void run();

  const std::vector<ReplicaSet*> sets_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace manydb
