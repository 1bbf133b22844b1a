#pragma once
// The binds of a Database as plain data: built in code, loaded from TOML, then overridden by
// the environment (DATABASE_URL, MANYDB_BIND_<NAME>).
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace manydb {

// Pool settings as written in configuration; unset fields keep the pool's defaults.
struct PoolSettings {
  std::optional<std::size_t> size;
  std::optional<std::size_t> max_overflow;
  std::optional<std::chrono::milliseconds> acquire_timeout;
  std::optional<std::chrono::milliseconds> ping_after_idle;
  std::optional<std::chrono::milliseconds> connect_timeout;
  std::optional<std::chrono::milliseconds> statement_timeout;
  std::optional<std::chrono::milliseconds> reconnect_interval;
};

struct BindConfig {
  std::string url;
  PoolSettings pool;
  std::string origin;  // where it was set: "shop.toml:4:9", "DATABASE_URL", "code"
  // Statements that take this long or longer are logged (observe/log.hpp); 0: every statement.
  // Unset: DatabaseConfig::slow_query.
  std::optional<std::chrono::milliseconds> slow_query;
};

struct DatabaseConfig {
  static constexpr std::string_view default_bind = "default";

  std::map<std::string, BindConfig, std::less<>> binds;  // "default" is the default bind
  // How often a Database with several binds looks for atomic commits that a crash left in
  // doubt, and finishes them (tx/recovery.hpp); it also does so when it opens. 0: never (then
  // run `manydb recover`).
  std::chrono::milliseconds recovery_interval{10'000};
  // The slow-statement threshold of every bind that sets none of its own; unset: no log.
  std::optional<std::chrono::milliseconds> slow_query;

  DatabaseConfig& set_default(std::string url, PoolSettings pool = {});
  DatabaseConfig& add_bind(std::string name, std::string url, PoolSettings pool = {});

  // Reads `[database] url = ...` and `[database.binds]`; errors name file:line:col.
  static DatabaseConfig from_toml_file(const std::string& path);
  static DatabaseConfig from_toml_string(std::string_view text, std::string_view source);

  // DATABASE_URL replaces the default bind's URL; MANYDB_BIND_<NAME> replaces the URL of bind
  // <name> (lower case) and keeps its pool settings, or adds the bind. The second form takes
  // the variables as a map, for tests.
  void apply_environment();
  void apply_environment(const std::map<std::string, std::string>& variables);
};

// Bind names are identifiers: [a-z][a-z0-9_]{0,62}. Throws ConfigError otherwise.
void validate_bind_name(std::string_view name);

}  // namespace manydb
