#pragma once
// The seed tutorial's models: Product in the default bind, User in `users`, Order and
// OrderItem in `orders`, PageView in `analytics`, Log in `logs_db`.
#include <cstdint>
#include <optional>
#include <string>

#include "manydb/manydb.hpp"

namespace seed {

using manydb::Timestamp;
namespace s = manydb::schema;

struct Product {
  std::int64_t id = 0;
  std::string name;
  double price = 0;
  std::int64_t stock = 0;
  std::string category;
  static constexpr auto mapping() {
    return s::table("product", s::column("id", &Product::id, s::primary_key),
                    s::column("name", &Product::name, s::varchar(100)),
                    s::column("price", &Product::price), s::column("stock", &Product::stock),
                    s::column("category", &Product::category, s::varchar(50), s::indexed));
  }
};

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string email;
  Timestamp created_at{};
  static constexpr std::string_view bind_key = "users";
  static constexpr auto mapping() {
    return s::table("user", s::column("id", &User::id, s::primary_key),
                    s::column("username", &User::username, s::varchar(80), s::unique),
                    s::column("email", &User::email, s::varchar(120), s::unique),
                    s::column("created_at", &User::created_at, s::default_now));
  }
};

struct Order {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  double total_amount = 0;
  std::string status = "pending";
  Timestamp created_at{};
  static constexpr std::string_view bind_key = "orders";
  static constexpr auto mapping() {
    return s::table(
               "order", s::column("id", &Order::id, s::primary_key),
               s::column("user_id", &Order::user_id, s::refers_to<&User::id>()),
               s::column("total_amount", &Order::total_amount),
               s::column("status", &Order::status, s::varchar(20), s::default_value("pending")),
               s::column("created_at", &Order::created_at, s::default_now))
        .index("ix_order_user_created", &Order::user_id, &Order::created_at);
  }
};

struct OrderItem {
  std::int64_t id = 0;
  std::int64_t order_id = 0;
  std::int64_t product_id = 0;
  std::int64_t quantity = 0;
  double price = 0;
  static constexpr std::string_view bind_key = "orders";
  static constexpr auto mapping() {
    return s::table(
        "order_item", s::column("id", &OrderItem::id, s::primary_key),
        s::column("order_id", &OrderItem::order_id, s::indexed, s::references<&Order::id>()),
        s::column("product_id", &OrderItem::product_id, s::refers_to<&Product::id>()),
        s::column("quantity", &OrderItem::quantity, s::check("quantity > 0")),
        s::column("price", &OrderItem::price));
  }
};

struct PageView {
  std::int64_t id = 0;
  std::string page;
  std::optional<std::int64_t> user_id;
  Timestamp timestamp{};
  std::optional<std::string> ip_address{};
  static constexpr std::string_view bind_key = "analytics";
  static constexpr auto mapping() {
    return s::table("page_view", s::column("id", &PageView::id, s::primary_key),
                    s::column("page", &PageView::page, s::varchar(200)),
                    s::column("user_id", &PageView::user_id),
                    s::column("timestamp", &PageView::timestamp, s::default_now),
                    s::column("ip_address", &PageView::ip_address, s::varchar(50)));
  }
};

struct Log {
  std::int64_t id = 0;
  Timestamp timestamp{};
  std::string level;
  std::string message;
  static constexpr std::string_view bind_key = "logs_db";
  static constexpr auto mapping() {
    return s::table("log", s::column("id", &Log::id, s::primary_key),
                    s::column("timestamp", &Log::timestamp, s::default_now),
                    s::column("level", &Log::level, s::varchar(10)),
                    s::column("message", &Log::message));
  }
};

// One column of every supported type, nullable and not.
struct AllTypes {
  std::int64_t id = 0;
  bool flag = false;
  std::int32_t small = 0;
  std::int64_t big = 0;
  double real = 0;
  std::string text;
  std::string name;
  manydb::Blob bytes;
  Timestamp at;
  std::optional<bool> maybe_flag;
  std::optional<std::int64_t> maybe_big;
  std::optional<double> maybe_real;
  std::optional<std::string> maybe_text;
  std::optional<manydb::Blob> maybe_bytes;
  std::optional<Timestamp> maybe_at;
  static constexpr auto mapping() {
    return s::table("all_types", s::column("id", &AllTypes::id, s::primary_key),
                    s::column("flag", &AllTypes::flag, s::default_value(true)),
                    s::column("small", &AllTypes::small), s::column("big", &AllTypes::big),
                    s::column("ratio", &AllTypes::real), s::column("body", &AllTypes::text),
                    s::column("name", &AllTypes::name, s::varchar(40), s::default_value("it's")),
                    s::column("bytes", &AllTypes::bytes), s::column("happened_at", &AllTypes::at),
                    s::column("maybe_flag", &AllTypes::maybe_flag),
                    s::column("maybe_big", &AllTypes::maybe_big),
                    s::column("maybe_real", &AllTypes::maybe_real),
                    s::column("maybe_text", &AllTypes::maybe_text),
                    s::column("maybe_bytes", &AllTypes::maybe_bytes),
                    s::column("maybe_at", &AllTypes::maybe_at));
  }
};

}  // namespace seed
