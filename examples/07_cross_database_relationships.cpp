// Tutorial, "Challenge 1: Cross-Database Relationships", without the N+1 queries.
// A database cannot hold a foreign key into another one, so the seed's get_order_with_details
// fetches each item's product with its own query: one statement per item. In manydb the
// mapping declares the logical link once (refers_to, allowed across binds), and
// load_related<&OrderItem::product_id>(items) fetches every product of the batch in one query.
//
//   ./07_cross_database_relationships
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "example_support.hpp"
#include "manydb/manydb.hpp"

using example::expect;
using example::sqlite_file;
constexpr std::string_view kStep = "07";  // its SQLite files: $TMPDIR/manydb-examples/07

namespace s = manydb::schema;
using manydb::col;

struct Product {
  std::int64_t id = 0;
  std::string name;
  double price = 0;
  static constexpr auto mapping() {
    return s::table("product", s::column("id", &Product::id, s::primary_key),
                    s::column("name", &Product::name, s::varchar(100)),
                    s::column("price", &Product::price));
  }
};

struct User {
  std::int64_t id = 0;
  std::string username;
  static constexpr std::string_view bind_key = "users";
  static constexpr auto mapping() {
    return s::table("user", s::column("id", &User::id, s::primary_key),
                    s::column("username", &User::username, s::varchar(80), s::unique));
  }
};

struct Order {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  static constexpr std::string_view bind_key = "orders";
  static constexpr auto mapping() {
    return s::table("order", s::column("id", &Order::id, s::primary_key),
                    s::column("user_id", &Order::user_id, s::refers_to<&User::id>()));
  }
};

struct OrderItem {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
  static constexpr std::string_view bind_key = "orders";
  static constexpr auto mapping() {
    return s::table(
        "order_item", s::column("id", &OrderItem::id, s::primary_key),
        // Same bind: a real foreign key. Another bind: a logical reference, no constraint.
        s::column("order_id", &OrderItem::order_id, s::indexed, s::references<&Order::id>()),
        s::column("product_id", &OrderItem::product_id, s::refers_to<&Product::id>()),
        s::column("quantity", &OrderItem::quantity));
  }
};

namespace {

// Statements sent to every bind so far: how the example proves its query count.
std::uint64_t statements(manydb::Database& db) {
  std::uint64_t n = 0;
  for (const auto& bind : db.bind_names()) n += db.engine(bind).statements();
  return n;
}

// The seed's get_order_with_details: the order, its user and its items with product names, from
// three databases, in four statements however many items the order has.
void print_order_with_details(manydb::Session& session, std::int64_t order_id) {
  const auto order = session.query<Order>().filter_by(&Order::id, order_id).one();
  const auto items = session.query<OrderItem>().where(col(&OrderItem::order_id) == order_id).all();
  const auto users = session.load_related<&Order::user_id>(std::vector{order});  // {id: User}
  const auto products = session.load_related<&OrderItem::product_id>(items);     // {id: Product}
  std::printf("order %lld for %s:", static_cast<long long>(order.id),
              users.at(order.user_id).username.c_str());
  for (const auto& item : items) {
    std::printf(" %lldx %s", static_cast<long long>(item.quantity),
                products.at(item.product_id).name.c_str());
  }
  std::printf("\n");
}

// Sample data: an order by user `user_id` of the first `n` products; returns its id.
std::int64_t place_order(manydb::Database& db, std::int64_t user_id,
                         const std::vector<std::int64_t>& products, std::size_t n) {
  auto session = db.session_for<Order>();
  auto& order = session.add(Order{.user_id = user_id});
  for (std::size_t i = 0; i < n; ++i) {  // the items take the order's key when it is inserted
    session.add_child<&OrderItem::order_id>(
        order, OrderItem{.product_id = products[i], .quantity = std::int64_t(i + 1)});
  }
  session.commit();
  return order.id;
}

}  // namespace

int main() {
  try {
    manydb::DatabaseConfig config;
    config.set_default(sqlite_file(kStep, "products"))
        .add_bind("users", sqlite_file(kStep, "users"))
        .add_bind("orders", sqlite_file(kStep, "orders"));
    config.apply_environment();
    manydb::Database db(config);
    db.register_models<Product, User, Order, OrderItem>();
    db.drop_all();
    db.create_all();
    std::int64_t ada = 0;
    std::vector<std::int64_t> products;
    {
      auto session = db.session();
      auto& user = session.add(User{.username = "ada"});
      std::vector<Product*> added;
      for (int i = 1; i <= 20; ++i) {
        added.push_back(
            &session.add(Product{.name = "product-" + std::to_string(i), .price = 1.0 * i}));
      }
      session.commit();  // the keys are read back into the objects
      ada = user.id;
      for (const auto* p : added) products.push_back(p->id);
    }
    const auto small = place_order(db, ada, products, 2);
    const auto large = place_order(db, ada, products, 20);

    std::vector<std::uint64_t> cost;
    for (const auto order_id : {small, large}) {
      auto session = db.session({.begin = manydb::Begin::at_first_write});  // no BEGIN to count
      const auto before = statements(db);
      print_order_with_details(session, order_id);
      cost.push_back(statements(db) - before);
      std::printf("  -> %llu statements\n", static_cast<unsigned long long>(cost.back()));
    }
    expect(cost[0] == cost[1], "2 items and 20 items cost the same number of statements");
    expect(cost[1] < 20, "fewer statements than items: no query per item");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "07_cross_database_relationships: %s\n", e.what());
    return 1;
  }
}
