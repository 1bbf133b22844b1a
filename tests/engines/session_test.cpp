// The session and typed queries, on every engine: each seed bind in its own database.
#include <latch>
#include <thread>

#include "engine_fixture.hpp"
#include "seed_models.hpp"

namespace manydb::testing {
namespace {

using seed::Order;
using seed::OrderItem;
using seed::PageView;
using seed::Product;
using seed::User;

class SessionTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    DatabaseConfig config;
    config.set_default(scratch_database("s_products"));
    for (const char* bind : {"users", "orders", "analytics"}) {
      config.add_bind(bind, scratch_database(std::string("s_") + bind));
    }
    db_.emplace(config);
    db_->register_models<Product, User, Order, OrderItem, PageView>();
    db_->create_all();
  }
  void TearDown() override {
    db_.reset();
    EngineTest::TearDown();
  }
  // Statements that reached the connections of every bind so far.
  std::uint64_t statements() {
    std::uint64_t n = 0;
    for (const auto& b : db_->bind_names()) n += db_->engine(b).statements();
    return n;
  }
  void write_users_then_orders_and_break_orders_commit(Session& s);
  std::int64_t count_rows(const std::string& bind, const std::string& table) {
    const auto& d = db_->engine(bind).dialect();
    return db_->execute(bind, "SELECT count(*) FROM " + d.quote_identifier(table))
        .rows.at(0)
        .at(0)
        .as_int64();
  }
  std::optional<Database> db_;
};

TEST_P(SessionTest, AddFlushAssignsGeneratedKeysAcrossBinds) {
  auto s = db_->session();
  auto& laptop = s.add(Product{.name = "Laptop", .price = 999.99, .stock = 5, .category = "tech"});
  auto& mouse = s.add(Product{.name = "Mouse", .price = 19.5, .stock = 50, .category = "tech"});
  auto& john = s.add(User{.username = "john_doe", .email = "john@example.com"});
  EXPECT_EQ(laptop.id, 0);
  s.flush();
  EXPECT_GT(laptop.id, 0);
  EXPECT_EQ(mouse.id, laptop.id + 1);
  EXPECT_GT(john.id, 0);
  // created_at was left unset: the database filled it in and the object got it back.
  EXPECT_GT(john.created_at.micros, Timestamp::parse("2020-01-01").micros);
  s.commit();
  EXPECT_EQ(count_rows("default", "product"), 2);
  EXPECT_EQ(count_rows("users", "user"), 1);
}

TEST_P(SessionTest, ParentsAreInsertedBeforeChildren) {
  auto s = db_->session();
  // Added child-first with a key given by hand; the foreign key order_item -> order holds only
  // if flush inserts the order first.
  auto& item = s.add(OrderItem{.order_id = 500, .product_id = 1, .quantity = 2, .price = 3.5});
  auto& order = s.add(Order{.id = 500, .user_id = 1, .total_amount = 7.0});
  s.commit();
  EXPECT_EQ(order.id, 500);
  auto check = db_->session();
  EXPECT_EQ(check.get_or_throw<OrderItem>(item.id).order_id, 500);
  // Deleting goes the other way: the item before its order.
  check.remove(check.get_or_throw<Order>(500));
  check.remove(check.get_or_throw<OrderItem>(item.id));
  check.commit();
  EXPECT_EQ(count_rows("orders", "order"), 0);
}

TEST_P(SessionTest, OneRowIsOneObjectAndUnchangedObjectsCostNothing) {
  {
    auto s = db_->session();
    s.add(User{.username = "ada", .email = "ada@example.com"});
    s.commit();
  }
  auto s = db_->session();
  User* first = s.get<User>(1);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(s.get<User>(1), first);
  auto loaded = s.query<User>().filter_by(&User::username, "ada").load();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0], first);
  EXPECT_EQ(s.get<User>(42), nullptr);
  EXPECT_THROW(s.get_or_throw<User>(42), NotFound);

  const auto before = statements();
  s.flush();  // nothing changed: no UPDATE
  EXPECT_EQ(statements(), before);
  first->email = "ada@lovelace.org";
  s.flush();
  EXPECT_EQ(statements(), before + 1);  // one UPDATE of the one changed column
  s.commit();
  auto other = db_->session();
  EXPECT_EQ(other.get_or_throw<User>(1).email, "ada@lovelace.org");
}

