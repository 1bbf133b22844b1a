#pragma once
// A benchmark timed beside a partner on the same connection(s), for the servers: a loopback
// round trip on this VM is ~50 or ~85 µs for stretches of a second or so, depending on how the
// server process is woken, so separate benchmarks, or sides on connections of their own, land
// in different modes and compare the modes rather than the clients (ratios from 0.5 to 1.4).
// Alternating on one connection, both sides meet the same mode (ratios 0.99 to 1.02).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <functional>

namespace bench_paired {

using Body = std::function<void(std::int64_t)>;

// Times `body` and `partner` alternately, each first in every other iteration; the iteration
// time is body's. Counters: partner_seconds, the partner's own measured time per iteration in
// this repetition (what scripts/bench shows as the partner's median), and vs_partner, body's
// time over the partner's in this repetition.
inline void run(benchmark::State& state, const Body& body, const Body& partner) {
  using clock = std::chrono::steady_clock;
  auto timed = [](const Body& f, std::int64_t i) {
    const auto start = clock::now();
    f(i);
    return std::chrono::duration<double>(clock::now() - start).count();
  };
  double body_total = 0, partner_total = 0;
  std::int64_t i = 0;
  for (auto _ : state) {
    double t;
    if (i % 2 == 0) {
      partner_total += timed(partner, i);
      t = timed(body, i);
    } else {
      t = timed(body, i);
      partner_total += timed(partner, i);
    }
    body_total += t;
    state.SetIterationTime(t);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["partner_seconds"] = i > 0 ? partner_total / static_cast<double>(i) : 0;
  state.counters["vs_partner"] = partner_total > 0 ? body_total / partner_total : 0;
}

}  // namespace bench_paired
