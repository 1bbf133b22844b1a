#include "manydb/config/database_config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "manydb/core/errors.hpp"
#include "manydb/core/tenant_id.hpp"

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
                     "reconnect_interval_ms, replicas, replica_policy, max_lag_ms, "
                     "replica_wait_ms, replica_cooldown_ms, servers)");
  }
}

// A replica is a URL string or a table { url = "...", pool_size = 4, ... }.
ReplicaConfig read_replica(const toml::node& node, const std::string& bind) {
  ReplicaConfig replica;
  replica.origin = where(node.source());
  if (const auto* url = node.as_string()) {
    replica.url = url->get();
    return replica;
  }
  const auto* table = node.as_table();
  if (!table)
    config_error(node, "a replica of bind '" + bind + "' must be a URL string or a table");
  for (const auto& [key, value] : *table) {
    if (key.str() == "url") {
      if (!value.as_string()) config_error(value, "url of a replica must be a string");
      replica.url = value.as_string()->get();
    } else {
      read_pool_key(replica.pool, key.str(), value);
    }
  }
  if (replica.url.empty()) config_error(node, "a replica of bind '" + bind + "' has no url");
  return replica;
}

// The replica keys of a bind; false when `key` is not one of them.
bool read_replica_key(BindConfig& bind, std::string_view key, const toml::node& node,
                      const std::string& name) {
  using std::chrono::milliseconds;
  if (key == "replicas") {
    const auto* list = node.as_array();
    if (!list) config_error(node, "replicas of bind '" + name + "' must be an array");
    bind.replicas.clear();
    for (const auto& replica : *list) bind.replicas.push_back(read_replica(replica, name));
  } else if (key == "replica_policy") {
    if (!node.as_string()) config_error(node, "replica_policy must be a string");
    try {
      bind.replica.policy = parse_replica_policy(node.as_string()->get());
    } catch (const ConfigError& e) {
      config_error(node, e.what());
    }
  } else if (key == "max_lag_ms") {
    bind.replica.max_lag = milliseconds(positive_integer(node, key));
  } else if (key == "replica_wait_ms") {
    bind.replica.token_wait = milliseconds(positive_integer(node, key));
  } else if (key == "replica_cooldown_ms") {
    bind.replica.cooldown = milliseconds(positive_integer(node, key));
  } else {
    return false;
  }
  return true;
}

// A tenant bind's servers: URL templates, each holding {tenant}.
std::vector<std::string> read_servers(const toml::node& node, const std::string& bind) {
  const auto* list = node.as_array();
  if (!list || list->empty())
    config_error(node, "servers of bind '" + bind + "' must be a non-empty array of URL templates");
  std::vector<std::string> servers;
  for (const auto& server : *list) {
    const auto* url = server.as_string();
    if (!url || !is_tenant_template(url->get()))
      config_error(server, "each server of bind '" + bind + "' must be a URL holding {tenant}");
    servers.push_back(url->get());
  }
  return servers;
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
    } else if (key.str() == "servers") {
      bind.servers = read_servers(value, name);
    } else if (!read_replica_key(bind, key.str(), value, name)) {
      read_pool_key(bind.pool, key.str(), value);
    }
  }
  if (bind.url.empty() && !bind.servers.empty()) bind.url = bind.servers.front();
  if (bind.url.empty()) config_error(node, "bind '" + name + "' has no url");
  return bind;
}

void read_tenants_table(const toml::node& node, TenantSettings& tenants) {
  const auto* table = node.as_table();
  if (!table) config_error(node, "[database.tenants] must be a table");
  for (const auto& [key, value] : *table) {
    if (key.str() == "registry") {
      if (!value.as_string()) config_error(value, "registry must be the name of a bind");
      tenants.registry = value.as_string()->get();
    } else if (key.str() == "max_open") {
      tenants.max_open = static_cast<std::size_t>(positive_integer(value, key.str()));
      if (tenants.max_open == 0) config_error(value, "max_open must be at least 1");
    } else if (key.str() == "max_connections") {
      tenants.max_connections = static_cast<std::size_t>(positive_integer(value, key.str()));
      if (tenants.max_connections == 0) config_error(value, "max_connections must be at least 1");
    } else if (key.str() == "refresh_ms") {
      tenants.refresh = std::chrono::milliseconds(positive_integer(value, key.str()));
    } else {
      config_error(value, "unknown key '" + std::string(key.str()) +
                              "' in [database.tenants] (known: registry, max_open, "
                              "max_connections, refresh_ms)");
    }
  }
}

