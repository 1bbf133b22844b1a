#pragma once
// The engines this library was built with, each registered by its own folder (src/engines/X,
// CMake option MANYDB_WITH_X): the driver layer reaches an engine only through here, so that
// adding one touches that folder and its build option.
#include <memory>
#include <span>

#include "manydb/core/url.hpp"
#include "manydb/driver/connection.hpp"
#include "manydb/driver/dialect.hpp"

namespace manydb {

struct EngineEntry {
  Backend backend;
  const Dialect& (*dialect)();
  std::unique_ptr<Connection> (*connect)(const Url& url, const ConnectOptions& options);
};

// The engine that serves `backend`; ConfigError when this build of manydb leaves it out.
const EngineEntry& registered_engine(Backend backend);

// Every engine built in (defined in the build's generated builtin_engines.cpp).
std::span<const EngineEntry> builtin_engines();

}  // namespace manydb
