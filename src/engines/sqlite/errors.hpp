#pragma once
#include <sqlite3.h>

#include <string_view>

namespace manydb::engines::sqlite {

// Throws the typed error for the last failure on `db`, naming `bind` and the statement `sql`
// (empty when the failure was no statement's). SQLite has no SQLSTATE: the error carries the
// extended result code as its native code.
[[noreturn]] void throw_error(sqlite3* db, int rc, std::string_view bind,
                              std::string_view sql = {});

// The SQL text `stmt` was prepared from, without the values bound to it (sqlite3_sql).
std::string_view sql_of(sqlite3_stmt* stmt);

}  // namespace manydb::engines::sqlite
