// Point select by primary key and a 1,000-row range scan, through manydb and through each
// engine's raw C API in the same binary. Both sides decode into the same Row struct and both
// reuse one prepared statement; the raw side is what a careful hand-written program does. Both
// run on the same connection: manydb's pool holds one, and the raw side calls the C library on
// its native_handle(), so on a server both talk to the same server process (paired.hpp says
// why that matters).
//
//   micro_bench [Google Benchmark flags]
//       BM_point_select/<engine>/{raw,manydb,manydb_held,manydb_unmetered}, BM_scan/<engine>/{...}
//       manydb = a lease from the pool per iteration (what an application does),
//       manydb_held = one lease held across all iterations,
//       manydb_unmetered = manydb with the connection's metrics detached (what metrics cost).
//       BM_session_load/<engine>/{raw,manydb} and BM_session_insert/<engine>/{...}: see
//       session_bench.hpp. BM_order_get/<engine>/{raw,manydb}: see order_bench.hpp.
//   micro_bench --callgrind_loop=<engine>/<point_select|scan>/<side>   (a side above)
//   micro_bench --callgrind_loop=<engine>/<session_load|session_insert|order_get>/<raw|manydb>
//               [--callgrind_iterations=N]
//       Sets up that engine's table (sqlite, postgres, mariadb), warms up, then runs N iterations
//       of one side inside manydb_bench_measured_loop(), for `valgrind --tool=callgrind
//       --toggle-collect=manydb_bench_measured_loop` (see scripts/bench).
//
// SQLite always runs (on a temporary file). PostgreSQL and MariaDB run when
// MANYDB_TEST_POSTGRES_URL / MANYDB_TEST_MARIADB_URL are set; otherwise they are skipped with a
// loud message, or the run fails when MANYDB_REQUIRE_ALL_ENGINES=1 (as under scripts/with-db).
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/core/url.hpp"
#include "manydb/driver/cursor.hpp"
#include "manydb/pool/engine.hpp"
#include "order_bench.hpp"
#include "paired.hpp"
#include "raw_mariadb.hpp"
#include "raw_postgres.hpp"
#include "session_bench.hpp"

namespace {

using bench_raw::pg_float8;
using bench_raw::pg_int8;

struct Row {
  std::int64_t id = 0;
  std::string name;
  double price = 0;
  std::int64_t stock = 0;
};

constexpr std::int64_t kRows = 10'000;
constexpr std::int64_t kScanRows = 1'000;
constexpr std::int64_t kStride = 7'919;  // a prime: i * kStride % n visits every id in turn

// The i-th id looked up, and the i-th scan start: spread over the table, the same on both sides.
std::int64_t point_id(std::int64_t i) { return i * kStride % kRows + 1; }
std::int64_t scan_from(std::int64_t i) { return i * kStride % (kRows - kScanRows); }

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

// ---- manydb ----

void read_row(const manydb::Cursor& c, Row& row) { c.read(row.id, row.name, row.price, row.stock); }

bool manydb_point(manydb::Lease& lease, const std::string& sql, std::int64_t id, Row& row) {
  manydb::Cursor& c = lease.query(sql, {id});
  if (!c.next()) return false;
  read_row(c, row);
  return true;
}

std::size_t manydb_scan(manydb::Lease& lease, const std::string& sql, std::int64_t from,
                        std::vector<Row>& rows) {
  rows.clear();
  manydb::Cursor& c = lease.query(sql, {from});
  while (c.next()) read_row(c, rows.emplace_back());
  return rows.size();
}

// ---- raw C APIs: one prepared statement per query, reused; results decoded into Row ----

class RawSqlite {
 public:
  RawSqlite(sqlite3* db, const std::string& point_sql, const std::string& scan_sql) : db_(db) {
    point_ = prepare(point_sql);
    scan_ = prepare(scan_sql);
  }
  ~RawSqlite() {
    sqlite3_finalize(point_);
    sqlite3_finalize(scan_);
  }
  RawSqlite(const RawSqlite&) = delete;
  RawSqlite& operator=(const RawSqlite&) = delete;

