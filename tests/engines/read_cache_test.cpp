// The read cache of reference rows (Database::cache_reads), on every engine: what it serves,
// that this process's writes drop rows at once by every write path, that a session never reads
// or caches its own uncommitted writes through it, and how stale another process's view is.
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

#include "engine_fixture.hpp"
#include "seed_models.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

using namespace std::chrono_literals;
using seed::Order;
using seed::OrderItem;
using seed::Product;
using seed::User;

class ReadCacheTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    config_.set_default(scratch_database("c_products"));
    for (const char* bind : {"users", "orders"})
      config_.add_bind(bind, scratch_database(std::string("c_") + bind));
    config_.recovery_interval = 0ms;
    db_.emplace(config_);
    db_->register_models<Product, User, Order, OrderItem>();
    db_->create_all();
    auto s = db_->session();
    for (const char* name : {"ada", "grace", "alan", "edsger", "barbara"})
      s.add(User{.username = name, .email = std::string(name) + "@example.com"});
    s.commit();
    auto o = db_->session();
    for (std::int64_t user = 1; user <= 5; ++user) o.add(Order{.user_id = user});
    o.commit();
  }
  void TearDown() override {
    db_.reset();
    EngineTest::TearDown();
  }
  std::uint64_t statements(const char* bind) { return db_->engine(bind).statements(); }
  std::vector<Order> orders() { return db_->session().query<Order>().all(); }
  // The username of user 1 as a cached read in a new session sees it.
  std::string cached_name(Database& db) {
    auto s = db.session();
    auto user = s.get_cached<User>(1);
    return user ? user->username : "(none)";
  }
  ReadCacheStats stats() {
    for (const auto& s : db_->read_cache_stats())
      if (s.table == "user") return s;
    ADD_FAILURE() << "no cache for user";
    return {};
  }
  // Fills the cache with user 1, runs `write` (which renames it to `name`), and expects the
  // next cached read in another session to read the new name, not the cached one.
  void expect_write_drops_the_row(const std::string& path, const std::function<void()>& write,
                                  const std::string& name) {
    SCOPED_TRACE(path);
    const std::string before = cached_name(*db_);
    ASSERT_NE(before, name);
    ASSERT_EQ(cached_name(*db_), before);  // served from the cache now
    write();
    EXPECT_EQ(cached_name(*db_), name);
  }

  DatabaseConfig config_;
  std::optional<Database> db_;
};

TEST_P(ReadCacheTest, CachedRowsAreServedWithoutAStatement) {
  db_->cache_reads<User>({.max_entries = 100, .ttl = 1h});
  const auto all = orders();
  auto first = db_->session();
  const auto before = statements("users");
  const auto users = first.load_related<&Order::user_id>(all, cached);
  ASSERT_EQ(users.size(), 5u);
  EXPECT_EQ(users.at(2).username, "grace");
  EXPECT_EQ(statements("users"), before + 1) << "one IN query for the five";

  auto second = db_->session();
  const auto again = second.load_related<&Order::user_id>(all, cached);
  EXPECT_EQ(statements("users"), before + 1) << "every user came from the cache";
  ASSERT_EQ(again.size(), 5u);
  EXPECT_EQ(again.at(2).username, "grace");
  EXPECT_EQ(second.get_cached<User>(4)->username, "edsger");
  EXPECT_FALSE(second.get_cached<User>(99).has_value());  // absent rows are not cached
  EXPECT_EQ(statements("users"), before + 2);
  EXPECT_EQ(stats().hits, 6u);
  EXPECT_EQ(stats().entries, 5u);

  // A session for another bind is refused the row, cached or not.
  auto orders_only = db_->session_for("orders");
  EXPECT_THROW(orders_only.get_cached<User>(2), ConfigError);
  EXPECT_THROW(orders_only.load_related<&Order::user_id>(all, cached), ConfigError);

  // Without `cached`, or for a model with no cache, reads go to the database as before.
  second.load_related<&Order::user_id>(all);
  EXPECT_EQ(statements("users"), before + 3);
}