// A tracked object whose row was deleted since it was read cannot be written: its UPDATE
// matches no row, and flush says so as a lost update (StaleDataError, the shop's 409), not as
// a NotFound (404), naming the model, the table and the key, and no other value.
TEST_P(SessionTest, FlushingAnUpdateOfARowDeletedMeanwhileIsStaleData) {
  {
    auto s = db_->session();
    s.add(User{.username = "ada", .email = "ada@example.com"});
    s.commit();
  }
  auto s = db_->session({.begin = Begin::at_first_write});
  User* ada = s.get<User>(1);
  ASSERT_NE(ada, nullptr);
  const auto& d = db_->engine("users").dialect();
  db_->execute("users", "DELETE FROM " + d.quote_identifier("user") + " WHERE id = ?", {1});
  ada->email = "zq-distinctive-4711@example.org";
  try {
    s.flush();
    FAIL() << "an UPDATE that matched no row passed";
  } catch (const StaleDataError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("User 1"), std::string::npos) << what;
    EXPECT_NE(what.find("'user'"), std::string::npos) << what;
    EXPECT_EQ(what.find("zq-distinctive"), std::string::npos) << what;
    EXPECT_EQ(e.bind(), "users");
    EXPECT_NE(e.sql().find("UPDATE"), std::string::npos) << e.sql();
    EXPECT_EQ(e.sql().find("zq-distinctive"), std::string::npos) << e.sql();
  } catch (const NotFound& e) {
    FAIL() << "a lost update reported as NotFound: " << e.what();
  }
}

// The snapshot taken at insert (with the generated key read back) is what later changes are
// compared with: an inserted object costs nothing more until it changes.
TEST_P(SessionTest, InsertedObjectsAreTrackedForLaterChanges) {
  auto s = db_->session();
  auto& pen = s.add(Product{.name = "Pen", .price = 1, .stock = 1, .category = "office"});
  // Keys given by hand between generated ones: INSERTs of two shapes, in add() order.
  auto& given = s.add(Product{.id = 900, .name = "Given", .price = 2, .stock = 2, .category = "x"});
  auto& ink = s.add(Product{.name = "Ink", .price = 3, .stock = 3, .category = "office"});
  s.flush();
  EXPECT_GT(pen.id, 0);
  EXPECT_EQ(given.id, 900);
  EXPECT_GT(ink.id, 0);
  EXPECT_NE(ink.id, pen.id);
  EXPECT_EQ(s.get<Product>(ink.id), &ink);  // the identity map knows what was inserted
  const auto before = statements();
  s.flush();
  EXPECT_EQ(statements(), before);
  ink.stock = 30;
  s.flush();
  EXPECT_EQ(statements(), before + 1);
  // Added, then removed before any flush: never written, and no longer tracked.
  auto& never = s.add(Product{.name = "Never", .price = 1, .stock = 1, .category = "x"});
  s.remove(never);
  Product stranger;
  EXPECT_THROW(s.remove(stranger), ProgrammingError);
  s.commit();
  EXPECT_EQ(count_rows("default", "product"), 3);
  auto other = db_->session();
  EXPECT_EQ(other.get_or_throw<Product>(ink.id).stock, 30);
  EXPECT_EQ(other.get_or_throw<Product>(pen.id).name, "Pen");
}

TEST_P(SessionTest, RemoveDeletesAtFlushAndRollbackUndoes) {
  auto s = db_->session();
  auto& p = s.add(Product{.name = "Pen", .price = 1, .stock = 1, .category = "office"});
  s.commit();
  auto& loaded = s.get_or_throw<Product>(p.id);
  s.remove(loaded);
  s.flush();
  EXPECT_EQ(s.query<Product>().count(), 0);
  s.rollback();
  EXPECT_EQ(count_rows("default", "product"), 1);
  {
    auto dropped = db_->session();
    dropped.add(Product{.name = "Never", .price = 1, .stock = 1, .category = "x"});
    dropped.flush();
  }  // destroyed without commit: rolled back
  EXPECT_EQ(count_rows("default", "product"), 1);
}

