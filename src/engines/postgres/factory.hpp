#pragma once
// The postgres engine as the driver layer sees it; nothing else includes this engine's files.
#include <memory>

#include "manydb/driver/connection.hpp"
#include "manydb/driver/dialect.hpp"

namespace manydb::engines::postgres {

const Dialect& dialect();
std::unique_ptr<Connection> connect(const Url& url, const ConnectOptions& options);

}  // namespace manydb::engines::postgres
