#pragma once
// What a model's mapping says, as plain runtime data: what DDL, inspection and the registry read.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "manydb/core/value.hpp"

namespace manydb::schema {

// A literal default for DDL; text is rendered as a quoted SQL literal.
using DefaultValue = std::variant<bool, std::int64_t, double, std::string>;

struct ForeignKeyInfo {
  std::string bind;  // the referenced model's bind key ("" = the default bind)
  std::string table;
  std::string column;
  std::string model;  // the referenced struct's name, for messages
};

struct ColumnInfo {
  std::string name;
  ValueType type = ValueType::text;
  std::size_t length = 0;  // varchar(n); 0 = unbounded text
  bool nullable = false;
  bool primary_key = false;
  bool autoincrement = false;
  bool unique = false;
  bool indexed = false;
  bool default_now = false;  // server-side default: the current UTC timestamp
  std::optional<DefaultValue> default_value;
  std::string check;  // SQL expression from code, e.g. "rating BETWEEN 1 AND 5"
  std::optional<ForeignKeyInfo> references;
};

struct IndexInfo {
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
};

struct TableInfo {
  std::string model;  // the struct's name, for messages
  std::string name;   // the table
  std::string bind;   // "" = the default bind
  std::vector<ColumnInfo> columns;
  std::vector<IndexInfo> indexes;  // single-column `indexed` columns included
  std::size_t primary_key = 0;     // index into columns

  const ColumnInfo* column(std::string_view column_name) const;
  const std::string& bind_or_default() const;
};

}  // namespace manydb::schema
