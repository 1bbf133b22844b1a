// The session against each engine's raw C API in the same binary (see session_bench.hpp).
//
// Load: a table of 100,000 products (id, name, price, stock, category) is created once per
// engine; manydb runs `auto s = db.session(); auto rows = s.query<BenchProduct>().all();`, raw
// runs the same SELECT through a statement prepared once and decodes every row into a fresh
// std::vector<BenchProduct> (no reserve on either side: neither knows the count up front).
//
// Insert: the same 10,000 products with generated keys on both sides. manydb runs
// `auto s = db.session();` then `s.add(...)` for each and `s.commit()`, which sends batched
// multi-row INSERT ... RETURNING and so also reads every generated key back into its object.
// Raw reads no keys and inserts the fastest way its C API offers, chosen by measuring (10,000
// rows, wall time per iteration, on the machine of docs/benchmarks.md):
//   SQLite: a prepared 500-row INSERT reused in one transaction (the remainder one row at a
//     time); a one-row INSERT reused took ~5x its CPU time (16.9 against 3.0 ms).
//   PostgreSQL: COPY FROM STDIN in binary format, one statement and so one transaction
//     (50-73 ms; COPY in text format 62-72 ms with ~1.4x the CPU, 500-row prepared INSERTs
//     in one transaction 94 ms).
//   MariaDB: one prepared INSERT executed once over all rows with array binding
//     (STMT_ATTR_ARRAY_SIZE, a server-side bulk execute) in one transaction (374-433 ms;
//     500-row prepared INSERTs 390-430 ms with 2.5x the CPU).
// The table is emptied before every iteration and its row count checked after it, outside the
// timed region, for both sides: a side that inserted nothing fails rather than looks fast.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine_cases.hpp"
#include "manydb/manydb.hpp"
#include "raw_mariadb.hpp"
#include "raw_postgres.hpp"
#include "session_bench.hpp"

namespace session_bench {
namespace {

namespace s = manydb::schema;
using bench_raw::pg_float8;
using bench_raw::pg_int8;

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

const char* const kInsertColumns =
    "INSERT INTO bench_session_insert (name, price, stock, category)";

// Rows per multi-row INSERT on SQLite, as many as manydb's session puts in one.
constexpr std::size_t kRowsPerStatement = 500;

// " VALUES (?, ?, ?, ?), ..." for `rows` rows.
std::string values_sql(std::size_t rows) {
  std::string out = " VALUES (?, ?, ?, ?)";
  for (std::size_t r = 1; r < rows; ++r) out += ", (?, ?, ?, ?)";
  return out;
}

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
    insert_ = prepare(std::string(kInsertColumns) + values_sql(1));
    insert_many_ = prepare(std::string(kInsertColumns) + values_sql(kRowsPerStatement));
  }
  ~RawSqlite() override {
    sqlite3_finalize(select_);
    sqlite3_finalize(insert_);
    sqlite3_finalize(insert_many_);
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
    std::size_t at = 0;
    for (; rows.size() - at >= kRowsPerStatement; at += kRowsPerStatement) {
      for (std::size_t r = 0; r < kRowsPerStatement; ++r) bind(insert_many_, 4 * r, rows[at + r]);
      step(insert_many_);
    }
    for (; at < rows.size(); ++at) {
      bind(insert_, 0, rows[at]);
      step(insert_);
    }
    exec("COMMIT");
  }

 private:
  static void bind(sqlite3_stmt* stmt, std::size_t first, const BenchInsert& r) {
    const int at = static_cast<int>(first);
    sqlite3_bind_text(stmt, at + 1, r.name.data(), static_cast<int>(r.name.size()), SQLITE_STATIC);
    sqlite3_bind_double(stmt, at + 2, r.price);
    sqlite3_bind_int64(stmt, at + 3, r.stock);
    sqlite3_bind_text(stmt, at + 4, r.category.data(), static_cast<int>(r.category.size()),
                      SQLITE_STATIC);
  }
  void step(sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) fail("sqlite3_step: " + std::string(sqlite3_errmsg(db_)));
  }
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      fail(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
  }
  sqlite3_stmt* prepare(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      fail("sqlite3_prepare_v2: " + std::string(sqlite3_errmsg(db_)));
    }
    return stmt;
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt* select_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  sqlite3_stmt* insert_many_ = nullptr;
};

// Big-endian (network order) integers, as COPY's binary format and binary parameters want them.
void put_be16(std::string& out, std::uint16_t v) {
  const char b[] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, sizeof b);
}
void put_be32(std::string& out, std::uint32_t v) {
  put_be16(out, static_cast<std::uint16_t>(v >> 16));
  put_be16(out, static_cast<std::uint16_t>(v));
}
void put_be64(std::string& out, std::uint64_t v) {
  put_be32(out, static_cast<std::uint32_t>(v >> 32));
  put_be32(out, static_cast<std::uint32_t>(v));
}

