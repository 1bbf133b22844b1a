#pragma once
// Which C++ member types a column can have, and the ValueType each maps to.
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "manydb/core/timestamp.hpp"
#include "manydb/core/value.hpp"

namespace manydb::schema {

template <class T>
struct column_type {
  static constexpr bool supported = false;
  static constexpr ValueType value_type = ValueType::null;
  static constexpr bool nullable = false;
};
template <class T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
         sizeof(T) <= 8) struct column_type<T> {
  static constexpr bool supported = true;
  static constexpr ValueType value_type = ValueType::int64;
  static constexpr bool nullable = false;
};
template <>
struct column_type<bool> {
  static constexpr bool supported = true;
  static constexpr ValueType value_type = ValueType::boolean;
  static constexpr bool nullable = false;
};
template <class T>
requires std::is_floating_point_v<T>
struct column_type<T> {
  static constexpr bool supported = true;
  static constexpr ValueType value_type = ValueType::real;
  static constexpr bool nullable = false;
};
template <>
struct column_type<std::string> {
  static constexpr bool supported = true;
  static constexpr ValueType value_type = ValueType::text;
  static constexpr bool nullable = false;
};
template <>
struct column_type<Blob> {
  static constexpr bool supported = true;
  static constexpr ValueType value_type = ValueType::blob;
  static constexpr bool nullable = false;
};
template <>
struct column_type<Timestamp> {
  static constexpr bool supported = true;
  static constexpr ValueType value_type = ValueType::timestamp;
  static constexpr bool nullable = false;
};
template <class T>
struct column_type<std::optional<T>> {
  static constexpr bool supported = column_type<T>::supported;
  static constexpr ValueType value_type = column_type<T>::value_type;
  static constexpr bool nullable = true;
};

template <class T>
inline constexpr bool is_column_type_v = column_type<T>::supported;

}  // namespace manydb::schema
