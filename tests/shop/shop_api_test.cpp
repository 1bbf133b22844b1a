// Every endpoint of docs/openapi.yaml and its errors, on SQLite and on PostgreSQL + MariaDB.
#include <unistd.h>

#include <set>

#include "shop_test_fixture.hpp"

namespace shop_test {
namespace {

namespace json = boost::json;

class ShopApi : public ShopTest {};

// --- products -------------------------------------------------------------------------------

TEST_P(ShopApi, ProductsListsEverySeededProductWithItsFields) {
  const auto response = get("/products");
  ASSERT_EQ(response.status, 200) << describe(response);
  EXPECT_NE(header(response, "Content-Type").find("application/json"), std::string::npos);
  const auto body = parse_json(response);
  ASSERT_TRUE(body.is_array()) << describe(response);
  EXPECT_EQ(body.as_array().size(), 20u) << "seeded with --products 20";
  std::set<std::int64_t> ids;
  for (const auto& p : body.as_array()) {
    ASSERT_TRUE(p.is_object()) << json::serialize(p);
    const auto& o = p.as_object();
    ASSERT_TRUE(o.contains("id") && o.contains("name") && o.contains("price") &&
                o.contains("stock") && o.contains("category"))
        << json::serialize(p);
    ids.insert(integer(o.at("id")));
    EXPECT_TRUE(o.at("name").is_string());
    EXPECT_TRUE(is_money(o.at("price"))) << json::serialize(p);
    EXPECT_GE(integer(o.at("stock")), 0);
    EXPECT_TRUE(o.at("category").is_string());
  }
  EXPECT_EQ(ids.size(), body.as_array().size()) << "ids are unique";
}

TEST_P(ShopApi, ProductsFilterByCategory) {
  const auto all = parse_json(get("/products"));
  ASSERT_TRUE(all.is_array() && !all.as_array().empty());
  const std::string category(all.as_array()[0].at("category").as_string());
  std::size_t expected = 0;
  for (const auto& p : all.as_array()) expected += p.at("category").as_string() == category;

  const auto response = get("/products?category=" + url_encode(category));
  ASSERT_EQ(response.status, 200) << describe(response);
  const auto some = parse_json(response);
  ASSERT_TRUE(some.is_array());
  EXPECT_EQ(some.as_array().size(), expected) << "category " << category;
  for (const auto& p : some.as_array()) EXPECT_EQ(p.at("category").as_string(), category);

  const auto none = get("/products?category=" + url_encode("no such category ' OR 1=1 --"));
  ASSERT_EQ(none.status, 200) << describe(none);
  EXPECT_EQ(parse_json(none), json::value(json::array{}));
}

TEST_P(ShopApi, ProductsLogsAPageViewWithTheClientAddress) {
  const std::string with_address =
      "page = '/products' AND ip_address = '127.0.0.1' AND user_id IS NULL";
  const auto before = count_rows("analytics", "page_view", "page = '/products'");
  const auto before_with_address = count_rows("analytics", "page_view", with_address);
  const auto all_before = count_rows("analytics", "page_view");
  ASSERT_EQ(get("/products").status, 200);
  EXPECT_EQ(wait_for_rows("analytics", "page_view", all_before + 1), all_before + 1);
  EXPECT_EQ(count_rows("analytics", "page_view", "page = '/products'"), before + 1);
  EXPECT_EQ(count_rows("analytics", "page_view", with_address), before_with_address + 1)
      << "the page view records the client address and no user";
}

TEST_P(ShopApi, ProductWithItsReviews) {
  const auto product_id = insert_product("Reviewed lamp", 12.5, 3);
  const auto user_id = create_user("reviewer");
  const auto empty = get("/products/" + std::to_string(product_id));
  ASSERT_EQ(empty.status, 200) << describe(empty);
  const auto e = parse_json(empty);
  EXPECT_EQ(integer(e.at("id")), product_id);
  EXPECT_EQ(e.at("name").as_string(), "Reviewed lamp");
  EXPECT_DOUBLE_EQ(number(e.at("price")), 12.5);
  EXPECT_EQ(integer(e.at("stock")), 3);
  EXPECT_EQ(e.at("category").as_string(), "test");
  EXPECT_EQ(e.at("reviews"), json::value(json::array{}));

  const auto created =
      post("/products/" + std::to_string(product_id) + "/reviews",
           json::value{{"user_id", user_id}, {"rating", 4}, {"comment", "Bright"}});
  ASSERT_EQ(created.status, 201) << describe(created);
  const auto review_id = integer(parse_json(created).at("id"));

  const auto full = parse_json(get("/products/" + std::to_string(product_id)));
  ASSERT_TRUE(full.at("reviews").is_array());
  ASSERT_EQ(full.at("reviews").as_array().size(), 1u) << json::serialize(full);
  const auto& r = full.at("reviews").as_array()[0].as_object();
  EXPECT_EQ(integer(r.at("id")), review_id);
  EXPECT_EQ(integer(r.at("user_id")), user_id);
  EXPECT_EQ(integer(r.at("rating")), 4);
  EXPECT_EQ(r.at("comment").as_string(), "Bright");
  EXPECT_TRUE(is_iso_utc(r.at("created_at"))) << json::serialize(r);
  EXPECT_EQ(count_rows("reviews", "review", "product_id = " + std::to_string(product_id)), 1);
}

TEST_P(ShopApi, ProductNotFound) {
  for (const char* path : {"/products/999999", "/products/0", "/products/-1", "/products/abc",
                           "/products/1.5", "/products/99999999999999999999"}) {
    const auto response = get(path);
    EXPECT_EQ(response.status, 404) << path << ": " << describe(response);
    EXPECT_TRUE(is_error_body(response)) << path << ": " << describe(response);
  }
}

// --- reviews --------------------------------------------------------------------------------

TEST_P(ShopApi, ReviewRatingsAndUnknownRows) {
  const auto product_id = insert_product("Rated chair", 40, 1);
  const auto user_id = create_user("rater");
  const std::string path = "/products/" + std::to_string(product_id) + "/reviews";
  auto review = [&](std::int64_t user, json::value rating) {
    return post(path, json::value{{"user_id", user}, {"rating", rating}, {"comment", "ok"}});
  };
  for (int rating : {1, 5}) {
    const auto ok = review(user_id, rating);
    EXPECT_EQ(ok.status, 201) << "rating " << rating << ": " << describe(ok);
    EXPECT_TRUE(parse_json(ok).at("id").is_int64()) << describe(ok);
  }
  for (int rating : {0, 6, -1, 100}) {
    const auto bad = review(user_id, rating);
    EXPECT_EQ(bad.status, 400) << "rating " << rating << ": " << describe(bad);
    EXPECT_TRUE(is_error_body(bad)) << describe(bad);
  }
  const auto unknown_user = review(999999, 3);
  EXPECT_EQ(unknown_user.status, 404) << describe(unknown_user);
  EXPECT_TRUE(is_error_body(unknown_user));
  const auto unknown_product =
      post("/products/999999/reviews",
           json::value{{"user_id", user_id}, {"rating", 3}, {"comment", ""}});
  EXPECT_EQ(unknown_product.status, 404) << describe(unknown_product);
  EXPECT_TRUE(is_error_body(unknown_product));
  EXPECT_EQ(count_rows("reviews", "review", "product_id = " + std::to_string(product_id)), 2);
}

// --- users ----------------------------------------------------------------------------------

TEST_P(ShopApi, CreateAndGetUser) {
  const std::string name = "ada_" + std::to_string(::getpid());
  const auto created = post("/users", json::value{{"username", name}, {"email", name + "@x.org"}});
  ASSERT_EQ(created.status, 201) << describe(created);
  const auto u = parse_json(created);
  const auto id = integer(u.at("id"));
  EXPECT_EQ(u.at("username").as_string(), name);
  EXPECT_EQ(u.at("email").as_string(), name + "@x.org");
  EXPECT_TRUE(is_iso_utc(u.at("created_at"))) << describe(created);

  const auto fetched = get("/users/" + std::to_string(id));
  ASSERT_EQ(fetched.status, 200) << describe(fetched);
  EXPECT_EQ(parse_json(fetched), u) << "GET returns what POST returned";
}

TEST_P(ShopApi, UserConflicts) {
  const std::string name = "taken_" + std::to_string(::getpid());
  ASSERT_EQ(post("/users", json::value{{"username", name}, {"email", name + "@x.org"}}).status,
            201);
  const auto users = count_rows("users", "user");
  const auto same_name = post("/users", json::value{{"username", name}, {"email", "other@x.org"}});
  EXPECT_EQ(same_name.status, 409) << describe(same_name);
  EXPECT_TRUE(is_error_body(same_name));
  const auto same_email =
      post("/users", json::value{{"username", name + "2"}, {"email", name + "@x.org"}});
  EXPECT_EQ(same_email.status, 409) << describe(same_email);
  EXPECT_TRUE(is_error_body(same_email));
  EXPECT_EQ(count_rows("users", "user"), users);
}

TEST_P(ShopApi, UserFieldValidation) {
  const auto users = count_rows("users", "user");
  const std::string u80(80, 'u'), e120 = std::string(114, 'e') + "@x.org";
  const std::vector<json::value> bad = {
      json::value{{"email", "a@x.org"}},                             // no username
      json::value{{"username", "nomail"}},                           // no email
      json::value{{"username", ""}, {"email", "b@x.org"}},           // empty username
      json::value{{"username", "noemail"}, {"email", ""}},           // empty email
      json::value{{"username", u80 + "u"}, {"email", "c@x.org"}},    // 81 characters
      json::value{{"username", "longmail"}, {"email", "e" + e120}},  // 121 characters
      json::value{{"username", 42}, {"email", "d@x.org"}},           // not a string
      json::value{{"username", "arr"}, {"email", json::array{"a@x.org"}}},
      json::value{{"username", nullptr}, {"email", "f@x.org"}},
  };
  for (const auto& body : bad) {
    const auto response = post("/users", body);
    EXPECT_EQ(response.status, 400) << json::serialize(body) << " -> " << describe(response);
    EXPECT_TRUE(is_error_body(response)) << describe(response);
  }
  EXPECT_EQ(count_rows("users", "user"), users);
  const auto longest = post("/users", json::value{{"username", u80}, {"email", e120}});
  EXPECT_EQ(longest.status, 201) << "80 and 120 characters are allowed: " << describe(longest);
}

TEST_P(ShopApi, UserNotFound) {
  for (const char* path : {"/users/999999", "/users/abc", "/users/0", "/users/1e3"}) {
    const auto response = get(path);
    EXPECT_EQ(response.status, 404) << path << ": " << describe(response);
    EXPECT_TRUE(is_error_body(response)) << path << ": " << describe(response);
  }
  const auto orders = get("/users/999999/orders");
  EXPECT_EQ(orders.status, 404) << describe(orders);
  EXPECT_TRUE(is_error_body(orders));
}

TEST_P(ShopApi, UserOrdersListAndPageView) {
  const auto user_id = create_user("buyer");
  const std::string path = "/users/" + std::to_string(user_id) + "/orders";
  const auto views = count_rows("analytics", "page_view");
  const auto empty = get(path);
  ASSERT_EQ(empty.status, 200) << describe(empty);
  EXPECT_EQ(parse_json(empty), json::value(json::array{}));

  const auto product_id = insert_product("Kettle", 19.99, 5);
  const auto placed =
      post("/orders",
           json::value{
               {"user_id", user_id},
               {"items", json::array{json::value{{"product_id", product_id}, {"quantity", 2}}}}});
  ASSERT_EQ(placed.status, 201) << describe(placed);
  const auto order_id = integer(parse_json(placed).at("id"));

  const auto listed = get(path);
  ASSERT_EQ(listed.status, 200) << describe(listed);
  const auto list = parse_json(listed);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.as_array().size(), 1u) << describe(listed);
  const auto& o = list.as_array()[0].as_object();
  EXPECT_EQ(integer(o.at("id")), order_id);
  EXPECT_NEAR(number(o.at("total")), 39.98, 1e-9);
  EXPECT_TRUE(is_money(o.at("total")));
  EXPECT_TRUE(o.at("status").is_string() && !o.at("status").as_string().empty());
  EXPECT_TRUE(is_iso_utc(o.at("date"))) << describe(listed);

