#pragma once
// The read replicas of one bind: which are in rotation, how far each is behind its primary,
// and which one serves the next read (ReplicaSettings::policy). Session reads go through it;
// a ReplicaMonitor refreshes it in the background (docs/replicas.md).
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/config/database_config.hpp"
#include "manydb/pool/engine.hpp"

namespace manydb {

// One replica as `manydb ping` and /healthz show it. No URL: it could hold a password.
struct ReplicaStatus {
  std::string bind;   // "users"
  std::string name;   // "users/replica1"
  std::string state;  // ok, lagging (beyond max_lag), out (failing; cooldown), primary
                      // (promoted: it no longer replicates), unknown (not checked yet)
  std::optional<std::chrono::milliseconds> lag;  // unknown while out or never checked
  std::string position;                          // replayed, in the engine's notation
  std::string error;                             // why it is out
  std::size_t in_use = 0;                        // connections leased now
};

class Replica {
 public:
  Replica(std::string name, Url url, PoolOptions options);
  const std::string& name() const { return engine_->bind(); }
  Engine& engine() { return *engine_; }

  // Whether it may serve reads now: not out, or out past its cooldown.
  bool in_rotation(std::chrono::steady_clock::time_point now) const;
  bool promoted() const { return promoted_.load(std::memory_order_relaxed); }
  std::optional<std::chrono::milliseconds> lag() const;
  std::chrono::microseconds latency() const {
    return std::chrono::microseconds(latency_us_.load(std::memory_order_relaxed));
  }
  std::string position() const;

 private:
  friend class ReplicaSet;
  void take_out(std::chrono::steady_clock::time_point until, std::string why);
  void checked(bool replicating, std::string position, std::chrono::microseconds round_trip);
  void set_lag(std::optional<std::chrono::milliseconds> lag);

  std::unique_ptr<Engine> engine_;
  std::atomic<std::int64_t> out_until_{0};  // steady_clock ticks; 0: in rotation
  std::atomic<bool> checked_{false};
  std::atomic<bool> promoted_{false};
  std::atomic<std::int64_t> lag_ms_{-1};  // -1: unknown
  std::atomic<std::int64_t> latency_us_{0};
  mutable std::mutex mutex_;
  std::string position_;
  std::string error_;
};

class ReplicaSet {
 public:
  ReplicaSet(Engine& primary, std::vector<std::unique_ptr<Replica>> replicas,
             ReplicaSettings settings);

  const ReplicaSettings& settings() const { return settings_; }
  std::size_t size() const { return replicas_.size(); }

  // The replica for the next read by the policy, among those in rotation, within max_lag and,
  // when `wanted` is not empty, known to have replayed it; `skip` failed this read already.
  // nullptr when there is none.
  Replica* choose(std::string_view wanted = {}, std::span<const Replica* const> skip = {});
  // Asks `replica` now, on `lease` (a connection to it), whether it has replayed `wanted`, and
  // waits for it until `deadline` if not. A failure of the question propagates.
  bool replayed(Replica& replica, Lease& lease, std::string_view wanted,
                std::chrono::steady_clock::time_point deadline);
  // The primary's position after a commit on `lease`, the connection that committed (its newest
  // position when that connection was lost since): '' when the commit wrote nothing. Throws.
  std::string committed_position(Lease& lease);
  // Out of rotation for the cooldown, after a failed connection or statement.
  void take_out(Replica& replica, const std::string& why);

  // One pass of the monitor: the primary's position, then each replica's state and lag (one out
  // past its cooldown is probed back in). Never throws.
  void refresh();
  std::vector<ReplicaStatus> status() const;

 private:
  bool eligible(const Replica& r, std::string_view wanted,
                std::chrono::steady_clock::time_point now) const;
  bool refresh_replica(Replica& r);
  std::optional<std::chrono::milliseconds> lag_of(std::string_view replayed,
                                                  std::chrono::steady_clock::time_point now);

  Engine& primary_;
  const Replication& replication_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  const ReplicaSettings settings_;
  std::atomic<std::size_t> next_{0};  // round robin
  // The primary's positions as the monitor saw them, oldest first: a replica's lag is the age
  // of the oldest one it has not replayed.
  std::mutex samples_mutex_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::string>> samples_;
};

}  // namespace manydb
