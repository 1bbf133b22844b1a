#include "query/nodes.hpp"

#include <array>
#include <string>

#include "manydb/core/errors.hpp"

namespace manydb::detail {

namespace {
// Indexed by the enumerators, in their order.
constexpr std::array<std::string_view, 12> kBinarySql = {
    "=", "<>", "<", "<=", ">", ">=", "AND", "OR", "+", "-", "*", "/"};
constexpr std::array<std::string_view, 5> kAggregateSql = {"count", "sum", "avg", "min", "max"};
static_assert(kBinarySql.size() == static_cast<std::size_t>(BinaryOp::divide) + 1);
static_assert(kAggregateSql.size() == static_cast<std::size_t>(AggregateFn::max) + 1);

template <class Enum, std::size_t N>
void check_known(Enum e, const std::array<std::string_view, N>& table, const char* what) {
  const auto code = static_cast<std::size_t>(e);
  if (code >= table.size()) {
    throw ProgrammingError(std::string("query: unknown ") + what + " " + std::to_string(code));
  }
}

bool is_null_value(const ExprPtr& n) {
  return n->kind == ExprNode::Kind::value && n->value.is_null();
}
}  // namespace

void check_operator(BinaryOp op) { check_known(op, kBinarySql, "operator"); }
void check_operator(AggregateFn fn) { check_known(fn, kAggregateSql, "aggregate"); }
std::string_view sql_text(BinaryOp op) { return kBinarySql[static_cast<std::size_t>(op)]; }
std::string_view sql_text(AggregateFn fn) { return kAggregateSql[static_cast<std::size_t>(fn)]; }

const ExprNode* null_comparison_operand(const ExprNode& n) {
  if (n.kind != ExprNode::Kind::binary ||
      (n.binary_op != BinaryOp::equal && n.binary_op != BinaryOp::not_equal)) {
    return nullptr;
  }
  if (is_null_value(n.children[1])) return n.children[0].get();
  if (is_null_value(n.children[0])) return n.children[1].get();
  return nullptr;
}

void check_node(const ExprNode& n) {
  using K = ExprNode::Kind;
  std::size_t min = 0, max = 0;
  switch (n.kind) {
    case K::column:
    case K::value: break;
    case K::binary:
      check_operator(n.binary_op);
      min = max = 2;
      break;
    case K::like: min = max = 2; break;
    case K::negate:
    case K::is_null:
    case K::is_not_null: min = max = 1; break;
    case K::in_list: min = 1, max = static_cast<std::size_t>(-1); break;
    case K::aggregate:
      check_operator(n.aggregate_fn);
      min = n.aggregate_fn == AggregateFn::count ? 0 : 1, max = 1;
      break;
    default: throw ProgrammingError("query: unknown expression node kind");
  }
  bool ok = n.children.size() >= min && n.children.size() <= max;
  for (const auto& c : n.children) ok = ok && c != nullptr;
  if (!ok) throw ProgrammingError("query: malformed expression node (wrong children)");
}

}  // namespace manydb::detail
