// The shop's GET /orders/{id} queries against each engine's raw C API in the same binary (see
// order_bench.hpp).
//
// Three binds on one engine, as the shop spreads them over databases: products (the default
// bind), users, and orders with their items. The tables are the shop's (apps/shop/models.hpp)
// under their own names and without the created_at columns: 1,000 products, 1,000 users, 5,000
// orders of 1 to 5 items. manydb runs what Service::get_order runs: the order by id (first()),
// its items ordered by id, load_related for their products (one IN query) and for its user.
// raw runs the same four SELECTs through statements prepared once (the IN query once per
// number of ids), on the same three connections (native_handle() of each bind's one pooled
// connection), and decodes into the same structs and maps. Both check what they read.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine_cases.hpp"
#include "manydb/manydb.hpp"
#include "order_bench.hpp"
#include "paired.hpp"
#include "raw_mariadb.hpp"
#include "raw_postgres.hpp"

namespace order_bench {
namespace {

namespace s = manydb::schema;
using bench_raw::pg_float8;
using bench_raw::pg_int8;
using bench_raw::pg_text;

struct OgUser {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  static constexpr std::string_view bind_key = "users";
  static constexpr auto mapping() {
    return s::table("bench_og_user", s::column("id", &OgUser::id, s::primary_key),
                    s::column("username", &OgUser::username, s::varchar(80), s::unique),
                    s::column("email", &OgUser::email, s::varchar(120), s::unique));
  }
};

struct OgProduct {
  std::int64_t id = 0;
  std::string name;
  double price = 0;
  std::int64_t stock = 0;
  std::string category;
  static constexpr auto mapping() {
    return s::table("bench_og_product", s::column("id", &OgProduct::id, s::primary_key),
                    s::column("name", &OgProduct::name, s::varchar(100)),
                    s::column("price", &OgProduct::price), s::column("stock", &OgProduct::stock),
                    s::column("category", &OgProduct::category, s::varchar(50), s::indexed));
  }
};

struct OgOrder {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  double total_amount = 0;
  std::string status;
  static constexpr std::string_view bind_key = "orders";
  static constexpr auto mapping() {
    return s::table(
        "bench_og_order", s::column("id", &OgOrder::id, s::primary_key),
        s::column("user_id", &OgOrder::user_id, s::indexed, s::refers_to<&OgUser::id>()),
        s::column("total_amount", &OgOrder::total_amount),
        s::column("status", &OgOrder::status, s::varchar(20)));
  }
};

struct OgItem {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
  double price = 0;
  static constexpr std::string_view bind_key = "orders";
  static constexpr auto mapping() {
    return s::table(
        "bench_og_order_item", s::column("id", &OgItem::id, s::primary_key),
        s::column("order_id", &OgItem::order_id, s::indexed, s::references<&OgOrder::id>()),
        s::column("product_id", &OgItem::product_id, s::refers_to<&OgProduct::id>()),
        s::column("quantity", &OgItem::quantity), s::column("price", &OgItem::price));
  }
};

// What one GET /orders/{id} reads, on either side.
struct OrderView {
  std::optional<OgOrder> order;
  std::vector<OgItem> items;
  std::unordered_map<std::int64_t, OgProduct> products;
  std::unordered_map<std::int64_t, OgUser> users;
};

constexpr std::int64_t kProducts = 1'000, kUsers = 1'000, kOrders = 5'000;

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

// The data, a function of the ids alone, so that every read can be checked.
std::int64_t lines_of(std::int64_t order) { return 1 + order % 5; }
std::int64_t product_of(std::int64_t order, std::int64_t line) {
  return (order * 31 + line * 997) % kProducts + 1;
}
std::int64_t user_of(std::int64_t order) { return order * 7 % kUsers + 1; }
// The i-th order looked up: 7919 is prime, so the ids visit every order in turn.
std::int64_t order_id(std::int64_t i) { return i * 7'919 % kOrders + 1; }

std::vector<std::int64_t> distinct_products(const std::vector<OgItem>& items) {
  std::vector<std::int64_t> ids;
  for (const auto& item : items) ids.push_back(item.product_id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

void check(const OrderView& v, std::int64_t id) {
  if (!v.order || v.order->id != id) fail("order " + std::to_string(id) + " not found");
  if (static_cast<std::int64_t>(v.items.size()) != lines_of(id)) fail("wrong item count");
  for (std::size_t k = 0; k < v.items.size(); ++k) {
    const auto want = product_of(id, static_cast<std::int64_t>(k));
    if (v.items[k].product_id != want || !v.products.contains(want)) fail("wrong product");
  }
  if (v.products.size() != distinct_products(v.items).size()) fail("wrong product count");
  if (v.users.size() != 1 || !v.users.contains(user_of(id))) fail("wrong user");
}

// ---- manydb: Service::get_order's queries ----

OrderView manydb_get(manydb::Database& db, std::int64_t id) {
  auto session = db.session({.begin = manydb::Begin::at_first_write});  // as the shop's reads
  OrderView v;
  v.order = session.query<OgOrder>().filter_by(&OgOrder::id, id).first();
  if (!v.order) return v;
  v.items = session.query<OgItem>()
                .filter_by(&OgItem::order_id, v.order->id)
                .order_by(manydb::asc(&OgItem::id))
                .all();
  v.products = session.load_related<&OgItem::product_id>(v.items);
  v.users = session.load_related<&OgOrder::user_id>(std::vector<OgOrder>{*v.order});
  return v;
}

// ---- raw C APIs ----

const char* const kOrderSql =
    "SELECT id, user_id, total_amount, status FROM bench_og_order WHERE id = ? LIMIT 1";
const char* const kItemsSql =
    "SELECT id, order_id, product_id, quantity, price FROM bench_og_order_item"
    " WHERE order_id = ? ORDER BY id";
const char* const kUserSql = "SELECT id, username, email FROM bench_og_user WHERE id = ?";

std::string products_sql(std::size_t n) {
  std::string sql = "SELECT id, name, price, stock, category FROM bench_og_product WHERE id IN (";
  for (std::size_t k = 0; k < n; ++k) sql += k == 0 ? "?" : ", ?";
  return sql + ")";
}

class RawOrders {
 public:
  virtual ~RawOrders() = default;
  virtual OrderView get(std::int64_t id) = 0;
};

class RawSqlite final : public RawOrders {
 public:
  RawSqlite(sqlite3* products, sqlite3* users, sqlite3* orders)
      : products_db_(products),
        order_(prepare(orders, kOrderSql)),
        items_(prepare(orders, kItemsSql)),
        user_(prepare(users, kUserSql)) {}
  ~RawSqlite() override {
    for (sqlite3_stmt* stmt : {order_, items_, user_}) sqlite3_finalize(stmt);
    for (auto& [n, stmt] : products_) sqlite3_finalize(stmt);
  }

  OrderView get(std::int64_t id) override {
    OrderView v;
    sqlite3_bind_int64(order_, 1, id);
    each_row(order_, [&] {
      v.order = OgOrder{column_int(order_, 0), column_int(order_, 1),
                        sqlite3_column_double(order_, 2), column_text(order_, 3)};
    });
    if (!v.order) return v;
    sqlite3_bind_int64(items_, 1, v.order->id);
    each_row(items_, [&] {
      v.items.push_back({column_int(items_, 0), column_int(items_, 1), column_int(items_, 2),
                         column_int(items_, 3), sqlite3_column_double(items_, 4)});
    });
    const auto ids = distinct_products(v.items);
    sqlite3_stmt* in = products_in(ids.size());
    for (std::size_t k = 0; k < ids.size(); ++k)
      sqlite3_bind_int64(in, static_cast<int>(k + 1), ids[k]);
    each_row(in, [&] {
      OgProduct p{column_int(in, 0), column_text(in, 1), sqlite3_column_double(in, 2),
                  column_int(in, 3), column_text(in, 4)};
      v.products.emplace(p.id, std::move(p));
    });
    sqlite3_bind_int64(user_, 1, v.order->user_id);
    each_row(user_, [&] {
      OgUser u{column_int(user_, 0), column_text(user_, 1), column_text(user_, 2)};
      v.users.emplace(u.id, std::move(u));
    });
    return v;
  }

 private:
  static sqlite3_stmt* prepare(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      fail("sqlite3_prepare_v2: " + std::string(sqlite3_errmsg(db)));
    }
    return stmt;
  }
  sqlite3_stmt* products_in(std::size_t n) {
    auto it = products_.find(n);
    if (it == products_.end())
      it = products_.emplace(n, prepare(products_db_, products_sql(n))).first;
    return it->second;
  }
  template <class F>
  static void each_row(sqlite3_stmt* stmt, F&& row) {
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) row();
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) fail("sqlite3_step: " + std::string(sqlite3_errstr(rc)));
  }
  static std::int64_t column_int(sqlite3_stmt* stmt, int i) {
    return sqlite3_column_int64(stmt, i);
  }
  static std::string column_text(sqlite3_stmt* stmt, int i) {
    return {reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
            static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))};
  }

