#include "engines/mariadb/cursor.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>

#include "engines/mariadb/connection.hpp"
#include "manydb/core/errors.hpp"

namespace manydb::engines::mariadb {

namespace {

constexpr unsigned kBinaryCharset = 63;
constexpr std::int64_t kMicrosPerDay = 86'400'000'000LL;

bool is_integer_type(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR: return true;
    default: return false;
  }
}

bool is_string_type(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB: return true;
    default: return false;
  }
}

std::string_view kind_name(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::integer: return "int64";
    case ColumnKind::boolean: return "bool";
    case ColumnKind::real:
    case ColumnKind::decimal: return "double";
    case ColumnKind::binary: return "blob";
    case ColumnKind::datetime: return "timestamp";
    case ColumnKind::text:
    case ColumnKind::other: break;
  }
  return "text";
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

ColumnKind column_kind(const MYSQL_FIELD& field) {
  // MariaDB's BOOLEAN is TINYINT(1): the display width is all that tells it apart.
  if (field.type == MYSQL_TYPE_TINY && field.length == 1) return ColumnKind::boolean;
  if (is_integer_type(field.type)) return ColumnKind::integer;
  if (is_string_type(field.type)) {
    return field.charsetnr == kBinaryCharset ? ColumnKind::binary : ColumnKind::text;
  }
  switch (field.type) {
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE: return ColumnKind::real;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL: return ColumnKind::decimal;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_DATE: return ColumnKind::datetime;
    case MYSQL_TYPE_BIT:
    case MYSQL_TYPE_GEOMETRY: return ColumnKind::binary;
    case MYSQL_TYPE_JSON:
    case MYSQL_TYPE_ENUM:
    case MYSQL_TYPE_SET: return ColumnKind::text;
    default: return ColumnKind::other;
  }
}

Timestamp to_timestamp(const MYSQL_TIME& t) {
  return Timestamp::from_civil(static_cast<int>(t.year), t.month, t.day, t.hour, t.minute, t.second,
                               static_cast<unsigned>(t.second_part));
}

MYSQL_TIME to_mysql_time(Timestamp ts) {
  using namespace std::chrono;
  std::int64_t days = ts.micros / kMicrosPerDay;
  std::int64_t rest = ts.micros % kMicrosPerDay;
  if (rest < 0) rest += kMicrosPerDay, --days;  // floor division for times before 1970
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  MYSQL_TIME t{};
  t.year = static_cast<unsigned>(static_cast<int>(ymd.year()));
  t.month = static_cast<unsigned>(ymd.month());
  t.day = static_cast<unsigned>(ymd.day());
  const std::int64_t secs = rest / 1'000'000;
  t.hour = static_cast<unsigned>(secs / 3600);
  t.minute = static_cast<unsigned>(secs / 60 % 60);
  t.second = static_cast<unsigned>(secs % 60);
  t.second_part = static_cast<unsigned long>(rest % 1'000'000);
  t.time_type = MYSQL_TIMESTAMP_DATETIME;
  return t;
}

void MariadbCursor::reset() {
  if (stmt_ != nullptr) {
    mysql_stmt_free_result(stmt_);
    // A CALL leaves further results behind; the next execute would be out of sync.
    while (mysql_stmt_more_results(stmt_) && mysql_stmt_next_result(stmt_) == 0) {
      mysql_stmt_free_result(stmt_);
    }
  }
  if (meta_ != nullptr) mysql_free_result(meta_);
  if (text_ != nullptr) mysql_free_result(text_);
  stmt_ = nullptr;
  meta_ = text_ = nullptr;
  row_ = nullptr;
  lengths_ = nullptr;
  fields_ = nullptr;
  columns_ = 0;
  rows_affected_ = 0;
}

void MariadbCursor::open_statement(MYSQL_STMT* stmt, MYSQL_RES* meta) {
  stmt_ = stmt;
  meta_ = meta;
  fields_ = mysql_fetch_fields(meta);
  columns_ = mysql_num_fields(meta);
  bind_results();
}

void MariadbCursor::open_text(MYSQL_RES* result) {
  text_ = result;
  fields_ = mysql_fetch_fields(result);
  columns_ = mysql_num_fields(result);
  slots_.resize(std::max(slots_.size(), columns_));
  for (std::size_t i = 0; i < columns_; ++i) slots_[i].kind = column_kind(fields_[i]);
}

