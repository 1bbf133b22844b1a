#pragma once
// A value that travels to or from a database as a bound parameter or a column.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "manydb/core/timestamp.hpp"

namespace manydb {

using Blob = std::vector<std::byte>;

enum class ValueType { null, boolean, int64, real, text, blob, timestamp };
std::string_view to_string(ValueType type);

class Value {
 public:
  using Storage =
      std::variant<std::nullptr_t, bool, std::int64_t, double, std::string, Blob, Timestamp>;

  Value() : v_(nullptr) {}
  Value(std::nullptr_t) : v_(nullptr) {}
  Value(bool b) : v_(b) {}
  template <class I>
  requires(std::is_integral_v<I> && !std::is_same_v<I, bool> && !std::is_same_v<I, char>) Value(I i)
      : v_(static_cast<std::int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(float f) : v_(static_cast<double>(f)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(Blob b) : v_(std::move(b)) {}
  Value(Timestamp t) : v_(t) {}
  template <class T>
  Value(const std::optional<T>& o) : Value(o ? Value(*o) : Value()) {}

  ValueType type() const { return static_cast<ValueType>(v_.index()); }
  bool is_null() const { return v_.index() == 0; }
  const Storage& storage() const { return v_; }

  // Typed access; throws DataError naming both types when the value holds another type.
  bool as_bool() const;
  std::int64_t as_int64() const;
  double as_double() const;  // also widens an int64
  const std::string& as_text() const;
  const Blob& as_blob() const;
  Timestamp as_timestamp() const;

  std::string to_display() const;  // for printing tables; blobs as hex

  bool operator==(const Value&) const = default;

 private:
  Storage v_;
};

// A hash of the value, for maps keyed by primary keys (integers and text hash without a copy).
std::size_t hash_value(const Value& v);

Blob to_blob(std::string_view bytes);

}  // namespace manydb
