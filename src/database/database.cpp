#include "manydb/database/database.hpp"

namespace manydb {

Database::Database(const DatabaseConfig& config) : binds_(std::make_unique<Binds>(config)) {}

Database Database::from_file(const std::string& path) {
  auto config = DatabaseConfig::from_toml_file(path);
  config.apply_environment();
  return Database(config);
}

Database Database::from_environment() {
  DatabaseConfig config;
  config.apply_environment();
  return Database(config);
}

Result Database::execute(std::string_view bind, std::string_view sql,
                         std::span<const Value> params) {
  return engine(bind).execute(sql, params);
}

}  // namespace manydb
