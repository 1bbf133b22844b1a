// The query compiler: exact SQL and parameters per dialect, and the shape cache.
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "manydb/query/compile.hpp"
#include "seed_models.hpp"

// Queries are written with designated initializers; the members left out keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

using manydb::Backend;
using manydb::col;
using manydb::compile_count;
using manydb::compile_delete;
using manydb::compile_exists;
using manydb::compile_insert;
using manydb::compile_select;
using manydb::compile_update;
using manydb::dialect_for;
using manydb::SelectQuery;
using manydb::Statement;
using manydb::Value;
using manydb::schema::table_info;
using seed::Order;
using seed::PageView;
using seed::Product;
using Params = std::vector<Value>;

namespace {
const manydb::Dialect& pg() { return dialect_for(Backend::postgresql); }
const manydb::Dialect& maria() { return dialect_for(Backend::mariadb); }
const manydb::Dialect& lite() { return dialect_for(Backend::sqlite); }

// SELECT count(*) with `where`: the shortest statement that shows how a condition renders.
template <class T>
Statement count_where(const manydb::Condition<T>& where, const manydb::Dialect& d = pg()) {
  return compile_count(SelectQuery{.table = &table_info<T>(), .where = where.node()}, d);
}

template <class T>
std::size_t column_of(auto T::*member) {
  return col(member).node()->column;
}
}  // namespace

template <class A, class B>
concept equality_comparable = requires(const A& a, const B& b) {
  a == b;
};
template <class A, class B>
concept can_like = requires(const A& a, const B& b) {
  a.like(b);
};
using ProductName = decltype(col(&Product::name));
using ProductStock = decltype(col(&Product::stock));

// Comparing a text column with a number must not compile; nor mixing models.
static_assert(!equality_comparable<ProductName, int>);
static_assert(equality_comparable<ProductName, const char*>);
static_assert(equality_comparable<ProductStock, int>);
static_assert(!equality_comparable<ProductStock, decltype(col(&Order::id))>);
static_assert(!can_like<ProductStock, const char*>);
static_assert(equality_comparable<decltype(col(&PageView::user_id)), std::nullopt_t>);

TEST(QueryCompile, SelectWithWhereOrderLimitOffsetPerDialect) {
  const SelectQuery q{
      .table = &table_info<Product>(),
      .where = (col(&Product::category) == "tools" && col(&Product::price) < 10.5).node(),
      .order = {manydb::desc(&Product::price), manydb::asc(&Product::name)},
      .limit = 20,
      .offset = 40};
  const Params params{"tools", 10.5, 20, 40};
  auto s = compile_select(q, pg());
  EXPECT_EQ(s.sql,
            R"(SELECT "id", "name", "price", "stock", "category" FROM "product" WHERE "category" )"
            R"(= ? AND "price" < ? ORDER BY "price" DESC, "name" LIMIT ? OFFSET ?)");
  EXPECT_EQ(s.params, params);
  s = compile_select(q, maria());
  EXPECT_EQ(s.sql,
            "SELECT `id`, `name`, `price`, `stock`, `category` FROM `product` WHERE `category` "
            "= ? AND `price` < ? ORDER BY `price` DESC, `name` LIMIT ? OFFSET ?");
  EXPECT_EQ(s.params, params);
  s = compile_select(q, lite());
  EXPECT_EQ(s.sql,
            R"(SELECT "id", "name", "price", "stock", "category" FROM "product" WHERE "category" )"
            R"(= ? AND "price" < ? ORDER BY "price" DESC, "name" LIMIT ? OFFSET ?)");
  EXPECT_EQ(s.params, params);
}

