// What an engine's error carries, on every engine: the SQLSTATE where the engine has one (and
// none where it has not), the native code, the bind, the statement's SQL text and never the
// values bound to it; and conflicts between two transactions caught as TransactionRollback.
#include <sqlite3.h>

#include <atomic>
#include <exception>
#include <optional>
#include <thread>

#include "engine_fixture.hpp"
#include "engines/mariadb/errors.hpp"
#include "engines/postgres/errors.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

// A value no server message would hold unless it quoted the parameter.
constexpr const char* kDistinctive = "zq-distinctive-4711@example.org";

class EngineErrors : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped()) return;
    const auto& d = admin_->dialect();
    t_ = d.quote_identifier(table("errs"));
    admin_->execute_script("CREATE TABLE " + t_ + " (id " + d.type_name(ValueType::int64) +
                           " PRIMARY KEY, email " + d.type_name(ValueType::text, 100) +
                           " NOT NULL UNIQUE, n " + d.type_name(ValueType::int64) + ")");
  }

  // Whether server session `id` is blocked in an UPDATE, as the server sees it: on
  // PostgreSQL, a lock it asked for and was not granted. MariaDB's lock tables
  // (information_schema.innodb_trx, innodb_lock_waits) are a cache refreshed only when not
  // read for 100 ms, which a poll never lets happen; its process list is live, and shows the
  // UPDATE running (it cannot finish while the other transaction holds the row, and if it is
  // seen a moment before it starts to wait, the deadlock comes all the same).
  bool blocked_in_update(const std::string& id) {
    const std::int64_t session = std::stoll(id);
    auto& rows =
        backend() == Backend::postgresql
            ? admin_->query("SELECT count(*) FROM pg_locks WHERE NOT granted AND pid = ?::int",
                            {session})
            : admin_->query(
                  "SELECT count(*) FROM information_schema.processlist "
                  "WHERE id = ? AND info LIKE 'UPDATE %'",
                  {session});
    rows.next();
    const bool waiting = rows.get_int64(0) > 0;
    while (rows.next()) {
    }
    return waiting;
  }

  std::string t_;
};

TEST_P(EngineErrors, AUniqueViolationCarriesItsCodesAndSqlButNoValue) {
  const std::string insert = "INSERT INTO " + t_ + " (id, email, n) VALUES (?, ?, ?)";
  auto c = connect("users");
  c->execute(insert, {1, kDistinctive, 1});
  try {
    c->execute(insert, {2, kDistinctive, 2});
    FAIL() << "duplicate accepted";
  } catch (const UniqueViolation& e) {
    EXPECT_EQ(e.bind(), "users");
    EXPECT_EQ(e.sql(), insert);
    EXPECT_EQ(std::string(e.what()).find(kDistinctive), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("zq-distinctive"), std::string::npos) << e.what();
    EXPECT_EQ(e.sql().find(kDistinctive), std::string::npos);
    switch (backend()) {
      case Backend::postgresql:
        EXPECT_EQ(e.sqlstate(), "23505");
        EXPECT_FALSE(e.native_code());  // PostgreSQL has only the SQLSTATE
        break;
      case Backend::mariadb:
        EXPECT_EQ(e.sqlstate(), "23000");
        EXPECT_EQ(e.native_code(), 1062);  // ER_DUP_ENTRY
        break;
      case Backend::sqlite:
        EXPECT_FALSE(e.sqlstate()) << *e.sqlstate();  // SQLite has none: none is made up
        EXPECT_EQ(e.native_code(), SQLITE_CONSTRAINT_UNIQUE);
        break;
    }
    EXPECT_EQ(e.code(), e.native_code() ? std::to_string(*e.native_code())
                                        : std::string(e.sqlstate().value_or("")));
  }
}

