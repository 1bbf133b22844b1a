#pragma once
// column("name", &Model::member, options...): one mapped column and its options.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <variant>

#include "manydb/schema/column_type.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb::schema {

using ForeignKeyResolver = ForeignKeyInfo (*)();

struct ColumnOptions {
  bool primary_key = false;
  bool autoincrement = true;  // applies to an integer primary key only
  bool unique = false;
  bool indexed = false;
  bool default_now = false;
  std::size_t length = 0;
  std::variant<std::monostate, bool, std::int64_t, double, std::string_view> default_value;
  std::string_view check;
  ForeignKeyResolver references = nullptr;
};

// Options, passed after the member pointer in any order.
struct primary_key_t {};
inline constexpr primary_key_t primary_key{};
struct no_autoincrement_t {};
inline constexpr no_autoincrement_t no_autoincrement{};
struct unique_t {};
inline constexpr unique_t unique{};
struct indexed_t {};
inline constexpr indexed_t indexed{};
struct default_now_t {};
inline constexpr default_now_t default_now{};  // server-side: the current UTC timestamp
struct varchar {
  std::size_t length;
  constexpr explicit varchar(std::size_t n) : length(n) {}
};
struct check {
  std::string_view expression;  // SQL from code, never from input
  constexpr explicit check(std::string_view e) : expression(e) {}
};
struct default_value_t {
  std::variant<std::monostate, bool, std::int64_t, double, std::string_view> value;
};
constexpr default_value_t default_value(bool v) { return {v}; }
constexpr default_value_t default_value(std::int64_t v) { return {v}; }
constexpr default_value_t default_value(int v) { return {std::int64_t{v}}; }
constexpr default_value_t default_value(double v) { return {v}; }
constexpr default_value_t default_value(std::string_view v) { return {v}; }
constexpr default_value_t default_value(const char* v) { return {std::string_view(v)}; }
struct references_t {
  ForeignKeyResolver resolve;
};
template <auto Member>
ForeignKeyInfo resolve_foreign_key();  // defined in model.hpp
// references<&Parent::id>(): a foreign key to another model of the same bind.
template <auto Member>
constexpr references_t references() {
  static_assert(std::is_member_object_pointer_v<decltype(Member)>,
                "manydb: references<&Model::member>() takes a pointer to a data member");
  return {&resolve_foreign_key<Member>};
}

// refers_to<&Product::id>(): a logical reference, allowed across binds, with no constraint in
// the DDL; Session::load_related<&OrderItem::product_id>(items) follows it in one query.
template <auto Target>
struct refers_to_t {
  static_assert(std::is_member_object_pointer_v<decltype(Target)>,
                "manydb: refers_to<&Model::member>() takes a pointer to a data member");
};
template <auto Target>
constexpr refers_to_t<Target> refers_to() {
  return {};
}

constexpr void apply(ColumnOptions& o, primary_key_t) { o.primary_key = true; }
constexpr void apply(ColumnOptions& o, no_autoincrement_t) { o.autoincrement = false; }
constexpr void apply(ColumnOptions& o, unique_t) { o.unique = true; }
constexpr void apply(ColumnOptions& o, indexed_t) { o.indexed = true; }
constexpr void apply(ColumnOptions& o, default_now_t) { o.default_now = true; }
constexpr void apply(ColumnOptions& o, varchar v) { o.length = v.length; }
constexpr void apply(ColumnOptions& o, check c) { o.check = c.expression; }
constexpr void apply(ColumnOptions& o, default_value_t d) { o.default_value = d.value; }
constexpr void apply(ColumnOptions& o, references_t r) { o.references = r.resolve; }
template <auto Target>
constexpr void apply(ColumnOptions&, refers_to_t<Target>) {}

// The Target of the refers_to option among Options, or nullptr.
template <class... Options>
struct reference_target {
  static constexpr auto value = nullptr;
};
template <auto Target, class... Rest>
struct reference_target<refers_to_t<Target>, Rest...> {
  static constexpr auto value = Target;
};
template <class First, class... Rest>
struct reference_target<First, Rest...> : reference_target<Rest...> {};

template <class Model, class Member, auto Target = nullptr>
struct Column {
  using model_type = Model;
  using member_type = Member;
  static constexpr auto reference = Target;  // a refers_to target, or nullptr
  std::string_view name;
  Member Model::*member;
  ColumnOptions options;
};

template <class Model, class Member, class... Options>
constexpr auto column(std::string_view name, Member Model::*member, Options... options) {
  static_assert(is_column_type_v<Member>,
                "manydb: unsupported member type for a column; use an integer, double, bool, "
                "std::string, manydb::Blob, manydb::Timestamp or std::optional of one of them");
  static_assert((requires(ColumnOptions & o) { apply(o, options); } && ...),
                "manydb: unknown column option");
  Column<Model, Member, reference_target<Options...>::value> c{name, member, {}};
  (apply(c.options, options), ...);
  return c;
}

}  // namespace manydb::schema
