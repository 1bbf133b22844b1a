// Connection::native_handle(), written once and run on SQLite, PostgreSQL and MariaDB: the C
// client library's handle is the very connection manydb talks through, so it sees what that
// connection's open transaction has written and no other connection can.
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "engine_fixture.hpp"

namespace manydb::testing {
namespace {

class NativeHandle : public EngineTest {
 protected:
  // SELECT count(*) FROM `table`, run through the C library on `handle` alone.
  std::int64_t raw_count(void* handle, const std::string& table) const {
    const std::string sql = "SELECT count(*) FROM " + table;
    switch (backend()) {
      case Backend::sqlite: return sqlite_count(static_cast<sqlite3*>(handle), sql);
      case Backend::postgresql: return postgres_count(static_cast<PGconn*>(handle), sql);
      case Backend::mariadb: return mariadb_count(static_cast<MYSQL*>(handle), sql);
    }
    return -1;
  }

 private:
  static std::int64_t sqlite_count(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db);
      return -1;
    }
    const std::int64_t n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return n;
  }
  static std::int64_t postgres_count(PGconn* conn, const std::string& sql) {
    PGresult* res = PQexec(conn, sql.c_str());
    std::int64_t n = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK) {
      n = std::stoll(PQgetvalue(res, 0, 0));
    } else {
      ADD_FAILURE() << PQerrorMessage(conn);
    }
    PQclear(res);
    return n;
  }
  static std::int64_t mariadb_count(MYSQL* db, const std::string& sql) {
    if (mysql_real_query(db, sql.data(), sql.size()) != 0) {
      ADD_FAILURE() << mysql_error(db);
      return -1;
    }
    MYSQL_RES* res = mysql_store_result(db);
    MYSQL_ROW row = res ? mysql_fetch_row(res) : nullptr;
    const std::int64_t n = row ? std::stoll(row[0]) : -1;
    if (res) mysql_free_result(res);
    return n;
  }
};

TEST_P(NativeHandle, IsTheConnectionManydbTalksThrough) {
  const auto t = admin_->dialect().quote_identifier(table("native"));
  admin_->execute_script("CREATE TABLE " + t + " (id INTEGER PRIMARY KEY)");
  auto c = connect();
  auto other = connect("other");
  const std::string expected_name = GetParam().name == "postgres" ? "postgresql" : GetParam().name;
  EXPECT_EQ(c->dialect().name(), expected_name);  // what tells which C type the handle is
  ASSERT_NE(c->native_handle(), nullptr);
  EXPECT_NE(c->native_handle(), other->native_handle());

  c->begin();
  c->execute("INSERT INTO " + t + " (id) VALUES (?)", {1});
  // Uncommitted: only the connection that wrote the row sees it.
  EXPECT_EQ(raw_count(c->native_handle(), t), 1);
  EXPECT_EQ(raw_count(other->native_handle(), t), 0);
  c->rollback();
  EXPECT_EQ(raw_count(c->native_handle(), t), 0);
  // manydb goes on working after the C library used its connection.
  auto& rows = c->query("SELECT count(*) FROM " + t);
  ASSERT_TRUE(rows.next());
  EXPECT_EQ(rows.get<std::int64_t>(0), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, NativeHandle, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
