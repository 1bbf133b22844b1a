// Statements sent ahead (Connection::send / receive), on every engine: answers in the order
// sent, each failure on its own, the connection refusing anything else meanwhile, metrics,
// transactions. On PostgreSQL several travel at once (pipeline mode): a connection lost with
// statements on their way fails each of them.
#include <string>
#include <vector>

#include "engine_fixture.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

class SendAhead : public EngineTest {
 protected:
  // A table of ids 1..rows.
  std::string numbers(int rows) {
    const auto name = table("numbers");
    const auto& d = admin_->dialect();
    const std::string t = d.quote_identifier(name);
    admin_->execute_script("CREATE TABLE " + t + " (id " + d.type_name(ValueType::int64) + ")");
    for (int i = 1; i <= rows; ++i) admin_->execute("INSERT INTO " + t + " (id) VALUES (?)", {i});
    return t;
  }
  static std::int64_t single(Cursor& rows) {
    EXPECT_TRUE(rows.next());
    const auto value = rows.get<std::int64_t>(0);
    while (rows.next()) {
    }
    return value;
  }
  // Sends `sql` with `param`: a shorthand for the tests' many one-parameter statements.
  static void send(Connection& c, const std::string& sql, std::int64_t param) {
    const Value params[] = {Value(param)};
    c.send(sql, params);
  }
};

TEST_P(SendAhead, AnswersComeBackInTheOrderSent) {
  const auto t = numbers(5);
  auto c = connect();
  const std::string sql = "SELECT id FROM " + t + " WHERE id = ?";
  // As many as the engine takes at once, then again after they were read.
  const auto at_once = std::min<std::size_t>(c->max_in_flight(), 5);
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 1; i <= at_once; ++i) send(*c, sql, static_cast<std::int64_t>(i));
    EXPECT_EQ(c->in_flight(), at_once);
    for (std::size_t i = 1; i <= at_once; ++i) {
      EXPECT_EQ(single(c->receive()), static_cast<std::int64_t>(i));
    }
    EXPECT_EQ(c->in_flight(), 0u);
  }
  EXPECT_EQ(single(c->query("SELECT count(*) FROM " + t)), 5);  // and back to plain statements
}

TEST_P(SendAhead, AFailedStatementFailsAloneWithItsText) {
  const auto t = numbers(2);
  auto c = connect();
  const std::string good = "SELECT id FROM " + t + " WHERE id = ?";
  const std::string bad = "SELECT no_such_column FROM " + t + " WHERE id = ?";
  const bool together = c->max_in_flight() >= 3;
  send(*c, good, 1);
  if (!together) {
    EXPECT_EQ(single(c->receive()), 1);
  }
  send(*c, bad, 1);
  if (together) {
    send(*c, good, 2);
    EXPECT_EQ(single(c->receive()), 1);
  }
  try {
    c->receive();
    ADD_FAILURE() << "an unknown column was read";
  } catch (const DatabaseError& e) {
    EXPECT_EQ(e.sql(), bad);
    EXPECT_EQ(e.bind(), "test");
  }
  if (!together) send(*c, good, 2);
  EXPECT_EQ(single(c->receive()), 2);  // not skipped: it ran on its own
  EXPECT_FALSE(c->broken());
}

TEST_P(SendAhead, NothingElseRunsUntilEverythingSentIsReceived) {
  const auto t = numbers(1);
  auto c = connect();
  send(*c, "SELECT id FROM " + t + " WHERE id = ?", 1);
  EXPECT_THROW(c->query("SELECT 1"), ProgrammingError);
  Batch batch;
  batch.add("SELECT 1", std::span<const Value>());
  EXPECT_THROW(c->run(batch), ProgrammingError);
  EXPECT_EQ(single(c->receive()), 1);
  EXPECT_THROW(c->receive(), ProgrammingError);  // nothing left to receive
  EXPECT_EQ(single(c->query("SELECT 7")), 7);
}

TEST_P(SendAhead, MoreThanTheEngineHoldsAtOnceIsRefused) {
  const auto t = numbers(1);
  auto c = connect();
  const std::string sql = "SELECT id FROM " + t + " WHERE id = ?";
  for (std::size_t i = 0; i < c->max_in_flight(); ++i) send(*c, sql, 1);
  EXPECT_THROW(send(*c, sql, 1), ProgrammingError);
  for (std::size_t i = 0; i < c->max_in_flight(); ++i) EXPECT_EQ(single(c->receive()), 1);
}

TEST_P(SendAhead, EachStatementIsMeasuredOnce) {
  const auto t = numbers(3);
  auto c = connect();
  BindMetrics metrics;
  c->report_to(&metrics);
  const std::string sql = "SELECT id FROM " + t + " WHERE id <= ?";
  send(*c, sql, 3);
  Cursor& rows = c->receive();
  while (rows.next()) {
  }
  send(*c, "SELECT nothing FROM " + t + " WHERE id = ?", 1);
  EXPECT_THROW(c->receive(), DatabaseError);
  c->count_rows_read();
  EXPECT_EQ(metrics.statements(), 2u);
  const BindSnapshot snapshot = metrics.snapshot(false);
  EXPECT_EQ(snapshot.rows_returned, 3u);
  std::uint64_t errors = 0;
  for (const auto n : snapshot.errors) errors += n;
  EXPECT_EQ(errors, 1u);
}