TEST(QueryCompile, SelectEverythingLimitOnlyOffsetOnly) {
  SelectQuery q{.table = &table_info<Order>(), .limit = 5};
  auto s = compile_select(q, lite());
  EXPECT_EQ(
      s.sql,
      R"(SELECT "id", "user_id", "total_amount", "status", "created_at" FROM "order" LIMIT ?)");
  EXPECT_EQ(s.params, Params{5});

  q = SelectQuery{.table = &table_info<Order>(), .offset = 10};
  const std::string columns = R"("id", "user_id", "total_amount", "status", "created_at")";
  EXPECT_EQ(compile_select(q, pg()).sql, "SELECT " + columns + R"( FROM "order" OFFSET ?)");
  EXPECT_EQ(compile_select(q, lite()).sql,
            "SELECT " + columns + R"( FROM "order" LIMIT -1 OFFSET ?)");
  EXPECT_EQ(compile_select(q, maria()).sql,
            "SELECT `id`, `user_id`, `total_amount`, `status`, `created_at` FROM `order` LIMIT "
            "18446744073709551615 OFFSET ?");
  EXPECT_EQ(compile_select(q, maria()).params, Params{10});
}

TEST(QueryCompile, InListWithValuesAndEmpty) {
  auto s = count_where(col(&Order::status).in({"pending", "paid", "shipped"}));
  EXPECT_EQ(s.sql, R"(SELECT count(*) FROM "order" WHERE "status" IN (?, ?, ?))");
  EXPECT_EQ(s.params, (Params{"pending", "paid", "shipped"}));

  const auto none = col(&Order::id).in(std::vector<std::int64_t>{});
  s = count_where(none);
  EXPECT_EQ(s.sql, R"(SELECT count(*) FROM "order" WHERE 1 = 0)");
  EXPECT_TRUE(s.params.empty());
  s = count_where(!none, maria());
  EXPECT_EQ(s.sql, "SELECT count(*) FROM `order` WHERE NOT (1 = 0)");
  s = count_where(col(&Order::user_id) == 3 && none, lite());
  EXPECT_EQ(s.sql, R"(SELECT count(*) FROM "order" WHERE "user_id" = ? AND 1 = 0)");
  EXPECT_EQ(s.params, Params{3});
}

TEST(QueryCompile, LikeAndNullTests) {
  auto s = count_where(col(&Product::name).like("Wid%"));
  EXPECT_EQ(s.sql, R"(SELECT count(*) FROM "product" WHERE "name" LIKE ?)");
  EXPECT_EQ(s.params, Params{"Wid%"});

  s = count_where(col(&PageView::user_id).is_null() || col(&PageView::ip_address).is_not_null(),
                  maria());
  EXPECT_EQ(s.sql,
            "SELECT count(*) FROM `page_view` WHERE `user_id` IS NULL OR `ip_address` IS NOT NULL");
  EXPECT_TRUE(s.params.empty());
}

TEST(QueryCompile, ComparingWithNullIsIsNull) {
  namespace qd = manydb::detail;
  const auto user_id = col(&PageView::user_id);
  const manydb::Condition<PageView> eq(
      qd::make_binary(manydb::BinaryOp::equal, user_id.node(), qd::make_value(Value(nullptr))));
  auto s = count_where(eq);
  EXPECT_EQ(s.sql, R"(SELECT count(*) FROM "page_view" WHERE "user_id" IS NULL)");
  EXPECT_TRUE(s.params.empty());
  const manydb::Condition<PageView> ne(
      qd::make_binary(manydb::BinaryOp::not_equal, qd::make_value(Value(nullptr)), user_id.node()));
  s = count_where(ne && col(&PageView::page) == "/");
  EXPECT_EQ(s.sql,
            R"(SELECT count(*) FROM "page_view" WHERE "user_id" IS NOT NULL AND "page" = ?)");
  EXPECT_EQ(s.params, Params{"/"});

  // The typed spellings.
  EXPECT_EQ(count_where(user_id == std::nullopt).sql, count_where(eq).sql);
  EXPECT_EQ(count_where(user_id == nullptr).sql, count_where(eq).sql);
  EXPECT_EQ(count_where(user_id == std::optional<std::int64_t>{}).sql, count_where(eq).sql);
  EXPECT_EQ(count_where(user_id != std::nullopt).sql,
            R"(SELECT count(*) FROM "page_view" WHERE "user_id" IS NOT NULL)");
  s = count_where(user_id == std::optional<std::int64_t>{7});
  EXPECT_EQ(s.sql, R"(SELECT count(*) FROM "page_view" WHERE "user_id" = ?)");
  EXPECT_EQ(s.params, Params{7});
}

