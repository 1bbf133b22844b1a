#include "manydb/driver/cursor.hpp"

#include <string>

#include "manydb/core/errors.hpp"

namespace manydb {

void Cursor::throw_type_mismatch(std::size_t i, std::string_view wanted,
                                 std::string_view held) const {
  std::string msg = "column ";
  msg += std::to_string(i);
  msg.append(" ('").append(column_name(i)).append("') holds ").append(held);
  msg.append("; it cannot be read as ").append(wanted);
  throw DataError(msg);
}

void Cursor::throw_null(std::size_t i, std::string_view wanted) const {
  std::string msg = "column ";
  msg += std::to_string(i);
  msg.append(" ('").append(column_name(i)).append("') is NULL; read it as std::optional<");
  msg.append(wanted).append(">");
  throw DataError(msg);
}

// Called only when column `i` is out of range or NULL (the getters check first, so that the
// common path costs one virtual call and no argument set-up): throws the DataError.
void Cursor::require_value(std::size_t i, std::string_view wanted) const {
  if (i >= column_count()) {
    throw DataError("column index " + std::to_string(i) + " is out of range: the row has " +
                    std::to_string(column_count()) + " columns");
  }
  throw_null(i, wanted);
}

Blob Cursor::get_blob(std::size_t i) const {
  if (i >= columns_) [[unlikely]]
    require_value(i, "manydb::Blob");
  return read_blob(i);
}
Timestamp Cursor::get_timestamp(std::size_t i) const {
  if (i >= columns_) [[unlikely]]
    require_value(i, "manydb::Timestamp");
  return read_timestamp(i);
}
Value Cursor::get_value(std::size_t i) const {
  if (i >= columns_) [[unlikely]]
    require_value(i, "manydb::Value");
  if (is_null(i)) return Value();
  return read_value(i);
}

}  // namespace manydb

namespace manydb {

Result read_all(Cursor& cursor) {
  Result result;
  const std::size_t n = cursor.column_count();
  result.columns.reserve(n);
  for (std::size_t i = 0; i < n; ++i) result.columns.emplace_back(cursor.column_name(i));
  while (cursor.next()) {
    auto& row = result.rows.emplace_back();
    row.reserve(n);
    for (std::size_t i = 0; i < n; ++i) row.push_back(cursor.get_value(i));
  }
  result.rows_affected = cursor.rows_affected();
  return result;
}

}  // namespace manydb
