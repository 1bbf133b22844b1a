#pragma once
// The one object an application holds: the default database and its named binds.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/config/database_config.hpp"
#include "manydb/core/result.hpp"
#include "manydb/routing/binds.hpp"

namespace manydb {

class Database {
 public:
  explicit Database(const DatabaseConfig& config);
  // The TOML file, then environment overrides (DATABASE_URL, MANYDB_BIND_<NAME>).
  static Database from_file(const std::string& path);
  // Only the environment: DATABASE_URL and MANYDB_BIND_<NAME>.
  static Database from_environment();

  Engine& engine(std::string_view bind = DatabaseConfig::default_bind) {
    return binds_->engine(bind);
  }
  std::vector<std::string> bind_names() const { return binds_->names(); }

  // Raw SQL on one bind, with '?' placeholders and bound values.
  Result execute(std::string_view bind, std::string_view sql, std::span<const Value> params);
  Result execute(std::string_view bind, std::string_view sql,
                 std::initializer_list<Value> params = {}) {
    return execute(bind, sql, std::span<const Value>(params.begin(), params.size()));
  }

 private:
  std::unique_ptr<Binds> binds_;  // stable address for engines handed out by reference
};

}  // namespace manydb
