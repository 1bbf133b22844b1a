#pragma once
// `revision --bind NAME MESSAGE [--dir DIR] [--tenant ID]` for an application's own command
// line (CLI11, header-only): writes the bind's next step from the differences between the
// application's models (those registered on its Database) and the live schema, for review
// (docs/migrations.md). Mounted beside the migrate commands, with the same options:
//
//   manydb::cli::mount_revision_command(app, database, {.default_dir = "migrations"});
//
// The generic `manydb` binary has no models, so it has no revision command.
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "manydb/cli/migrate_commands.hpp"
#include "manydb/migrate/revision_file.hpp"

namespace manydb::cli {

inline void mount_revision_command(CLI::App& app, std::function<Database&()> database,
                                   MigrateCommandOptions options = {},
                                   std::ostream& out = std::cout) {
  auto* cmd = app.add_subcommand(
      "revision", "Write the next migration step of a bind from its models' differences");
  auto request = std::make_shared<migrate::RevisionRequest>();
  request->dir = options.default_dir;
  cmd->add_option("--bind", request->bind, "the bind")->required();
  cmd->add_option("message", request->message, "what the step does; names its file")->required();
  cmd->add_option("--dir", request->dir, "the migrations directory: DIR/<bind>/NNNN_name.sql");
  cmd->add_option("--tenant", request->tenant,
                  "a tenant bind: compare with this tenant's database");
  cmd->callback([database, options, request, &out] {
    Database& db = database();
    auto known = migrate::Migrations::from_directory(request->dir);
    if (options.add_steps) options.add_steps(known);
    const auto written = migrate::write_revision(db, known, *request);
    if (written.path.empty()) {
      out << "no changes for bind " << request->bind << "\n";
      return;
    }
    out << "wrote " << written.path.string() << "\n";
    if (written.revision.up.empty()) {
      out << "it holds only review notes: write its statements (or delete it) before "
             "`migrate up`, which refuses an up part without statements\n";
    } else if (!written.revision.notes.empty()) {
      out << "it holds " << written.revision.notes.size()
          << " review note(s) (-- TODO (review)): read them before `migrate up`\n";
    }
  });
}

}  // namespace manydb::cli
