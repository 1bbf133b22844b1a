#pragma once
// A transaction on every bind of a Database for the length of one test, rolled back at its end
// (Database::begin_test_transaction; docs/testing.md). While it lives, everything the Database
// hands out for a bind (sessions, Engine::connect, Database::execute) uses one connection, in
// that transaction: a session's transaction there is a savepoint, its commit a release.
#include <string>
#include <vector>

#include "manydb/pool/engine.hpp"

namespace manydb {

class TestTransaction {
 public:
  TestTransaction() = default;
  // Pins every engine's pool (Pool::pin); when one fails, the ones pinned are released first.
  explicit TestTransaction(std::vector<Engine*> engines);
  TestTransaction(TestTransaction&& other) noexcept;
  TestTransaction& operator=(TestTransaction&& other) noexcept;
  ~TestTransaction();  // end(), reporting a failure on stderr rather than throwing

  // Rolls every bind back and hands the connections back to their pools. ProgrammingError
  // naming the binds where a statement had ended the transaction before (MariaDB commits at
  // DDL): what the test wrote there stays. Sessions and leases of the test must have ended.
  void end();
  bool active() const { return !engines_.empty(); }
  // The binds in the transaction, in the Database's bind order.
  std::vector<std::string> binds() const;

 private:
  std::vector<Engine*> engines_;
};

}  // namespace manydb
