#include "manydb/testing/statement_counter.hpp"

namespace manydb::testing {

StatementCounter::StatementCounter(Database& db, StatementCounterOptions options)
    : db_(db), options_(options) {
  restart();
}

void StatementCounter::restart() {
  start_.clear();
  for (const auto& bind : db_.bind_names()) start_[bind] = now(bind);
}

StatementCounter::Counts StatementCounter::now(std::string_view bind) const {
  const BindSnapshot snapshot = db_.engine(bind).metrics().snapshot(false);
  Counts counts{};
  for (std::size_t kind = 0; kind < kStatementKinds; ++kind)
    counts[kind] = snapshot.statements[kind].count();
  return counts;
}

StatementCounter::Counts StatementCounter::since_start(std::string_view bind) const {
  Counts counts = now(bind);  // throws for an unknown bind
  if (auto it = start_.find(bind); it != start_.end()) {
    for (std::size_t kind = 0; kind < kStatementKinds; ++kind) counts[kind] -= it->second[kind];
  }
  return counts;
}

std::uint64_t StatementCounter::sum(const Counts& counts) const {
  std::uint64_t n = 0;
  for (std::size_t kind = 0; kind < kStatementKinds; ++kind) {
    if (kind == static_cast<std::size_t>(StatementKind::transaction) &&
        !options_.transaction_control)
      continue;
    n += counts[kind];
  }
  return n;
}

std::uint64_t StatementCounter::count(std::string_view bind) const {
  return sum(since_start(bind));
}

std::uint64_t StatementCounter::total() const {
  std::uint64_t n = 0;
  for (const auto& bind : db_.bind_names()) n += count(bind);
  return n;
}

std::string StatementCounter::describe(std::string_view bind) const {
  const Counts c = since_start(bind);
  auto of = [&](StatementKind kind) { return std::to_string(c[static_cast<std::size_t>(kind)]); };
  std::string text = std::to_string(sum(c)) + " (" + of(StatementKind::read) + " read(s), " +
                     of(StatementKind::write) + " write(s), " + of(StatementKind::ddl) + " DDL";
  if (options_.transaction_control) text += ", " + of(StatementKind::transaction) + " control";
  return text + ")";
}

}  // namespace manydb::testing
