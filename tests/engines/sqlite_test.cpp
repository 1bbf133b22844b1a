// What only SQLite has: files, journal modes, lock waits, in-memory databases.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engines/sqlite/write_gate.hpp"
#include "manydb/manydb.hpp"

namespace manydb {
namespace {

class SqliteFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("manydb-sqlite-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string url(const std::string& file, const std::string& params = "") const {
    return "sqlite:///" + (dir_ / file).string() + params;
  }
  std::string pragma(Connection& c, const std::string& name) {
    auto& rows = c.query("PRAGMA " + name);
    rows.next();
    return rows.get_value(0).to_display();
  }
  std::filesystem::path dir_;
};

TEST_F(SqliteFile, MissingParentFolderIsCreated) {
  auto c = connect(Url::parse(url("nested/deeper/app.db")));
  c->execute_script("CREATE TABLE t (x INTEGER)");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "nested/deeper/app.db"));
}

TEST_F(SqliteFile, RelativePathIsRelativeToTheWorkingDirectory) {
  std::filesystem::create_directories(dir_);
  const auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  {
    auto c = connect(Url::parse("sqlite:///rel/here.db"));
    c->execute_script("CREATE TABLE t (x INTEGER)");
  }
  std::filesystem::current_path(old);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "rel/here.db"));
}

TEST_F(SqliteFile, DefaultsAreWalBusyTimeoutAndForeignKeys) {
  auto c = connect(Url::parse(url("d.db")));
  EXPECT_EQ(pragma(*c, "journal_mode"), "wal");
  EXPECT_EQ(pragma(*c, "foreign_keys"), "1");
  auto o =
      connect(Url::parse(url("o.db", "?journal_mode=delete&busy_timeout=50&foreign_keys=off")));
  EXPECT_EQ(pragma(*o, "journal_mode"), "delete");
  EXPECT_EQ(pragma(*o, "foreign_keys"), "0");
  EXPECT_THROW(connect(Url::parse(url("x.db", "?journal_mode=fast"))), ConfigError);
}

// BEGIN IMMEDIATE takes the write lock at begin: a second writer waits busy_timeout there and
// fails with Timeout, instead of deadlocking later on a read-to-write upgrade.
// Switching a new file to WAL takes a lock SQLite's busy handler does not wait for: the
// connections that open a new file at the same moment (a pool, another process, recovery)
// must still all come up, in WAL.
TEST_F(SqliteFile, ConnectionsOpeningANewFileAtOnceAllComeUpInWal) {
  constexpr int kRounds = 20;
  constexpr int kThreads = 6;
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex failure_mutex;
  for (int round = 0; round < kRounds; ++round) {
    const auto text = url("race-" + std::to_string(round) + ".db");
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        try {
          auto c = connect(Url::parse(text));
          if (pragma(*c, "journal_mode") != "wal") throw std::runtime_error("not in WAL");
        } catch (const std::exception& e) {
          std::lock_guard lock(failure_mutex);
          if (failures++ == 0) first_failure = e.what();
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  EXPECT_EQ(failures.load(), 0) << first_failure;
}

TEST_F(SqliteFile, WriteTransactionsTakeTheLockAtBegin) {
  auto first = connect(Url::parse(url("lock.db", "?busy_timeout=20")));
  auto second = connect(Url::parse(url("lock.db", "?busy_timeout=20")));
  first->execute_script("CREATE TABLE t (x INTEGER)");
  first->begin();
  EXPECT_THROW(second->begin(), Timeout);
  EXPECT_FALSE(second->in_transaction());
  second->begin(TxMode::read);  // readers are not blocked under WAL
  auto& rows = second->query("SELECT count(*) FROM t");
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get_int64(0), 0);
  second->rollback();
  first->commit();
  EXPECT_NO_THROW(second->begin());
  second->rollback();
  auto deferred = connect(Url::parse(url("lock.db", "?begin=deferred&busy_timeout=20")));
  first->begin();
  EXPECT_NO_THROW(deferred->begin());  // deferred takes no lock until it writes
  deferred->rollback();
  first->rollback();
}

// A lock held outside this process's write gate (another process: here a raw handle) is
// waited for in manydb's busy handler, which tries again every millisecond or sooner: a write
// gives up with Timeout once busy_timeout has passed, not before, and goes on once it is free.
TEST_F(SqliteFile, AWriterWaitsBusyTimeoutForALockHeldOutsideThisProcesssGate) {
  auto ours = connect(Url::parse(url("outside.db", "?busy_timeout=60")));
  ours->execute_script("CREATE TABLE t (x INTEGER)");
  sqlite3* outside = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "outside.db").string().c_str(), &outside), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(outside, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto began = std::chrono::steady_clock::now();
  EXPECT_THROW(ours->execute("INSERT INTO t (x) VALUES (1)"), Timeout);
  EXPECT_GE(std::chrono::steady_clock::now() - began, std::chrono::milliseconds(60));
  // Released while a write waits for it: the write goes on.
  std::thread release([&] { sqlite3_exec(outside, "COMMIT", nullptr, nullptr, nullptr); });
  auto patient = connect(Url::parse(url("outside.db")));
  EXPECT_NO_THROW(patient->execute("INSERT INTO t (x) VALUES (2)"));
  release.join();
  sqlite3_close(outside);
  EXPECT_EQ(pragma(*patient, "busy_timeout"), "0");  // SQLite's own sleeping handler is off
}

