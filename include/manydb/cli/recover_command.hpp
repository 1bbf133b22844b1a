#pragma once
// `recover [--dry-run]` for an application's own command line (CLI11, header-only):
//
//   manydb::cli::mount_recover_command(app, [&]() -> manydb::Database& { return db(); });
//
// prints the atomic commits in doubt on every bind and what was done with each (docs/sessions.md);
// exits 1 when one is left in doubt (a bind unreachable), so a script can try again.
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <ostream>

#include "manydb/database/database.hpp"

namespace manydb::cli {

inline CLI::App* mount_recover_command(CLI::App& app, std::function<Database&()> database,
                                       std::ostream& out = std::cout) {
  auto* cmd = app.add_subcommand(
      "recover", "Finish the atomic commits across binds that a crash left in doubt");
  auto dry_run = std::make_shared<bool>(false);
  cmd->add_flag("--dry-run", *dry_run, "only show what is in doubt and what would be done");
  cmd->callback([database, dry_run, &out] {
    RecoveryOptions options;
    options.dry_run = *dry_run;
    const RecoveryReport report = database().recover(options);
    out << report.to_text();
    if (report.left > 0 || !report.unreachable.empty()) throw CLI::RuntimeError(1);
  });
  return cmd;
}

}  // namespace manydb::cli