  bool point(std::int64_t id, Row& row) {
    sqlite3_bind_int64(point_, 1, id);
    const bool found = sqlite3_step(point_) == SQLITE_ROW;
    if (found) decode(point_, row);
    sqlite3_reset(point_);
    return found;
  }

  std::size_t scan(std::int64_t from, std::vector<Row>& rows) {
    rows.clear();
    sqlite3_bind_int64(scan_, 1, from);
    int rc;
    while ((rc = sqlite3_step(scan_)) == SQLITE_ROW) decode(scan_, rows.emplace_back());
    sqlite3_reset(scan_);
    if (rc != SQLITE_DONE) fail("sqlite3_step: " + std::string(sqlite3_errmsg(db_)));
    return rows.size();
  }

 private:
  sqlite3_stmt* prepare(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
      fail("sqlite3_prepare_v2: " + std::string(sqlite3_errmsg(db_)));
    }
    return stmt;
  }
  static void decode(sqlite3_stmt* stmt, Row& row) {
    row.id = sqlite3_column_int64(stmt, 0);
    row.name.assign(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)),
                    static_cast<std::size_t>(sqlite3_column_bytes(stmt, 1)));
    row.price = sqlite3_column_double(stmt, 2);
    row.stock = sqlite3_column_int64(stmt, 3);
  }

  sqlite3* db_ = nullptr;
  sqlite3_stmt* point_ = nullptr;
  sqlite3_stmt* scan_ = nullptr;
};

// A binary int8 parameter and binary results (raw_postgres.hpp), as manydb asks for them.
class RawPostgres {
 public:
  RawPostgres(PGconn* conn, const std::string& point_sql, const std::string& scan_sql)
      : conn_(conn) {
    prepare("bench_point", point_sql);
    prepare("bench_scan", scan_sql);
  }
  ~RawPostgres() { PQclear(PQexec(conn_, "DEALLOCATE bench_point; DEALLOCATE bench_scan")); }
  RawPostgres(const RawPostgres&) = delete;
  RawPostgres& operator=(const RawPostgres&) = delete;

  bool point(std::int64_t id, Row& row) {
    PGresult* res = execute("bench_point", id);
    const bool found = PQntuples(res) > 0;
    if (found) decode(res, 0, row);
    PQclear(res);
    return found;
  }

  std::size_t scan(std::int64_t from, std::vector<Row>& rows) {
    rows.clear();
    PGresult* res = execute("bench_scan", from);
    const int n = PQntuples(res);
    for (int r = 0; r < n; ++r) decode(res, r, rows.emplace_back());
    PQclear(res);
    return rows.size();
  }

 private:
  std::string error() const { return PQerrorMessage(conn_); }

  void prepare(const char* name, const std::string& sql) {
    PGresult* res = PQprepare(conn_, name, sql.c_str(), 1, nullptr);
    const bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    if (!ok) fail("PQprepare: " + error());
  }

  PGresult* execute(const char* name, std::int64_t param) {
    char id[8];
    bench_raw::pg_int8_param(param, id);
    const char* values[] = {id};
    const int lengths[] = {sizeof id}, formats[] = {1};
    PGresult* res = PQexecPrepared(conn_, name, 1, values, lengths, formats, 1);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
      PQclear(res);
      fail("PQexecPrepared: " + error());
    }
    return res;
  }

  static void decode(const PGresult* res, int r, Row& row) {
    row.id = pg_int8(res, r, 0);
    row.name.assign(PQgetvalue(res, r, 1), static_cast<std::size_t>(PQgetlength(res, r, 1)));
    row.price = pg_float8(res, r, 2);
    row.stock = pg_int8(res, r, 3);
  }

  PGconn* conn_ = nullptr;
};

