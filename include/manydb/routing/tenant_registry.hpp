#pragma once
// The list of tenants: a table manydb_tenants in one shared bind (TenantSettings::registry),
// so every process that serves them, and the command that creates them, see the same list.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/pool/engine.hpp"

namespace manydb {

struct TenantRecord {
  std::string id;
  std::size_t server = 0;       // index into its tenant binds' servers
  std::int64_t created_at = 0;  // milliseconds since the epoch
};

class TenantRegistry {
 public:
  explicit TenantRegistry(Engine& engine) : engine_(engine) {}

  Engine& engine() { return engine_; }
  // CREATE TABLE IF NOT EXISTS; idempotent.
  void ensure_table();
  // nullopt when the tenant is not listed, or when no tenant was ever created (no table).
  std::optional<TenantRecord> find(std::string_view tenant);
  // false when the tenant was listed already (its record is kept as it was).
  bool add(const TenantRecord& record);
  // false when it was not listed.
  bool remove(std::string_view tenant);
  // Every tenant, by id.
  std::vector<TenantRecord> list();

 private:
  Engine& engine_;
};

}  // namespace manydb
