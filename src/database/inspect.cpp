#include "manydb/database/inspect.hpp"

namespace manydb {

schema::LiveSchema inspect_schema(Engine& engine) {
  Lease lease = engine.connect();
  const CatalogueQuery query = [&](std::string_view sql, std::span<const Value> params) -> Cursor& {
    return lease.query(sql, params);
  };
  return {engine.bind(), engine.url().backend, engine.dialect().read_catalogue(query)};
}

}  // namespace manydb
