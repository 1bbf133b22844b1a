// synchronous=group: SQLite commits synced after the write lock is given back, one fsync of the
// WAL shared by the commits that finished while the previous one ran.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <latch>
#include <string>
#include <system_error>
#include <thread>

#include "engines/sqlite/wal_sync.hpp"
#include "manydb/manydb.hpp"
#include "wait_until.hpp"

namespace manydb {
namespace {

using engines::sqlite::WalSync;
using testing::wait_until;

// The first commit's sync started before the other two committed, so it cannot cover them;
// the next sync, led by one of them, covers both.
TEST(SqliteWalSync, CommitsThatFinishWhileTheDiskSyncsShareTheNextSync) {
  std::latch first_sync_may_end(1);
  std::atomic<int> calls = 0;
  WalSync sync("test-wal", [&] {
    if (calls++ == 0) first_sync_may_end.wait();
    return 0;
  });
  std::thread first([&] { sync.wait_durable(); });
  wait_until([&] { return calls.load() > 0; }, "the first sync never started");
  std::thread second([&] { sync.wait_durable(); });
  std::thread third([&] { sync.wait_durable(); });
  wait_until([&] { return sync.commits() == 3; }, "the other commits never came to wait");
  EXPECT_EQ(calls.load(), 1);  // the two wait for the running sync instead of starting theirs
  first_sync_may_end.count_down();
  first.join();
  second.join();
  third.join();
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(sync.syncs(), 2u);
  EXPECT_EQ(sync.commits(), 3u);
  sync.wait_durable();  // alone: a sync of its own
  EXPECT_EQ(calls.load(), 3);
}

// After a failed fsync the written pages may be gone from the page cache, so a later fsync
// that succeeds proves nothing: every later commit fails too, without syncing again.
TEST(SqliteWalSync, AFailedSyncFailsItsCommitAndEveryLaterOne) {
  int calls = 0;
  WalSync sync("test-wal", [&] {
    ++calls;
    return calls == 1 ? 0 : EIO;
  });
  sync.wait_durable();
  try {
    sync.wait_durable();
    FAIL() << "a failed sync must fail the commit";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code().value(), EIO);
    EXPECT_NE(std::string(e.what()).find("test-wal"), std::string::npos) << e.what();
  }
  EXPECT_THROW(sync.wait_durable(), std::system_error);
  EXPECT_EQ(calls, 2);
}

class SqliteGroupCommit : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("manydb-group-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    dir_ = std::filesystem::canonical(dir_);  // SQLite names the file by its real path
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string url(const std::string& file, const std::string& params) const {
    return "sqlite:///" + (dir_ / file).string() + params;
  }
  std::int64_t count(Connection& c) {
    auto& rows = c.query("SELECT count(*) FROM t");
    rows.next();
    return rows.get_int64(0);
  }
  std::filesystem::path dir_;
};

// Each way a write can end waits for a sync once, after its commit; reads and rolled-back
// transactions wait for none. With RETURNING the write commits at the cursor's end, and the
// sync comes then.
TEST_F(SqliteGroupCommit, EveryCommitThatWroteWaitsForOneSync) {
  auto c = connect(Url::parse(url("g.db", "?synchronous=group")));
  auto sync = WalSync::for_file((dir_ / "g.db").string());
  {
    auto& rows = c->query("PRAGMA synchronous");
    ASSERT_TRUE(rows.next());
    EXPECT_EQ(rows.get_int64(0), 1);  // NORMAL: SQLite does not sync inside the commit
  }
  const auto before = sync->commits();
  const auto syncs_before = sync->syncs();
  c->execute_script("CREATE TABLE t (x INTEGER)");
  EXPECT_EQ(sync->commits(), before + 1);
  c->query("INSERT INTO t (x) VALUES (1)");
  EXPECT_EQ(sync->commits(), before + 2);

  c->begin();
  c->query("INSERT INTO t (x) VALUES (2)");
  c->query("INSERT INTO t (x) VALUES (3)");
  EXPECT_EQ(sync->commits(), before + 2);
  c->commit();
  EXPECT_EQ(sync->commits(), before + 3);

  auto& returned = c->query("INSERT INTO t (x) VALUES (4) RETURNING x");
  ASSERT_TRUE(returned.next());
  EXPECT_EQ(sync->commits(), before + 3);
  EXPECT_FALSE(returned.next());
  EXPECT_EQ(sync->commits(), before + 4);

  c->begin();
  c->query("INSERT INTO t (x) VALUES (5)");
  c->rollback();
  c->begin(TxMode::read);
  EXPECT_EQ(count(*c), 4);
  c->commit();
  EXPECT_EQ(count(*c), 4);
  EXPECT_EQ(sync->commits(), before + 4);
  EXPECT_EQ(sync->syncs(), syncs_before + 4);  // alone, each commit leads its own sync

  auto other = connect(Url::parse(url("g.db", "")));  // a plain connection sees every commit
  EXPECT_EQ(count(*other), 4);
}

// Writers on many threads: every commit is kept and each waited for a sync.
TEST_F(SqliteGroupCommit, ConcurrentWritersAllCommit) {
  Engine db("default", Url::parse(url("many.db", "?synchronous=group")), PoolOptions{.size = 4});
  db.execute("CREATE TABLE t (x INTEGER)");
  auto sync = WalSync::for_file((dir_ / "many.db").string());
  const auto before = sync->commits();
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&db, w] {
      for (int i = 0; i < 25; ++i) {
        auto lease = db.connect();
        lease.begin();
        lease.query("INSERT INTO t (x) VALUES (?)", {Value(w * 100 + i)});
        lease->commit();
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(sync->commits(), before + 100);
  const auto result = db.execute("SELECT count(DISTINCT x) FROM t");
  ASSERT_EQ(result.rows.size(), 1u);
  EXPECT_EQ(result.rows[0][0].as_int64(), 100);
}

TEST_F(SqliteGroupCommit, NeedsAWalFileOpenedForWriting) {
  EXPECT_THROW(connect(Url::parse("sqlite:///:memory:?synchronous=group")), ConfigError);
  EXPECT_THROW(connect(Url::parse(url("d.db", "?synchronous=group&journal_mode=delete"))),
               ConfigError);
  try {
    connect(Url::parse(url("d.db", "?synchronous=group&journal_mode=truncate")));
    FAIL() << "synchronous=group without WAL must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("synchronous=group"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace manydb
