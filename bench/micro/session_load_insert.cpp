// The session against each engine's raw C API in the same binary (see session_bench.hpp).
//
// Load: a table of 100,000 products (id, name, price, stock, category) is created once per
// engine; manydb runs `auto s = db.session(); auto rows = s.query<BenchProduct>().all();`, raw
// runs the same SELECT through a statement prepared once and decodes every row into a fresh
// std::vector<BenchProduct> (no reserve on either side: neither knows the count up front).
//
// Insert: 10,000 products with generated keys; manydb runs `auto s = db.session();` then
// `s.add(...)` for each and `s.commit()` (so it also reads every generated key back into its
// object), raw reuses one prepared INSERT inside one transaction and reads no keys. The table
// is emptied before every iteration, outside the timed region, for both sides.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine_cases.hpp"
#include "manydb/manydb.hpp"
#include "raw_mariadb.hpp"
#include "raw_postgres.hpp"
#include "session_bench.hpp"

namespace session_bench {
namespace {

namespace s = manydb::schema;
using bench_raw::pg_number;

// One mapped row type per table: the load reads bench_session_product, the insert benchmark
// empties bench_session_insert before every iteration.
template <const char* Table>
struct BenchRow {
  std::int64_t id = 0;
  std::string name;
  double price = 0;
  std::int64_t stock = 0;
  std::string category;
  static constexpr auto mapping() {
    return s::table(Table, s::column("id", &BenchRow::id, s::primary_key),
                    s::column("name", &BenchRow::name, s::varchar(100)),
                    s::column("price", &BenchRow::price), s::column("stock", &BenchRow::stock),
                    s::column("category", &BenchRow::category, s::varchar(50)));
  }
};

constexpr char kProductTable[] = "bench_session_product";
constexpr char kInsertTable[] = "bench_session_insert";
using BenchProduct = BenchRow<kProductTable>;
using BenchInsert = BenchRow<kInsertTable>;

constexpr std::int64_t kLoadRows = 100'000;
constexpr std::int64_t kInsertRows = 10'000;
const char* const kSelect = "SELECT id, name, price, stock, category FROM bench_session_product";

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

BenchProduct product(std::int64_t id) {
  char name[32], category[32];
  std::snprintf(name, sizeof name, "product-%06lld", static_cast<long long>(id));
  std::snprintf(category, sizeof category, "category-%02lld", static_cast<long long>(id % 20));
  return {id, name, static_cast<double>(id) * 0.25 + 0.99, id % 97, category};
}

// ---- raw C APIs ----

class Raw {
 public:
  virtual ~Raw() = default;
  virtual std::vector<BenchProduct> load() = 0;
  virtual void insert(const std::vector<BenchInsert>& rows) = 0;
};

class RawSqlite final : public Raw {
 public:
  explicit RawSqlite(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
        SQLITE_OK) {
      fail("sqlite3_open_v2: " + std::string(sqlite3_errmsg(db_)));
    }
    exec("PRAGMA synchronous=FULL");  // as manydb's connections
    sqlite3_busy_timeout(db_, 5000);
    select_ = prepare(kSelect);
    insert_ = prepare(
        "INSERT INTO bench_session_insert (name, price, stock, category) VALUES (?, ?, ?, ?)");
  }
  ~RawSqlite() override {
    sqlite3_finalize(select_);
    sqlite3_finalize(insert_);
    sqlite3_close_v2(db_);
  }

  std::vector<BenchProduct> load() override {
    std::vector<BenchProduct> out;
    int rc;
    while ((rc = sqlite3_step(select_)) == SQLITE_ROW) {
      BenchProduct& p = out.emplace_back();
      p.id = sqlite3_column_int64(select_, 0);
      p.name.assign(reinterpret_cast<const char*>(sqlite3_column_text(select_, 1)),
                    static_cast<std::size_t>(sqlite3_column_bytes(select_, 1)));
      p.price = sqlite3_column_double(select_, 2);
      p.stock = sqlite3_column_int64(select_, 3);
      p.category.assign(reinterpret_cast<const char*>(sqlite3_column_text(select_, 4)),
                        static_cast<std::size_t>(sqlite3_column_bytes(select_, 4)));
    }
    sqlite3_reset(select_);
    if (rc != SQLITE_DONE) fail("sqlite3_step: " + std::string(sqlite3_errmsg(db_)));
    return out;
  }

