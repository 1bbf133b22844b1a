#include "manydb/observe/bind_metrics.hpp"

namespace manydb {

namespace {

// Most derived first: a UniqueViolation is an IntegrityError too.
template <class E>
bool is(const Error& error) {
  return dynamic_cast<const E*>(&error) != nullptr;
}

}  // namespace

ErrorKind error_kind_of(const Error& error) noexcept {
  if (is<UniqueViolation>(error)) return ErrorKind::unique;
  if (is<ForeignKeyViolation>(error)) return ErrorKind::foreign_key;
  if (is<NotNullViolation>(error)) return ErrorKind::not_null;
  if (is<CheckViolation>(error)) return ErrorKind::check;
  if (is<IntegrityError>(error)) return ErrorKind::integrity;
  if (is<CommitInDoubt>(error)) return ErrorKind::commit_in_doubt;
  if (is<ConnectionError>(error)) return ErrorKind::connection;
  if (is<LockTimeout>(error)) return ErrorKind::lock_timeout;
  if (is<Timeout>(error)) return ErrorKind::timeout;
  if (is<Deadlock>(error)) return ErrorKind::deadlock;
  if (is<SerializationFailure>(error)) return ErrorKind::serialization;
  if (is<OperationalError>(error)) return ErrorKind::operational;
  if (is<ProgrammingError>(error)) return ErrorKind::programming;
  if (is<DataError>(error)) return ErrorKind::data;
  return ErrorKind::other;
}

void BindMetrics::error(const Error& error) noexcept {
  errors_[static_cast<std::size_t>(error_kind_of(error))].add();
}

void BindMetrics::log_statements_slower_than(
    std::optional<std::chrono::milliseconds> threshold) noexcept {
  const auto ns = threshold ? std::chrono::nanoseconds(*threshold).count() : -1;
  slow_ns_.store(ns < 0 ? -1 : ns, std::memory_order_relaxed);
}

std::uint64_t BindMetrics::statements() const noexcept {
  std::uint64_t n = 0;
  for (const auto& h : statements_) n += h.snapshot().count();
  return n;
}

BindSnapshot BindMetrics::snapshot(bool sqlite) const {
  BindSnapshot s;
  for (std::size_t i = 0; i < statements_.size(); ++i) s.statements[i] = statements_[i].snapshot();
  for (std::size_t i = 0; i < errors_.size(); ++i) s.errors[i] = errors_[i].value();
  s.rows_returned = rows_returned_.value();
  s.transactions_committed = committed_.value();
  s.transactions_rolled_back = rolled_back_.value();
  s.two_phase = {prepared_.value(), branch_committed_.value(), branch_rolled_back_.value(),
                 in_doubt_.value(), recovered_.value()};
  if (sqlite) s.sqlite = SqliteCounts{write_gate_waits_.value(), group_commit_syncs_.value()};
  return s;
}

}  // namespace manydb
