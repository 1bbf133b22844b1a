#include "manydb/core/version.hpp"

namespace manydb {

const char* version() noexcept { return MANYDB_VERSION; }

}  // namespace manydb
