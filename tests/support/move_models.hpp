#pragma once
// The model the table-move tests move from bind `src` to bind `dst`: a column of each type
// that engines return differently (a bool, a double, a time, a nullable text).
#include <cstdint>
#include <optional>
#include <string>

#include "manydb/manydb.hpp"

namespace move_test {

namespace s = manydb::schema;

struct Item {
  std::int64_t id = 0;
  std::string name;
  std::int64_t qty = 0;
  double price = 0;
  bool active = true;
  manydb::Timestamp at{};
  std::optional<std::string> note;
  static constexpr std::string_view bind_key = "src";
  static constexpr auto mapping() {
    return s::table("move_item", s::column("id", &Item::id, s::primary_key),
                    s::column("name", &Item::name, s::varchar(50)), s::column("qty", &Item::qty),
                    s::column("price", &Item::price), s::column("active", &Item::active),
                    s::column("at", &Item::at), s::column("note", &Item::note));
  }
};

// The configuration of both binds, with the move of move_item from src to dst.
inline manydb::DatabaseConfig move_config(const std::string& src, const std::string& dst) {
  manydb::DatabaseConfig config;
  config.add_bind("src", src);
  config.add_bind("dst", dst);
  config.add_move("move_item", "src", "dst", std::chrono::milliseconds(50));
  config.recovery_interval = std::chrono::milliseconds(0);
  return config;
}

}  // namespace move_test
