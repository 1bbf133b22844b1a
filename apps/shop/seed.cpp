#include "seed.hpp"

#include <algorithm>
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

// A session of the seed: it reaches the tenant's databases when it seeds one.
manydb::Session session(manydb::Database& db, const SeedOptions& o, std::string only_bind = {}) {
  return db.session({.only_bind = std::move(only_bind), .tenant = o.tenant});
}

bool is_shared(manydb::Database& db, const std::string& bind) {
  const auto shared = db.bind_names();
  return std::find(shared.begin(), shared.end(), bind) != shared.end();
}

// The binds seeding would fill that hold data already: every bind, or when seeding a tenant,
// the tenant's (shared binds are other tenants' too).
std::vector<std::string> binds_with_data(manydb::Database& db, const SeedOptions& o) {
  auto s = session(db, o);
  std::vector<std::string> full;
  auto check = [&](auto model) {
    using T = decltype(model);
    const auto& bind = manydb::schema::table_info<T>().bind_or_default();
    if (!o.tenant.empty() && is_shared(db, bind)) return;
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

void add_products(manydb::Session& s, const SeedOptions& o, Numbers& n,
                  std::vector<std::int64_t>& price_cents) {
  for (std::int64_t i = 1; i <= o.products; ++i) {
    price_cents.push_back(199 + n.next(99'800));
    s.add(Product{.name = "Product " + std::to_string(i),
                  .price = price_of(price_cents.back()),
                  .stock = 1'000 + n.next(1'000),
                  .category = "category-" + std::to_string(i % 10)});
  }
}

void add_users(manydb::Session& s, const SeedOptions& o) {
  for (std::int64_t i = 1; i <= o.users; ++i) {
    s.add(User{.username = "user" + std::to_string(i),
               .email = "user" + std::to_string(i) + "@example.com"});
  }
}

void seed_products_and_users(manydb::Database& db, const SeedOptions& o, Numbers& n,
                             std::vector<std::int64_t>& price_cents) {
  auto s = db.session();
  add_products(s, o, n, price_cents);
  add_users(s, o);
  s.commit();
}

// A tenant's products, in its own database; the shared users only when there are none yet
// (another tenant's seed made them), in a session of their own: a commit over a tenant's
// database and a shared one cannot be atomic. Returns how many users the orders may name.
std::int64_t seed_tenant_products(manydb::Database& db, const SeedOptions& o, Numbers& n,
                                  std::vector<std::int64_t>& price_cents) {
  auto s = session(db, o);
  add_products(s, o, n, price_cents);
  s.commit();
  auto users = session(db, o, manydb::schema::table_info<User>().bind_or_default());
  if (const auto existing = users.query<User>().count(); existing > 0) return existing;
  add_users(users, o);
  users.commit();
  return o.users;
}

void seed_orders(manydb::Database& db, const SeedOptions& o, Numbers& n,
                 const std::vector<std::int64_t>& price_cents) {
  constexpr std::int64_t kPerSession = 250;
  for (std::int64_t first = 0; first < o.orders; first += kPerSession) {
    auto s = session(db, o, manydb::schema::table_info<Order>().bind_or_default());
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
  auto s = session(db, o, manydb::schema::table_info<Review>().bind_or_default());
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
void analyze(manydb::Database& db, const SeedOptions& o) {
  for (const auto& bind : db.bind_names()) {
    auto& engine = db.engine(bind);
    const std::string_view statement = engine.dialect().gather_statistics_statement();
    if (!statement.empty()) engine.execute(statement);
  }
  if (o.tenant.empty()) return;
  for (const auto& bind : db.models().binds()) {
    if (is_shared(db, bind)) continue;
    auto s = session(db, o, bind);
    const std::string statement(s.connection(bind).dialect().gather_statistics_statement());
    if (!statement.empty()) s.execute(bind, statement, {});
    s.commit();
  }
}

// Before a tenant is seeded: it exists, its tables do, and --reset drops and recreates it.
void prepare_tenant(manydb::Database& db, const SeedOptions& o, bool reset) {
  auto tenants = db.tenants();
  if (!tenants.exists(o.tenant)) {
    throw manydb::ConfigError("seed: no tenant '" + o.tenant +
                              "'; create it first (tenant create " + o.tenant + ")");
  }
  if (reset) {
    tenants.drop(o.tenant);
    tenants.create(o.tenant);
  }
  tenants.create_all(o.tenant);
}

}  // namespace

bool seed(manydb::Database& db, const SeedOptions& o, std::ostream& out) {
  if (o.products < 1 || o.users < 1 || o.orders < 0 || o.reviews < 0) {
    throw manydb::ConfigError("seed: --products and --users must be at least 1");
  }
  if (db.has_tenants() && o.tenant.empty()) {
    throw manydb::ConfigError(
        "seed: this configuration has tenant binds: seed one tenant with --tenant NAME");
  }
  db.create_all();
  if (!o.tenant.empty()) prepare_tenant(db, o, false);
  if (const auto full = binds_with_data(db, o); !full.empty()) {
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
    if (o.tenant.empty()) {
      db.drop_all();
      db.create_all();
    } else {
      prepare_tenant(db, o, true);
    }
  }
  Numbers n;
  std::vector<std::int64_t> price_cents;
  SeedOptions sized = o;
  if (o.tenant.empty()) {
    seed_products_and_users(db, o, n, price_cents);
  } else {
    sized.users = seed_tenant_products(db, o, n, price_cents);
  }
  seed_orders(db, sized, n, price_cents);
  seed_reviews(db, sized, n);
  analyze(db, o);
  out << "seeded " << o.products << " products, " << sized.users << " users, " << o.orders
      << " orders, " << o.reviews << " reviews"
      << (o.tenant.empty() ? "" : " in tenant " + o.tenant) << "\n";
  return true;
}

}  // namespace shop
