#pragma once
// A model is a plain struct with a static mapping() (and optionally a bind_key). table_info<T>()
// turns the mapping into runtime TableInfo once, validating what the compiler could not.
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <typeinfo>

#include "manydb/schema/table.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb::detail {
schema::ColumnInfo column_info(std::string_view name, ValueType type, bool nullable,
                               const schema::ColumnOptions& options);
void add_index(schema::TableInfo& info, const schema::IndexDef& def);
// Checks what the compiler could not; throws ConfigError saying what to do.
void validate(schema::TableInfo& info);
}  // namespace manydb::detail

namespace manydb::schema {

template <class T>
concept Model = requires {
  T::mapping();
};

template <class T>
std::string_view bind_key_of() {
  if constexpr (requires { T::bind_key; }) {
    return std::string_view(T::bind_key);
  } else {
    return {};
  }
}

std::string demangled_name(const char* mangled);

template <class T>
std::string model_name() {
  return demangled_name(typeid(T).name());
}

template <class T>
using mapping_t = decltype(T::mapping());

template <class T>
constexpr void check_model() {
  static_assert(Model<T>,
                "manydb: a model needs `static constexpr auto mapping()` returning "
                "manydb::schema::table(...)");
  static_assert(std::is_same_v<typename mapping_t<T>::model_type, T>,
                "manydb: T::mapping() maps the members of another struct");
  static_assert(std::is_default_constructible_v<T>,
                "manydb: a model must be default-constructible");
}

// The mapping as a compile-time constant: reading it walks no runtime structure, and asking for
// it does not build it again.
template <class T>
inline constexpr auto mapping_of = T::mapping();

template <Model T>
TableInfo build_table_info() {
  check_model<T>();
  // The constant, not a runtime call: a mapping mistake the compiler can see (an index over an
  // unmapped member) stops the build.
  const auto& mapping = mapping_of<T>;
  TableInfo info;
  info.model = model_name<T>();
  info.name = std::string(mapping.name);
  info.bind = std::string(bind_key_of<T>());
  std::apply(
      [&](const auto&... c) {
        (info.columns.push_back(detail::column_info(
             c.name, column_type<typename std::decay_t<decltype(c)>::member_type>::value_type,
             column_type<typename std::decay_t<decltype(c)>::member_type>::nullable, c.options)),
         ...);
      },
      mapping.columns);
  for (std::size_t i = 0; i < mapping.index_count; ++i) detail::add_index(info, mapping.indexes[i]);
  detail::validate(info);
  return info;
}

// Built and validated on first use; a mapping mistake throws ConfigError every time it is asked.
template <Model T>
const TableInfo& table_info() {
  static const TableInfo info = build_table_info<T>();
  return info;
}

inline constexpr std::size_t not_mapped = static_cast<std::size_t>(-1);

// Where `member`'s column sits in its model's mapping, which is also its index in
// table_info<Parent>().columns; not_mapped when the member is not mapped.
template <class Parent, class M>
std::size_t find_column_index(M Parent::*member) {
  std::size_t found = not_mapped, i = 0;
  std::apply(
      [&](const auto&... c) {
        (([&] {
           if constexpr (std::is_same_v<decltype(c.member), M Parent::*>) {
             if (c.member == member) found = i;
           }
           ++i;
         }()),
         ...);
      },
      mapping_of<Parent>.columns);
  return found;
}

// The column name that `member` has in its model's mapping; empty when it is not mapped.
template <class Parent, class M>
std::string_view find_column_name(M Parent::*member) {
  const std::size_t index = find_column_index(member);
  std::string_view name;
  std::size_t i = 0;
  std::apply([&](const auto&... c) { ((name = i++ == index ? c.name : name), ...); },
             mapping_of<Parent>.columns);
  return name;
}

// The position in T's mapping of the primary_key column, and that member's type: what
// Session::get<T> takes as a key.
template <Model T>
struct primary_key_of {
  static constexpr std::size_t position = [] {
    std::size_t found = std::tuple_size_v<std::decay_t<decltype(mapping_of<T>.columns)>>, i = 0;
    std::apply([&](const auto&... c) { ((found = c.options.primary_key ? i : found, ++i), ...); },
               mapping_of<T>.columns);
    return found;
  }();
  static_assert(position < std::tuple_size_v<std::decay_t<decltype(mapping_of<T>.columns)>>,
                "manydb: the model has no primary_key column");
  using type =
      typename std::tuple_element_t<position,
                                    std::decay_t<decltype(mapping_of<T>.columns)>>::member_type;
};
template <Model T>
using primary_key_type = typename primary_key_of<T>::type;

template <class C>
struct member_class;
template <class Parent, class M>
struct member_class<M Parent::*> {
  using type = Parent;
};

template <auto Member>
ForeignKeyInfo resolve_foreign_key() {
  using Parent = typename member_class<decltype(Member)>::type;
  check_model<Parent>();
  return {std::string(bind_key_of<Parent>()), std::string(Parent::mapping().name),
          std::string(find_column_name(Member)), model_name<Parent>()};
}

}  // namespace manydb::schema
