// Tutorial step 3: models, each living on one bind.
// A model is a plain struct with a static mapping() beside it; `bind_key` plays the part of
// Flask-SQLAlchemy's __bind_key__, and a model without one lives on the default bind.
//
//   ./02_models_with_bind_keys
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "example_support.hpp"
#include "manydb/manydb.hpp"

using example::expect;
using example::sqlite_file;
constexpr std::string_view kStep = "02";  // its SQLite files: $TMPDIR/manydb-examples/02

namespace s = manydb::schema;

// The primary database (no bind_key).
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
    // unique text needs a length: MariaDB cannot index unbounded TEXT.
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
    // default_now: the database stamps the row, like db.func.current_timestamp().
    return s::table("log", s::column("id", &Log::id, s::primary_key),
                    s::column("timestamp", &Log::timestamp, s::default_now),
                    s::column("level", &Log::level, s::varchar(10)),
                    s::column("message", &Log::message));
  }
};

// A model whose bind nobody configured: a mistake manydb reports at registration.
struct Invoice {
  std::int64_t id = 0;
  static constexpr std::string_view bind_key = "billing";
  static constexpr auto mapping() {
    return s::table("invoice", s::column("id", &Invoice::id, s::primary_key));
  }
};

namespace {

template <class Model>
void show(const char* model) {
  const auto& table = s::table_info<Model>();
  std::printf("%-8s -> table %-8s on bind %s\n", model, table.name.c_str(),
              table.bind_or_default().c_str());
}

}  // namespace

int main() {
  try {
    manydb::DatabaseConfig config;
    config.set_default(sqlite_file(kStep, "primary"))
        .add_bind("users_db", sqlite_file(kStep, "users"))
        .add_bind("logs_db", sqlite_file(kStep, "logs"));
    config.apply_environment();
    manydb::Database db(config);

    // Registration checks each mapping against the configured binds now, not at first use.
    db.register_models<Product, User, Log>();
    show<Product>("Product");
    show<User>("User");
    show<Log>("Log");
    expect(s::table_info<Product>().bind_or_default() == "default", "Product on the default");
    expect(s::table_info<User>().bind_or_default() == "users_db", "User on users_db");
    expect(s::table_info<Log>().bind_or_default() == "logs_db", "Log on logs_db");

    bool refused = false;
    try {
      db.register_models<Invoice>();
    } catch (const manydb::ConfigError& e) {
      refused = true;
      std::printf("Invoice refused: %s\n", e.what());
    }
    expect(refused, "a model on a bind that is not configured is refused");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "02_models_with_bind_keys: %s\n", e.what());
    return 1;
  }
}