TableMoveConfig read_move(const toml::node& node, const std::string& table) {
  const auto* keys = node.as_table();
  if (!keys) config_error(node, "[database.moves." + table + "] must be a table");
  TableMoveConfig move;
  move.origin = where(node.source());
  for (const auto& [key, value] : *keys) {
    if (key.str() == "from" || key.str() == "to") {
      if (!value.as_string())
        config_error(value,
                     std::string(key.str()) + " of move '" + table + "' must be a bind name");
      try {
        validate_bind_name(value.as_string()->get());
      } catch (const ConfigError& e) {
        config_error(value, "move '" + table + "': " + e.what());
      }
      (key.str() == "from" ? move.from : move.to) = value.as_string()->get();
    } else if (key.str() == "refresh_ms") {
      move.refresh = std::chrono::milliseconds(positive_integer(value, key.str()));
    } else {
      config_error(value, "unknown key '" + std::string(key.str()) + "' in [database.moves." +
                              table + "] (known: from, to, refresh_ms)");
    }
  }
  if (move.from.empty() || move.to.empty())
    config_error(node, "move '" + table + "' needs both from and to (bind names)");
  if (move.from == move.to)
    config_error(node, "move '" + table + "': from and to are the same bind '" + move.from + "'");
  return move;
}

void read_moves_table(const toml::node& node, DatabaseConfig& config) {
  const auto* tables = node.as_table();
  if (!tables) config_error(node, "[database.moves] must be a table of tables");
  for (const auto& [table, move] : *tables) {
    if (table.str().empty()) config_error(move, "a move needs a table name");
    config.moves[std::string(table.str())] = read_move(move, std::string(table.str()));
  }
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
    } else if (key.str() == "tenants") {
      read_tenants_table(value, config.tenants);
    } else if (key.str() == "moves") {
      read_moves_table(value, config);
    } else if (key.str() == "recovery_interval_ms") {
      config.recovery_interval = std::chrono::milliseconds(positive_integer(value, key.str()));
    } else if (key.str() == "replica_refresh_ms") {
      config.replica_refresh = std::chrono::milliseconds(positive_integer(value, key.str()));
    } else if (key.str() == "url") {
      if (!value.as_string()) config_error(value, "[database] url must be a string");
      default_bind.url = value.as_string()->get();
      default_bind.origin = where(value.source());
    } else if (read_replica_key(default_bind, key.str(), value,
                                std::string(DatabaseConfig::default_bind))) {
    } else {
      read_pool_key(default_bind.pool, key.str(), value);
    }
  }
  if (!default_bind.url.empty())
    config.binds[std::string(DatabaseConfig::default_bind)] = default_bind;
}

}  // namespace

bool BindConfig::per_tenant() const { return !servers.empty() || is_tenant_template(url); }

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
  binds[std::string(default_bind)] =
      BindConfig{std::move(url), pool, "code", std::nullopt, {}, {}, {}};
  return *this;
}

DatabaseConfig& DatabaseConfig::add_bind(std::string name, std::string url, PoolSettings pool) {
  validate_bind_name(name);
  binds[std::move(name)] = BindConfig{std::move(url), pool, "code", std::nullopt, {}, {}, {}};
  return *this;
}

DatabaseConfig& DatabaseConfig::add_move(std::string table, std::string from, std::string to,
                                         std::chrono::milliseconds refresh) {
  if (from == to)
    throw ConfigError("move '" + table + "': from and to are the same bind '" + from + "'", from);
  moves[std::move(table)] = TableMoveConfig{std::move(from), std::move(to), refresh, "code"};
  return *this;
}

