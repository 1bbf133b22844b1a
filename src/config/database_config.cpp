#include "manydb/config/database_config.hpp"

#include <toml++/toml.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "manydb/core/errors.hpp"

extern char** environ;

namespace manydb {

namespace {

std::string where(const toml::source_region& region) {
  std::string out = region.path ? std::string(*region.path) : std::string("<config>");
  return out + ":" + std::to_string(region.begin.line) + ":" + std::to_string(region.begin.column);
}

[[noreturn]] void config_error(const toml::node& node, const std::string& what) {
  throw ConfigError(where(node.source()) + ": " + what);
}

std::int64_t positive_integer(const toml::node& node, std::string_view key) {
  const auto* value = node.as_integer();
  if (!value || value->get() < 0) {
    config_error(node, std::string(key) + " must be a non-negative integer");
  }
  return value->get();
}

void read_pool_key(PoolSettings& pool, std::string_view key, const toml::node& node) {
  using std::chrono::milliseconds;
  if (key == "pool_size") {
    pool.size = static_cast<std::size_t>(positive_integer(node, key));
  } else if (key == "max_overflow") {
    pool.max_overflow = static_cast<std::size_t>(positive_integer(node, key));
  } else if (key == "pool_timeout_ms") {
    pool.acquire_timeout = milliseconds(positive_integer(node, key));
  } else if (key == "ping_after_idle_ms") {
    pool.ping_after_idle = milliseconds(positive_integer(node, key));
  } else if (key == "connect_timeout_ms") {
    pool.connect_timeout = milliseconds(positive_integer(node, key));
  } else if (key == "statement_timeout_ms") {
    pool.statement_timeout = milliseconds(positive_integer(node, key));
  } else if (key == "reconnect_interval_ms") {
    pool.reconnect_interval = milliseconds(positive_integer(node, key));
  } else {
    config_error(node,
                 "unknown key '" + std::string(key) +
                     "' (known: url, slow_query_ms, pool_size, max_overflow, pool_timeout_ms, "
                     "ping_after_idle_ms, connect_timeout_ms, statement_timeout_ms, "
                     "reconnect_interval_ms)");
  }
}

// A bind is a URL string or a table { url = "...", pool_size = 8, ... }.
BindConfig read_bind(const toml::node& node, const std::string& name) {
  BindConfig bind;
  bind.origin = where(node.source());
  if (const auto* url = node.as_string()) {
    bind.url = url->get();
    return bind;
  }
  const auto* table = node.as_table();
  if (!table) config_error(node, "bind '" + name + "' must be a URL string or a table");
  for (const auto& [key, value] : *table) {
    if (key.str() == "url") {
      if (!value.as_string()) config_error(value, "url of bind '" + name + "' must be a string");
      bind.url = value.as_string()->get();
    } else if (key.str() == "slow_query_ms") {
      bind.slow_query = std::chrono::milliseconds(positive_integer(value, key.str()));
    } else {
      read_pool_key(bind.pool, key.str(), value);
    }
  }
  if (bind.url.empty()) config_error(node, "bind '" + name + "' has no url");
  return bind;
}

void read_database_table(const toml::table& database, DatabaseConfig& config) {
  BindConfig default_bind;
  default_bind.origin = where(database.source());
  for (const auto& [key, value] : database) {
    if (key.str() == "binds") {
      const auto* binds = value.as_table();
      if (!binds) config_error(value, "[database.binds] must be a table");
      for (const auto& [name, bind] : *binds) {
        try {
          validate_bind_name(name.str());
        } catch (const ConfigError& e) {
          config_error(bind, e.what());
        }
        if (name.str() == DatabaseConfig::default_bind) {
          config_error(bind, "'default' is the [database] url; name this bind otherwise");
        }
        config.binds[std::string(name.str())] = read_bind(bind, std::string(name.str()));
      }
    } else if (key.str() == "slow_query_ms") {
      config.slow_query = std::chrono::milliseconds(positive_integer(value, key.str()));
    } else if (key.str() == "recovery_interval_ms") {
      config.recovery_interval = std::chrono::milliseconds(positive_integer(value, key.str()));
    } else if (key.str() == "url") {
      if (!value.as_string()) config_error(value, "[database] url must be a string");
      default_bind.url = value.as_string()->get();
      default_bind.origin = where(value.source());
    } else {
      read_pool_key(default_bind.pool, key.str(), value);
    }
  }
  if (!default_bind.url.empty())
    config.binds[std::string(DatabaseConfig::default_bind)] = default_bind;
}

}  // namespace

void validate_bind_name(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 63 && std::islower(static_cast<unsigned char>(name[0]));
  for (char c : name) {
    ok = ok && (std::islower(static_cast<unsigned char>(c)) ||
                std::isdigit(static_cast<unsigned char>(c)) || c == '_');
  }
  if (!ok) {
    throw ConfigError("invalid bind name '" + std::string(name) +
                      "': use lower-case letters, digits and '_', starting with a letter");
  }
}

DatabaseConfig& DatabaseConfig::set_default(std::string url, PoolSettings pool) {
  binds[std::string(default_bind)] = BindConfig{std::move(url), pool, "code", std::nullopt};
  return *this;
}

DatabaseConfig& DatabaseConfig::add_bind(std::string name, std::string url, PoolSettings pool) {
  validate_bind_name(name);
  binds[std::move(name)] = BindConfig{std::move(url), pool, "code", std::nullopt};
  return *this;
}

DatabaseConfig DatabaseConfig::from_toml_string(std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw ConfigError(where(e.source()) + ": " + std::string(e.description()));
  }
  DatabaseConfig config;
  const auto* database = root.get_as<toml::table>("database");
  if (!database) {
    throw ConfigError(std::string(source) +
                      ": no [database] table (expected [database] url = ...)");
  }
  read_database_table(*database, config);
  return config;
}

DatabaseConfig DatabaseConfig::from_toml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read configuration file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return from_toml_string(text.str(), path);
}

void DatabaseConfig::apply_environment(const std::map<std::string, std::string>& variables) {
  static constexpr std::string_view kPrefix = "MANYDB_BIND_";
  for (const auto& [name, value] : variables) {
    std::string bind;
    if (name == "DATABASE_URL") {
      bind = default_bind;
    } else if (name.starts_with(kPrefix) && name.size() > kPrefix.size()) {
      for (char c : name.substr(kPrefix.size())) {
        bind.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
      }
      validate_bind_name(bind);
    } else {
      continue;
    }
    auto& entry = binds[bind];  // keeps the pool settings of a bind the file declared
    entry.url = value;
    entry.origin = name;
  }
}

void DatabaseConfig::apply_environment() {
  std::map<std::string, std::string> variables;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const auto name = entry.substr(0, eq);
    if (name == "DATABASE_URL" || name.starts_with("MANYDB_BIND_")) {
      variables.emplace(std::string(name), std::string(entry.substr(eq + 1)));
    }
  }
  apply_environment(variables);
}

}  // namespace manydb
