// The manydb command line: ping every bind, run SQL on one.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "manydb/cli/schema_commands.hpp"
#include "manydb/manydb.hpp"
#include "table_printer.hpp"

namespace {

constexpr const char* kDefaultConfig = "config/manydb.toml";

manydb::Database open_database(const std::string& config_path) {
  if (!config_path.empty()) return manydb::Database::from_file(config_path);
  if (std::filesystem::exists(kDefaultConfig)) return manydb::Database::from_file(kDefaultConfig);
  return manydb::Database::from_environment();
}

int ping(manydb::Database& db) {
  int failures = 0;
  for (const auto& name : db.bind_names()) {
    auto& engine = db.engine(name);
    const auto start = std::chrono::steady_clock::now();
    try {
      engine.execute("SELECT 1");
      const std::chrono::duration<double, std::milli> took =
          std::chrono::steady_clock::now() - start;
      std::printf("%-12s ok     %7.2f ms  %s\n", name.c_str(), took.count(),
                  engine.url().redacted().c_str());
    } catch (const manydb::Error& e) {
      ++failures;
      std::printf("%-12s FAILED             %s\n             %s\n", name.c_str(),
                  engine.url().redacted().c_str(), e.what());
    }
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
  std::string config_path;
  app.add_option("--config", config_path,
                 "TOML configuration file (default: config/manydb.toml if present, else "
                 "DATABASE_URL and MANYDB_BIND_<NAME>)");

  auto* ping_cmd = app.add_subcommand("ping", "Connect to every bind and report ok or the error");
  std::string bind = "default";
  std::string sql;
  auto* sql_cmd = app.add_subcommand("sql", "Run one SQL statement on a bind and print the rows");
  sql_cmd->add_option("--bind", bind, "bind name (default: the default bind)");
  sql_cmd->add_option("statement", sql, "the SQL statement")->required();

  std::optional<manydb::Database> db;
  auto database = [&]() -> manydb::Database& {
    if (!db) db.emplace(open_database(config_path));
    return *db;
  };
  manydb::cli::mount_inspect_command(app, database);

  try {
    app.parse(argc, argv);
    if (*ping_cmd) return ping(database());
    if (*sql_cmd) return run_sql(database(), bind, sql);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const manydb::Error& e) {
    std::cerr << "manydb: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
