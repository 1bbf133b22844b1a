#pragma once
// Maps MariaDB error numbers (server and client) to manydb::ErrorKind.
#include <string_view>

#include "manydb/core/errors.hpp"

namespace manydb::engines::mariadb {

ErrorKind error_kind(unsigned code);
// True when the error means the session is gone: the connection must not be reused.
bool is_connection_lost(unsigned code);
// Throws the mapped exception; the message is redacted of `password` and trimmed.
[[noreturn]] void throw_error(std::string_view bind, unsigned code, std::string_view message,
                              std::string_view password);

}  // namespace manydb::engines::mariadb
