// Transactions at their edges: begun and ended with no statement, a first statement that fails,
// savepoints right after begin, isolation. PostgreSQL sends BEGIN together with the first
// statement of a transaction, so these are the cases where that could show.
#include "engine_fixture.hpp"

namespace manydb::testing {
namespace {

// The Connection::run batches the session sends: one statement and COMMIT, or two statements
// with COMMIT or without.
void run_and_commit(Connection& c, std::string_view sql, std::span<const Value> params,
                    Batch::Reader read) {
  c.run(Batch().add(sql, params, std::move(read)).commit_at_end());
}
void run_two(Connection& c, std::string_view first, std::span<const Value> first_params,
             std::string_view second, std::span<const Value> second_params, bool then_commit,
             Batch::Reader read_first, Batch::Reader read_second) {
  c.run(Batch()
            .add(first, first_params, std::move(read_first))
            .add(second, second_params, std::move(read_second))
            .commit_at_end(then_commit));
}

class Transactions : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped()) return;
    const auto& d = admin_->dialect();
    t_ = d.quote_identifier(table("tx"));
    admin_->execute_script("CREATE TABLE " + t_ + " (n " + d.type_name(ValueType::int64) +
                           " PRIMARY KEY)");
  }

  std::int64_t count(Connection& c) {
    auto& rows = c.query("SELECT count(*) FROM " + t_);
    rows.next();
    return rows.get_int64(0);
  }
  void insert(Connection& c, std::int64_t n) {
    c.execute("INSERT INTO " + t_ + " (n) VALUES (?)", {n});
  }

  // What the server says the session `pid` is doing ('idle', 'idle in transaction', ...).
  std::string pg_state(const std::string& pid) {
    auto& rows =
        admin_->query("SELECT state FROM pg_stat_activity WHERE pid = ?::int", {std::stoll(pid)});
    return rows.next() ? std::string(rows.get_text(0)) : "gone";
  }

  std::string t_;
};

TEST_P(Transactions, BegunAndEndedWithoutStatements) {
  auto c = connect();
  c->begin();
  EXPECT_TRUE(c->in_transaction());
  EXPECT_THROW(c->begin(), ProgrammingError);  // still open, though PostgreSQL never sent BEGIN
  c->commit();
  EXPECT_FALSE(c->in_transaction());
  c->begin(TxMode::read);
  EXPECT_TRUE(c->in_transaction());
  c->rollback();
  EXPECT_FALSE(c->in_transaction());
  EXPECT_TRUE(c->ping());
  // The connection goes on as if nothing happened: a real transaction works after them.
  c->begin();
  insert(*c, 1);
  c->commit();
  EXPECT_EQ(count(*admin_), 1);
}

// MariaDB's BEGIN inside a transaction would commit it; begin() refuses on every engine, and
// the open transaction goes on untouched.
TEST_P(Transactions, ANestedBeginIsRefusedAndCommitsNothing) {
  auto c = connect();
  c->begin();
  insert(*c, 1);
  EXPECT_THROW(c->begin(), ProgrammingError);
  EXPECT_THROW(c->begin(TxMode::read), ProgrammingError);
  EXPECT_TRUE(c->in_transaction());
  EXPECT_EQ(count(*admin_), 0);  // nothing was committed by the refused BEGIN
  c->rollback();
  EXPECT_EQ(count(*admin_), 0);
}

TEST_P(Transactions, TheFirstStatementIsInsideTheTransaction) {
  auto c = connect();
  c->begin();
  insert(*c, 1);
  insert(*c, 2);
  c->rollback();  // both gone: the first one did not commit on its own
  EXPECT_EQ(count(*c), 0);
  c->begin(TxMode::read);
  if (backend() != Backend::sqlite) {            // SQLite has no read-only transactions
    EXPECT_THROW(insert(*c, 3), DatabaseError);  // the first statement ran under READ ONLY
  }
  c->rollback();
  EXPECT_EQ(count(*c), 0);
}

TEST_P(Transactions, UncommittedWorkIsInvisibleUntilCommit) {
  auto c = connect();
  auto other = connect("other");
  c->begin();
  insert(*c, 1);
  EXPECT_EQ(count(*c), 1);
  EXPECT_EQ(count(*other), 0);
  c->commit();
  EXPECT_EQ(count(*other), 1);
}

TEST_P(Transactions, AFirstStatementThatFailsToRunLeavesARollbackThatWorks) {
  insert(*admin_, 1);
  auto c = connect();
  c->begin();
  EXPECT_THROW(insert(*c, 1), UniqueViolation);
  EXPECT_TRUE(c->in_transaction());
  if (backend() == Backend::postgresql) {  // PostgreSQL aborts the transaction at an error
    EXPECT_THROW(insert(*c, 2), OperationalError);
  }
  c->rollback();
  EXPECT_FALSE(c->in_transaction());
  insert(*c, 2);  // usable again, outside a transaction too
  EXPECT_EQ(count(*admin_), 2);
}

