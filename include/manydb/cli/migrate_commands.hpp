#pragma once
// Migration subcommands for an application's own command line (CLI11, header-only, so the
// library itself does not depend on it):
//
//   CLI::App app{"shop"};
//   manydb::cli::mount_migrate_commands(app, [&]() -> manydb::Database& { return db(); });
//
// adds `migrate status|up|down [--bind NAME] [--to N] [--dir DIR] [--tenant ID|--all-tenants]`
// (docs/migrations.md). The steps are the files of DIR (default `migrations`), plus those an
// application that ships one binary registers in code (MigrateCommandOptions::add_steps).
// Without --bind every bind that has steps; a tenant bind only with --tenant or --all-tenants.
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "manydb/core/timestamp.hpp"
#include "manydb/database/database.hpp"
#include "manydb/migrate/runner.hpp"

namespace manydb::cli {

struct MigrateCommandOptions {
  std::string default_dir = "migrations";
  std::function<void(migrate::Migrations&)> add_steps{};  // steps registered in code
};

namespace detail {

struct MigrateArgs {
  std::string bind;
  std::optional<std::int64_t> to;
  std::string dir;
  std::string tenant;
  bool all_tenants = false;
};

inline std::string padded_version(std::int64_t version) {
  std::string v = std::to_string(version);
  return std::string(v.size() < 4 ? 4 - v.size() : 0, '0') + v;
}

inline void print_step_status(std::ostream& out, const migrate::StepStatus& s) {
  using State = migrate::StepStatus::State;
  out << "  " << padded_version(s.version) << " " << s.name << "  " << to_string(s.state);
  if (s.state == State::applied || s.state == State::edited) {
    out << " " << Timestamp{s.applied_at * 1000}.to_iso8601();
  }
  if (s.state == State::partial) {
    out << ": " << s.statements_done << " of " << s.statements
        << " statements done (MariaDB commits DDL on its own); `migrate up` resumes at statement "
        << s.statements_done + 1;
  }
  if (s.state == State::edited) out << ": changed since it was applied";
  if (s.state == State::missing) out << ": applied, but no such step any more";
  if (!s.source.empty()) out << "  " << s.source;
  out << "\n";
}

// Each target the arguments name: (bind, tenant) pairs.
inline std::vector<migrate::Target> migrate_targets(Database& db, const migrate::Migrations& m,
                                                    const MigrateArgs& args, std::ostream& out) {
  const auto shared = db.bind_names();
  auto is_shared = [&](const std::string& b) {
    return std::find(shared.begin(), shared.end(), b) != shared.end();
  };
  std::vector<std::string> tenants;
  if (!args.tenant.empty()) tenants.push_back(args.tenant);
  if (args.all_tenants) {
    for (const auto& t : db.tenants().list()) tenants.push_back(t.id);
  }
  std::vector<migrate::Target> targets;
  for (const auto& bind : args.bind.empty() ? m.binds() : std::vector<std::string>{args.bind}) {
    if (is_shared(bind)) {
      if (tenants.empty()) targets.push_back({bind, ""});
    } else if (db.has_tenants() && tenants.empty()) {
      out << "bind " << bind << " is a tenant bind: pass --tenant ID or --all-tenants\n";
    } else {
      for (const auto& t : tenants) targets.push_back({bind, t});
      if (!db.has_tenants()) targets.push_back({bind, ""});  // unknown: the runner says so
    }
  }
  return targets;
}

inline std::string target_name(const migrate::Target& t) {
  return "bind " + t.bind + (t.tenant.empty() ? "" : " of tenant " + t.tenant);
}

inline void print_versions(std::ostream& out, const std::string& verb, const std::string& none,
                           const std::vector<std::int64_t>& versions) {
  if (versions.empty()) out << ": " << none << "\n";
  for (std::size_t i = 0; i < versions.size(); ++i) {
    out << (i ? ", " : ": " + verb + " ") << padded_version(versions[i]);
  }
  if (!versions.empty()) out << "\n";
}

}  // namespace detail

inline void mount_migrate_commands(CLI::App& app, std::function<Database&()> database,
                                   MigrateCommandOptions options = {},
                                   std::ostream& out = std::cout) {
  auto* migrate = app.add_subcommand("migrate", "Versioned migrations per bind");
  migrate->require_subcommand(1);
  auto args = std::make_shared<detail::MigrateArgs>();
  args->dir = options.default_dir;
  auto add_options = [args](CLI::App* cmd, bool with_to) {
    cmd->add_option("--bind", args->bind, "only this bind (default: every bind with steps)");
    if (with_to) cmd->add_option("--to", args->to, "the version to stop at");
    cmd->add_option("--dir", args->dir, "the migrations directory: DIR/<bind>/NNNN_name.sql");
    auto* tenant = cmd->add_option("--tenant", args->tenant, "a tenant bind in this tenant");
    cmd->add_flag("--all-tenants", args->all_tenants, "the tenant binds in every tenant")
        ->excludes(tenant);
  };
  auto run = [database, options, args, &out](auto action) {
    Database& db = database();
    auto m = migrate::Migrations::from_directory(args->dir);
    if (options.add_steps) options.add_steps(m);
    // Another process migrating the same bind: say why this one does nothing for a while.
    migrate::Runner runner(db, m, [&out](const migrate::Target& target) {
      out << detail::target_name(target)
          << ": waiting for the migration lock (another migration of it is running)" << std::endl;
    });
    for (const auto& target : detail::migrate_targets(db, m, *args, out)) {
      action(runner, target);
    }
  };
  auto* status = migrate->add_subcommand("status", "The applied and pending steps of each bind");
  add_options(status, false);
  status->callback([run, &out] {
    run([&](migrate::Runner& runner, const migrate::Target& target) {
      out << detail::target_name(target) << ":\n";
      for (const auto& s : runner.status(target)) detail::print_step_status(out, s);
    });
  });
  auto* up = migrate->add_subcommand("up", "Apply the pending steps (up to --to)");
  add_options(up, true);
  up->callback([run, args, &out] {
    run([&](migrate::Runner& runner, const migrate::Target& target) {
      const auto applied = runner.up(target, args->to);
      out << detail::target_name(target);
      detail::print_versions(out, "applied", "up to date", applied);
    });
  });
  auto* down = migrate->add_subcommand(
      "down", "Undo the newest applied step, or every one after --to (--to 0: all)");
  add_options(down, true);
  down->callback([run, args, &out] {
    run([&](migrate::Runner& runner, const migrate::Target& target) {
      const auto undone = runner.down(target, args->to);
      out << detail::target_name(target);
      detail::print_versions(out, "undid", "nothing to undo", undone);
    });
  });
}

}  // namespace manydb::cli
