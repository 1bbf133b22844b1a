#pragma once
// SQL text for a query's parts, run only on a shape-cache miss. Assumes the query passed the
// shape walk (Shape), which validated operators, arities and column indexes.
#include <string>
#include <vector>

#include "manydb/driver/dialect.hpp"
#include "manydb/query/compile.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb::detail {

class Renderer {
 public:
  Renderer(const schema::TableInfo& table, const Dialect& dialect)
      : table_(table), dialect_(dialect) {}

  // Where an expression sits decides its parentheses: `bare` needs none (the whole WHERE, a list
  // item, inside NOT (...)), `logical` is an operand of AND/OR (comparisons and predicates bind
  // tighter than both on every engine), `operand` is anything else.
  enum class Context { bare, logical, operand };

  std::string table() const { return dialect_.quote_identifier(table_.name); }
  std::string column(std::size_t index) const;
  std::string columns(const std::vector<std::size_t>& indexes) const;  // "a", "b"
  std::string every_column() const;  // every mapped column, in mapping order
  void expr(const ExprNode& n, Context context, std::string& out) const;
  void where(const ExprPtr& condition, std::string& out) const;  // " WHERE ..." when not null
  void limit_offset(bool limit, bool offset, std::string& out) const;

 private:
  void binary(const ExprNode& n, Context context, std::string& out) const;
  void predicate(const ExprNode& n, std::string& out) const;
  void in_list(const ExprNode& n, std::string& out) const;
  void aggregate(const ExprNode& n, std::string& out) const;

  const schema::TableInfo& table_;
  const Dialect& dialect_;
};

}  // namespace manydb::detail
