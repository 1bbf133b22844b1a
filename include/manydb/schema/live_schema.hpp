#pragma once
// A bind's schema as its database reports it, and how it differs from the models.
#include <optional>
#include <string>
#include <vector>

#include "manydb/core/url.hpp"
#include "manydb/driver/dialect.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb::schema {

using LiveColumn = CatalogueColumn;
using LiveIndex = CatalogueIndex;
using LiveTable = CatalogueTable;

struct LiveSchema {
  std::string bind;
  Backend backend = Backend::sqlite;
  std::vector<LiveTable> tables;
  const LiveTable* table(std::string_view name) const;
};

// The ValueType (and varchar length) a catalogue type name holds, as `backend` reads it.
using LiveType = CatalogueType;
LiveType classify(Backend backend, std::string_view type);

struct SchemaDifference {
  enum class Kind {
    missing_table,
    missing_column,
    type_mismatch,
    nullability_mismatch,
    extra_column,
    missing_index  // a model's index that the table lacks (by name); extra indexes are not
                   // reported: a database may hold indexes of its own
  };
  std::string bind;
  std::string table;
  std::string column;  // empty for a missing table
  Kind kind = Kind::missing_table;
  std::string detail;
  std::string index{};  // of a missing index
  std::string to_string() const;
};

// What `live` lacks or holds differently from `models` (the models of live.bind).
std::vector<SchemaDifference> compare(const LiveSchema& live,
                                      const std::vector<const TableInfo*>& models);

}  // namespace manydb::schema