// Binary protocol: execute, store_result, fetch into bound buffers.
class RawMariadb {
 public:
  RawMariadb(MYSQL* db, const std::string& point_sql, const std::string& scan_sql) : db_(db) {
    point_ = prepare(point_sql);
    scan_ = prepare(scan_sql);
  }
  ~RawMariadb() {
    if (point_) mysql_stmt_close(point_);
    if (scan_) mysql_stmt_close(scan_);
  }
  RawMariadb(const RawMariadb&) = delete;
  RawMariadb& operator=(const RawMariadb&) = delete;

  bool point(std::int64_t id, Row& row) {
    execute(point_, id);
    const int rc = mysql_stmt_fetch(point_);
    const bool found = rc == 0;
    if (found) decode(row);
    mysql_stmt_free_result(point_);
    if (rc != 0 && rc != MYSQL_NO_DATA) fail("mysql_stmt_fetch: " + error(point_));
    return found;
  }

  std::size_t scan(std::int64_t from, std::vector<Row>& rows) {
    rows.clear();
    execute(scan_, from);
    int rc;
    while ((rc = mysql_stmt_fetch(scan_)) == 0) decode(rows.emplace_back());
    mysql_stmt_free_result(scan_);
    if (rc != MYSQL_NO_DATA) fail("mysql_stmt_fetch: " + error(scan_));
    return rows.size();
  }

 private:
  static std::string error(MYSQL_STMT* stmt) { return mysql_stmt_error(stmt); }

  // Parameter and result buffers are bound once; every statement shares them.
  MYSQL_STMT* prepare(const std::string& sql) {
    MYSQL_STMT* stmt = bench_raw::prepare_mariadb(db_, sql);
    MYSQL_BIND param{};
    param.buffer_type = MYSQL_TYPE_LONGLONG;
    param.buffer = &param_;
    if (mysql_stmt_bind_param(stmt, &param) != 0) fail("mysql_stmt_bind_param: " + error(stmt));
    row_.bind_results(stmt, 4);
    return stmt;
  }

  void execute(MYSQL_STMT* stmt, std::int64_t param) {
    param_ = param;
    if (mysql_stmt_execute(stmt) != 0) fail("mysql_stmt_execute: " + error(stmt));
    if (mysql_stmt_store_result(stmt) != 0) fail("mysql_stmt_store_result: " + error(stmt));
  }

  void decode(Row& row) const {
    row.id = row_.id;
    row.name.assign(row_.name_text());
    row.price = row_.price;
    row.stock = row_.stock;
  }

  MYSQL* db_ = nullptr;
  MYSQL_STMT* point_ = nullptr;
  MYSQL_STMT* scan_ = nullptr;
  long long param_ = 0;
  bench_raw::MariadbRow row_;
};

// ---- one engine: its table, its manydb Engine and its raw connection ----

struct Case {
  std::string name;  // sqlite, postgres, mariadb
  std::string url;
  std::string sqlite_file;  // SQLite only, removed at the end
  std::string table;
  std::string point_sql, scan_sql;  // '?' placeholders
  std::unique_ptr<manydb::Engine> engine;
  std::function<bool(std::int64_t, Row&)> raw_point;
  std::function<std::size_t(std::int64_t, std::vector<Row>&)> raw_scan;
  std::shared_ptr<void> raw;  // the raw side's prepared statements, on the engine's connection
};

std::string create_table_sql(const std::string& engine, const std::string& table) {
  if (engine == "sqlite") {
    return "CREATE TABLE " + table +
           " (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL,"
           " stock INTEGER NOT NULL)";
  }
  if (engine == "postgres") {
    return "CREATE TABLE " + table +
           " (id BIGINT PRIMARY KEY, name TEXT NOT NULL, price DOUBLE PRECISION NOT NULL,"
           " stock BIGINT NOT NULL)";
  }
  return "CREATE TABLE " + table +
         " (id BIGINT PRIMARY KEY, name VARCHAR(64) NOT NULL, price DOUBLE NOT NULL,"
         " stock BIGINT NOT NULL) ENGINE=InnoDB";
}

