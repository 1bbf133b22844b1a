#pragma once
// manydb's test support for GoogleTest (docs/testing.md); include it after <gtest/gtest.h> is
// available. <manydb/manydb.hpp> never includes it.
//
//   class OrdersTest : public manydb::testing::DatabaseTest {
//    protected:
//     manydb::Database& database() override { return shared_database(); }
//   };
//   TEST_F(OrdersTest, DetailsCostOneQueryPerBind) {
//     ...
//     EXPECT_STATEMENTS(db(), "products", 1, products = s.load_related<&Item::product_id>(items));
//   }
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "manydb/testing/statement_counter.hpp"
#include "manydb/testing/transactional_test.hpp"

namespace manydb::testing {

// A fixture whose every test runs in a test transaction on database(): what the test writes,
// through sessions that commit or not, is rolled back after it. `Base` is ::testing::Test, or a
// fixture of one's own (a parameterised one: ::testing::TestWithParam<...>). A derived SetUp()
// makes its Database before it calls this one; TearDown() fails the test when a bind's
// transaction was committed by a statement in it (MariaDB DDL).
template <class Base = ::testing::Test>
class BasicDatabaseTest : public Base {
 protected:
  virtual Database& database() = 0;
  Database& db() { return database(); }

  void SetUp() override {
    Base::SetUp();
    if (this->IsSkipped() || this->HasFatalFailure()) return;
    test_.emplace(database());
  }
  void TearDown() override {
    end_test_transaction();
    Base::TearDown();
  }
  // Rolls back now (TearDown does it when it has not been done), for a derived TearDown that
  // checks the databases after the test.
  void end_test_transaction() {
    if (!test_) return;
    try {
      test_->end();
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
    }
    test_.reset();
  }

 private:
  std::optional<TransactionalTest> test_;
};

using DatabaseTest = BasicDatabaseTest<>;

// The statements that `block` ran on `bind`, for EXPECT_STATEMENTS.
struct StatementCount {
  std::string bind;
  std::uint64_t count = 0;
  std::string described;
};

template <class Block>
StatementCount count_statements(Database& db, std::string_view bind, Block&& block) {
  StatementCounter counter(db);
  block();
  return {std::string(bind), counter.count(bind), counter.describe(bind)};
}

template <class Number>
::testing::AssertionResult statement_count_is(const char*, const char*, const StatementCount& got,
                                              const Number& expected) {
  if (got.count == static_cast<std::uint64_t>(expected)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "bind '" << got.bind << "' ran " << got.described
                                       << " statement(s), expected " << expected;
}

}  // namespace manydb::testing

// EXPECT_STATEMENTS(db, "orders", 2, code...): `code` (any statements, commas allowed) ran
// exactly 2 statements on bind "orders" (reads, writes and DDL; not BEGIN and COMMIT). Stream
// a message after it as after EXPECT_EQ. ASSERT_STATEMENTS ends the test when it fails.
#define EXPECT_STATEMENTS(db, bind, expected, ...)                                             \
  EXPECT_PRED_FORMAT2(::manydb::testing::statement_count_is,                                   \
                      ::manydb::testing::count_statements((db), (bind), [&] { __VA_ARGS__; }), \
                      (expected))
#define ASSERT_STATEMENTS(db, bind, expected, ...)                                             \
  ASSERT_PRED_FORMAT2(::manydb::testing::statement_count_is,                                   \
                      ::manydb::testing::count_statements((db), (bind), [&] { __VA_ARGS__; }), \
                      (expected))
