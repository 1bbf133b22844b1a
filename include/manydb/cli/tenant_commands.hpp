#pragma once
// Tenant subcommands for an application's own command line (CLI11, header-only, so the library
// itself does not depend on it):
//
//   CLI::App app{"shop"};
//   manydb::cli::mount_tenant_commands(app, [&]() -> manydb::Database& { return db(); });
//
// adds `tenant create NAME`, `tenant drop NAME --yes`, `tenant list` and
// `tenant create-all [--tenant NAME]` (docs/tenants.md). Each is idempotent and safe while the
// application serves. An invalid id, or a configuration without tenant binds, fails with
// manydb::ConfigError, which the application reports and exits non-zero on, as for any
// manydb::Error its commands throw.
#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "manydb/core/timestamp.hpp"
#include "manydb/database/database.hpp"

namespace manydb::cli {

namespace detail {

inline void add_tenant_create(CLI::App& tenant, std::function<Database&()> database,
                              std::ostream& out) {
  auto name = std::make_shared<std::string>();
  auto* cmd = tenant.add_subcommand(
      "create", "Create a tenant: its databases (or files), its tables, its registry entry");
  cmd->add_option("name", *name, "the tenant's id, [a-z0-9][a-z0-9_-]{0,62}")->required();
  cmd->callback([database, name, &out] {
    Database& db = database();
    const bool created = db.tenants().create(*name);
    out << (created ? "created tenant " : "tenant ") << *name
        << (created ? "\n" : " exists already; created what it lacked\n");
    // `manydb` knows no models: the application's own `tenant create-all` makes the tables.
    if (db.models().binds().empty()) out << "no models: its databases have no tables yet\n";
  });
}

inline void add_tenant_drop(CLI::App& tenant, std::function<Database&()> database,
                            std::ostream& out) {
  auto name = std::make_shared<std::string>();
  auto yes = std::make_shared<bool>(false);
  auto* cmd = tenant.add_subcommand(
      "drop", "Drop a tenant: unlist it, then drop its databases (or files) and every row");
  cmd->add_option("name", *name, "the tenant's id")->required();
  cmd->add_flag("--yes", *yes, "confirm: the tenant's rows are lost");
  cmd->callback([database, name, yes, &out] {
    if (!*yes) {
      throw CLI::ValidationError("tenant drop",
                                 "deletes every row of the tenant: add --yes to confirm");
    }
    const bool listed = database().tenants().drop(*name);
    out << (listed ? "dropped tenant " : "tenant ") << *name
        << (listed ? "\n" : " was not listed; dropped whatever was left of it\n");
  });
}

inline void add_tenant_list(CLI::App& tenant, std::function<Database&()> database,
                            std::ostream& out) {
  auto* cmd = tenant.add_subcommand("list", "List the tenants: id, server, creation time");
  cmd->callback([database, &out] {
    const auto tenants = database().tenants().list();
    for (const auto& t : tenants) {
      out << t.id << "  server " << t.server << "  created "
          << Timestamp{t.created_at * 1000}.to_iso8601() << "\n";
    }
    out << tenants.size() << (tenants.size() == 1 ? " tenant\n" : " tenants\n");
  });
}

inline void add_tenant_create_all(CLI::App& tenant, std::function<Database&()> database,
                                  std::ostream& out) {
  auto name = std::make_shared<std::string>();
  auto* cmd = tenant.add_subcommand(
      "create-all", "Create the tenant models' tables (idempotent) in every tenant, or in one");
  cmd->add_option("--tenant", *name, "only this tenant");
  cmd->callback([database, name, &out] {
    auto tenants = database().tenants();
    if (!name->empty()) {
      tenants.create_all(*name);
      out << "created the tables of tenant " << *name << "\n";
      return;
    }
    const std::size_t count = tenants.create_all();
    out << "created the tables of " << count << (count == 1 ? " tenant\n" : " tenants\n");
  });
}

}  // namespace detail

inline CLI::App* mount_tenant_commands(CLI::App& app, std::function<Database&()> database,
                                       std::ostream& out = std::cout) {
  auto* tenant = app.add_subcommand("tenant", "Create, drop and list the tenants");
  tenant->require_subcommand(1);
  tenant->fallthrough();  // --config after `tenant create NAME` reaches the application
  detail::add_tenant_create(*tenant, database, out);
  detail::add_tenant_drop(*tenant, database, out);
  detail::add_tenant_list(*tenant, database, out);
  detail::add_tenant_create_all(*tenant, database, out);
  return tenant;
}

}  // namespace manydb::cli
