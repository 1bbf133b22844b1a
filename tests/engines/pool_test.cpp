// Pools and engines, on every engine: distinct sessions, contention, timeouts, dead connections.
#include <latch>
#include <set>
#include <thread>

#include "engine_fixture.hpp"
#include "tcp_proxy.hpp"

namespace manydb::testing {
namespace {

class PoolTest : public EngineTest {
 protected:
  Engine make_engine(PoolOptions options) { return Engine("pooled", url(), options); }
  // One connection, never pinged: a connection that died while idle is handed out and found
  // dead only by its first statement.
  Engine make_never_pinging_engine() {
    return make_engine({.size = 1, .max_overflow = 0, .ping_after_idle = std::chrono::hours(1)});
  }
  // Opens the engine's connection, returns it to the pool and kills its server session;
  // returns the killed session's id.
  std::string kill_the_idle_connection(Engine& engine) {
    std::string id;
    {
      Lease lease = engine.connect();
      id = session_id(*lease);
    }
    kill_session(id);
    return id;
  }
  // A lease on the engine's one connection, its transaction begun, after that connection's
  // server session was killed while idle; `killed` gets the killed session's id.
  Lease begun_on_a_killed_connection(Engine& engine, std::string& killed) {
    killed = kill_the_idle_connection(engine);
    Lease lease = engine.connect();
    lease.begin();
    return lease;
  }
  // A table of one integer column `n`; returns its quoted name.
  std::string create_int_table(const std::string& name) {
    const auto t = admin_->dialect().quote_identifier(table(name));
    admin_->execute_script("CREATE TABLE " + t + " (n " +
                           admin_->dialect().type_name(ValueType::int64) + ")");
    return t;
  }
  std::int64_t count_rows(Connection& c, const std::string& t) {
    auto& rows = c.query("SELECT count(*) FROM " + t);
    return rows.next() ? rows.get_int64(0) : -1;
  }
};

TEST_P(PoolTest, LeasesHeldAtOnceAreDistinctServerSessions) {
  constexpr int kThreads = 4;
  auto engine = make_engine({.size = kThreads, .max_overflow = 0});
  std::latch all_holding(kThreads);
  std::mutex mutex;
  std::set<std::string> sessions;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      Lease lease = engine.connect();
      const auto id = session_id(*lease);
      {
        std::lock_guard lock(mutex);
        sessions.insert(id);
      }
      all_holding.arrive_and_wait();  // nobody returns a connection before all hold one
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sessions.size(), static_cast<std::size_t>(kThreads));
  const auto stats = engine.pool().stats();
  EXPECT_EQ(stats.connects, static_cast<std::uint64_t>(kThreads));
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_EQ(stats.idle, static_cast<std::size_t>(kThreads));
}

TEST_P(PoolTest, ManyThreadsOnASmallPool) {
  const std::string t = create_int_table("hammer");
  constexpr int kThreads = 8, kRounds = 50;
  auto engine = make_engine({.size = 2, .max_overflow = 1});
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int r = 0; r < kRounds; ++r) {
        Lease lease = engine.connect();
        lease->begin();
        lease->execute("INSERT INTO " + t + " (n) VALUES (?)", {i * 1000 + r});
        lease->commit();
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto result = engine.execute("SELECT count(*), count(DISTINCT n) FROM " + t);
  EXPECT_EQ(result.rows.at(0).at(0).as_int64(), kThreads * kRounds);
  EXPECT_EQ(result.rows.at(0).at(1).as_int64(), kThreads * kRounds);
  const auto stats = engine.pool().stats();
  EXPECT_EQ(stats.in_use, 0u);
  EXPECT_LE(stats.idle, 2u);
  // Overflow connections close when returned, so under contention more may open over time,
  // but never more than size + overflow at once.
  EXPECT_LE(stats.peak_open, 3u);
  EXPECT_GE(stats.connects, stats.peak_open);
  EXPECT_EQ(stats.timeouts, 0u);
  EXPECT_EQ(stats.errors, 0u);
  EXPECT_EQ(stats.acquired, static_cast<std::uint64_t>(kThreads * kRounds + 1));
}

TEST_P(PoolTest, ExhaustedPoolTimesOut) {
  auto engine =
      make_engine({.size = 1, .max_overflow = 0, .acquire_timeout = std::chrono::milliseconds(50)});
  Lease held = engine.connect();
  try {
    engine.connect();
    FAIL() << "acquired a second connection from a pool of one";
  } catch (const PoolTimeout& e) {
    EXPECT_EQ(e.bind(), "pooled");
    EXPECT_NE(std::string(e.what()).find("pool_size 1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(engine.pool().stats().timeouts, 1u);
  EXPECT_EQ(engine.pool().stats().waits, 1u);
  held = Lease();  // returned: the next acquire succeeds at once
  EXPECT_NO_THROW(engine.connect());
}

TEST_P(PoolTest, ReturnedConnectionsComeBackClean) {
  const std::string t = create_int_table("clean");
  auto engine = make_engine({.size = 1, .max_overflow = 0});
  {
    Lease lease = engine.connect();
    lease->begin();
    lease->execute("INSERT INTO " + t + " (n) VALUES (1)");
  }  // returned mid-transaction: rolled back, not committed
  Lease lease = engine.connect();
  EXPECT_FALSE(lease->in_transaction());
  EXPECT_EQ(engine.pool().stats().connects, 1u);
  EXPECT_EQ(count_rows(*lease, t), 0);
}

TEST_P(PoolTest, KilledIdleConnectionIsReplacedTransparently) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite runs in-process: no session to kill";
  auto engine = make_never_pinging_engine();
  const std::string before = kill_the_idle_connection(engine);
  Lease lease = engine.connect();
  // The first statement meets the dead connection; the lease reconnects and runs it again.
  EXPECT_NO_THROW(lease.query("SELECT 1"));
  EXPECT_NE(session_id(*lease), before);
  EXPECT_EQ(engine.pool().stats().errors, 1u);
}

// On PostgreSQL begin() sends nothing, so the dead connection shows only at the first statement
// of the transaction; with nothing of the transaction lost, that statement is retried too.
TEST_P(PoolTest, KilledIdleConnectionIsReplacedAtTheFirstStatementOfATransaction) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite runs in-process: no session to kill";
  const std::string t = create_int_table("retried");
  auto engine = make_never_pinging_engine();
  std::string before;
  Lease lease = begun_on_a_killed_connection(engine, before);
  EXPECT_NO_THROW(lease.execute("INSERT INTO " + t + " (n) VALUES (1)"));
  EXPECT_TRUE(lease->in_transaction());  // the new connection began the transaction as well
  EXPECT_NE(session_id(*lease), before);
  lease->rollback();
  EXPECT_EQ(count_rows(*lease, t), 0);
  EXPECT_EQ(engine.pool().stats().errors, 1u);
}

// With COMMIT in the same round trip the statement could not be run again on a new
// connection: the first statement of a lease's transaction goes alone, and is retried.
TEST_P(PoolTest, KilledIdleConnectionIsReplacedWhenTheFirstStatementAlsoCommits) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite runs in-process: no session to kill";
  const std::string t = create_int_table("retried");
  auto engine = make_never_pinging_engine();
  std::string before;
  Lease lease = begun_on_a_killed_connection(engine, before);
  EXPECT_NO_THROW(
      lease.run(Batch().add("INSERT INTO " + t + " (n) VALUES (1)", {}).commit_at_end()));
  EXPECT_FALSE(lease->in_transaction());
  EXPECT_NE(session_id(*lease), before);
  EXPECT_EQ(count_rows(*admin_, t), 1);  // committed, seen from another connection
  EXPECT_EQ(engine.pool().stats().errors, 1u);
}

// A write outside a transaction may have been committed by the server before its connection
// died, so it never runs a second time; a reused connection the server has closed is found
// before the statement instead (its socket reads end of file), and replaced.
TEST_P(PoolTest, AWriteOutsideATransactionMeetsNoConnectionTheServerClosed) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite runs in-process: no session to kill";
  const std::string t = create_int_table("once");
  auto engine = make_never_pinging_engine();
  const std::string before = kill_the_idle_connection(engine);
  Lease lease = engine.connect();
  EXPECT_NO_THROW(lease.query("INSERT INTO " + t + " (n) VALUES (1)", {}, false));
  EXPECT_NE(session_id(*lease), before);
  EXPECT_EQ(count_rows(*admin_, t), 1);
  EXPECT_EQ(engine.pool().stats().errors, 1u);
  EXPECT_FALSE(lease->closed_by_server());  // a live idle connection is not taken for closed
}