void MariadbCursor::bind_results() {
  slots_.resize(std::max(slots_.size(), columns_));
  binds_.assign(columns_, MYSQL_BIND{});
  for (std::size_t i = 0; i < columns_; ++i) bind_slot(fields_[i], slots_[i], binds_[i]);
  if (mysql_stmt_bind_result(stmt_, binds_.data()) != 0) owner_.fail_statement(stmt_);
}

void MariadbCursor::bind_slot(MYSQL_FIELD& field, Slot& slot, MYSQL_BIND& bind) {
  slot.kind = column_kind(field);
  slot.is_unsigned = (field.flags & UNSIGNED_FLAG) != 0;
  bind.length = &slot.length;
  bind.is_null = &slot.null;
  bind.error = &slot.error;
  bind.is_unsigned = slot.is_unsigned;
  switch (slot.kind) {
    case ColumnKind::integer:
    case ColumnKind::boolean:
      bind.buffer_type = MYSQL_TYPE_LONGLONG;
      bind.buffer = &slot.integer;
      return;
    case ColumnKind::real:
      bind.buffer_type = MYSQL_TYPE_DOUBLE;
      bind.buffer = &slot.real;
      return;
    case ColumnKind::datetime:
      bind.buffer_type = MYSQL_TYPE_DATETIME;
      bind.buffer = &slot.time;
      bind.buffer_length = sizeof(slot.time);
      return;
    default: break;
  }
  // Converted columns (decimal, time) may print longer than their wire form. Buffers start at
  // the declared length (capped: TEXT and BLOB declare up to 4 GiB) and keep what they grew
  // to; a longer value is fetched again by refetch_truncated().
  constexpr std::size_t kFloor = 64, kCap = 4096;
  const std::size_t declared = std::max<std::size_t>(field.length, field.max_length) + 1;
  const std::size_t need = std::clamp<std::size_t>(declared, kFloor, kCap);
  if (slot.bytes.size() < need) slot.bytes.resize(need);
  bind.buffer_type = slot.kind == ColumnKind::binary ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
  bind.buffer = slot.bytes.data();
  bind.buffer_length = slot.bytes.size();
}

bool MariadbCursor::next() {
  if (text_ != nullptr) return next_text_row();
  if (meta_ == nullptr) return false;  // no result set, or none at all
  const int rc = mysql_stmt_fetch(stmt_);
  if (rc == MYSQL_NO_DATA) return false;
  if (rc == MYSQL_DATA_TRUNCATED)
    refetch_truncated();
  else if (rc != 0)
    owner_.fail_statement(stmt_);
  ++rows_read_;
  return true;
}

// A value longer than its buffer: grow the buffer, fetch the column again and rebind so
// the following rows land in the bigger buffer.
void MariadbCursor::refetch_truncated() {
  bool grown = false;
  for (std::size_t i = 0; i < columns_; ++i) {
    Slot& slot = slots_[i];
    if (!slot.error || binds_[i].buffer != slot.bytes.data()) continue;
    if (slot.length < slot.bytes.size()) continue;
    slot.bytes.resize(slot.length + 1);
    binds_[i].buffer = slot.bytes.data();
    binds_[i].buffer_length = slot.bytes.size();
    if (mysql_stmt_fetch_column(stmt_, &binds_[i], static_cast<unsigned>(i), 0) != 0) {
      owner_.fail_statement(stmt_);
    }
    grown = true;
  }
  if (grown && mysql_stmt_bind_result(stmt_, binds_.data()) != 0) owner_.fail_statement(stmt_);
}

bool MariadbCursor::next_text_row() {
  row_ = mysql_fetch_row(text_);
  if (row_ == nullptr) return false;
  lengths_ = mysql_fetch_lengths(text_);
  ++rows_read_;
  return true;
}

std::string_view MariadbCursor::column_name(std::size_t i) const {
  if (i >= columns_) return {};
  return {fields_[i].name, fields_[i].name_length};
}

bool MariadbCursor::is_null(std::size_t i) const {
  if (text_ != nullptr) return row_ == nullptr || row_[i] == nullptr;
  return slots_[i].null != 0;
}

std::string_view MariadbCursor::bytes_at(std::size_t i) const {
  if (text_ != nullptr) return {row_[i], lengths_[i]};
  return {slots_[i].bytes.data(), std::min<std::size_t>(slots_[i].length, slots_[i].bytes.size())};
}

