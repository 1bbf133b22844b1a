#pragma once
// What the raw MariaDB sides of bench/micro share: the connection, prepared statements, and the
// buffers a product row is fetched into through the binary protocol.
#include <mysql.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <string_view>

#include "manydb/core/url.hpp"

namespace bench_raw {

inline MYSQL* connect_mariadb(const manydb::Url& url) {
  MYSQL* db = mysql_init(nullptr);
  if (db == nullptr) throw std::runtime_error("mysql_init failed");
  mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(db, url.host.c_str(), url.user.c_str(), url.password.c_str(),
                          url.database.c_str(), url.port_or_default(), nullptr,
                          CLIENT_FOUND_ROWS)) {
    const std::string message = mysql_error(db);
    mysql_close(db);
    throw std::runtime_error("mysql_real_connect: " + message);
  }
  return db;
}

inline std::string stmt_error(MYSQL_STMT* stmt) { return mysql_stmt_error(stmt); }

inline MYSQL_STMT* prepare_mariadb(MYSQL* db, std::string_view sql) {
  MYSQL_STMT* stmt = mysql_stmt_init(db);
  if (stmt == nullptr) throw std::runtime_error("mysql_stmt_init: " + std::string(mysql_error(db)));
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    const std::string message = stmt_error(stmt);
    mysql_stmt_close(stmt);
    throw std::runtime_error("mysql_stmt_prepare: " + message);
  }
  return stmt;
}

// The columns id, name, price, stock and, when bound, category of one fetched row.
struct MariadbRow {
  long long id = 0;
  double price = 0;
  long long stock = 0;
  char name[512];
  char category[256];
  unsigned long name_length = 0, category_length = 0;
  my_bool null[5]{};
  my_bool error[5]{};

  // Binds the first `columns` (4: no category, or 5) as the results of `stmt`.
  void bind_results(MYSQL_STMT* stmt, int columns) {
    MYSQL_BIND result[5]{};
    result[0].buffer_type = MYSQL_TYPE_LONGLONG;
    result[0].buffer = &id;
    result[1].buffer_type = MYSQL_TYPE_STRING;
    result[1].buffer = name;
    result[1].buffer_length = sizeof name;
    result[1].length = &name_length;
    result[2].buffer_type = MYSQL_TYPE_DOUBLE;
    result[2].buffer = &price;
    result[3].buffer_type = MYSQL_TYPE_LONGLONG;
    result[3].buffer = &stock;
    result[4].buffer_type = MYSQL_TYPE_STRING;
    result[4].buffer = category;
    result[4].buffer_length = sizeof category;
    result[4].length = &category_length;
    for (int i = 0; i < columns; ++i) {
      result[i].is_null = &null[i];
      result[i].error = &error[i];
    }
    if (mysql_stmt_bind_result(stmt, result) != 0) {
      throw std::runtime_error("mysql_stmt_bind_result: " + stmt_error(stmt));
    }
  }

  std::string_view name_text() const {
    return {name, std::min<std::size_t>(name_length, sizeof name)};
  }
  std::string_view category_text() const {
    return {category, std::min<std::size_t>(category_length, sizeof category)};
  }
};

}  // namespace bench_raw
