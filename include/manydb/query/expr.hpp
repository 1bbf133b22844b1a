#pragma once
// Typed SQL expressions over one model's columns, built from member pointers:
//   col(&Order::user_id) == 7 && col(&Order::status).in({"pending", "paid"})
// Values are always bound parameters. The tree is type-erased (ExprNode); the typed wrappers
// only decide what compiles.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "manydb/core/errors.hpp"
#include "manydb/core/value.hpp"
#include "manydb/schema/model.hpp"

namespace manydb {

// The operator of a binary node. The renderer spells each from a table indexed by it, so a
// hand-built node can never splice SQL text.
enum class BinaryOp : std::uint8_t {
  equal,          // =
  not_equal,      // <>
  less,           // <
  less_equal,     // <=
  greater,        // >
  greater_equal,  // >=
  logical_and,    // AND
  logical_or,     // OR
  add,            // +
  subtract,       // -
  multiply,       // *
  divide,         // /
};

// The function of an aggregate node.
enum class AggregateFn : std::uint8_t { count, sum, avg, min, max };

struct ExprNode {
  enum class Kind {
    column,       // `column` indexes TableInfo::columns
    value,        // a bound parameter
    binary,       // children[0] binary_op children[1]
    negate,       // NOT children[0]
    in_list,      // children[0] IN (children[1..]); an empty list is always false
    like,         // children[0] LIKE children[1] (case-sensitive on every engine)
    is_null,      // children[0] IS NULL
    is_not_null,  // children[0] IS NOT NULL
    aggregate,    // aggregate_fn(children[0]); count(*) when no child
  };
  Kind kind = Kind::value;
  BinaryOp binary_op = BinaryOp::equal;           // of a binary node
  AggregateFn aggregate_fn = AggregateFn::count;  // of an aggregate node
  std::size_t column = 0;
  Value value;
  std::vector<std::shared_ptr<const ExprNode>> children;
};
using ExprPtr = std::shared_ptr<const ExprNode>;

namespace detail {
template <class A, class B>
concept comparable = (std::is_arithmetic_v<A> && std::is_arithmetic_v<B> &&
                      !std::is_same_v<A, bool> && !std::is_same_v<B, bool>) ||
                     (std::is_same_v<A, bool> && std::is_same_v<B, bool>) ||
                     (std::is_convertible_v<A, std::string_view> &&
                      std::is_convertible_v<B, std::string_view>) ||
                     std::is_same_v<A, B>;
template <class T>
struct unwrap_optional {
  using type = T;
};
template <class T>
struct unwrap_optional<std::optional<T>> {
  using type = T;
};
ExprPtr make_value(Value v);
inline ExprPtr make_column(std::size_t index) {
  auto n = std::make_shared<ExprNode>();
  n->kind = ExprNode::Kind::column;
  n->column = index;
  return n;
}
ExprPtr make_binary(BinaryOp op, ExprPtr a, ExprPtr b);
ExprPtr make_unary(ExprNode::Kind kind, ExprPtr a);
}  // namespace detail

// An expression of model T whose values have C++ type V (a column's member type, without
// std::optional).
template <class T, class V>
class Expr {
 public:
  using model_type = T;
  using value_type = V;
  explicit Expr(ExprPtr node) : node_(std::move(node)) {}
  const ExprPtr& node() const { return node_; }

  template <class X>
  requires detail::comparable<V, X> Expr<T, bool> in(std::initializer_list<X> values)
  const { return in(std::vector<X>(values)); }
  template <class X>
  requires detail::comparable<V, X> Expr<T, bool> in(const std::vector<X>& values)
  const {
    auto n = std::make_shared<ExprNode>();
    n->kind = ExprNode::Kind::in_list;
    n->children.reserve(values.size() + 1);
    n->children.push_back(node_);
    for (const auto& v : values) n->children.push_back(detail::make_value(Value(v)));
    return Expr<T, bool>(std::move(n));
  }
  Expr<T, bool> like(std::string_view pattern) const requires std::is_same_v<V, std::string> {
    auto n = std::make_shared<ExprNode>();
    n->kind = ExprNode::Kind::like;
    n->children = {node_, detail::make_value(Value(pattern))};
    return Expr<T, bool>(std::move(n));
  }
  Expr<T, bool> is_null() const {
    return Expr<T, bool>(detail::make_unary(ExprNode::Kind::is_null, node_));
  }
  Expr<T, bool> is_not_null() const {
    return Expr<T, bool>(detail::make_unary(ExprNode::Kind::is_not_null, node_));
  }

