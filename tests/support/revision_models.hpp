#pragma once
// Models for the revision tests: ItemV1 is the table as a database already has it; Item adds
// two columns and an index to it, and Tag is a table more.
#include <cstdint>
#include <optional>
#include <string>

#include "manydb/manydb.hpp"

namespace revision_models {

namespace s = manydb::schema;

struct ItemV1 {
  std::int64_t id = 0;
  std::string name;
  static constexpr auto mapping() {
    return s::table("rev_item", s::column("id", &ItemV1::id, s::primary_key),
                    s::column("name", &ItemV1::name, s::varchar(40)));
  }
};

struct Item {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::int64_t> price;
  std::int64_t stock = 0;
  static constexpr auto mapping() {
    return s::table("rev_item", s::column("id", &Item::id, s::primary_key),
                    s::column("name", &Item::name, s::varchar(40)),
                    s::column("price", &Item::price),
                    s::column("stock", &Item::stock, s::default_value(0)))
        .index("ix_rev_item_name", &Item::name);
  }
};

struct Tag {
  std::int64_t id = 0;
  std::int64_t item_id = 0;
  std::string label;
  static constexpr auto mapping() {
    return s::table("rev_tag", s::column("id", &Tag::id, s::primary_key),
                    s::column("item_id", &Tag::item_id, s::indexed),
                    s::column("label", &Tag::label, s::varchar(20)));
  }
};

}  // namespace revision_models