  void insert(const std::vector<BenchInsert>& rows) override {
    exec("BEGIN IMMEDIATE");
    for (const BenchInsert& r : rows) {
      sqlite3_bind_text(insert_, 1, r.name.data(), static_cast<int>(r.name.size()), SQLITE_STATIC);
      sqlite3_bind_double(insert_, 2, r.price);
      sqlite3_bind_int64(insert_, 3, r.stock);
      sqlite3_bind_text(insert_, 4, r.category.data(), static_cast<int>(r.category.size()),
                        SQLITE_STATIC);
      const int rc = sqlite3_step(insert_);
      sqlite3_reset(insert_);
      if (rc != SQLITE_DONE) fail("sqlite3_step: " + std::string(sqlite3_errmsg(db_)));
    }
    exec("COMMIT");
  }

 private:
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      fail(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt, nullptr) != SQLITE_OK) {
      fail("sqlite3_prepare_v2: " + std::string(sqlite3_errmsg(db_)));
    }
    return stmt;
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
};

// Text parameters and text results parsed with from_chars, as in point_select_scan.cpp.
class RawPostgres final : public Raw {
 public:
  explicit RawPostgres(const manydb::Url& url) {
    const std::string port = url.port ? std::to_string(*url.port) : "";
    const char* keys[] = {"host", "port", "dbname", "user", "password", "client_encoding", nullptr};
    const char* values[] = {url.host.c_str(), port.c_str(),         url.database.c_str(),
                            url.user.c_str(), url.password.c_str(), "UTF8",
                            nullptr};
    conn_ = PQconnectdbParams(keys, values, 0);
    if (PQstatus(conn_) != CONNECTION_OK) fail("PQconnectdbParams: " + error());
    prepare("bench_load", kSelect, 0);
    prepare("bench_insert",
            "INSERT INTO bench_session_insert (name, price, stock, category) VALUES ($1, $2, $3, "
            "$4)",
            4);
  }
  ~RawPostgres() override { PQfinish(conn_); }

  std::vector<BenchProduct> load() override {
    PGresult* res = PQexecPrepared(conn_, "bench_load", 0, nullptr, nullptr, nullptr, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
      PQclear(res);
      fail("PQexecPrepared: " + error());
    }
    std::vector<BenchProduct> out;
    const int n = PQntuples(res);
    for (int r = 0; r < n; ++r) {
      BenchProduct& p = out.emplace_back();
      p.id = pg_number<std::int64_t>(res, r, 0);
      p.name.assign(PQgetvalue(res, r, 1), static_cast<std::size_t>(PQgetlength(res, r, 1)));
      p.price = pg_number<double>(res, r, 2);
      p.stock = pg_number<std::int64_t>(res, r, 3);
      p.category.assign(PQgetvalue(res, r, 4), static_cast<std::size_t>(PQgetlength(res, r, 4)));
    }
    PQclear(res);
    return out;
  }

  void insert(const std::vector<BenchInsert>& rows) override {
    command("BEGIN");
    for (const BenchInsert& r : rows) {
      char price[32], stock[24];
      *std::to_chars(price, price + sizeof price - 1, r.price).ptr = '\0';
      *std::to_chars(stock, stock + sizeof stock - 1, r.stock).ptr = '\0';
      const char* values[] = {r.name.c_str(), price, stock, r.category.c_str()};
      PGresult* res = PQexecPrepared(conn_, "bench_insert", 4, values, nullptr, nullptr, 0);
      const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
      PQclear(res);
      if (!ok) fail("PQexecPrepared: " + error());
    }
    command("COMMIT");
  }

 private:
  std::string error() const { return PQerrorMessage(conn_); }
  void command(const char* sql) {
    PGresult* res = PQexec(conn_, sql);
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) fail(std::string(sql) + ": " + error());
  }
  void prepare(const char* name, const char* sql, int params) {
    PGresult* res = PQprepare(conn_, name, sql, params, nullptr);
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) fail("PQprepare: " + error());
  }
  PGconn* conn_ = nullptr;
};

// Binary protocol: prepared statements with bound buffers; store_result, then fetch.
class RawMariadb final : public Raw {
 public:
  explicit RawMariadb(const manydb::Url& url) : db_(bench_raw::connect_mariadb(url)) {
    select_ = prepare(kSelect);
    row_.bind_results(select_, 5);
    insert_ = prepare(
        "INSERT INTO bench_session_insert (name, price, stock, category) VALUES (?, ?, ?, ?)");
  }
  ~RawMariadb() override {
    if (select_) mysql_stmt_close(select_);
    if (insert_) mysql_stmt_close(insert_);
    mysql_close(db_);
  }