TEST(SqliteMemory, PoolHoldsOneConnectionSoTheDatabaseIsShared) {
  Engine engine("mem", Url::parse("sqlite:///:memory:"), PoolOptions{.size = 8, .max_overflow = 4});
  EXPECT_EQ(engine.pool().options().size, 1u);
  EXPECT_EQ(engine.pool().options().max_overflow, 0u);
  engine.execute("CREATE TABLE t (x INTEGER)");
  engine.execute("INSERT INTO t (x) VALUES (?)", {41});
  EXPECT_EQ(engine.execute("SELECT x + 1 FROM t").rows.at(0).at(0).as_int64(), 42);
}

// Writers of one process go through the in-process write gate: eight threads committing at
// once all get through, with no write lost and none refused. (That the gate serves them in
// arrival order without SQLite's sleeps shows in the load benchmark's p99, not here: a test
// cannot tell a queue from a lucky retry without timing it.)
TEST_F(SqliteFile, WritersOfOneProcessQueueForTheFile) {
  const auto gated = url("gate.db", "?busy_timeout=2000");
  connect(Url::parse(gated))->execute_script("CREATE TABLE t (x INTEGER)");
  constexpr int kThreads = 8, kTransactions = 50;
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < kThreads; ++w) {
    writers.emplace_back([&, w] {
      auto c = connect(Url::parse(gated));
      for (int i = 0; i < kTransactions; ++i) {
        try {
          c->begin();
          c->query("INSERT INTO t (x) VALUES (?)", {w * 1000 + i});
          c->commit();
        } catch (const Error&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto check = connect(Url::parse(gated));
  auto& rows = check->query("SELECT count(*), count(DISTINCT x) FROM t");
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get_int64(0), kThreads * kTransactions);
  EXPECT_EQ(rows.get_int64(1), kThreads * kTransactions);
}

// A transaction that ends without commit() or rollback() (COMMIT in raw SQL) gives the gate
// back, so the next writer does not wait out busy_timeout.
TEST_F(SqliteFile, RawCommitReleasesTheWriteGate) {
  auto first = connect(Url::parse(url("raw.db", "?busy_timeout=20")));
  auto second = connect(Url::parse(url("raw.db", "?busy_timeout=20")));
  first->execute_script("CREATE TABLE t (x INTEGER)");
  first->begin();
  first->query("INSERT INTO t (x) VALUES (1)");
  first->query("COMMIT");
  EXPECT_FALSE(first->in_transaction());
  EXPECT_NO_THROW(second->begin());
  EXPECT_THROW(first->begin(), Timeout);  // and the gate is really held by `second` now
  second->rollback();
  EXPECT_NO_THROW(first->begin());
  first->rollback();
}

// Not a wait on time: each step waits for the gate's own queue to reach the state it needs.
// The deadline only turns a writer that never queues (the bug) into a failure, not a hang.
void wait_until_queued(engines::sqlite::WriteGate& gate, std::size_t writers) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (gate.waiting() < writers) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << "no writer queued at the gate";
    std::this_thread::yield();
  }
}

// A write outside a transaction is a transaction of its own: it waits at the gate behind a
// writer's transaction instead of in SQLite's busy handler, and with RETURNING it keeps the
// gate, as SQLite keeps its lock, until its rows have been read.
TEST_F(SqliteFile, AWriteOutsideATransactionQueuesAtTheWriteGate) {
  const auto file = url("auto.db", "?busy_timeout=5000");
  auto first = connect(Url::parse(file));
  auto second = connect(Url::parse(file));
  first->execute_script("CREATE TABLE t (x INTEGER)");
  auto gate = engines::sqlite::WriteGate::for_file((dir_ / "auto.db").string());
  first->begin();
  first->query("INSERT INTO t (x) VALUES (1)");
  std::exception_ptr failed;
  std::thread writer([&] {
    try {
      second->query("INSERT INTO t (x) VALUES (2)");
    } catch (...) {
      failed = std::current_exception();
    }
  });
  wait_until_queued(*gate, 1);
  first->commit();
  writer.join();
  EXPECT_FALSE(failed);

  auto& returned = first->query("INSERT INTO t (x) VALUES (3) RETURNING x");
  std::thread transaction([&] {
    try {
      second->begin();
      second->query("INSERT INTO t (x) VALUES (4)");
      second->commit();
    } catch (...) {
      failed = std::current_exception();
    }
  });
  wait_until_queued(*gate, 1);  // still held: the INSERT's rows are not read yet
  ASSERT_TRUE(returned.next());
  EXPECT_EQ(returned.get_int64(0), 3);
  EXPECT_FALSE(returned.next());  // its end commits it and hands the gate on
  transaction.join();
  EXPECT_FALSE(failed);
  auto& rows = first->query("SELECT count(*) FROM t");
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get_int64(0), 4);
}

