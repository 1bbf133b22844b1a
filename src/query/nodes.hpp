#pragma once
// What the shape walk and the renderer must agree on: the operators allowed in SQL text and how
// a comparison with NULL is read.
#include <string_view>

#include "manydb/query/expr.hpp"

namespace manydb::detail {

// Throws ProgrammingError unless `op` / `fn` is one of the enumerators: a hand-built node (a
// cast integer) must never reach the renderer's tables.
void check_operator(BinaryOp op);
void check_operator(AggregateFn fn);

// The SQL spelling; only for values that passed check_operator.
std::string_view sql_text(BinaryOp op);
std::string_view sql_text(AggregateFn fn);
inline constexpr AggregateFn kAggregateAvg = AggregateFn::avg;

constexpr bool is_logical(BinaryOp op) {
  return op == BinaryOp::logical_and || op == BinaryOp::logical_or;
}
constexpr bool is_comparison(BinaryOp op) { return op <= BinaryOp::greater_equal; }

// `x = NULL` is never true in SQL, so `= NULL` / `<> NULL` (a bound null value on either side)
// are read as x IS NULL / x IS NOT NULL. Returns the operand x, or null when `n` is not such a
// comparison.
const ExprNode* null_comparison_operand(const ExprNode& n);

// Throws ProgrammingError unless `n` has the children its kind needs (all non-null) and a known
// operator.
void check_node(const ExprNode& n);

}  // namespace manydb::detail
