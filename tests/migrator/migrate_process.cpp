// A process for the two-processes migration test (tests/engines/migrate_processes_test.cpp):
// the `migrate` commands an application mounts, on the one database at URL, as `manydb migrate`
// runs them (the manydb binary itself is not built in every configuration).
//   migrate_process URL migrate up --dir DIR
// Exits 0 when the command succeeded, 2 on an error, and CLI11's status for bad arguments.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "manydb/cli/migrate_commands.hpp"
#include "manydb/manydb.hpp"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: migrate_process URL migrate up|down|status [options]\n");
    return 2;
  }
  try {
    manydb::DatabaseConfig config;
    config.set_default(argv[1]);
    config.recovery_interval = std::chrono::milliseconds(0);
    manydb::Database db(config);
    CLI::App app{"migrate_process"};
    manydb::cli::mount_migrate_commands(app, [&]() -> manydb::Database& { return db; });
    argv[1] = argv[0];  // the URL consumed: CLI11 sees the program's name, then the command
    app.parse(argc - 1, argv + 1);
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "migrate_process: %s\n", e.what());
    return e.get_exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "migrate_process: %s\n", e.what());
    return 2;
  }
}