  sqlite3* products_db_;
  sqlite3_stmt* order_;
  sqlite3_stmt* items_;
  sqlite3_stmt* user_;
  std::map<std::size_t, sqlite3_stmt*> products_;  // by the number of ids
};

// Binary int8 parameters and binary results (raw_postgres.hpp), as manydb asks for them.
class RawPostgres final : public RawOrders {
 public:
  RawPostgres(PGconn* products, PGconn* users, PGconn* orders)
      : products_(products), users_(users), orders_(orders) {
    prepare(orders_, "og_order", kOrderSql);
    prepare(orders_, "og_items", kItemsSql);
    prepare(users_, "og_user", kUserSql);
  }
  ~RawPostgres() override {
    // Only this side's statements: the connections and manydb's own statements live on.
    for (auto [conn, name] : prepared_) PQclear(PQexec(conn, ("DEALLOCATE " + name).c_str()));
  }

  OrderView get(std::int64_t id) override {
    OrderView v;
    const std::int64_t one[] = {id};
    Result order(execute(orders_, "og_order", one));
    if (PQntuples(order.get()) > 0) {
      v.order = OgOrder{pg_int8(order.get(), 0, 0), pg_int8(order.get(), 0, 1),
                        pg_float8(order.get(), 0, 2), pg_text(order.get(), 0, 3)};
    }
    if (!v.order) return v;
    Result items(execute(orders_, "og_items", one));
    for (int r = 0, n = PQntuples(items.get()); r < n; ++r) {
      const PGresult* res = items.get();
      v.items.push_back({pg_int8(res, r, 0), pg_int8(res, r, 1), pg_int8(res, r, 2),
                         pg_int8(res, r, 3), pg_float8(res, r, 4)});
    }
    const auto ids = distinct_products(v.items);
    Result products(execute(products_, products_in(ids.size()), ids));
    for (int r = 0, n = PQntuples(products.get()); r < n; ++r) {
      const PGresult* res = products.get();
      OgProduct p{pg_int8(res, r, 0), pg_text(res, r, 1), pg_float8(res, r, 2), pg_int8(res, r, 3),
                  pg_text(res, r, 4)};
      v.products.emplace(p.id, std::move(p));
    }
    const std::int64_t user_id[] = {v.order->user_id};
    Result user(execute(users_, "og_user", user_id));
    for (int r = 0, n = PQntuples(user.get()); r < n; ++r) {
      OgUser u{pg_int8(user.get(), r, 0), pg_text(user.get(), r, 1), pg_text(user.get(), r, 2)};
      v.users.emplace(u.id, std::move(u));
    }
    return v;
  }

