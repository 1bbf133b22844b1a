#pragma once
// Test-transaction mode (Pool::pin, docs/testing.md): one connection of a pool, in a transaction
// that is rolled back at the end of a test, handed to every borrower of the pool in turn. Each
// borrower sees it through a SavepointConnection, whose transactions are savepoints in it.
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "manydb/driver/connection.hpp"
#include "manydb/pool/lease.hpp"
#include "recursive_timed_mutex.hpp"

namespace manydb {

class BindMetrics;

class PinnedConnection {
 public:
  // Begins the outer transaction on `lease`. Borrowers wait up to `wait` for it.
  PinnedConnection(Lease lease, std::chrono::milliseconds wait);
  ~PinnedConnection();
  PinnedConnection(const PinnedConnection&) = delete;
  PinnedConnection& operator=(const PinnedConnection&) = delete;

  // The connection for one borrower, once the borrowers of other threads have given it back (a
  // thread may hold it several times: two sessions of one test). PoolTimeout after `wait`.
  std::unique_ptr<Connection> borrow(const std::shared_ptr<PinnedConnection>& self);
  // Rolls the outer transaction back and gives the connection back to its pool; false when a
  // statement had ended it before (MariaDB commits at DDL), so what the test wrote stays.
  bool end() noexcept;

  // For the borrowers, which hold the mutex. A savepoint is named by the number open() returns.
  Connection& connection();
  BindMetrics* metrics() const { return metrics_; }
  std::uint64_t open_savepoint();
  bool holds(std::uint64_t savepoint) const;
  void release(std::uint64_t savepoint);
  void roll_back_to(std::uint64_t savepoint);

 private:
  struct Level {
    std::uint64_t id;
    bool released;  // by its borrower, while a later savepoint (another session's) is open
  };
  static std::string name(std::uint64_t savepoint);
  std::vector<Level>::iterator find(std::uint64_t savepoint);
  void check_outer_open();

  Lease lease_;
  BindMetrics* metrics_ = nullptr;  // the connection's own, which the borrowers report to
  RecursiveTimedMutex mutex_;
  const std::chrono::milliseconds wait_;
  std::vector<Level> levels_;  // the open savepoints, oldest first
  std::uint64_t next_ = 0;
  bool ended_ = false;
};

// What one borrower holds: the pinned connection, locked for its thread, with begin(), commit()
// and rollback() as SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT. It cannot prepare a
// transaction: an atomic commit in test mode releases its savepoints one bind after the other.
class SavepointConnection final : public Connection {
 public:
  SavepointConnection(std::shared_ptr<PinnedConnection> pinned,
                      std::unique_lock<RecursiveTimedMutex> lock);
  ~SavepointConnection() override;  // rolls back its savepoint when still open

  const Dialect& dialect() const override { return inner().dialect(); }
  void execute_script(std::string_view sql) override { inner().execute_script(sql); }
  std::int64_t last_insert_id() override { return inner().last_insert_id(); }

  void begin(TxMode mode) override;
  void begin_branch(std::string_view xid, TxMode mode) override;
  void commit() override;
  void rollback() override;
  bool in_transaction() const override;
  void prepare_transaction(std::string_view xid) override;
  void commit_prepared(std::string_view xid) override { inner().commit_prepared(xid); }
  void rollback_prepared(std::string_view xid) override { inner().rollback_prepared(xid); }
  std::vector<std::string> prepared_transactions(std::string_view prefix) override {
    return inner().prepared_transactions(prefix);
  }

  bool ping() override { return inner().ping(); }
  bool broken() const override { return inner().broken(); }
  bool closed_by_server() override { return inner().closed_by_server(); }
  void reset_cursor() override { inner().reset_cursor(); }
  void* native_handle() override { return inner().native_handle(); }
  std::uint64_t prepare_count() const override { return inner().prepare_count(); }

 protected:
  Cursor& run_statement(std::string_view sql, std::span<const Value> params) override {
    return inner().query(sql, params);
  }

 private:
  Connection& inner() const { return pinned_->connection(); }

  std::shared_ptr<PinnedConnection> pinned_;
  std::unique_lock<RecursiveTimedMutex> lock_;
  std::uint64_t savepoint_ = 0;  // 0: none open
};

}  // namespace manydb
