#pragma once
// The models an application registered, each with its bind.
#include <string>
#include <string_view>
#include <vector>

#include "manydb/schema/model.hpp"

namespace manydb::schema {

class ModelRegistry {
 public:
  template <Model... Ts>
  void add() {
    (add(table_info<Ts>()), ...);
  }
  // Registering a model twice is harmless; two models with one table in one bind is an error.
  void add(const TableInfo& table);

  // The registered tables of one bind ("default" for the default bind), or of all binds.
  std::vector<const TableInfo*> tables(std::string_view bind) const;
  const std::vector<const TableInfo*>& tables() const { return tables_; }
  std::vector<std::string> binds() const;

 private:
  std::vector<const TableInfo*> tables_;
};

}  // namespace manydb::schema
