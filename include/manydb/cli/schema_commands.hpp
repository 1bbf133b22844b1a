#pragma once
// Schema subcommands for an application's own command line (CLI11, header-only, so the library
// itself does not depend on it):
//
//   CLI::App app{"shop"};
//   manydb::cli::mount_schema_commands(app, [&]() -> manydb::Database& { return db(); });
//
// adds `create-all [--bind NAME]`, `drop-all [--bind NAME] --yes`, `check-schema` and
// `inspect [--bind NAME]` and `recover [--dry-run]` (recover_command.hpp). The database is
// opened only when one of them runs.
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "manydb/cli/recover_command.hpp"
#include "manydb/database/database.hpp"

namespace manydb::cli {

using DatabaseSource = std::function<Database&()>;

inline void print_live_schema(std::ostream& out, const schema::LiveSchema& live) {
  out << "bind " << live.bind << " (" << to_string(live.backend) << "): " << live.tables.size()
      << (live.tables.size() == 1 ? " table\n" : " tables\n");
  for (const auto& t : live.tables) {
    out << "  " << t.name << "\n";
    for (const auto& c : t.columns) {
      out << "    " << c.name << "  " << c.type << (c.nullable ? "" : "  NOT NULL") << "\n";
    }
    for (const auto& ix : t.indexes) {
      out << "    " << (ix.unique ? "unique index " : "index ") << ix.name << " (";
      for (std::size_t i = 0; i < ix.columns.size(); ++i) out << (i ? ", " : "") << ix.columns[i];
      out << ")\n";
    }
  }
}

// `inspect [--bind NAME]`: the live schema of one bind or of all; needs no models.
inline CLI::App* mount_inspect_command(CLI::App& app, DatabaseSource database,
                                       std::ostream& out = std::cout) {
  auto* cmd = app.add_subcommand("inspect", "Show the live tables, columns and indexes of binds");
  auto bind = std::make_shared<std::string>();
  cmd->add_option("--bind", *bind, "one bind (default: every bind)");
  cmd->callback([database, bind, &out] {
    Database& db = database();
    for (const auto& name : bind->empty() ? db.bind_names() : std::vector<std::string>{*bind}) {
      print_live_schema(out, db.inspect(name));
    }
  });
  return cmd;
}

inline void mount_schema_commands(CLI::App& app, DatabaseSource database,
                                  std::ostream& out = std::cout) {
  auto bind = std::make_shared<std::string>();
  auto* create = app.add_subcommand("create-all", "Create the models' tables (idempotent)");
  create->add_option("--bind", *bind, "only this bind's tables");
  create->callback([database, bind, &out] {
    Database& db = database();
    bind->empty() ? db.create_all() : db.create_all(*bind);
    out << "created the tables of " << (bind->empty() ? "every bind" : "bind " + *bind) << "\n";
  });

  auto yes = std::make_shared<bool>(false);
  auto* drop = app.add_subcommand("drop-all", "Drop the models' tables and all their rows");
  drop->add_option("--bind", *bind, "only this bind's tables");
  drop->add_flag("--yes", *yes, "confirm: the rows are lost");
  drop->callback([database, bind, yes, &out] {
    if (!*yes) throw CLI::ValidationError("drop-all", "deletes every row: add --yes to confirm");
    Database& db = database();
    bind->empty() ? db.drop_all() : db.drop_all(*bind);
    out << "dropped the tables of " << (bind->empty() ? "every bind" : "bind " + *bind) << "\n";
  });

  auto* check = app.add_subcommand("check-schema", "Compare the live schema with the models");
  check->callback([database, &out] {
    const auto differences = database().check_schema();
    for (const auto& d : differences) out << d.to_string() << "\n";
    if (!differences.empty()) throw CLI::RuntimeError(1);
    out << "every bind matches the models\n";
  });
  mount_inspect_command(app, database, out);
  mount_recover_command(app, database, out);
}

}  // namespace manydb::cli
