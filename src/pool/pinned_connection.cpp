#include "pinned_connection.hpp"

#include <algorithm>

#include "manydb/core/errors.hpp"

namespace manydb {

// The borrowers count the statements, each once: the connection itself reports nowhere while
// it is pinned (its BEGIN and savepoints are transaction control, which is never counted).
PinnedConnection::PinnedConnection(Lease lease, std::chrono::milliseconds wait)
    : lease_(std::move(lease)), metrics_(lease_->metrics()), wait_(wait) {
  lease_.begin(TxMode::write);
  lease_->report_to(nullptr);
}

PinnedConnection::~PinnedConnection() { end(); }

std::unique_ptr<Connection> PinnedConnection::borrow(
    const std::shared_ptr<PinnedConnection>& self) {
  std::unique_lock lock(mutex_, wait_);
  if (!lock.owns_lock()) {
    throw PoolTimeout("bind '" + lease_->bind() +
                          "': the test transaction's connection stayed with another thread for " +
                          std::to_string(wait_.count()) +
                          " ms (in test mode every session of a bind shares one connection, and "
                          "a session keeps it until it commits or rolls back)",
                      lease_->bind());
  }
  check_outer_open();
  return std::make_unique<SavepointConnection>(self, std::move(lock));
}

bool PinnedConnection::end() noexcept {
  std::lock_guard lock(mutex_);
  if (ended_) return true;
  ended_ = true;
  bool was_open = false;
  try {
    was_open = lease_ && lease_.in_transaction();
    lease_->report_to(metrics_);
  } catch (...) {
  }
  lease_.rollback_or_discard();
  lease_ = Lease();
  return was_open;
}

Connection& PinnedConnection::connection() {
  if (ended_) {
    throw ProgrammingError(
        "the test transaction has ended: a session or lease of the test "
        "outlived it");
  }
  return lease_.connection();
}

// MariaDB commits the open transaction before DDL, and SAVEPOINT outside one is accepted and
// does nothing: what followed would be committed for good. Refused instead.
void PinnedConnection::check_outer_open() {
  if (ended_ || !lease_ || lease_.in_transaction()) return;
  throw ProgrammingError(
      "bind '" + lease_->bind() +
          "': the test transaction was committed by a statement inside it (MariaDB commits at "
          "DDL): what the test wrote before it stays in the database",
      lease_->bind());
}

std::string PinnedConnection::name(std::uint64_t savepoint) {
  return "manydb_test_" + std::to_string(savepoint);
}

std::vector<PinnedConnection::Level>::iterator PinnedConnection::find(std::uint64_t savepoint) {
  return std::find_if(levels_.begin(), levels_.end(),
                      [&](const Level& l) { return l.id == savepoint; });
}

std::uint64_t PinnedConnection::open_savepoint() {
  check_outer_open();
  const std::uint64_t id = ++next_;
  connection().savepoint(name(id));
  levels_.push_back({id, false});
  return id;
}

bool PinnedConnection::holds(std::uint64_t savepoint) const {
  return !ended_ && std::any_of(levels_.begin(), levels_.end(),
                                [&](const Level& l) { return l.id == savepoint && !l.released; });
}

// A savepoint with later ones still open above it (sessions of one thread, interleaved) is
// released once they are: releasing it now would end theirs with it.
void PinnedConnection::release(std::uint64_t savepoint) {
  auto it = find(savepoint);
  if (it == levels_.end()) {
    throw ProgrammingError(
        "this session's savepoint in the test transaction was rolled back by another session of "
        "the same thread, which began before it and rolled back after it began: its work is "
        "gone, nothing to commit",
        lease_->bind());
  }
  it->released = true;
  while (!levels_.empty() && levels_.back().released) {
    const std::uint64_t id = levels_.back().id;
    levels_.pop_back();
    connection().release_savepoint(name(id));
  }
}

// Rolling back to a savepoint ends the later ones too: their sessions' work is undone with it.
void PinnedConnection::roll_back_to(std::uint64_t savepoint) {
  auto it = find(savepoint);
  if (it == levels_.end()) return;
  levels_.erase(it, levels_.end());
  connection().rollback_to_savepoint(name(savepoint));
  connection().release_savepoint(name(savepoint));
}

SavepointConnection::SavepointConnection(std::shared_ptr<PinnedConnection> pinned,
                                         std::unique_lock<RecursiveTimedMutex> lock)
    : Connection(pinned->connection().bind()), pinned_(std::move(pinned)), lock_(std::move(lock)) {
  report_to(pinned_->metrics());
}

SavepointConnection::~SavepointConnection() {
  count_rows_read();
  try {
    rollback();
  } catch (...) {
  }
}

void SavepointConnection::begin(TxMode) {
  refuse_nested_begin();
  savepoint_ = pinned_->open_savepoint();
}

void SavepointConnection::begin_branch(std::string_view xid, TxMode mode) {
  check_xid(xid);
  begin(mode);
}

// Like COMMIT outside a transaction, releasing none is no error.
void SavepointConnection::commit() {
  if (const std::uint64_t savepoint = std::exchange(savepoint_, 0)) pinned_->release(savepoint);
}

void SavepointConnection::rollback() {
  if (const std::uint64_t savepoint = std::exchange(savepoint_, 0))
    pinned_->roll_back_to(savepoint);
}

bool SavepointConnection::in_transaction() const {
  return savepoint_ != 0 && pinned_->holds(savepoint_);
}

void SavepointConnection::prepare_transaction(std::string_view) {
  throw ProgrammingError(
      "no transaction can be prepared inside a test transaction: in test mode a session commits "
      "its binds one after the other (docs/testing.md)",
      bind());
}

}  // namespace manydb
