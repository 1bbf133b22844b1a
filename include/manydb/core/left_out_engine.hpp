#pragma once
// An engine whose folder is in the sources but whose CMake option (MANYDB_WITH_<NAME>) this
// build turned off: its URLs are refused with how to build it in, not as an unknown scheme.
#include <span>
#include <string>
#include <string_view>

#include "manydb/core/url.hpp"
#include "manydb/core/url_scheme.hpp"

namespace manydb {

struct LeftOutEngine {
  const UrlScheme* url_scheme;    // compiled in even when the engine is not
  std::string_view name;          // "PostgreSQL"
  std::string_view cmake_option;  // "MANYDB_WITH_POSTGRESQL"
};

// The engines this build of manydb left out (defined in the build's generated
// builtin_engines.cpp).
std::span<const LeftOutEngine> left_out_engines();

// The engine among `engines` that `scheme` (lower case) or `backend` names, or nullptr.
const LeftOutEngine* left_out_engine(std::string_view scheme,
                                     std::span<const LeftOutEngine> engines);
const LeftOutEngine* left_out_engine(Backend backend, std::span<const LeftOutEngine> engines);

// "postgresql:// URLs need the PostgreSQL engine, left out of this build: configure with
// -DMANYDB_WITH_POSTGRESQL=ON"
std::string left_out_message(std::string_view scheme, const LeftOutEngine& engine);

}  // namespace manydb
