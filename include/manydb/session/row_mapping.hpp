#pragma once
// Moving a model's members to and from rows, in mapping order, without per-row lookups.
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "manydb/core/value.hpp"
#include "manydb/driver/cursor.hpp"
#include "manydb/schema/model.hpp"

namespace manydb::session_detail {

// The mapping as a compile-time constant, so a row read walks no runtime structure.
template <schema::Model T>
inline constexpr auto mapping_of = T::mapping();

template <schema::Model T>
inline constexpr std::size_t column_count_of =
    std::tuple_size_v<std::decay_t<decltype(mapping_of<T>.columns)>>;

// Reads cursor column `i` into `member`; a string is copied once, straight from the row.
template <class M>
void read_member(const Cursor& cursor, std::size_t i, M& member) {
  if constexpr (std::is_same_v<M, std::string>) {
    member.assign(cursor.get_text(i));
  } else {
    member = cursor.template get<M>(i);
  }
}

// Reads columns [first, first + columns) of the cursor's current row into `object`.
template <schema::Model T>
void read_row(const Cursor& cursor, T& object, std::size_t first = 0) {
  std::apply(
      [&](const auto&... column) {
        std::size_t i = first;
        (read_member(cursor, i++, object.*(column.member)), ...);
      },
      mapping_of<T>.columns);
}

// Every column's value, in mapping order.
template <schema::Model T>
std::vector<Value> values_of(const T& object) {
  std::vector<Value> out;
  out.reserve(column_count_of<T>);
  std::apply([&](const auto&... column) { (out.emplace_back(object.*(column.member)), ...); },
             mapping_of<T>.columns);
  return out;
}

// Stores `value` into a member of any supported column type.
template <class M>
void assign(M& member, const Value& value) {
  if constexpr (std::is_integral_v<M> && !std::is_same_v<M, bool>) {
    member = static_cast<M>(value.as_int64());
  } else if constexpr (manydb::detail::is_optional<M>::value) {
    if (value.is_null()) {
      member.reset();
    } else {
      typename M::value_type inner{};
      assign(inner, value);
      member = std::move(inner);
    }
  } else if constexpr (std::is_same_v<M, bool>) {
    member = value.as_bool();
  } else if constexpr (std::is_floating_point_v<M>) {
    member = static_cast<M>(value.as_double());
  } else if constexpr (std::is_same_v<M, std::string>) {
    member = value.as_text();
  } else if constexpr (std::is_same_v<M, Blob>) {
    member = value.as_blob();
  } else {
    member = value.as_timestamp();
  }
}

// Sets the member of column `index` from `value` (a generated key, say).
template <schema::Model T>
void set_column(T& object, std::size_t index, const Value& value) {
  std::size_t i = 0;
  std::apply(
      [&](const auto&... column) {
        ((i++ == index ? assign(object.*(column.member), value) : void()), ...);
      },
      mapping_of<T>.columns);
}

// Reads cursor column `from` into the member of mapping column `index`, typed.
template <schema::Model T>
void read_column(T& object, std::size_t index, const Cursor& cursor, std::size_t from) {
  std::size_t i = 0;
  std::apply(
      [&](const auto&... column) {
        ((i++ == index
              ? void(object.*(column.member) =
                         cursor.template get<typename std::decay_t<decltype(column)>::member_type>(
                             from))
              : void()),
         ...);
      },
      mapping_of<T>.columns);
}

}  // namespace manydb::session_detail