TEST_P(Transactions, AFirstStatementThatFailsToPrepareLeavesARollbackThatWorks) {
  auto c = connect();
  c->begin();
  EXPECT_THROW(c->execute("SELECT * FROM no_such_table_here"), ProgrammingError);
  EXPECT_TRUE(c->in_transaction());
  if (backend() == Backend::postgresql) {  // aborted, as if it had been prepared inside it
    EXPECT_THROW(insert(*c, 2), OperationalError);
  }
  c->rollback();
  EXPECT_FALSE(c->in_transaction());
  c->begin();
  insert(*c, 2);
  c->commit();
  EXPECT_EQ(count(*admin_), 1);
}

TEST_P(Transactions, ACommitAfterAFailedFirstStatementDoesNotPass) {
  if (backend() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL aborts on an error";
  insert(*admin_, 1);
  auto c = connect();
  c->begin();
  EXPECT_THROW(insert(*c, 1), UniqueViolation);
  EXPECT_THROW(c->commit(), OperationalError);
  EXPECT_FALSE(c->in_transaction());
}

TEST_P(Transactions, ASavepointRightAfterBegin) {
  auto c = connect();
  c->begin();
  c->savepoint("sp");
  insert(*c, 1);
  c->rollback_to_savepoint("sp");
  insert(*c, 2);
  c->commit();
  auto& rows = admin_->query("SELECT n FROM " + t_);
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get_int64(0), 2);
  EXPECT_FALSE(rows.next());

  c->begin();
  c->savepoint("sp");
  insert(*c, 3);
  c->rollback();  // the savepoint was inside the transaction: all of it goes
  EXPECT_EQ(count(*admin_), 1);
}

// A table altered after a SELECT * was prepared. PostgreSQL refuses the cached plan once,
// before running it; MariaDB runs it, but Connector/C cannot read rows of the new shape into the
// statement. Either way the statement is prepared afresh and run again, outside a transaction
// and as the first statement of one, which goes on as if nothing happened.
TEST_P(Transactions, ASelectPreparedBeforeItsTableChangedRunsAgainPreparedAfresh) {
  auto c = connect();
  insert(*c, 1);
  const std::string select = "SELECT * FROM " + t_;
  EXPECT_EQ(c->query(select).column_count(), 1u);
  admin_->execute_script("ALTER TABLE " + t_ + " ADD COLUMN m " +
                         admin_->dialect().type_name(ValueType::int64));
  c->begin();
  EXPECT_EQ(c->query(select).column_count(), 2u);
  insert(*c, 2);
  c->commit();
  EXPECT_EQ(count(*admin_), 2);
  admin_->execute_script("ALTER TABLE " + t_ + " ADD COLUMN k " +
                         admin_->dialect().type_name(ValueType::int64));
  EXPECT_EQ(c->query(select).column_count(), 3u);  // outside a transaction
}

// A write that returns rows has run when MariaDB reports the new shape: running it again would
// write twice, so the error is thrown, and the statement is prepared afresh the next time.
// PostgreSQL refuses the plan before running anything, so there it simply runs again.
TEST_P(Transactions, AWriteReturningRowsAfterItsTableChangedRunsOnce) {
  auto c = connect();
  // Read to the end: an unfinished INSERT keeps SQLite's write lock.
  auto insert_returning = [&](std::int64_t n) {
    auto& rows = c->query("INSERT INTO " + t_ + " (n) VALUES (?) RETURNING *", {n});
    const auto columns = rows.column_count();
    while (rows.next()) {
    }
    return columns;
  };
  EXPECT_EQ(insert_returning(1), 1u);
  admin_->execute_script("ALTER TABLE " + t_ + " ADD COLUMN m " +
                         admin_->dialect().type_name(ValueType::int64));
  if (backend() == Backend::mariadb) {
    EXPECT_THROW(insert_returning(2), OperationalError);
  } else {
    EXPECT_EQ(insert_returning(2), 2u);
  }
  EXPECT_EQ(count(*admin_), 2);  // it ran once
  EXPECT_EQ(insert_returning(3), 2u);
  EXPECT_EQ(count(*admin_), 3);
}

