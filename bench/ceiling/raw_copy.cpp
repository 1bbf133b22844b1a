// The ceiling of a table move's backfill: the shop's review rows copied from one database to
// another through the raw C APIs, the fastest way each target takes them (PostgreSQL COPY,
// MariaDB multi-row INSERT), into a scratch table review_rawcopy. scripts/bench-move runs it
// beside `shop move backfill` on the same rows and prints the ratio.
//
//   raw_copy SOURCE TARGET     SOURCE: sqlite:///relative.db, sqlite:////absolute.db or
//                              postgresql://...
//                              TARGET: postgresql://... or mariadb://...
// Prints one line: rows=N seconds=S rows_per_second=R method=M
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "manydb/core/url.hpp"

namespace {

constexpr int kColumns = 6;  // id, product_id, user_id, rating, comment, created_at
using Row = std::array<std::string, kColumns>;
using RowSink = std::function<void(const Row&)>;
constexpr const char* kSelect =
    "SELECT id, product_id, user_id, rating, comment, created_at FROM review ORDER BY id";

void read_sqlite(const std::string& path, const RowSink& sink) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    throw std::runtime_error("sqlite3_open_v2 " + path + ": " + sqlite3_errmsg(db));
  }
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, kSelect, -1, &stmt, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("sqlite3_prepare_v2: ") + sqlite3_errmsg(db));
  }
  Row row;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    for (int i = 0; i < kColumns; ++i) {
      const auto* text = sqlite3_column_text(stmt, i);
      row[i].assign(text ? reinterpret_cast<const char*>(text) : "",
                    static_cast<std::size_t>(sqlite3_column_bytes(stmt, i)));
    }
    sink(row);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

PGconn* connect_postgres(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    throw std::runtime_error(std::string("PQconnectdb: ") + PQerrorMessage(conn));
  }
  return conn;
}

void read_postgres(const std::string& url, const RowSink& sink) {
  PGconn* conn = connect_postgres(url);
  if (!PQsendQuery(conn, kSelect) || !PQsetSingleRowMode(conn)) {
    throw std::runtime_error(std::string("PQsendQuery: ") + PQerrorMessage(conn));
  }
  Row row;
  while (PGresult* res = PQgetResult(conn)) {
    if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
      for (int i = 0; i < kColumns; ++i)
        row[i].assign(PQgetvalue(res, 0, i), PQgetlength(res, 0, i));
      sink(row);
    } else if (PQresultStatus(res) != PGRES_TUPLES_OK) {
      throw std::runtime_error(std::string("select: ") + PQresultErrorMessage(res));
    }
    PQclear(res);
  }
  PQfinish(conn);
}

void exec_postgres(PGconn* conn, const std::string& sql) {
  PGresult* res = PQexec(conn, sql.c_str());
  const auto status = PQresultStatus(res);
  if (status != PGRES_COMMAND_OK && status != PGRES_COPY_IN) {
    const std::string message = PQresultErrorMessage(res);
    PQclear(res);
    throw std::runtime_error(sql + ": " + message);
  }
  PQclear(res);
}

// COPY's text format: backslash, tab and newline escaped.
void append_copy_field(std::string& out, const std::string& value) {
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\t')
      out += "\\t";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
}

struct Copied {
  long long rows = 0;
  const char* method = "";
};

Copied copy_into_postgres(const std::string& url, const std::function<void(const RowSink&)>& read) {
  PGconn* conn = connect_postgres(url);
  exec_postgres(
      conn,
      "DROP TABLE IF EXISTS review_rawcopy; CREATE TABLE review_rawcopy (id bigint PRIMARY "
      "KEY, product_id bigint NOT NULL, user_id bigint NOT NULL, rating bigint NOT NULL, "
      "comment text NOT NULL, created_at timestamp(6) NOT NULL)");
  exec_postgres(conn, "COPY review_rawcopy FROM STDIN");
  Copied copied{0, "COPY"};
  std::string buffer;
  auto flush = [&] {
    if (PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size())) != 1) {
      throw std::runtime_error(std::string("PQputCopyData: ") + PQerrorMessage(conn));
    }
    buffer.clear();
  };
  read([&](const Row& row) {
    for (int i = 0; i < kColumns; ++i) {
      if (i) buffer += '\t';
      append_copy_field(buffer, row[i]);
    }
    buffer += '\n';
    ++copied.rows;
    if (buffer.size() > (1 << 16)) flush();
  });
  flush();
  if (PQputCopyEnd(conn, nullptr) != 1) throw std::runtime_error(PQerrorMessage(conn));
  while (PGresult* res = PQgetResult(conn)) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      throw std::runtime_error(std::string("COPY: ") + PQresultErrorMessage(res));
    }
    PQclear(res);
  }
  PQfinish(conn);
  return copied;
}

