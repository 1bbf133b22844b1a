// The slow-statement log on every engine: a statement that takes the bind's slow_query_ms or
// longer is logged with the bind, its SQL text and its time, and never with the values bound
// to it; one under the threshold, or on a bind without one, is not.
#include <mutex>
#include <string>
#include <vector>

#include "engine_fixture.hpp"

namespace manydb::testing {
namespace {

struct Captured {
  std::string bind, message, sql, plain;
  std::chrono::nanoseconds elapsed{};
};

class SlowStatementLog : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    set_log_sink(
        [this](const LogRecord& r) {
          if (r.sql.empty()) return;  // only statements: a bind may say other things meanwhile
          std::lock_guard lock(mutex_);
          captured_.push_back({std::string(r.bind), std::string(r.message), std::string(r.sql),
                               format_plain(r), r.elapsed.value_or(std::chrono::nanoseconds(0))});
        },
        LogLevel::warn);
  }
  void TearDown() override {
    db_.reset();
    set_log_sink({}, LogLevel::warn);
    EngineTest::TearDown();
  }
  Engine& open(std::optional<std::chrono::milliseconds> threshold) {
    DatabaseConfig config;
    config.add_bind("slowlog", GetParam().url);
    config.binds.at("slowlog").slow_query = threshold;
    config.recovery_interval = std::chrono::milliseconds(0);
    db_.emplace(config);
    return db_->engine("slowlog");
  }
  // A threshold the slow statement surely passes: a server sleeps 300 ms; SQLite counts to a
  // million, which takes far longer than 1 ms on any machine.
  std::chrono::milliseconds slow_threshold() const {
    return std::chrono::milliseconds(backend() == Backend::sqlite ? 1 : 100);
  }
  std::string slow_sql() const {
    switch (backend()) {
      case Backend::postgresql:
        return "SELECT count(*) FROM (SELECT pg_sleep(0.3)) AS s WHERE ? <> ''";
      case Backend::mariadb: return "SELECT SLEEP(0.3) FROM DUAL WHERE ? <> ''";
      case Backend::sqlite: break;
    }
    return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000) "
           "SELECT count(*) FROM c WHERE ? <> ''";
  }
  std::vector<Captured> captured() {
    std::lock_guard lock(mutex_);
    return captured_;
  }

  std::optional<Database> db_;

 private:
  std::mutex mutex_;
  std::vector<Captured> captured_;
};

TEST_P(SlowStatementLog, ASlowStatementIsLoggedWithBindSqlAndTimeButNoValue) {
  Engine& engine = open(slow_threshold());
  const std::string secret = "secret-value-7f3a9c";
  engine.execute(slow_sql(), {Value(secret)});
  const auto got = captured();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].bind, "slowlog");
  EXPECT_EQ(got[0].message, "slow statement");
  EXPECT_EQ(got[0].sql, slow_sql());
  EXPECT_GE(got[0].elapsed, slow_threshold());
  for (const std::string& text : {got[0].message, got[0].sql, got[0].plain}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << text;
  }
}

TEST_P(SlowStatementLog, AStatementUnderTheThresholdIsNotLogged) {
  Engine& engine = open(std::chrono::milliseconds(60'000));
  engine.execute("SELECT ? AS n", {Value(std::int64_t{1})});
  engine.execute(slow_sql(), {Value(std::string("x"))});
  EXPECT_TRUE(captured().empty());
  // The same engine logs once its threshold is under what the statement takes.
  engine.metrics().log_statements_slower_than(slow_threshold());
  engine.execute(slow_sql(), {Value(std::string("x"))});
  EXPECT_EQ(captured().size(), 1u);
}

TEST_P(SlowStatementLog, ABindWithoutThresholdLogsNoStatement) {
  Engine& engine = open(std::nullopt);
  engine.execute(slow_sql(), {Value(std::string("x"))});
  EXPECT_TRUE(captured().empty());
}

// 0 logs every statement: a trace of the SQL a bind runs.
TEST_P(SlowStatementLog, ZeroLogsEveryStatement) {
  Engine& engine = open(std::chrono::milliseconds(0));
  engine.execute("SELECT ? AS n", {Value(std::int64_t{1})});
  engine.execute("SELECT ? AS m", {Value(std::int64_t{2})});
  const auto got = captured();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].sql, "SELECT ? AS n");
  EXPECT_EQ(got[1].sql, "SELECT ? AS m");
}

INSTANTIATE_TEST_SUITE_P(Engines, SlowStatementLog, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