// A statement the server refuses to prepare, and a script, are named as well.
TEST_P(EngineErrors, AScriptAndAStatementThatCannotBePreparedNameTheirSql) {
  auto c = connect("users");
  const std::string bad = "SELECT no_such_column FROM " + t_ + " WHERE id = ?";
  try {
    c->query(bad, {1});
    FAIL() << "an unknown column was accepted";
  } catch (const ProgrammingError& e) {
    EXPECT_EQ(e.sql(), bad);
    EXPECT_EQ(e.bind(), "users");
  }
  const std::string script = "UPDATE " + t_ + " SET no_such_column = 1";
  try {
    c->execute_script(script);
    FAIL() << "an unknown column was accepted";
  } catch (const ProgrammingError& e) {
    EXPECT_EQ(e.sql(), script);
  }
}

// Neither a connection's URL nor its password gets into an error, from connecting or later.
TEST_P(EngineErrors, NoPasswordInWhatOrSql) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite URLs carry no password";
  Url wrong = url();
  wrong.password = "zq-secret-pw-4711";
  try {
    manydb::connect(wrong, ConnectOptions{"users"});
    FAIL() << "connected with a wrong password";
  } catch (const ConnectionError& e) {
    EXPECT_EQ(std::string(e.what()).find("zq-secret-pw"), std::string::npos) << e.what();
    EXPECT_EQ(e.sql(), "");
    if (backend() == Backend::mariadb) {
      EXPECT_EQ(e.native_code(), 1045);  // access denied
    }
  }
}

// Two transactions that each lock a row the other then wants: the server picks one, rolls it
// back and reports a deadlock, which is a TransactionRollback; the other goes on. SQLite has no
// row locks, so no deadlock: its conflict that only a whole retry resolves is the stale
// snapshot (AStaleSqliteSnapshotIsASerializationFailure below).
TEST_P(EngineErrors, ADeadlockIsATransactionRollback) {
  if (backend() == Backend::sqlite) {
    GTEST_SKIP() << "SQLite locks the whole database, not rows, and a lock it cannot get is "
                    "SQLITE_BUSY (LockTimeout), never a deadlock; its transaction-rollback "
                    "case is AStaleSqliteSnapshotIsASerializationFailure";
  }
  const std::string insert = "INSERT INTO " + t_ + " (id, email, n) VALUES (?, ?, ?)";
  admin_->execute(insert, {1, "a@x", 0});
  admin_->execute(insert, {2, "b@x", 0});
  const std::string lock = "UPDATE " + t_ + " SET n = n + 1 WHERE id = ?";
  auto one = connect("orders");
  auto two = connect("orders");
  const std::string one_id = session_id(*one);
  one->begin();
  one->execute(lock, {1});  // one holds row 1
  two->begin();
  two->execute(lock, {2});  // two holds row 2
  std::exception_ptr one_error;
  std::atomic<bool> one_returned{false};
  std::thread waiter([&] {
    try {
      one->execute(lock, {2});  // waits for two
    } catch (...) {
      one_error = std::current_exception();
    }
    one_returned = true;
  });
  wait_until([&] { return one_returned || blocked_in_update(one_id); },
             "the first transaction waits for row 2");
  if (one_returned) {
    waiter.join();
    try {
      if (one_error) std::rethrow_exception(one_error);
    } catch (const std::exception& e) {
      FAIL() << "the first transaction did not wait for row 2: " << e.what();
    }
    FAIL() << "the first transaction did not wait for row 2";
  }
  std::exception_ptr two_error;
  try {
    two->execute(lock, {1});  // waits for one: a cycle
  } catch (...) {
    two_error = std::current_exception();
  }
  waiter.join();  // whichever was rolled back freed the other
  ASSERT_NE(!one_error, !two_error) << "exactly one of the two must be rolled back";
  try {
    std::rethrow_exception(one_error ? one_error : two_error);
  } catch (const TransactionRollback& e) {
    EXPECT_TRUE(e.retryable());
    EXPECT_NE(dynamic_cast<const Deadlock*>(&e), nullptr) << e.what();
    EXPECT_EQ(e.sql(), lock);
    EXPECT_EQ(e.bind(), "orders");
    if (backend() == Backend::postgresql) {
      EXPECT_EQ(e.sqlstate(), "40P01");
    } else {
      EXPECT_EQ(e.native_code(), 1213);  // ER_LOCK_DEADLOCK
      EXPECT_EQ(e.sqlstate(), "40001");  // as MariaDB reports it
    }
  } catch (const std::exception& e) {
    FAIL() << "not a TransactionRollback: " << e.what();
  }
  one->rollback();
  two->rollback();
}

