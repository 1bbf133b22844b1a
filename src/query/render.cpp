#include "query/render.hpp"

#include "query/nodes.hpp"

namespace manydb::detail {

std::string Renderer::column(std::size_t index) const {
  return dialect_.quote_identifier(table_.columns[index].name);
}

std::string Renderer::columns(const std::vector<std::size_t>& indexes) const {
  std::string out;
  for (std::size_t i : indexes) out += (out.empty() ? "" : ", ") + column(i);
  return out;
}

std::string Renderer::every_column() const {
  std::string out;
  for (std::size_t i = 0; i < table_.columns.size(); ++i) out += (i ? ", " : "") + column(i);
  return out;
}

void Renderer::expr(const ExprNode& n, Context context, std::string& out) const {
  using K = ExprNode::Kind;
  if (n.kind == K::column) return void(out += column(n.column));
  if (n.kind == K::value) return void(out += '?');
  if (n.kind == K::aggregate) return aggregate(n, out);
  if (n.kind == K::binary && !null_comparison_operand(n)) return binary(n, context, out);
  // NOT, IN, LIKE and IS [NOT] NULL bind tighter than AND/OR on every engine, but NOT and IS
  // bind looser than `=` on PostgreSQL: parentheses only as an operand of a comparison or
  // arithmetic.
  const bool parens = context == Context::operand;
  if (parens) out += '(';
  predicate(n, out);
  if (parens) out += ')';
}

void Renderer::binary(const ExprNode& n, Context context, std::string& out) const {
  const BinaryOp op = n.binary_op;
  // AND/OR and arithmetic are always parenthesised unless bare; a comparison also goes without
  // them as an operand of AND/OR.
  const bool parens =
      context == Context::operand || (context == Context::logical && !is_comparison(op));
  const Context inner = is_logical(op) ? Context::logical : Context::operand;
  if (parens) out += '(';
  expr(*n.children[0], inner, out);
  out.append(" ").append(sql_text(op)).append(" ");
  expr(*n.children[1], inner, out);
  if (parens) out += ')';
}

void Renderer::predicate(const ExprNode& n, std::string& out) const {
  using K = ExprNode::Kind;
  if (const ExprNode* operand = null_comparison_operand(n)) {
    expr(*operand, Context::operand, out);
    out += n.binary_op == BinaryOp::equal ? " IS NULL" : " IS NOT NULL";
    return;
  }
  switch (n.kind) {
    case K::negate:
      out += "NOT (";
      expr(*n.children[0], Context::bare, out);
      out += ')';
      return;
    case K::in_list: return in_list(n, out);
    case K::like:
      expr(*n.children[0], Context::operand, out);
      out += " LIKE ";
      expr(*n.children[1], Context::operand, out);
      return;
    case K::is_null:
    case K::is_not_null:
      expr(*n.children[0], Context::operand, out);
      out += n.kind == K::is_null ? " IS NULL" : " IS NOT NULL";
      return;
    default: return;
  }
}

// An empty list matches nothing; `x IN ()` is a syntax error on SQLite and PostgreSQL, and
// 1 = 0 is valid on all three (and NOT of it is true).
void Renderer::in_list(const ExprNode& n, std::string& out) const {
  if (n.children.size() == 1) return void(out += "1 = 0");
  expr(*n.children[0], Context::operand, out);
  out += " IN (";
  for (std::size_t i = 1; i < n.children.size(); ++i) {
    if (i > 1) out += ", ";
    expr(*n.children[i], Context::bare, out);
  }
  out += ')';
}

// avg of an integer column is numeric on PostgreSQL and DECIMAL on MariaDB; the cast makes it a
// double on every engine (SQLite's avg already is one). sum of an integer column stays numeric
// on PostgreSQL (a bigint sum could overflow), so read it as a double or as text there.
void Renderer::aggregate(const ExprNode& n, std::string& out) const {
  const AggregateFn code = n.aggregate_fn;
  std::string call(sql_text(code));
  call += '(';
  if (n.children.empty()) {
    call += '*';
  } else {
    expr(*n.children[0], Context::bare, call);
  }
  call += ')';
  const std::string_view type = dialect_.average_cast_type();
  if (code != kAggregateAvg || type.empty()) return void(out += call);
  out.append("CAST(").append(call).append(" AS ").append(type).append(")");
}

void Renderer::where(const ExprPtr& condition, std::string& out) const {
  if (!condition) return;
  out += " WHERE ";
  expr(*condition, Context::bare, out);
}

// OFFSET without LIMIT: SQLite and MariaDB need a LIMIT, "no limit" spelled their own way.
void Renderer::limit_offset(bool limit, bool offset, std::string& out) const {
  if (limit) {
    out += " LIMIT ?";
  } else if (offset && !dialect_.unlimited().empty()) {
    out.append(" LIMIT ").append(dialect_.unlimited());
  }
  if (offset) out += " OFFSET ?";
}

}  // namespace manydb::detail
