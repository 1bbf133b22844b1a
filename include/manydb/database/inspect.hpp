#pragma once
// Reads a bind's live tables, columns and indexes from the engine's own catalogue, through its
// dialect (Dialect::read_catalogue).
#include "manydb/pool/engine.hpp"
#include "manydb/schema/live_schema.hpp"

namespace manydb {

schema::LiveSchema inspect_schema(Engine& engine);

}  // namespace manydb