 private:
  ExprPtr node_;
};

template <class T>
using Condition = Expr<T, bool>;

// col(&Order::user_id): the column that member is mapped to.
template <class T, class M>
Expr<T, typename detail::unwrap_optional<M>::type> col(M T::*member) {
  const std::size_t index = schema::find_column_index(member);
  // An unmapped member would otherwise silently mean column 0, the primary key.
  if (index == schema::not_mapped) {
    throw ProgrammingError("manydb::col: the member is not mapped in " +
                           schema::table_info<T>().model);
  }
  auto n = std::make_shared<ExprNode>();
  n->kind = ExprNode::Kind::column;
  n->column = index;
  return Expr<T, typename detail::unwrap_optional<M>::type>(std::move(n));
}

namespace detail {
template <class V, class X>
ExprPtr operand(const X& x) {
  if constexpr (requires { x.node(); }) {
    return x.node();
  } else {
    return make_value(Value(x));
  }
}
template <class X>
struct expr_value {
  using type = X;
};
template <class T, class V>
struct expr_value<Expr<T, V>> {
  using type = V;
};
// An optional value compares as its value type; a disengaged one compiles to IS NULL.
template <class X>
struct expr_value<std::optional<X>> {
  using type = X;
};
// An operand that is an expression must be over the same model.
template <class T, class X>
inline constexpr bool same_model = true;
template <class T, class U, class V>
inline constexpr bool same_model<T, Expr<U, V>> = std::is_same_v<T, U>;
template <class X>
concept null_literal = std::is_same_v<X, std::nullptr_t> || std::is_same_v<X, std::nullopt_t>;
}  // namespace detail

#define MANYDB_COMPARISON(OP, KIND)                                                   \
  template <class T, class V, class X>                                                \
  requires(detail::comparable<V, typename detail::expr_value<X>::type> &&             \
           detail::same_model<T, X>) Expr<T, bool>                                    \
  operator OP(const Expr<T, V>& a, const X& b) {                                      \
    return Expr<T, bool>(detail::make_binary(KIND, a.node(), detail::operand<V>(b))); \
  }
MANYDB_COMPARISON(==, BinaryOp::equal)
MANYDB_COMPARISON(!=, BinaryOp::not_equal)
MANYDB_COMPARISON(<, BinaryOp::less)
MANYDB_COMPARISON(<=, BinaryOp::less_equal)
MANYDB_COMPARISON(>, BinaryOp::greater)
MANYDB_COMPARISON(>=, BinaryOp::greater_equal)
#undef MANYDB_COMPARISON

// col(&T::opt) == std::nullopt (or nullptr) is IS NULL: SQL's `= NULL` is never true.
template <class T, class V, detail::null_literal N>
Expr<T, bool> operator==(const Expr<T, V>& a, N) {
  return Expr<T, bool>(detail::make_unary(ExprNode::Kind::is_null, a.node()));
}
template <class T, class V, detail::null_literal N>
Expr<T, bool> operator!=(const Expr<T, V>& a, N) {
  return Expr<T, bool>(detail::make_unary(ExprNode::Kind::is_not_null, a.node()));
}

#define MANYDB_ARITHMETIC(OP, KIND)                                                                \
  template <class T, class V, class X>                                                             \
  requires(std::is_arithmetic_v<V> && !std::is_same_v<V, bool> &&                                  \
           std::is_arithmetic_v<typename detail::expr_value<X>::type> && detail::same_model<T, X>) \
      Expr<T, V>                                                                                   \
  operator OP(const Expr<T, V>& a, const X& b) {                                                   \
    return Expr<T, V>(detail::make_binary(KIND, a.node(), detail::operand<V>(b)));                 \
  }
MANYDB_ARITHMETIC(+, BinaryOp::add)
MANYDB_ARITHMETIC(-, BinaryOp::subtract)
MANYDB_ARITHMETIC(*, BinaryOp::multiply)
MANYDB_ARITHMETIC(/, BinaryOp::divide)
#undef MANYDB_ARITHMETIC

template <class T>
Condition<T> operator&&(const Condition<T>& a, const Condition<T>& b) {
  return Condition<T>(detail::make_binary(BinaryOp::logical_and, a.node(), b.node()));
}
template <class T>
Condition<T> operator||(const Condition<T>& a, const Condition<T>& b) {
  return Condition<T>(detail::make_binary(BinaryOp::logical_or, a.node(), b.node()));
}
template <class T>
Condition<T> operator!(const Condition<T>& a) {
  return Condition<T>(detail::make_unary(ExprNode::Kind::negate, a.node()));
}

// ORDER BY terms: asc(&T::f), desc(&T::f).
struct OrderTerm {
  std::size_t column = 0;
  bool descending = false;
};
template <class T, class M>
OrderTerm asc(M T::*member) {
  return {col(member).node()->column, false};
}
template <class T, class M>
OrderTerm desc(M T::*member) {
  return {col(member).node()->column, true};
}

// UPDATE assignments: set(&Product::stock, col(&Product::stock) - 2), set(&Order::status, "paid").
struct Assignment {
  std::size_t column = 0;
  ExprPtr value;
};
template <class T, class M, class X>
Assignment set(M T::*member, const X& value) {
  using V = typename detail::unwrap_optional<M>::type;
  static_assert(detail::comparable<V, typename detail::expr_value<X>::type> ||
                    std::is_same_v<X, std::nullptr_t>,
                "manydb::set: the value's type does not match the column's");
  static_assert(detail::same_model<T, X>, "manydb::set: the value is over another model");
  return {col(member).node()->column, detail::operand<V>(value)};
}

// Aggregates for reports: count(), count(&T::f), sum, avg, min, max.
template <class T>
struct Aggregate {
  ExprPtr node;
};
namespace detail {
ExprPtr make_aggregate(AggregateFn fn, ExprPtr argument);
}
template <class T>
Aggregate<T> count() {
  return {detail::make_aggregate(AggregateFn::count, nullptr)};
}
#define MANYDB_AGGREGATE(NAME)                                              \
  template <class T, class M>                                               \
  Aggregate<T> NAME(M T::*member) {                                         \
    return {detail::make_aggregate(AggregateFn::NAME, col(member).node())}; \
  }
MANYDB_AGGREGATE(count)
MANYDB_AGGREGATE(sum)
MANYDB_AGGREGATE(avg)
MANYDB_AGGREGATE(min)
MANYDB_AGGREGATE(max)
#undef MANYDB_AGGREGATE

}  // namespace manydb
