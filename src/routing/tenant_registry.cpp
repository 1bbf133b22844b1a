#include "manydb/routing/tenant_registry.hpp"

#include "manydb/core/errors.hpp"

namespace manydb {

namespace {
constexpr std::string_view kCreate =
    "CREATE TABLE IF NOT EXISTS manydb_tenants (tenant VARCHAR(63) NOT NULL PRIMARY KEY, "
    "server INTEGER NOT NULL, created_at BIGINT NOT NULL)";

TenantRecord record_of(const std::vector<Value>& row) {
  return {row[0].as_text(), static_cast<std::size_t>(row[1].as_int64()), row[2].as_int64()};
}
}  // namespace

void TenantRegistry::ensure_table() { engine_.execute(kCreate); }

std::optional<TenantRecord> TenantRegistry::find(std::string_view tenant) {
  Result r;
  try {
    r = engine_.execute("SELECT tenant, server, created_at FROM manydb_tenants WHERE tenant = ?",
                        {Value(std::string(tenant))});
  } catch (const ProgrammingError&) {
    return std::nullopt;  // no such table: no tenant was ever created here
  }
  if (r.rows.empty()) return std::nullopt;
  return record_of(r.rows.front());
}

bool TenantRegistry::add(const TenantRecord& record) {
  try {
    engine_.execute("INSERT INTO manydb_tenants (tenant, server, created_at) VALUES (?, ?, ?)",
                    {Value(record.id), Value(static_cast<std::int64_t>(record.server)),
                     Value(record.created_at)});
    return true;
  } catch (const UniqueViolation&) {
    return false;
  }
}

bool TenantRegistry::remove(std::string_view tenant) {
  try {
    return engine_
               .execute("DELETE FROM manydb_tenants WHERE tenant = ?", {Value(std::string(tenant))})
               .rows_affected > 0;
  } catch (const ProgrammingError&) {
    return false;
  }
}

std::vector<TenantRecord> TenantRegistry::list() {
  std::vector<TenantRecord> out;
  try {
    for (const auto& row :
         engine_.execute("SELECT tenant, server, created_at FROM manydb_tenants ORDER BY tenant")
             .rows)
      out.push_back(record_of(row));
  } catch (const ProgrammingError&) {
  }
  return out;
}

}  // namespace manydb
