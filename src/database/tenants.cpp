#include "manydb/database/tenants.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "manydb/core/errors.hpp"
#include "manydb/core/tenant_id.hpp"
#include "manydb/driver/registry.hpp"
#include "manydb/schema/ddl.hpp"

namespace manydb {

namespace {

ConnectOptions options_for(const std::string& name) {
  ConnectOptions o;
  o.bind = name;
  o.connect_timeout = std::chrono::milliseconds(10'000);
  // CREATE and DROP DATABASE checkpoint on PostgreSQL: seconds each on a busy disk, and longer
  // when many run back to back.
  o.statement_timeout = std::chrono::milliseconds(300'000);
  return o;
}

// A connection to the server a tenant database lives on, not to that database: the one every
// PostgreSQL cluster has, none at all on MariaDB.
std::unique_ptr<Connection> connect_to_server(const Url& url, const std::string& name) {
  Url server = url;
  server.database = url.backend == Backend::postgresql ? "postgres" : "";
  return connect(server, options_for(name));
}

// A tenant database's name: the template's text around an id that may hold '-', which the
// identifiers of models may not. Only letters, digits, '_' and '-' pass, so quoting is enough.
std::string quoted_database(const Url& url) {
  const std::string& name = url.database;
  const bool ok = !name.empty() && name.find_first_not_of(
                                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789_-") == std::string::npos;
  if (!ok) {
    throw ConfigError("tenant database name '" + name +
                      "': a tenant bind's database name may hold only letters, digits, '_' and "
                      "'-' around {tenant}");
  }
  const char q = url.backend == Backend::mariadb ? '`' : '"';
  return q + name + q;
}

std::vector<std::filesystem::path> sqlite_files(const Url& url) {
  const std::filesystem::path path = url.sqlite_path();
  return {path, path.string() + "-wal", path.string() + "-shm", path.string() + "-journal"};
}

void create_database(const Url& url, const std::string& name) {
  if (url.backend == Backend::sqlite) {
    std::filesystem::create_directories(url.sqlite_path().parent_path());
    return;  // the file is made by the first connection (mode=rwc)
  }
  auto server = connect_to_server(url, name);
  const std::string quoted = quoted_database(url);
  if (url.backend == Backend::mariadb) {
    server->execute_script("CREATE DATABASE IF NOT EXISTS " + quoted);
    return;
  }
  if (server->query("SELECT 1 FROM pg_database WHERE datname = ?", {Value(url.database)}).next())
    return;
  try {
    server->execute_script("CREATE DATABASE " + quoted);
  } catch (const DatabaseError& e) {
    if (e.sqlstate() != "42P04") throw;  // duplicate_database: another create won the race
  }
}

void drop_database(const Url& url, const std::string& name) {
  if (url.backend == Backend::sqlite) {
    for (const auto& file : sqlite_files(url)) std::filesystem::remove(file);
    return;
  }
  auto server = connect_to_server(url, name);
  const std::string quoted = quoted_database(url);
  // WITH (FORCE): the connections other processes still hold to it are ended, not waited for.
  server->execute_script(url.backend == Backend::postgresql
                             ? "DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)"
                             : "DROP DATABASE IF EXISTS " + quoted);
}

}  // namespace

void Tenants::create_tables(const TenantRouter::Placement& placement, std::string_view tenant) {
  std::vector<const schema::TableInfo*> tables;
  for (const auto& bind : placement.binds) {
    for (const auto* t : models_.tables(bind)) tables.push_back(t);
  }
  Url url = placement.url;
  if (url.backend == Backend::sqlite) url.params["mode"] = "rwc";
  auto conn = connect(url, options_for(placement.engine_name(tenant)));
  for (const auto* table : schema::dependency_order(std::move(tables))) {
    for (const auto& sql : schema::create_statements(*table, conn->dialect()))
      conn->execute_script(sql);
  }
}

std::size_t Tenants::place_new_tenant() {
  std::vector<std::size_t> count(router_.server_count(), 0);
  for (const auto& t : router_.registry().list()) {
    if (t.server < count.size()) ++count[t.server];
  }
  return static_cast<std::size_t>(std::min_element(count.begin(), count.end()) - count.begin());
}

bool Tenants::create(std::string_view tenant) {
  validate_tenant_id(tenant);
  TenantRegistry& registry = router_.registry();
  registry.ensure_table();
  const auto listed = registry.find(tenant);
  const std::size_t server = listed ? listed->server : place_new_tenant();
  for (const auto& placement : router_.placements(tenant, server)) {
    create_database(placement.url, placement.engine_name(tenant));
    create_tables(placement, tenant);
  }
  if (listed) return false;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return registry.add({std::string(tenant), server, now.count()});
}

bool Tenants::drop(std::string_view tenant) {
  validate_tenant_id(tenant);
  const auto listed = router_.registry().find(tenant);
  const bool removed = router_.registry().remove(tenant);
  router_.close(tenant);
  for (std::size_t server = 0; server < router_.server_count(); ++server) {
    if (listed && listed->server != server) continue;
    for (const auto& placement : router_.placements(tenant, server))
      drop_database(placement.url, placement.engine_name(tenant));
  }
  return removed;
}

bool Tenants::exists(std::string_view tenant) {
  validate_tenant_id(tenant);
  return router_.registry().find(tenant).has_value();
}

std::vector<TenantRecord> Tenants::list() { return router_.registry().list(); }

void Tenants::create_all(std::string_view tenant) {
  validate_tenant_id(tenant);
  const auto listed = router_.registry().find(tenant);
  if (!listed)
    throw UnknownTenant("unknown tenant '" + std::string(tenant) + "'", std::string(tenant));
  for (const auto& placement : router_.placements(tenant, listed->server))
    create_tables(placement, tenant);
}

std::size_t Tenants::create_all() {
  const auto tenants = list();
  for (const auto& t : tenants) {
    for (const auto& placement : router_.placements(t.id, t.server)) create_tables(placement, t.id);
  }
  return tenants.size();
}

}  // namespace manydb
