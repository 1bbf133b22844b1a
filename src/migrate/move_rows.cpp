#include "move_rows.hpp"

#include <algorithm>
#include <cstring>

#include "manydb/core/errors.hpp"

namespace manydb::migrate {

MoveRows::MoveRows(const schema::TableInfo& table) : table_(table) {
  const ValueType key = table.columns.at(table.primary_key).type;
  if (key != ValueType::int64 && key != ValueType::text) {
    throw ConfigError("table '" + table.name +
                      "' cannot be moved: its primary key is neither an integer nor text");
  }
}

Value MoveRows::read(const Cursor& cursor, std::size_t i) const {
  if (cursor.is_null(i)) return Value();
  switch (table_.columns[i].type) {
    case ValueType::int64: return Value(cursor.get_int64(i));
    case ValueType::boolean: return Value(cursor.get_bool(i));
    case ValueType::real: return Value(cursor.get_double(i));
    case ValueType::text: return Value(std::string(cursor.get_text(i)));
    case ValueType::blob: return Value(cursor.get_blob(i));
    case ValueType::timestamp: return Value(cursor.get_timestamp(i));
    case ValueType::null: break;
  }
  return cursor.get_value(i);
}

void MoveRows::read_row(const Cursor& cursor, std::vector<Value>& out) const {
  for (std::size_t i = 0; i < columns(); ++i) out.push_back(read(cursor, i));
}

std::string MoveRows::key_text(const Value& key) {
  return key.type() == ValueType::int64 ? std::to_string(key.as_int64()) : key.as_text();
}

Value MoveRows::key_value(const std::string& text) const {
  if (table_.columns[key()].type == ValueType::text) return Value(text);
  try {
    return Value(static_cast<std::int64_t>(std::stoll(text)));
  } catch (const std::exception&) {
    throw DataError("manydb_moves: resume key '" + text + "' of table '" + table_.name +
                    "' is not an integer");
  }
}

std::string MoveRows::column_list(const Dialect& dialect) const {
  std::string out;
  for (const auto& c : table_.columns)
    out += (out.empty() ? "" : ", ") + dialect.quote_identifier(c.name);
  return out;
}

std::string MoveRows::select_after(const Dialect& dialect, bool has_lower, std::size_t limit,
                                   bool lock_for_share) const {
  const std::string k = dialect.quote_identifier(table_.columns[key()].name);
  return "SELECT " + column_list(dialect) + " FROM " + dialect.quote_identifier(table_.name) +
         (has_lower ? " WHERE " + k + " > ?" : "") + " ORDER BY " + k + " LIMIT " +
         std::to_string(limit) + std::string(lock_for_share ? dialect.lock_for_share() : "");
}

std::string MoveRows::select_range(const Dialect& dialect, bool has_after, bool has_last) const {
  const std::string k = dialect.quote_identifier(table_.columns[key()].name);
  std::string where;
  if (has_after) where = " WHERE " + k + " > ?";
  if (has_last) where += (where.empty() ? " WHERE " : " AND ") + k + " <= ?";
  return "SELECT " + column_list(dialect) + " FROM " + dialect.quote_identifier(table_.name) +
         where + " ORDER BY " + k;
}

std::string MoveRows::select_last_key(const Dialect& dialect, bool has_after) const {
  const std::string k = dialect.quote_identifier(table_.columns[key()].name);
  return "SELECT " + k + " FROM " + dialect.quote_identifier(table_.name) +
         (has_after ? " WHERE " + k + " > ?" : "") + " ORDER BY " + k + " DESC LIMIT 1";
}

Value MoveRows::read_key(const Cursor& cursor) const {
  if (table_.columns[key()].type == ValueType::text) return Value(std::string(cursor.get_text(0)));
  return Value(cursor.get_int64(0));
}

std::string MoveRows::insert_skipping(const Dialect& dialect, std::size_t rows) const {
  std::string row = "(";
  for (std::size_t i = 0; i < columns(); ++i) row += i ? ", ?" : "?";
  row += ")";
  std::string sql = "INSERT INTO " + dialect.quote_identifier(table_.name) + " (" +
                    column_list(dialect) + ") VALUES ";
  sql.reserve(sql.size() + rows * (row.size() + 2) + 64);
  for (std::size_t r = 0; r < rows; ++r) sql += (r ? ", " : "") + row;
  return sql + dialect.skip_existing_keys(dialect.quote_identifier(table_.columns[key()].name));
}

namespace {
constexpr std::string_view kStage = "pg_temp.manydb_move_stage";
}

std::string MoveRows::create_stage(const Dialect& dialect) const {
  return "CREATE TEMPORARY TABLE manydb_move_stage (LIKE " + dialect.quote_identifier(table_.name) +
         ") ON COMMIT DROP";
}

std::string MoveRows::copy_into_table(const Dialect& dialect) const {
  return "COPY " + dialect.quote_identifier(table_.name) + " (" + column_list(dialect) +
         ") FROM STDIN";
}

std::string MoveRows::select_any_in_range(const Dialect& dialect, bool has_after) const {
  const std::string k = dialect.quote_identifier(table_.columns[key()].name);
  return "SELECT 1 FROM " + dialect.quote_identifier(table_.name) + " WHERE " +
         (has_after ? k + " > ? AND " : "") + k + " <= ? LIMIT 1";
}

std::string MoveRows::copy_into_stage(const Dialect& dialect) const {
  return "COPY " + std::string(kStage) + " (" + column_list(dialect) + ") FROM STDIN";
}

std::string MoveRows::insert_from_stage(const Dialect& dialect) const {
  const std::string columns = column_list(dialect);
  return "INSERT INTO " + dialect.quote_identifier(table_.name) + " (" + columns + ") SELECT " +
         columns + " FROM " + std::string(kStage) +
         dialect.skip_existing_keys(dialect.quote_identifier(table_.columns[key()].name));
}

// SQLite binds at most 32,766 parameters, the servers 65,535.
std::size_t MoveRows::rows_per_insert() const {
  return std::max<std::size_t>(1, 32'000 / std::max<std::size_t>(1, columns()));
}

void RowChecksum::bytes(const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) {
    hash_ ^= p[i];
    hash_ *= 1099511628211ULL;
  }
}

void RowChecksum::add(const Value& value) {
  const auto tag = static_cast<unsigned char>(value.type());
  bytes(&tag, 1);
  switch (value.type()) {
    case ValueType::null: break;
    case ValueType::int64: {
      const std::int64_t v = value.as_int64();
      bytes(&v, sizeof v);
      break;
    }
    case ValueType::boolean: {
      const unsigned char v = value.as_bool() ? 1 : 0;
      bytes(&v, 1);
      break;
    }
    case ValueType::real: {
      double v = value.as_double();
      if (v == 0) v = 0;  // -0.0 and 0.0 are one value
      std::uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      bytes(&bits, sizeof bits);
      break;
    }
    case ValueType::text: {
      const auto& t = value.as_text();
      const std::uint64_t n = t.size();
      bytes(&n, sizeof n);
      bytes(t.data(), t.size());
      break;
    }
    case ValueType::blob: {
      const auto& b = value.as_blob();
      const std::uint64_t n = b.size();
      bytes(&n, sizeof n);
      bytes(b.data(), b.size());
      break;
    }
    case ValueType::timestamp: {
      const std::int64_t v = value.as_timestamp().micros;
      bytes(&v, sizeof v);
      break;
    }
  }
}

}  // namespace manydb::migrate
