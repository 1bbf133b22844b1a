// Test support for users (<manydb/testing.hpp>), on every engine: the test transaction leaves
// every bind as it was whatever the test committed, and the statement counter counts what the
// server ran (on PostgreSQL, checked against pg_stat_statements).
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <optional>

#include "engine_fixture.hpp"
#include "manydb/testing.hpp"
#include "manydb/testing/gtest.hpp"
#include "seed_models.hpp"

namespace manydb::testing {
namespace {

using seed::Order;
using seed::OrderItem;
using seed::Product;
using seed::User;

// The seed's binds, each in a database of its own: products on the default bind, users, orders.
class SeedDatabase {
 public:
  explicit SeedDatabase(const std::function<std::string(const std::string&)>& scratch) {
    DatabaseConfig config;
    config.recovery_interval = std::chrono::milliseconds(0);  // nothing runs behind the test
    urls_["default"] = scratch("t_products");
    config.set_default(urls_["default"]);
    for (const char* bind : {"users", "orders"}) {
      urls_[bind] = scratch(std::string("t_") + bind);
      config.add_bind(bind, urls_[bind]);
    }
    db_.emplace(config);
    db_->register_models<Product, User, Order, OrderItem>();
    db_->create_all();
  }
  Database& db() { return *db_; }
  const std::string& url(const std::string& bind) { return urls_.at(bind); }

 private:
  std::map<std::string, std::string> urls_;
  std::optional<Database> db_;
};

// Every row of `table` as text, read by a connection of its own, outside any test transaction.
std::vector<std::string> rows_of(const std::string& url, const std::string& table) {
  auto c = manydb::connect(Url::parse(url), ConnectOptions{"check"});
  const Result r = read_all(c->query("SELECT * FROM " + c->dialect().quote_identifier(table) +
                                     " ORDER BY " + c->dialect().quote_identifier("id")));
  std::vector<std::string> rows;
  for (const auto& row : r.rows) {
    std::string text;
    for (const auto& v : row) text += v.to_display() + "|";
    rows.push_back(text);
  }
  return rows;
}

class TestTransactionTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    seed_.emplace([this](const std::string& name) { return scratch_database(name); });
    // Rows committed before the test, which it changes and which must come back.
    auto s = db().session();
    s.add(Product{.name = "Lamp", .price = 10, .stock = 3, .category = "home"});
    auto& ann = s.add(User{.username = "ann", .email = "ann@example.com"});
    s.flush();
    s.add(Order{.user_id = ann.id, .total_amount = 10});
    s.commit();
  }
  void TearDown() override {
    seed_.reset();
    EngineTest::TearDown();
  }
  Database& db() { return seed_->db(); }
  std::map<std::string, std::vector<std::string>> every_bind() {
    return {{"product", rows_of(seed_->url("default"), "product")},
            {"user", rows_of(seed_->url("users"), "user")},
            {"order", rows_of(seed_->url("orders"), "order")},
            {"order_item", rows_of(seed_->url("orders"), "order_item")}};
  }
  std::size_t products_seen_by_a_session() { return db().session().query<Product>().all().size(); }

  std::optional<SeedDatabase> seed_;
};

TEST_P(TestTransactionTest, EveryBindIsUnchangedAfterATestThatWroteToAllOfThemAndCommitted) {
  const auto before = every_bind();
  {
    TransactionalTest test(db());
    {  // one session over two binds, committed atomically (outside test mode: two-phase)
      auto s = db().session();
      s.add(Product{.name = "Desk", .price = 99, .stock = 1, .category = "office"});
      s.add(User{.username = "bob", .email = "bob@example.com"});
      s.commit();
    }
    {  // a session of one bind, and raw SQL through a session, the Database and a lease
      auto s = db().session_for<Order>();
      auto& order = s.add(Order{.user_id = 1, .total_amount = 5});
      s.flush();
      s.add(OrderItem{.order_id = order.id, .product_id = 1, .quantity = 2, .price = 2.5});
      s.execute(
          "orders",
          "UPDATE " + db().engine("orders").dialect().quote_identifier("order") + " SET status = ?",
          {Value("paid")});
      s.commit();
    }
    db().execute("users",
                 "UPDATE " + db().engine("users").dialect().quote_identifier("user") +
                     " SET email = ? WHERE username = ?",
                 {Value("changed@example.com"), Value("bob")});
    {
      Lease lease = db().engine().connect();
      lease.begin();
      lease.execute("DELETE FROM product WHERE name = ?", {Value("Lamp")});
      lease->commit();
    }
    {  // a session that commits each statement on its own
      auto s = db().session({.begin = Begin::never});
      s.add(Product{.name = "Chair", .price = 20, .stock = 4, .category = "office"});
      s.commit();
    }
    // A second session of the test sees it all.
    auto s = db().session();
    const auto products = s.query<Product>().all();
    ASSERT_EQ(products.size(), 2u);
    EXPECT_EQ(products[0].name, "Desk");
    EXPECT_EQ(products[1].name, "Chair");
    EXPECT_EQ(s.query<User>().filter_by(&User::username, std::string("bob")).one().email,
              "changed@example.com");
    EXPECT_EQ(s.query<Order>().filter_by(&Order::status, std::string("paid")).all().size(), 2u);
    EXPECT_EQ(s.query<OrderItem>().all().size(), 1u);
    s.rollback();
    test.end();
  }
  EXPECT_EQ(every_bind(), before);
  // The pools work as before, on connections outside any test transaction.
  EXPECT_EQ(products_seen_by_a_session(), 1u);
  Lease lease = db().engine("orders").connect();
  EXPECT_FALSE(lease.in_transaction());
}

