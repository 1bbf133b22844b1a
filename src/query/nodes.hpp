#pragma once
// What the shape walk and the renderer must agree on: the operators allowed in SQL text and how
// a comparison with NULL is read.
#include <cstdint>
#include <string_view>

#include "manydb/query/expr.hpp"

namespace manydb::detail {

// The index of `op` among = <> < <= > >= AND OR + - * /. Any other text throws
// ProgrammingError: a hand-built node must never splice SQL.
std::uint8_t binary_op_code(std::string_view op);
std::string_view binary_op_text(std::uint8_t code);
bool is_logical(std::uint8_t code);     // AND, OR
bool is_comparison(std::uint8_t code);  // = <> < <= > >=

// The index of `fn` among count sum avg min max; other text throws ProgrammingError.
std::uint8_t aggregate_code(std::string_view fn);
std::string_view aggregate_text(std::uint8_t code);
inline constexpr std::uint8_t kAggregateAvg = 2;

// `x = NULL` is never true in SQL, so `= NULL` / `<> NULL` (a bound null value on either side)
// are read as x IS NULL / x IS NOT NULL. Returns the operand x, or null when `n` is not such a
// comparison.
const ExprNode* null_comparison_operand(const ExprNode& n);

// Throws ProgrammingError unless `n` has the children its kind needs (all non-null).
void check_arity(const ExprNode& n);

}  // namespace manydb::detail
