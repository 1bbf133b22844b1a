#include "engines/sqlite/cursor.hpp"

#include <cstring>

#include "engines/sqlite/errors.hpp"

namespace manydb::engines::sqlite {

namespace {
bool declared_as(sqlite3_stmt* stmt, std::size_t i, const char* word) {
  const char* decl = sqlite3_column_decltype(stmt, static_cast<int>(i));
  return decl && strcasestr(decl, word) != nullptr;
}
}  // namespace

std::string_view SqliteCursor::storage_name(Kind kind) {
  switch (kind) {
    case Kind::int64: return "an integer";
    case Kind::real: return "a real";
    case Kind::text: return "text";
    case Kind::blob: return "a blob";
    default: return "NULL";
  }
}

// Throws the error when `rc` is one; either way, resets the statement so it holds no locks.
void SqliteCursor::end_rows(int rc) {
  done_ = true;
  if (rc == SQLITE_DONE) {
    if (!readonly_) rows_ = sqlite3_changes64(db_);
    sqlite3_reset(stmt_);
    if (on_end_) on_end_(on_end_context_);
    return;
  }
  sqlite3_reset(stmt_);
  if (on_end_) on_end_(on_end_context_);  // touches no SQLite state: the error is still there
  throw_error(db_, rc, bind_, sql_of(stmt_));
}

// The connection is opened with SQLITE_OPEN_NOMUTEX (multi-thread mode), where SQLite makes no
// distinction between protected and unprotected sqlite3_value objects: reading the column's
// value through the sqlite3_value_* functions is what sqlite3_column_* do internally. Text and
// blob pointers stay valid until the next step or reset, as sqlite3_column_text's do.
inline void SqliteCursor::decode_row() {
  static_assert(
      static_cast<int>(Kind::int64) == SQLITE_INTEGER &&
      static_cast<int>(Kind::real) == SQLITE_FLOAT && static_cast<int>(Kind::text) == SQLITE_TEXT &&
      static_cast<int>(Kind::blob) == SQLITE_BLOB && static_cast<int>(Kind::null) == SQLITE_NULL);
  Cell* cell = row_.data();
  for (std::size_t i = 0; i < columns_; ++i, ++cell) {
    sqlite3_value* v = sqlite3_column_value(stmt_, static_cast<int>(i));
    const int type = sqlite3_value_type(v);
    cell->kind = static_cast<Kind>(type);
    if (type == SQLITE_INTEGER) {
      cell->int64 = sqlite3_value_int64(v);
    } else if (type == SQLITE_TEXT) {
      cell->bytes = reinterpret_cast<const char*>(sqlite3_value_text(v));  // then its size
      if (!cell->bytes) [[unlikely]]
        throw_error(db_, SQLITE_NOMEM, bind_);
      cell->size = static_cast<std::uint32_t>(sqlite3_value_bytes(v));
    } else if (type == SQLITE_FLOAT) {
      cell->real = sqlite3_value_double(v);
    } else if (type == SQLITE_BLOB) {
      cell->bytes = static_cast<const char*>(sqlite3_value_blob(v));
      cell->size = static_cast<std::uint32_t>(sqlite3_value_bytes(v));
    }
  }
}

bool SqliteCursor::next() {
  if (pending_) {
    pending_ = false;
  } else {
    cell_count_ = 0;  // until a new row is decoded: the old one's pointers die with the step
    if (done_ || !step()) return false;
  }
  decode_row();
  cell_count_ = columns_;
  ++rows_read_;
  return true;
}

std::string_view SqliteCursor::column_name(std::size_t i) const {
  const char* name = sqlite3_column_name(stmt_, static_cast<int>(i));
  return name ? name : "";
}

// The storage class as the row holds it (as sqlite3_column_type, before any conversion).
SqliteCursor::Kind SqliteCursor::kind(std::size_t i) const {
  return i < cell_count_ ? row_[i].kind : Kind::null;
}

bool SqliteCursor::is_null(std::size_t i) const { return kind(i) == Kind::null; }
std::int64_t SqliteCursor::rows_affected() const { return rows_; }

// The read_* below run only for an index below columns_ (Cursor's getters check it), and only
// when the inline fast path in Cursor did not apply.
std::int64_t SqliteCursor::read_int64(std::size_t i) const {
  const Kind k = kind(i);
  if (k != Kind::int64) {
    if (k == Kind::null) throw_null(i, "int64");
    throw_type_mismatch(i, "int64", storage_name(k));
  }
  return cell(i).int64;
}

// An integer widens, as sqlite3_column_double would convert it.
double SqliteCursor::read_double(std::size_t i) const {
  const Kind k = kind(i);
  if (k == Kind::real) return cell(i).real;
  if (k == Kind::int64) return static_cast<double>(cell(i).int64);
  if (k == Kind::null) throw_null(i, "double");
  throw_type_mismatch(i, "double", storage_name(k));
}

bool SqliteCursor::read_bool(std::size_t i) const {
  if (kind(i) == Kind::null) throw_null(i, "bool");
  const std::int64_t v = read_int64(i);
  if (v != 0 && v != 1) throw_type_mismatch(i, "bool", "an integer other than 0 or 1");
  return v == 1;
}

std::string_view SqliteCursor::read_text(std::size_t i) const {
  const Kind k = kind(i);
  if (k != Kind::text) {
    if (k == Kind::null) throw_null(i, "std::string");
    throw_type_mismatch(i, "text", storage_name(k));
  }
  return {cell(i).bytes, cell(i).size};
}

Blob SqliteCursor::read_blob(std::size_t i) const {
  const Kind k = kind(i);
  if (k == Kind::null) throw_null(i, "manydb::Blob");
  if (k != Kind::blob && k != Kind::text) throw_type_mismatch(i, "blob", storage_name(k));
  const auto* p = reinterpret_cast<const std::byte*>(cell(i).bytes);
  return Blob(p, p + cell(i).size);
}

Timestamp SqliteCursor::read_timestamp(std::size_t i) const {
  const Kind k = kind(i);
  if (k == Kind::null) throw_null(i, "manydb::Timestamp");
  if (k != Kind::text) throw_type_mismatch(i, "timestamp", storage_name(k));
  return Timestamp::parse(read_text(i));
}

Value SqliteCursor::read_value(std::size_t i) const {
  switch (kind(i)) {
    case Kind::int64:
      if (declared_as(stmt_, i, "BOOL")) return Value(read_int64(i) != 0);
      return Value(read_int64(i));
    case Kind::real: return Value(read_double(i));
    case Kind::text:
      if (declared_as(stmt_, i, "TIMESTAMP") || declared_as(stmt_, i, "DATETIME")) {
        return Value(read_timestamp(i));
      }
      return Value(std::string(read_text(i)));
    case Kind::blob: return Value(read_blob(i));
    default: return Value();
  }
}

}  // namespace manydb::engines::sqlite
