#include "engine_fixture.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace manydb::testing {

namespace {
std::string sqlite_test_url() {
  const auto path = std::filesystem::temp_directory_path() /
                    ("manydb-engine-test-" + std::to_string(::getpid()) + ".db");
  return "sqlite:///" + path.string();
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

void remove_sqlite_files(const Url& url) {
  if (url.backend != Backend::sqlite || url.is_memory()) return;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(url.database + suffix);
  }
}
}  // namespace

std::vector<EngineCase> engine_cases() {
  return {{"sqlite", sqlite_test_url()},
          {"postgres", env("MANYDB_TEST_POSTGRES_URL")},
          {"mariadb", env("MANYDB_TEST_MARIADB_URL")}};
}

std::string engine_case_name(const ::testing::TestParamInfo<EngineCase>& info) {
  return info.param.name;
}

void EngineTest::SetUp() {
  if (GetParam().url.empty()) {
    const std::string var =
        GetParam().name == "postgres" ? "MANYDB_TEST_POSTGRES_URL" : "MANYDB_TEST_MARIADB_URL";
    if (env("MANYDB_REQUIRE_ALL_ENGINES") == "1") {
      FAIL() << var << " is not set but make test requires every engine";
    }
    GTEST_SKIP() << "SKIPPING the " << GetParam().name << " engine: " << var
                 << " is not set (run `make test`, or source build/db.env after scripts/db-up)";
  }
  admin_ = connect("admin");
}

void EngineTest::TearDown() {
  if (admin_) {
    for (auto t = tables_.rbegin(); t != tables_.rend(); ++t) {  // children before parents
      admin_->execute_script("DROP TABLE IF EXISTS " + admin_->dialect().quote_identifier(*t));
    }
    admin_.reset();
  }
  if (!GetParam().url.empty()) remove_sqlite_files(url());
  scratch_databases_.drop_all();
}

std::string create_scratch_database(const Url& base, const std::string& name,
                                    const std::string& options) {
  return create_database(base, "mdb_" + std::to_string(::getpid()) + "_" + name, options);
}

void drop_scratch_database(const Url& base, const Url& db) { drop_database(base, db); }

std::string EngineTest::scratch_database(const std::string& name, const std::string& options) {
  return scratch_databases_.create(url(), name, options);
}

std::unique_ptr<Connection> EngineTest::connect(const std::string& bind) const {
  return manydb::connect(url(), ConnectOptions{bind});
}

std::string EngineTest::table(const std::string& base) {
  std::string name = base + "_" + std::to_string(::getpid());
  tables_.push_back(name);
  admin_->execute_script("DROP TABLE IF EXISTS " + admin_->dialect().quote_identifier(name));
  return name;
}

std::int64_t single_int(Connection& connection, std::string_view sql,
                        std::initializer_list<Value> params) {
  auto& cursor = connection.query(sql, params);
  if (!cursor.next()) throw std::runtime_error("no row from: " + std::string(sql));
  const auto value = cursor.column_count() == 2 ? std::stoll(std::string(cursor.get_text(1)))
                                                : cursor.get_int64(0);
  while (cursor.next()) {
  }
  return value;
}

std::string EngineTest::session_id(Connection& connection) const {
  switch (backend()) {
    case Backend::postgresql:
      return std::to_string(single_int(connection, "SELECT pg_backend_pid()"));
    case Backend::mariadb: return std::to_string(single_int(connection, "SELECT CONNECTION_ID()"));
    case Backend::sqlite: break;
  }
  return std::to_string(reinterpret_cast<std::uintptr_t>(&connection));
}

void EngineTest::kill_session(const std::string& id) const {
  auto killer = connect("killer");
  const std::int64_t pid = std::stoll(id);
  if (backend() == Backend::postgresql) {
    killer->query("SELECT pg_terminate_backend(?::int)", {pid});
  } else {
    killer->execute_script("KILL " + std::to_string(pid));
  }
  // Termination is asynchronous on both servers: wait until the session has left the list.
  const char* still_there =
      backend() == Backend::postgresql
          ? "SELECT count(*) FROM pg_stat_activity WHERE pid = ?"
          : "SELECT count(*) FROM information_schema.processlist WHERE id = ?";
  for (int attempt = 0; attempt < 100000 && single_int(*killer, still_there, {pid}) > 0;
       ++attempt) {
  }
}

std::int64_t EngineTest::server_prepare_count(Connection& connection) const {
  switch (backend()) {
    case Backend::postgresql:
      return single_int(connection, "SELECT count(*) FROM pg_prepared_statements");
    case Backend::mariadb:
      return single_int(connection, "SHOW SESSION STATUS LIKE 'Com_stmt_prepare'");
    case Backend::sqlite: break;
  }
  return static_cast<std::int64_t>(connection.prepare_count());
}

}  // namespace manydb::testing