TEST(QueryCompile, NestedAndOrNotAreParenthesised) {
  const auto a = col(&Product::stock) == 1;
  const auto b = col(&Product::price) > 2.0;
  const auto c = col(&Product::name) < "m";
  auto s = count_where(a && (b || !c));
  EXPECT_EQ(
      s.sql,
      R"(SELECT count(*) FROM "product" WHERE "stock" = ? AND ("price" > ? OR NOT ("name" < ?)))");
  EXPECT_EQ(s.params, (Params{1, 2.0, "m"}));

  s = count_where(!(a && b) || (a && (b && c)));
  EXPECT_EQ(s.sql, R"(SELECT count(*) FROM "product" WHERE NOT ("stock" = ? AND "price" > ?) OR )"
                   R"(("stock" = ? AND ("price" > ? AND "name" < ?)))");
  EXPECT_EQ(s.params, (Params{1, 2.0, 1, 2.0, "m"}));

  // A predicate or arithmetic as the operand of a comparison keeps its own parentheses.
  s = count_where((col(&Product::stock) - 2 >= 0) == col(&Product::name).is_null());
  EXPECT_EQ(s.sql,
            R"(SELECT count(*) FROM "product" WHERE (("stock" - ?) >= ?) = ("name" IS NULL))");
  EXPECT_EQ(s.params, (Params{2, 0}));
}

TEST(QueryCompile, UpdateWithArithmeticAndGuard) {
  const auto where = col(&Product::id) == 7 && col(&Product::stock) >= 2;
  const std::vector<manydb::Assignment> set{manydb::set(&Product::stock, col(&Product::stock) - 2)};
  auto s = compile_update(table_info<Product>(), where.node(), set, pg());
  EXPECT_EQ(s.sql,
            R"(UPDATE "product" SET "stock" = ("stock" - ?) WHERE "id" = ? AND "stock" >= ?)");
  EXPECT_EQ(s.params, (Params{2, 7, 2}));
  s = compile_update(table_info<Product>(), where.node(), set, maria());
  EXPECT_EQ(s.sql, "UPDATE `product` SET `stock` = (`stock` - ?) WHERE `id` = ? AND `stock` >= ?");

  s = compile_update(table_info<Order>(), nullptr,
                     {manydb::set(&Order::status, "paid"),
                      manydb::set(&Order::total_amount, col(&Order::total_amount) * 1.5)},
                     lite());
  EXPECT_EQ(s.sql, R"(UPDATE "order" SET "status" = ?, "total_amount" = ("total_amount" * ?))");
  EXPECT_EQ(s.params, (Params{"paid", 1.5}));

  s = compile_update(table_info<PageView>(), (col(&PageView::id) == 1).node(),
                     {manydb::set(&PageView::ip_address, nullptr)}, pg());
  EXPECT_EQ(s.sql, R"(UPDATE "page_view" SET "ip_address" = ? WHERE "id" = ?)");
  EXPECT_EQ(s.params, (Params{nullptr, 1}));
  EXPECT_THROW(compile_update(table_info<Product>(), nullptr, {}, pg()), manydb::ProgrammingError);
}

TEST(QueryCompile, UpdateReturningEveryColumnWhereTheEngineCan) {
  const auto where = col(&Product::id) == 7;
  const std::vector<manydb::Assignment> set{manydb::set(&Product::stock, col(&Product::stock) - 1)};
  const auto s = compile_update(table_info<Product>(), where.node(), set, pg(), true);
  EXPECT_EQ(
      s.sql,
      R"(UPDATE "product" SET "stock" = ("stock" - ?) WHERE "id" = ? RETURNING "id", "name", )"
      R"("price", "stock", "category")");
  EXPECT_EQ(s.params, (Params{1, 7}));
  // Its own shape: the same update without RETURNING keeps its text.
  EXPECT_EQ(compile_update(table_info<Product>(), where.node(), set, lite()).sql,
            R"(UPDATE "product" SET "stock" = ("stock" - ?) WHERE "id" = ?)");
  EXPECT_NE(compile_update(table_info<Product>(), where.node(), set, lite(), true)
                .sql.find(" RETURNING "),
            std::string::npos);
  EXPECT_THROW(compile_update(table_info<Product>(), where.node(), set, maria(), true),
               manydb::ProgrammingError);
}

