#pragma once
// The transactional test (docs/testing.md), usable with any test framework or none: from its
// construction to its end, every bind of `db` is in one transaction that is then rolled back,
// and the application's sessions see that transaction (their commits are savepoint releases).
//
//   {
//     manydb::testing::TransactionalTest test(db);
//     place_order(db, ...);  // commits on "orders" and "users"
//     ...assertions...
//   }  // both binds are as they were
#include "manydb/database/database.hpp"

namespace manydb::testing {

class TransactionalTest {
 public:
  explicit TransactionalTest(Database& db) : db_(db), transaction_(db.begin_test_transaction()) {}
  TransactionalTest(const TransactionalTest&) = delete;
  TransactionalTest& operator=(const TransactionalTest&) = delete;
  // Rolls back, reporting on stderr a bind whose transaction a statement had committed (call
  // end() to have that thrown instead).
  ~TransactionalTest() = default;

  // Rolls every bind back now. ProgrammingError naming the binds whose transaction a statement
  // committed on the way (MariaDB commits at DDL): what the test wrote there stays.
  void end() { transaction_.end(); }
  Database& db() { return db_; }

 private:
  Database& db_;
  TestTransaction transaction_;
};

}  // namespace manydb::testing
