// The manydb command line: ping every bind, run SQL on one.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "app_log.hpp"
#include "manydb/cli/schema_commands.hpp"
#include "manydb/manydb.hpp"
#include "table_printer.hpp"

namespace {

constexpr const char* kDefaultConfig = "config/manydb.toml";

// A command runs and exits: no recovery in the background (`manydb recover` does it by hand).
manydb::Database open_database(const std::string& config_path) {
  constexpr std::chrono::milliseconds kNoRecoveryThread{0};
  if (!config_path.empty()) return manydb::Database::from_file(config_path, kNoRecoveryThread);
  if (std::filesystem::exists(kDefaultConfig))
    return manydb::Database::from_file(kDefaultConfig, kNoRecoveryThread);
  auto config = manydb::DatabaseConfig{};
  config.apply_environment();
  config.recovery_interval = kNoRecoveryThread;
  return manydb::Database(config);
}

// Every bind at once, within `budget` whatever the servers do (a hung one is a timeout).
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

  auto* ping_cmd = app.add_subcommand("ping", "Connect to every bind and report ok or the error");
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