// SQLite's own case of a conflict resolved by running the whole transaction again: in WAL mode
// a deferred transaction reads a snapshot, another connection commits a write, and the first
// one's write can never succeed on that snapshot (SQLITE_BUSY_SNAPSHOT, returned at once, not
// after busy_timeout).
TEST_P(EngineErrors, AStaleSqliteSnapshotIsASerializationFailure) {
  if (backend() != Backend::sqlite) GTEST_SKIP() << "SQLITE_BUSY_SNAPSHOT is SQLite's";
  admin_->execute("INSERT INTO " + t_ + " (id, email, n) VALUES (?, ?, ?)", {1, "a@x", 0});
  const Url deferred = Url::parse(GetParam().url + "?begin=deferred");
  auto reader = manydb::connect(deferred, ConnectOptions{"products"});
  auto writer = manydb::connect(deferred, ConnectOptions{"products"});
  const std::string update = "UPDATE " + t_ + " SET n = ? WHERE id = ?";
  reader->begin();
  auto& rows = reader->query("SELECT n FROM " + t_ + " WHERE id = ?", {1});
  ASSERT_TRUE(rows.next());
  while (rows.next()) {
  }
  writer->execute(update, {5, 1});  // commits after the reader's snapshot
  try {
    reader->execute(update, {6, 1});
    FAIL() << "a write on a stale snapshot succeeded";
  } catch (const SerializationFailure& e) {
    EXPECT_TRUE(e.retryable());
    EXPECT_EQ(e.native_code(), SQLITE_BUSY_SNAPSHOT);
    EXPECT_FALSE(e.sqlstate());
    EXPECT_EQ(e.sql(), update);
  }
  reader->rollback();
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineErrors, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

// The messages each server quotes a value in, as they read, without it.
TEST(EngineMessages, PostgresLeavesOutTheValuesOfIntegrityAndDataErrors) {
  using engines::postgres::message_without_values;
  EXPECT_EQ(message_without_values("23505", "duplicate key value violates unique constraint \"k\"",
                                   "Key (email)=(a@x) already exists."),
            "duplicate key value violates unique constraint \"k\"");
  EXPECT_EQ(message_without_values("22P02", "invalid input syntax for type integer: \"a\"b\"", ""),
            "invalid input syntax for type integer: \"...\"");
  EXPECT_EQ(message_without_values("40P01", "deadlock detected", "Process 1 waits"),
            "deadlock detected (Process 1 waits)");
}

TEST(EngineMessages, MariadbLeavesOutTheQuotedValue) {
  using engines::mariadb::message_without_values;
  EXPECT_EQ(message_without_values(1062, "Duplicate entry 'it's a@x' for key 'email'"),
            "Duplicate entry '...' for key 'email'");
  EXPECT_EQ(message_without_values(1366,
                                   "Incorrect integer value: 'abc' for column `d`.`t`.`n` "
                                   "at row 1"),
            "Incorrect integer value: '...' for column `d`.`t`.`n` at row 1");
  EXPECT_EQ(message_without_values(1292, "Truncated incorrect DOUBLE value: 'x1'"),
            "Truncated incorrect DOUBLE value: '...'");
  EXPECT_EQ(message_without_values(1146, "Table 'd.t' doesn't exist"), "Table 'd.t' doesn't exist");
}

}  // namespace
}  // namespace manydb::testing
