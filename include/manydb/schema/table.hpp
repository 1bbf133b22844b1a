#pragma once
// table("name", column(...), ...).index("ix_name", "col_a", "col_b"): a model's mapping.
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
  std::array<std::string_view, 4> columns{};
  std::size_t count = 0;
  bool unique = false;
};

template <class Model, class... Columns>
struct Table {
  using model_type = Model;
  static constexpr std::size_t max_indexes = 8;

  std::string_view name;
  std::tuple<Columns...> columns;
  std::array<IndexDef, max_indexes> indexes{};
  std::size_t index_count = 0;

  // A composite (or single) index over columns named in this mapping.
  template <class... Names>
  constexpr Table index(std::string_view index_name, Names... column_names) const {
    static_assert(sizeof...(Names) >= 1 && sizeof...(Names) <= 4,
                  "manydb: an index covers 1 to 4 columns");
    return with({index_name, {std::string_view(column_names)...}, sizeof...(Names), false});
  }
  template <class... Names>
  constexpr Table unique_index(std::string_view index_name, Names... column_names) const {
    static_assert(sizeof...(Names) >= 1 && sizeof...(Names) <= 4,
                  "manydb: an index covers 1 to 4 columns");
    return with({index_name, {std::string_view(column_names)...}, sizeof...(Names), true});
  }

 private:
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
