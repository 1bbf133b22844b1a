#include "query/nodes.hpp"

#include <array>
#include <string>

#include "manydb/core/errors.hpp"

namespace manydb::detail {

namespace {
constexpr std::array<std::string_view, 12> kBinaryOps = {
    "=", "<>", "<", "<=", ">", ">=", "AND", "OR", "+", "-", "*", "/"};
constexpr std::array<std::string_view, 5> kAggregates = {"count", "sum", "avg", "min", "max"};

template <std::size_t N>
std::uint8_t code_of(const std::array<std::string_view, N>& table, std::string_view text,
                     const char* what) {
  for (std::size_t i = 0; i < N; ++i) {
    if (table[i] == text) return static_cast<std::uint8_t>(i);
  }
  throw ProgrammingError(std::string("query: unknown ") + what + " '" + std::string(text) + "'");
}

bool is_null_value(const ExprPtr& n) {
  return n->kind == ExprNode::Kind::value && n->value.is_null();
}
}  // namespace

std::uint8_t binary_op_code(std::string_view op) { return code_of(kBinaryOps, op, "operator"); }
std::string_view binary_op_text(std::uint8_t code) { return kBinaryOps.at(code); }
bool is_logical(std::uint8_t code) { return code == 6 || code == 7; }
bool is_comparison(std::uint8_t code) { return code < 6; }

std::uint8_t aggregate_code(std::string_view fn) { return code_of(kAggregates, fn, "aggregate"); }
std::string_view aggregate_text(std::uint8_t code) { return kAggregates.at(code); }

const ExprNode* null_comparison_operand(const ExprNode& n) {
  if (n.kind != ExprNode::Kind::binary || (n.op != "=" && n.op != "<>")) return nullptr;
  if (is_null_value(n.children[1])) return n.children[0].get();
  if (is_null_value(n.children[0])) return n.children[1].get();
  return nullptr;
}

void check_arity(const ExprNode& n) {
  using K = ExprNode::Kind;
  std::size_t min = 0, max = 0;
  switch (n.kind) {
    case K::column:
    case K::value: break;
    case K::binary:
    case K::like: min = max = 2; break;
    case K::negate:
    case K::is_null:
    case K::is_not_null: min = max = 1; break;
    case K::in_list: min = 1, max = static_cast<std::size_t>(-1); break;
    case K::aggregate: min = n.op == "count" ? 0 : 1, max = 1; break;
    default: throw ProgrammingError("query: unknown expression node kind");
  }
  bool ok = n.children.size() >= min && n.children.size() <= max;
  for (const auto& c : n.children) ok = ok && c != nullptr;
  if (!ok) throw ProgrammingError("query: malformed expression node (wrong children)");
}

}  // namespace manydb::detail
