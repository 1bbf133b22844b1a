// Tutorial step 4: create the tables, each in its own bind.
// db.create_all() creates every bind's tables; db.create_all("users_db") only that bind's,
// like create_all(bind='users_db'). Both are idempotent (CREATE TABLE IF NOT EXISTS).
//
//   ./03_create_tables_per_bind
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "example_support.hpp"
#include "manydb/manydb.hpp"

using example::expect;
using example::sqlite_file;
constexpr std::string_view kStep = "03";  // its SQLite files: $TMPDIR/manydb-examples/03

namespace s = manydb::schema;

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
  static constexpr std::string_view bind_key = "users_db";
  static constexpr auto mapping() {
    return s::table("user", s::column("id", &User::id, s::primary_key),
                    s::column("username", &User::username, s::varchar(80), s::unique));
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

namespace {

// Whether `bind` holds `table`, as the bind's own catalogue says.
bool has_table(manydb::Database& db, const std::string& bind, const std::string& table) {
  return db.inspect(bind).table(table) != nullptr;
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
    db.register_models<Product, User, Log>();

    db.drop_all();  // start empty, so the example can run again

    // One bind at a time: only users_db gets a table.
    db.create_all("users_db");
    expect(has_table(db, "users_db", "user"), "users_db has user");
    expect(!has_table(db, "default", "product"), "the default bind has no product yet");
    std::puts("create_all(\"users_db\"): user created in users_db only");

    // Then every bind; what exists already is left alone.
    db.create_all();
    const std::vector<std::pair<std::string, std::string>> placement{
        {"default", "product"}, {"users_db", "user"}, {"logs_db", "log"}};
    for (const auto& [bind, table] : placement) {
      for (const auto& other : db.bind_names()) {  // in its own bind, and in no other
        expect(has_table(db, other, table) == (other == bind), table + " placed in " + bind);
      }
      std::printf("%-9s holds %s\n", bind.c_str(), table.c_str());
    }

    // The live schema against the models: nothing missing, nothing different.
    const auto differences = db.check_schema();
    for (const auto& d : differences) std::puts(d.to_string().c_str());
    expect(differences.empty(), "every bind matches its models");
    std::puts("check_schema: every bind matches its models");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "03_create_tables_per_bind: %s\n", e.what());
    return 1;
  }
}
