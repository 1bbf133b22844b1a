#include "engines/sqlite/errors.hpp"

#include <string>

#include "manydb/core/errors.hpp"

namespace manydb::engines::sqlite {

namespace {
ErrorKind kind_of(int extended) {
  switch (extended) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY: return ErrorKind::unique;
    case SQLITE_CONSTRAINT_FOREIGNKEY: return ErrorKind::foreign_key;
    case SQLITE_CONSTRAINT_NOTNULL: return ErrorKind::not_null;
    case SQLITE_CONSTRAINT_CHECK: return ErrorKind::check;
    // A WAL read transaction that tried to write after another connection committed: its
    // snapshot is stale, and only running the transaction again from its start can succeed
    // (retrying the statement cannot). PostgreSQL's 40001 in effect.
    case SQLITE_BUSY_SNAPSHOT: return ErrorKind::serialization;
  }
  switch (extended & 0xff) {
    case SQLITE_CONSTRAINT: return ErrorKind::integrity;
    case SQLITE_BUSY: return ErrorKind::lock_timeout;  // busy_timeout expired
    case SQLITE_LOCKED: return ErrorKind::timeout;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB: return ErrorKind::connection;
    case SQLITE_ERROR:
    case SQLITE_RANGE:
    case SQLITE_MISUSE: return ErrorKind::programming;
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG: return ErrorKind::data;
    default: return ErrorKind::operational;
  }
}
}  // namespace

void throw_error(sqlite3* db, int rc, std::string_view bind, std::string_view sql) {
  const int extended = db ? sqlite3_extended_errcode(db) : rc;
  const std::string what = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw_database_error(kind_of(extended), bind, ErrorCodes{.sqlstate = {}, .native = extended},
                       what, sql);
}

std::string_view sql_of(sqlite3_stmt* stmt) {
  const char* text = stmt ? sqlite3_sql(stmt) : nullptr;
  return text ? text : "";
}

}  // namespace manydb::engines::sqlite
