// Tutorial, "Using Sessions with Specific Binds": a session that works on one bind only.
// The seed builds a scoped session on users_db's engine; manydb's db.session_for<User>() names
// the bind by the model that lives there, so the name cannot drift from the model's bind_key.
// Such a session commits its one bind alone, and refuses every other bind.
//
//   ./05_session_for_one_bind
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "example_support.hpp"
#include "manydb/manydb.hpp"

using example::expect;
using example::sqlite_file;
constexpr std::string_view kStep = "05";  // its SQLite files: $TMPDIR/manydb-examples/05

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

int main() {
  try {
    manydb::DatabaseConfig config;
    config.set_default(sqlite_file(kStep, "primary"))
        .add_bind("users_db", sqlite_file(kStep, "users"));
    config.apply_environment();
    manydb::Database db(config);
    db.register_models<Product, User>();
    db.drop_all();
    db.create_all();

    {
      auto users = db.session_for<User>();  // the bind User lives on
      users.add(User{.username = "jane_doe", .email = "jane@example.com"});
      users.commit();
    }  // the session ends here: like users_session.close(), it gives its connection back
    {
      // The same by name, with the options every session takes.
      auto users = db.session({.only_bind = "users_db"});
      users.add(User{.username = "john_doe", .email = "john@example.com"});
      users.commit();
      std::printf("users_db holds %lld users\n",
                  static_cast<long long>(users.query<User>().count()));
      expect(users.query<User>().where(col(&User::username).like("j%_doe")).count() == 2,
             "both users were committed");
    }

    // Another bind's model in a one-bind session is an error, not a silent second transaction.
    bool refused = false;
    try {
      auto users = db.session_for<User>();
      users.add(Product{.name = "Laptop", .price = 999.99});
      users.commit();
    } catch (const manydb::ConfigError& e) {
      refused = true;
      std::printf("refused: %s\n", e.what());
    }
    expect(refused, "a product cannot go through the users_db session");
    expect(db.session().query<Product>().count() == 0, "and no product was written");
    std::puts("the users_db session wrote to users_db only");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "05_session_for_one_bind: %s\n", e.what());
    return 1;
  }
}
