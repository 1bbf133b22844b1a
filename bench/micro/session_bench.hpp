#pragma once
// The session benchmarks (session_load_insert.cpp), driven from point_select_scan.cpp's main:
//   BM_session_load/<engine>/{raw,manydb}: 100,000 rows into structs, s.query<T>().all() against
//       a hand-written loop over the engine's C API;
//   BM_session_insert/<engine>/{raw,manydb}: 10,000 objects through one session commit against
//       the fastest bulk insert of the engine's C API (SQLite 500-row INSERTs, PostgreSQL binary
//       COPY, MariaDB array binding), each in one transaction.
#include <cstdint>
#include <functional>
#include <string>

namespace session_bench {

// Creates and fills the tables on `engine` (sqlite, postgres, mariadb) reached at `url`.
void set_up(const std::string& engine, const std::string& url);
void register_benchmarks(const std::string& engine);
void tear_down(const std::string& engine);

// For callgrind: query is session_load or session_insert, side raw or manydb. `prepare` runs
// before each iteration outside what is measured (it empties the insert table); `body` is one
// iteration. Both are warmed up once.
struct Loop {
  std::function<void()> prepare;
  std::function<void(std::int64_t)> body;
};
Loop loop(const std::string& engine, const std::string& query, const std::string& side);

}  // namespace session_bench
