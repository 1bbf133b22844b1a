// The tx layer's guards on every engine: a Transaction rolls back unless committed, savepoints
// nest under names the transaction chooses, and a batch commits with its last statements.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine_fixture.hpp"
#include "manydb/tx/transaction.hpp"

namespace manydb::testing {
namespace {

class TxGuards : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped()) return;
    const auto& d = admin_->dialect();
    t_ = d.quote_identifier(table("guard"));
    admin_->execute_script("CREATE TABLE " + t_ + " (n " + d.type_name(ValueType::int64) +
                           " PRIMARY KEY)");
    engine_.emplace("guarded", url(), PoolOptions{.size = 1, .max_overflow = 0});
  }
  void TearDown() override {
    engine_.reset();
    EngineTest::TearDown();
  }

  std::vector<std::int64_t> rows() {
    std::vector<std::int64_t> out;
    auto& cursor = admin_->query("SELECT n FROM " + t_ + " ORDER BY n");
    while (cursor.next()) out.push_back(cursor.get_int64(0));
    return out;
  }
  void insert(Lease& lease, std::int64_t n) {
    lease.execute("INSERT INTO " + t_ + " (n) VALUES (?)", {n});
  }

  std::string t_;
  std::optional<Engine> engine_;
};

TEST_P(TxGuards, ATransactionLeftUncommittedIsRolledBack) {
  Lease lease = engine_->connect();
  {
    Transaction tx(lease);
    insert(lease, 1);
    EXPECT_TRUE(tx.open());
  }
  EXPECT_FALSE(lease.in_transaction());
  EXPECT_TRUE(rows().empty());
  {
    Transaction tx(lease);
    insert(lease, 2);
    tx.commit();
    EXPECT_FALSE(tx.open());
  }
  EXPECT_EQ(rows(), std::vector<std::int64_t>{2});
}

TEST_P(TxGuards, AnExceptionInsideATransactionLeavesNothing) {
  Lease lease = engine_->connect();
  auto body = [&] {
    Transaction tx(lease);
    insert(lease, 1);
    insert(lease, 1);  // UniqueViolation
    tx.commit();
  };
  EXPECT_THROW(body(), UniqueViolation);
  EXPECT_FALSE(lease.in_transaction());
  EXPECT_TRUE(rows().empty());
  insert(lease, 3);  // and the connection goes on
  EXPECT_EQ(rows(), std::vector<std::int64_t>{3});
}

TEST_P(TxGuards, SavepointsNestAndRollBackOnlyTheirOwnWork) {
  Lease lease = engine_->connect();
  Transaction tx(lease);
  insert(lease, 1);
  {
    Savepoint outer = tx.savepoint();
    insert(lease, 2);
    {
      Savepoint inner = tx.savepoint();
      insert(lease, 3);
    }  // not released: 3 is undone, 2 stays
    Savepoint kept = tx.savepoint();
    insert(lease, 4);
    kept.release();
    outer.release();
  }
  {
    Savepoint failed = tx.savepoint();
    EXPECT_THROW(insert(lease, 1), UniqueViolation);
    failed.rollback();  // on PostgreSQL the transaction is usable again only after this
  }
  insert(lease, 5);
  tx.commit();
  EXPECT_EQ(rows(), (std::vector<std::int64_t>{1, 2, 4, 5}));
}

TEST_P(TxGuards, CommitWithSendsTheLastStatementsAndCommits) {
  Lease lease = engine_->connect();
  const std::string insert_returning = "INSERT INTO " + t_ + " (n) VALUES (?) RETURNING n";
  // More statements than PostgreSQL puts in one pipeline: several go out, COMMIT with the last.
  std::vector<std::vector<Value>> params;
  for (std::int64_t n = 1; n <= 11; ++n) params.push_back({Value(n)});
  std::vector<std::int64_t> returned;
  Transaction tx(lease);
  Batch batch;
  for (const auto& p : params) {
    batch.add(insert_returning, p, [&](Cursor& rows) {
      while (rows.next()) returned.push_back(rows.get_int64(0));
    });
  }
  tx.commit_with(batch);
  EXPECT_FALSE(lease.in_transaction());
  EXPECT_EQ(returned.size(), 11u);
  for (std::size_t i = 0; i < returned.size(); ++i) EXPECT_EQ(returned[i], std::int64_t(i + 1));
  EXPECT_EQ(rows().size(), 11u);
}

TEST_P(TxGuards, ABatchWhoseStatementFailsCommitsNothing) {
  Lease lease = engine_->connect();
  const std::string insert = "INSERT INTO " + t_ + " (n) VALUES (?)";
  const std::vector<Value> one{Value(std::int64_t{1})}, two{Value(std::int64_t{2})};
  {
    Transaction tx(lease);
    Batch batch;
    batch.add(insert, one).add(insert, two).add(insert, one);
    EXPECT_THROW(tx.commit_with(batch), UniqueViolation);
  }
  EXPECT_FALSE(lease.in_transaction());
  EXPECT_TRUE(rows().empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, TxGuards, ::testing::ValuesIn(engine_cases()), engine_case_name);

}  // namespace
}  // namespace manydb::testing
