#pragma once
// The binds registry: one Engine per bind name, and the read replicas of the binds that have
// them. Every read or write picks its engine here, so replicas and tenants are routed in this
// one place.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "manydb/config/database_config.hpp"
#include "manydb/pool/engine.hpp"
#include "manydb/routing/consistency_token.hpp"
#include "manydb/routing/read_cache.hpp"
#include "manydb/routing/replica_set.hpp"
#include "manydb/routing/table_moves.hpp"
#include "manydb/routing/tenant_router.hpp"

namespace manydb {

class Binds {
 public:
  // Parses every URL up front (a bad one throws ConfigError naming the bind and where it was
  // set); connects to none of them.
  explicit Binds(const DatabaseConfig& config);

  // Throws ConfigError listing the known binds when `name` is not one of them, or saying that
  // a tenant is needed when it is a tenant bind.
  Engine& engine(std::string_view name);
  // The engine of a shared bind; nullptr for a tenant bind or an unknown name.
  Engine* find(std::string_view name) {
    auto it = engines_.find(name);
    return it == engines_.end() ? nullptr : it->second.get();
  }
  bool contains(std::string_view name) const { return engines_.contains(name); }
  // The shared binds (every bind but the tenant binds), in name order.
  std::vector<std::string> names() const;

  // The tenant binds' router; nullptr when no bind is a tenant bind.
  TenantRouter* tenants() { return tenants_.get(); }
  bool is_tenant_bind(std::string_view name) const { return tenants_ && tenants_->routes(name); }

  // The tables moving between binds; nullptr when none is configured (then routing a table
  // costs nothing more than this test).
  TableMoves* moves() { return moves_.get(); }
  const TableMoves* moves() const { return moves_.get(); }

  // The read replicas of bind `name`; nullptr when it has none (then every read goes to the
  // primary, as if replicas did not exist).
  ReplicaSet* replicas(std::string_view name) {
    if (replicas_.empty()) return nullptr;
    auto it = replicas_.find(name);
    return it == replicas_.end() ? nullptr : it->second.get();
  }
  // The binds that have replicas, with their sets, in name order.
  std::vector<std::pair<std::string, ReplicaSet*>> replica_sets();
  // The read caches of the models that have one (Database::cache_reads).
  ReadCaches& caches() { return caches_; }

  // Throws InvalidToken when `token` names a bind that is not configured, or a position the
  // bind's engine would not write.
  void check_token(const ConsistencyToken& token);

 private:
  static TenantBind tenant_bind(const std::string& name, const BindConfig& bind,
                                const DatabaseConfig& config);
  void add_tenants(std::vector<TenantBind> binds, const TenantSettings& settings);
  void add_moves(const DatabaseConfig& config);
  void add_replicas(Engine& primary, const BindConfig& bind,
                    std::optional<std::chrono::milliseconds> slow_query);

  std::map<std::string, std::unique_ptr<Engine>, std::less<>> engines_;
  std::map<std::string, std::unique_ptr<ReplicaSet>, std::less<>> replicas_;
  ReadCaches caches_;
  std::unique_ptr<TableMoves> moves_;
  std::unique_ptr<TenantRouter> tenants_;  // declared last: destroyed before the registry's engine
};

}  // namespace manydb
