#pragma once
// One walk over a query: validates it, builds its shape key (what the SQL text depends on) and
// collects its parameters in the order their '?' appear in the text.
#include <cstdint>
#include <string>
#include <vector>

#include "manydb/driver/dialect.hpp"
#include "manydb/query/expr.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb::detail {

class Shape {
 public:
  // `statement` tells SELECT, count, exists, UPDATE, DELETE and INSERT apart. The key starts with
  // the dialect and the table's name and column names, so two TableInfos never share an entry
  // even if one is destroyed and another built at its address.
  Shape(char statement, const schema::TableInfo& table, const Dialect& dialect);

  void tag(char c) { key_.push_back(c); }
  void flag(bool on) { key_.push_back(on ? '1' : '0'); }
  void number(std::size_t n);  // fixed width, so consecutive numbers cannot run together
  void column(std::size_t index);
  void expr(const ExprPtr& node);  // a null node is keyed as absent
  void param(const Value& v) { params_.push_back(v); }
  // In place: moving a temporary Value trips GCC 12's -Wmaybe-uninitialized on the variant.
  void param(std::int64_t n) { params_.emplace_back(n); }

  const std::string& key() const { return key_; }
  std::vector<Value> take_params() { return std::move(params_); }

 private:
  void node(const ExprNode& n);
  void text(std::string_view s);

  const schema::TableInfo& table_;
  std::string key_;
  std::vector<Value> params_;
};

}  // namespace manydb::detail
