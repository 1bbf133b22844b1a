#pragma once
// Empty databases of a test process's own, dropped when it is done with them: on the servers
// named by MANYDB_TEST_POSTGRES_URL and MANYDB_TEST_MARIADB_URL (a user that may CREATE
// DATABASE; scripts/with-db sets both), and as SQLite files in the temporary directory. Names
// hold the process id, so test processes running side by side (ctest -j) never meet.
//
//   manydb::testing::ThrowawayDatabases databases;
//   if (!databases.available(manydb::Backend::postgresql)) GTEST_SKIP();
//   config.add_bind("orders", databases.create(manydb::Backend::postgresql, "orders"));
#include <string>
#include <string_view>
#include <vector>

#include "manydb/core/url.hpp"

namespace manydb::testing {

// The server URL the environment gives for `backend` (MANYDB_TEST_POSTGRES_URL,
// MANYDB_TEST_MARIADB_URL); empty when unset. For SQLite, "sqlite:///" + the temporary directory.
std::string test_server_url(Backend backend);

// Creates database `name` on the server of `server` (after dropping one of that name, left by a
// run that crashed), with `options` after CREATE DATABASE; for SQLite, a path in the temporary
// directory where no file is left. Returns its URL, with `server`'s user and password.
std::string create_database(const Url& server, const std::string& name,
                            std::string_view options = {});
// Drops `database` from the server of `server` (WITH (FORCE) on PostgreSQL: connections still
// open end); removes a SQLite file with its journal and WAL files.
void drop_database(const Url& server, const Url& database);

class ThrowawayDatabases {
 public:
  // Names are "<prefix>_<pid>_<name or number>".
  explicit ThrowawayDatabases(std::string prefix = "manydb_test");
  ~ThrowawayDatabases();  // drop_all()
  ThrowawayDatabases(const ThrowawayDatabases&) = delete;
  ThrowawayDatabases& operator=(const ThrowawayDatabases&) = delete;

  // Whether the environment names a server for `backend` (SQLite: always).
  bool available(Backend backend) const { return !test_server_url(backend).empty(); }
  // A new empty database; ConfigError when the environment names no server for `backend`.
  // Without a name, one numbered in creation order.
  std::string create(Backend backend, const std::string& name = {}, std::string_view options = {});
  // The same on the server of `server` (an admin URL; for SQLite any sqlite URL).
  std::string create(const Url& server, const std::string& name = {},
                     std::string_view options = {});
  // Drops every database made so far, the latest first; errors go to stderr.
  void drop_all() noexcept;

 private:
  struct Made {
    Url server;
    Url database;
  };
  std::string prefix_;
  std::vector<Made> made_;
  int counter_ = 0;
};

}  // namespace manydb::testing
