#pragma once
// The counters of one bind (one Engine), written by its connections, pool, transactions and
// atomic commits as they work, read by Database::metrics(). Every write is a relaxed atomic
// add: nothing on a statement's path takes a lock.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "manydb/core/errors.hpp"
#include "manydb/core/statement_kind.hpp"
#include "manydb/observe/counter.hpp"
#include "manydb/observe/histogram.hpp"
#include "manydb/observe/metrics_snapshot.hpp"

namespace manydb {

class BindMetrics {
 public:
  void statement(StatementKind kind, std::chrono::steady_clock::duration elapsed) noexcept {
    statements_[static_cast<std::size_t>(kind)].observe(elapsed);
  }
  // Statements that take `threshold` or longer are logged (log.hpp, warn) by the connection
  // that timed them; 0 logs every statement, nullopt none (the default).
  void log_statements_slower_than(std::optional<std::chrono::milliseconds> threshold) noexcept;
  bool slow(std::chrono::steady_clock::duration elapsed) const noexcept {
    const std::int64_t threshold = slow_ns_.load(std::memory_order_relaxed);
    return threshold >= 0 &&
           std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count() >= threshold;
  }
  // Counts `error` under its type (the most derived of manydb's error classes).
  void error(const Error& error) noexcept;

  void rows_returned(std::uint64_t n) noexcept { rows_returned_.add(n); }

  void committed() noexcept { committed_.add(); }
  void rolled_back() noexcept { rolled_back_.add(); }

  void prepared() noexcept { prepared_.add(); }
  void branch_ended(bool commit) noexcept {
    (commit ? branch_committed_ : branch_rolled_back_).add();
  }
  void left_in_doubt() noexcept { in_doubt_.add(); }
  void recovered() noexcept { recovered_.add(); }

  void write_gate_waited() noexcept { write_gate_waits_.add(); }
  void group_commit_synced() noexcept { group_commit_syncs_.add(); }

  // Statements of every kind so far (Engine::statements()).
  std::uint64_t statements() const noexcept;

  // Everything but the bind's name, engine and pool, which its Engine knows; the SQLite counts
  // only when `sqlite`.
  BindSnapshot snapshot(bool sqlite) const;

 private:
  std::array<Histogram, kStatementKinds> statements_;
  std::array<Counter, kErrorKinds> errors_;
  Counter rows_returned_;
  Counter committed_, rolled_back_;
  Counter prepared_, branch_committed_, branch_rolled_back_, in_doubt_, recovered_;
  Counter write_gate_waits_, group_commit_syncs_;
  std::atomic<std::int64_t> slow_ns_{-1};  // -1: no slow-statement log
};

// manydb's error class of `error` as its ErrorKind (other for those no engine raises).
ErrorKind error_kind_of(const Error& error) noexcept;

}  // namespace manydb
