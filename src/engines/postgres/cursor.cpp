#include "engines/postgres/cursor.hpp"

#include <charconv>
#include <string>

#include "manydb/core/errors.hpp"

namespace manydb::engines::postgres {

namespace {

// Built-in type OIDs (pg_type.dat); these never change between server versions.
constexpr Oid kBool = 16, kBytea = 17, kName = 19, kInt8 = 20, kInt2 = 21, kInt4 = 23, kText = 25,
              kOid = 26, kFloat4 = 700, kFloat8 = 701, kBpchar = 1042, kVarchar = 1043,
              kDate = 1082, kTimestamp = 1114, kTimestamptz = 1184, kNumeric = 1700, kChar = 18;

std::string type_label(Oid oid) {
  switch (oid) {
    case kBool: return "boolean";
    case kBytea: return "bytea";
    case kName: return "name";
    case kChar: return "\"char\"";
    case kInt8: return "bigint";
    case kInt2: return "smallint";
    case kInt4: return "integer";
    case kOid: return "oid";
    case kText: return "text";
    case kFloat4: return "real";
    case kFloat8: return "double precision";
    case kBpchar: return "character";
    case kVarchar: return "character varying";
    case kDate: return "date";
    case kTimestamp: return "timestamp";
    case kTimestamptz: return "timestamptz";
    case kNumeric: return "numeric";
  }
  return "a value of type oid " + std::to_string(oid);
}

template <class T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

[[noreturn]] void bad_number(std::string_view text, std::string_view wanted) {
  throw DataError("PostgreSQL sent '" + std::string(text) + "', which is not a valid " +
                  std::string(wanted));
}

}  // namespace

void PgCursor::reset(ResultPtr res) {
  res_ = std::move(res);
  rows_ = res_ ? PQntuples(res_.get()) : 0;
  row_ = -1;
  columns_ = res_ ? static_cast<std::size_t>(PQnfields(res_.get())) : 0;
  kinds_.resize(columns_);
  for (std::size_t i = 0; i < columns_; ++i)
    kinds_[i] = kind_of(PQftype(res_.get(), static_cast<int>(i)));
}

bool PgCursor::next() {
  if (row_ < rows_) ++row_;
  return row_ < rows_;
}

std::size_t PgCursor::column_count() const { return columns_; }

std::string_view PgCursor::column_name(std::size_t i) const {
  if (i >= column_count()) return "?";
  return PQfname(res_.get(), static_cast<int>(i));
}

bool PgCursor::is_null(std::size_t i) const {
  if (row_ < 0 || row_ >= rows_) {
    throw DataError("no current row: call next() and check that it returned true");
  }
  return PQgetisnull(res_.get(), row_, static_cast<int>(i)) != 0;
}

std::int64_t PgCursor::rows_affected() const {
  const char* tuples = res_ ? PQcmdTuples(res_.get()) : "";
  std::int64_t n = 0;
  std::from_chars(tuples, tuples + std::char_traits<char>::length(tuples), n);
  return n;
}

PgCursor::Kind PgCursor::kind(std::size_t i) const {
  return i < columns_ ? kinds_[i] : Kind::other;
}

PgCursor::Kind PgCursor::kind_of(Oid type) {
  switch (type) {
    case kBool: return Kind::boolean;
    case kInt8:
    case kInt2:
    case kInt4:
    case kOid: return Kind::integer;
    case kFloat4:
    case kFloat8: return Kind::floating;
    case kNumeric: return Kind::numeric;
    case kText:
    case kVarchar:
    case kBpchar:
    case kName:
    case kChar: return Kind::text;
    case kBytea: return Kind::bytea;
    case kDate:
    case kTimestamp:
    case kTimestamptz: return Kind::timestamp;
  }
  return Kind::other;
}

std::string_view PgCursor::raw(std::size_t i) const {
  const int col = static_cast<int>(i);
  return {PQgetvalue(res_.get(), row_, col),
          static_cast<std::size_t>(PQgetlength(res_.get(), row_, col))};
}

// A NULL reads as "" from libpq, and so does a field outside the result: only an empty value
// needs the extra PQgetisnull call.
std::string_view PgCursor::present(std::size_t i, std::string_view wanted) const {
  const std::string_view v = raw(i);
  if (v.empty()) [[unlikely]] {
    if (row_ < 0 || row_ >= rows_ || PQgetisnull(res_.get(), row_, static_cast<int>(i)) != 0)
      absent(i, wanted);
  }
  return v;
}

void PgCursor::absent(std::size_t i, std::string_view wanted) const {
  if (row_ < 0 || row_ >= rows_) {
    throw DataError("no current row: call next() and check that it returned true");
  }
  throw_null(i, wanted);
}

std::string PgCursor::held(std::size_t i) const {
  return type_label(PQftype(res_.get(), static_cast<int>(i)));
}

std::int64_t PgCursor::read_int64(std::size_t i) const {
  const std::string_view text = present(i, "int64");
  if (kind(i) != Kind::integer) throw_type_mismatch(i, "int64", held(i));
  std::int64_t v = 0;
  if (!parse_number(text, v)) bad_number(text, "integer");
  return v;
}

double PgCursor::read_double(std::size_t i) const {
  const std::string_view text = present(i, "double");
  const Kind k = kind(i);
  if (k != Kind::floating && k != Kind::numeric && k != Kind::integer) {
    throw_type_mismatch(i, "double", held(i));
  }
  double v = 0;
  if (!parse_number(text, v)) bad_number(text, "number");
  return v;
}

bool PgCursor::read_bool(std::size_t i) const {
  present(i, "bool");
  const Kind k = kind(i);
  if (k == Kind::boolean) return raw(i) == "t";
  // Other engines store booleans as 0/1 integers; accept those, nothing else.
  if (k == Kind::integer && (raw(i) == "0" || raw(i) == "1")) return raw(i) == "1";
  if (k == Kind::integer) throw_type_mismatch(i, "bool", held(i) + " " + std::string(raw(i)));
  throw_type_mismatch(i, "bool", held(i));
}

std::string_view PgCursor::read_text(std::size_t i) const {
  // Types without a C++ counterpart (json, uuid, enums, ...) read as their text form.
  const std::string_view text = present(i, "std::string");
  const Kind k = kind(i);
  if (k != Kind::text && k != Kind::other) throw_type_mismatch(i, "std::string", held(i));
  return text;
}

Blob PgCursor::read_blob(std::size_t i) const {
  present(i, "manydb::Blob");
  const Kind k = kind(i);
  if (k == Kind::text || k == Kind::other) return to_blob(raw(i));
  if (k != Kind::bytea) throw_type_mismatch(i, "manydb::Blob", held(i));
  std::size_t size = 0;
  const auto* text = reinterpret_cast<const unsigned char*>(raw(i).data());
  unsigned char* bytes = PQunescapeBytea(text, &size);
  if (!bytes) throw DataError("out of memory decoding a bytea column");
  const auto* first = reinterpret_cast<const std::byte*>(bytes);
  Blob blob(first, first + size);
  PQfreemem(bytes);
  return blob;
}

Timestamp PgCursor::read_timestamp(std::size_t i) const {
  present(i, "manydb::Timestamp");
  const Kind k = kind(i);
  if (k != Kind::timestamp && k != Kind::text) throw_type_mismatch(i, "manydb::Timestamp", held(i));
  return Timestamp::parse(raw(i));
}

Value PgCursor::read_value(std::size_t i) const {
  switch (kind(i)) {
    case Kind::boolean: return Value(read_bool(i));
    case Kind::integer: return Value(read_int64(i));
    case Kind::floating:
    case Kind::numeric: return Value(read_double(i));
    case Kind::bytea: return Value(read_blob(i));
    case Kind::timestamp: return Value(read_timestamp(i));
    case Kind::text:
    case Kind::other: break;
  }
  return Value(std::string(raw(i)));
}

}  // namespace manydb::engines::postgres