 private:
  using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

  // '?' -> $1, $2, ...
  static std::string dollars(const std::string& sql) {
    std::string out;
    int n = 0;
    for (char ch : sql) out += ch == '?' ? "$" + std::to_string(++n) : std::string(1, ch);
    return out;
  }
  void prepare(PGconn* conn, const std::string& name, const std::string& sql) {
    Result res(PQprepare(conn, name.c_str(), dollars(sql).c_str(), 0, nullptr), &PQclear);
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) fail("PQprepare: " + error(conn));
    prepared_.emplace_back(conn, name);
  }
  const std::string& products_in(std::size_t n) {
    auto it = products_names_.find(n);
    if (it == products_names_.end()) {
      const std::string name = "og_products_" + std::to_string(n);
      prepare(products_, name, products_sql(n));
      it = products_names_.emplace(n, name).first;
    }
    return it->second;
  }
  static Result execute(PGconn* conn, const std::string& name,
                        std::span<const std::int64_t> params) {
    constexpr std::size_t kMax = 8;
    if (params.size() > kMax) fail("more parameters than the raw side's buffers");
    char bytes[kMax][8];
    const char* values[kMax];
    int lengths[kMax], formats[kMax];
    for (std::size_t k = 0; k < params.size(); ++k) {
      bench_raw::pg_int8_param(params[k], bytes[k]);
      values[k] = bytes[k];
      lengths[k] = sizeof bytes[k];
      formats[k] = 1;
    }
    Result res(PQexecPrepared(conn, name.c_str(), static_cast<int>(params.size()), values, lengths,
                              formats, 1),
               &PQclear);
    if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) fail("PQexecPrepared: " + error(conn));
    return res;
  }
  static std::string error(PGconn* conn) { return PQerrorMessage(conn); }

  PGconn* products_;
  PGconn* users_;
  PGconn* orders_;
  std::vector<std::pair<PGconn*, std::string>> prepared_;
  std::map<std::size_t, std::string> products_names_;  // by the number of ids
};

