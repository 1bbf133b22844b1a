#pragma once
// Routes the tenant binds (a URL template holding {tenant}) to the databases of one tenant.
// A tenant's engines open at its first session and stay open while it is among the
// TenantSettings::max_open most recently used; past that the least recently used is dropped
// from the router and closes when its last session ends. Every tenant pool takes its
// connections from one ConnectionBudget (TenantSettings::max_connections).
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "manydb/config/database_config.hpp"
#include "manydb/observe/metrics_snapshot.hpp"
#include "manydb/pool/connection_budget.hpp"
#include "manydb/pool/engine.hpp"
#include "manydb/routing/tenant_registry.hpp"

namespace manydb {

// One tenant bind as configured: a URL template per server.
struct TenantBind {
  std::string name;
  std::vector<std::string> servers;
  PoolOptions pool;
  std::optional<std::chrono::milliseconds> slow_query;
};

// The open databases of one tenant: an engine per distinct URL its binds render to. Binds whose
// templates render alike share that engine, so a session reaches them through one connection
// and commits them in one transaction.
class TenantDatabases {
 public:
  const std::string& tenant() const { return tenant_; }
  std::size_t server() const { return server_; }
  // The engine of tenant bind `bind`; nullptr when `bind` is not a tenant bind.
  Engine* engine(std::string_view bind) const {
    for (const auto& [name, engine] : by_bind_)
      if (name == bind) return engine;
    return nullptr;
  }
  const std::vector<std::unique_ptr<Engine>>& engines() const { return engines_; }

 private:
  friend class TenantRouter;
  std::string tenant_;
  std::size_t server_ = 0;
  std::vector<std::unique_ptr<Engine>> engines_;
  std::vector<std::pair<std::string, Engine*>> by_bind_;  // a few binds: a scan is quickest
};

using TenantStats = TenantCounts;  // observe/metrics_snapshot.hpp

class TenantRouter {
 public:
  // `registry` is the shared bind that lists the tenants; it must outlive the router.
  TenantRouter(std::vector<TenantBind> binds, const TenantSettings& settings, Engine& registry);
  ~TenantRouter();
  TenantRouter(const TenantRouter&) = delete;
  TenantRouter& operator=(const TenantRouter&) = delete;

  bool routes(std::string_view bind) const;
  std::size_t server_count() const { return servers_; }
  const TenantSettings& settings() const { return settings_; }
  TenantRegistry& registry() { return registry_; }

  // The tenant's databases, open. Throws ConfigError for an invalid id and UnknownTenant for
  // one the registry does not list (asked again once TenantSettings::refresh has passed).
  std::shared_ptr<TenantDatabases> open(std::string_view tenant);
  // Forgets the tenant: its engines close when the sessions using them end.
  void close(std::string_view tenant);

  // The distinct databases of `tenant` on server `server`, each with the binds it holds: what
  // provisioning creates and drops. Throws ConfigError when a database name would be too long.
  struct Placement {
    Url url;
    std::vector<std::string> binds;
    // What its engine is called in errors and logs: "orders+products@acme".
    std::string engine_name(std::string_view tenant) const;
  };
  std::vector<Placement> placements(std::string_view tenant, std::size_t server) const;

  TenantStats stats() const;

 private:
  using Clock = std::chrono::steady_clock;
  std::shared_ptr<TenantDatabases> build(std::string_view tenant, std::size_t server) const;
  bool close_an_idle_connection();
  // Under mutex_; the tenants closed go into `closing`, to be destroyed once it is released.
  void evict_beyond_limit(std::vector<std::shared_ptr<TenantDatabases>>& closing);

  std::vector<TenantBind> binds_;
  std::size_t servers_ = 1;
  TenantSettings settings_;
  TenantRegistry registry_;
  std::shared_ptr<ConnectionBudget> budget_;

  struct OpenTenant {
    std::shared_ptr<TenantDatabases> databases;
    Clock::time_point verified;
    std::list<std::string>::iterator recency;
  };
  mutable std::mutex mutex_;
  std::unordered_map<std::string, OpenTenant> open_;
  std::list<std::string> recency_;  // most recently used first
  std::uint64_t opened_ = 0, closed_ = 0;
};

}  // namespace manydb
