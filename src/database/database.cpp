#include "manydb/database/database.hpp"

#include "manydb/core/statement_kind.hpp"

namespace manydb {

namespace {
std::vector<Engine*> engines_of(Binds& binds) {
  std::vector<Engine*> engines;
  for (const auto& name : binds.names()) engines.push_back(&binds.engine(name));
  return engines;
}
}  // namespace

Database::Database(const DatabaseConfig& config) : binds_(std::make_unique<Binds>(config)) {
  std::vector<ReplicaSet*> sets;
  for (const auto& [name, set] : binds_->replica_sets()) sets.push_back(set);
  if (!sets.empty() && config.replica_refresh.count() > 0)
    replica_monitor_ = std::make_unique<ReplicaMonitor>(std::move(sets), config.replica_refresh);
  if (config.binds.size() > 1 && config.recovery_interval.count() > 0) {
    recovery_ = std::make_unique<RecoveryThread>(engines_of(*binds_), config.recovery_interval);
  }
}

std::vector<ReplicaStatus> Database::replica_status(bool refresh) {
  std::vector<ReplicaStatus> out;
  for (const auto& [name, set] : binds_->replica_sets()) {
    if (refresh) set->refresh();
    for (auto& s : set->status()) out.push_back(std::move(s));
  }
  return out;
}

Result Database::execute_read(std::string_view bind, std::string_view sql,
                              std::span<const Value> params) {
  Session s(*binds_, {.only_bind = std::string(bind), .begin = Begin::never});
  return s.execute_read(bind, sql, params);
}

Tenants Database::tenants() {
  TenantRouter* router = binds_->tenants();
  if (!router) throw ConfigError("no bind is a tenant bind (a URL holding {tenant})");
  return Tenants(*router, models_);
}

TestTransaction Database::begin_test_transaction() { return TestTransaction(engines_of(*binds_)); }

RecoveryReport Database::recovered_at_open() {
  return recovery_ ? recovery_->first_pass() : RecoveryReport{};
}

RecoveryReport Database::recover(const RecoveryOptions& options) {
  return manydb::recover(engines_of(*binds_), options);
}

Database Database::from_file(const std::string& path,
                             std::optional<std::chrono::milliseconds> recovery_interval) {
  auto config = DatabaseConfig::from_toml_file(path);
  config.apply_environment();
  if (recovery_interval) config.recovery_interval = *recovery_interval;
  return Database(config);
}

Database Database::from_environment() {
  DatabaseConfig config;
  config.apply_environment();
  return Database(config);
}

Result Database::execute(std::string_view bind, std::string_view sql,
                         std::span<const Value> params) {
  Result result = engine(bind).execute(sql, params);
  if (!reads_only(sql)) binds_->caches().invalidate_bind(bind);  // its rows are not known
  return result;
}

std::vector<std::pair<std::string, Health>> Database::check_health(
    std::chrono::milliseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  const auto names = bind_names();
  for (const auto& name : names) engine(name).start_health_check();
  std::vector<std::pair<std::string, Health>> out;
  for (const auto& name : names) out.emplace_back(name, engine(name).health_by(deadline));
  return out;
}

MetricsSnapshot Database::metrics() const {
  MetricsSnapshot m;
  for (const auto& name : binds_->names())
    m.binds.push_back(binds_->engine(name).metrics_snapshot());
  if (TenantRouter* tenants = binds_->tenants()) m.tenants = tenants->stats();
  return m;
}

}  // namespace manydb