// `$1` instead of `?` for the raw libpq side.
std::string dollar_placeholders(std::string sql) {
  const auto at = sql.find('?');
  if (at != std::string::npos) sql.replace(at, 1, "$1");
  return sql;
}

void set_up(Case& c) {
  c.table = "bench_items_" + std::to_string(::getpid());
  c.point_sql = "SELECT id, name, price, stock FROM " + c.table + " WHERE id = ?";
  c.scan_sql = "SELECT id, name, price, stock FROM " + c.table +
               " WHERE id > ? ORDER BY id LIMIT " + std::to_string(kScanRows);
  // One connection, so that every side runs on it: leases per iteration, the held lease and the
  // raw side, which uses it while it sits idle in the pool (one thread, nothing else leases it).
  manydb::PoolOptions one;
  one.size = 1;
  one.max_overflow = 0;
  c.engine = std::make_unique<manydb::Engine>(c.name, manydb::Url::parse(c.url), one);
  {
    manydb::Lease lease = c.engine->connect();
    lease->execute_script("DROP TABLE IF EXISTS " + c.table);
    lease->execute_script(create_table_sql(c.name, c.table));
    lease->begin();
    const std::string insert =
        "INSERT INTO " + c.table + " (id, name, price, stock) VALUES (?, ?, ?, ?)";
    char name[32];
    for (std::int64_t id = 1; id <= kRows; ++id) {
      std::snprintf(name, sizeof name, "product-%05lld", static_cast<long long>(id));
      lease->execute(insert,
                     {id, std::string_view(name), static_cast<double>(id) * 0.25 + 0.99, id % 97});
    }
    lease->commit();
    if (c.name == "postgres") lease->execute_script("ANALYZE " + c.table);
    if (c.name == "mariadb") lease->execute_script("ANALYZE TABLE " + c.table);
  }
  void* handle = c.engine->connect()->native_handle();
  if (c.name == "sqlite") {
    auto raw = std::make_shared<RawSqlite>(static_cast<sqlite3*>(handle), c.point_sql, c.scan_sql);
    c.raw_point = [r = raw.get()](std::int64_t id, Row& row) { return r->point(id, row); };
    c.raw_scan = [r = raw.get()](std::int64_t f, std::vector<Row>& v) { return r->scan(f, v); };
    c.raw = raw;
  } else if (c.name == "postgres") {
    auto raw = std::make_shared<RawPostgres>(static_cast<PGconn*>(handle),
                                             dollar_placeholders(c.point_sql),
                                             dollar_placeholders(c.scan_sql));
    c.raw_point = [r = raw.get()](std::int64_t id, Row& row) { return r->point(id, row); };
    c.raw_scan = [r = raw.get()](std::int64_t f, std::vector<Row>& v) { return r->scan(f, v); };
    c.raw = raw;
  } else {
    auto raw = std::make_shared<RawMariadb>(static_cast<MYSQL*>(handle), c.point_sql, c.scan_sql);
    c.raw_point = [r = raw.get()](std::int64_t id, Row& row) { return r->point(id, row); };
    c.raw_scan = [r = raw.get()](std::int64_t f, std::vector<Row>& v) { return r->scan(f, v); };
    c.raw = raw;
  }
}

void tear_down(Case& c) {
  session_bench::tear_down(c.name);
  order_bench::tear_down(c.name);
  c.raw.reset();
  if (c.engine) {
    try {
      manydb::Lease lease = c.engine->connect();
      lease->execute_script("DROP TABLE IF EXISTS " + c.table);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "micro_bench: could not drop %s on %s: %s\n", c.table.c_str(),
                   c.name.c_str(), e.what());
    }
    c.engine.reset();
  }
  if (!c.sqlite_file.empty()) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      std::error_code ec;
      std::filesystem::remove(c.sqlite_file + suffix, ec);
    }
  }
}

