#pragma once
#include <sqlite3.h>

#include <string>
#include <vector>

#include "manydb/driver/cursor.hpp"

namespace manydb::engines::sqlite {

// Steps one prepared statement. The first step happens in start(), so that errors raised by
// the statement (constraints, busy) surface from Connection::query, not from next().
class SqliteCursor final : public Cursor {
 public:
  explicit SqliteCursor(const std::string& bind) : bind_(bind) {}

  void start(sqlite3* db, sqlite3_stmt* stmt);
  void finish();  // resets the statement so it holds no read snapshot

  bool next() override;
  std::size_t column_count() const override { return columns_; }
  std::string_view column_name(std::size_t i) const override;
  bool is_null(std::size_t i) const override;
  std::int64_t rows_affected() const override;

 protected:
  std::int64_t read_int64(std::size_t i) const override;
  double read_double(std::size_t i) const override;
  bool read_bool(std::size_t i) const override;
  std::string_view read_text(std::size_t i) const override;
  Blob read_blob(std::size_t i) const override;
  Timestamp read_timestamp(std::size_t i) const override;
  Value read_value(std::size_t i) const override;

 private:
  bool step();
  int type_of(std::size_t i) const;
  sqlite3_value* value(std::size_t i) const;

  const std::string& bind_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool pending_ = false;  // start() stepped onto a row that next() has not handed out yet
  bool on_row_ = false;
  bool done_ = true;
  bool readonly_ = true;
  std::int64_t rows_ = 0;
  // The current row's columns, fetched once each: every sqlite3_column_* call pays for the
  // statement lookup and error bookkeeping, so a typed read asks for the column only once.
  struct Column {
    sqlite3_value* value = nullptr;
    int type = SQLITE_NULL;
  };
  const Column& column(std::size_t i) const;
  mutable std::vector<Column> values_;
};

}  // namespace manydb::engines::sqlite
