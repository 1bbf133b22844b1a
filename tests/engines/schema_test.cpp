// Models and DDL on every engine: each bind in a database of its own.
#include <algorithm>
#include <limits>

#include "engine_fixture.hpp"
#include "seed_models.hpp"

namespace manydb::testing {
namespace {

class Schema : public EngineTest {
 protected:
  // The seed's binds, every one a separate database on this test's engine.
  Database seed_database() {
    DatabaseConfig config;
    config.set_default(scratch_database("products"));
    for (const char* bind : {"users", "orders", "analytics", "logs_db"}) {
      config.add_bind(bind, scratch_database(bind));
    }
    Database db(config);
    db.register_models<seed::Product, seed::User, seed::Order, seed::OrderItem, seed::PageView,
                       seed::Log>();
    return db;
  }
  static std::vector<std::string> table_names(const schema::LiveSchema& live) {
    std::vector<std::string> names;
    for (const auto& t : live.tables) names.push_back(t.name);
    return names;
  }
  using Names = std::vector<std::string>;
};

TEST_P(Schema, CreateAllPutsEachTableInItsOwnDatabaseOnly) {
  auto db = seed_database();
  db.create_all();
  EXPECT_EQ(table_names(db.inspect("default")), (Names{"product"}));
  EXPECT_EQ(table_names(db.inspect("users")), (Names{"user"}));
  EXPECT_EQ(table_names(db.inspect("orders")), (Names{"order", "order_item"}));
  EXPECT_EQ(table_names(db.inspect("analytics")), (Names{"page_view"}));
  EXPECT_EQ(table_names(db.inspect("logs_db")), (Names{"log"}));
  EXPECT_TRUE(db.check_schema().empty());
  db.create_all();  // idempotent
  EXPECT_EQ(table_names(db.inspect("orders")), (Names{"order", "order_item"}));
}

TEST_P(Schema, CreateAndDropOneBind) {
  auto db = seed_database();
  db.create_all("users");
  EXPECT_EQ(table_names(db.inspect("users")), (Names{"user"}));
  EXPECT_TRUE(db.inspect("orders").tables.empty());
  EXPECT_TRUE(db.inspect("default").tables.empty());
  db.create_all();
  db.drop_all("orders");  // order_item before order, or the foreign key refuses
  EXPECT_TRUE(db.inspect("orders").tables.empty());
  EXPECT_EQ(table_names(db.inspect("users")), (Names{"user"}));
  db.drop_all("orders");  // idempotent
  db.drop_all();
  for (const auto& bind : db.bind_names()) EXPECT_TRUE(db.inspect(bind).tables.empty()) << bind;
  EXPECT_THROW(db.create_all("nope"), ConfigError);
}

TEST_P(Schema, LiveColumnsAndIndexesMatchTheModels) {
  auto db = seed_database();
  db.create_all();
  const auto orders = db.inspect("orders");
  const auto* order = orders.table("order");
  ASSERT_NE(order, nullptr);
  ASSERT_EQ(order->columns.size(), 5u);
  EXPECT_EQ(order->columns[3].name, "status");
  EXPECT_EQ(schema::classify(backend(), order->columns[3].type).length, 20u);
  EXPECT_FALSE(order->columns[3].nullable);
  const auto ix = std::find_if(order->indexes.begin(), order->indexes.end(),
                               [](const auto& i) { return i.name == "ix_order_user_created"; });
  ASSERT_NE(ix, order->indexes.end());
  EXPECT_EQ(ix->columns, (Names{"user_id", "created_at"}));
  EXPECT_FALSE(ix->unique);
  const auto users = db.inspect("users");
  const auto& user_indexes = users.table("user")->indexes;
  EXPECT_EQ(std::count_if(user_indexes.begin(), user_indexes.end(),
                          [](const auto& i) { return i.unique; }),
            2);
  const auto analytics = db.inspect("analytics");
  const auto* view = analytics.table("page_view");
  EXPECT_TRUE(view->column("user_id")->nullable);
  EXPECT_FALSE(view->column("page")->nullable);
}

TEST_P(Schema, CheckSchemaReportsWhatDiffers) {
  auto db = seed_database();
  db.create_all();
  const auto& d = db.engine("users").dialect();
  db.execute("users", "DROP TABLE " + d.quote_identifier("user"));
  db.execute("users", "CREATE TABLE " + d.quote_identifier("user") + " (id " +
                          d.type_name(ValueType::int64) + " PRIMARY KEY, username " +
                          d.type_name(ValueType::int64) + ", created_at " +
                          d.type_name(ValueType::timestamp) + ", extra " +
                          d.type_name(ValueType::int64) + ")");
  db.drop_all("analytics");
  std::vector<std::string> found;
  for (const auto& diff : db.check_schema()) found.push_back(diff.to_string());
  std::sort(found.begin(), found.end());
  ASSERT_EQ(found.size(), 5u) << ::testing::PrintToString(found);
  EXPECT_EQ(found[0].rfind("analytics: page_view: missing table", 0), 0u) << found[0];
  EXPECT_EQ(found[1].rfind("users: user.created_at: nullability mismatch", 0), 0u) << found[1];
  EXPECT_EQ(found[2].rfind("users: user.email: missing column", 0), 0u) << found[2];
  EXPECT_EQ(found[3].rfind("users: user.extra: column not in the model", 0), 0u) << found[3];
  EXPECT_EQ(found[4].rfind("users: user.username: type mismatch (the model has text(80)", 0), 0u)
      << found[4];
}

TEST_P(Schema, EveryColumnTypeRoundTripsThroughAModelTable) {
  DatabaseConfig config;
  config.set_default(scratch_database("types"));
  Database db(config);
  db.register_models<seed::AllTypes>();
  db.create_all();
  const Blob bytes{std::byte{0}, std::byte{0x80}, std::byte{0}};
  const auto at = Timestamp::parse("2026-11-23 12:00:00.000001");
  const std::string insert =
      "INSERT INTO all_types (flag, small, big, ratio, body, bytes, happened_at, maybe_flag, "
      "maybe_big, "
      "maybe_real, maybe_text, maybe_bytes, maybe_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?)";
  const auto max = std::numeric_limits<std::int64_t>::max();
  const auto min = std::numeric_limits<std::int64_t>::min();
  db.execute("default", insert,
             {false, std::int32_t{-7}, max, 1e-300, "ünï ✓", bytes, at, true, min, -0.5, "", Blob{},
              Timestamp{-1}});
  db.execute("default", insert,
             {true, 0, 0, 0.0, "", Blob{}, Timestamp{0}, nullptr, nullptr, nullptr, nullptr,
              nullptr, nullptr});
  auto lease = db.engine().connect();
  auto& rows = lease.query(
      "SELECT flag, small, big, ratio, body, bytes, happened_at, maybe_flag, maybe_big, "
      "maybe_real, maybe_text, maybe_bytes, maybe_at, name FROM all_types ORDER BY id");
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get<bool>(0), false);
  EXPECT_EQ(rows.get<std::int32_t>(1), -7);
  EXPECT_EQ(rows.get<std::int64_t>(2), max);
  EXPECT_EQ(rows.get<double>(3), 1e-300);
  EXPECT_EQ(rows.get<std::string>(4), "ünï ✓");
  EXPECT_EQ(rows.get<Blob>(5), bytes);
  EXPECT_EQ(rows.get<Timestamp>(6), at);
  EXPECT_EQ(rows.get<std::optional<bool>>(7), true);
  EXPECT_EQ(rows.get<std::optional<std::int64_t>>(8), min);
  EXPECT_EQ(rows.get<std::optional<double>>(9), -0.5);
  EXPECT_EQ(rows.get<std::optional<std::string>>(10), "");
  EXPECT_EQ(rows.get<std::optional<Blob>>(11), Blob{});
  EXPECT_EQ(rows.get<std::optional<Timestamp>>(12), Timestamp{-1});
  EXPECT_EQ(rows.get<std::string>(13), "it's");  // the DDL default
  ASSERT_TRUE(rows.next());
  for (std::size_t i = 7; i <= 12; ++i) EXPECT_TRUE(rows.is_null(i)) << i;
  EXPECT_FALSE(rows.next());
}

// A default_now timestamp read back and bound as a parameter finds its row: the server's default
// is stored in the same form as manydb writes timestamps (on SQLite, text with six decimals).
TEST_P(Schema, ADefaultNowTimestampFindsItsRowAgain) {
  auto db = seed_database();
  db.create_all();
  const auto& d = db.engine("orders").dialect();
  const auto order = d.quote_identifier("order");
  const auto inserted = db.execute(
      "orders",
      "INSERT INTO " + order + " (user_id, total_amount) VALUES (?, ?) RETURNING created_at",
      {1, 9.5});
  ASSERT_EQ(inserted.rows.size(), 1u);
  const Timestamp created = inserted.rows[0][0].as_timestamp();
  const auto found =
      db.execute("orders", "SELECT count(*) FROM " + order + " WHERE created_at = ?", {created});
  EXPECT_EQ(found.rows[0][0].as_int64(), 1) << created.to_string();
}

TEST_P(Schema, ConstraintsFromModelsRaiseTypedErrors) {
  auto db = seed_database();
  db.create_all();
  db.execute("users",
             "INSERT INTO " + db.engine("users").dialect().quote_identifier("user") +
                 " (username, email) VALUES (?, ?)",
             {"ada", "ada@example.com"});
  const auto user = db.engine("users").dialect().quote_identifier("user");
  EXPECT_THROW(db.execute("users", "INSERT INTO " + user + " (username, email) VALUES (?, ?)",
                          {"ada", "other@example.com"}),
               UniqueViolation);
  EXPECT_THROW(db.execute("users", "INSERT INTO " + user + " (username, email) VALUES (?, ?)",
                          {"bob", nullptr}),
               NotNullViolation);
  const auto& d = db.engine("orders").dialect();
  const auto order = d.quote_identifier("order");
  const auto rows =
      db.execute("orders",
                 "INSERT INTO " + order +
                     " (user_id, total_amount) VALUES (?, ?) RETURNING id, status, created_at",
                 {1, 9.5});
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][1], Value("pending"));  // the DDL default
  const auto created = rows.rows[0][2].as_timestamp();
  EXPECT_LT(std::abs(created.micros - Timestamp::now().micros), 3'600'000'000LL)
      << "default_now is not the current UTC time: " << created.to_string();
  const auto order_id = rows.rows[0][0].as_int64();
  EXPECT_THROW(
      db.execute(
          "orders",
          "INSERT INTO order_item (order_id, product_id, quantity, price) VALUES (?, ?, ?, ?)",
          {order_id, 1, 0, 1.0}),
      CheckViolation);
  EXPECT_THROW(
      db.execute(
          "orders",
          "INSERT INTO order_item (order_id, product_id, quantity, price) VALUES (?, ?, ?, ?)",
          {order_id + 100, 1, 1, 1.0}),
      ForeignKeyViolation);
}

TEST_P(Schema, ModelOfAnUnconfiguredBindIsRefusedAtRegistration) {
  DatabaseConfig config;
  config.set_default(scratch_database("lonely"));
  Database db(config);
  try {
    db.register_models<seed::Product, seed::User>();
    FAIL() << "registered a model whose bind does not exist";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("model seed::User has bind_key 'users' but no such bind"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("MANYDB_BIND_USERS"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, Schema, ::testing::ValuesIn(engine_cases()), engine_case_name);

}  // namespace
}  // namespace manydb::testing
