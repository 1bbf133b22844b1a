#pragma once
// A database's tables as its own catalogue reports them. Each engine's dialect knows where its
// catalogue lives (sqlite_master and PRAGMAs, pg_catalog, information_schema) and how to read
// its type names; the layers above compare what it finds with the models.
#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/core/value.hpp"
#include "manydb/driver/cursor.hpp"

namespace manydb {

struct CatalogueColumn {
  std::string name;
  std::string type;  // as the engine's catalogue spells it
  bool nullable = true;
};

struct CatalogueIndex {
  std::string name;
  std::vector<std::string> columns;
  bool unique = false;
};

struct CatalogueTable {
  std::string name;
  std::vector<CatalogueColumn> columns;
  std::vector<CatalogueIndex> indexes;  // the primary key's own index excluded
  const CatalogueColumn* column(std::string_view name) const;
};

// The ValueType (and varchar length) a catalogue type name holds, as manydb reads it.
struct CatalogueType {
  ValueType type = ValueType::null;  // null: a type manydb does not map
  std::size_t length = 0;
};

// Runs one catalogue query for a dialect: the caller's way to its database (a pool's lease,
// which replaces a connection that died while idle).
using CatalogueQuery = std::function<Cursor&(std::string_view sql, std::span<const Value> params)>;

// For the engines' catalogue readers.
namespace catalogue {
// The first number in parentheses: "varchar(80)" -> 80; 0 without one.
std::size_t length_in(std::string_view type);
std::string lower(std::string_view text);
// A catalogue's yes: true, a non-zero integer, "YES" or "1".
bool truthy(const Value& value);
// Every row's first column as text.
std::vector<std::string> first_column(Cursor& rows);
// Rows of (index name, unique, column) in index column order, grouped into indexes.
std::vector<CatalogueIndex> group_indexes(Cursor& rows);
}  // namespace catalogue

}  // namespace manydb
