#include "manydb/driver/registry.hpp"

#include <string>

#include "manydb/core/errors.hpp"

namespace manydb {

const EngineEntry& registered_engine(Backend backend) {
  for (const EngineEntry& entry : builtin_engines()) {
    if (entry.backend == backend) return entry;
  }
  throw ConfigError("this build of manydb has no " + std::string(to_string(backend)) +
                    " engine (CMake option MANYDB_ENGINE_" + std::string(to_string(backend)) + ")");
}

}  // namespace manydb
