#include "manydb/routing/replica_set.hpp"

#include <algorithm>
#include <thread>

#include "manydb/core/errors.hpp"
#include "manydb/driver/cursor.hpp"
#include "manydb/observe/log.hpp"

namespace manydb {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr std::size_t kMaxSamples = 1024;

const Replication& replication_of(const Engine& primary) {
  const Replication* r = primary.dialect().replication();
  if (!r) {
    throw ConfigError("bind '" + primary.bind() + "' lists replicas, but " +
                          std::string(primary.dialect().name()) + " has none",
                      primary.bind());
  }
  return *r;
}

// The first column of the only row, as text; empty when there is none or it is NULL.
std::string first_text(const Result& result) {
  if (result.rows.empty() || result.rows[0].empty() || result.rows[0][0].is_null()) return {};
  return result.rows[0][0].to_display();
}

struct ReplicaAnswer {
  bool replicating = true;
  std::string position;
};

ReplicaAnswer ask_replica(Lease& lease, const Replication& replication) {
  const Result result = read_all(lease.query(replication.replica_status_query(), {}));
  ReplicaAnswer answer;
  if (result.rows.size() == 1 && result.rows[0].size() == 2) {
    const Value& flag = result.rows[0][0];
    answer.replicating = flag.is_null() || flag.to_display() != "0";
    if (!result.rows[0][1].is_null()) answer.position = result.rows[0][1].to_display();
  }
  return answer;
}

}  // namespace

Replica::Replica(std::string name, Url url, PoolOptions options)
    : engine_(std::make_unique<Engine>(std::move(name), std::move(url), options)) {}

bool Replica::in_rotation(Clock::time_point now) const {
  const auto until = out_until_.load(std::memory_order_relaxed);
  return until == 0 || now.time_since_epoch().count() >= until;
}

std::optional<milliseconds> Replica::lag() const {
  const auto ms = lag_ms_.load(std::memory_order_relaxed);
  if (ms < 0) return std::nullopt;
  return milliseconds(ms);
}

std::string Replica::position() const {
  std::lock_guard lock(mutex_);
  return position_;
}

void Replica::take_out(Clock::time_point until, std::string why) {
  out_until_.store(until.time_since_epoch().count(), std::memory_order_relaxed);
  lag_ms_.store(-1, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  error_ = std::move(why);
}

void Replica::checked(bool replicating, std::string position, std::chrono::microseconds rtt) {
  const bool was_out = out_until_.exchange(0, std::memory_order_relaxed) != 0;
  promoted_.store(!replicating, std::memory_order_relaxed);
  const auto old = latency_us_.load(std::memory_order_relaxed);
  latency_us_.store(old == 0 ? rtt.count() : (old * 3 + rtt.count()) / 4,
                    std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    position_ = std::move(position);
    error_.clear();
  }
  checked_.store(true, std::memory_order_relaxed);
  if (was_out) log(LogLevel::info, name(), "replica back in rotation");
}

void Replica::set_lag(std::optional<milliseconds> lag) {
  lag_ms_.store(lag ? lag->count() : -1, std::memory_order_relaxed);
}

ReplicaSet::ReplicaSet(Engine& primary, std::vector<std::unique_ptr<Replica>> replicas,
                       ReplicaSettings settings)
    : primary_(primary),
      replication_(replication_of(primary)),
      replicas_(std::move(replicas)),
      settings_(settings) {}

bool ReplicaSet::eligible(const Replica& r, std::string_view wanted, Clock::time_point now) const {
  if (!r.in_rotation(now)) return false;
  if (settings_.max_lag) {
    const auto lag = r.lag();
    if (!lag || *lag > *settings_.max_lag) return false;
  }
  return wanted.empty() || r.promoted() || replication_.reached(r.position(), wanted);
}

// Every policy starts its scan at the next replica in turn, so that replicas it finds equal
// (as many connections in use, latencies within 1.5x) share the reads.
Replica* ReplicaSet::choose(std::string_view wanted, std::span<const Replica* const> skip) {
  const auto now = Clock::now();
  const std::size_t n = replicas_.size();
  const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  auto candidate = [&](std::size_t i) -> Replica* {
    Replica* r = replicas_[(start + i) % n].get();
    const bool skipped = std::find(skip.begin(), skip.end(), r) != skip.end();
    return skipped || !eligible(*r, wanted, now) ? nullptr : r;
  };
  Replica* best = nullptr;
  std::size_t best_in_use = 0;
  for (std::size_t i = 0; i < n; ++i) {
    Replica* r = candidate(i);
    if (!r) continue;
    if (settings_.policy == ReplicaPolicy::round_robin) return r;
    if (settings_.policy == ReplicaPolicy::least_connections) {
      const std::size_t in_use = r->engine().pool().stats().in_use;
      if (!best || in_use < best_in_use) best = r, best_in_use = in_use;
    } else if (!best || r->latency() < best->latency()) {
      best = r;
    }
  }
  if (!best || settings_.policy != ReplicaPolicy::lowest_latency) return best;
  const auto quick_enough = best->latency() * 3 / 2;
  for (std::size_t i = 0; i < n; ++i) {
    Replica* r = candidate(i);
    if (r && r->latency() <= quick_enough) return r;
  }
  return best;
}

bool ReplicaSet::replayed(Replica& replica, Lease& lease, std::string_view wanted,
                          Clock::time_point deadline) {
  constexpr std::chrono::microseconds kLongestPause = milliseconds(5);
  for (std::chrono::microseconds pause(200);; pause = std::min(pause * 2, kLongestPause)) {
    const auto asked = Clock::now();
    ReplicaAnswer answer = ask_replica(lease, replication_);
    const bool reached = !answer.replicating || replication_.reached(answer.position, wanted);
    replica.checked(answer.replicating, std::move(answer.position),
                    std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - asked));
    if (reached) return true;
    if (Clock::now() + pause >= deadline) return false;
    // PostgreSQL 15 has no call that blocks until a position is replayed: poll, briefly.
    std::this_thread::sleep_for(pause);
  }
}