TEST_P(SessionTest, QueryOperatorsMatchAnIndependentFilter) {
  std::vector<Product> all;
  {
    auto s = db_->session();
    for (int i = 0; i < 40; ++i) {
      s.add(Product{.name = "item" + std::to_string(i) + (i % 3 == 0 ? "x" : ""),
                    .price = 0.5 * i,
                    .stock = i % 7,
                    .category = i % 2 ? "odd" : "even"});
    }
    s.commit();
    all = s.query<Product>().order_by(asc(&Product::id)).all();
  }
  ASSERT_EQ(all.size(), 40u);
  auto expect = [&](auto predicate) {
    std::vector<std::int64_t> ids;
    for (const auto& p : all) {
      if (predicate(p)) ids.push_back(p.id);
    }
    return ids;
  };
  auto ids_of = [](const std::vector<Product>& rows) {
    std::vector<std::int64_t> ids;
    for (const auto& p : rows) ids.push_back(p.id);
    return ids;
  };
  auto s = db_->session();
  auto q = [&] { return s.query<Product>().order_by(asc(&Product::id)); };
  EXPECT_EQ(ids_of(q().where(col(&Product::stock) >= 3 && col(&Product::price) < 10.0).all()),
            expect([](auto& p) { return p.stock >= 3 && p.price < 10.0; }));
  EXPECT_EQ(ids_of(q().where(col(&Product::stock) == 0 || col(&Product::category) != "odd").all()),
            expect([](auto& p) { return p.stock == 0 || p.category != "odd"; }));
  EXPECT_EQ(ids_of(q().where(!(col(&Product::stock) > 2)).all()),
            expect([](auto& p) { return !(p.stock > 2); }));
  EXPECT_EQ(ids_of(q().where(col(&Product::stock).in({1, 4, 6})).all()),
            expect([](auto& p) { return p.stock == 1 || p.stock == 4 || p.stock == 6; }));
  EXPECT_EQ(ids_of(q().where(col(&Product::stock).in(std::vector<int>{})).all()),
            std::vector<std::int64_t>{});
  EXPECT_EQ(ids_of(q().where(col(&Product::name).like("item1%")).all()),
            expect([](auto& p) { return p.name.rfind("item1", 0) == 0; }));
  EXPECT_EQ(ids_of(q().where(col(&Product::name).like("%X")).all()), std::vector<std::int64_t>{})
      << "LIKE must be case-sensitive on every engine";
  EXPECT_EQ(ids_of(q().filter_by(&Product::category, "even").limit(3).offset(2).all()), [&] {
    auto ids = expect([](auto& p) { return p.category == "even"; });
    return std::vector<std::int64_t>(ids.begin() + 2, ids.begin() + 5);
  }());
  const auto by_stock = s.query<Product>().order_by(desc(&Product::stock), asc(&Product::id)).all();
  EXPECT_TRUE(std::is_sorted(by_stock.begin(), by_stock.end(), [](auto& a, auto& b) {
    return a.stock != b.stock ? a.stock > b.stock : a.id < b.id;
  }));
  EXPECT_EQ(s.query<Product>().where(col(&Product::stock) == 6).count(),
            static_cast<std::int64_t>(expect([](auto& p) { return p.stock == 6; }).size()));
  EXPECT_TRUE(s.query<Product>().where(col(&Product::name) == "item3x").exists());
  EXPECT_FALSE(s.query<Product>().where(col(&Product::name) == "nope").exists());
  EXPECT_EQ(s.query<Product>().where(col(&Product::name) == "item3x").one().stock, 3);
  EXPECT_THROW(s.query<Product>().where(col(&Product::name) == "nope").one(), NotFound);
  EXPECT_THROW(s.query<Product>().one(), MultipleResultsFound);
  EXPECT_EQ(s.query<Product>().where(col(&Product::name) == "nope").first(), std::nullopt);
  const auto page = s.query<Product>().order_by(asc(&Product::id)).paginate(3, 15);
  EXPECT_EQ(page.total, 40);
  EXPECT_EQ(page.pages, 3);
  ASSERT_EQ(page.items.size(), 10u);
  EXPECT_EQ(page.items.front().id, all[30].id);
}

