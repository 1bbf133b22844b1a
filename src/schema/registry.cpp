#include "manydb/schema/registry.hpp"

#include <algorithm>

#include "manydb/core/errors.hpp"

namespace manydb::schema {

void ModelRegistry::add(const TableInfo& table) {
  for (const TableInfo* known : tables_) {
    if (known == &table) return;
    if (known->name == table.name && known->bind_or_default() == table.bind_or_default()) {
      throw ConfigError("models " + known->model + " and " + table.model + " both map table '" +
                        table.name + "' in bind '" + table.bind_or_default() + "'");
    }
  }
  tables_.push_back(&table);
}

std::vector<const TableInfo*> ModelRegistry::tables(std::string_view bind) const {
  std::vector<const TableInfo*> out;
  for (const TableInfo* t : tables_) {
    if (t->bind_or_default() == bind) out.push_back(t);
  }
  return out;
}

std::vector<std::string> ModelRegistry::binds() const {
  std::vector<std::string> out;
  for (const TableInfo* t : tables_) {
    if (std::find(out.begin(), out.end(), t->bind_or_default()) == out.end()) {
      out.push_back(t->bind_or_default());
    }
  }
  return out;
}

}  // namespace manydb::schema