// An INSERT that the server committed but whose answer was lost (the connection cut after the
// server replied) is not run again on a new connection, even through the lease's plain
// query() on a reused connection, where a read would be: it fails with ConnectionError, and
// the row is there once.
TEST_P(PoolTest, AnInsertWhoseAnswerWasLostIsNeverAppliedTwice) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite runs in-process: no network to cut";
  const std::string t = create_int_table("lost");
  Url through_proxy = url();
  TcpProxy proxy(through_proxy.port_or_default());
  proxy.start();
  through_proxy.host = "127.0.0.1";
  through_proxy.port = static_cast<std::uint16_t>(proxy.port());
  Engine engine("pooled", through_proxy,
                {.size = 1, .max_overflow = 0, .ping_after_idle = std::chrono::hours(1)});
  const std::string insert = "INSERT INTO " + t + " (n) VALUES (1)";
  engine.connect().execute(insert);  // prepared on the one connection, which goes back idle
  Lease lease = engine.connect();    // reused: its first statement is one a read would retry
  proxy.cut_at_next_reply();
  EXPECT_THROW(lease.execute(insert), ConnectionError);
  EXPECT_EQ(count_rows(*admin_, t), 2);  // the first insert, and the lost one once
}

// Two statements with COMMIT as the first use of a reused connection cannot be run again; a
// connection the server closed while idle is replaced before them.
TEST_P(PoolTest, TwoStatementsAndCommitMeetNoConnectionTheServerClosed) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite runs in-process: no session to kill";
  const std::string t = create_int_table("two");
  auto engine = make_never_pinging_engine();
  std::string before;
  Lease lease = begun_on_a_killed_connection(engine, before);
  const std::string insert = "INSERT INTO " + t + " (n) VALUES (?)";
  const std::vector<Value> one{Value(std::int64_t{1})}, two{Value(std::int64_t{2})};
  EXPECT_NO_THROW(lease.run(Batch().add(insert, one).add(insert, two).commit_at_end()));
  EXPECT_FALSE(lease->in_transaction());
  EXPECT_NE(session_id(*lease), before);
  EXPECT_EQ(count_rows(*admin_, t), 2);
  EXPECT_EQ(engine.pool().stats().errors, 1u);
}