TEST_P(SessionTest, AggregatesGroupedForReports) {
  auto s = db_->session();
  const double totals[] = {10.0, 20.0, 5.5, 7.25, 1.0};
  const char* statuses[] = {"paid", "paid", "pending", "paid", "pending"};
  for (int i = 0; i < 5; ++i) {
    s.add(Order{.user_id = i, .total_amount = totals[i], .status = statuses[i]});
  }
  s.commit();
  const auto report =
      s.query<Order>()
          .group_by(&Order::status)
          .order_by(asc(&Order::status))
          .aggregate(count<Order>(), sum(&Order::total_amount), avg(&Order::total_amount),
                     min(&Order::total_amount), max(&Order::user_id));
  ASSERT_EQ(report.rows.size(), 2u);
  EXPECT_EQ(report.rows[0][0], Value("paid"));
  EXPECT_EQ(report.rows[0][1].as_int64(), 3);
  EXPECT_DOUBLE_EQ(report.rows[0][2].as_double(), 37.25);
  EXPECT_DOUBLE_EQ(report.rows[0][3].as_double(), 37.25 / 3);
  EXPECT_DOUBLE_EQ(report.rows[0][4].as_double(), 7.25);
  EXPECT_EQ(report.rows[0][5].as_int64(), 3);
  EXPECT_EQ(report.rows[1][0], Value("pending"));
  EXPECT_EQ(report.rows[1][1].as_int64(), 2);
}

TEST_P(SessionTest, GuardedBulkUpdateNeverOversells) {
  auto s = db_->session();
  auto& p = s.add(Product{.name = "Last", .price = 5, .stock = 3, .category = "x"});
  s.commit();
  auto take = [&](std::int64_t n) {
    return s.query<Product>()
        .where(col(&Product::id) == p.id && col(&Product::stock) >= n)
        .update(set(&Product::stock, col(&Product::stock) - n));
  };
  EXPECT_EQ(take(2), 1);
  EXPECT_EQ(take(2), 0);  // only 1 left
  EXPECT_EQ(take(1), 1);
  // Rows matched, not rows changed, on every engine: setting a value to itself counts.
  EXPECT_EQ(s.query<Product>().where(col(&Product::id) == p.id).update(set(&Product::stock, 0)), 1);
  s.commit();
  EXPECT_EQ(db_->execute("default", "SELECT stock FROM product").rows.at(0).at(0).as_int64(), 0);
  EXPECT_EQ(s.query<Product>().where(col(&Product::stock) == 0).remove(), 1);
  s.commit();
  EXPECT_EQ(count_rows("default", "product"), 0);
}

// One statement where the engine has UPDATE ... RETURNING, three (locked first) on MariaDB:
// either way the rows come back as the update left them, and only the matching ones.
TEST_P(SessionTest, UpdateReturningGivesTheChangedRowsAsTheyAreNow) {
  auto s = db_->session({.begin = Begin::at_first_write});
  auto& a = s.add(Product{.name = "A", .price = 2.5, .stock = 5, .category = "x"});
  auto& b = s.add(Product{.name = "B", .price = 4, .stock = 1, .category = "x"});
  auto& c = s.add(Product{.name = "C", .price = 8, .stock = 7, .category = "y"});
  s.commit();
  auto taken = s.query<Product>()
                   .where(col(&Product::stock) >= 2)
                   .update_returning(set(&Product::stock, col(&Product::stock) - 2));
  EXPECT_TRUE(s.in_transaction("default"));
  std::sort(taken.begin(), taken.end(), [](auto& x, auto& y) { return x.id < y.id; });
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].id, a.id);
  EXPECT_EQ(taken[0].stock, 3);
  EXPECT_EQ(taken[0].price, 2.5);
  EXPECT_EQ(taken[0].name, "A");
  EXPECT_EQ(taken[1].id, c.id);
  EXPECT_EQ(taken[1].stock, 5);
  EXPECT_EQ(taken[1].category, "y");
  const auto none = s.query<Product>()
                        .where(col(&Product::id) == b.id && col(&Product::stock) >= 2)
                        .update_returning(set(&Product::stock, 0));
  EXPECT_TRUE(none.empty());
  s.rollback();  // nothing of the update remains
  EXPECT_EQ(db_->execute("default", "SELECT sum(stock) FROM product").rows.at(0).at(0).as_double(),
            13.0);
  auto again = s.query<Product>()
                   .where(col(&Product::id) == b.id)
                   .update_returning(set(&Product::stock, col(&Product::stock) + 1));
  s.commit();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].stock, 2);
  EXPECT_EQ(db_->execute("default", "SELECT stock FROM product WHERE id = " + std::to_string(b.id))
                .rows.at(0)
                .at(0)
                .as_int64(),
            2);
}