  // Two successful GETs of the list: two page views carrying the user id; and the order's
  // event (page "/orders") with the user id and the address, for the conversion report.
  EXPECT_EQ(wait_for_rows("analytics", "page_view", views + 3), views + 3);
  EXPECT_EQ(count_rows("analytics", "page_view",
                       "page = '/orders' AND user_id = " + std::to_string(user_id) +
                           " AND ip_address = '127.0.0.1'"),
            1);
  EXPECT_EQ(count_rows("analytics", "page_view",
                       "page = '" + path + "' AND user_id = " + std::to_string(user_id) +
                           " AND ip_address = '127.0.0.1'"),
            2);
}

// --- orders ---------------------------------------------------------------------------------

TEST_P(ShopApi, OrderDetail) {
  const auto user_id = create_user("detail");
  const auto a = insert_product("Mug", 7.25, 10);
  const auto b = insert_product("Plate", 0.1, 10);
  const json::value order{{"user_id", user_id},
                          {"items", json::array{json::value{{"product_id", a}, {"quantity", 2}},
                                                json::value{{"product_id", b}, {"quantity", 3}}}}};
  const auto placed = post("/orders", order);
  ASSERT_EQ(placed.status, 201) << describe(placed);
  const auto p = parse_json(placed);
  const auto id = integer(p.at("id"));
  EXPECT_NEAR(number(p.at("total")), 14.80, 1e-9) << "2 x 7.25 + 3 x 0.10, in cents";
  EXPECT_TRUE(is_money(p.at("total"))) << describe(placed);

  const auto response = get("/orders/" + std::to_string(id));
  ASSERT_EQ(response.status, 200) << describe(response);
  const auto d = parse_json(response);
  EXPECT_EQ(integer(d.at("id")), id);
  EXPECT_EQ(integer(d.at("user").at("id")), user_id);
  EXPECT_EQ(d.at("user").at("username").as_string(), "detail_" + std::to_string(::getpid()));
  EXPECT_NEAR(number(d.at("total")), 14.80, 1e-9);
  EXPECT_TRUE(d.at("status").is_string());
  ASSERT_TRUE(d.at("items").is_array());
  ASSERT_EQ(d.at("items").as_array().size(), 2u) << describe(response);
  std::map<std::int64_t, json::object> items;
  for (const auto& item : d.at("items").as_array()) {
    items[integer(item.at("product_id"))] = item.as_object();
  }
  ASSERT_TRUE(items.count(a) && items.count(b)) << describe(response);
  EXPECT_EQ(items[a].at("product_name").as_string(), "Mug");
  EXPECT_EQ(integer(items[a].at("quantity")), 2);
  EXPECT_NEAR(number(items[a].at("price")), 7.25, 1e-9);
  EXPECT_EQ(items[b].at("product_name").as_string(), "Plate");
  EXPECT_EQ(integer(items[b].at("quantity")), 3);
  EXPECT_NEAR(number(items[b].at("price")), 0.1, 1e-9);

  EXPECT_EQ(product_stock(a), 8);
  EXPECT_EQ(product_stock(b), 7);
  const auto missing = get("/orders/999999");
  EXPECT_EQ(missing.status, 404) << describe(missing);
  EXPECT_TRUE(is_error_body(missing));
  EXPECT_EQ(get("/orders/abc").status, 404);
}

TEST_P(ShopApi, SeededOrdersAreReadable) {
  const auto first = db().execute("orders", "SELECT min(id) FROM " + quoted("orders", "order"));
  ASSERT_FALSE(first.rows.at(0).at(0).is_null()) << "seeded with --orders 15";
  const auto response = get("/orders/" + std::to_string(first.rows[0][0].as_int64()));
  ASSERT_EQ(response.status, 200) << describe(response);
  const auto d = parse_json(response);
  EXPECT_TRUE(is_money(d.at("total"))) << describe(response);
  EXPECT_FALSE(d.at("items").as_array().empty()) << describe(response);
}

// --- health ---------------------------------------------------------------------------------

TEST_P(ShopApi, HealthzEveryBindOk) {
  const auto response = get("/healthz");
  ASSERT_EQ(response.status, 200) << describe(response);
  const auto h = parse_json(response);
  EXPECT_EQ(h.at("status").as_string(), "ok");
  const auto& binds = h.at("binds").as_object();
  for (const char* bind : {"default", "users", "orders", "reviews", "analytics"}) {
    ASSERT_TRUE(binds.contains(bind)) << bind << " missing: " << describe(response);
    const auto& b = binds.at(bind).as_object();
    EXPECT_EQ(b.at("status").as_string(), "ok") << bind;
    const std::string expected =
        servers() ? (std::string(bind) == "analytics" ? "mariadb" : "postgresql") : "sqlite";
    EXPECT_EQ(b.at("engine").as_string(), expected) << bind;
    EXPECT_FALSE(b.contains("error")) << bind;
  }
  EXPECT_EQ(binds.size(), 5u) << describe(response);
  EXPECT_EQ(response.body.find("p@ss"), std::string::npos) << "no password in /healthz";
}

INSTANTIATE_TEST_SUITE_P(Configs, ShopApi, ::testing::Values("sqlite", "servers"), config_name);

}  // namespace
}  // namespace shop_test