TEST_P(PoolTest, KillInsideATransactionCostsOneError) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite runs in-process: no session to kill";
  auto engine = make_engine({.size = 1, .max_overflow = 0});
  std::string before;
  {
    Lease lease = engine.connect();
    lease->begin();
    before = session_id(*lease);
    kill_session(before);
    EXPECT_THROW(lease.query("SELECT 1"), ConnectionError);  // the one error the caller sees
    EXPECT_TRUE(lease->broken());
  }  // a broken connection is discarded, not returned
  Lease lease = engine.connect();
  EXPECT_NE(session_id(*lease), before);
  EXPECT_EQ(engine.pool().stats().errors, 1u);
}

TEST_P(PoolTest, DeadIdleConnectionIsFoundByPing) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite runs in-process: no session to kill";
  auto engine =
      make_engine({.size = 1, .max_overflow = 0, .ping_after_idle = std::chrono::milliseconds(0)});
  const std::string before = kill_the_idle_connection(engine);
  Lease lease = engine.connect();  // pinged, found dead, replaced before it is handed out
  EXPECT_NE(session_id(*lease), before);
  EXPECT_EQ(engine.pool().stats().connects, 2u);
}

INSTANTIATE_TEST_SUITE_P(Engines, PoolTest, ::testing::ValuesIn(engine_cases()), engine_case_name);

}  // namespace
}  // namespace manydb::testing