TEST_P(ReadCacheTest, RowsNotUsedLatelyMakeRoom) {
  db_->cache_reads<User>({.max_entries = 3, .ttl = 1h});
  auto s = db_->session();
  for (std::int64_t id = 1; id <= 5; ++id) ASSERT_TRUE(s.get_cached<User>(id).has_value());
  EXPECT_EQ(stats().entries, 3u);
  EXPECT_EQ(stats().evictions, 2u);
  const auto before = statements("users");
  s.get_cached<User>(5);
  s.get_cached<User>(3);
  EXPECT_EQ(statements("users"), before);
  s.get_cached<User>(1);
  EXPECT_EQ(statements("users"), before + 1);
  s.get_cached<User>(5);  // the two just used were spared: 4 made room for 1
  s.get_cached<User>(3);
  EXPECT_EQ(statements("users"), before + 1);
  s.get_cached<User>(4);
  EXPECT_EQ(statements("users"), before + 2);
}

TEST_P(ReadCacheTest, EveryWritePathOfThisProcessDropsTheRowAtOnce) {
  db_->cache_reads<User>({.max_entries = 100, .ttl = 1h});
  expect_write_drops_the_row(
      "a tracked object's update",
      [&] {
        auto s = db_->session();
        s.get_or_throw<User>(1).username = "tracked";
        s.commit();
      },
      "tracked");
  expect_write_drops_the_row(
      "a bulk update",
      [&] {
        auto s = db_->session();
        s.query<User>().filter_by(&User::id, 1).update(set(&User::username, "bulk"));
        s.commit();
      },
      "bulk");
  expect_write_drops_the_row(
      "update_returning",
      [&] {
        auto s = db_->session();
        s.query<User>().filter_by(&User::id, 1).update_returning(set(&User::username, "ret"));
        s.commit();
      },
      "ret");
  expect_write_drops_the_row(
      "an autocommitted session's update",
      [&] {
        auto s = db_->session({.begin = Begin::never});
        s.get_or_throw<User>(1).username = "autocommit";
        s.commit();
      },
      "autocommit");
  const std::string user = db_->engine("users").dialect().quote_identifier("user");
  expect_write_drops_the_row(
      "the session's raw SQL",
      [&] {
        auto s = db_->session();
        s.execute("users", "UPDATE " + user + " SET username = ? WHERE id = 1", {"raw"});
        s.commit();
      },
      "raw");
  expect_write_drops_the_row(
      "the session's connection",
      [&] {
        auto s = db_->session();
        s.connection("users").execute("UPDATE " + user + " SET username = ? WHERE id = 1",
                                      {"conn"});
        s.commit();
      },
      "conn");
  expect_write_drops_the_row(
      "Database::execute",
      [&] { db_->execute("users", "UPDATE " + user + " SET username = ? WHERE id = 1", {"db"}); },
      "db");
  expect_write_drops_the_row(
      "an atomic commit across two binds",
      [&] {
        auto s = db_->session();
        s.get_or_throw<User>(1).username = "atomic";
        s.add(Order{.user_id = 1});
        s.commit();
      },
      "atomic");
  expect_write_drops_the_row(
      "a delete",
      [&] {
        auto s = db_->session();
        s.remove(s.get_or_throw<User>(1));
        s.commit();
      },
      "(none)");
}

TEST_P(ReadCacheTest, ASessionNeverReadsNorCachesItsOwnUncommittedWrites) {
  db_->cache_reads<User>({.max_entries = 100, .ttl = 1h});
  ASSERT_EQ(cached_name(*db_), "ada");
  {
    auto writer = db_->session();
    writer.get_or_throw<User>(1).username = "uncommitted";
    writer.flush();
    EXPECT_EQ(writer.get_cached<User>(1)->username, "uncommitted") << "its own write";
    EXPECT_EQ(cached_name(*db_), "ada");
    writer.rollback();
  }
  EXPECT_EQ(cached_name(*db_), "ada");
  auto reader = db_->session();
  const auto before = statements("users");
  EXPECT_EQ(reader.get_cached<User>(1)->username, "ada");
  EXPECT_EQ(statements("users"), before) << "cached again after the rollback";
}

