#pragma once
// A transaction on a leased connection, as a scope: rolled back when it ends uncommitted, so an
// exception between BEGIN and COMMIT never leaves a transaction open or half-applied.
//
//   Transaction tx(lease);
//   lease.execute("UPDATE stock ...", {...});
//   {
//     Savepoint sp = tx.savepoint();
//     lease.execute("INSERT ...", {...});  // throws: rolled back to sp, tx goes on
//     sp.release();
//   }
//   tx.commit();
#include <cstddef>
#include <string>

#include "manydb/driver/batch.hpp"
#include "manydb/driver/connection.hpp"
#include "manydb/pool/lease.hpp"

namespace manydb {

class Savepoint;

class Transaction {
 public:
  Transaction() = default;  // none: open() is false
  // Begins on `lease`, which must outlive the transaction (Lease::begin: a connection found dead
  // at its first use is replaced).
  explicit Transaction(Lease& lease, TxMode mode = TxMode::write);
  // One that may be prepared for two-phase commit under `branch` (Connection::begin_branch).
  Transaction(Lease& lease, TxMode mode, std::string_view branch);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  ~Transaction();  // rollback() unless committed

  // Whether the transaction is still open on its connection (the server's word: a batch that
  // carried COMMIT, or a lost connection, ended it).
  bool open() const;
  // When COMMIT fails, the transaction stays for rollback() (or the destructor) to end.
  void commit();
  // Runs `last` as the transaction's last statements and commits with them: on an engine that
  // pipelines, one round trip (Connection::run). The batch's own COMMIT flag is set here.
  void commit_with(Batch& last);
  // Never throws: a connection that cannot roll back (lost, hung) is discarded, and the server
  // ends the transaction.
  void rollback() noexcept;

  // A savepoint in this transaction, named by it; savepoints nest as their scopes do.
  Savepoint savepoint();

 private:
  Lease* lease_ = nullptr;
  std::size_t savepoints_ = 0;  // savepoints taken so far: the next one's name
};

class Savepoint {
 public:
  Savepoint(Savepoint&& other) noexcept;
  Savepoint& operator=(Savepoint&&) = delete;
  ~Savepoint();  // rollback() unless released

  // Keeps what was done since the savepoint, as part of the transaction.
  void release();
  // Undoes what was done since the savepoint; the transaction goes on. Never throws: when the
  // connection cannot roll back, the transaction is rolled back whole (Transaction::rollback).
  void rollback() noexcept;

 private:
  friend class Transaction;
  Savepoint(Lease& lease, std::string name);

  Lease* lease_ = nullptr;  // null once released or rolled back
  std::string name_;
};

}  // namespace manydb
