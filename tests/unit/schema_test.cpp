#include <gtest/gtest.h>

#include "manydb/schema/ddl.hpp"
#include "seed_models.hpp"

using manydb::Backend;
using manydb::ConfigError;
using manydb::dialect_for;
using manydb::ValueType;
using manydb::schema::table_info;
namespace s = manydb::schema;

namespace {
std::string registration_error(auto build) {
  try {
    build();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Mapping, ColumnsTypesAndOptions) {
  const auto& user = table_info<seed::User>();
  EXPECT_EQ(user.name, "user");
  EXPECT_EQ(user.bind, "users");
  EXPECT_EQ(user.model, "seed::User");
  ASSERT_EQ(user.columns.size(), 4u);
  EXPECT_TRUE(user.columns[0].primary_key);
  EXPECT_TRUE(user.columns[0].autoincrement);
  EXPECT_EQ(user.columns[1].length, 80u);
  EXPECT_TRUE(user.columns[1].unique);
  EXPECT_FALSE(user.columns[1].nullable);
  EXPECT_TRUE(user.columns[3].default_now);
  EXPECT_EQ(user.columns[3].type, ValueType::timestamp);

  const auto& product = table_info<seed::Product>();
  EXPECT_EQ(product.bind, "");
  EXPECT_EQ(product.bind_or_default(), "default");
  ASSERT_EQ(product.indexes.size(), 1u);
  EXPECT_EQ(product.indexes[0].name, "ix_product_category");

  const auto& all = table_info<seed::AllTypes>();
  EXPECT_EQ(all.column("small")->type, ValueType::int64);
  EXPECT_EQ(all.column("bytes")->type, ValueType::blob);
  EXPECT_TRUE(all.column("maybe_at")->nullable);
  EXPECT_FALSE(all.column("happened_at")->nullable);
  EXPECT_EQ(all.column("at"), nullptr);
  EXPECT_EQ(std::get<std::string>(*all.column("name")->default_value), "it's");
}

TEST(Mapping, ForeignKeysAndCompositeIndexes) {
  const auto& item = table_info<seed::OrderItem>();
  ASSERT_TRUE(item.column("order_id")->references.has_value());
  EXPECT_EQ(item.column("order_id")->references->table, "order");
  EXPECT_EQ(item.column("order_id")->references->column, "id");
  EXPECT_EQ(item.column("quantity")->check, "quantity > 0");
  const auto& order = table_info<seed::Order>();
  ASSERT_EQ(order.indexes.size(), 1u);
  EXPECT_EQ(order.indexes[0].columns, (std::vector<std::string>{"user_id", "created_at"}));
}

struct NoKey {
  std::int64_t id = 0;
  static constexpr auto mapping() { return s::table("no_key", s::column("id", &NoKey::id)); }
};
struct TwoNames {
  std::int64_t a = 0, b = 0;
  static constexpr auto mapping() {
    return s::table("two", s::column("a", &TwoNames::a, s::primary_key),
                    s::column("a", &TwoNames::b));
  }
};
struct CrossBind {
  std::int64_t id = 0, product_id = 0;
  static constexpr std::string_view bind_key = "orders";
  static constexpr auto mapping() {
    return s::table(
        "cross_bind", s::column("id", &CrossBind::id, s::primary_key),
        s::column("product_id", &CrossBind::product_id, s::references<&seed::Product::id>()));
  }
};
struct UnboundedUnique {
  std::int64_t id = 0;
  std::string email;
  static constexpr auto mapping() {
    return s::table("uu", s::column("id", &UnboundedUnique::id, s::primary_key),
                    s::column("email", &UnboundedUnique::email, s::unique));
  }
};
// An index over an unmapped member does not compile (tests/compile_fail); one over unbounded
// text only fails at registration.
struct BadIndex {
  std::int64_t id = 0;
  std::string note;
  static constexpr auto mapping() {
    return s::table("bad_index", s::column("id", &BadIndex::id, s::primary_key),
                    s::column("note", &BadIndex::note))
        .index("ix_x", &BadIndex::note);
  }
};
struct BadTableName {
  std::int64_t id = 0;
  static constexpr auto mapping() {
    return s::table("drop table x;", s::column("id", &BadTableName::id, s::primary_key));
  }
};

TEST(Mapping, MistakesAreConfigErrorsThatSayWhatToDo) {
  EXPECT_NE(registration_error([] { table_info<NoKey>(); }).find("no primary key: mark one column"),
            std::string::npos);
  EXPECT_NE(registration_error([] { table_info<TwoNames>(); }).find("two columns are named 'a'"),
            std::string::npos);
  const auto cross = registration_error([] { table_info<CrossBind>(); });
  EXPECT_NE(cross.find("databases cannot reference each other"), std::string::npos) << cross;
  EXPECT_NE(cross.find("load_related"), std::string::npos) << cross;
  EXPECT_NE(cross.find("bind 'default'"), std::string::npos) << cross;
  EXPECT_NE(registration_error([] { table_info<UnboundedUnique>(); }).find("give it varchar(n)"),
            std::string::npos);
  EXPECT_NE(registration_error([] {
              table_info<BadIndex>();
            }).find("covers unbounded text column 'note'"),
            std::string::npos);
  EXPECT_NE(registration_error([] { table_info<BadTableName>(); }).find("invalid identifier"),
            std::string::npos);
  // Still an error when asked again: a failed mapping is never half-registered.
  EXPECT_THROW(table_info<NoKey>(), ConfigError);
}

TEST(Ddl, ThePostgresTableOfOrderItem) {
  const auto sql =
      s::create_statements(table_info<seed::OrderItem>(), dialect_for(Backend::postgresql));
  ASSERT_EQ(sql.size(), 2u);
  EXPECT_EQ(sql[0],
            "CREATE TABLE IF NOT EXISTS \"order_item\" (\"id\" bigint GENERATED BY DEFAULT AS "
            "IDENTITY PRIMARY KEY, \"order_id\" bigint NOT NULL, \"product_id\" bigint NOT NULL, "
            "\"quantity\" bigint NOT NULL CHECK (quantity > 0), \"price\" double precision NOT "
            "NULL, FOREIGN KEY (\"order_id\") REFERENCES \"order\" (\"id\"))");
  EXPECT_EQ(
      sql[1],
      "CREATE INDEX IF NOT EXISTS \"ix_order_item_order_id\" ON \"order_item\" (\"order_id\")");
}

TEST(Ddl, TheMariadbAndSqliteTablesOfUser) {
  const auto maria = s::create_statements(table_info<seed::User>(), dialect_for(Backend::mariadb));
  EXPECT_EQ(maria[0],
            "CREATE TABLE IF NOT EXISTS `user` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, "
            "`username` VARCHAR(80) NOT NULL UNIQUE, `email` VARCHAR(120) NOT NULL UNIQUE, "
            "`created_at` DATETIME(6) NOT NULL DEFAULT (UTC_TIMESTAMP(6))) ENGINE=InnoDB DEFAULT "
            "CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
  const auto lite = s::create_statements(table_info<seed::Order>(), dialect_for(Backend::sqlite));
  EXPECT_EQ(lite[0],
            "CREATE TABLE IF NOT EXISTS \"order\" (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT, "
            "\"user_id\" INTEGER NOT NULL, \"total_amount\" REAL NOT NULL, \"status\" "
            "VARCHAR(20) NOT NULL DEFAULT 'pending', \"created_at\" TIMESTAMP NOT NULL DEFAULT "
            "(strftime('%Y-%m-%d %H:%M:%f', 'now') || '000'))");
  EXPECT_EQ(lite[1],
            "CREATE INDEX IF NOT EXISTS \"ix_order_user_created\" ON \"order\" (\"user_id\", "
            "\"created_at\")");
}

TEST(Ddl, DefaultsAreQuotedLiterals) {
  const auto pg =
      s::create_statements(table_info<seed::AllTypes>(), dialect_for(Backend::postgresql));
  EXPECT_NE(pg[0].find("\"name\" varchar(40) NOT NULL DEFAULT 'it''s'"), std::string::npos)
      << pg[0];
  EXPECT_NE(pg[0].find("\"flag\" boolean NOT NULL DEFAULT TRUE"), std::string::npos) << pg[0];
  EXPECT_EQ(dialect_for(Backend::mariadb).quote_literal("a\\'b"), "'a\\\\''b'");
}

TEST(Ddl, ParentsComeBeforeChildren) {
  const auto order =
      s::dependency_order({&table_info<seed::OrderItem>(), &table_info<seed::Order>()});
  ASSERT_EQ(order.size(), 2u);
  EXPECT_EQ(order[0]->name, "order");
  EXPECT_EQ(order[1]->name, "order_item");
}

TEST(LiveSchema, CatalogueTypesAreClassified) {
  using s::classify;
  EXPECT_EQ(classify(Backend::postgresql, "character varying(80)").length, 80u);
  EXPECT_EQ(classify(Backend::postgresql, "timestamp(6) without time zone").type,
            ValueType::timestamp);
  EXPECT_EQ(classify(Backend::mariadb, "tinyint(1)").type, ValueType::boolean);
  EXPECT_EQ(classify(Backend::mariadb, "bigint(20)").type, ValueType::int64);
  EXPECT_EQ(classify(Backend::mariadb, "longblob").type, ValueType::blob);
  EXPECT_EQ(classify(Backend::sqlite, "VARCHAR(20)").length, 20u);
  EXPECT_EQ(classify(Backend::sqlite, "BOOLEAN").type, ValueType::boolean);
  EXPECT_EQ(classify(Backend::sqlite, "geometry").type, ValueType::null);
}
