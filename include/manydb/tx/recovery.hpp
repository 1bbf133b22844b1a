#pragma once
// Recovery of atomic commits that a crash interrupted (atomic_commit.hpp). It lists manydb's
// in-doubt transactions on every bind (pg_prepared_xacts, XA RECOVER, and the decisions whose
// SQLite participants did not commit), and finishes each by the commit log: commit where a
// decision exists, roll back where none does (presumed abort: recovery first takes the
// transaction's key in every commit log, so a decision cannot come after it). Two recoveries at
// once, or a recovery beside a coordinator still at work, neither conflict nor apply anything
// twice. A bind that cannot be reached is reported and left for the next pass; the others are
// finished meanwhile, except aborts, which need every log to be asked.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "manydb/pool/engine.hpp"

namespace manydb {

struct RecoveryOptions {
  bool dry_run = false;  // report what is in doubt and what would be done; change nothing
  // When set, act only on these transactions (those a previous pass saw in doubt already):
  // the others may belong to a coordinator still at work.
  const std::set<std::string>* only = nullptr;
};

struct RecoveryAction {
  std::string txid;
  std::string bind;
  std::string what;  // "committed", "rolled back", "replayed", "would commit", "left: <why>", ...
};

struct RecoveryReport {
  std::vector<RecoveryAction> actions;
  std::set<std::string> in_doubt;        // transaction ids found in doubt
  std::vector<std::string> unreachable;  // binds that could not be asked, with why
  std::size_t committed = 0, rolled_back = 0, replayed = 0, left = 0;
  std::string to_text() const;
};

RecoveryReport recover(const std::vector<Engine*>& engines, const RecoveryOptions& options = {});

// Runs recover() at once, then every `interval`, on its own thread, until destroyed. After the
// first pass it finishes only what was in doubt at the pass before, so a commit in flight in
// another process is left to its coordinator.
class RecoveryThread {
 public:
  RecoveryThread(std::vector<Engine*> engines, std::chrono::milliseconds interval);
  ~RecoveryThread();
  RecoveryThread(const RecoveryThread&) = delete;
  RecoveryThread& operator=(const RecoveryThread&) = delete;

  // Waits for the first pass (the one at open) and returns its report: a server calls it
  // before it serves, so that no request meets rows that a crash left locked.
  RecoveryReport first_pass();

 private:
  void run();
  std::vector<Engine*> engines_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<RecoveryReport> first_;
  std::thread thread_;
};

}  // namespace manydb
