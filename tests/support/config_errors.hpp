#pragma once
// The message of the ConfigError that loading a configuration throws, for the tests that check
// what such messages say; "" when nothing is thrown.
#include <string>

#include "manydb/config/database_config.hpp"
#include "manydb/core/errors.hpp"
#include "manydb/routing/binds.hpp"

namespace manydb::testing {

// Loading `toml` as the file "shop.toml".
inline std::string load_error(const std::string& toml) {
  try {
    DatabaseConfig::from_toml_string(toml, "shop.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// Building the binds of `config` (URLs parsed, replicas checked; nothing connects).
inline std::string binds_error(const DatabaseConfig& config) {
  try {
    Binds binds(config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace manydb::testing