TEST(QueryCompile, Delete) {
  auto s = compile_delete(table_info<Order>(), (col(&Order::user_id) == 9).node(), pg());
  EXPECT_EQ(s.sql, R"(DELETE FROM "order" WHERE "user_id" = ?)");
  EXPECT_EQ(s.params, Params{9});
  s = compile_delete(table_info<Order>(), nullptr, maria());
  EXPECT_EQ(s.sql, "DELETE FROM `order`");
  EXPECT_TRUE(s.params.empty());
}

TEST(QueryCompile, CountAndExistsIgnoreOrderAndPaging) {
  const SelectQuery q{.table = &table_info<Product>(),
                      .where = (col(&Product::stock) > 0).node(),
                      .order = {manydb::asc(&Product::name)},
                      .limit = 3,
                      .offset = 6,
                      .for_update = true};
  auto s = compile_count(q, maria());
  EXPECT_EQ(s.sql, "SELECT count(*) FROM `product` WHERE `stock` > ?");
  EXPECT_EQ(s.params, Params{0});
  s = compile_exists(q, pg());
  EXPECT_EQ(s.sql, R"(SELECT 1 FROM "product" WHERE "stock" > ? LIMIT 1)");
  EXPECT_EQ(s.params, Params{0});
  s = compile_count(SelectQuery{.table = &table_info<Product>()}, lite());
  EXPECT_EQ(s.sql, R"(SELECT count(*) FROM "product")");
}

TEST(QueryCompile, InsertMultiRowWithReturning) {
  const auto& product = table_info<Product>();
  const std::vector<std::size_t> columns{1, 2, 3};
  const Params values{"a", 1.5, 3, "b", 2.5, 4};
  auto s = compile_insert(product, columns, values, {product.primary_key}, pg());
  EXPECT_EQ(s.sql,
            R"(INSERT INTO "product" ("name", "price", "stock") VALUES (?, ?, ?), (?, ?, ?) )"
            R"(RETURNING "id")");
  EXPECT_EQ(s.params, values);
  s = compile_insert(product, columns, values, {product.primary_key}, maria());
  EXPECT_EQ(s.sql,
            "INSERT INTO `product` (`name`, `price`, `stock`) VALUES (?, ?, ?), (?, ?, ?) "
            "RETURNING `id`");
  s = compile_insert(product, {1}, {"c"}, {}, lite());
  EXPECT_EQ(s.sql, R"(INSERT INTO "product" ("name") VALUES (?))");
  EXPECT_EQ(s.params, Params{"c"});

  const auto& order = table_info<Order>();
  const std::vector<std::size_t> filled{0, 3, 4};  // id, status, created_at: database defaults
  EXPECT_EQ(compile_insert(order, {}, {}, filled, lite()).sql,
            R"(INSERT INTO "order" DEFAULT VALUES RETURNING "id", "status", "created_at")");
  EXPECT_EQ(compile_insert(order, {}, {}, {0}, pg()).sql,
            R"(INSERT INTO "order" DEFAULT VALUES RETURNING "id")");
  EXPECT_EQ(compile_insert(order, {}, {}, {0}, maria()).sql,
            "INSERT INTO `order` () VALUES () RETURNING `id`");
  EXPECT_THROW(compile_insert(product, columns, {"a", 1.5}, {}, pg()), manydb::ProgrammingError);
  EXPECT_THROW(compile_insert(product, columns, {}, {}, pg()), manydb::ProgrammingError);
  EXPECT_THROW(compile_insert(order, {}, {1}, {}, pg()), manydb::ProgrammingError);
  EXPECT_THROW(compile_insert(order, {9}, {1}, {}, pg()), manydb::ProgrammingError);
}