// add_child(): the children take the parent's generated key with no flush() in between, on
// every engine (on PostgreSQL from the parent's sequence, in the parent's round trip).
TEST_P(SessionTest, ChildrenTakeTheKeyOfAParentAddedWithThem) {
  auto s = db_->session();
  auto& first = s.add(Order{.user_id = 1, .total_amount = 5});
  auto& a = s.add_child<&OrderItem::order_id>(
      first, OrderItem{.product_id = 7, .quantity = 1, .price = 2});
  auto& b = s.add_child<&OrderItem::order_id>(
      first, OrderItem{.product_id = 8, .quantity = 2, .price = 1.5});
  s.commit();
  ASSERT_GT(first.id, 0);
  EXPECT_EQ(a.order_id, first.id);
  EXPECT_EQ(b.order_id, first.id);
  EXPECT_GT(a.id, 0);
  EXPECT_NE(a.id, b.id);
  // Two parents in one flush, their children added in any order; and a parent already stored.
  auto& second = s.add(Order{.user_id = 2, .total_amount = 1});
  auto& third = s.add(Order{.user_id = 3, .total_amount = 1});
  auto& c = s.add_child<&OrderItem::order_id>(third, OrderItem{.product_id = 9, .quantity = 1});
  auto& d = s.add_child<&OrderItem::order_id>(second, OrderItem{.product_id = 10, .quantity = 1});
  auto& e = s.add_child<&OrderItem::order_id>(first, OrderItem{.product_id = 11, .quantity = 1});
  EXPECT_EQ(e.order_id, first.id);  // known already: set at once
  s.commit();
  EXPECT_EQ(c.order_id, third.id);
  EXPECT_EQ(d.order_id, second.id);
  const auto rows =
      db_->execute("orders", "SELECT product_id, order_id FROM order_item ORDER BY product_id")
          .rows;
  ASSERT_EQ(rows.size(), 5u);
  const std::int64_t expected[][2] = {
      {7, first.id}, {8, first.id}, {9, third.id}, {10, second.id}, {11, first.id}};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].at(0).as_int64(), expected[i][0]);
    EXPECT_EQ(rows[i].at(1).as_int64(), expected[i][1]) << "product " << expected[i][0];
  }
}

TEST_P(SessionTest, AddChildRefusesAParentItDoesNotTrackOrOnAnotherBind) {
  auto s = db_->session();
  Order stranger{.user_id = 1};
  EXPECT_THROW(s.add_child<&OrderItem::order_id>(stranger, OrderItem{.product_id = 1}),
               ProgrammingError);
  auto& user = s.add(User{.username = "u", .email = "u@example.com"});
  EXPECT_THROW(s.add_child<&OrderItem::order_id>(user, OrderItem{.product_id = 1}),
               ProgrammingError);
  s.rollback();
  EXPECT_EQ(count_rows("orders", "order_item"), 0);
}