// The gate passes from writer to writer in arrival order, and a release hands it to the next
// in line before that one even wakes: a newcomer cannot take it in between.
TEST(SqliteWriteGate, ServesWritersInArrivalOrderAndHandsTheGateOn) {
  engines::sqlite::WriteGate gate;
  ASSERT_TRUE(gate.acquire(std::chrono::milliseconds(0)));
  std::mutex order_mutex;
  std::string order;
  std::latch checked(1);  // the writers hold on to the gate until the newcomer has tried
  auto writer = [&](char name) {
    return std::thread([&, name] {
      ASSERT_TRUE(gate.acquire(std::chrono::seconds(10)));
      {
        std::lock_guard lock(order_mutex);
        order += name;
      }
      checked.wait();
      gate.release();
    });
  };
  std::thread first = writer('1');
  wait_until_queued(gate, 1);
  std::thread second = writer('2');
  wait_until_queued(gate, 2);
  gate.release();
  EXPECT_FALSE(gate.acquire(std::chrono::milliseconds(0)));  // already the first writer's
  checked.count_down();
  first.join();
  second.join();
  EXPECT_EQ(order, "12");
  EXPECT_EQ(gate.waiting(), 0u);
  EXPECT_TRUE(gate.acquire(std::chrono::milliseconds(0)));  // free again once both are done
  gate.release();
}

// A writer that gives up leaves the queue: the gate goes to the one behind it.
TEST(SqliteWriteGate, AWriterThatTimesOutLeavesTheQueue) {
  engines::sqlite::WriteGate gate;
  ASSERT_TRUE(gate.acquire(std::chrono::milliseconds(0)));
  EXPECT_FALSE(gate.acquire(std::chrono::milliseconds(1)));
  EXPECT_EQ(gate.waiting(), 0u);
  bool served = false;
  std::thread next([&] {
    served = gate.acquire(std::chrono::seconds(10));
    if (served) gate.release();
  });
  wait_until_queued(gate, 1);
  gate.release();
  next.join();
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace manydb
