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

  // `readonly` is sqlite3_stmt_readonly(stmt), which the connection caches.
  void start(sqlite3* db, sqlite3_stmt* stmt, bool readonly);
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
  using Kind = Cell::Kind;
  static std::string_view storage_name(Kind kind);

  bool step();
  void end_rows(int rc);
  void decode_row();
  Kind kind(std::size_t i) const;
  const Cell& cell(std::size_t i) const { return row_[i]; }

  const std::string& bind_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  bool pending_ = false;  // start() stepped onto a row that next() has not handed out yet
  bool done_ = true;
  bool readonly_ = true;
  std::int64_t rows_ = 0;
  // The row the statement is on, decoded once per step (see Cursor::Cell): the typed getters
  // read it without a call, and every sqlite3_column_* call would pay for the statement lookup
  // and error bookkeeping again.
  std::vector<Cell> row_;
};

}  // namespace manydb::engines::sqlite
