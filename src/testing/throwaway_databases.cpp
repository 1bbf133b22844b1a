#include "manydb/testing/throwaway_databases.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "manydb/core/errors.hpp"
#include "manydb/driver/connection.hpp"

namespace manydb::testing {

namespace {
std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

void remove_sqlite_files(const Url& url) {
  if (url.is_memory()) return;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ignored;
    std::filesystem::remove(url.database + suffix, ignored);
  }
}

std::string url_of(const Url& server, const std::string& database) {
  return std::string(to_string(server.backend)) + "://" + percent_encode(server.user) + ":" +
         percent_encode(server.password) + "@" + server.host + ":" +
         std::to_string(server.port_or_default()) + "/" + database;
}
}  // namespace

std::string test_server_url(Backend backend) {
  switch (backend) {
    case Backend::postgresql: return env("MANYDB_TEST_POSTGRES_URL");
    case Backend::mariadb: return env("MANYDB_TEST_MARIADB_URL");
    case Backend::sqlite: break;
  }
  return "sqlite:///" + std::filesystem::temp_directory_path().string();
}

std::string create_database(const Url& server, const std::string& name, std::string_view options) {
  if (server.backend == Backend::sqlite) {
    const std::string text =
        "sqlite:///" + (std::filesystem::temp_directory_path() / (name + ".db")).string();
    remove_sqlite_files(Url::parse(text));
    return text;
  }
  auto admin = connect(server, ConnectOptions{"admin"});
  const std::string quoted = admin->dialect().quote_identifier(name);
  admin->execute_script("DROP DATABASE IF EXISTS " + quoted +
                        (server.backend == Backend::postgresql ? " WITH (FORCE)" : ""));
  admin->execute_script("CREATE DATABASE " + quoted +
                        (options.empty() ? "" : " " + std::string(options)));
  return url_of(server, name);
}

void drop_database(const Url& server, const Url& database) {
  if (database.backend == Backend::sqlite) return remove_sqlite_files(database);
  auto admin = connect(server, ConnectOptions{"admin"});
  admin->execute_script("DROP DATABASE IF EXISTS " +
                        admin->dialect().quote_identifier(database.database) +
                        (database.backend == Backend::postgresql ? " WITH (FORCE)" : ""));
}

ThrowawayDatabases::ThrowawayDatabases(std::string prefix) : prefix_(std::move(prefix)) {}

ThrowawayDatabases::~ThrowawayDatabases() { drop_all(); }

std::string ThrowawayDatabases::create(Backend backend, const std::string& name,
                                       std::string_view options) {
  const std::string server = test_server_url(backend);
  if (server.empty()) {
    throw ConfigError(
        std::string("no ") + std::string(to_string(backend)) +
        " server for throwaway databases: set " +
        (backend == Backend::postgresql ? "MANYDB_TEST_POSTGRES_URL" : "MANYDB_TEST_MARIADB_URL") +
        " (scripts/with-db does)");
  }
  return create(Url::parse(server), name, options);
}

std::string ThrowawayDatabases::create(const Url& server, const std::string& name,
                                       std::string_view options) {
  const std::string full = prefix_ + "_" + std::to_string(::getpid()) + "_" +
                           (name.empty() ? std::to_string(++counter_) : name);
  std::string url = create_database(server, full, options);
  made_.push_back({server, Url::parse(url)});
  return url;
}

void ThrowawayDatabases::drop_all() noexcept {
  while (!made_.empty()) {
    const Made made = made_.back();
    made_.pop_back();
    try {
      drop_database(made.server, made.database);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "manydb: dropping a throwaway database: %s\n", e.what());
    }
  }
}

}  // namespace manydb::testing