// One prepared statement of the binary protocol: integer parameters, and results fetched into
// buffers bound once, by column type: 'i' integer, 'd' double, 's' text.
class MariadbStatement {
 public:
  MariadbStatement(MYSQL* db, const std::string& sql, std::string_view types)
      : stmt_(bench_raw::prepare_mariadb(db, sql)) {
    params_.resize(mysql_stmt_param_count(stmt_));
    param_binds_.resize(params_.size());
    for (std::size_t k = 0; k < params_.size(); ++k) {
      param_binds_[k].buffer_type = MYSQL_TYPE_LONGLONG;
      param_binds_[k].buffer = &params_[k];
    }
    if (!params_.empty() && mysql_stmt_bind_param(stmt_, param_binds_.data()) != 0) fail_here();
    columns_.resize(types.size());
    result_binds_.resize(types.size());
    for (std::size_t k = 0; k < types.size(); ++k) {
      MYSQL_BIND& b = result_binds_[k];
      Column& c = columns_[k];
      b.buffer_type = types[k] == 'i'   ? MYSQL_TYPE_LONGLONG
                      : types[k] == 'd' ? MYSQL_TYPE_DOUBLE
                                        : MYSQL_TYPE_STRING;
      b.buffer = types[k] == 'i'   ? static_cast<void*>(&c.integer)
                 : types[k] == 'd' ? static_cast<void*>(&c.real)
                                   : static_cast<void*>(c.text);
      b.buffer_length = sizeof c.text;
      b.length = &c.length;
      b.is_null = &c.null;
      b.error = &c.error;
    }
    if (mysql_stmt_bind_result(stmt_, result_binds_.data()) != 0) fail_here();
  }
  ~MariadbStatement() { mysql_stmt_close(stmt_); }
  MariadbStatement(const MariadbStatement&) = delete;
  MariadbStatement& operator=(const MariadbStatement&) = delete;

  void execute(std::span<const std::int64_t> params) {
    if (params.size() != params_.size()) fail("wrong parameter count");
    std::copy(params.begin(), params.end(), params_.begin());
    if (mysql_stmt_execute(stmt_) != 0 || mysql_stmt_store_result(stmt_) != 0) fail_here();
  }
  // The next row into the buffers; false (and the result freed) after the last.
  bool fetch() {
    const int rc = mysql_stmt_fetch(stmt_);
    if (rc == 0) return true;
    mysql_stmt_free_result(stmt_);
    if (rc != MYSQL_NO_DATA) fail("mysql_stmt_fetch: " + std::to_string(rc));
    return false;
  }
  std::int64_t integer(std::size_t k) const { return columns_[k].integer; }
  double real(std::size_t k) const { return columns_[k].real; }
  std::string text(std::size_t k) const {
    return {columns_[k].text, std::min<std::size_t>(columns_[k].length, sizeof columns_[k].text)};
  }

