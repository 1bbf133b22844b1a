#include "manydb/tx/transaction.hpp"

#include <string>
#include <utility>

#include "manydb/core/errors.hpp"
#include "manydb/observe/bind_metrics.hpp"

namespace manydb {

Transaction::Transaction(Lease& lease, TxMode mode) : lease_(&lease) { lease.begin(mode); }
Transaction::Transaction(Lease& lease, TxMode mode, std::string_view branch) : lease_(&lease) {
  lease.begin(mode, branch);
}

Transaction::Transaction(Transaction&& other) noexcept
    : lease_(std::exchange(other.lease_, nullptr)), savepoints_(other.savepoints_) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    rollback();
    lease_ = std::exchange(other.lease_, nullptr);
    savepoints_ = other.savepoints_;
  }
  return *this;
}

Transaction::~Transaction() { rollback(); }

bool Transaction::open() const { return lease_ && lease_->in_transaction(); }

namespace {
// Where the lease's connection reports; null when it reports nowhere or the lease lost it.
BindMetrics* metrics_of(const Lease& lease) {
  return lease ? lease.connection().metrics() : nullptr;
}
}  // namespace

// A COMMIT that fails leaves the transaction to rollback(), or to the destructor.
void Transaction::commit() {
  if (lease_ && lease_->in_transaction()) {
    BindMetrics* metrics = metrics_of(*lease_);
    try {
      lease_->connection().commit();
    } catch (const Error& e) {
      if (metrics) metrics->error(e);  // COMMIT is no statement of query(): counted here
      throw;
    }
    if (metrics) metrics->committed();
  }
  lease_ = nullptr;
}

void Transaction::commit_with(Batch& last) {
  if (!lease_) throw ProgrammingError("commit_with(): the transaction has ended already");
  lease_->run(last.commit_at_end());
  if (BindMetrics* metrics = metrics_of(*lease_)) metrics->committed();
  lease_ = nullptr;
}

void Transaction::rollback() noexcept {
  Lease* lease = std::exchange(lease_, nullptr);
  if (!lease) return;
  BindMetrics* metrics = metrics_of(*lease);
  const bool open = lease->in_transaction();
  lease->rollback_or_discard();
  if (metrics && open) metrics->rolled_back();
}

Savepoint Transaction::savepoint() {
  if (!open()) throw ProgrammingError("savepoint(): the transaction has ended");
  return Savepoint(*lease_, "manydb_sp" + std::to_string(++savepoints_));
}

Savepoint::Savepoint(Lease& lease, std::string name) : name_(std::move(name)) {
  lease.connection().savepoint(name_);
  lease_ = &lease;
}

Savepoint::Savepoint(Savepoint&& other) noexcept
    : lease_(std::exchange(other.lease_, nullptr)), name_(std::move(other.name_)) {}

Savepoint::~Savepoint() { rollback(); }

void Savepoint::release() {
  Lease* lease = std::exchange(lease_, nullptr);
  if (lease) lease->connection().release_savepoint(name_);
}

void Savepoint::rollback() noexcept {
  Lease* lease = std::exchange(lease_, nullptr);
  if (!lease || !lease->in_transaction()) return;
  try {
    lease->connection().rollback_to_savepoint(name_);
    lease->connection().release_savepoint(name_);
  } catch (...) {
    lease->rollback_or_discard();
  }
}

}  // namespace manydb