// On PostgreSQL the children's INSERT reads the key from the sequence the parent's key column
// owns. A key column fed by a sequence it does not own fails the whole round trip, loudly,
// and nothing of it is committed; the other engines read the key back first and never ask.
TEST_P(SessionTest, AChildWhoseParentKeyHasNoSequenceOfItsOwnFailsWithoutWriting) {
  if (backend() != Backend::postgresql) {
    GTEST_SKIP() << "only PostgreSQL sends a child before its parent's key is read back";
  }
  db_->execute("orders", "ALTER TABLE \"order\" ALTER COLUMN id DROP IDENTITY");
  db_->execute("orders", "CREATE SEQUENCE unowned_order_ids");
  db_->execute("orders",
               "ALTER TABLE \"order\" ALTER COLUMN id SET DEFAULT nextval('unowned_order_ids')");
  auto s = db_->session();
  auto& order = s.add(Order{.user_id = 1, .total_amount = 5});
  s.add_child<&OrderItem::order_id>(order, OrderItem{.product_id = 7, .quantity = 1});
  try {
    s.commit();
    ADD_FAILURE() << "the commit went through";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("order.id has no sequence"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(count_rows("orders", "order"), 0);
  EXPECT_EQ(count_rows("orders", "order_item"), 0);
}

// Begin::never: each statement commits on its own, so what it wrote is there for every other
// connection at once and nothing is left for rollback(); update_returning() still changes
// exactly the rows it returns (on MariaDB its three statements get a transaction of their own).
TEST_P(SessionTest, ASessionThatNeverBeginsCommitsEachStatementOnItsOwn) {
  auto s = db_->session({.begin = Begin::never});
  auto& pen = s.add(Product{.name = "Pen", .price = 2, .stock = 5, .category = "office"});
  s.add(Product{.name = "Ink", .price = 3, .stock = 1, .category = "office"});
  s.flush();
  EXPECT_FALSE(s.in_transaction("default"));
  EXPECT_EQ(count_rows("default", "product"), 2);
  const auto taken = s.query<Product>()
                         .where(col(&Product::stock) >= 2)
                         .update_returning(set(&Product::stock, col(&Product::stock) - 2));
  EXPECT_FALSE(s.in_transaction("default"));
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].id, pen.id);
  EXPECT_EQ(taken[0].stock, 3);
  EXPECT_THROW(s.query<Product>().for_update().all(), ProgrammingError);
  s.rollback();  // nothing to undo
  EXPECT_EQ(db_->execute("default", "SELECT sum(stock) FROM product").rows.at(0).at(0).as_double(),
            4.0);
  s.add(Product{.name = "Pad", .price = 1, .stock = 1, .category = "office"});
  s.commit();  // the flush's INSERT commits on its own, with no COMMIT to send
  EXPECT_EQ(count_rows("default", "product"), 3);
}

// Begin::at_first_use (the default) opens a server's transaction at the first read;
// Begin::at_first_write leaves reads in autocommit until a write or FOR UPDATE. SQLite always
// waits for the first write.
TEST_P(SessionTest, TransactionsBeginWhereSessionOptionsSay) {
  const bool server = backend() != Backend::sqlite;
  {
    auto s = db_->session();
    s.query<Product>().all();
    EXPECT_EQ(s.in_transaction("default"), server);
    EXPECT_FALSE(s.in_transaction("users"));  // not used yet
  }
  auto s = db_->session({.begin = Begin::at_first_write});
  s.query<Product>().all();
  s.query<User>().count();
  EXPECT_FALSE(s.in_transaction("default"));
  EXPECT_FALSE(s.in_transaction("users"));
  s.query<User>().for_update().all();
  EXPECT_TRUE(s.in_transaction("users"));
  s.add(Product{.name = "Pen", .price = 2, .stock = 1, .category = "office"});
  s.flush();
  EXPECT_TRUE(s.in_transaction("default"));
  s.commit();
  EXPECT_FALSE(s.in_transaction("default"));
  EXPECT_EQ(count_rows("default", "product"), 1);
}

TEST_P(SessionTest, SessionForOneBindAndRawSqlInItsTransaction) {
  auto users = db_->session_for("users");
  users.add(User{.username = "jane_doe", .email = "jane@example.com"});
  EXPECT_THROW(users.add(Product{.name = "x", .price = 1, .stock = 1, .category = "c"}),
               ConfigError);
  const auto user_table = db_->engine("users").dialect().quote_identifier("user");
  users.execute("users", "UPDATE " + user_table + " SET email = ? WHERE username = ?",
                {"jane@doe.org", "jane_doe"});
  // Not committed yet: another session does not see it (the servers isolate; SQLite's write
  // lock is held, so the outside reader sees the last committed state).
  EXPECT_EQ(count_rows("users", "user"), 0);
  users.commit();
  auto s = db_->session();
  EXPECT_EQ(s.query<User>().one().email, "jane@doe.org");
  EXPECT_THROW(db_->session_for("nope"), ConfigError);
}

// The model names the bind: its bind_key, or the default bind for a model without one.
TEST_P(SessionTest, SessionForAModelIsTheSessionOfItsBind) {
  auto users = db_->session_for<User>();
  users.add(User{.username = "ann", .email = "ann@example.com"});
  EXPECT_THROW(users.add(Product{.name = "x", .price = 1, .stock = 1, .category = "c"}),
               ConfigError);
  users.commit();
  EXPECT_EQ(count_rows("users", "user"), 1);

  auto products = db_->session_for<Product>(Begin::at_first_write);
  EXPECT_EQ(products.query<Product>().count(), 0);
  EXPECT_FALSE(products.in_transaction("default"));
  EXPECT_THROW(products.query<User>().count(), ConfigError);
  products.add(Product{.name = "Pen", .price = 2, .stock = 1, .category = "office"});
  products.flush();
  EXPECT_TRUE(products.in_transaction("default"));
  products.commit();
  EXPECT_EQ(count_rows("default", "product"), 1);
}