// ---- the benchmarks ----

// manydb_unmetered is manydb with its connection's metrics detached for the iteration: what
// counting and timing every statement costs is manydb's time over it.
enum class Side { raw, manydb, manydb_held, manydb_unmetered };
constexpr const char* side_name(Side s) {
  switch (s) {
    case Side::raw: return "raw";
    case Side::manydb: return "manydb";
    case Side::manydb_held: return "manydb_held";
    case Side::manydb_unmetered: return "manydb_unmetered";
  }
  return "?";
}

// A lease from the pool, reporting to no metrics until it goes back (then to its engine's).
struct UnmeteredLease {
  explicit UnmeteredLease(manydb::Engine& engine) : engine(engine), lease(engine.connect()) {
    lease->report_to(nullptr);
  }
  ~UnmeteredLease() { lease->report_to(&engine.metrics()); }
  manydb::Engine& engine;
  manydb::Lease lease;
};

// One iteration of a benchmark, as a callable over the iteration number; checks its row count.
std::function<void(std::int64_t)> point_iteration(Case& c, Side side,
                                                  std::shared_ptr<manydb::Lease> held) {
  auto row = std::make_shared<Row>();
  auto check = [](bool found) {
    if (!found) fail("point select found no row");
  };
  switch (side) {
    case Side::raw:
      return [&c, row, check](std::int64_t i) {
        check(c.raw_point(point_id(i), *row));
        benchmark::DoNotOptimize(row->price);
      };
    case Side::manydb:
      return [&c, row, check](std::int64_t i) {
        manydb::Lease lease = c.engine->connect();
        check(manydb_point(lease, c.point_sql, point_id(i), *row));
        benchmark::DoNotOptimize(row->price);
      };
    case Side::manydb_held:
      return [&c, row, check, held](std::int64_t i) {
        check(manydb_point(*held, c.point_sql, point_id(i), *row));
        benchmark::DoNotOptimize(row->price);
      };
    case Side::manydb_unmetered:
      return [&c, row, check](std::int64_t i) {
        UnmeteredLease unmetered(*c.engine);
        check(manydb_point(unmetered.lease, c.point_sql, point_id(i), *row));
        benchmark::DoNotOptimize(row->price);
      };
  }
  return {};
}

std::function<void(std::int64_t)> scan_iteration(Case& c, Side side,
                                                 std::shared_ptr<manydb::Lease> held) {
  auto rows = std::make_shared<std::vector<Row>>();
  rows->reserve(kScanRows);
  auto check = [](std::size_t n) {
    if (n != static_cast<std::size_t>(kScanRows)) fail("scan returned " + std::to_string(n));
  };
  switch (side) {
    case Side::raw:
      return [&c, rows, check](std::int64_t i) {
        check(c.raw_scan(scan_from(i), *rows));
        benchmark::DoNotOptimize(rows->data());
      };
    case Side::manydb:
      return [&c, rows, check](std::int64_t i) {
        manydb::Lease lease = c.engine->connect();
        check(manydb_scan(lease, c.scan_sql, scan_from(i), *rows));
        benchmark::DoNotOptimize(rows->data());
      };
    case Side::manydb_held:
      return [&c, rows, check, held](std::int64_t i) {
        check(manydb_scan(*held, c.scan_sql, scan_from(i), *rows));
        benchmark::DoNotOptimize(rows->data());
      };
    case Side::manydb_unmetered:
      return [&c, rows, check](std::int64_t i) {
        UnmeteredLease unmetered(*c.engine);
        check(manydb_scan(unmetered.lease, c.scan_sql, scan_from(i), *rows));
        benchmark::DoNotOptimize(rows->data());
      };
  }
  return {};
}

