#pragma once
// The version of the manydb library, as CMake's project() declares it ("0.1.0").

namespace manydb {

const char* version() noexcept;

}  // namespace manydb