TEST_P(TestTransactionTest, ARollbackUndoesOnlyItsOwnSavepoint) {
  const auto before = every_bind();
  {
    TransactionalTest test(db());
    {
      auto kept = db().session();
      kept.add(Product{.name = "Kept", .price = 1, .stock = 1, .category = "c"});
      kept.commit();
    }
    {
      auto undone = db().session();
      undone.add(Product{.name = "Undone", .price = 1, .stock = 1, .category = "c"});
      undone.add(User{.username = "undone", .email = "undone@example.com"});
      undone.flush();
      EXPECT_EQ(products_seen_by_a_session(), 3u);  // one connection: its flushed rows show
      undone.rollback();
    }
    // Two sessions of one thread, the later one committing first.
    {
      auto outer = db().session();
      outer.add(Product{.name = "Outer", .price = 1, .stock = 1, .category = "c"});
      outer.flush();
      {
        auto inner = db().session();
        inner.add(Product{.name = "Inner", .price = 1, .stock = 1, .category = "c"});
        inner.commit();
      }
      outer.commit();
    }
    auto s = db().session();
    std::vector<std::string> names;
    for (const auto& p : s.query<Product>().all()) names.push_back(p.name);
    EXPECT_EQ(names, (std::vector<std::string>{"Lamp", "Kept", "Outer", "Inner"}));
    EXPECT_EQ(s.query<User>().all().size(), 1u);
    s.rollback();
    test.end();
  }
  EXPECT_EQ(every_bind(), before);
}

TEST_P(TestTransactionTest, AFailedStatementInASessionLeavesTheTestTransactionUsable) {
  TransactionalTest test(db());
  {
    auto s = db().session();
    s.add(User{.username = "ann", .email = "other@example.com"});  // username is unique
    EXPECT_THROW(s.commit(), IntegrityError);
  }
  auto s = db().session();
  s.add(User{.username = "carl", .email = "carl@example.com"});
  s.commit();
  EXPECT_EQ(db().session().query<User>().all().size(), 2u);
}

TEST_P(TestTransactionTest, ACommitByDdlInsideTheTestIsReported) {
  if (backend() != Backend::mariadb) GTEST_SKIP() << "only MariaDB commits at DDL";
  TransactionalTest test(db());
  db().execute("default", "CREATE TABLE t_ddl_" + std::to_string(::getpid()) + " (id int)");
  auto s = db().session();
  s.add(Product{.name = "x", .category = "c"});
  EXPECT_THROW(s.commit(), ProgrammingError);
  EXPECT_THROW(test.end(), ProgrammingError);
  db().execute("default", "DROP TABLE t_ddl_" + std::to_string(::getpid()));
}

