#include "seed.hpp"

#include <ostream>

#include "models.hpp"

namespace shop {

namespace {

// A fixed linear congruential generator: seeding must give the same rows on every machine.
class Numbers {
 public:
  std::int64_t next(std::int64_t bound) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::int64_t>((state_ >> 33) % static_cast<std::uint64_t>(bound));
  }

 private:
  std::uint64_t state_ = 20261125;
};

std::vector<std::string> binds_with_data(manydb::Database& db) {
  auto s = db.session();
  std::vector<std::string> full;
  auto check = [&](auto model) {
    using T = decltype(model);
    const auto& bind = manydb::schema::table_info<T>().bind_or_default();
    if (s.query<T>().exists() && (full.empty() || full.back() != bind)) full.push_back(bind);
  };
  check(Product{});
  check(User{});
  check(Order{});
  check(Review{});
  check(PageView{});
  return full;
}

double price_of(std::int64_t cents) { return static_cast<double>(cents) / 100; }

void seed_products_and_users(manydb::Database& db, const SeedOptions& o, Numbers& n,
                             std::vector<std::int64_t>& price_cents) {
  auto s = db.session();
  for (std::int64_t i = 1; i <= o.products; ++i) {
    price_cents.push_back(199 + n.next(99'800));
    s.add(Product{.name = "Product " + std::to_string(i),
                  .price = price_of(price_cents.back()),
                  .stock = 1'000 + n.next(1'000),
                  .category = "category-" + std::to_string(i % 10)});
  }
  for (std::int64_t i = 1; i <= o.users; ++i) {
    s.add(User{.username = "user" + std::to_string(i),
               .email = "user" + std::to_string(i) + "@example.com"});
  }
  s.commit();
}

void seed_orders(manydb::Database& db, const SeedOptions& o, Numbers& n,
                 const std::vector<std::int64_t>& price_cents) {
  constexpr std::int64_t kPerSession = 250;
  for (std::int64_t first = 0; first < o.orders; first += kPerSession) {
    auto s = db.session_for<Order>();
    for (std::int64_t k = first; k < std::min(o.orders, first + kPerSession); ++k) {
      auto& order = s.add(Order{.user_id = 1 + n.next(o.users), .status = "completed"});
      std::vector<OrderItem> items;
      std::int64_t total = 0;
      for (std::int64_t line = 0, lines = 1 + n.next(5); line < lines; ++line) {
        const auto product = 1 + n.next(o.products);
        const auto quantity = 1 + n.next(3);
        const auto cents = price_cents[static_cast<std::size_t>(product - 1)];
        total += cents * quantity;
        items.push_back({.product_id = product, .quantity = quantity, .price = price_of(cents)});
      }
      order.total_amount = price_of(total);
      s.flush();
      for (auto& item : items) {
        item.order_id = order.id;
        s.add(item);
      }
    }
    s.commit();
  }
}

void seed_reviews(manydb::Database& db, const SeedOptions& o, Numbers& n) {
  auto s = db.session_for<Review>();
  static const char* kComments[] = {"Great value", "Does the job", "Broke after a week",
                                    "Would buy again", "Arrived late but works"};
  for (std::int64_t i = 0; i < o.reviews; ++i) {
    s.add(Review{.product_id = 1 + n.next(o.products),
                 .user_id = 1 + n.next(o.users),
                 .rating = 1 + n.next(5),
                 .comment = kComments[n.next(5)]});
  }
  s.commit();
}

// Planner statistics for the rows just written, as after any bulk load. PostgreSQL's
// autovacuum gathers them only after a while, and without them it plans `id IN (...)` on a
// freshly filled table as a sequential scan. SQLite looks rows up by key without statistics;
// InnoDB gathers its own as rows are written.
void analyze(manydb::Database& db) {
  for (const auto& bind : db.bind_names()) {
    auto& engine = db.engine(bind);
    const std::string_view statement = engine.dialect().gather_statistics_statement();
    if (!statement.empty()) engine.execute(statement);
  }
}

}  // namespace

bool seed(manydb::Database& db, const SeedOptions& o, std::ostream& out) {
  if (o.products < 1 || o.users < 1 || o.orders < 0 || o.reviews < 0) {
    throw manydb::ConfigError("seed: --products and --users must be at least 1");
  }
  db.create_all();
  if (const auto full = binds_with_data(db); !full.empty()) {
    std::string list;
    for (const auto& b : full) list += (list.empty() ? "" : ", ") + b;
    if (o.if_empty) {
      out << "not seeding: bind(s) " << list << " already hold data\n";
      return false;
    }
    if (!o.reset) {
      throw manydb::ConfigError("seed: bind(s) " + list +
                                " already hold data; add --reset to drop and reseed them");
    }
    db.drop_all();
    db.create_all();
  }
  Numbers n;
  std::vector<std::int64_t> price_cents;
  seed_products_and_users(db, o, n, price_cents);
  seed_orders(db, o, n, price_cents);
  seed_reviews(db, o, n);
  analyze(db);
  out << "seeded " << o.products << " products, " << o.users << " users, " << o.orders
      << " orders, " << o.reviews << " reviews\n";
  return true;
}

}  // namespace shop
