#pragma once
// One test body, run on every engine: SQLite always, PostgreSQL and MariaDB from
// MANYDB_TEST_POSTGRES_URL / MANYDB_TEST_MARIADB_URL (set by scripts/db-up). Under `make test`
// MANYDB_REQUIRE_ALL_ENGINES=1 turns a missing server URL into a failure instead of a skip.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "manydb/manydb.hpp"
#include "manydb/testing/throwaway_databases.hpp"

namespace manydb::testing {

struct EngineCase {
  std::string name;  // sqlite, postgres, mariadb
  std::string url;   // empty when the server's URL is not set
};

std::vector<EngineCase> engine_cases();
std::string engine_case_name(const ::testing::TestParamInfo<EngineCase>& info);

// A database of its own for this test process beside `base`'s (a file in the temporary
// directory on SQLite), created empty; `options` follow CREATE DATABASE. Returns its URL.
std::string create_scratch_database(const Url& base, const std::string& name,
                                    const std::string& options = "");
// The integer of a one-row result (the second column of a two-column one, as SHOW STATUS
// gives), the rest of the rows read.
std::int64_t single_int(Connection& connection, std::string_view sql,
                        std::initializer_list<Value> params = {});

// Drops it again, from a connection to `base`.
void drop_scratch_database(const Url& base, const Url& db);

class EngineTest : public ::testing::TestWithParam<EngineCase> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Url url() const { return Url::parse(GetParam().url); }
  Backend backend() const { return url().backend; }
  std::unique_ptr<Connection> connect(const std::string& bind = "test") const;
  // A table name unique to this test process, so `ctest -j` runs never collide; dropped
  // in TearDown.
  std::string table(const std::string& base);
  // A database of its own for this test process (a file on SQLite), dropped in TearDown;
  // `options` follow CREATE DATABASE on a server. Returns its URL.
  std::string scratch_database(const std::string& name, const std::string& options = "");
  // The server's own id of the session behind `connection`.
  std::string session_id(Connection& connection) const;
  // Ends the server session `id` from another connection and waits until it is gone.
  void kill_session(const std::string& id) const;
  // Statements prepared on this server session, as the server counts them.
  std::int64_t server_prepare_count(Connection& connection) const;

  std::unique_ptr<Connection> admin_;  // for setup and teardown

 private:
  std::vector<std::string> tables_;
  ThrowawayDatabases scratch_databases_{"mdb"};
};

}  // namespace manydb::testing

namespace manydb::testing {
inline void PrintTo(const EngineCase& c, std::ostream* os) { *os << c.name; }
}  // namespace manydb::testing
