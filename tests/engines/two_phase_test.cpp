// The engines' own two-phase commit (Connection::begin_branch, prepare_transaction,
// commit_prepared, rollback_prepared, prepared_transactions) and the traps measured on these
// server versions (docs/sessions.md). SQLite cannot prepare: it says so.
#include <gtest/gtest.h>

#include <string>

#include "engine_fixture.hpp"
#include "manydb/manydb.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

class TwoPhase : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    t_ = admin_->dialect().quote_identifier(table("two_phase"));
    admin_->execute_script("CREATE TABLE " + t_ + " (id INTEGER PRIMARY KEY)");
    prefix_ = "mdbtest:" + std::to_string(::getpid()) + ":";
  }
  void TearDown() override {
    // Nothing of this test may stay prepared (it would hold the table's locks).
    if (admin_ && backend() != Backend::sqlite) {
      for (const auto& xid : admin_->prepared_transactions(prefix_)) {
        admin_->rollback_prepared(xid);
        ADD_FAILURE() << "left prepared: " << xid;
      }
    }
    EngineTest::TearDown();
  }
  std::int64_t rows(Connection& c) {
    Cursor& r = c.query("SELECT COUNT(*) FROM " + t_);
    r.next();
    const auto n = r.get<std::int64_t>(0);
    c.reset_cursor();
    return n;
  }
  std::string xid(const std::string& name) const { return prefix_ + name; }
  // Closes `owner`, the connection that prepared a branch, and on MariaDB waits until its
  // session has left the server: it ends a closed session asynchronously, and until then no
  // other connection may finish the branch (XAER_NOTA).
  void close_preparing(std::unique_ptr<Connection>& owner) {
    if (backend() != Backend::mariadb) return owner.reset();
    const std::int64_t id = std::stoll(session_id(*owner));
    owner.reset();
    wait_until(
        [&] {
          Cursor& c = admin_->query(
              "SELECT COUNT(*) FROM information_schema.processlist WHERE id = ?", {id});
          c.next();
          const bool gone = c.get<std::int64_t>(0) == 0;
          admin_->reset_cursor();
          return gone;
        },
        "the preparing session has left the server");
  }

  std::string t_, prefix_;
};

TEST_P(TwoPhase, APreparedTransactionIsDurableInvisibleAndListedUntilCommitted) {
  auto c = connect();
  if (backend() == Backend::sqlite) {
    c->begin();
    EXPECT_THROW(c->prepare_transaction(xid("a")), ProgrammingError);
    EXPECT_TRUE(c->prepared_transactions("").empty());
    return;
  }
  c->begin_branch(xid("a"), TxMode::write);
  c->execute("INSERT INTO " + t_ + " (id) VALUES (?)", {1});
  c->prepare_transaction(xid("a"));
  EXPECT_FALSE(c->in_transaction());
  EXPECT_EQ(rows(*admin_), 0);  // not visible before phase two
  const auto listed = admin_->prepared_transactions(prefix_);
  EXPECT_EQ(listed, std::vector<std::string>{xid("a")});
  c->commit_prepared(xid("a"));  // on the connection that prepared it: works on both engines
  EXPECT_EQ(rows(*admin_), 1);
  EXPECT_TRUE(admin_->prepared_transactions(prefix_).empty());
  // Finishing it twice: it no longer exists.
  EXPECT_THROW(admin_->commit_prepared(xid("a")), NotFound);
}

TEST_P(TwoPhase, RollbackPreparedLeavesNothing) {
  if (backend() == Backend::sqlite) {
    EXPECT_FALSE(connect()->dialect().prepares());
    return;
  }
  auto c = connect();
  c->begin_branch(xid("r"), TxMode::write);
  c->execute("INSERT INTO " + t_ + " (id) VALUES (?)", {2});
  c->prepare_transaction(xid("r"));
  close_preparing(c);  // the branch stays, for any connection to finish
  EXPECT_EQ(admin_->prepared_transactions(prefix_).size(), 1u);
  admin_->rollback_prepared(xid("r"));
  EXPECT_EQ(rows(*admin_), 0);
  EXPECT_THROW(admin_->rollback_prepared(xid("nope")), NotFound);
}

// PostgreSQL answers PREPARE TRANSACTION in a failed transaction with the tag ROLLBACK and no
// error: that must not pass for a yes. MariaDB rolls back only the failed statement.
TEST_P(TwoPhase, APrepareAfterAFailedStatementIsNotAYesOnPostgres) {
  if (backend() == Backend::sqlite) {
    EXPECT_THROW(connect()->commit_prepared(xid("x")), ProgrammingError);
    return;
  }
  auto c = connect();
  c->begin_branch(xid("f"), TxMode::write);
  c->execute("INSERT INTO " + t_ + " (id) VALUES (?)", {3});
  EXPECT_THROW(c->execute("INSERT INTO " + t_ + " (id) VALUES (?)", {3}), UniqueViolation);
  if (backend() == Backend::postgresql) {
    EXPECT_THROW(c->prepare_transaction(xid("f")), OperationalError);
    EXPECT_TRUE(admin_->prepared_transactions(prefix_).empty());
    EXPECT_EQ(rows(*admin_), 0);
  } else {
    c->prepare_transaction(xid("f"));
    c->commit_prepared(xid("f"));
    EXPECT_EQ(rows(*admin_), 1);  // the first INSERT, kept
  }
}

// MariaDB refuses XA COMMIT from another connection while the preparing one is open
// (XAER_NOTA); once it is closed, any connection may finish the branch.
TEST_P(TwoPhase, AnotherConnectionFinishesABranchOnceThePreparingOneIsGone) {
  if (backend() == Backend::sqlite) {
    EXPECT_FALSE(connect()->dialect().branch_declared_at_begin());
    return;
  }
  auto owner = connect();
  owner->begin_branch(xid("o"), TxMode::write);
  owner->execute("INSERT INTO " + t_ + " (id) VALUES (?)", {4});
  owner->prepare_transaction(xid("o"));
  if (backend() == Backend::mariadb) {
    EXPECT_THROW(admin_->commit_prepared(xid("o")), NotFound);
  }
  close_preparing(owner);
  admin_->commit_prepared(xid("o"));
  EXPECT_EQ(rows(*admin_), 1);
}

TEST_P(TwoPhase, ABranchIdIsShortAndPlain) {
  auto c = connect();
  EXPECT_THROW(c->begin_branch(std::string(65, 'x'), TxMode::write), ProgrammingError);
  EXPECT_THROW(c->begin_branch("it's", TxMode::write), ProgrammingError);
  EXPECT_FALSE(c->in_transaction());
  c->begin_branch(std::string(64, 'x'), TxMode::write);  // the longest allowed
  c->rollback();
  EXPECT_FALSE(c->in_transaction());
}

INSTANTIATE_TEST_SUITE_P(Engines, TwoPhase, ::testing::ValuesIn(engine_cases()), engine_case_name);

}  // namespace
}  // namespace manydb::testing
