#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace manydb {

struct PoolOptions {
  std::size_t size = 5;           // connections kept open when idle
  std::size_t max_overflow = 10;  // extra connections opened under load, closed when returned
  std::chrono::milliseconds acquire_timeout{30'000};  // then PoolTimeout
  // A connection idle for longer is pinged before it is handed out; 0 pings every time.
  std::chrono::milliseconds ping_after_idle{10'000};
  std::chrono::milliseconds connect_timeout{10'000};  // when the URL sets none
  // The longest a statement, commit or ping waits for the server (ConnectOptions); 0: no limit.
  std::chrono::milliseconds statement_timeout{30'000};
  // After a connect fails, or a server stops answering within the statement timeout, the
  // bind is down: acquire() throws that error at once, without trying, until this long has
  // passed; then one acquire tries again while the others still fail at once. 0: every
  // acquire tries.
  std::chrono::milliseconds reconnect_interval{500};
};

struct PoolStats {
  std::size_t in_use = 0;
  std::size_t idle = 0;
  std::uint64_t acquired = 0;
  std::uint64_t connects = 0;     // connections opened
  std::size_t peak_open = 0;      // most connections open at once (never above size + overflow)
  std::uint64_t waits = 0;        // acquires that had to wait for a connection
  std::uint64_t timeouts = 0;     // acquires that gave up with PoolTimeout
  std::uint64_t errors = 0;       // failed connects, failed pings, broken connections discarded
  std::uint64_t discarded = 0;    // connections closed as dead or broken (failed pings included)
  bool down = false;              // the bind is down: acquires fail at once (reconnect_interval)
  std::uint64_t failed_fast = 0;  // acquires refused at once because the bind was down
};

}  // namespace manydb