TEST_P(SendAhead, StatementsSentInATransactionAreInIt) {
  const auto t = numbers(1);
  auto c = connect();
  auto other = connect("other");
  c->begin();
  const Value two[] = {Value(2)};
  c->send("INSERT INTO " + t + " (id) VALUES (?)", two);
  c->receive();
  send(*c, "SELECT count(*) FROM " + t + " WHERE id <= ?", 2);
  EXPECT_EQ(single(c->receive()), 2);
  EXPECT_TRUE(c->in_transaction());
  EXPECT_EQ(single(other->query("SELECT count(*) FROM " + t)), 1);  // not committed yet
  c->rollback();
  EXPECT_EQ(single(c->query("SELECT count(*) FROM " + t)), 1);
}

TEST_P(SendAhead, AFailureInATransactionFailsItsCommit) {
  const auto t = numbers(1);
  auto c = connect();
  c->begin();
  send(*c, "SELECT no_such_column FROM " + t + " WHERE id = ?", 1);
  EXPECT_THROW(c->receive(), DatabaseError);
  if (backend() == Backend::postgresql) {
    // The server aborted the transaction: its commit must not pass as one.
    EXPECT_THROW(c->commit(), DatabaseError);
  } else {
    c->rollback();  // SQLite and MariaDB keep the transaction after a failed statement
  }
  EXPECT_FALSE(c->in_transaction());
}

TEST_P(SendAhead, ARollbackDropsWhatIsInFlight) {
  const auto t = numbers(2);
  auto c = connect();
  c->begin();
  send(*c, "SELECT id FROM " + t + " WHERE id = ?", 1);
  c->rollback();
  EXPECT_EQ(c->in_flight(), 0u);
  EXPECT_FALSE(c->in_transaction());
  EXPECT_EQ(single(c->query("SELECT count(*) FROM " + t)), 2);
}

// Pipeline mode only: several statements on their way on one connection.
TEST_P(SendAhead, ALostConnectionFailsEveryStatementOnItsWay) {
  if (backend() != Backend::postgresql) {
    GTEST_SKIP() << "only PostgreSQL has several statements on their way on one connection "
                    "(SQLite runs one in send(); MariaDB's one lost mid-answer: "
                    "AwaitedReads.AConnectionLostMidAnswerFailsTheReadsOnItTyped)";
  }
  const auto t = numbers(1);
  auto c = connect();
  const std::string pid = session_id(*c);
  const std::string first = "SELECT id FROM " + t + " WHERE id = ?";
  const std::string second = "SELECT ?::bigint";
  // Prepared before the lock: preparing a statement of a locked table would wait for it too.
  for (const auto& sql : {first, second}) single(c->query(sql, {1}));
  auto locker = connect("locker");
  locker->begin();
  locker->execute_script("LOCK TABLE " + t + " IN ACCESS EXCLUSIVE MODE");
  send(*c, first, 1);  // waits for the lock
  send(*c, second, 2);
  wait_until(
      [&] {
        return single_int(*admin_,
                          "SELECT count(*) FROM pg_stat_activity WHERE pid = ?::int AND "
                          "wait_event_type = 'Lock'",
                          {std::stoll(pid)}) == 1;
      },
      "the first statement waits for the lock at the server");
  kill_session(pid);
  EXPECT_THROW(c->receive(), ConnectionError);
  EXPECT_THROW(c->receive(), ConnectionError);
  EXPECT_TRUE(c->broken());
  EXPECT_EQ(c->in_flight(), 0u);
  locker->rollback();
}

TEST_P(SendAhead, AStatementWhosePlanChangedRunsAgain) {
  if (backend() == Backend::mariadb) {
    GTEST_SKIP() << "MariaDB fails a cached SELECT * after ALTER TABLE (error 2057) whether "
                    "sent ahead or not (Transactions.AStalePlan...)";
  }
  const auto t = numbers(1);
  auto c = connect();
  const std::string sql = "SELECT * FROM " + t + " WHERE id = ?";
  send(*c, sql, 1);
  EXPECT_EQ(c->receive().column_count(), 1u);
  admin_->execute_script("ALTER TABLE " + t + " ADD COLUMN extra INTEGER");
  send(*c, sql, 1);
  const bool together = c->max_in_flight() > 1;  // and with another one behind it
  if (together) send(*c, "SELECT id FROM " + t + " WHERE id = ?", 1);
  Cursor& rows = c->receive();
  EXPECT_EQ(rows.column_count(), 2u);
  EXPECT_EQ(single(rows), 1);
  if (together) {
    EXPECT_EQ(single(c->receive()), 1);
  }
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Engines, SendAhead, ::testing::ValuesIn(engine_cases()), engine_case_name);

}  // namespace manydb::testing