// A reader whose transaction began before a write committed may read the old row (MariaDB's
// snapshot): it must not put it back after the writer dropped it.
TEST_P(ReadCacheTest, AReadThatRacedAWriteDoesNotPutTheOldRowBack) {
  db_->cache_reads<User>({.max_entries = 100, .ttl = 1h});
  auto reader = db_->session();
  reader.query<User>().filter_by(&User::id, 2).all();  // its transaction begins (on a server)
  const bool in_transaction = reader.in_transaction("users");
  {
    auto writer = db_->session();
    writer.get_or_throw<User>(1).username = "renamed";
    writer.commit();
  }
  reader.get_cached<User>(1);  // the old row or the new one, depending on the isolation
  EXPECT_EQ(stats().refused_puts, in_transaction ? 1u : 0u);
  reader.rollback();
  EXPECT_EQ(cached_name(*db_), "renamed");
}

// Under concurrent readers and a writer, a cached read that begins after a commit returned
// never serves an older version of the row: whatever raced, no older row is put back.
TEST_P(ReadCacheTest, NoReadAfterACommitServesAnOlderRow) {
  db_->cache_reads<User>({.max_entries = 100, .ttl = 1h});
  constexpr int kVersions = 150;
  std::atomic<int> committed{0};
  std::atomic<bool> done{false};
  std::atomic<int> older{0}, reads{0};
  auto version_of = [](const std::string& name) { return std::stoi(name.substr(1)); };
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    // In a transaction (on a server: its snapshot begins with it) and in autocommit.
    const Begin begin = r == 0 ? Begin::at_first_use : Begin::at_first_write;
    readers.emplace_back([&, begin] {
      while (!done.load()) {
        const int before = committed.load();
        auto s = db_->session({.begin = begin});
        auto user = s.get_cached<User>(1);
        if (!user || user->username.front() != 'v') continue;  // "ada", before the first
        if (version_of(user->username) < before) ++older;
        ++reads;
      }
    });
  }
  for (int v = 1; v <= kVersions; ++v) {
    auto s = db_->session();
    s.get_or_throw<User>(1).username = "v" + std::to_string(v);
    s.commit();
    committed.store(v);
  }
  done.store(true);
  for (auto& t : readers) t.join();
  EXPECT_EQ(older.load(), 0) << "of " << reads.load() << " reads";
  EXPECT_EQ(cached_name(*db_), "v" + std::to_string(kVersions));
  const auto hits = stats().hits;
  EXPECT_EQ(cached_name(*db_), "v" + std::to_string(kVersions));
  EXPECT_EQ(stats().hits, hits + 1);
}

// Another process's writes are not seen while the row is cached, and are once it has expired:
// the staleness bound is the time to live. A second Database is such a process (caches are per
// Database).
TEST_P(ReadCacheTest, AnotherProcesssWriteIsSeenOnceTheRowExpires) {
  constexpr auto kTtl = 300ms;
  db_->cache_reads<User>({.max_entries = 100, .ttl = kTtl});
  Database other(config_);
  other.register_models<User>();
  const auto filled = std::chrono::steady_clock::now();
  ASSERT_EQ(cached_name(*db_), "ada");
  {
    auto s = other.session();
    s.get_or_throw<User>(1).username = "elsewhere";
    s.commit();
  }
  for (;;) {
    const auto asked = std::chrono::steady_clock::now();
    const std::string name = cached_name(*db_);
    if (name == "elsewhere") break;
    ASSERT_EQ(name, "ada");
    ASSERT_LT(asked, filled + kTtl + 1s) << "a row was served past its time to live";
    std::this_thread::yield();
  }
  EXPECT_GE(std::chrono::steady_clock::now(), filled + kTtl) << "seen before the row expired";
}

INSTANTIATE_TEST_SUITE_P(Engines, ReadCacheTest, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
