#pragma once
// A bind's schema as its database reports it, and how it differs from the models.
#include <optional>
#include <string>
#include <vector>

#include "manydb/core/url.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb::schema {

struct LiveColumn {
  std::string name;
  std::string type;  // as the engine's catalogue spells it
  bool nullable = true;
};

struct LiveIndex {
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
};

struct LiveTable {
  std::string name;
  std::vector<LiveColumn> columns;
  std::vector<LiveIndex> indexes;  // the primary key's own index excluded
  const LiveColumn* column(std::string_view name) const;
};

struct LiveSchema {
  std::string bind;
  Backend backend = Backend::sqlite;
  std::vector<LiveTable> tables;
  const LiveTable* table(std::string_view name) const;
};

// The ValueType (and varchar length) a catalogue type name holds, as manydb reads it.
struct LiveType {
  ValueType type = ValueType::null;  // null: a type manydb does not map
  std::size_t length = 0;
};
LiveType classify(Backend backend, std::string_view type);

struct SchemaDifference {
  enum class Kind {
    missing_table,
    missing_column,
    type_mismatch,
    nullability_mismatch,
    extra_column
  };
  std::string bind;
  std::string table;
  std::string column;  // empty for a missing table
  Kind kind = Kind::missing_table;
  std::string detail;
  std::string to_string() const;
};

// What `live` lacks or holds differently from `models` (the models of live.bind).
std::vector<SchemaDifference> compare(const LiveSchema& live,
                                      const std::vector<const TableInfo*>& models);

}  // namespace manydb::schema