// Later in a transaction the refusal stands: the transaction is aborted, and running the
// statement again would hide that the statements before it are lost.
TEST_P(Transactions, AStalePlanLaterInATransactionFailsIt) {
  if (backend() != Backend::postgresql) GTEST_SKIP() << "PostgreSQL's cached plans only";
  auto c = connect();
  const std::string select = "SELECT * FROM " + t_;
  c->query(select);
  admin_->execute_script("ALTER TABLE " + t_ + " ADD COLUMN m " +
                         admin_->dialect().type_name(ValueType::int64));
  c->begin();
  insert(*c, 1);
  EXPECT_THROW(c->query(select), ProgrammingError);
  EXPECT_THROW(insert(*c, 2), OperationalError);  // aborted
  c->rollback();
  EXPECT_EQ(count(*admin_), 0);
  EXPECT_EQ(c->query(select).column_count(), 2u);  // outside: prepared afresh
}

TEST_P(Transactions, BeginReachesTheServerWithTheFirstStatement) {
  if (backend() != Backend::postgresql) GTEST_SKIP() << "BEGIN is deferred on PostgreSQL only";
  auto c = connect();
  const std::string pid = session_id(*c);
  c->begin();
  EXPECT_EQ(pg_state(pid), "idle");  // nothing was sent by begin()
  insert(*c, 1);
  EXPECT_EQ(pg_state(pid), "idle in transaction");
  c->commit();
  EXPECT_EQ(pg_state(pid), "idle");
  EXPECT_EQ(count(*admin_), 1);
}

TEST_P(Transactions, BeginDoesNotCountAsAStatement) {
  BindMetrics metrics;
  auto c = connect();
  c->report_to(&metrics);
  c->begin();
  insert(*c, 1);
  c->commit();
  c->begin();
  c->rollback();
  EXPECT_EQ(metrics.statements(), 1u);
}

TEST_P(Transactions, QueryAndCommitReadsTheRowsAndCommits) {
  auto c = connect();
  auto other = connect("other");
  const std::string insert_returning = "INSERT INTO " + t_ + " (n) VALUES (?) RETURNING n";
  c->begin();
  insert(*c, 1);
  std::vector<std::int64_t> returned;
  const std::vector<Value> two{Value(std::int64_t{2})};
  run_and_commit(*c, insert_returning, two, [&](Cursor& rows) {
    while (rows.next()) returned.push_back(rows.get_int64(0));
  });
  EXPECT_EQ(returned, std::vector<std::int64_t>{2});
  EXPECT_FALSE(c->in_transaction());
  EXPECT_EQ(count(*other), 2);
  // As the only statement of its transaction: on PostgreSQL BEGIN, it and COMMIT go together.
  const std::string pid = session_id(*c);
  c->begin();
  const std::vector<Value> three{Value(std::int64_t{3})};
  run_and_commit(*c, insert_returning, three, [](Cursor&) {});
  EXPECT_FALSE(c->in_transaction());
  if (backend() == Backend::postgresql) {
    EXPECT_EQ(pg_state(pid), "idle");
  }
  EXPECT_EQ(count(*other), 3);
}

TEST_P(Transactions, QueryAndCommitOfAFailingStatementCommitsNothing) {
  insert(*admin_, 1);
  auto c = connect();
  c->begin();
  insert(*c, 2);
  bool read = false;
  const std::vector<Value> duplicate{Value(std::int64_t{1})};
  EXPECT_THROW(run_and_commit(*c, "INSERT INTO " + t_ + " (n) VALUES (?)", duplicate,
                              [&](Cursor&) { read = true; }),
               UniqueViolation);
  EXPECT_FALSE(read);
  EXPECT_TRUE(c->in_transaction());  // still open (aborted on PostgreSQL), for rollback()
  c->rollback();
  EXPECT_EQ(count(*admin_), 1);  // 2 was never committed
  insert(*c, 3);                 // and the connection goes on
  EXPECT_EQ(count(*admin_), 2);
}

// Two statements and COMMIT: one pipeline on PostgreSQL (with BEGIN too), one after the
// other elsewhere; each reader sees its own statement's rows, in order.
TEST_P(Transactions, QueryTwoReadsEachStatementsRowsAndCommits) {
  auto c = connect();
  const std::string insert_returning = "INSERT INTO " + t_ + " (n) VALUES (?) RETURNING n";
  const std::vector<Value> one{Value(std::int64_t{1})}, two{Value(std::int64_t{2})};
  std::vector<std::int64_t> first, second;
  const std::string pid = session_id(*c);
  c->begin();
  run_two(
      *c, insert_returning, one, insert_returning, two, true,
      [&](Cursor& rows) {
        while (rows.next()) first.push_back(rows.get_int64(0));
      },
      [&](Cursor& rows) {
        while (rows.next()) second.push_back(rows.get_int64(0));
      });
  EXPECT_EQ(first, std::vector<std::int64_t>{1});
  EXPECT_EQ(second, std::vector<std::int64_t>{2});
  EXPECT_FALSE(c->in_transaction());
  if (backend() == Backend::postgresql) {
    EXPECT_EQ(pg_state(pid), "idle");
  }
  EXPECT_EQ(count(*admin_), 2);
  // Without COMMIT the transaction stays open.
  const std::vector<Value> three{Value(std::int64_t{3})}, four{Value(std::int64_t{4})};
  c->begin();
  run_two(
      *c, insert_returning, three, insert_returning, four, false, [](Cursor&) {}, [](Cursor&) {});
  EXPECT_TRUE(c->in_transaction());
  c->rollback();
  EXPECT_EQ(count(*admin_), 2);
}

