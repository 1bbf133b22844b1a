// Tutorial, "Inserting Data" and "Querying Data": one session over every bind.
// s.add() routes each object to its model's bind; commit() writes all three binds, atomically
// since the session wrote to more than one. Queries read from the model's bind, typed.
//
//   ./04_insert_and_query
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "example_support.hpp"
#include "manydb/manydb.hpp"

using example::expect;
using example::sqlite_file;
constexpr std::string_view kStep = "04";  // its SQLite files: $TMPDIR/manydb-examples/04

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
  std::string email;
  static constexpr std::string_view bind_key = "users_db";
  static constexpr auto mapping() {
    return s::table("user", s::column("id", &User::id, s::primary_key),
                    s::column("username", &User::username, s::varchar(80), s::unique),
                    s::column("email", &User::email, s::varchar(120), s::unique));
  }
};

struct Log {
  std::int64_t id = 0;
  manydb::Timestamp timestamp{};
  std::string level;
  std::string message;
  static constexpr std::string_view bind_key = "logs_db";
  static constexpr auto mapping() {
    return s::table("log", s::column("id", &Log::id, s::primary_key),
                    s::column("timestamp", &Log::timestamp, s::default_now),
                    s::column("level", &Log::level, s::varchar(10), s::indexed),
                    s::column("message", &Log::message));
  }
};

int main() {
  try {
    manydb::DatabaseConfig config;
    config.set_default(sqlite_file(kStep, "primary"))
        .add_bind("users_db", sqlite_file(kStep, "users"))
        .add_bind("logs_db", sqlite_file(kStep, "logs"));
    config.apply_environment();
    manydb::Database db(config);
    db.register_models<Product, User, Log>();
    db.drop_all();
    db.create_all();

    {
      auto session = db.session();
      auto& laptop = session.add(Product{.name = "Laptop", .price = 999.99});
      session.add(User{.username = "john_doe", .email = "john@example.com"});
      session.add(Log{.level = "INFO", .message = "Application started"});
      session.add(Log{.level = "DEBUG", .message = "cache warmed"});
      session.commit();  // three binds, all or nothing
      // Generated keys (and default_now columns) are read back into the objects.
      std::printf("inserted product %lld\n", static_cast<long long>(laptop.id));
      expect(laptop.id > 0, "the product got its key");
    }

    auto session = db.session();
    // all() returns plain values; nothing is tracked, so reading costs no bookkeeping.
    const auto products = session.query<Product>().all();
    for (const auto& p : products) std::printf("product: %s %.2f\n", p.name.c_str(), p.price);
    const auto users = session.query<User>().all();
    for (const auto& u : users) std::printf("user: %s <%s>\n", u.username.c_str(), u.email.c_str());
    // filter_by(level='INFO'): the value is a bound parameter, and its type is checked at
    // compile time (comparing level with a number does not compile).
    const auto info = session.query<Log>().where(col(&Log::level) == "INFO").all();
    for (const auto& l : info) {
      std::printf("info log: [%s] %s\n", l.timestamp.to_string().c_str(), l.message.c_str());
    }

    expect(products.size() == 1 && products[0].name == "Laptop", "one product, the laptop");
    expect(users.size() == 1 && users[0].username == "john_doe", "one user, john_doe");
    expect(info.size() == 1 && info[0].message == "Application started", "one INFO log");
    expect(session.query<Log>().count() == 2, "two logs in all");
    // The same rows through raw SQL on the bind that holds them; the bind's dialect quotes
    // the table name its own way (backticks on MariaDB, double quotes elsewhere).
    const auto& dialect = db.engine("logs_db").dialect();
    const auto raw = db.execute(
        "logs_db", "SELECT count(*) FROM " + dialect.quote_identifier("log") + " WHERE level = ?",
        {"DEBUG"});
    expect(raw.rows[0][0].as_int64() == 1, "one DEBUG log through raw SQL");
    std::puts("every bind holds what was inserted");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "04_insert_and_query: %s\n", e.what());
    return 1;
  }
}
