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
  bool done() const { return done_; }
  // Called once the statement has run to its end or failed, after its reset: a write outside a
  // transaction has then committed or rolled back, and its connection can give the gate back.
  void on_end(void (*hook)(void*), void* context) {
    on_end_ = hook;
    on_end_context_ = context;
  }

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
  void (*on_end_)(void*) = nullptr;
  void* on_end_context_ = nullptr;
  // The row the statement is on, decoded once per step (see Cursor::Cell): the typed getters
  // read it without a call, and every sqlite3_column_* call would pay for the statement lookup
  // and error bookkeeping again.
  std::vector<Cell> row_;
};

// start(), finish() and step() are inline: they run once or more per statement, and the
// connection's run_statement() would otherwise pay a call for each. The end of the rows and
// errors go out of line.
inline bool SqliteCursor::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) [[likely]] {
    if (!readonly_) ++rows_;  // rows handed back by RETURNING
    return true;
  }
  end_rows(rc);
  return false;
}

inline void SqliteCursor::start(sqlite3* db, sqlite3_stmt* stmt, bool readonly) {
  db_ = db;
  stmt_ = stmt;
  readonly_ = readonly;
  rows_ = 0;
  done_ = false;
  cell_count_ = 0;
  pending_ = step();
  // Counted after the first step: a schema change makes that step prepare the statement again,
  // and "SELECT *" may then return another number of columns.
  columns_ = static_cast<std::size_t>(sqlite3_column_count(stmt));
  if (row_.size() < columns_) row_.resize(columns_);
  cells_ = row_.data();
}

inline void SqliteCursor::finish() {
  if (stmt_ && !done_) sqlite3_reset(stmt_);
  done_ = true;
  pending_ = false;
  cell_count_ = 0;
}

}  // namespace manydb::engines::sqlite
