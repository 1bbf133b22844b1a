#pragma once
// The shop's GET /orders/{id} queries (order_get.cpp), driven from point_select_scan.cpp's main:
//   BM_order_get/<engine>/{raw,manydb}: an order by id, its items, their products (one IN query)
//       and its user, from three binds (orders, products, users) on one engine, through the
//       session as the shop does it and through the engine's C API on the same connections.
#include <cstdint>
#include <functional>
#include <string>

namespace order_bench {

// Creates and fills the tables on `engine` (sqlite, postgres, mariadb) reached at `url`.
void set_up(const std::string& engine, const std::string& url);
// `paired_iterations` > 0: each side runs that many iterations per repetition, alternating with
// the other side on the same connections (paired.hpp); 0: each runs alone.
void register_benchmarks(const std::string& engine, std::int64_t paired_iterations);
void tear_down(const std::string& engine);

// For callgrind: one side (raw or manydb) as a loop body, warmed up.
std::function<void(std::int64_t)> loop(const std::string& engine, const std::string& side);

}  // namespace order_bench
