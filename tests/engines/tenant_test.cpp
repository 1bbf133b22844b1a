// Tenant binds on every engine: isolation, provisioning, routing errors, the open-tenant limit
// and the connection cap across tenants.
#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include "tenant_fixture.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

std::vector<std::string> item_names(Session& s) {
  std::vector<std::string> out;
  for (const auto& item : s.query<Item>().order_by(asc(&Item::name)).all())
    out.push_back(item.name);
  return out;
}

TEST_P(TenantTest, EachTenantReadsAndWritesOnlyItsOwnDatabase) {
  auto& db = open(config());
  const std::string a = id("a"), b = id("b");
  ASSERT_TRUE(db.tenants().create(a));
  ASSERT_TRUE(db.tenants().create(b));
  {
    auto s = db.session({.tenant = a});
    s.add(Item{.name = "apple"});
    s.commit();
  }
  {
    auto s = db.session({.tenant = b});
    s.add(Item{.name = "banana"});
    s.commit();
  }
  auto sa = db.session({.tenant = a});
  EXPECT_EQ(item_names(sa), std::vector<std::string>{"apple"});
  auto sb = db.session({.tenant = b});
  EXPECT_EQ(item_names(sb), std::vector<std::string>{"banana"});
  // In the databases themselves, not through the routing under test.
  auto in_a = connect_tenant(a), in_b = connect_tenant(b);
  EXPECT_EQ(names_in(*in_a, "item"), std::vector<std::string>{"apple"});
  EXPECT_EQ(names_in(*in_b, "item"), std::vector<std::string>{"banana"});
}

// The read cache keys a tenant bind's rows by tenant: item 1 of one tenant is not another's.
TEST_P(TenantTest, TheReadCacheKeepsEachTenantsRowsApart) {
  auto& db = open(config());
  db.cache_reads<Item>({.max_entries = 10, .ttl = std::chrono::hours(1)});
  const std::string a = id("a"), b = id("b");
  ASSERT_TRUE(db.tenants().create(a));
  ASSERT_TRUE(db.tenants().create(b));
  for (const auto& [tenant, name] : {std::pair{a, "apple"}, std::pair{b, "banana"}}) {
    auto s = db.session({.tenant = tenant});
    s.add(Item{.name = name});
    s.commit();
  }
  for (int pass = 0; pass < 2; ++pass) {  // read, then served from the cache
    SCOPED_TRACE(pass);
    EXPECT_EQ(db.session({.tenant = a}).get_cached<Item>(1)->name, "apple");
    EXPECT_EQ(db.session({.tenant = b}).get_cached<Item>(1)->name, "banana");
  }
  EXPECT_EQ(db.read_cache_stats().at(0).hits, 2u);
  EXPECT_EQ(db.read_cache_stats().at(0).entries, 2u);
}

TEST_P(TenantTest, TenantBindsInOneDatabaseCommitInOneTransaction) {
  auto& db = open(config());
  const std::string a = id("a");
  db.tenants().create(a);
  {
    auto s = db.session({.tenant = a});  // atomic: two engines would need a refused 2PC
    s.add(Item{.name = "pen"});
    s.add(Note{.text = "blue"});
    s.flush();
    EXPECT_TRUE(s.in_transaction("items"));
    EXPECT_TRUE(s.in_transaction("notes"));
    s.commit();
  }
  {
    auto s = db.session({.tenant = a});
    s.add(Item{.name = "ink"});
    s.add(Note{.text = "black"});
    s.flush();
    s.rollback();
  }
  auto s = db.session({.tenant = a});
  EXPECT_EQ(item_names(s), std::vector<std::string>{"pen"});
  EXPECT_EQ(s.query<Note>().count(), 1);
}

TEST_P(TenantTest, AnAtomicCommitOverATenantAndASharedBindIsRefusedWhole) {
  auto& db = open(config());
  const std::string a = id("a");
  db.tenants().create(a);
  {
    auto s = db.session({.tenant = a});
    s.add(Item{.name = "pen"});
    s.add(Account{.name = "ada"});
    EXPECT_THROW(s.commit(), ProgrammingError);
  }
  {
    auto s = db.session({.tenant = a});
    EXPECT_EQ(s.query<Item>().count(), 0);
    EXPECT_EQ(s.query<Account>().count(), 0);
  }
  {
    auto s = db.session({.commit = Commit::best_effort, .tenant = a});
    s.add(Item{.name = "pen"});
    s.add(Account{.name = "ada"});
    s.commit();
  }
  auto s = db.session({.tenant = a});
  EXPECT_EQ(item_names(s), std::vector<std::string>{"pen"});
  EXPECT_EQ(s.query<Account>().count(), 1);
}