std::function<void(std::int64_t)> iteration(Case& c, const std::string& query, Side side) {
  std::shared_ptr<manydb::Lease> held;
  if (side == Side::manydb_held) held = std::make_shared<manydb::Lease>(c.engine->connect());
  auto body =
      query == "point_select" ? point_iteration(c, side, held) : scan_iteration(c, side, held);
  for (std::int64_t i = 0; i < 50; ++i) body(i);  // warm: prepared, buffers grown
  return body;
}

// MANYDB_BENCH_SERVER_POINT_ITERATIONS: the point selects on PostgreSQL and MariaDB run this
// many iterations per repetition, each side paired with a partner on the one connection
// (paired.hpp says why). A fixed count also spares Google Benchmark's search for one.
// scripts/bench sets it.
benchmark::IterationCount server_point_iterations(const Case& c, const std::string& query) {
  const char* env = std::getenv("MANYDB_BENCH_SERVER_POINT_ITERATIONS");
  if (!env || query != "point_select" || c.name == "sqlite") return 0;
  return std::atoll(env);
}

void run_alone(benchmark::State& state, const std::function<void(std::int64_t)>& body,
               std::int64_t rows) {
  std::int64_t i = 0;
  for (auto _ : state) body(i++);
  state.SetItemsProcessed(state.iterations() * rows);
}

// The side whose queries alternate with `side`'s: raw for manydb's sides, a lease per iteration
// for raw. Never both manydb sides: with one connection, a lease per iteration would wait forever
// for the held one.
Side partner(Side side) { return side == Side::raw ? Side::manydb : Side::raw; }

void run_interleaved(benchmark::State& state, Case& c, const std::string& query, Side side,
                     const std::function<void(std::int64_t)>& body) {
  bench_paired::run(state, body, iteration(c, query, partner(side)));
}

void register_benchmarks(Case& c) {
  for (const char* query : {"point_select", "scan"}) {
    for (Side side : {Side::raw, Side::manydb, Side::manydb_held, Side::manydb_unmetered}) {
      const std::string name = std::string("BM_") + query + "/" + c.name + "/" + side_name(side);
      const std::string q = query;
      const auto iterations = server_point_iterations(c, q);
      auto* registered = benchmark::RegisterBenchmark(
          name.c_str(), [&c, q, side, iterations](benchmark::State& state) {
            try {
              auto body = iteration(c, q, side);
              if (iterations > 0) {
                run_interleaved(state, c, q, side, body);
              } else {
                run_alone(state, body, q == "scan" ? kScanRows : 1);
              }
            } catch (const std::exception& e) {
              state.SkipWithError(e.what());
            }
          });
      registered->Unit(benchmark::kMicrosecond);
      if (iterations > 0) registered->Iterations(iterations)->UseManualTime();
    }
  }
}

}  // namespace

// What callgrind counts (--toggle-collect=manydb_bench_measured_loop): n iterations of `body`.
extern "C" __attribute__((noinline, noclone, used)) void manydb_bench_measured_loop(
    const std::function<void(std::int64_t)>& body, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) body(i);
}

namespace {

// Takes `--name=value` out of argv; empty when absent.
std::string take_flag(int& argc, char** argv, std::string_view name) {
  const std::string prefix = "--" + std::string(name) + "=";
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).starts_with(prefix)) {
      std::string value = argv[i] + prefix.size();
      for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      return value;
    }
  }
  return {};
}