std::int64_t MariadbCursor::integer_at(std::size_t i) const {
  const Slot& slot = slots_[i];
  std::int64_t value = slot.integer;
  if (text_ != nullptr) {
    std::uint64_t big = 0;
    if (parse_number(bytes_at(i), value)) return value;
    if (!parse_number(bytes_at(i), big)) throw_type_mismatch(i, "int64", bytes_at(i));
    value = static_cast<std::int64_t>(big);
  } else if (!slot.is_unsigned || value >= 0) {
    return value;
  }
  throw_type_mismatch(i, "int64", "an unsigned integer above the int64 range");
}

double MariadbCursor::real_at(std::size_t i) const {
  const Slot& slot = slots_[i];
  if (slot.kind == ColumnKind::integer || slot.kind == ColumnKind::boolean) {
    if (slot.is_unsigned && text_ == nullptr) {
      return static_cast<double>(static_cast<std::uint64_t>(slot.integer));
    }
    return static_cast<double>(integer_at(i));
  }
  if (slot.kind == ColumnKind::real && text_ == nullptr) return slot.real;
  double value = 0;
  if (!parse_number(bytes_at(i), value)) throw_type_mismatch(i, "double", bytes_at(i));
  return value;
}

Timestamp MariadbCursor::time_at(std::size_t i) const {
  if (slots_[i].kind == ColumnKind::datetime && text_ == nullptr) {
    return to_timestamp(slots_[i].time);
  }
  try {
    return Timestamp::parse(bytes_at(i));
  } catch (const DataError&) {
    throw_type_mismatch(i, "timestamp", "text that is not a timestamp");
  }
}

std::string_view MariadbCursor::held(std::size_t i) const { return kind_name(slots_[i].kind); }

std::int64_t MariadbCursor::read_int64(std::size_t i) const {
  require_present(i, "int64");
  const ColumnKind kind = slots_[i].kind;
  if (kind != ColumnKind::integer && kind != ColumnKind::boolean) {
    throw_type_mismatch(i, "int64", held(i));
  }
  return integer_at(i);
}

double MariadbCursor::read_double(std::size_t i) const {
  require_present(i, "double");
  switch (slots_[i].kind) {
    case ColumnKind::integer:
    case ColumnKind::real:
    case ColumnKind::decimal: return real_at(i);
    default: throw_type_mismatch(i, "double", held(i));
  }
}

bool MariadbCursor::read_bool(std::size_t i) const {
  require_present(i, "bool");
  const ColumnKind kind = slots_[i].kind;
  if (kind == ColumnKind::boolean) return integer_at(i) != 0;
  if (kind != ColumnKind::integer) throw_type_mismatch(i, "bool", held(i));
  const std::int64_t value = integer_at(i);
  if (value != 0 && value != 1) throw_type_mismatch(i, "bool", "an integer other than 0 or 1");
  return value == 1;
}

std::string_view MariadbCursor::read_text(std::size_t i) const {
  require_present(i, "std::string");
  const ColumnKind kind = slots_[i].kind;
  if (kind != ColumnKind::text && kind != ColumnKind::other) {
    throw_type_mismatch(i, "text", held(i));
  }
  return bytes_at(i);
}

Blob MariadbCursor::read_blob(std::size_t i) const {
  require_present(i, "manydb::Blob");
  const ColumnKind kind = slots_[i].kind;
  if (kind != ColumnKind::binary && kind != ColumnKind::text && kind != ColumnKind::other) {
    throw_type_mismatch(i, "blob", held(i));
  }
  return to_blob(bytes_at(i));
}

Timestamp MariadbCursor::read_timestamp(std::size_t i) const {
  require_present(i, "manydb::Timestamp");
  const ColumnKind kind = slots_[i].kind;
  if (kind != ColumnKind::datetime && kind != ColumnKind::text && kind != ColumnKind::other) {
    throw_type_mismatch(i, "timestamp", held(i));
  }
  return time_at(i);
}

Value MariadbCursor::read_value(std::size_t i) const {
  switch (slots_[i].kind) {
    case ColumnKind::integer: return integer_at(i);
    case ColumnKind::boolean: return integer_at(i) != 0;
    case ColumnKind::real:
    case ColumnKind::decimal: return real_at(i);
    case ColumnKind::binary: return to_blob(bytes_at(i));
    case ColumnKind::datetime: return time_at(i);
    case ColumnKind::text:
    case ColumnKind::other: break;
  }
  return std::string(bytes_at(i));
}

}  // namespace manydb::engines::mariadb
