#include "http_metrics.hpp"

#include <algorithm>
#include <cstdint>
#include <string>

namespace shop::http {

using manydb::Labels;
using Type = manydb::PrometheusWriter::Type;

HttpMetrics::HttpMetrics(const Router& router) {
  for (std::size_t i = 0; i < router.size(); ++i) {
    Slot& s = slots_.emplace_back();
    s.method = router.method(i);
    s.route = router.pattern(i);
  }
  Slot& unmatched = slots_.emplace_back();
  unmatched.method = "any";
  unmatched.route = "unmatched";
}

HttpMetrics::Slot& HttpMetrics::slot(std::size_t route) noexcept {
  return route < slots_.size() - 1 ? slots_[route] : slots_.back();
}

void HttpMetrics::finished(std::size_t route, int status,
                           std::chrono::steady_clock::duration elapsed) noexcept {
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  Slot& s = slot(route);
  const int index = status - kLowestStatus;
  if (index >= 0 && index < kStatuses) s.by_status[static_cast<std::size_t>(index)].add();
  s.latency.observe(elapsed);
}

void HttpMetrics::write(manydb::PrometheusWriter& out) const {
  out.family("shop_http_requests_total", Type::counter,
             "HTTP requests answered, by method, route template and status.");
  for (const Slot& s : slots_) {
    for (int i = 0; i < kStatuses; ++i) {
      const std::uint64_t n = s.by_status[static_cast<std::size_t>(i)].value();
      if (n == 0) continue;  // only the statuses a route has answered with
      const std::string status = std::to_string(i + kLowestStatus);
      out.sample(Labels{{"method", s.method}, {"route", s.route}, {"status", status}}, n);
    }
  }
  out.family("shop_http_request_duration_seconds", Type::histogram,
             "How long the handler of each request took, by method and route template.");
  for (const Slot& s : slots_) {
    out.histogram(Labels{{"method", s.method}, {"route", s.route}}, s.latency.snapshot());
  }
  out.family("shop_http_requests_in_flight", Type::gauge, "Requests being handled now.");
  out.sample(Labels{}, std::uint64_t(std::max(0, in_flight_.load(std::memory_order_relaxed))));
}

}  // namespace shop::http