TEST_P(SessionTest, CrossBindLoadingCostsOneQueryPerBind) {
  std::int64_t order_id = 0;
  {
    auto s = db_->session();
    auto& user = s.add(User{.username = "u", .email = "u@example.com"});
    std::vector<Product*> products;
    for (int i = 0; i < 25; ++i) {
      products.push_back(&s.add(Product{.name = std::string("p").append(std::to_string(i)),
                                        .price = 1.0 + i,
                                        .stock = 100,
                                        .category = "c"}));
    }
    s.flush();
    auto& order = s.add(Order{.user_id = user.id, .total_amount = 0});
    s.flush();
    order_id = order.id;
    for (auto* p : products)
      s.add(OrderItem{.order_id = order.id, .product_id = p->id, .quantity = 1, .price = p->price});
    s.commit();
  }
  // The seed's get_order_with_details, without N+1: order, items, their products, the user.
  auto details = [&](std::int64_t id) {
    auto s = db_->session();
    const auto order = s.query<Order>().filter_by(&Order::id, id).one();
    const auto items = s.query<OrderItem>().filter_by(&OrderItem::order_id, id).all();
    const auto products = s.load_related<&OrderItem::product_id>(items);
    const auto users = s.load_related<&Order::user_id>(std::vector<Order>{order});
    EXPECT_EQ(products.size(), items.size());
    for (const auto& item : items) EXPECT_EQ(products.at(item.product_id).price, item.price);
    EXPECT_EQ(users.at(order.user_id).username, "u");
    return items.size();
  };
  auto cost = [&](std::int64_t id) {
    const auto before = statements();
    details(id);
    return statements() - before;
  };
  const auto many = cost(order_id);
  // A one-item order costs the same number of statements as a 25-item one.
  std::int64_t small_order = 0;
  {
    auto s = db_->session();
    auto& o = s.add(Order{.user_id = 1, .total_amount = 1});
    s.flush();
    s.add(OrderItem{.order_id = o.id, .product_id = 1, .quantity = 1, .price = 1.0});
    s.commit();
    small_order = o.id;
  }
  const auto one = cost(small_order);
  EXPECT_EQ(many, one);
  // order + items + products + user (transaction control is not counted).
  EXPECT_EQ(many, 4u);
}

// The flush's last INSERT fails inside commit() (on PostgreSQL it went out with COMMIT): nothing
// of the session is committed, and the session is rolled back, so that a second commit() cannot
// write only what the first did not.
// More keys than libpq takes in one statement's description (7,499 parameters): the IN query is
// still one statement, and every parent comes back.
TEST_P(SessionTest, CrossBindLoadingOfTenThousandKeysIsOneQuery) {
  constexpr int kProducts = 10'000;
  std::vector<OrderItem> items;
  {
    auto s = db_->session();
    std::vector<Product*> products;
    for (int i = 0; i < kProducts; ++i) {
      products.push_back(&s.add(
          Product{.name = "p" + std::to_string(i), .price = 1.0 + i, .stock = i, .category = "c"}));
    }
    s.commit();
    for (const auto* p : products) items.push_back(OrderItem{.product_id = p->id});
  }
  auto s = db_->session();
  const auto before = statements();
  const auto products = s.load_related<&OrderItem::product_id>(items);
  EXPECT_EQ(statements() - before, 1u);
  ASSERT_EQ(products.size(), static_cast<std::size_t>(kProducts));
  for (const auto& item : items) {
    const auto& p = products.at(item.product_id);
    EXPECT_EQ(p.name, "p" + std::to_string(p.stock));
  }
}