// Binary results (raw_postgres.hpp), as manydb asks for them.
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
  }
  ~RawPostgres() override { PQfinish(conn_); }

  std::vector<BenchProduct> load() override {
    PGresult* res = PQexecPrepared(conn_, "bench_load", 0, nullptr, nullptr, nullptr, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
      PQclear(res);
      fail("PQexecPrepared: " + error());
    }
    std::vector<BenchProduct> out;
    const int n = PQntuples(res);
    for (int r = 0; r < n; ++r) {
      BenchProduct& p = out.emplace_back();
      p.id = pg_int8(res, r, 0);
      p.name.assign(PQgetvalue(res, r, 1), static_cast<std::size_t>(PQgetlength(res, r, 1)));
      p.price = pg_float8(res, r, 2);
      p.stock = pg_int8(res, r, 3);
      p.category.assign(PQgetvalue(res, r, 4), static_cast<std::size_t>(PQgetlength(res, r, 4)));
    }
    PQclear(res);
    return out;
  }

  // COPY ... FROM STDIN (FORMAT binary): one statement, so one transaction, with every row in
  // one stream of length-prefixed fields, numbers as 8 bytes in network order.
  void insert(const std::vector<BenchInsert>& rows) override {
    std::string data;
    data.reserve(rows.size() * 64);
    data.append("PGCOPY\n\377\r\n\0", 11);
    put_be32(data, 0);  // flags
    put_be32(data, 0);  // header extension length
    for (const BenchInsert& r : rows) {
      put_be16(data, 4);  // fields
      put_be32(data, static_cast<std::uint32_t>(r.name.size()));
      data += r.name;
      put_be32(data, 8);
      put_be64(data, std::bit_cast<std::uint64_t>(r.price));
      put_be32(data, 8);
      put_be64(data, static_cast<std::uint64_t>(r.stock));
      put_be32(data, static_cast<std::uint32_t>(r.category.size()));
      data += r.category;
    }
    put_be16(data, 0xffff);  // trailer
    PGresult* start = PQexec(
        conn_,
        "COPY bench_session_insert (name, price, stock, category) FROM STDIN (FORMAT binary)");
    const bool copying = PQresultStatus(start) == PGRES_COPY_IN;
    PQclear(start);
    if (!copying) fail("COPY: " + error());
    if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(conn_, nullptr) != 1) {
      fail("PQputCopyData: " + error());
    }
    expect_rows(PQgetResult(conn_), rows.size());
    while (PGresult* rest = PQgetResult(conn_)) PQclear(rest);
  }

 private:
  // Takes `res`; fails unless its command inserted `n` rows.
  void expect_rows(PGresult* res, std::size_t n) {
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK &&
                    std::string_view(PQcmdTuples(res)) == std::to_string(n);
    const std::string tuples = res ? PQcmdTuples(res) : "";
    PQclear(res);
    if (!ok) fail("insert: " + tuples + " rows, not " + std::to_string(n) + ": " + error());
  }
  std::string error() const { return PQerrorMessage(conn_); }
  void prepare(const char* name, const std::string& sql, int params) {
    PGresult* res = PQprepare(conn_, name, sql.c_str(), params, nullptr);
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
    insert_ = prepare(std::string(kInsertColumns) + values_sql(1));
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
    insert_bulk(rows);
    query("COMMIT");
  }

 private:
  // Array binding (STMT_ATTR_ARRAY_SIZE), column-wise: every row in one execute, which the
  // server runs as a bulk operation (COM_STMT_BULK_EXECUTE).
  void insert_bulk(const std::vector<BenchInsert>& rows) {
    const std::size_t n = rows.size();
    std::vector<const char*> names(n), categories(n);
    std::vector<unsigned long> name_lengths(n), category_lengths(n);
    std::vector<double> prices(n);
    std::vector<long long> stocks(n);
    for (std::size_t r = 0; r < n; ++r) {
      names[r] = rows[r].name.data();
      name_lengths[r] = rows[r].name.size();
      categories[r] = rows[r].category.data();
      category_lengths[r] = rows[r].category.size();
      prices[r] = rows[r].price;
      stocks[r] = rows[r].stock;
    }
    MYSQL_BIND params[4]{};
    params[0].buffer_type = MYSQL_TYPE_STRING;
    params[0].buffer = names.data();
    params[0].length = name_lengths.data();
    params[1].buffer_type = MYSQL_TYPE_DOUBLE;
    params[1].buffer = prices.data();
    params[2].buffer_type = MYSQL_TYPE_LONGLONG;
    params[2].buffer = stocks.data();
    params[3].buffer_type = MYSQL_TYPE_STRING;
    params[3].buffer = categories.data();
    params[3].length = category_lengths.data();
    unsigned int size = static_cast<unsigned int>(n);
    if (mysql_stmt_attr_set(insert_, STMT_ATTR_ARRAY_SIZE, &size) != 0) {
      fail("STMT_ATTR_ARRAY_SIZE: " + error(insert_));
    }
    if (mysql_stmt_bind_param(insert_, params) != 0) fail("bind_param: " + error(insert_));
    if (mysql_stmt_execute(insert_) != 0) fail("mysql_stmt_execute: " + error(insert_));
    expect_rows(insert_, n);
  }

  static void expect_rows(MYSQL_STMT* stmt, std::size_t n) {
    const auto got = mysql_stmt_affected_rows(stmt);
    if (got != n) fail("insert: " + std::to_string(got) + " rows, not " + std::to_string(n));
  }
  static std::string error(MYSQL_STMT* stmt) { return mysql_stmt_error(stmt); }
  void query(const char* sql) {
    if (mysql_query(db_, sql) != 0) fail(std::string(sql) + ": " + mysql_error(db_));
  }
  MYSQL_STMT* prepare(const std::string& sql) { return bench_raw::prepare_mariadb(db_, sql); }
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

// Every row in, whichever side inserted them: a side that inserted nothing cannot look fast.
void check_inserted(Case& c) {
  std::int64_t n = 0;
  {
    auto s = c.db->session();  // ended before the next TRUNCATE, which would wait for it
    n = s.query<BenchInsert>().count();
  }
  if (n != kInsertRows) fail("insert left " + std::to_string(n) + " rows");
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
                if (insert) {
                  state.PauseTiming();
                  check_inserted(c);
                  state.ResumeTiming();
                }
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