TEST(QueryCompile, GroupByWithAggregates) {
  const SelectQuery q{
      .table = &table_info<Order>(),
      .where = (col(&Order::status) == "paid").node(),
      .order = {manydb::asc(&Order::user_id)},
      .select = {col(&Order::user_id).node(), manydb::count<Order>().node,
                 manydb::sum(&Order::total_amount).node, manydb::avg(&Order::total_amount).node,
                 manydb::max(&Order::created_at).node, manydb::count(&Order::status).node},
      .group_by = {column_of<Order>(&Order::user_id)}};
  auto s = compile_select(q, pg());
  EXPECT_EQ(s.sql,
            R"(SELECT "user_id", count(*), sum("total_amount"), CAST(avg("total_amount") AS )"
            R"(double precision), max("created_at"), count("status") FROM "order" WHERE )"
            R"("status" = ? GROUP BY "user_id" ORDER BY "user_id")");
  EXPECT_EQ(s.params, Params{"paid"});
  EXPECT_EQ(compile_select(q, maria()).sql,
            "SELECT `user_id`, count(*), sum(`total_amount`), CAST(avg(`total_amount`) AS "
            "DOUBLE), max(`created_at`), count(`status`) FROM `order` WHERE `status` = ? GROUP "
            "BY `user_id` ORDER BY `user_id`");
  EXPECT_EQ(compile_select(q, lite()).sql,
            R"(SELECT "user_id", count(*), sum("total_amount"), avg("total_amount"), )"
            R"(max("created_at"), count("status") FROM "order" WHERE "status" = ? GROUP BY )"
            R"("user_id" ORDER BY "user_id")");
}

TEST(QueryCompile, ForUpdatePerDialect) {
  const SelectQuery q{.table = &table_info<seed::User>(),
                      .where = (col(&seed::User::id) == 4).node(),
                      .limit = 1,
                      .for_update = true};
  const std::string pg_sql =
      R"(SELECT "id", "username", "email", "created_at" FROM "user" WHERE "id" = ? LIMIT ?)";
  EXPECT_EQ(compile_select(q, pg()).sql, pg_sql + " FOR UPDATE");
  EXPECT_EQ(compile_select(q, maria()).sql,
            "SELECT `id`, `username`, `email`, `created_at` FROM `user` WHERE `id` = ? LIMIT ? "
            "FOR UPDATE");
  EXPECT_EQ(compile_select(q, lite()).sql, pg_sql);
  EXPECT_EQ(compile_select(q, lite()).params, (Params{4, 1}));
}

// A member's column is its place in the mapping, told apart from members of the same type.
TEST(QueryCompile, ColumnsAreFoundByMember) {
  const auto& columns = table_info<Product>().columns;
  EXPECT_EQ(columns[column_of(&Product::id)].name, "id");
  EXPECT_EQ(columns[column_of(&Product::name)].name, "name");
  EXPECT_EQ(columns[column_of(&Product::price)].name, "price");
  EXPECT_EQ(columns[column_of(&Product::stock)].name, "stock");
  EXPECT_EQ(columns[column_of(&Product::category)].name, "category");
  EXPECT_EQ(manydb::schema::find_column_name(&Order::user_id), "user_id");
}

TEST(QueryCompile, RejectsMalformedQueries) {
  namespace qd = manydb::detail;
  EXPECT_THROW(compile_select(SelectQuery{}, pg()), manydb::ProgrammingError);
  const auto product = &table_info<Product>();
  // An operator outside the enumeration (a cast integer) is refused, never looked up.
  auto bad_op =
      qd::make_binary(static_cast<manydb::BinaryOp>(200), qd::make_value(1), qd::make_value(2));
  EXPECT_THROW(compile_select(SelectQuery{.table = product, .where = bad_op}, pg()),
               manydb::ProgrammingError);
  SelectQuery bad_aggregate{.table = product};
  bad_aggregate.select = {qd::make_aggregate(static_cast<manydb::AggregateFn>(200), nullptr)};
  EXPECT_THROW(compile_select(bad_aggregate, pg()), manydb::ProgrammingError);
  EXPECT_THROW(compile_select(SelectQuery{.table = product, .where = qd::make_column(99)}, pg()),
               manydb::ProgrammingError);
  EXPECT_THROW(compile_select(SelectQuery{.table = product, .limit = -1}, pg()),
               manydb::ProgrammingError);
  struct Unmapped {
    std::int64_t id = 0, extra = 0;
    static constexpr auto mapping() {
      return manydb::schema::table(
          "unmapped", manydb::schema::column("id", &Unmapped::id, manydb::schema::primary_key));
    }
  };
  EXPECT_THROW(col(&Unmapped::extra), manydb::ProgrammingError);
}

