#pragma once
// Which C++ member types a column can have, and the ValueType each maps to.
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "manydb/core/timestamp.hpp"
#include "manydb/core/value.hpp"

namespace manydb::schema {

template <ValueType Type, bool Nullable = false>
struct mapped_as {
  static constexpr bool supported = Type != ValueType::null;
  static constexpr ValueType value_type = Type;
  static constexpr bool nullable = Nullable;
};

template <class T>
struct column_type : mapped_as<ValueType::null> {};
template <class T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool> && !std::is_same_v<T, char> &&
         sizeof(T) <= 8) struct column_type<T> : mapped_as<ValueType::int64> {
};
template <>
struct column_type<bool> : mapped_as<ValueType::boolean> {};
template <class T>
requires std::is_floating_point_v<T>
struct column_type<T> : mapped_as<ValueType::real> {
};
template <>
struct column_type<std::string> : mapped_as<ValueType::text> {};
template <>
struct column_type<Blob> : mapped_as<ValueType::blob> {};
template <>
struct column_type<Timestamp> : mapped_as<ValueType::timestamp> {};
template <class T>
struct column_type<std::optional<T>> : mapped_as<column_type<T>::value_type, true> {};

template <class T>
inline constexpr bool is_column_type_v = column_type<T>::supported;

}  // namespace manydb::schema
