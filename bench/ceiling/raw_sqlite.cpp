#include <sqlite3.h>

#include <string>

#include "raw_orders.hpp"

namespace ceiling {
namespace {

[[noreturn]] void fail(sqlite3* db, const char* what) {
  throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

// The shop's settings (manydb's SQLite defaults): WAL, synchronous=FULL, busy_timeout 5 s.
sqlite3* open(const manydb::Url& url) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(url.sqlite_path().c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    fail(db, "open");
  }
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON",
                   nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(db, "configure");
  }
  return db;
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
    fail(db, sql);
  }
  return stmt;
}

void exec(sqlite3* db, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db, sql);
}

// Steps a statement to its end; the first column of its first row, if any.
std::int64_t run(sqlite3* db, sqlite3_stmt* stmt) {
  std::int64_t first = 0;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) first = sqlite3_column_int64(stmt, 0);
  while (rc == SQLITE_ROW) rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) fail(db, "step");
  return first;
}

class SqliteOrders final : public RawOrders {
 public:
  SqliteOrders(const manydb::Url& products, const manydb::Url& orders)
      : products_(open(products)), orders_(open(orders)) {
    take_ = prepare(products_,
                    R"(UPDATE "product" SET "stock" = "stock" - 1 WHERE "id" = ? AND "stock" >= 1)"
                    R"( RETURNING "price")");
    order_ = prepare(orders_,
                     R"(INSERT INTO "order" ("user_id", "total_amount", "status") VALUES (?, ?, ?))"
                     R"( RETURNING "id")");
    item_ = prepare(orders_,
                    R"(INSERT INTO "order_item" ("order_id", "product_id", "quantity", "price"))"
                    R"( VALUES (?, ?, 1, ?))");
  }
  ~SqliteOrders() override {
    for (auto* s : {take_, order_, item_}) sqlite3_finalize(s);
    sqlite3_close_v2(products_);
    sqlite3_close_v2(orders_);
  }

  bool place(const OrderLine& line) override {
    exec(products_, "BEGIN IMMEDIATE");
    sqlite3_bind_int64(take_, 1, line.product_id);
    const int rc = sqlite3_step(take_);
    if (rc != SQLITE_ROW) {
      sqlite3_reset(take_);
      if (rc != SQLITE_DONE) fail(products_, "take");
      exec(products_, "ROLLBACK");  // the guard matched no row
      return false;
    }
    const double price = sqlite3_column_double(take_, 0);
    run(products_, take_);
    exec(products_, "COMMIT");
    exec(orders_, "BEGIN IMMEDIATE");
    sqlite3_bind_int64(order_, 1, line.user_id);
    sqlite3_bind_double(order_, 2, price);
    sqlite3_bind_text(order_, 3, "pending", -1, SQLITE_STATIC);
    const std::int64_t order_id = run(orders_, order_);
    sqlite3_bind_int64(item_, 1, order_id);
    sqlite3_bind_int64(item_, 2, line.product_id);
    sqlite3_bind_double(item_, 3, price);
    run(orders_, item_);
    exec(orders_, "COMMIT");
    return true;
  }

 private:
  sqlite3* products_;
  sqlite3* orders_;
  sqlite3_stmt* take_ = nullptr;
  sqlite3_stmt* order_ = nullptr;
  sqlite3_stmt* item_ = nullptr;
};

}  // namespace

std::unique_ptr<RawOrders> sqlite_orders(const manydb::Url& products, const manydb::Url& orders) {
  return std::make_unique<SqliteOrders>(products, orders);
}

}  // namespace ceiling
