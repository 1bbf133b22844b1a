// Database's model registry and DDL: create_all, drop_all, inspect, check_schema.
#include <algorithm>

#include "manydb/core/errors.hpp"
#include "manydb/database/database.hpp"
#include "manydb/database/inspect.hpp"
#include "manydb/schema/ddl.hpp"

namespace manydb {

void Database::register_table(const schema::TableInfo& table) {
  const auto& bind = table.bind_or_default();
  if (!binds_->contains(bind) && !binds_->is_tenant_bind(bind)) {
    std::string known;
    for (const auto& n : binds_->names()) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError(
        "model " + table.model + " has bind_key '" + bind +
            "' but no such bind is configured (configured: " + known +
            "); add it under [database.binds] or set MANYDB_BIND_" +
            [&] {
              std::string upper = bind;
              for (auto& c : upper) c = static_cast<char>(std::toupper(c));
              return upper;
            }(),
        bind);
  }
  models_.add(table);
}

void Database::run_ddl(std::string_view bind, bool create) {
  auto tables = schema::dependency_order(models_.tables(bind));
  if (tables.empty()) return;
  Engine& e = engine(bind);
  Lease lease = e.connect();
  if (!create) std::reverse(tables.begin(), tables.end());
  for (const auto* table : tables) {
    if (create) {
      for (const auto& sql : schema::create_statements(*table, e.dialect())) {
        lease->execute_script(sql);
      }
    } else {
      lease->execute_script(schema::drop_statement(*table, e.dialect()));
    }
  }
}

// The tenant binds' tables live in every tenant's databases: tenants().create_all() makes them.
void Database::create_all() {
  for (const auto& bind : models_.binds())
    if (!binds_->is_tenant_bind(bind)) run_ddl(bind, true);
}
void Database::create_all(std::string_view bind) {
  engine(bind);  // an unknown bind is an error even when no model uses it
  run_ddl(bind, true);
}
void Database::drop_all() {
  for (const auto& bind : models_.binds())
    if (!binds_->is_tenant_bind(bind)) run_ddl(bind, false);
}
void Database::drop_all(std::string_view bind) {
  engine(bind);
  run_ddl(bind, false);
}

schema::LiveSchema Database::inspect(std::string_view bind) { return inspect_schema(engine(bind)); }

std::vector<schema::SchemaDifference> Database::check_schema() {
  std::vector<schema::SchemaDifference> out;
  for (const auto& bind : models_.binds()) {
    if (binds_->is_tenant_bind(bind)) continue;
    auto differences = schema::compare(inspect(bind), models_.tables(bind));
    out.insert(out.end(), differences.begin(), differences.end());
  }
  return out;
}

}  // namespace manydb
