#include "query/shape.hpp"

#include <cstring>
#include <string>

#include "manydb/core/errors.hpp"
#include "query/nodes.hpp"

namespace manydb::detail {

Shape::Shape(char statement, const schema::TableInfo& table, const Dialect& dialect)
    : table_(table) {
  key_.reserve(128);
  tag(statement);
  const Dialect* address = &dialect;
  key_.append(reinterpret_cast<const char*>(&address), sizeof address);
  text(dialect.name());
  text(table.name);
  number(table.columns.size());
  for (const auto& c : table.columns) text(c.name);
}

void Shape::number(std::size_t n) {
  const auto fixed = static_cast<std::uint64_t>(n);
  key_.append(reinterpret_cast<const char*>(&fixed), sizeof fixed);
}

void Shape::text(std::string_view s) {
  number(s.size());
  key_.append(s);
}

void Shape::column(std::size_t index) {
  if (index >= table_.columns.size()) {
    throw ProgrammingError("query: column index " + std::to_string(index) +
                           " is not a column of '" + table_.name + "'");
  }
  number(index);
}

void Shape::expr(const ExprPtr& node) {
  if (!node) return tag('-');
  tag('+');
  this->node(*node);
}

// Emits the node's kind, then what its SQL text depends on, then its children: each kind has a
// fixed layout, so the key of a tree is unambiguous.
void Shape::node(const ExprNode& n) {
  using K = ExprNode::Kind;
  check_node(n);
  if (const ExprNode* operand = null_comparison_operand(n)) {
    tag(static_cast<char>(n.binary_op == BinaryOp::equal ? K::is_null : K::is_not_null));
    return node(*operand);  // the null itself is not a parameter
  }
  tag(static_cast<char>(n.kind));
  switch (n.kind) {
    case K::column: return column(n.column);
    case K::value: return param(n.value);
    case K::binary: tag(static_cast<char>(n.binary_op)); break;
    case K::aggregate:
      tag(static_cast<char>(n.aggregate_fn));
      number(n.children.size());
      break;
    case K::in_list:
      number(n.children.size());
      if (n.children.size() == 1) return;  // an empty list renders as 1 = 0, without the operand
      break;
    default: break;
  }
  for (const auto& c : n.children) node(*c);
}

}  // namespace manydb::detail
