#pragma once
// A Database with tenant binds on every engine: `items` and `notes` share one template (one
// database per tenant), `accounts` is a shared bind, and the registry is the default bind. Every
// tenant it made is dropped in TearDown.
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "engine_fixture.hpp"

namespace manydb::testing {

struct Item {
  std::int64_t id = 0;
  std::string name;
  static constexpr std::string_view bind_key = "items";
  static constexpr auto mapping() {
    return schema::table("item", schema::column("id", &Item::id, schema::primary_key),
                         schema::column("name", &Item::name, schema::varchar(40)));
  }
};

struct Note {
  std::int64_t id = 0;
  std::string text;
  static constexpr std::string_view bind_key = "notes";
  static constexpr auto mapping() {
    return schema::table("note", schema::column("id", &Note::id, schema::primary_key),
                         schema::column("text", &Note::text, schema::varchar(40)));
  }
};

struct Account {
  std::int64_t id = 0;
  std::string name;
  static constexpr std::string_view bind_key = "accounts";
  static constexpr auto mapping() {
    return schema::table("account", schema::column("id", &Account::id, schema::primary_key),
                         schema::column("name", &Account::name, schema::varchar(40)));
  }
};

class TenantTest : public EngineTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // A URL template for the tenants' databases: `pattern` tells it from another server's.
  std::string tenant_template(const std::string& pattern = "t") const;
  // A configuration with the registry, the shared bind and the tenant binds.
  DatabaseConfig config(const std::string& pattern = "t") const;
  // Opens `config` as db_ (and remembers it for TearDown's drops).
  Database& open(const DatabaseConfig& config);
  // A tenant id unique to this test process.
  std::string id(const std::string& name) const { return name + "-" + std::to_string(::getpid()); }
  // A connection to the tenant's database itself, around manydb's routing.
  std::unique_ptr<Connection> connect_tenant(const std::string& tenant,
                                             const std::string& pattern = "t") const;
  // Whether the tenant's database (file) exists.
  bool tenant_database_exists(const std::string& tenant, const std::string& pattern = "t") const;
  // The databases (files) this process's tenants have now.
  std::size_t tenant_databases() const;
  std::vector<std::string> names_in(Connection& c, const std::string& table);
  // The sessions the server has open to this process's tenant databases, asked on `c`.
  std::int64_t sessions_at_server(Connection& c) const;

  std::string registry_, accounts_;
  std::filesystem::path sqlite_dir_;
  std::optional<Database> db_;
};

}  // namespace manydb::testing
