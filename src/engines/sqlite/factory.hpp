#pragma once
// The sqlite engine's entry points, listed in the build's generated builtin_engines.cpp (the
// driver's registry); nothing else includes this engine's files.
#include <memory>

#include "manydb/core/url_scheme.hpp"
#include "manydb/driver/connection.hpp"
#include "manydb/driver/dialect.hpp"

namespace manydb::engines::sqlite {

const Dialect& dialect();
std::unique_ptr<Connection> connect(const Url& url, const ConnectOptions& options);
extern const UrlScheme url_scheme;

}  // namespace manydb::engines::sqlite
