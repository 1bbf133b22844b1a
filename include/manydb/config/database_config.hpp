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
#include <vector>

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

// A read replica of a bind: its URL and its own pool.
struct ReplicaConfig {
  std::string url;
  PoolSettings pool;
  std::string origin;
};

// Which replica serves a read, among those in rotation (routing/replica_set.hpp).
enum class ReplicaPolicy {
  round_robin,        // each in turn
  least_connections,  // the one with the fewest connections in use
  lowest_latency,     // the one whose recent status round trips were quickest
};
// "round_robin", "least_connections", "lowest_latency"; throws ConfigError otherwise.
ReplicaPolicy parse_replica_policy(std::string_view text);
const char* to_string(ReplicaPolicy policy);

// How a bind spreads its reads over its replicas. Unused by a bind without replicas.
struct ReplicaSettings {
  ReplicaPolicy policy = ReplicaPolicy::round_robin;
  // A replica further behind its primary than this serves no read; unset: any lag.
  std::optional<std::chrono::milliseconds> max_lag;
  // How long a read carrying a consistency token waits for a replica to replay the token's
  // position; 0: it goes to the primary at once.
  std::chrono::milliseconds token_wait{0};
  // How long a replica that failed a connection or a statement stays out of rotation before it
  // is probed again.
  std::chrono::milliseconds cooldown{1'000};
};

struct BindConfig {
  std::string url;
  PoolSettings pool;
  std::string origin;  // where it was set: "shop.toml:4:9", "DATABASE_URL", "code"
  // Statements that take this long or longer are logged (observe/log.hpp); 0: every statement.
  // Unset: DatabaseConfig::slow_query.
  std::optional<std::chrono::milliseconds> slow_query;
  std::vector<ReplicaConfig> replicas;  // reads may go there (docs/replicas.md)
  ReplicaSettings replica;
  // A tenant bind (docs/tenants.md) has a URL template holding {tenant}: in `url`, or one per
  // server here, where each tenant is placed on one of them when it is created. Servers are
  // only ever appended: a tenant keeps the index it was given.
  std::vector<std::string> servers;
  bool per_tenant() const;
};

// The tenants of a Database whose binds include tenant binds (docs/tenants.md).
struct TenantSettings {
  // The bind whose table manydb_tenants lists the tenants: a shared bind, never a tenant one.
  std::string registry{"default"};
  // Tenants whose engines are open at once; past it the least recently used one closes (its
  // connections once they are returned).
  std::size_t max_open = 100;
  // Connections open at once across every tenant's pool, whatever the mix of tenants; an
  // acquire that finds none free closes an idle one of another tenant, or waits up to its
  // pool's acquire timeout, then PoolTimeout.
  std::size_t max_connections = 100;
  // How long a tenant found in the registry is trusted before it is asked again: a tenant
  // dropped by another process answers UnknownTenant here within it. 0: every session asks.
  std::chrono::milliseconds refresh{1'000};
};

// A table moving from one bind to another while the service serves (docs/migrations.md,
// "Moving a table to another database"): the intent; the phase lives in the target database.
struct TableMoveConfig {
  std::string from;  // the bind the model's bind_key names today
  std::string to;    // the target bind: a shared bind without replicas
  // How often each process reads the move's phase again.
  std::chrono::milliseconds refresh{1'000};
  std::string origin;  // where it was set: "shop.toml:12:1", "code"
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
  // How often the replicas' positions, lag and health are read (routing/replica_monitor.hpp);
  // 0: never in the background (a command that runs and exits).
  std::chrono::milliseconds replica_refresh{100};
  TenantSettings tenants;  // used when a bind is a tenant bind
  // The tables being moved, by table name ([database.moves.<table>]).
  std::map<std::string, TableMoveConfig, std::less<>> moves;

  DatabaseConfig& set_default(std::string url, PoolSettings pool = {});
  DatabaseConfig& add_bind(std::string name, std::string url, PoolSettings pool = {});
  // Declares that table `table` moves from bind `from` to bind `to` (checked when the Database
  // opens: both configured shared binds, `to` without replicas).
  DatabaseConfig& add_move(std::string table, std::string from, std::string to,
                           std::chrono::milliseconds refresh = std::chrono::milliseconds(1'000));
  // Adds a read replica to a bind already set.
  DatabaseConfig& add_replica(std::string_view bind, std::string url, PoolSettings pool = {});

  // Reads `[database] url = ...` and `[database.binds]`; errors name file:line:col.
  static DatabaseConfig from_toml_file(const std::string& path);
  static DatabaseConfig from_toml_string(std::string_view text, std::string_view source);

  // DATABASE_URL replaces the default bind's URL; MANYDB_BIND_<NAME> replaces the URL of bind
  // <name> (lower case) and keeps its pool settings, or adds the bind.
  // MANYDB_BIND_<NAME>_REPLICAS (DATABASE_REPLICAS for the default bind) replaces the bind's
  // replicas by a comma-separated list of URLs (empty: none). The second form takes the
  // variables as a map, for tests.
  void apply_environment();
  void apply_environment(const std::map<std::string, std::string>& variables);
};

// Bind names are identifiers: [a-z][a-z0-9_]{0,62}. Throws ConfigError otherwise.
void validate_bind_name(std::string_view name);

}  // namespace manydb
