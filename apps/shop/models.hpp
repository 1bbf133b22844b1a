#pragma once
// The shop's models, as in the seed tutorial: products in the default bind, users, orders,
// page views in analytics, and product reviews in a bind of their own. Table names are the
// ones Flask-SQLAlchemy gives these classes.
#include <cstdint>
#include <optional>
#include <string>

#include "manydb/manydb.hpp"

namespace shop {

namespace s = manydb::schema;
using manydb::Timestamp;

struct Product {
  std::int64_t id = 0;
  std::string name;
  double price = 0;
  std::int64_t stock = 0;
  std::string category;
  static constexpr auto mapping() {
    return s::table("product", s::column("id", &Product::id, s::primary_key),
                    s::column("name", &Product::name, s::varchar(100)),
                    s::column("price", &Product::price, s::check("price >= 0")),
                    s::column("stock", &Product::stock, s::check("stock >= 0")),
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
               s::column("user_id", &Order::user_id, s::indexed, s::refers_to<&User::id>()),
               s::column("total_amount", &Order::total_amount),
               s::column("status", &Order::status, s::varchar(20), s::default_value("pending")),
               s::column("created_at", &Order::created_at, s::default_now))
        // The reports count orders per day, a range of created_at: without it they read every
        // order. Step 0002 of apps/shop/migrations/orders adds it to a live database.
        .index("ix_order_created_at", &Order::created_at);
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

// The analytics event a placed order records (POST /orders), beside the page views: the reports
// (analytics_reports.hpp) tell it apart by this page and count it as a conversion, not a view.
inline constexpr std::string_view kOrderEventPage = "/orders";

struct PageView {
  std::int64_t id = 0;
  std::string page;
  std::optional<std::int64_t> user_id{};
  Timestamp timestamp{};
  std::optional<std::string> ip_address{};
  // Unique per view (event_ids.hpp): a batch replayed after a crash skips the views already
  // written. Null for rows written by something else than the shop's writer.
  std::optional<std::int64_t> event_id{};
  static constexpr std::string_view bind_key = "analytics";
  static constexpr auto mapping() {
    return s::table("page_view", s::column("id", &PageView::id, s::primary_key),
                    s::column("page", &PageView::page, s::varchar(200)),
                    s::column("user_id", &PageView::user_id),
                    s::column("timestamp", &PageView::timestamp, s::default_now),
                    s::column("ip_address", &PageView::ip_address, s::varchar(50)),
                    s::column("event_id", &PageView::event_id, s::unique))
        // Every view costs a row in each index, and views are written all day while reports
        // are asked now and then: two narrow indexes. The reports' window is a range of the
        // first; the conversion report finds order events (page "/orders") by time in the
        // second, then their visitor.
        .index("ix_page_view_time", &PageView::timestamp)
        .index("ix_page_view_page_time", &PageView::page, &PageView::timestamp);
  }
};

struct Review {
  std::int64_t id = 0;
  std::int64_t product_id = 0;
  std::int64_t user_id = 0;
  std::int64_t rating = 0;
  std::string comment;
  Timestamp created_at{};
  static constexpr std::string_view bind_key = "reviews";
  static constexpr auto mapping() {
    return s::table(
        "review", s::column("id", &Review::id, s::primary_key),
        s::column("product_id", &Review::product_id, s::indexed, s::refers_to<&Product::id>()),
        s::column("user_id", &Review::user_id, s::refers_to<&User::id>()),
        s::column("rating", &Review::rating, s::check("rating BETWEEN 1 AND 5")),
        s::column("comment", &Review::comment),
        s::column("created_at", &Review::created_at, s::default_now));
  }
};

inline void register_models(manydb::Database& db) {
  db.register_models<Product, User, Order, OrderItem, PageView, Review>();
}

}  // namespace shop
