// The manydb command line: ping every bind, run SQL on one, create and drop tenants.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "app_log.hpp"
#include "manydb/cli/migrate_commands.hpp"
#include "manydb/cli/move_commands.hpp"
#include "manydb/cli/schema_commands.hpp"
#include "manydb/cli/tenant_commands.hpp"
#include "manydb/manydb.hpp"
#include "table_printer.hpp"

namespace {

constexpr const char* kDefaultConfig = "config/manydb.toml";

// A command runs and exits: no recovery in the background (`manydb recover` does it by hand),
// and no replica monitor (ping asks the replicas itself).
manydb::Database open_database(const std::string& config_path) {
  const std::string path = !config_path.empty() || !std::filesystem::exists(kDefaultConfig)
                               ? config_path
                               : kDefaultConfig;
  auto config =
      path.empty() ? manydb::DatabaseConfig{} : manydb::DatabaseConfig::from_toml_file(path);
  config.apply_environment();
  config.recovery_interval = std::chrono::milliseconds(0);
  config.replica_refresh = std::chrono::milliseconds(0);
  return manydb::Database(config);
}

// Every replica, asked now. One pass sees whether a replica has replayed the primary's current
// position (lag 0) but not for how long it has been behind: a lag above 0 is a lower bound.
// A replica that cannot be reached counts as a failure; one that is behind does not.
int ping_replicas(manydb::Database& db) {
  int failures = 0;
  for (const auto& r : db.replica_status(true)) {
    std::string lag = "lag unknown";
    if (r.lag) {
      lag = r.lag->count() == 0 ? "lag 0 ms" : "lag >= " + std::to_string(r.lag->count()) + " ms";
    }
    if (r.state == "out") {
      ++failures;
      std::printf("%-20s OUT                     replica of %s\n%20s %s\n", r.name.c_str(),
                  r.bind.c_str(), "", r.error.c_str());
      continue;
    }
    std::printf("%-20s %-8s %-14s replica of %s, replayed %s\n", r.name.c_str(), r.state.c_str(),
                lag.c_str(), r.bind.c_str(), r.position.c_str());
  }
  return failures;
}

// Every bind at once, within `budget` whatever the servers do (a hung one is a timeout), then
// every replica.
int ping(manydb::Database& db, std::chrono::milliseconds budget) {
  int failures = 0;
  for (const auto& [name, health] : db.check_health(budget)) {
    const auto& url = db.engine(name).url();
    if (health.status == manydb::Health::Status::ok) {
      const std::chrono::duration<double, std::milli> took = health.latency;
      std::printf("%-12s ok     %7.2f ms  %s\n", name.c_str(), took.count(),
                  url.redacted().c_str());
      continue;
    }
    ++failures;
    std::printf("%-12s %-7s            %s\n             %s\n", name.c_str(),
                health.status == manydb::Health::Status::timeout ? "TIMEOUT" : "FAILED",
                url.redacted().c_str(), health.error.c_str());
  }
  failures += ping_replicas(db);
  return failures == 0 ? 0 : 1;
}

int run_sql(manydb::Database& db, const std::string& bind, const std::string& sql) {
  const auto result = db.execute(bind, sql);
  manydb::cli::print_table(std::cout, result);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"manydb: one service, many databases"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("manydb ") + manydb::version());
  // --config before or after the subcommand: subcommands pass it on to this app.
  app.fallthrough();
  std::string config_path;
  app.add_option("--config", config_path,
                 "TOML configuration file (default: config/manydb.toml if present, else "
                 "DATABASE_URL and MANYDB_BIND_<NAME>)");
  applog::Options log_options;
  applog::add_options(app, log_options);

  auto* ping_cmd = app.add_subcommand(
      "ping", "Connect to every bind and replica; report ok or the error, and each replica's lag");
  int ping_timeout_ms = 5000;
  ping_cmd->add_option("--timeout-ms", ping_timeout_ms, "answer within this (default 5000)")
      ->check(CLI::Range(1, 3'600'000));
  std::string bind = "default";
  std::string sql;
  auto* sql_cmd = app.add_subcommand("sql", "Run one SQL statement on a bind and print the rows");
  sql_cmd->add_option("--bind", bind, "bind name (default: the default bind)");
  sql_cmd->add_option("statement", sql, "the SQL statement")->required();

  std::optional<manydb::Database> db;
  auto database = [&]() -> manydb::Database& {
    if (!db) {
      applog::setup(log_options);
      db.emplace(open_database(config_path));
    }
    return *db;
  };
  manydb::cli::mount_inspect_command(app, database);
  manydb::cli::mount_recover_command(app, database);
  manydb::cli::mount_tenant_commands(app, database);
  manydb::cli::mount_migrate_commands(app, database);
  // No models here: `move status` works, the other move commands say to use the application's.
  manydb::cli::mount_move_commands(app, database);

  try {
    app.parse(argc, argv);
    applog::setup(log_options);
    if (*ping_cmd) return ping(database(), std::chrono::milliseconds(ping_timeout_ms));
    if (*sql_cmd) return run_sql(database(), bind, sql);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const manydb::Error& e) {
    applog::setup(log_options);  // a subcommand's callback may have failed before
    spdlog::error("{}", e.what());
    return 2;
  }
  return 0;
}
