#pragma once
// Maps MariaDB error numbers (server and client) to manydb::ErrorKind.
#include <string>
#include <string_view>

#include "manydb/core/errors.hpp"

namespace manydb::engines::mariadb {

ErrorKind error_kind(unsigned code);
// True when the error means the session is gone: the connection must not be reused.
bool is_connection_lost(unsigned code);

// A failure as Connector/C reports it: mysql_errno() and mysql_sqlstate() (or their
// mysql_stmt_ twins). The SQLSTATE is kept as MariaDB sent it, "HY000" (its "general error",
// for errors without a state of their own) included; "00000" or none is no SQLSTATE.
struct Reported {
  unsigned code;
  const char* sqlstate;
};
ErrorCodes codes_of(const Reported& reported);

// The server's message without the bound value it quotes: "Duplicate entry '...' for key 'k'",
// "Incorrect integer value: '...' for column ...", and the like.
std::string message_without_values(unsigned code, std::string message);

// Throws the mapped exception; the message is redacted of `password`, of the value it quotes
// and trimmed.
[[noreturn]] void throw_error(std::string_view bind, const Reported& reported,
                              std::string_view message, std::string_view password);

}  // namespace manydb::engines::mariadb
