#pragma once
// The HTTP server's metrics: requests by route template, method and status, their latency,
// and those in flight. One slot per route of the router, made before serving, so a request
// only adds to atomics: no lock, no map lookup. Requests that matched no route (404, 405)
// share one slot, route "unmatched", so a scan of random paths adds no label values.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <deque>
#include <string>

#include "manydb/observe/counter.hpp"
#include "manydb/observe/histogram.hpp"
#include "manydb/observe/prometheus.hpp"
#include "router.hpp"

namespace shop::http {

class HttpMetrics {
 public:
  // Takes the routes `router` has now: add every route first.
  explicit HttpMetrics(const Router& router);

  void started() noexcept { in_flight_.fetch_add(1, std::memory_order_relaxed); }
  // `route` is Request::route (kNoRoute for none).
  void finished(std::size_t route, int status,
                std::chrono::steady_clock::duration elapsed) noexcept;

  void write(manydb::PrometheusWriter& out) const;

 private:
  static constexpr int kLowestStatus = 100;
  static constexpr int kStatuses = 500;  // 100 to 599; the server sends no other
  struct Slot {
    std::string method;
    std::string route;
    std::array<manydb::Counter, kStatuses> by_status;
    manydb::Histogram latency;
  };
  Slot& slot(std::size_t route) noexcept;

  std::deque<Slot> slots_;  // the routes, then "unmatched"; a deque, as Slot cannot move
  std::atomic<int> in_flight_{0};
};

}  // namespace shop::http