void ReplicaSet::take_out(Replica& replica, const std::string& why) {
  replica.take_out(Clock::now() + settings_.cooldown, why);
  log(LogLevel::warn, replica.name(),
      "replica out of rotation for " + std::to_string(settings_.cooldown.count()) + " ms: " + why);
}

// Samples are oldest first and positions only grow, so the replayed ones are a prefix.
std::optional<milliseconds> ReplicaSet::lag_of(std::string_view replayed, Clock::time_point now) {
  std::lock_guard lock(samples_mutex_);
  if (samples_.empty()) return std::nullopt;
  const auto oldest_missing = std::partition_point(
      samples_.begin(), samples_.end(),
      [&](const auto& sample) { return replication_.reached(replayed, sample.second); });
  if (oldest_missing == samples_.end()) return milliseconds(0);
  return std::chrono::duration_cast<milliseconds>(now - oldest_missing->first);
}

bool ReplicaSet::refresh_replica(Replica& r) {
  const auto now = Clock::now();
  if (!r.in_rotation(now)) return false;
  try {
    Lease lease = r.engine().connect();
    ReplicaAnswer answer = ask_replica(lease, replication_);
    const auto rtt = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - now);
    r.set_lag(answer.replicating ? lag_of(answer.position, Clock::now()) : milliseconds(0));
    r.checked(answer.replicating, std::move(answer.position), rtt);
    return true;
  } catch (const Error& e) {
    take_out(r, e.what());
    return false;
  }
}

std::string ReplicaSet::committed_position(Lease& lease) {
  if (lease && !lease->broken())
    return first_text(read_all(lease.query(replication_.committed_position_query(), {})));
  // The connection that committed is gone: the primary's newest position is later still.
  return first_text(primary_.execute(replication_.current_position_query()));
}

void ReplicaSet::refresh() {
  try {
    std::string position = first_text(primary_.execute(replication_.current_position_query()));
    if (!position.empty()) {
      std::lock_guard lock(samples_mutex_);
      if (samples_.empty() || samples_.back().second != position) {
        samples_.emplace_back(Clock::now(), std::move(position));
        if (samples_.size() > kMaxSamples) samples_.pop_front();
      }
    }
  } catch (const Error&) {
    // The primary is down: lags stay as last measured, the replicas still serve reads.
  }
  for (auto& r : replicas_) refresh_replica(*r);
}

std::vector<ReplicaStatus> ReplicaSet::status() const {
  std::vector<ReplicaStatus> out;
  for (const auto& r : replicas_) {
    ReplicaStatus s;
    s.bind = primary_.bind();
    s.name = r->name();
    s.lag = r->lag();
    s.in_use = r->engine_->pool().stats().in_use;
    {
      std::lock_guard lock(r->mutex_);
      s.position = r->position_;
      s.error = r->error_;
    }
    if (r->out_until_.load(std::memory_order_relaxed) != 0) {
      s.state = "out";
      s.lag.reset();
    } else if (!r->checked_.load(std::memory_order_relaxed)) {
      s.state = "unknown";
    } else if (r->promoted()) {
      s.state = "primary";
    } else if (settings_.max_lag && (!s.lag || *s.lag > *settings_.max_lag)) {
      s.state = "lagging";
    } else {
      s.state = "ok";
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace manydb