std::vector<Case> cases() {
  std::vector<Case> out;
  Case sqlite;
  sqlite.name = "sqlite";
  sqlite.sqlite_file = (std::filesystem::temp_directory_path() /
                        ("manydb-bench-" + std::to_string(::getpid()) + ".db"))
                           .string();
  sqlite.url = "sqlite:///" + sqlite.sqlite_file;
  out.push_back(std::move(sqlite));
  for (auto [name, var] : {std::pair{"postgres", "MANYDB_TEST_POSTGRES_URL"},
                           std::pair{"mariadb", "MANYDB_TEST_MARIADB_URL"}}) {
    Case c;
    c.name = name;
    c.url = env(var);
    if (c.url.empty()) {
      std::fprintf(stderr,
                   "\n*** micro_bench: SKIPPING %s: %s is not set (run `make bench`, or "
                   "scripts/db-up FILE and source FILE) ***\n\n",
                   name, var);
      if (env("MANYDB_REQUIRE_ALL_ENGINES") == "1") fail(std::string(var) + " is required");
      continue;
    }
    out.push_back(std::move(c));
  }
  return out;
}

int callgrind_mode(const std::string& spec, std::int64_t n) {
  // spec: sqlite/<point_select|scan>/<raw|manydb|manydb_held|manydb_unmetered>
  const auto a = spec.find('/'), b = spec.rfind('/');
  if (a == std::string::npos || a == b) {
    fail(
        "--callgrind_loop wants "
        "<engine>/<point_select|scan>/<raw|manydb|manydb_held|manydb_unmetered>");
  }
  const std::string engine = spec.substr(0, a);
  const std::string query = spec.substr(a + 1, b - a - 1), side_text = spec.substr(b + 1);
  const bool session = query == "session_load" || query == "session_insert";
  const bool order = query == "order_get";
  if (query != "point_select" && query != "scan" && !session && !order) {
    fail("unknown query " + query);
  }
  Side side = Side::raw;
  if (side_text == "manydb")
    side = Side::manydb;
  else if (side_text == "manydb_held")
    side = Side::manydb_held;
  else if (side_text == "manydb_unmetered")
    side = Side::manydb_unmetered;
  else if (side_text != "raw")
    fail("unknown side " + side_text);
  if ((session || order) && side != Side::raw && side != Side::manydb) {
    fail(query + " has only the raw and manydb sides");
  }

  std::vector<Case> all = cases();
  auto it = std::find_if(all.begin(), all.end(), [&](const Case& c) { return c.name == engine; });
  if (it == all.end()) fail("engine " + engine + " is not available");
  Case& c = *it;
  int rc = 0;
  try {
    if (session) {
      session_bench::set_up(c.name, c.url);
      auto loop = session_bench::loop(c.name, query, side_text);
      manydb_bench_measured_loop(loop.body, n);
    } else if (order) {
      order_bench::set_up(c.name, c.url);
      manydb_bench_measured_loop(order_bench::loop(c.name, side_text), n);
    } else {
      set_up(c);
      auto body = iteration(c, query, side);
      manydb_bench_measured_loop(body, n);
    }
    std::printf("callgrind_loop %s: %lld iterations\n", spec.c_str(), static_cast<long long>(n));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "micro_bench: %s\n", e.what());
    rc = 1;
  }
  tear_down(c);
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string loop = take_flag(argc, argv, "callgrind_loop");
    const std::string iterations = take_flag(argc, argv, "callgrind_iterations");
    if (!loop.empty()) {
      return callgrind_mode(loop, iterations.empty() ? 10'000 : std::stoll(iterations));
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

    std::vector<Case> all = cases();
    int rc = 0;
    for (Case& c : all) {
      try {
        set_up(c);
        register_benchmarks(c);
        session_bench::set_up(c.name, c.url);
        session_bench::register_benchmarks(c.name);
        order_bench::set_up(c.name, c.url);
        // Four round trips each: a third of the point selects' iterations.
        order_bench::register_benchmarks(c.name, server_point_iterations(c, "point_select") / 3);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "\n*** micro_bench: %s setup failed: %s ***\n\n", c.name.c_str(),
                     e.what());
        rc = 1;
      }
    }
    if (rc == 0) benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    for (Case& c : all) tear_down(c);
    return rc;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "micro_bench: %s\n", e.what());
    return 1;
  }
}
