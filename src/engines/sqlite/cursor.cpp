#include "engines/sqlite/cursor.hpp"

#include <algorithm>
#include <cstring>

#include "engines/sqlite/errors.hpp"

namespace manydb::engines::sqlite {

namespace {
std::string_view storage_name(int type) {
  switch (type) {
    case SQLITE_INTEGER: return "an integer";
    case SQLITE_FLOAT: return "a real";
    case SQLITE_TEXT: return "text";
    case SQLITE_BLOB: return "a blob";
    default: return "NULL";
  }
}
bool declared_as(sqlite3_stmt* stmt, std::size_t i, const char* word) {
  const char* decl = sqlite3_column_decltype(stmt, static_cast<int>(i));
  return decl && strcasestr(decl, word) != nullptr;
}
}  // namespace

void SqliteCursor::start(sqlite3* db, sqlite3_stmt* stmt) {
  db_ = db;
  stmt_ = stmt;
  columns_ = static_cast<std::size_t>(sqlite3_column_count(stmt));
  if (values_.size() < columns_) values_.resize(columns_);
  readonly_ = sqlite3_stmt_readonly(stmt) != 0;
  rows_ = 0;
  done_ = false;
  on_row_ = false;
  pending_ = step();
}

bool SqliteCursor::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    if (!readonly_) ++rows_;  // rows handed back by RETURNING
    std::fill_n(values_.begin(), columns_, Column{});
    return true;
  }
  done_ = true;
  if (rc == SQLITE_DONE) {
    if (!readonly_) rows_ = sqlite3_changes64(db_);
    sqlite3_reset(stmt_);
    return false;
  }
  sqlite3_reset(stmt_);
  throw_error(db_, rc, bind_);
}

void SqliteCursor::finish() {
  if (stmt_ && !done_) sqlite3_reset(stmt_);
  done_ = true;
  on_row_ = false;
  pending_ = false;
}

bool SqliteCursor::next() {
  if (pending_) {
    pending_ = false;
    on_row_ = true;
  } else {
    on_row_ = !done_ && step();
  }
  return on_row_;
}

std::string_view SqliteCursor::column_name(std::size_t i) const {
  const char* name = sqlite3_column_name(stmt_, static_cast<int>(i));
  return name ? name : "";
}

// The connection is opened with SQLITE_OPEN_NOMUTEX (multi-thread mode), where SQLite makes no
// distinction between protected and unprotected sqlite3_value objects: reading the column's
// value through the sqlite3_value_* functions is what sqlite3_column_* do internally.
const SqliteCursor::Column& SqliteCursor::column(std::size_t i) const {
  Column& c = values_[i];
  if (c.value == nullptr) {
    c.value = sqlite3_column_value(stmt_, static_cast<int>(i));
    c.type = sqlite3_value_type(c.value);
  }
  return c;
}

sqlite3_value* SqliteCursor::value(std::size_t i) const { return column(i).value; }

// The storage class as the row holds it (as sqlite3_column_type, before any conversion).
int SqliteCursor::type_of(std::size_t i) const {
  return on_row_ && i < columns_ ? column(i).type : SQLITE_NULL;
}

bool SqliteCursor::is_null(std::size_t i) const { return type_of(i) == SQLITE_NULL; }
std::int64_t SqliteCursor::rows_affected() const { return rows_; }

// The read_* below run only for an index below columns_ (Cursor's getters check it).
std::int64_t SqliteCursor::read_int64(std::size_t i) const {
  const int type = type_of(i);
  if (type != SQLITE_INTEGER) [[unlikely]] {
    if (type == SQLITE_NULL) throw_null(i, "int64");
    throw_type_mismatch(i, "int64", storage_name(type));
  }
  return sqlite3_value_int64(values_[i].value);
}

double SqliteCursor::read_double(std::size_t i) const {
  const int type = type_of(i);
  if (type != SQLITE_FLOAT && type != SQLITE_INTEGER) [[unlikely]] {
    if (type == SQLITE_NULL) throw_null(i, "double");
    throw_type_mismatch(i, "double", storage_name(type));
  }
  return sqlite3_value_double(values_[i].value);
}

bool SqliteCursor::read_bool(std::size_t i) const {
  if (type_of(i) == SQLITE_NULL) throw_null(i, "bool");
  const std::int64_t v = read_int64(i);
  if (v != 0 && v != 1) throw_type_mismatch(i, "bool", "an integer other than 0 or 1");
  return v == 1;
}

std::string_view SqliteCursor::read_text(std::size_t i) const {
  const int type = type_of(i);
  if (type != SQLITE_TEXT) [[unlikely]] {
    if (type == SQLITE_NULL) throw_null(i, "std::string");
    throw_type_mismatch(i, "text", storage_name(type));
  }
  sqlite3_value* v = values_[i].value;
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
  return {p, static_cast<std::size_t>(sqlite3_value_bytes(v))};
}

Blob SqliteCursor::read_blob(std::size_t i) const {
  const int type = type_of(i);
  if (type == SQLITE_NULL) throw_null(i, "manydb::Blob");
  if (type != SQLITE_BLOB && type != SQLITE_TEXT)
    throw_type_mismatch(i, "blob", storage_name(type));
  const auto* p = static_cast<const std::byte*>(sqlite3_value_blob(value(i)));
  const auto n = static_cast<std::size_t>(sqlite3_value_bytes(value(i)));
  return Blob(p, p + n);
}

Timestamp SqliteCursor::read_timestamp(std::size_t i) const {
  const int type = type_of(i);
  if (type == SQLITE_NULL) throw_null(i, "manydb::Timestamp");
  if (type != SQLITE_TEXT) throw_type_mismatch(i, "timestamp", storage_name(type));
  return Timestamp::parse(read_text(i));
}

Value SqliteCursor::read_value(std::size_t i) const {
  switch (type_of(i)) {
    case SQLITE_INTEGER:
      if (declared_as(stmt_, i, "BOOL")) return Value(read_int64(i) != 0);
      return Value(read_int64(i));
    case SQLITE_FLOAT: return Value(read_double(i));
    case SQLITE_TEXT:
      if (declared_as(stmt_, i, "TIMESTAMP") || declared_as(stmt_, i, "DATETIME")) {
        return Value(read_timestamp(i));
      }
      return Value(std::string(read_text(i)));
    case SQLITE_BLOB: return Value(read_blob(i));
    default: return Value();
  }
}

}  // namespace manydb::engines::sqlite
