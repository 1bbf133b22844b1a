// The library's metrics on every engine: statements by kind, errors by type, transactions by
// outcome and the pool's counts move as the work that they count is done, and the rendered
// exposition names the bind and engine but never the URL's password.
#include <string>

#include "engine_fixture.hpp"

namespace manydb::testing {
namespace {

class Metrics : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    DatabaseConfig config;
    config.set_default(GetParam().url);
    config.recovery_interval = std::chrono::milliseconds(0);
    db_.emplace(config);
    const auto& d = admin_->dialect();
    t_ = d.quote_identifier(table("metrics"));
  }
  void TearDown() override {
    db_.reset();
    EngineTest::TearDown();
  }
  BindSnapshot snapshot() const { return db_->metrics().binds.at(0); }
  static std::uint64_t count(const BindSnapshot& s, StatementKind kind) {
    return s.statements[static_cast<std::size_t>(kind)].count();
  }
  static std::uint64_t errors(const BindSnapshot& s, ErrorKind kind) {
    return s.errors[static_cast<std::size_t>(kind)];
  }
  void insert(Lease& lease, std::int64_t n) {
    lease.execute("INSERT INTO " + t_ + " (n) VALUES (?)", {n});
  }

  std::optional<Database> db_;
  std::string t_;
};

TEST_P(Metrics, CountsStatementsErrorsAndTransactionsAsTheyHappen) {
  Engine& engine = db_->engine();
  const BindSnapshot before = snapshot();
  EXPECT_EQ(before.bind, "default");
  EXPECT_EQ(before.engine, engine.dialect().name());
  EXPECT_EQ(before.sqlite.has_value(), backend() == Backend::sqlite);
  {
    Lease lease = engine.connect();
    const auto& d = engine.dialect();
    lease.execute("CREATE TABLE " + t_ + " (n " + d.type_name(ValueType::int64) + " PRIMARY KEY)");
    {
      Transaction tx(lease);
      insert(lease, 1);
      insert(lease, 2);
      tx.commit();
    }
    {
      Transaction tx(lease);
      insert(lease, 3);
    }  // rolled back
    EXPECT_THROW(insert(lease, 1), UniqueViolation);
    Cursor& rows = lease.query("SELECT n FROM " + t_);
    while (rows.next()) {
    }
    EXPECT_EQ(snapshot().pool.in_use, 1u);
    Cursor& one = lease.query("SELECT n FROM " + t_ + " ORDER BY n");
    ASSERT_TRUE(one.next());  // one of the two rows read, then the lease goes back
  }
  const BindSnapshot after = snapshot();
  EXPECT_EQ(after.rows_returned - before.rows_returned, 3u);
  EXPECT_EQ(count(after, StatementKind::ddl) - count(before, StatementKind::ddl), 1u);
  EXPECT_EQ(count(after, StatementKind::write) - count(before, StatementKind::write), 4u);
  EXPECT_EQ(count(after, StatementKind::read) - count(before, StatementKind::read), 2u);
  EXPECT_EQ(errors(after, ErrorKind::unique) - errors(before, ErrorKind::unique), 1u);
  EXPECT_EQ(after.transactions_committed - before.transactions_committed, 1u);
  EXPECT_EQ(after.transactions_rolled_back - before.transactions_rolled_back, 1u);
  EXPECT_EQ(engine.statements(),
            count(after, StatementKind::ddl) + count(after, StatementKind::write) +
                count(after, StatementKind::read) + count(after, StatementKind::transaction));
  const auto& writes = after.statements[static_cast<std::size_t>(StatementKind::write)];
  EXPECT_GT(writes.sum, 0.0);
  EXPECT_GE(after.pool.opened, 1u);
  EXPECT_EQ(after.pool.in_use, 0u);
  EXPECT_EQ(after.pool.idle, 1u);
  EXPECT_GT(after.pool.acquired, before.pool.acquired);
}

TEST_P(Metrics, AWaitForAConnectionIsCountedAndTimed) {
  DatabaseConfig config;
  PoolSettings one;
  one.size = 1;
  one.max_overflow = 0;
  one.acquire_timeout = std::chrono::milliseconds(50);
  config.set_default(GetParam().url, one);
  config.recovery_interval = std::chrono::milliseconds(0);
  Database db(config);
  Lease held = db.engine().connect();
  EXPECT_THROW(db.engine().connect(), PoolTimeout);
  const PoolSnapshot pool = db.metrics().binds.at(0).pool;
  EXPECT_EQ(pool.waits, 1u);
  EXPECT_EQ(pool.timeouts, 1u);
  EXPECT_EQ(pool.wait_seconds.count(), 1u);
  EXPECT_GE(pool.wait_seconds.sum, 0.04);
}

TEST_P(Metrics, TheExpositionNamesNoUrlNorPassword) {
  db_->engine().execute("SELECT 1");
  const std::string text = render_prometheus(db_->metrics());
  EXPECT_NE(text.find("bind=\"default\""), std::string::npos);
  const Url u = url();
  if (!u.password.empty()) {
    EXPECT_EQ(text.find(u.password), std::string::npos);
  }
  EXPECT_EQ(text.find(u.redacted()), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Engines, Metrics, ::testing::ValuesIn(engine_cases()), engine_case_name);

}  // namespace
}  // namespace manydb::testing
