#pragma once
// table("name", column(...), ...).index("ix_name", &Model::a, &Model::b): a model's mapping.
#include <array>
#include <cstddef>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "manydb/schema/column.hpp"

namespace manydb::schema {

struct IndexDef {
  std::string_view name;
  std::array<std::size_t, 4> columns{};  // positions in the mapping, in index order
  std::size_t count = 0;
  bool unique = false;
};

template <class Model, class Pointer>
inline constexpr bool is_data_member_of = false;
template <class Model, class M>
inline constexpr bool is_data_member_of<Model, M Model::*> =
    std::is_member_object_pointer_v<M Model::*>;

template <class Model, class... Columns>
struct Table {
  using model_type = Model;
  static constexpr std::size_t max_indexes = 8;

  std::string_view name;
  std::tuple<Columns...> columns;
  std::array<IndexDef, max_indexes> indexes{};
  std::size_t index_count = 0;

  // A composite (or single) index over mapped members, in index order:
  // .index("ix_order_user_created", &Order::user_id, &Order::created_at).
  template <class... Members>
  constexpr Table index(std::string_view index_name, Members... members) const {
    return with(index_over(index_name, false, members...));
  }
  template <class... Members>
  constexpr Table unique_index(std::string_view index_name, Members... members) const {
    return with(index_over(index_name, true, members...));
  }

 private:
  template <class... Members>
  constexpr IndexDef index_over(std::string_view index_name, bool unique,
                                Members... members) const {
    static_assert(sizeof...(Members) >= 1 && sizeof...(Members) <= 4,
                  "manydb: an index covers 1 to 4 columns");
    static_assert((is_data_member_of<Model, Members> && ...),
                  "manydb: an index covers data members of the table's own struct");
    return {index_name, {position_of(members)...}, sizeof...(Members), unique};
  }

  // A mapping is a constant (schema::mapping_of), so an unmapped member fails to compile here.
  template <class M>
  constexpr std::size_t position_of(M Model::*member) const {
    constexpr std::size_t none = sizeof...(Columns);
    std::size_t found = none, i = 0;
    std::apply(
        [&](const auto&... c) {
          (([&] {
             if constexpr (std::is_same_v<decltype(c.member), M Model::*>) {
               if (found == none && c.member == member) found = i;
             }
             ++i;
           }()),
           ...);
        },
        columns);
    if (found == none) throw std::invalid_argument("manydb: an index covers an unmapped member");
    return found;
  }

  constexpr Table with(IndexDef def) const {
    Table copy = *this;
    if (copy.index_count == max_indexes) throw std::length_error("manydb: at most 8 indexes");
    copy.indexes[copy.index_count++] = def;
    return copy;
  }
};

template <class First, class... Rest>
constexpr auto table(std::string_view name, First first, Rest... rest) {
  using Model = typename First::model_type;
  static_assert((std::is_same_v<Model, typename Rest::model_type> && ...),
                "manydb: every column of a table must be a member pointer of the same struct");
  return Table<Model, First, Rest...>{name, {first, rest...}};
}

}  // namespace manydb::schema
