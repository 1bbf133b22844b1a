// Tutorial, "Challenge 2: Managing Transactions Across Databases".
// An order takes stock in the products database and writes the order in the orders database.
// The seed admits its version "isn't a true distributed transaction"; a manydb session that
// wrote to several binds commits them atomically (two-phase commit where the engine can
// prepare, a durable decision record, recovery after a crash): all binds or none.
//
//   ./08_transaction_across_databases
#include <cstdio>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "example_support.hpp"
#include "manydb/manydb.hpp"

using example::expect;
using example::sqlite_file;
constexpr std::string_view kStep = "08";  // its SQLite files: $TMPDIR/manydb-examples/08

namespace s = manydb::schema;
using manydb::col;

struct Product {
  std::int64_t id = 0;
  std::string name;
  double price = 0;
  std::int64_t stock = 0;
  static constexpr auto mapping() {
    return s::table("product", s::column("id", &Product::id, s::primary_key),
                    s::column("name", &Product::name, s::varchar(100)),
                    s::column("price", &Product::price),
                    s::column("stock", &Product::stock, s::check("stock >= 0")));
  }
};

struct Order {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  double total_amount = 0;
  static constexpr std::string_view bind_key = "orders";
  static constexpr auto mapping() {
    return s::table("order", s::column("id", &Order::id, s::primary_key),
                    s::column("user_id", &Order::user_id),
                    s::column("total_amount", &Order::total_amount));
  }
};

struct OrderItem {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
  double price = 0;
  static constexpr std::string_view bind_key = "orders";
  static constexpr auto mapping() {
    return s::table("order_item", s::column("id", &OrderItem::id, s::primary_key),
                    s::column("order_id", &OrderItem::order_id, s::references<&Order::id>()),
                    s::column("product_id", &OrderItem::product_id, s::refers_to<&Product::id>()),
                    s::column("quantity", &OrderItem::quantity, s::check("quantity > 0")),
                    s::column("price", &OrderItem::price));
  }
};

struct Line {
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
};

namespace {

// The seed's create_order: the order's id, or nullopt when a product is unknown or short of
// stock, in which case nothing at all was written. Throws what a database throws; then too,
// nothing was written anywhere.
std::optional<std::int64_t> create_order(manydb::Database& db, std::int64_t user_id,
                                         const std::vector<Line>& lines) {
  auto session = db.session();  // over every bind; Commit::atomic is the default
  std::vector<double> prices;
  for (const auto& line : lines) {
    // Check and take the stock in one guarded statement, so two orders cannot both take the
    // last one; it returns the row as updated, price included.
    const auto taken =
        session.query<Product>()
            .where(col(&Product::id) == line.product_id && col(&Product::stock) >= line.quantity)
            .update_returning(manydb::set(&Product::stock, col(&Product::stock) - line.quantity));
    if (taken.size() != 1) return std::nullopt;  // the session's end rolls back earlier lines
    prices.push_back(taken.front().price);
  }
  double total = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) total += prices[i] * lines[i].quantity;
  auto& order = session.add(Order{.user_id = user_id, .total_amount = total});
  for (std::size_t i = 0; i < lines.size(); ++i) {
    session.add_child<&OrderItem::order_id>(order, OrderItem{.product_id = lines[i].product_id,
                                                             .quantity = lines[i].quantity,
                                                             .price = prices[i]});
  }
  session.commit();  // products and orders: both or neither, whatever fails when
  return order.id;
}

std::int64_t stock_of(manydb::Database& db, std::int64_t product_id) {
  return db.session().get_or_throw<Product>(product_id).stock;
}

std::int64_t orders_placed(manydb::Database& db) { return db.session().query<Order>().count(); }

}  // namespace

int main() {
  try {
    manydb::DatabaseConfig config;
    config.set_default(sqlite_file(kStep, "products"))
        .add_bind("orders", sqlite_file(kStep, "orders"));
    config.apply_environment();
    manydb::Database db(config);
    db.register_models<Product, Order, OrderItem>();
    db.drop_all();
    db.create_all();
    std::int64_t laptop = 0, mouse = 0;
    {
      auto session = db.session();
      auto& l = session.add(Product{.name = "Laptop", .price = 999.99, .stock = 5});
      auto& m = session.add(Product{.name = "Mouse", .price = 19.5, .stock = 1});
      session.commit();
      laptop = l.id;
      mouse = m.id;
    }

    // 1. Both databases change together.
    const auto placed = create_order(db, 7, {{laptop, 2}, {mouse, 1}});
    expect(placed.has_value(), "the first order is placed");
    std::printf("order %lld placed: laptop stock %lld, mouse stock %lld\n",
                static_cast<long long>(*placed), static_cast<long long>(stock_of(db, laptop)),
                static_cast<long long>(stock_of(db, mouse)));
    expect(stock_of(db, laptop) == 3 && stock_of(db, mouse) == 0, "the stock was taken");

    // 2. The mouse is sold out: the laptop taken for the first line is given back.
    expect(!create_order(db, 8, {{laptop, 1}, {mouse, 1}}), "no mouse left, no order");
    expect(stock_of(db, laptop) == 3, "the laptop's stock is unchanged");
    std::puts("sold out: refused, nothing written");

    // 3. The orders database refuses an item when the session commits, after the stock was
    // taken in the products database: every bind is rolled back. (A crash halfway through the
    // commit itself is finished one way everywhere by recovery: docs/sessions.md.)
    try {
      create_order(db, 9, {{laptop, 0}});
      expect(false, "an item of quantity 0 is refused");
    } catch (const manydb::IntegrityError& e) {
      std::printf("refused at commit: %s\n", e.what());
    }
    expect(stock_of(db, laptop) == 3, "the products database rolled back too");
    expect(orders_placed(db) == 1, "only the first order exists");
    std::puts("all or nothing across both databases");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "08_transaction_across_databases: %s\n", e.what());
    return 1;
  }
}
