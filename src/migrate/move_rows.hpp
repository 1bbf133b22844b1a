#pragma once
// A moving table's rows as its model declares them: read by each column's declared type (so
// a boolean, a time or a double reads the same whatever the engine returns), the key in order,
// a checksum of a run of rows, and the statements the backfill and the verify send.
#include <cstdint>
#include <string>
#include <vector>

#include "manydb/driver/cursor.hpp"
#include "manydb/driver/dialect.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb::migrate {

class MoveRows {
 public:
  // ConfigError when the table's key is neither an integer nor text.
  explicit MoveRows(const schema::TableInfo& table);

  const schema::TableInfo& table() const { return table_; }
  std::size_t columns() const { return table_.columns.size(); }
  std::size_t key() const { return table_.primary_key; }

  // Column `i` of the cursor's row as column i's declared type; NULL as a null Value.
  Value read(const Cursor& cursor, std::size_t i) const;
  // Appends every column of the cursor's row.
  void read_row(const Cursor& cursor, std::vector<Value>& out) const;
  // A key as manydb_moves keeps it (text), and back.
  static std::string key_text(const Value& key);
  Value key_value(const std::string& text) const;

  // SELECT every column [WHERE key > ?] ORDER BY key LIMIT n [lock].
  std::string select_after(const Dialect& dialect, bool has_lower, std::size_t limit,
                           bool lock_for_share) const;
  // SELECT every column WHERE key > ? (when has_after) AND key <= ? (when has_last) ORDER BY key.
  std::string select_range(const Dialect& dialect, bool has_after, bool has_last) const;
  // SELECT the key [WHERE key > ?] ORDER BY key DESC LIMIT 1: the largest key (above one).
  std::string select_last_key(const Dialect& dialect, bool has_after) const;
  // The key that select_last_key's cursor holds, as the key column's declared type.
  Value read_key(const Cursor& cursor) const;
  // INSERT of `rows` rows, skipping the keys there already.
  std::string insert_skipping(const Dialect& dialect, std::size_t rows) const;
  // The bulk path where the dialect copies_rows(): a temporary table of the same columns,
  // dropped when the transaction ends, the COPY into it, and the INSERT ... SELECT from it
  // that skips the keys there already.
  std::string create_stage(const Dialect& dialect) const;
  std::string copy_into_table(const Dialect& dialect) const;
  // SELECT 1 WHERE key > ? (when has_after) AND key <= ? LIMIT 1: whether a range holds a row.
  std::string select_any_in_range(const Dialect& dialect, bool has_after) const;
  std::string copy_into_stage(const Dialect& dialect) const;
  std::string insert_from_stage(const Dialect& dialect) const;
  // Rows per INSERT within the engines' parameter limits.
  std::size_t rows_per_insert() const;

 private:
  std::string column_list(const Dialect& dialect) const;
  const schema::TableInfo& table_;
};

// 64-bit FNV-1a over a run of rows, each value tagged with its type and normalised (a double
// by its bits, a time in microseconds): equal for equal rows read from any engine.
class RowChecksum {
 public:
  void add(const Value& value);
  std::uint64_t value() const { return hash_; }

 private:
  void bytes(const void* data, std::size_t size);
  std::uint64_t hash_ = 14695981039346656037ULL;
};

}  // namespace manydb::migrate
