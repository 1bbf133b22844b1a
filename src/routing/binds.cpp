#include "manydb/routing/binds.hpp"

#include "manydb/core/errors.hpp"
#include "manydb/core/tenant_id.hpp"

namespace manydb {

namespace {
// A replica's own settings, then its bind's, then the pool's defaults.
PoolSettings merged(const PoolSettings& own, const PoolSettings& bind) {
  PoolSettings m = own;
  if (!m.size) m.size = bind.size;
  if (!m.max_overflow) m.max_overflow = bind.max_overflow;
  if (!m.acquire_timeout) m.acquire_timeout = bind.acquire_timeout;
  if (!m.ping_after_idle) m.ping_after_idle = bind.ping_after_idle;
  if (!m.connect_timeout) m.connect_timeout = bind.connect_timeout;
  if (!m.statement_timeout) m.statement_timeout = bind.statement_timeout;
  if (!m.reconnect_interval) m.reconnect_interval = bind.reconnect_interval;
  return m;
}

Url parse_url(const std::string& url, const std::string& what, const std::string& origin,
              const std::string& bind) {
  try {
    return Url::parse(url);
  } catch (const ConfigError& e) {
    throw ConfigError(what + " (" + origin + "): " + e.what(), bind);
  }
}

PoolOptions pool_options(const PoolSettings& s) {
  PoolOptions o;
  o.size = s.size.value_or(o.size);
  o.max_overflow = s.max_overflow.value_or(o.max_overflow);
  o.acquire_timeout = s.acquire_timeout.value_or(o.acquire_timeout);
  o.ping_after_idle = s.ping_after_idle.value_or(o.ping_after_idle);
  o.connect_timeout = s.connect_timeout.value_or(o.connect_timeout);
  o.statement_timeout = s.statement_timeout.value_or(o.statement_timeout);
  o.reconnect_interval = s.reconnect_interval.value_or(o.reconnect_interval);
  return o;
}
}  // namespace

Binds::Binds(const DatabaseConfig& config) {
  std::vector<TenantBind> tenant_binds;
  for (const auto& [name, bind] : config.binds) {
    if (bind.per_tenant()) {
      tenant_binds.push_back(tenant_bind(name, bind, config));
      continue;
    }
    Url url = parse_url(bind.url, "bind '" + name + "'", bind.origin, name);
    auto engine = std::make_unique<Engine>(name, std::move(url), pool_options(bind.pool));
    const auto slow = bind.slow_query ? bind.slow_query : config.slow_query;
    engine->metrics().log_statements_slower_than(slow);
    if (!bind.replicas.empty()) add_replicas(*engine, bind, slow);
    engines_.emplace(name, std::move(engine));
  }
  if (!tenant_binds.empty()) add_tenants(std::move(tenant_binds), config.tenants);
  if (!config.moves.empty()) add_moves(config);
}

// Both ends must be shared binds of this configuration: a tenant bind is many databases, and
// the target's state table and its rows must be read from its primary, so it has no replicas.
void Binds::add_moves(const DatabaseConfig& config) {
  std::vector<TableMoves::Move> moves;
  for (const auto& [table, move] : config.moves) {
    const std::string what = "move of table '" + table + "' (" + move.origin + ")";
    for (const std::string* bind : {&move.from, &move.to}) {
      if (is_tenant_bind(*bind))
        throw ConfigError(what + ": bind '" + *bind + "' is a tenant bind", *bind);
      if (!engines_.contains(*bind)) {
        throw ConfigError(what + ": " + (bind == &move.from ? "from" : "to") + " names bind '" +
                              *bind + "', which is not configured",
                          *bind);
      }
    }
    if (move.from == move.to)
      throw ConfigError(what + ": from and to are the same bind '" + move.from + "'", move.from);
    if (replicas_.contains(move.to)) {
      throw ConfigError(what + ": the target bind '" + move.to +
                            "' has replicas; a move's target "
                            "must have none",
                        move.to);
    }
    moves.push_back({table, move.from, move.to, move.refresh, engines_.at(move.to).get()});
  }
  moves_ = std::make_unique<TableMoves>(std::move(moves));
}

TenantBind Binds::tenant_bind(const std::string& name, const BindConfig& bind,
                              const DatabaseConfig& config) {
  if (!bind.replicas.empty()) {
    throw ConfigError(
        "bind '" + name + "' (" + bind.origin + ") is a tenant bind: it cannot have replicas",
        name);
  }
  std::vector<std::string> servers = bind.servers.empty() ? std::vector{bind.url} : bind.servers;
  for (const auto& server : servers) {
    if (!is_tenant_template(server)) {
      throw ConfigError("bind '" + name + "' (" + bind.origin +
                            "): every server of a tenant bind must hold {tenant}",
                        name);
    }
  }
  return {name, std::move(servers), pool_options(bind.pool),
          bind.slow_query ? bind.slow_query : config.slow_query};
}

void Binds::add_tenants(std::vector<TenantBind> binds, const TenantSettings& settings) {
  auto registry = engines_.find(settings.registry);
  if (registry == engines_.end()) {
    throw ConfigError("the tenants' registry is bind '" + settings.registry +
                          "', which is not a configured shared bind (set [database.tenants] "
                          "registry to one)",
                      settings.registry);
  }
  tenants_ = std::make_unique<TenantRouter>(std::move(binds), settings, *registry->second);
}

void Binds::add_replicas(Engine& primary, const BindConfig& bind,
                         std::optional<std::chrono::milliseconds> slow_query) {
  const std::string& name = primary.bind();
  std::vector<std::unique_ptr<Replica>> replicas;
  for (std::size_t i = 0; i < bind.replicas.size(); ++i) {
    const ReplicaConfig& rc = bind.replicas[i];
    const std::string replica_name = name + "/replica" + std::to_string(i + 1);
    Url url = parse_url(rc.url, "replica " + std::to_string(i + 1) + " of bind '" + name + "'",
                        rc.origin, name);
    if (url.backend != primary.url().backend) {
      throw ConfigError("replica " + std::to_string(i + 1) + " of bind '" + name + "' (" +
                            rc.origin + ") is not on the engine of its primary",
                        name);
    }
    replicas.push_back(std::make_unique<Replica>(replica_name, std::move(url),
                                                 pool_options(merged(rc.pool, bind.pool))));
    replicas.back()->engine().metrics().log_statements_slower_than(slow_query);
  }
  replicas_.emplace(name, std::make_unique<ReplicaSet>(primary, std::move(replicas), bind.replica));
}

std::vector<std::pair<std::string, ReplicaSet*>> Binds::replica_sets() {
  std::vector<std::pair<std::string, ReplicaSet*>> out;
  for (auto& [name, set] : replicas_) out.emplace_back(name, set.get());
  return out;
}

void Binds::check_token(const ConsistencyToken& token) {
  for (const auto& [bind, position] : token.positions()) {
    auto it = engines_.find(bind);
    if (it == engines_.end())
      throw InvalidToken("invalid consistency token: no bind '" + bind + "' is configured", bind);
    const Replication* replication = it->second->dialect().replication();
    if (!replication || !replication->valid(position)) {
      throw InvalidToken(
          "invalid consistency token: '" + position + "' is not a position of bind '" + bind + "'",
          bind);
    }
  }
}

Engine& Binds::engine(std::string_view name) {
  if (auto it = engines_.find(name); it != engines_.end()) return *it->second;
  if (is_tenant_bind(name)) {
    throw ConfigError("bind '" + std::string(name) +
                          "' is a tenant bind: reach it through a session for a tenant "
                          "(SessionOptions::tenant)",
                      std::string(name));
  }
  std::string known;
  for (const auto& [n, e] : engines_) known.append(known.empty() ? "" : ", ").append(n);
  throw ConfigError("unknown bind '" + std::string(name) +
                        "' (configured: " + (known.empty() ? "none" : known) + ")",
                    std::string(name));
}

std::vector<std::string> Binds::names() const {
  std::vector<std::string> out;
  for (const auto& [n, e] : engines_) out.push_back(n);
  return out;
}

}  // namespace manydb