TEST_P(TestTransactionTest, TheStatementCounterCountsEachBindsStatements) {
  TransactionalTest test(db());
  std::vector<OrderItem> items;
  {
    auto s = db().session();
    auto& order = s.add(Order{.user_id = 1, .total_amount = 3});
    s.flush();
    for (std::int64_t q = 1; q <= 3; ++q)
      s.add(OrderItem{.order_id = order.id, .product_id = 1, .quantity = q, .price = 1});
    s.commit();
  }
  auto s = db().session();
  EXPECT_STATEMENTS(db(), "orders", 1, items = s.query<OrderItem>().all());
  ASSERT_EQ(items.size(), 3u);
  StatementCounter counter(db());
  const auto products = s.load_related<&OrderItem::product_id>(items);
  EXPECT_EQ(products.size(), 1u);
  EXPECT_EQ(counter.count("default"), 1u) << counter.describe("default");
  EXPECT_EQ(counter.count("orders"), 0u);
  EXPECT_EQ(counter.total(), 1u);
  EXPECT_STATEMENTS(db(), "users", 2, s.execute("users", "SELECT 1");
                    s.execute("users", "SELECT 2"))
      << "two reads";
  // Raw transaction control counts only when asked for.
  StatementCounter with_control(db(), {.transaction_control = true});
  StatementCounter without(db());
  {
    Lease lease = db().engine("users").connect();
    lease.begin();
    lease.execute("SAVEPOINT counted");
    lease.execute("RELEASE SAVEPOINT counted");
    lease->commit();
  }
  EXPECT_EQ(with_control.count("users"), 2u);
  EXPECT_EQ(without.count("users"), 0u);
  EXPECT_THROW(counter.count("nowhere"), ConfigError);
}

// The server's own count of the statements run in the current database by the current user,
// transaction control and this very query left out.
std::int64_t statements_the_server_ran(Connection& c) {
  return single_int(c,
                    "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements "
                    "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                    "AND userid = (SELECT oid FROM pg_roles WHERE rolname = current_user) "
                    "AND query !~* '^\\s*(begin|commit|rollback|savepoint|release|start|set)\\M' "
                    "AND query NOT LIKE '%pg_stat_statements%'");
}

TEST_P(TestTransactionTest, TheStatementCounterAgreesWithPostgresqlsStatementLog) {
  if (backend() != Backend::postgresql) GTEST_SKIP() << "pg_stat_statements is PostgreSQL's";
  std::map<std::string, std::unique_ptr<Connection>> server;
  for (const char* bind : {"default", "orders"}) {
    server[bind] = manydb::connect(Url::parse(seed_->url(bind)), ConnectOptions{"stats"});
    if (single_int(*server[bind],
                   "SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'") == 0) {
      if (const char* all = std::getenv("MANYDB_REQUIRE_ALL_ENGINES"); all && all[0] == '1')
        FAIL() << "pg_stat_statements is missing: the server was not started by scripts/db-up";
      GTEST_SKIP() << "pg_stat_statements is not installed on this server (scripts/db-up does)";
    }
  }
  auto run_workload = [&] {
    auto s = db().session();
    auto& order = s.add(Order{.user_id = 1, .total_amount = 3});
    s.flush();
    for (std::int64_t q = 1; q <= 5; ++q)
      s.add(OrderItem{.order_id = order.id, .product_id = 1, .quantity = q, .price = 1});
    s.commit();
    auto read = db().session();
    const auto items = read.query<OrderItem>().filter_by(&OrderItem::order_id, order.id).all();
    const auto products = read.load_related<&OrderItem::product_id>(items);  // one IN query
    EXPECT_EQ(products.size(), 1u);
  };
  for (const bool in_test_transaction : {false, true}) {
    SCOPED_TRACE(in_test_transaction ? "in a test transaction" : "outside");
    std::optional<TransactionalTest> test;
    if (in_test_transaction) test.emplace(db());
    const auto products_before = statements_the_server_ran(*server["default"]);
    const auto orders_before = statements_the_server_ran(*server["orders"]);
    StatementCounter counter(db());
    run_workload();
    EXPECT_EQ(counter.count("default"), 1u);
    EXPECT_EQ(statements_the_server_ran(*server["default"]) - products_before, 1);
    EXPECT_EQ(static_cast<std::int64_t>(counter.count("orders")),
              statements_the_server_ran(*server["orders"]) - orders_before);
    EXPECT_GE(counter.count("orders"), 3u);  // the order, its items, the read of them
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, TestTransactionTest, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

// The GoogleTest base: each test in a test transaction, checked to be gone after TearDown.
class DatabaseFixtureTest : public BasicDatabaseTest<EngineTest> {
 protected:
  Database& database() override {
    if (!seed_) seed_.emplace([this](const std::string& n) { return scratch_database(n); });
    return seed_->db();
  }
  void TearDown() override {
    end_test_transaction();
    if (seed_) {
      EXPECT_TRUE(rows_of(seed_->url("users"), "user").empty());
    }
    seed_.reset();
    BasicDatabaseTest<EngineTest>::TearDown();
  }
  std::optional<SeedDatabase> seed_;
};

TEST_P(DatabaseFixtureTest, WritesOfTheTestAreGoneAfterIt) {
  auto s = db().session();
  s.add(User{.username = "dora", .email = "dora@example.com"});
  s.commit();
  EXPECT_EQ(db().session().query<User>().all().size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, DatabaseFixtureTest, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
