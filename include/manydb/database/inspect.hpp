#pragma once
// Reads a bind's live tables, columns and indexes from the engine's own catalogue
// (sqlite_master and PRAGMAs, pg_catalog, information_schema).
#include "manydb/pool/engine.hpp"
#include "manydb/schema/live_schema.hpp"

namespace manydb {

schema::LiveSchema inspect_schema(Engine& engine);

}  // namespace manydb
