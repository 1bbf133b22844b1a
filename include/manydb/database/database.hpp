#pragma once
// The one object an application holds: the default database and its named binds.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "manydb/config/database_config.hpp"
#include "manydb/core/result.hpp"
#include "manydb/database/tenants.hpp"
#include "manydb/database/test_transaction.hpp"
#include "manydb/observe/metrics_snapshot.hpp"
#include "manydb/routing/binds.hpp"
#include "manydb/routing/replica_monitor.hpp"
#include "manydb/schema/live_schema.hpp"
#include "manydb/schema/registry.hpp"
#include "manydb/session/session.hpp"
#include "manydb/tx/recovery.hpp"

namespace manydb {

class Database {
 public:
  explicit Database(const DatabaseConfig& config);
  // The TOML file, then environment overrides (DATABASE_URL, MANYDB_BIND_<NAME>).
  // A command that runs and exits passes a recovery_interval of 0: no recovery thread.
  static Database from_file(const std::string& path,
                            std::optional<std::chrono::milliseconds> recovery_interval = {});
  // Only the environment: DATABASE_URL and MANYDB_BIND_<NAME>.
  static Database from_environment();

  Engine& engine(std::string_view bind = DatabaseConfig::default_bind) {
    return binds_->engine(bind);
  }
  std::vector<std::string> bind_names() const { return binds_->names(); }

  // Records each model with its bind. A model whose bind is not configured, or whose mapping
  // is wrong, throws ConfigError here rather than at its first query.
  template <schema::Model... Ts>
  void register_models() {
    (register_table(schema::table_info<Ts>()), ...);
  }
  const schema::ModelRegistry& models() const { return models_; }

  // CREATE TABLE / INDEX IF NOT EXISTS for the models of every bind, or of one; idempotent.
  // A tenant bind's tables are made per tenant (tenants().create and create_all).
  void create_all();
  void create_all(std::string_view bind);
  // DROP TABLE IF EXISTS, children before parents; idempotent.
  void drop_all();
  void drop_all(std::string_view bind);

  // The live tables, columns and indexes of one bind, read from its catalogue.
  schema::LiveSchema inspect(std::string_view bind = DatabaseConfig::default_bind);
  // Where the live schema of each bind with models differs from the models; empty = in step.
  std::vector<schema::SchemaDifference> check_schema();

  // The tenants of the tenant binds (docs/tenants.md): create, drop, list. Throws ConfigError
  // when no bind is a tenant bind.
  Tenants tenants();
  bool has_tenants() const { return binds_->tenants() != nullptr; }

  // The tables moving between binds ([database.moves]); nullptr when none is configured.
  TableMoves* table_moves() { return binds_->moves(); }

  // A unit of work over every bind, or over one (the seed's "sessions with specific binds").
  Session session(SessionOptions options = {}) { return Session(*binds_, std::move(options)); }
  Session session_for(std::string_view bind) { return Session(*binds_, {std::string(bind)}); }
  // The unit of work of the bind that model T lives on (T::bind_key, else the default bind),
  // named by the model rather than by a string that could drift from it.
  template <schema::Model T>
  Session session_for(Begin begin = Begin::at_first_use) {
    return Session(*binds_,
                   {.only_bind = schema::table_info<T>().bind_or_default(), .begin = begin});
  }

  // Test-transaction mode, for the length of one test (docs/testing.md): a transaction on every
  // shared bind (tenant binds are not included), rolled back when the guard ends, which every
  // session and connection of the Database uses meanwhile. Reads go to the primaries.
  TestTransaction begin_test_transaction();

  // Finishes the atomic commits that a crash left in doubt, on every bind (tx/recovery.hpp).
  // A Database with several binds does so by itself when it opens and then periodically
  // (DatabaseConfig::recovery_interval).
  RecoveryReport recover(const RecoveryOptions& options = {});
  // The report of the recovery this Database ran when it opened, once it has finished (an
  // empty report when it runs none: one bind, or recovery_interval 0). A server calls it before
  // it serves.
  RecoveryReport recovered_at_open();

  // Every bind's health, checked at once and reported within `budget` whatever the servers
  // do (Engine::check_health), in bind_names() order.
  std::vector<std::pair<std::string, Health>> check_health(std::chrono::milliseconds budget);

  // Every bind's counters and histograms at this moment, in bind_names() order: named by bind
  // and engine kind, never by URL. render_prometheus (observe/prometheus.hpp) writes them out.
  MetricsSnapshot metrics() const;

  // Keeps model T's rows read through Session::get_cached and load_related(..., cached) in
  // this process (docs/sessions.md, "Caching reference rows"): bounded, each row kept at most
  // settings.ttl, dropped at once by this process's writes through manydb. Call it before
  // sessions read T; a second call changes nothing.
  template <schema::Model T>
  void cache_reads(ReadCacheSettings settings = {}) {
    const auto& table = schema::table_info<T>();
    binds_->caches().enable(&table, table.name, table.bind_or_default(), settings);
  }
  // Each cached model's entries and counts, in no promised order.
  std::vector<ReadCacheStats> read_cache_stats() const { return binds_->caches().stats(); }
  // Drops every cached row: after writes that did not go through manydb (another program, a
  // connection's native handle).
  void clear_read_caches() { binds_->caches().clear(); }

  // Every replica of every bind, as the monitor last saw it (ReplicaSet::status), in bind
  // order; `refresh` asks each one first (a command that runs once has no monitor).
  std::vector<ReplicaStatus> replica_status(bool refresh = false);

  // Raw SQL on one bind's primary, with '?' placeholders and bound values.
  Result execute(std::string_view bind, std::string_view sql, std::span<const Value> params);
  Result execute(std::string_view bind, std::string_view sql,
                 std::initializer_list<Value> params = {}) {
    return execute(bind, sql, std::span<const Value>(params.begin(), params.size()));
  }
  // Raw SQL that only reads: on a replica where the bind has them (any one in rotation, no
  // consistency token), retried elsewhere if the replica fails.
  Result execute_read(std::string_view bind, std::string_view sql, std::span<const Value> params);
  Result execute_read(std::string_view bind, std::string_view sql,
                      std::initializer_list<Value> params = {}) {
    return execute_read(bind, sql, std::span<const Value>(params.begin(), params.size()));
  }

 private:
  void register_table(const schema::TableInfo& table);
  void run_ddl(std::string_view bind, bool create);

  std::unique_ptr<Binds> binds_;
  std::unique_ptr<ReplicaMonitor> replica_monitor_;  // destroyed before the binds it refreshes
  schema::ModelRegistry models_;              // stable address for engines handed out by reference
  std::unique_ptr<RecoveryThread> recovery_;  // destroyed first: it uses the engines
};

}  // namespace manydb
