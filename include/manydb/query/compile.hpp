#pragma once
// Compiling queries to {sql, params} in a bind's dialect. No I/O. The SQL text of a query
// depends only on its shape (not on its values), so it is cached per dialect and shape: a hot
// query is walked once for its parameters and its text is not rebuilt.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manydb/driver/dialect.hpp"
#include "manydb/query/expr.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb {

struct Statement {
  std::string sql;  // '?' placeholders, in the order of params (the engine rewrites them)
  std::vector<Value> params;
};

struct SelectQuery {
  const schema::TableInfo* table = nullptr;
  ExprPtr where;  // null: every row
  std::vector<OrderTerm> order;
  std::optional<std::int64_t> limit;
  std::optional<std::int64_t> offset;
  bool for_update = false;      // SQLite has no FOR UPDATE: its write lock covers the file
  std::vector<ExprPtr> select;  // empty: every mapped column, in mapping order
  std::vector<std::size_t> group_by;
};

Statement compile_select(const SelectQuery& query, const Dialect& dialect);
// SELECT count(*) over the query's WHERE (ignoring order, limit and offset).
Statement compile_count(const SelectQuery& query, const Dialect& dialect);
// SELECT 1 ... LIMIT 1.
Statement compile_exists(const SelectQuery& query, const Dialect& dialect);
// UPDATE t SET a = ..., b = ... WHERE ... [RETURNING every mapped column, in mapping order]
Statement compile_update(const schema::TableInfo& table, const ExprPtr& where,
                         const std::vector<Assignment>& assignments, const Dialect& dialect,
                         bool returning_rows = false);
// DELETE FROM t WHERE ...
Statement compile_delete(const schema::TableInfo& table, const ExprPtr& where,
                         const Dialect& dialect);
inline constexpr std::size_t no_sequence_key = static_cast<std::size_t>(-1);

// INSERT INTO t (columns...) VALUES (?, ...), one row per values.size() / columns.size(), with
// RETURNING the `returning` columns (the ones the database fills in) when there are any.
// With `sequence_key`, the column of that table index (one of `columns`) takes
// Dialect::sequence_key_sql() in every row instead of one '?', and each row's values carry
// that expression's three in its place.
Statement compile_insert(const schema::TableInfo& table, const std::vector<std::size_t>& columns,
                         std::vector<Value> values, const std::vector<std::size_t>& returning,
                         const Dialect& dialect, std::size_t sequence_key = no_sequence_key);

// Compiled shapes currently cached (for tests and metrics).
std::size_t cached_query_shapes();

}  // namespace manydb