 private:
  struct Column {
    long long integer = 0;
    double real = 0;
    char text[256];
    unsigned long length = 0;
    my_bool null = 0, error = 0;
  };
  [[noreturn]] void fail_here() { fail("mariadb statement: " + bench_raw::stmt_error(stmt_)); }

  MYSQL_STMT* stmt_;
  std::vector<long long> params_;
  std::vector<MYSQL_BIND> param_binds_, result_binds_;
  std::vector<Column> columns_;
};

class RawMariadb final : public RawOrders {
 public:
  RawMariadb(MYSQL* products, MYSQL* users, MYSQL* orders)
      : products_db_(products),
        order_(orders, kOrderSql, "iids"),
        items_(orders, kItemsSql, "iiiid"),
        user_(users, kUserSql, "iss") {}

  OrderView get(std::int64_t id) override {
    OrderView v;
    const std::int64_t one[] = {id};
    order_.execute(one);
    while (order_.fetch()) {
      v.order = OgOrder{order_.integer(0), order_.integer(1), order_.real(2), order_.text(3)};
    }
    if (!v.order) return v;
    items_.execute(one);
    while (items_.fetch()) {
      v.items.push_back({items_.integer(0), items_.integer(1), items_.integer(2), items_.integer(3),
                         items_.real(4)});
    }
    const auto ids = distinct_products(v.items);
    MariadbStatement& in = products_in(ids.size());
    in.execute(ids);
    while (in.fetch()) {
      OgProduct p{in.integer(0), in.text(1), in.real(2), in.integer(3), in.text(4)};
      v.products.emplace(p.id, std::move(p));
    }
    const std::int64_t user_id[] = {v.order->user_id};
    user_.execute(user_id);
    while (user_.fetch()) {
      OgUser u{user_.integer(0), user_.text(1), user_.text(2)};
      v.users.emplace(u.id, std::move(u));
    }
    return v;
  }

 private:
  MariadbStatement& products_in(std::size_t n) {
    auto it = products_.find(n);
    if (it == products_.end()) {
      it = products_
               .emplace(n,
                        std::make_unique<MariadbStatement>(products_db_, products_sql(n), "isdis"))
               .first;
    }
    return *it->second;
  }

  MYSQL* products_db_;
  MariadbStatement order_, items_, user_;
  std::map<std::size_t, std::unique_ptr<MariadbStatement>> products_;  // by the number of ids
};

// ---- one engine ----

struct Case {
  std::string engine;
  std::optional<manydb::Database> db;
  std::unique_ptr<RawOrders> raw;
};

bench_cases::ByEngine<Case>& cases() {
  static bench_cases::ByEngine<Case> all("order bench");
  return all;
}

Case& find(const std::string& engine) { return cases().find(engine); }

// One session per bind: on SQLite the binds share one file, whose write lock one session
// writing to two binds would wait on forever.
void fill(manydb::Database& db) {
  char text[64];
  auto products = db.session_for("default");
  for (std::int64_t id = 1; id <= kProducts; ++id) {
    std::snprintf(text, sizeof text, "product-%04lld", static_cast<long long>(id));
    products.add(OgProduct{id, text, static_cast<double>(id % 200) + 0.99, 1'000,
                           "category-" + std::to_string(id % 20)});
  }
  products.commit();
  auto users = db.session_for("users");
  for (std::int64_t id = 1; id <= kUsers; ++id) {
    std::snprintf(text, sizeof text, "user%04lld", static_cast<long long>(id));
    users.add(OgUser{id, text, std::string(text) + "@example.com"});
  }
  users.commit();
  auto orders = db.session_for("orders");
  std::int64_t item_id = 0;
  for (std::int64_t order = 1; order <= kOrders; ++order) {
    orders.add(
        OgOrder{order, user_of(order), 10.0 * static_cast<double>(lines_of(order)), "completed"});
  }
  orders.flush();  // the orders before the items that reference them
  for (std::int64_t order = 1; order <= kOrders; ++order) {
    for (std::int64_t line = 0; line < lines_of(order); ++line) {
      orders.add(OgItem{++item_id, order, product_of(order, line), 1 + line % 3, 10.0});
    }
  }
  orders.commit();
}