TEST_P(Transactions, QueryTwoWhoseSecondStatementFailsCommitsNothing) {
  auto c = connect();
  const std::string insert = "INSERT INTO " + t_ + " (n) VALUES (?)";
  const std::vector<Value> five{Value(std::int64_t{5})};
  bool read_second = false;
  c->begin();
  EXPECT_THROW(run_two(
                   *c, insert, five, insert, five, true, [](Cursor&) {},
                   [&](Cursor&) { read_second = true; }),
               UniqueViolation);
  EXPECT_FALSE(read_second);
  if (c->in_transaction()) c->rollback();
  EXPECT_EQ(count(*admin_), 0);
  this->insert(*c, 6);  // and the connection goes on
  EXPECT_EQ(count(*admin_), 1);
}

// On PostgreSQL a whole transaction in one pipeline goes without BEGIN and COMMIT: the server
// commits at the pipeline's sync, and rolls back there when a statement failed, so nothing is
// left open; with BEGIN sent the session would sit aborted until a ROLLBACK.
TEST_P(Transactions, AWholeTransactionInOnePipelineThatFailsLeavesNothingOpen) {
  if (backend() != Backend::postgresql) {
    GTEST_SKIP() << "PostgreSQL only: elsewhere the failed transaction stays open for rollback()";
  }
  insert(*admin_, 1);
  auto c = connect();
  const std::string pid = session_id(*c);
  const std::string insert = "INSERT INTO " + t_ + " (n) VALUES (?)";
  const std::vector<Value> two{Value(std::int64_t{2})}, one{Value(std::int64_t{1})};
  c->begin();
  EXPECT_THROW(run_two(
                   *c, insert, two, insert, one, true, [](Cursor&) {}, [](Cursor&) {}),
               UniqueViolation);
  EXPECT_FALSE(c->in_transaction());
  EXPECT_EQ(pg_state(pid), "idle");
  c->rollback();                 // nothing to roll back, and no error for it
  EXPECT_EQ(count(*admin_), 1);  // 2 went with the failed statement
  this->insert(*c, 3);
  EXPECT_EQ(count(*admin_), 2);
}

// A READ ONLY transaction keeps its BEGIN even when it is all in one pipeline: its write is
// refused and nothing is committed.
TEST_P(Transactions, AReadOnlyTransactionInOnePipelineStillRefusesWrites) {
  if (backend() == Backend::sqlite) {
    GTEST_SKIP() << "SQLite has no read-only transactions (BEGIN DEFERRED)";
  }
  auto c = connect();
  const std::vector<Value> one{Value(std::int64_t{1})};
  c->begin(TxMode::read);
  EXPECT_THROW(run_and_commit(*c, "INSERT INTO " + t_ + " (n) VALUES (?)", one, [](Cursor&) {}),
               DatabaseError);
  if (c->in_transaction()) c->rollback();
  EXPECT_EQ(count(*admin_), 0);
}

// A deferred foreign key fails at COMMIT itself, after the statement succeeded.
TEST_P(Transactions, QueryAndCommitReportsACommitThatFails) {
  if (backend() == Backend::mariadb) {
    GTEST_SKIP() << "MariaDB checks foreign keys at each statement: no COMMIT-time constraint";
  }
  const auto& d = admin_->dialect();
  const std::string child = d.quote_identifier(table("tx_child"));
  admin_->execute_script("CREATE TABLE " + child + " (n " + d.type_name(ValueType::int64) +
                         " REFERENCES " + t_ + " (n) DEFERRABLE INITIALLY DEFERRED)");
  auto c = connect();
  c->begin();
  const std::vector<Value> orphan{Value(std::int64_t{7})};
  EXPECT_THROW(
      run_and_commit(*c, "INSERT INTO " + child + " (n) VALUES (?)", orphan, [](Cursor&) {}),
      ForeignKeyViolation);
  if (c->in_transaction()) c->rollback();  // SQLite keeps a transaction whose COMMIT failed
  auto& rows = admin_->query("SELECT count(*) FROM " + child);
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get_int64(0), 0);
  insert(*c, 1);  // the connection goes on
  EXPECT_EQ(count(*admin_), 1);
}

INSTANTIATE_TEST_SUITE_P(Engines, Transactions, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
