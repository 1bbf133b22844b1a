#pragma once
// The rows of one executed statement, read forward one at a time. A cursor belongs to its
// connection and is valid until the connection runs the next statement.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "manydb/core/value.hpp"

namespace manydb {

class Cursor {
 public:
  virtual ~Cursor() = default;

  virtual bool next() = 0;
  virtual std::size_t column_count() const = 0;
  virtual std::string_view column_name(std::size_t i) const = 0;
  virtual bool is_null(std::size_t i) const = 0;
  // Rows changed by an INSERT, UPDATE or DELETE: rows matched by the WHERE clause on every
  // engine (MariaDB is connected with CLIENT_FOUND_ROWS so that it agrees).
  virtual std::int64_t rows_affected() const = 0;

  // Typed access. Each throws DataError naming the column when it is NULL or holds another type.
  std::int64_t get_int64(std::size_t i) const;
  double get_double(std::size_t i) const;
  bool get_bool(std::size_t i) const;
  std::string_view get_text(std::size_t i) const;
  Blob get_blob(std::size_t i) const;
  Timestamp get_timestamp(std::size_t i) const;
  Value get_value(std::size_t i) const;  // the column's natural type; NULL as a null Value

  template <class T>
  T get(std::size_t i) const;

 protected:
  virtual std::int64_t read_int64(std::size_t i) const = 0;
  virtual double read_double(std::size_t i) const = 0;
  virtual bool read_bool(std::size_t i) const = 0;
  virtual std::string_view read_text(std::size_t i) const = 0;
  virtual Blob read_blob(std::size_t i) const = 0;
  virtual Timestamp read_timestamp(std::size_t i) const = 0;
  virtual Value read_value(std::size_t i) const = 0;

  [[noreturn]] void throw_type_mismatch(std::size_t i, std::string_view wanted,
                                        std::string_view held) const;
  // The DataError for reading NULL column `i` as `wanted` (use std::optional<wanted>).
  [[noreturn]] void throw_null(std::size_t i, std::string_view wanted) const;

  // The fast path of the typed getters: one virtual call per value. The engine's cursor keeps
  // columns_ equal to column_count() for the current result, so that the index check costs no
  // call, and its read_* (except read_value) throw_null() when the value is NULL.
  std::size_t columns_ = 0;

 private:
  [[noreturn]] void require_value(std::size_t i, std::string_view wanted) const;
};

namespace detail {
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
}  // namespace detail

inline std::int64_t Cursor::get_int64(std::size_t i) const {
  if (i >= columns_) [[unlikely]]
    require_value(i, "int64");
  return read_int64(i);
}
inline double Cursor::get_double(std::size_t i) const {
  if (i >= columns_) [[unlikely]]
    require_value(i, "double");
  return read_double(i);
}
inline bool Cursor::get_bool(std::size_t i) const {
  if (i >= columns_) [[unlikely]]
    require_value(i, "bool");
  return read_bool(i);
}
inline std::string_view Cursor::get_text(std::size_t i) const {
  if (i >= columns_) [[unlikely]]
    require_value(i, "std::string");
  return read_text(i);
}

template <class T>
T Cursor::get(std::size_t i) const {
  if constexpr (detail::is_optional<T>::value) {
    if (is_null(i)) return std::nullopt;
    return get<typename T::value_type>(i);
  } else if constexpr (std::is_same_v<T, bool>) {
    return get_bool(i);
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(get_int64(i));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(get_double(i));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return std::string(get_text(i));
  } else if constexpr (std::is_same_v<T, std::string_view>) {
    return get_text(i);
  } else if constexpr (std::is_same_v<T, Blob>) {
    return get_blob(i);
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    return get_timestamp(i);
  } else if constexpr (std::is_same_v<T, Value>) {
    return get_value(i);
  } else {
    static_assert(sizeof(T) == 0, "manydb::Cursor::get<T>: unsupported column type");
  }
}

}  // namespace manydb

#include "manydb/core/result.hpp"

namespace manydb {
// Reads every remaining row of `cursor` into a Result.
Result read_all(Cursor& cursor);
}  // namespace manydb