TEST_P(TenantTest, HostileIdsAreRefusedBeforeAnyDatabaseIsTouched) {
  auto& db = open(config());
  const std::vector<std::string> hostile = {"../x",
                                            "a;drop table item",
                                            "A",
                                            "caf\xc3\xa9",
                                            std::string(200, 'a'),
                                            "",
                                            "acme\n",
                                            "-acme",
                                            "a b",
                                            "a/b",
                                            "a.b",
                                            "acme%00",
                                            std::string(64, 'a')};
  for (const auto& bad : hostile) {
    SCOPED_TRACE(bad);
    if (!bad.empty()) {  // "" is no tenant at all, below
      try {
        db.session({.tenant = bad});
        ADD_FAILURE() << "a session opened";
      } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("[a-z0-9][a-z0-9_-]{0,62}"), std::string::npos);
        EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
      }
    }
    EXPECT_THROW(db.tenants().create(bad), ConfigError);
    EXPECT_THROW(db.tenants().drop(bad), ConfigError);
  }
  EXPECT_THROW(db.session({.tenant = ""}).query<Item>().count(), ConfigError);
  EXPECT_EQ(tenant_databases(), 0u);
  EXPECT_TRUE(db.tenants().list().empty());
  // 63 characters is valid, so that one is only unknown.
  EXPECT_THROW(db.session({.tenant = std::string(63, 'a')}), UnknownTenant);
}

TEST_P(TenantTest, AnUnknownTenantIsAnErrorAndIsNeverCreated) {
  auto& db = open(config());
  const std::string ghost = id("ghost");
  try {
    db.session({.tenant = ghost});
    FAIL() << "a session for a tenant never created";
  } catch (const UnknownTenant& e) {
    EXPECT_EQ(e.tenant(), ghost);
  }
  EXPECT_FALSE(tenant_database_exists(ghost));
  EXPECT_FALSE(db.tenants().exists(ghost));
}

TEST_P(TenantTest, ATenantBindNeedsASessionWithATenant) {
  auto& db = open(config());
  auto s = db.session();
  s.add(Item{.name = "pen"});
  EXPECT_THROW(s.flush(), ConfigError);
  s.rollback();
  EXPECT_THROW(s.query<Item>().count(), ConfigError);
  EXPECT_THROW(db.engine("items"), ConfigError);
  EXPECT_NO_THROW(s.query<Account>().count()) << "shared binds need no tenant";
}

TEST_P(TenantTest, CreateAndDropAreIdempotentAndADropLeavesNoDatabase) {
  auto& db = open(config());
  const std::string a = id("a");
  EXPECT_TRUE(db.tenants().create(a));
  EXPECT_FALSE(db.tenants().create(a));
  EXPECT_TRUE(tenant_database_exists(a));
  {
    auto s = db.session({.tenant = a});
    s.add(Item{.name = "pen"});
    s.commit();
  }
  EXPECT_FALSE(db.tenants().create(a)) << "created again, it keeps its rows";
  EXPECT_EQ(db.session({.tenant = a}).query<Item>().count(), 1);
  ASSERT_EQ(db.tenants().list().size(), 1u);
  EXPECT_EQ(db.tenants().list().front().id, a);

  EXPECT_TRUE(db.tenants().drop(a));
  EXPECT_FALSE(tenant_database_exists(a));
  EXPECT_FALSE(db.tenants().drop(a));
  EXPECT_THROW(db.session({.tenant = a}), UnknownTenant);
  EXPECT_TRUE(db.tenants().list().empty());
  EXPECT_EQ(db.tenants().stats().connections, 0u) << "no connection left to the dropped database";
}

TEST_P(TenantTest, ATenantCreatedElsewhereServesAtOnceAndADropIsSeen) {
  auto serving_config = config();
  serving_config.tenants.refresh = std::chrono::milliseconds(0);
  auto& serving = open(serving_config);
  Database admin(config());  // another process's view: the command line
  admin.register_models<Item, Note, Account>();
  const std::string a = id("a");
  EXPECT_THROW(serving.session({.tenant = a}), UnknownTenant);
  admin.tenants().create(a);
  {
    auto s = serving.session({.tenant = a});
    s.add(Item{.name = "pen"});
    s.commit();
  }
  admin.tenants().drop(a);
  EXPECT_THROW(serving.session({.tenant = a}), UnknownTenant);
  EXPECT_EQ(serving.tenants().stats().open, 0u);
}

