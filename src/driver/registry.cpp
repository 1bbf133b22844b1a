#include "manydb/driver/registry.hpp"

#include <string>

#include "manydb/core/errors.hpp"
#include "manydb/core/left_out_engine.hpp"

namespace manydb {

const EngineEntry& registered_engine(Backend backend) {
  for (const EngineEntry& entry : builtin_engines()) {
    if (entry.backend == backend) return entry;
  }
  if (const LeftOutEngine* engine = left_out_engine(backend, left_out_engines())) {
    throw ConfigError(left_out_message(engine->url_scheme->schemes.front(), *engine));
  }
  throw ConfigError("this build of manydb has no " + std::string(to_string(backend)) + " engine");
}

}  // namespace manydb
