// How a session reads a bind from its replicas (session.hpp; docs/replicas.md).
#include <algorithm>

#include "manydb/observe/log.hpp"
#include "manydb/session/session.hpp"

namespace manydb {

namespace {

// A replica that failed this way is out for its cooldown and the read goes elsewhere; any
// other error (a syntax error, a missing table) would fail on the primary too.
bool replica_failure(const Error& e) { return dynamic_cast<const OperationalError*>(&e); }

}  // namespace

void Session::on_primary(std::string_view bind) {
  check_bind(std::string(bind));
  engine_for(std::string(bind));  // must exist
  if (std::find(on_primary_.begin(), on_primary_.end(), bind) == on_primary_.end())
    on_primary_.emplace_back(bind);
  std::erase_if(replica_reads_, [&](const ReplicaRead& r) { return r.bind == bind; });
}

// Writes, FOR UPDATE and everything after them see the session's own transaction.
bool Session::reads_on_primary(const std::string& bind) const {
  if (std::find(on_primary_.begin(), on_primary_.end(), bind) != on_primary_.end()) return true;
  for (const auto& b : binds_) {
    if (b.bind == bind) return b.wrote || b.lease.in_transaction();
  }
  return false;
}

// nullptr: read on the primary.
Cursor* Session::read_on_replica(const std::string& bind, std::string_view sql,
                                 std::span<const Value> params) {
  ReplicaSet* set = engines_.replicas(bind);
  if (!set) return nullptr;
  // In a test transaction (Pool::pin) only the primary's pinned connection sees the test's rows.
  if (const Engine* primary = engines_.find(bind); primary && primary->pool().pinned())
    return nullptr;
  check_bind(bind);
  if (reads_on_primary(bind)) return nullptr;
  auto it = std::find_if(replica_reads_.begin(), replica_reads_.end(),
                         [&](const ReplicaRead& r) { return r.bind == bind; });
  if (it == replica_reads_.end()) {
    replica_reads_.push_back({bind});
    it = std::prev(replica_reads_.end());
  }
  ReplicaRead& read = *it;
  std::vector<const Replica*> failed;
  while (!read.on_primary) {
    if (!read.lease && !lease_replica(*set, read, failed)) break;
    try {
      return &read.lease.query(sql, params, true);
    } catch (const Error& e) {
      if (!replica_failure(e)) throw;
      set->take_out(*read.replica, e.what());
      failed.push_back(read.replica);
      read.lease.rollback_or_discard();
      read.lease = Lease();
      read.replica = nullptr;
    }
  }
  read.on_primary = true;  // the session reads the bind there from now on: monotonic reads
  return nullptr;
}

// Chooses a replica that has replayed the session's position on the bind (asking one now when
// none is known to, and waiting up to token_wait), and leases a connection to it.
bool Session::lease_replica(ReplicaSet& set, ReplicaRead& read,
                            std::vector<const Replica*>& failed) {
  const std::string_view wanted = seen_.position(read.bind);
  while (true) {
    bool known = true;
    Replica* replica = set.choose(wanted, failed);
    if (!replica && !wanted.empty()) {
      known = false;
      replica = set.choose({}, failed);
    }
    if (!replica) return false;
    try {
      Lease lease = replica->engine().connect();
      if (!known && !set.replayed(*replica, lease, wanted,
                                  std::chrono::steady_clock::now() + set.settings().token_wait)) {
        return false;
      }
      read.replica = replica;
      read.lease = std::move(lease);
      return true;
    } catch (const Error& e) {
      if (!replica_failure(e)) throw;
      set.take_out(*replica, e.what());
      failed.push_back(replica);
    }
  }
}

// After a commit: where each bind with replicas that the session wrote to now stands, so that
// its later reads, and the sessions it hands consistency_token() to, see the writes.
void Session::remember_positions() {
  for (auto& b : binds_) {
    ReplicaSet* set = b.wrote ? engines_.replicas(b.bind) : nullptr;
    if (!set) continue;
    try {
      const std::string position = set->committed_position(b.lease);
      if (position.empty()) continue;
      const std::string_view before = seen_.position(b.bind);
      seen_.set(b.bind, before.empty()
                            ? position
                            : b.engine->dialect().replication()->later(before, position));
    } catch (const Error& e) {
      // Unknown: the session's later reads of the bind go to the primary, which has the writes.
      log(LogLevel::warn, b.bind, std::string("position after commit unknown: ") + e.what());
      if (std::find(on_primary_.begin(), on_primary_.end(), b.bind) == on_primary_.end())
        on_primary_.push_back(b.bind);
    }
  }
}

}  // namespace manydb
