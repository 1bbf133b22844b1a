#pragma once
// Provisioning of tenants (docs/tenants.md): what `manydb tenant create|drop|list|create-all`
// runs. Every operation is idempotent and safe while other processes serve the tenants:
// create makes the databases (or files) and tables first and lists the tenant last, so it
// serves nowhere before it is whole; drop unlists it first, so no new session reaches it.
#include <string_view>
#include <vector>

#include "manydb/routing/tenant_router.hpp"
#include "manydb/schema/registry.hpp"

namespace manydb {

class Tenants {
 public:
  Tenants(TenantRouter& router, const schema::ModelRegistry& models)
      : router_(router), models_(models) {}

  // Creates what the tenant lacks: its databases, its tenant models' tables, its registry entry
  // (on the server with the fewest tenants when it is new). False when it was listed already.
  // Throws ConfigError for an invalid id.
  bool create(std::string_view tenant);
  // Unlists the tenant, closes this process's engines of it, then drops its databases (files)
  // with every row: on PostgreSQL other processes' connections to them are ended. False when
  // it was not listed (its databases, if any were left half-made, are dropped all the same).
  bool drop(std::string_view tenant);
  bool exists(std::string_view tenant);
  std::vector<TenantRecord> list();
  // CREATE TABLE / INDEX IF NOT EXISTS for the tenant models, in one tenant or in every one
  // (returns how many).
  void create_all(std::string_view tenant);
  std::size_t create_all();

  TenantStats stats() const { return router_.stats(); }

 private:
  void create_tables(const TenantRouter::Placement& placement, std::string_view tenant);
  std::size_t place_new_tenant();

  TenantRouter& router_;
  const schema::ModelRegistry& models_;
};

}  // namespace manydb