  std::vector<BenchProduct> load() override {
    if (mysql_stmt_execute(select_) != 0) fail("mysql_stmt_execute: " + error(select_));
    if (mysql_stmt_store_result(select_) != 0) fail("store_result: " + error(select_));
    std::vector<BenchProduct> out;
    int rc;
    while ((rc = mysql_stmt_fetch(select_)) == 0) {
      BenchProduct& p = out.emplace_back();
      p.id = row_.id;
      p.name.assign(row_.name_text());
      p.price = row_.price;
      p.stock = row_.stock;
      p.category.assign(row_.category_text());
    }
    mysql_stmt_free_result(select_);
    if (rc != MYSQL_NO_DATA) fail("mysql_stmt_fetch: " + error(select_));
    return out;
  }

  void insert(const std::vector<BenchInsert>& rows) override {
    query("START TRANSACTION");
    unsigned long name_length = 0, category_length = 0;
    double price = 0;
    long long stock = 0;
    MYSQL_BIND params[4]{};
    params[0].buffer_type = MYSQL_TYPE_STRING;
    params[0].length = &name_length;
    params[1].buffer_type = MYSQL_TYPE_DOUBLE;
    params[1].buffer = &price;
    params[2].buffer_type = MYSQL_TYPE_LONGLONG;
    params[2].buffer = &stock;
    params[3].buffer_type = MYSQL_TYPE_STRING;
    params[3].length = &category_length;
    for (const BenchInsert& r : rows) {
      params[0].buffer = const_cast<char*>(r.name.data());
      params[0].buffer_length = name_length = r.name.size();
      params[3].buffer = const_cast<char*>(r.category.data());
      params[3].buffer_length = category_length = r.category.size();
      price = r.price;
      stock = r.stock;
      // Rebinding only updates the buffer pointers (the strings live in `rows`).
      if (mysql_stmt_bind_param(insert_, params) != 0) fail("bind_param: " + error(insert_));
      if (mysql_stmt_execute(insert_) != 0) fail("mysql_stmt_execute: " + error(insert_));
    }
    query("COMMIT");
  }

 private:
  static std::string error(MYSQL_STMT* stmt) { return mysql_stmt_error(stmt); }
  void query(const char* sql) {
    if (mysql_query(db_, sql) != 0) fail(std::string(sql) + ": " + mysql_error(db_));
  }
  MYSQL_STMT* prepare(const char* sql) { return bench_raw::prepare_mariadb(db_, sql); }
  MYSQL* db_ = nullptr;
  MYSQL_STMT* select_ = nullptr;
  MYSQL_STMT* insert_ = nullptr;
  bench_raw::MariadbRow row_;
};

// ---- one engine ----

struct Case {
  std::string engine;
  std::optional<manydb::Database> db;
  std::unique_ptr<Raw> raw;
  std::vector<BenchInsert> inserts;  // what both sides insert, built once
};

bench_cases::ByEngine<Case>& cases() {
  static bench_cases::ByEngine<Case> all("session bench");
  return all;
}

Case& find(const std::string& engine) { return cases().find(engine); }

void empty_insert_table(Case& c) {
  c.db->execute("default", c.engine == "sqlite" ? "DELETE FROM bench_session_insert"
                                                : "TRUNCATE TABLE bench_session_insert");
}

std::size_t manydb_load(Case& c) {
  auto s = c.db->session();
  auto rows = s.query<BenchProduct>().all();
  benchmark::DoNotOptimize(rows.data());
  return rows.size();
}

std::size_t raw_load(Case& c) {
  auto rows = c.raw->load();
  benchmark::DoNotOptimize(rows.data());
  return rows.size();
}

void manydb_insert(Case& c) {
  auto s = c.db->session();
  for (const BenchInsert& r : c.inserts) s.add(r);
  s.commit();
}

void check_load(std::size_t n) {
  if (n != static_cast<std::size_t>(kLoadRows)) fail("load returned " + std::to_string(n));
}

std::function<void(std::int64_t)> body(Case& c, const std::string& query, bool raw) {
  if (query == "session_load") {
    if (raw) return [&c](std::int64_t) { check_load(raw_load(c)); };
    return [&c](std::int64_t) { check_load(manydb_load(c)); };
  }
  if (query == "session_insert") {
    if (raw) return [&c](std::int64_t) { c.raw->insert(c.inserts); };
    return [&c](std::int64_t) { manydb_insert(c); };
  }
  fail("unknown session query " + query);
}