TEST_P(SessionTest, ACommitWhoseLastStatementFailsCommitsNothing) {
  {
    auto s = db_->session();
    s.add(Product{.id = 900, .name = "Taken", .price = 1, .stock = 1, .category = "x"});
    s.commit();
  }
  auto s = db_->session();
  auto& fresh = s.add(Product{.name = "Fresh", .price = 2, .stock = 2, .category = "x"});
  s.add(Product{.id = 900, .name = "Again", .price = 3, .stock = 3, .category = "x"});
  EXPECT_THROW(s.commit(), UniqueViolation);
  EXPECT_EQ(count_rows("default", "product"), 1);
  fresh.name = "Changed";  // no longer tracked: nothing to write
  s.commit();
  EXPECT_EQ(count_rows("default", "product"), 1);
  auto other = db_->session();
  EXPECT_EQ(other.get_or_throw<Product>(900).name, "Taken");
}

// The last statement goes with COMMIT only when its bind holds the session's only open
// transaction; with two, the binds still commit in the order of first use. A DELETE can be the
// last statement too.
TEST_P(SessionTest, CommitsEndingInAnInsertOnTwoBindsOrInADelete) {
  auto s = db_->session();
  s.add(User{.username = "first", .email = "first@example.com"});
  s.flush();
  s.add(Order{.user_id = 1, .total_amount = 3});
  s.add(Order{.id = 77, .user_id = 1, .total_amount = 4});
  s.commit();
  EXPECT_EQ(count_rows("users", "user"), 1);
  EXPECT_EQ(count_rows("orders", "order"), 2);
  auto deleting = db_->session_for("orders");
  deleting.remove(deleting.get_or_throw<Order>(77));
  deleting.commit();  // a DELETE as the last statement
  EXPECT_EQ(count_rows("orders", "order"), 1);
}

// Writes a user, then an order, in session `s` (users first used, orders second), and makes the
// commit of the orders bind fail.
void SessionTest::write_users_then_orders_and_break_orders_commit(Session& s) {
  s.add(User{.username = "first", .email = "first@example.com"});
  s.flush();
  s.add(Order{.user_id = 1, .total_amount = 3});
  s.flush();
  if (backend() == Backend::sqlite) {
    // A deferred foreign key is only checked at COMMIT.
    s.execute("orders", "PRAGMA defer_foreign_keys = ON");
    s.execute("orders",
              "INSERT INTO order_item (order_id, product_id, quantity, price) VALUES (?, ?, ?, ?)",
              {999, 1, 1, 1.0});
  } else {
    // The orders bind's connection dies before COMMIT.
    kill_session(session_id(s.connection("orders")));
  }
}

TEST_P(SessionTest, AFailedCommitOnTheSecondBindKeepsNothingInAnAtomicSession) {
  auto s = db_->session();
  write_users_then_orders_and_break_orders_commit(s);
  try {
    s.commit();
    FAIL() << "commit succeeded";
  } catch (const InDoubt&) {
    // The decision's COMMIT was lost in flight: recovery finds no decision and rolls back.
    EXPECT_EQ(db_->recover().rolled_back, 1u);
  } catch (const Error& e) {
    EXPECT_EQ(e.bind(), "orders") << e.what();
  }
  EXPECT_EQ(count_rows("users", "user"), 0);
  EXPECT_EQ(count_rows("orders", "order"), 0);
}

TEST_P(SessionTest, FailedCommitOnTheSecondBindKeepsTheFirst) {
  // users commits first (first used), orders second; orders' commit is made to fail.
  auto s = db_->session({.commit = Commit::best_effort});
  write_users_then_orders_and_break_orders_commit(s);
  try {
    s.commit();
    FAIL() << "commit succeeded";
  } catch (const PartialCommit& e) {
    EXPECT_EQ(e.committed_binds(), std::vector<std::string>{"users"});
    EXPECT_EQ(e.bind(), "orders");
  }
  EXPECT_EQ(count_rows("users", "user"), 1);    // committed and kept
  EXPECT_EQ(count_rows("orders", "order"), 0);  // rolled back
}

TEST_P(SessionTest, ConcurrentSessionsOnThreads) {
  constexpr int kThreads = 4, kEach = 25;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        auto s = db_->session();
        s.add(PageView{.page = "/t" + std::to_string(t), .user_id = i});
        s.commit();
      }
    });
  }
  for (auto& th : threads) th.join();
  auto s = db_->session();
  EXPECT_EQ(s.query<PageView>().count(), kThreads * kEach);
  EXPECT_EQ(s.query<PageView>().filter_by(&PageView::page, "/t2").count(), kEach);
}

INSTANTIATE_TEST_SUITE_P(Engines, SessionTest, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