DatabaseConfig& DatabaseConfig::add_replica(std::string_view bind, std::string url,
                                            PoolSettings pool) {
  auto it = binds.find(bind);
  if (it == binds.end()) {
    throw ConfigError("add_replica(): no bind '" + std::string(bind) + "' to add a replica to",
                      std::string(bind));
  }
  it->second.replicas.push_back({std::move(url), pool, "code"});
  return *this;
}

ReplicaPolicy parse_replica_policy(std::string_view text) {
  for (auto p : {ReplicaPolicy::round_robin, ReplicaPolicy::least_connections,
                 ReplicaPolicy::lowest_latency}) {
    if (text == to_string(p)) return p;
  }
  throw ConfigError("unknown replica_policy '" + std::string(text) +
                    "' (known: round_robin, least_connections, lowest_latency)");
}

const char* to_string(ReplicaPolicy policy) {
  switch (policy) {
    case ReplicaPolicy::round_robin: return "round_robin";
    case ReplicaPolicy::least_connections: return "least_connections";
    case ReplicaPolicy::lowest_latency: return "lowest_latency";
  }
  return "?";
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

namespace {

// The bind a variable names, and whether it lists the bind's replicas; nullopt for a variable
// that is not manydb's.
std::optional<std::pair<std::string, bool>> bind_of_variable(const std::string& name) {
  static constexpr std::string_view kPrefix = "MANYDB_BIND_";
  static constexpr std::string_view kReplicas = "_REPLICAS";
  if (name == "DATABASE_URL") return std::pair{std::string(DatabaseConfig::default_bind), false};
  if (name == "DATABASE_REPLICAS")
    return std::pair{std::string(DatabaseConfig::default_bind), true};
  if (!name.starts_with(kPrefix) || name.size() == kPrefix.size()) return std::nullopt;
  std::string_view rest = std::string_view(name).substr(kPrefix.size());
  const bool replicas = rest.size() > kReplicas.size() && rest.ends_with(kReplicas);
  if (replicas) rest.remove_suffix(kReplicas.size());
  std::string bind;
  for (char c : rest)
    bind.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  validate_bind_name(bind);
  return std::pair{bind, replicas};
}

std::vector<ReplicaConfig> replicas_from_list(const std::string& list, const std::string& origin) {
  std::vector<ReplicaConfig> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = std::min(list.find(',', start), list.size());
    std::string url = list.substr(start, comma - start);
    while (!url.empty() && std::isspace(static_cast<unsigned char>(url.back()))) url.pop_back();
    const auto first = url.find_first_not_of(" \t");
    if (first != std::string::npos) out.push_back({url.substr(first), {}, origin});
    start = comma + 1;
  }
  return out;
}

}  // namespace

void DatabaseConfig::apply_environment(const std::map<std::string, std::string>& variables) {
  // The URLs first: a replica list may name a bind that only its URL variable adds.
  for (bool replicas : {false, true}) {
    for (const auto& [name, value] : variables) {
      const auto target = bind_of_variable(name);
      if (!target || target->second != replicas) continue;
      if (replicas) {
        auto it = binds.find(target->first);
        if (it == binds.end()) {
          throw ConfigError(
              name + " lists replicas of bind '" + target->first + "', which is not configured",
              target->first);
        }
        it->second.replicas = replicas_from_list(value, name);
        continue;
      }
      auto& entry = binds[target->first];  // keeps the pool settings of a bind the file declared
      entry.url = value;
      entry.origin = name;
    }
  }
}

void DatabaseConfig::apply_environment() {
  std::map<std::string, std::string> variables;
  for (char** e = environ; e && *e; ++e) {
    const std::string_view entry(*e);
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    const auto name = entry.substr(0, eq);
    if (name == "DATABASE_URL" || name == "DATABASE_REPLICAS" || name.starts_with("MANYDB_BIND_")) {
      variables.emplace(std::string(name), std::string(entry.substr(eq + 1)));
    }
  }
  apply_environment(variables);
}

}  // namespace manydb