// The session's batched INSERT ... RETURNING must hand each generated key to its own object:
// an odd count (several batch sizes), then every object is compared with its row.
void check_generated_keys(Case& c) {
  constexpr std::int64_t kCheck = 1'237;
  std::vector<BenchInsert*> added;
  auto s = c.db->session();
  for (std::int64_t i = 0; i < kCheck; ++i) added.push_back(&s.add(c.inserts[i]));
  s.commit();
  std::map<std::int64_t, BenchInsert> stored;
  {
    auto check = c.db->session();  // ended before the TRUNCATE below, which waits for it
    for (auto& row : check.query<BenchInsert>().all()) stored.emplace(row.id, row);
  }
  if (stored.size() != static_cast<std::size_t>(kCheck)) fail("key check: wrong row count");
  for (const BenchInsert* object : added) {
    auto it = stored.find(object->id);
    if (it == stored.end() || it->second.name != object->name ||
        it->second.stock != object->stock) {
      fail("key check: object " + object->name + " got key " + std::to_string(object->id) +
           ", which belongs to another row");
    }
  }
  empty_insert_table(c);
}

}  // namespace

void set_up(const std::string& engine, const std::string& url) {
  Case& c = cases().add(engine);
  manydb::DatabaseConfig config;
  config.set_default(url);
  c.db.emplace(config);
  c.db->register_models<BenchProduct, BenchInsert>();
  c.db->drop_all();
  c.db->create_all();
  {
    // Filled through the session (batched multi-row INSERTs): quick even under callgrind.
    auto s = c.db->session();
    for (std::int64_t id = 1; id <= kLoadRows; ++id) s.add(product(id));
    s.commit();
    manydb::Lease lease = c.db->engine().connect();
    if (engine == "postgres") lease->execute_script("ANALYZE bench_session_product");
    if (engine == "mariadb") lease->execute_script("ANALYZE TABLE bench_session_product");
  }
  c.inserts.reserve(kInsertRows);
  for (std::int64_t i = 1; i <= kInsertRows; ++i) {
    const BenchProduct p = product(i);
    c.inserts.push_back({0, p.name, p.price, p.stock, p.category});
  }
  check_generated_keys(c);
  const manydb::Url parsed = manydb::Url::parse(url);
  if (engine == "sqlite") {
    c.raw = std::make_unique<RawSqlite>(parsed.sqlite_path().string());
  } else if (engine == "postgres") {
    c.raw = std::make_unique<RawPostgres>(parsed);
  } else {
    c.raw = std::make_unique<RawMariadb>(parsed);
  }
}

void register_benchmarks(const std::string& engine) {
  Case& c = find(engine);
  // Each iteration takes tens to hundreds of milliseconds: fewer repetitions than the point
  // selects, so that `make bench` stays short.
  const char* reps_env = std::getenv("MANYDB_BENCH_SESSION_REPETITIONS");
  const int reps = reps_env && *reps_env ? std::atoi(reps_env) : 5;
  for (const char* query : {"session_load", "session_insert"}) {
    for (bool raw : {true, false}) {
      const std::string name =
          std::string("BM_") + query + "/" + engine + "/" + (raw ? "raw" : "manydb");
      const std::string q = query;
      benchmark::RegisterBenchmark(
          name.c_str(),
          [&c, q, raw](benchmark::State& state) {
            try {
              auto run = body(c, q, raw);
              const bool insert = q == "session_insert";
              std::int64_t i = 0;
              for (auto _ : state) {
                if (insert) {
                  state.PauseTiming();
                  empty_insert_table(c);
                  state.ResumeTiming();
                }
                run(i++);
              }
              state.SetItemsProcessed(state.iterations() * (insert ? kInsertRows : kLoadRows));
            } catch (const std::exception& e) {
              state.SkipWithError(e.what());
            }
          })
          ->Unit(benchmark::kMillisecond)
          ->Repetitions(reps);
    }
  }
}

void tear_down(const std::string& engine) { cases().tear_down(engine); }

Loop loop(const std::string& engine, const std::string& query, const std::string& side) {
  Case& c = find(engine);
  if (side != "raw" && side != "manydb") fail("unknown side " + side + " (raw or manydb)");
  Loop out;
  out.body = body(c, query, side == "raw");
  out.prepare = [&c, query] {
    if (query == "session_insert") empty_insert_table(c);
  };
  out.prepare();
  out.body(0);  // warm: statements prepared, shapes compiled, pages cached
  out.prepare();
  return out;
}

}  // namespace session_bench
