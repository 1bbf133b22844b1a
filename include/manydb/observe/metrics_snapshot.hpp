#pragma once
// What Database::metrics() returns: plain values read from every bind's counters at one
// moment (each counter read on its own, so two may be a statement apart). Names the bind and
// its engine kind, never its URL, so no password can leak through it.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manydb/core/errors.hpp"
#include "manydb/core/statement_kind.hpp"
#include "manydb/observe/histogram.hpp"

namespace manydb {

inline constexpr std::size_t kErrorKinds = static_cast<std::size_t>(ErrorKind::other) + 1;

struct TwoPhaseCounts {
  std::uint64_t prepared = 0;     // branches prepared (phase one)
  std::uint64_t committed = 0;    // prepared branches committed by their atomic commit
  std::uint64_t rolled_back = 0;  // prepared branches rolled back by their atomic commit
  std::uint64_t in_doubt = 0;     // atomic commits that threw InDoubt leaving this bind unfinished
  std::uint64_t recovered = 0;    // branches committed, rolled back or replayed by recovery
};

struct PoolSnapshot {
  std::size_t size = 0;  // connections kept when idle (PoolOptions::size)
  std::size_t max_overflow = 0;
  std::size_t in_use = 0;
  std::size_t idle = 0;
  std::uint64_t acquired = 0;
  std::uint64_t waits = 0;        // acquires that had to wait for a free connection
  std::uint64_t timeouts = 0;     // acquires that gave up with PoolTimeout
  std::uint64_t opened = 0;       // connections opened
  std::uint64_t discarded = 0;    // connections closed as dead or broken
  std::uint64_t failed_fast = 0;  // acquires refused at once as the bind was down
  bool down = false;
  HistogramSnapshot wait_seconds;  // how long the acquires that waited waited
};

// Only a SQLite bind has them.
struct SqliteCounts {
  std::uint64_t write_gate_waits = 0;    // writers that queued for the file's write gate
  std::uint64_t group_commit_syncs = 0;  // WAL fsyncs this bind's commits led (synchronous=group)
};

struct BindSnapshot {
  std::string bind;
  std::string engine;                                         // sqlite, postgresql or mariadb
  std::array<HistogramSnapshot, kStatementKinds> statements;  // by StatementKind
  std::array<std::uint64_t, kErrorKinds> errors{};            // by ErrorKind
  std::uint64_t rows_returned = 0;  // rows read from statements' cursors (query())
  std::uint64_t transactions_committed = 0;
  std::uint64_t transactions_rolled_back = 0;
  TwoPhaseCounts two_phase;
  PoolSnapshot pool;
  std::optional<SqliteCounts> sqlite;
};

// The tenant binds as a whole (routing/tenant_router.hpp): per tenant would be a label value
// per customer.
struct TenantCounts {
  std::size_t open = 0;              // tenants whose engines are open now
  std::size_t max_open = 0;          // TenantSettings::max_open
  std::uint64_t opened = 0;          // tenants opened (cold opens) since start
  std::uint64_t closed = 0;          // tenants closed as least recently used, or dropped
  std::size_t connections = 0;       // open across every tenant
  std::size_t peak_connections = 0;  // the most open at once since start
  std::size_t max_connections = 0;   // TenantSettings::max_connections
};

struct MetricsSnapshot {
  std::vector<BindSnapshot> binds;
  std::optional<TenantCounts> tenants;  // when a bind is a tenant bind
};

// The label values used for the enums above.
std::string_view statement_kind_name(StatementKind kind);
std::string_view error_kind_name(ErrorKind kind);

}  // namespace manydb