TEST(QueryCompile, ShapeCacheKeysOnShapeNotValues) {
  const auto query = [](std::int64_t stock, std::string name, std::vector<std::int64_t> ids) {
    return SelectQuery{.table = &table_info<Product>(),
                       .where = (col(&Product::stock) > stock && col(&Product::name) == name &&
                                 col(&Product::id).in(ids))
                                    .node(),
                       .limit = 17};
  };
  const std::size_t before = manydb::cached_query_shapes();
  auto first = compile_select(query(1, "a", {1, 2}), maria());
  EXPECT_EQ(manydb::cached_query_shapes(), before + 1);
  auto second = compile_select(query(5, "b", {8, 9}), maria());
  EXPECT_EQ(manydb::cached_query_shapes(), before + 1);
  EXPECT_EQ(first.sql, second.sql);
  EXPECT_EQ(second.params, (Params{5, "b", 8, 9, 17}));

  // Another in-list length, another dialect, another flag: each is a new shape.
  auto three = compile_select(query(5, "b", {8, 9, 10}), maria());
  EXPECT_EQ(manydb::cached_query_shapes(), before + 2);
  EXPECT_NE(three.sql, first.sql);
  compile_select(query(5, "b", {8, 9}), pg());
  EXPECT_EQ(manydb::cached_query_shapes(), before + 3);
  auto q = query(5, "b", {8, 9});
  q.offset = 2;
  EXPECT_EQ(compile_select(q, maria()).sql, first.sql + " OFFSET ?");
  EXPECT_EQ(manydb::cached_query_shapes(), before + 4);
}

TEST(QueryCompile, DifferentShapesDoNotCollide) {
  // Pairs that could share a naive key: operators, column indexes, nesting, statement kinds.
  const auto* product = &table_info<Product>();
  const auto s = col(&Product::stock);
  const auto p = col(&Product::price);
  const std::vector<manydb::Condition<Product>> conditions{s == 1,
                                                           s != 1,
                                                           s < 1,
                                                           p == 1,
                                                           s == 1 && p == 1,
                                                           s == 1 || p == 1,
                                                           !(s == 1),
                                                           s.is_null(),
                                                           s.is_not_null(),
                                                           s.in({1, 2}),
                                                           s.in({1}),
                                                           (s == 1 && p == 1) && s == 1,
                                                           s == 1 && (p == 1 && s == 1)};
  std::set<std::string> texts;
  const std::size_t before = manydb::cached_query_shapes();
  for (const auto& c : conditions) {
    texts.insert(compile_select(SelectQuery{.table = product, .where = c.node()}, lite()).sql);
    texts.insert(compile_count(SelectQuery{.table = product, .where = c.node()}, lite()).sql);
    texts.insert(compile_delete(*product, c.node(), lite()).sql);
  }
  EXPECT_EQ(texts.size(), conditions.size() * 3);
  EXPECT_EQ(manydb::cached_query_shapes(), before + conditions.size() * 3);
}

TEST(QueryCompile, ManyThreadsCompileAtOnce) {
  const std::size_t before = manydb::cached_query_shapes();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (std::int64_t i = 0; i < 500; ++i) {
        const auto where = col(&seed::Log::level) == "warn" && col(&seed::Log::id) > i;
        const SelectQuery q{.table = &table_info<seed::Log>(), .where = where.node(), .limit = t};
        const auto s = compile_select(q, lite());
        ASSERT_EQ(s.params, (Params{"warn", i, t}));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(manydb::cached_query_shapes(), before + 1);
}