MYSQL* connect_mariadb(const std::string& text) {
  const manydb::Url url = manydb::Url::parse(text);
  MYSQL* db = mysql_init(nullptr);
  mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(db, url.host.c_str(), url.user.c_str(), url.password.c_str(),
                          url.database.c_str(), url.port_or_default(), nullptr, 0)) {
    throw std::runtime_error(std::string("mysql_real_connect: ") + mysql_error(db));
  }
  return db;
}

void exec_mariadb(MYSQL* db, const std::string& sql) {
  if (mysql_real_query(db, sql.data(), sql.size()) != 0) {
    throw std::runtime_error(sql.substr(0, 80) + ": " + mysql_error(db));
  }
}

// Multi-row INSERTs of 1,000 rows, one transaction each: the shape a bulk load takes when the
// target has no COPY (LOAD DATA LOCAL INFILE needs a file and a server setting).
Copied copy_into_mariadb(const std::string& url, const std::function<void(const RowSink&)>& read) {
  MYSQL* db = connect_mariadb(url);
  exec_mariadb(db, "DROP TABLE IF EXISTS review_rawcopy");
  exec_mariadb(db,
               "CREATE TABLE review_rawcopy (id BIGINT PRIMARY KEY, product_id BIGINT NOT NULL, "
               "user_id BIGINT NOT NULL, rating BIGINT NOT NULL, comment TEXT NOT NULL, "
               "created_at DATETIME(6) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4");
  Copied copied{0, "multi-row INSERT"};
  const std::string head = "INSERT INTO review_rawcopy VALUES ";
  std::string sql = head;
  int pending = 0;
  std::vector<char> escaped;
  auto flush = [&] {
    if (pending == 0) return;
    exec_mariadb(db, sql);
    exec_mariadb(db, "COMMIT");
    sql = head;
    pending = 0;
  };
  exec_mariadb(db, "SET autocommit = 0");
  read([&](const Row& row) {
    sql += pending ? ",(" : "(";
    for (int i = 0; i < kColumns; ++i) {
      if (i) sql += ',';
      escaped.resize(row[i].size() * 2 + 1);
      const auto n = mysql_real_escape_string(db, escaped.data(), row[i].data(), row[i].size());
      sql += '\'';
      sql.append(escaped.data(), n);
      sql += '\'';
    }
    sql += ')';
    ++copied.rows;
    if (++pending == 1000) flush();
  });
  flush();
  mysql_close(db);
  return copied;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: raw_copy SOURCE_URL TARGET_URL\n");
    return 2;
  }
  const std::string source = argv[1], target = argv[2];
  try {
    std::function<void(const RowSink&)> read;
    if (source.rfind("sqlite:///", 0) == 0) {
      read = [&](const RowSink& sink) {
        read_sqlite(source.substr(std::string("sqlite:///").size()), sink);
      };
    } else if (source.rfind("postgresql://", 0) == 0) {
      read = [&](const RowSink& sink) { read_postgres(source, sink); };
    } else {
      throw std::runtime_error("source must be sqlite:/// or postgresql://");
    }
    const auto start = std::chrono::steady_clock::now();
    Copied copied;
    if (target.rfind("postgresql://", 0) == 0) {
      copied = copy_into_postgres(target, read);
    } else if (target.rfind("mariadb://", 0) == 0 || target.rfind("mysql://", 0) == 0) {
      copied = copy_into_mariadb(target, read);
    } else {
      throw std::runtime_error("target must be postgresql:// or mariadb://");
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("rows=%lld seconds=%.3f rows_per_second=%.0f method=%s\n", copied.rows, seconds,
                copied.rows / seconds, copied.method);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "raw_copy: %s\n", e.what());
    return 1;
  }
  return 0;
}