void analyze(Case& c) {
  const char* tables = "bench_og_product, bench_og_user, bench_og_order, bench_og_order_item";
  manydb::Lease lease = c.db->engine().connect();
  if (c.engine == "postgres") lease->execute_script(std::string("ANALYZE ") + tables);
  if (c.engine == "mariadb") lease->execute_script(std::string("ANALYZE TABLE ") + tables);
}

std::unique_ptr<RawOrders> raw_side(Case& c) {
  // Each bind's one connection, which the raw side uses while it sits idle in its pool.
  auto handle = [&c](const char* bind) { return c.db->engine(bind).connect()->native_handle(); };
  void* products = handle("default");
  void* users = handle("users");
  void* orders = handle("orders");
  if (c.engine == "sqlite") {
    return std::make_unique<RawSqlite>(static_cast<sqlite3*>(products),
                                       static_cast<sqlite3*>(users), static_cast<sqlite3*>(orders));
  }
  if (c.engine == "postgres") {
    return std::make_unique<RawPostgres>(static_cast<PGconn*>(products),
                                         static_cast<PGconn*>(users), static_cast<PGconn*>(orders));
  }
  return std::make_unique<RawMariadb>(static_cast<MYSQL*>(products), static_cast<MYSQL*>(users),
                                      static_cast<MYSQL*>(orders));
}

std::function<void(std::int64_t)> body(Case& c, bool raw) {
  std::function<void(std::int64_t)> out;
  if (raw) {
    out = [&c](std::int64_t i) {
      const auto view = c.raw->get(order_id(i));
      check(view, order_id(i));
      benchmark::DoNotOptimize(&view);
    };
  } else {
    out = [&c](std::int64_t i) {
      const auto view = manydb_get(*c.db, order_id(i));
      check(view, order_id(i));
      benchmark::DoNotOptimize(&view);
    };
  }
  // Warm: every IN-list length prepared, shapes compiled, pages cached.
  for (std::int64_t i = 0; i < 50; ++i) out(i);
  return out;
}

}  // namespace

void set_up(const std::string& engine, const std::string& url) {
  Case& c = cases().add(engine);
  // One connection per bind, shared by both sides.
  manydb::PoolSettings one;
  one.size = 1;
  one.max_overflow = 0;
  manydb::DatabaseConfig config;
  config.set_default(url, one);
  config.add_bind("users", url, one);
  config.add_bind("orders", url, one);
  c.db.emplace(config);
  c.db->register_models<OgProduct, OgUser, OgOrder, OgItem>();
  c.db->drop_all();
  c.db->create_all();
  fill(*c.db);
  analyze(c);
  c.raw = raw_side(c);
}

void register_benchmarks(const std::string& engine, std::int64_t paired_iterations) {
  Case& c = find(engine);
  for (bool raw : {true, false}) {
    const std::string name = "BM_order_get/" + engine + (raw ? "/raw" : "/manydb");
    auto* registered = benchmark::RegisterBenchmark(
        name.c_str(), [&c, raw, paired_iterations](benchmark::State& state) {
          try {
            const auto run = body(c, raw);
            if (paired_iterations > 0) {
              bench_paired::run(state, run, body(c, !raw));
              return;
            }
            std::int64_t i = 0;
            for (auto _ : state) run(i++);
            state.SetItemsProcessed(state.iterations());
          } catch (const std::exception& e) {
            state.SkipWithError(e.what());
          }
        });
    registered->Unit(benchmark::kMicrosecond);
    if (paired_iterations > 0) registered->Iterations(paired_iterations)->UseManualTime();
  }
}

void tear_down(const std::string& engine) { cases().tear_down(engine); }

std::function<void(std::int64_t)> loop(const std::string& engine, const std::string& side) {
  if (side != "raw" && side != "manydb") fail("unknown side " + side + " (raw or manydb)");
  return body(find(engine), side == "raw");
}

}  // namespace order_bench
