#pragma once
// Moving a model's members to and from rows, in mapping order, without per-row lookups.
#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "manydb/core/value.hpp"
#include "manydb/driver/cursor.hpp"
#include "manydb/schema/model.hpp"

namespace manydb::detail {

using schema::mapping_of;

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

// The value of column `index`.
template <schema::Model T>
Value column_value(const T& object, std::size_t index) {
  Value out;
  std::size_t i = 0;
  std::apply(
      [&](const auto&... column) {
        ((i++ == index ? void(out = Value(object.*(column.member))) : void()), ...);
      },
      mapping_of<T>.columns);
  return out;
}

// Appends each column's value, in mapping order, but for the columns listed in `skip`.
template <schema::Model T>
void append_values(const T& object, std::span<const std::size_t> skip, std::vector<Value>& out) {
  std::size_t i = 0;
  const auto sent = [&] { return std::find(skip.begin(), skip.end(), i++) == skip.end(); };
  std::apply(
      [&](const auto&... column) {
        ((sent() ? void(out.emplace_back(object.*(column.member))) : void()), ...);
      },
      mapping_of<T>.columns);
}

// The columns whose members differ between `a` and `b`, compared as the members themselves
// (as their Values would compare), without building any Value.
template <schema::Model T>
void changed_columns(const T& a, const T& b, std::vector<std::size_t>& out) {
  out.clear();
  std::size_t i = 0;
  std::apply(
      [&](const auto&... column) {
        ((a.*(column.member) == b.*(column.member) ? void() : out.push_back(i), ++i), ...);
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

}  // namespace manydb::detail
