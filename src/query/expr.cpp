// The node constructors behind the typed expression API. They only build the tree: every check
// (known operator, arity, column index) happens when a query is compiled, because nodes can also
// be built by hand.
#include <utility>

#include "manydb/query/expr.hpp"

namespace manydb::detail {

ExprPtr make_value(Value v) {
  auto n = std::make_shared<ExprNode>();
  n->kind = ExprNode::Kind::value;
  n->value = std::move(v);
  return n;
}

ExprPtr make_binary(BinaryOp op, ExprPtr a, ExprPtr b) {
  auto n = std::make_shared<ExprNode>();
  n->kind = ExprNode::Kind::binary;
  n->binary_op = op;
  n->children = {std::move(a), std::move(b)};
  return n;
}

ExprPtr make_unary(ExprNode::Kind kind, ExprPtr a) {
  auto n = std::make_shared<ExprNode>();
  n->kind = kind;
  n->children = {std::move(a)};
  return n;
}

ExprPtr make_aggregate(AggregateFn fn, ExprPtr argument) {
  auto n = std::make_shared<ExprNode>();
  n->kind = ExprNode::Kind::aggregate;
  n->aggregate_fn = fn;
  if (argument) n->children = {std::move(argument)};
  return n;
}

}  // namespace manydb::detail