TEST_P(TenantTest, TheLeastRecentlyUsedTenantClosesPastTheLimit) {
  auto c = config();
  c.tenants.max_open = 2;
  auto& db = open(c);
  const std::string a = id("a"), b = id("b"), t3 = id("c");
  for (const auto& t : {a, b, t3}) db.tenants().create(t);
  for (const auto& t : {a, b, a, t3}) db.session({.tenant = t}).query<Item>().count();
  auto stats = db.tenants().stats();
  EXPECT_EQ(stats.open, 2u);
  EXPECT_EQ(stats.opened, 3u);
  EXPECT_EQ(stats.closed, 1u) << "b, the least recently used, closed";
  db.session({.tenant = a}).query<Item>().count();
  EXPECT_EQ(db.tenants().stats().opened, 3u) << "a was still open";
  db.session({.tenant = b}).query<Item>().count();
  EXPECT_EQ(db.tenants().stats().opened, 4u) << "b opened again";
  const std::string metrics = render_prometheus(db.metrics());
  EXPECT_NE(metrics.find("manydb_tenants_open 2\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("manydb_tenants_opened_total 4\n"), std::string::npos);
  EXPECT_NE(metrics.find("manydb_tenants_max_open 2\n"), std::string::npos);
}

TEST_P(TenantTest, ConnectionsAcrossTenantsNeverExceedTheCap) {
  auto c = config();
  c.tenants.max_connections = 3;
  c.tenants.max_open = 4;
  auto& db = open(c);
  std::vector<std::string> tenants;
  for (int i = 0; i < 8; ++i) tenants.push_back(id("t" + std::to_string(i)));
  for (const auto& t : tenants) db.tenants().create(t);

  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::int64_t most_at_server = 0;
  if (backend() != Backend::sqlite) {  // the sessions provisioning opened are gone
    wait_until([&] { return sessions_at_server(*admin_) == 0; }, "provisioning's end");
  }
  std::thread counter([&] {
    if (backend() == Backend::sqlite) return;  // no server to ask: the budget's peak below
    auto watcher = connect("watcher");
    while (!done.load()) most_at_server = std::max(most_at_server, sessions_at_server(*watcher));
  });
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      std::mt19937 pick(static_cast<unsigned>(w));
      for (int i = 0; i < 150; ++i) {
        try {
          auto s = db.session({.tenant = tenants[pick() % tenants.size()]});
          s.add(Item{.name = "w" + std::to_string(w)});
          s.commit();
        } catch (const std::exception& e) {
          ++failures;
        }
      }
    });
  }
  for (auto& w : workers) w.join();
  done = true;
  counter.join();
  EXPECT_EQ(failures.load(), 0);
  const auto stats = db.tenants().stats();
  EXPECT_EQ(stats.peak_connections, 3u) << "four workers reach the cap, never pass it";
  EXPECT_LE(most_at_server, 3);
  EXPECT_LE(stats.open, 4u);
  std::int64_t rows = 0;
  for (const auto& t : tenants) rows += db.session({.tenant = t}).query<Item>().count();
  EXPECT_EQ(rows, 4 * 150);
}

TEST_P(TenantTest, PastTheCapAnAcquireTimesOutForThatSessionOnly) {
  auto c = config();
  c.tenants.max_connections = 2;
  c.binds["items"].pool.acquire_timeout = std::chrono::milliseconds(200);
  c.binds["notes"].pool.acquire_timeout = std::chrono::milliseconds(200);
  auto& db = open(c);
  const std::string a = id("a"), b = id("b"), t3 = id("c");
  for (const auto& t : {a, b, t3}) db.tenants().create(t);
  auto holds_b = db.session({.tenant = b});
  holds_b.execute("items", "SELECT 1");  // each keeps its connection while it lives
  {
    auto holds_a = db.session({.tenant = a});
    holds_a.execute("items", "SELECT 1");
    {
      auto s = db.session({.tenant = t3});
      EXPECT_THROW(s.execute("items", "SELECT 1"), PoolTimeout);
    }
    EXPECT_NO_THROW(holds_b.execute("items", "SELECT 1")) << "the others go on";
  }  // a's connection goes idle: c may close it
  auto s = db.session({.tenant = t3});
  EXPECT_NO_THROW(s.execute("items", "SELECT 1"));
  EXPECT_LE(db.tenants().stats().connections, 2u);
}

TEST_P(TenantTest, PlacementSpreadsTenantsOverServersAndKeepsThem) {
  auto c = config();
  for (const char* bind : {"items", "notes"}) {
    c.binds[bind].servers = {tenant_template("s0"), tenant_template("s1")};
    c.binds[bind].url = c.binds[bind].servers.front();
  }
  auto& db = open(c);
  std::vector<std::string> tenants = {id("a"), id("b"), id("c"), id("d")};
  for (const auto& t : tenants) db.tenants().create(t);
  std::size_t on_first = 0;
  for (const auto& record : db.tenants().list()) {
    const std::string pattern = record.server == 0 ? "s0" : "s1";
    on_first += record.server == 0;
    EXPECT_TRUE(tenant_database_exists(record.id, pattern)) << record.id;
    EXPECT_FALSE(tenant_database_exists(record.id, record.server == 0 ? "s1" : "s0")) << record.id;
    auto s = db.session({.tenant = record.id});
    s.add(Item{.name = record.id});
    s.commit();
    auto direct = connect_tenant(record.id, pattern);
    EXPECT_EQ(names_in(*direct, "item"), std::vector<std::string>{record.id});
  }
  EXPECT_EQ(on_first, 2u) << "each new tenant goes to the server with the fewest";
}

INSTANTIATE_TEST_SUITE_P(Engines, TenantTest, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
