// Tutorial step 2: configure a default database and named binds.
// Flask-SQLAlchemy's SQLALCHEMY_DATABASE_URI + SQLALCHEMY_BINDS are manydb's [database] url and
// [database.binds] in TOML (or DatabaseConfig in code); DATABASE_URL and MANYDB_BIND_<NAME>
// override them from the environment, as twelve-factor deployments expect.
//
//   ./01_configure_binds                 # SQLite files in the temp directory
//   ./01_configure_binds my-config.toml  # your own file
//   MANYDB_BIND_LOGS_DB=mariadb://u:p@127.0.0.1/logs ./01_configure_binds
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "example_support.hpp"
#include "manydb/manydb.hpp"

using example::expect;
using example::sqlite_file;
constexpr std::string_view kStep = "01";  // its SQLite files: $TMPDIR/manydb-examples/01

namespace {

// Defaults that need no server: one SQLite file per bind under the temp directory.
// The seed's configuration, as a TOML file would hold it. Pool settings sit beside a URL.
std::string default_toml() {
  return "[database]\n"
         "url = \"" +
         sqlite_file(kStep, "primary") +
         "\"\n"
         "\n"
         "[database.binds]\n"
         "users_db = \"" +
         sqlite_file(kStep, "users") +
         "\"\n"
         "logs_db = { url = \"" +
         sqlite_file(kStep, "logs") + "\", pool_size = 2 }\n";
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // From a file when one is given; from_file applies the environment overrides itself.
    manydb::DatabaseConfig config =
        argc > 1 ? manydb::DatabaseConfig::from_toml_file(argv[1])
                 : manydb::DatabaseConfig::from_toml_string(default_toml(), "defaults");
    config.apply_environment();  // DATABASE_URL, MANYDB_BIND_USERS_DB, MANYDB_BIND_LOGS_DB

    // One Database holds every bind; each bind gets its own engine and connection pool.
    // Connections open lazily, so a server that is down fails only what uses it.
    manydb::Database db(config);

    for (const auto& bind : db.bind_names()) {
      auto& engine = db.engine(bind);
      // Raw SQL on one bind; values would be bound parameters, never pasted into the text.
      const auto result = db.execute(bind, "SELECT 1 + 1");
      expect(result.rows.size() == 1 && result.rows[0][0].as_int64() == 2, bind + " answers");
      // A URL printed or logged hides its password.
      const std::string kind(engine.dialect().name());
      std::printf("%-9s %-10s %s\n", bind.c_str(), kind.c_str(), engine.url().redacted().c_str());
    }
    if (argc == 1) {
      const std::vector<std::string> expected{"default", "logs_db", "users_db"};
      expect(db.bind_names() == expected, "the three binds of the seed are configured");
    }
    std::puts("every bind answered");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "01_configure_binds: %s\n", e.what());
    return 1;
  }
}
