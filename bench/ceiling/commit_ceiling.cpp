// Usage: commit_ceiling PRODUCTS_URL ORDERS_URL THREADS SECONDS USERS PRODUCTS
//
// The commit ceiling of POST /orders (issue 6): THREADS threads, each with its own two
// connections, place orders as fast as the engine commits them, through the raw C API
// (raw_orders.hpp), for SECONDS. Users and products are picked at random from 1..USERS and
// 1..PRODUCTS (the seeded ids). Prints one line: BENCH_CEILING_JSON {...}.
#include <sys/resource.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string_view>
#include <thread>
#include <vector>

#include "raw_orders.hpp"

namespace {

long number(std::string_view text, const char* what) {
  long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) {
    throw std::invalid_argument(std::string(what) + " must be a positive integer");
  }
  return value;
}

std::unique_ptr<ceiling::RawOrders> open_orders(const manydb::Url& products,
                                                const manydb::Url& orders) {
  if (products.backend != orders.backend) throw std::invalid_argument("mixed engines");
  if (products.backend == manydb::Backend::sqlite) return ceiling::sqlite_orders(products, orders);
  if (products.backend == manydb::Backend::postgresql) {
    return ceiling::postgres_orders(products, orders);
  }
  throw std::invalid_argument("only sqlite and postgresql are measured");
}

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Totals {
  std::atomic<long> placed{0};
  std::atomic<long> refused{0};
};

void place_until(ceiling::RawOrders& orders, std::chrono::steady_clock::time_point deadline,
                 long users, long products, unsigned seed, Totals& totals) {
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<std::int64_t> user(1, users), product(1, products);
  long placed = 0, refused = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    const ceiling::OrderLine line{user(random), product(random)};
    if (orders.place(line)) {
      ++placed;
    } else {
      ++refused;
    }
  }
  totals.placed += placed;
  totals.refused += refused;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::cerr << "usage: commit_ceiling PRODUCTS_URL ORDERS_URL THREADS SECONDS USERS PRODUCTS\n";
    return 2;
  }
  try {
    const auto products_url = manydb::Url::parse(argv[1]);
    const auto orders_url = manydb::Url::parse(argv[2]);
    const long threads = number(argv[3], "THREADS"), seconds = number(argv[4], "SECONDS");
    const long users = number(argv[5], "USERS"), products = number(argv[6], "PRODUCTS");
    std::vector<std::unique_ptr<ceiling::RawOrders>> connections;
    for (long i = 0; i < threads; ++i) connections.push_back(open_orders(products_url, orders_url));
    Totals totals;
    const double cpu_before = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + std::chrono::seconds(seconds);
    std::vector<std::thread> workers;
    for (long i = 0; i < threads; ++i) {
      workers.emplace_back(place_until, std::ref(*connections[i]), deadline, users, products,
                           static_cast<unsigned>(i + 1), std::ref(totals));
    }
    for (auto& w : workers) w.join();
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpu_seconds() - cpu_before;
    std::printf(
        "BENCH_CEILING_JSON {\"threads\": %ld, \"seconds\": %.3f, \"orders\": %ld, "
        "\"refused\": %ld, \"orders_per_s\": %.1f, \"client_cpu_us_per_order\": %.1f}\n",
        threads, elapsed, totals.placed.load(), totals.refused.load(),
        totals.placed.load() / elapsed,
        totals.placed.load() ? cpu * 1e6 / totals.placed.load() : 0);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "commit_ceiling: " << e.what() << '\n';
    return 1;
  }
}
