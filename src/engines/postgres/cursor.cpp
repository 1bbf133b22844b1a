#include "engines/postgres/cursor.hpp"

#include <bit>
#include <charconv>
#include <cstring>
#include <limits>
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

// Binary values are big-endian (network order).
template <class T>
T big_endian(std::string_view bytes) {
  std::make_unsigned_t<T> v;
  std::memcpy(&v, bytes.data(), sizeof v);
  if constexpr (std::endian::native == std::endian::little) {
    if constexpr (sizeof v == 8) v = __builtin_bswap64(v);
    if constexpr (sizeof v == 4) v = __builtin_bswap32(v);
    if constexpr (sizeof v == 2) v = __builtin_bswap16(v);
  }
  return static_cast<T>(v);
}

[[noreturn]] void bad_binary(std::size_t size, std::string_view wanted) {
  throw DataError("PostgreSQL sent " + std::to_string(size) + " bytes for " + std::string(wanted));
}

// int2, int4 or int8, told apart by their size.
std::int64_t binary_integer(std::string_view bytes) {
  switch (bytes.size()) {
    case 8: return big_endian<std::int64_t>(bytes);
    case 4: return big_endian<std::int32_t>(bytes);
    case 2: return big_endian<std::int16_t>(bytes);
  }
  bad_binary(bytes.size(), "an integer");
}

// Microseconds from PostgreSQL's epoch, 2000-01-01, to the Unix epoch's.
constexpr std::int64_t kPgEpochMicros = 946'684'800'000'000;
constexpr std::int64_t kMicrosPerDay = 86'400'000'000;

}  // namespace

bool PgCursor::decodes_binary(const PGresult* description) {
  const int n = PQnfields(description);
  for (int i = 0; i < n; ++i) {
    switch (PQftype(description, i)) {
      // float4 stays text: its shortest text reads as the double the user wrote (0.1), where
      // the float's exact value would not. numeric stays text: its text is exact.
      case kBool:
      case kInt2:
      case kInt4:
      case kInt8:
      case kFloat8:
      case kText:
      case kVarchar:
      case kBpchar:
      case kName:
      case kBytea:
      case kDate:
      case kTimestamp:
      case kTimestamptz: continue;
      default: return false;
    }
  }
  return n > 0;
}

void PgCursor::reset(ResultPtr res) {
  res_ = std::move(res);
  rows_ = res_ ? PQntuples(res_.get()) : 0;
  row_ = -1;
  columns_ = res_ ? static_cast<std::size_t>(PQnfields(res_.get())) : 0;
  binary_ = columns_ > 0 && PQfformat(res_.get(), 0) == 1;
  kinds_.resize(columns_);
  for (std::size_t i = 0; i < columns_; ++i)
    kinds_[i] = kind_of(PQftype(res_.get(), static_cast<int>(i)));
}

bool PgCursor::next() {
  if (row_ < rows_) ++row_;
  if (row_ >= rows_) return false;
  ++rows_read_;
  return true;
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
  if (binary_) return binary_integer(text);
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
  if (binary_) {
    if (k == Kind::integer) return static_cast<double>(binary_integer(text));
    if (text.size() != 8) bad_binary(text.size(), "a double");  // only float8 comes binary
    return std::bit_cast<double>(big_endian<std::int64_t>(text));
  }
  double v = 0;
  if (!parse_number(text, v)) bad_number(text, "number");
  return v;
}

bool PgCursor::read_bool(std::size_t i) const {
  const std::string_view value = present(i, "bool");
  const Kind k = kind(i);
  if (binary_ && k == Kind::boolean) return value != std::string_view("\0", 1);
  if (binary_ && k == Kind::integer) {
    const std::int64_t n = binary_integer(value);
    if (n == 0 || n == 1) return n == 1;
    throw_type_mismatch(i, "bool", held(i) + " " + std::to_string(n));
  }
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
  if (binary_) return to_blob(raw(i));
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
  if (binary_ && k == Kind::timestamp) return binary_timestamp(i, raw(i));
  return Timestamp::parse(raw(i));
}

// timestamp and timestamptz: microseconds since 2000-01-01 (UTC for timestamptz; a timestamp is
// read as UTC, as its text is); date: days since then. The extremes stand for infinity.
Timestamp PgCursor::binary_timestamp(std::size_t i, std::string_view bytes) const {
  if (PQftype(res_.get(), static_cast<int>(i)) == kDate) {
    if (bytes.size() != 4) bad_binary(bytes.size(), "a date");
    const std::int32_t days = big_endian<std::int32_t>(bytes);
    // Past about 292,000 years from 2000 (and infinity) the microseconds overflow an int64.
    constexpr std::int32_t kMaxDays = 106'000'000;
    if (days > kMaxDays || days < -kMaxDays) {
      throw DataError("PostgreSQL sent a date of " + std::to_string(days) +
                      " days from 2000-01-01, beyond what manydb::Timestamp holds");
    }
    return Timestamp{kPgEpochMicros + days * kMicrosPerDay};
  }
  if (bytes.size() != 8) bad_binary(bytes.size(), "a timestamp");
  const std::int64_t micros = big_endian<std::int64_t>(bytes);
  if (micros == std::numeric_limits<std::int64_t>::max() ||
      micros == std::numeric_limits<std::int64_t>::min()) {
    throw DataError("PostgreSQL sent an infinite timestamp, which manydb::Timestamp cannot hold");
  }
  return Timestamp{kPgEpochMicros + micros};
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
