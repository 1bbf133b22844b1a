#pragma once
#include <sqlite3.h>

#include <string_view>

namespace manydb::engines::sqlite {

// Throws the typed error for the last failure on `db`, naming `bind`.
[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view bind);

}  // namespace manydb::engines::sqlite
