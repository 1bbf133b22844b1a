#pragma once
// The rows of one MariaDB statement: a stored binary-protocol result of a prepared statement,
// or (for statements the server refuses to prepare) a stored text-protocol result.
#include <mysql.h>

#include <cstdint>
#include <string>
#include <vector>

#include "manydb/driver/cursor.hpp"

namespace manydb::engines::mariadb {

class MariadbConnection;

// How a column is fetched and which reads it allows.
enum class ColumnKind { integer, boolean, real, decimal, text, binary, datetime, other };

class MariadbCursor final : public Cursor {
 public:
  explicit MariadbCursor(MariadbConnection& owner) : owner_(owner) {}
  ~MariadbCursor() override { reset(); }

  // Frees the current result; the cursor then has no rows and no columns.
  void reset();
  void set_rows_affected(std::int64_t n) { rows_affected_ = n; }
  // Remembers a statement that produced no rows, so reset() can drain what follows it.
  void attach(MYSQL_STMT* stmt) { stmt_ = stmt; }
  // Takes a prepared statement whose result was stored, and its metadata (owned from now on).
  void open_statement(MYSQL_STMT* stmt, MYSQL_RES* meta);
  // Takes a stored text-protocol result (owned from now on).
  void open_text(MYSQL_RES* result);

  bool next() override;
  std::size_t column_count() const override { return columns_; }
  std::string_view column_name(std::size_t i) const override;
  bool is_null(std::size_t i) const override;
  std::int64_t rows_affected() const override { return rows_affected_; }

 protected:
  std::int64_t read_int64(std::size_t i) const override;
  double read_double(std::size_t i) const override;
  bool read_bool(std::size_t i) const override;
  std::string_view read_text(std::size_t i) const override;
  Blob read_blob(std::size_t i) const override;
  Timestamp read_timestamp(std::size_t i) const override;
  Value read_value(std::size_t i) const override;

 private:
  // One column's fetch buffer, kept across statements so its memory is reused.
  struct Slot {
    ColumnKind kind = ColumnKind::other;
    bool is_unsigned = false;
    std::vector<char> bytes;  // text, binary, decimal and other columns
    std::int64_t integer = 0;
    double real = 0;
    MYSQL_TIME time{};
    unsigned long length = 0;
    my_bool null = 0;
    my_bool error = 0;
  };

  void bind_results();
  void bind_slot(MYSQL_FIELD& field, Slot& slot, MYSQL_BIND& bind);
  void refetch_truncated();
  bool next_text_row();
  std::string_view bytes_at(std::size_t i) const;
  std::int64_t integer_at(std::size_t i) const;
  double real_at(std::size_t i) const;
  Timestamp time_at(std::size_t i) const;
  std::string_view held(std::size_t i) const;
  // Throws the DataError when column i of the current row is NULL.
  void require_present(std::size_t i, std::string_view wanted) const {
    if (text_ != nullptr ? row_ == nullptr || row_[i] == nullptr : slots_[i].null != 0) [[unlikely]]
      throw_null(i, wanted);
  }

  MariadbConnection& owner_;
  MYSQL_STMT* stmt_ = nullptr;
  MYSQL_RES* meta_ = nullptr;  // binary protocol: column metadata only
  MYSQL_RES* text_ = nullptr;  // text protocol: the rows themselves
  MYSQL_ROW row_ = nullptr;
  unsigned long* lengths_ = nullptr;
  MYSQL_FIELD* fields_ = nullptr;
  std::int64_t rows_affected_ = 0;
  std::vector<Slot> slots_;
  std::vector<MYSQL_BIND> binds_;
};

ColumnKind column_kind(const MYSQL_FIELD& field);
Timestamp to_timestamp(const MYSQL_TIME& time);
MYSQL_TIME to_mysql_time(Timestamp ts);

}  // namespace manydb::engines::mariadb
