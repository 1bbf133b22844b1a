#pragma once
// Statements per bind since a point in a test, from the Database's own metrics: how a test
// proves that an operation costs what it should (one IN query for load_related, whatever the
// batch's size). Every statement run on the bind counts, from any thread of the process.
//
//   manydb::testing::StatementCounter counter(db);
//   auto products = session.load_related<&OrderItem::product_id>(items);
//   EXPECT_EQ(counter.count("products"), 1u);
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "manydb/core/statement_kind.hpp"
#include "manydb/database/database.hpp"

namespace manydb::testing {

struct StatementCounterOptions {
  // Statements of transaction control sent as SQL text (BEGIN, COMMIT, SAVEPOINT, ...) count
  // too. A session's begin and commit go through the connection's own calls, which are never
  // counted, so this only changes counts of raw SQL.
  bool transaction_control = false;
};

class StatementCounter {
 public:
  explicit StatementCounter(Database& db, StatementCounterOptions options = {});

  // Statements on `bind` since construction or restart(); ConfigError for an unknown bind.
  std::uint64_t count(std::string_view bind) const;
  // On every bind.
  std::uint64_t total() const;
  // What count(bind) is made of, for a failure message: "3 (2 reads, 1 write, 0 DDL)".
  std::string describe(std::string_view bind) const;
  // Counts from now.
  void restart();

 private:
  using Counts = std::array<std::uint64_t, kStatementKinds>;
  Counts now(std::string_view bind) const;
  Counts since_start(std::string_view bind) const;
  std::uint64_t sum(const Counts& counts) const;

  Database& db_;
  StatementCounterOptions options_;
  std::map<std::string, Counts, std::less<>> start_;
};

}  // namespace manydb::testing
