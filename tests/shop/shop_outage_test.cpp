// A bind going down and coming back while the shop runs (PostgreSQL + MariaDB only). The shop
// reaches one bind through a TCP proxy inside this test process; stopping the proxy (closing
// its listener and every connection) is the outage, reopening it on the same port the return.
#include <chrono>

#include "shop_test_fixture.hpp"
#include "tcp_proxy.hpp"

namespace shop_test {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using manydb::testing::TcpProxy;

class ShopOutage : public ShopFixture {
 protected:
  // Starts the shop on the servers config with `bind` behind the proxy.
  void start_with_proxy(const std::string& bind, const char* server_env) {
    const std::string url = env_or_empty(server_env);
    if (!url.empty()) {
      proxy_ = std::make_unique<TcpProxy>(manydb::Url::parse(url).port_or_default());
      proxy_->start();
    }
    ShopOptions options{.config = "servers"};
    if (proxy_) options.proxied_binds[bind] = proxy_->port();
    start_shop(options);  // skips (or fails under MANYDB_REQUIRE_ALL_ENGINES=1) without URLs
  }

  // Polls GET /healthz until 200: a bounded number of real requests, at most ~30 s.
  HttpResponse wait_until_healthy() {
    HttpResponse last;
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    for (int attempt = 0; attempt < 300 && Clock::now() < deadline; ++attempt) {
      last = get("/healthz");
      if (last.status == 200) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return last;
  }

  void expect_down(const std::string& bind) {
    const auto response = get("/healthz");
    ASSERT_EQ(response.status, 503) << describe(response);
    const auto h = parse_json(response);
    EXPECT_EQ(h.at("status").as_string(), "degraded");
    for (const auto& [name, b] : h.at("binds").as_object()) {
      if (name == bind) {
        EXPECT_EQ(b.at("status").as_string(), "down") << describe(response);
        const auto* error = b.as_object().if_contains("error");
        EXPECT_TRUE(error && error->is_string() && !error->as_string().empty())
            << describe(response);
      } else {
        EXPECT_EQ(b.at("status").as_string(), "ok") << name << ": " << describe(response);
      }
    }
    EXPECT_EQ(response.body.find("p@ss"), std::string::npos) << "no password in /healthz";
  }

  std::unique_ptr<TcpProxy> proxy_;
};

TEST_F(ShopOutage, AnalyticsDownBuffersPageViewsAndRecovers) {
  start_with_proxy("analytics", "MANYDB_TEST_MARIADB_URL");
  if (IsSkipped() || HasFatalFailure()) return;
  const auto views = count_rows("analytics", "page_view");
  const auto product_views = count_rows("analytics", "page_view", "page = '/products'");
  const auto order_views =
      count_rows("analytics", "page_view", "page = '/users/1/orders' AND user_id = 1");
  ASSERT_EQ(get("/healthz").status, 200);

  proxy_->stop();
  ASSERT_NO_FATAL_FAILURE(expect_down("analytics"));
  for (int i = 0; i < 3; ++i) {
    const auto products = get("/products");
    EXPECT_EQ(products.status, 200) << "reads never wait for analytics: " << describe(products);
  }
  const auto user = get("/users/1");
  EXPECT_EQ(user.status, 200) << describe(user);
  const auto orders = get("/users/1/orders");
  EXPECT_EQ(orders.status, 200) << describe(orders);
  EXPECT_EQ(count_rows("analytics", "page_view"), views) << "nothing reached MariaDB yet";

  proxy_->start();  // the same port: the shop's URL is unchanged
  const auto healthy = wait_until_healthy();
  EXPECT_EQ(healthy.status, 200) << "/healthz recovers without a restart: " << describe(healthy);
  EXPECT_EQ(wait_for_rows("analytics", "page_view", views + 4, 60), views + 4)
      << "the 4 buffered page views are written once MariaDB is back";
  EXPECT_EQ(count_rows("analytics", "page_view", "page = '/products'"), product_views + 3);
  EXPECT_EQ(count_rows("analytics", "page_view", "page = '/users/1/orders' AND user_id = 1"),
            order_views + 1);
}

TEST_F(ShopOutage, UsersDownIs503OnlyWhereUsersAreNeeded) {
  start_with_proxy("users", "MANYDB_TEST_POSTGRES_URL");
  if (IsSkipped() || HasFatalFailure()) return;
  ASSERT_EQ(get("/users/1").status, 200);

  proxy_->stop();
  ASSERT_NO_FATAL_FAILURE(expect_down("users"));
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/users/1"}, {"GET", "/users/1/orders"}}) {
    const auto response = request(method, path);
    EXPECT_EQ(response.status, 503) << path << ": " << describe(response);
    EXPECT_TRUE(is_error_body(response)) << describe(response);
  }
  const auto created = post("/users", json::value{{"username", "during"}, {"email", "d@x.org"}});
  EXPECT_EQ(created.status, 503) << describe(created);
  EXPECT_TRUE(is_error_body(created)) << describe(created);
  const auto products = get("/products");
  EXPECT_EQ(products.status, 200) << "the products keep serving: " << describe(products);
  const auto product = get("/products/1");
  EXPECT_EQ(product.status, 200) << describe(product);

  proxy_->start();
  EXPECT_EQ(wait_until_healthy().status, 200);
  const auto back = get("/users/1");
  EXPECT_EQ(back.status, 200) << describe(back);
}

TEST_F(ShopOutage, ReviewsDownStillAnswersTheProductWithoutItsReviews) {
  start_with_proxy("reviews", "MANYDB_TEST_POSTGRES_URL");
  if (IsSkipped() || HasFatalFailure()) return;
  const auto user = create_user("reviewer");
  const auto review =
      post("/products/1/reviews", json::value{{"user_id", user}, {"rating", 4}, {"comment", "ok"}});
  ASSERT_EQ(review.status, 201) << describe(review);
  const auto with = parse_json(get("/products/1"));
  ASSERT_FALSE(with.at("reviews").as_array().empty());
  EXPECT_EQ(with.at("reviews_unavailable"), json::value(false));

  proxy_->stop();
  const auto without = get("/products/1");
  ASSERT_EQ(without.status, 200) << "the product answers without its reviews: "
                                 << describe(without);
  const auto body = parse_json(without);
  EXPECT_EQ(body.at("id").as_int64(), 1);
  EXPECT_EQ(body.at("name"), with.at("name"));
  EXPECT_TRUE(body.at("reviews").is_null()) << describe(without);
  EXPECT_EQ(body.at("reviews_unavailable"), json::value(true));
  const auto refused =
      post("/products/1/reviews", json::value{{"user_id", user}, {"rating", 5}, {"comment", "x"}});
  EXPECT_EQ(refused.status, 503) << describe(refused);
  EXPECT_NE(refused.body.find("database 'reviews'"), std::string::npos) << describe(refused);

  proxy_->start();
  EXPECT_EQ(wait_until_healthy().status, 200);
  const auto back = parse_json(get("/products/1"));
  EXPECT_EQ(back.at("reviews"), with.at("reviews"));
  EXPECT_EQ(back.at("reviews_unavailable"), json::value(false));
}

TEST_F(ShopOutage, OrdersDownGivesTheStockBack) {
  start_with_proxy("orders", "MANYDB_TEST_POSTGRES_URL");
  if (IsSkipped() || HasFatalFailure()) return;
  const auto user = create_user("outage");
  const auto product = insert_product("Fragile", 8, 5);
  const auto orders = count_rows("orders", "order");
  const json::value body{
      {"user_id", user},
      {"items", json::array{json::value{{"product_id", product}, {"quantity", 2}}}}};

  proxy_->stop();
  const auto refused = post("/orders", body);
  EXPECT_EQ(refused.status, 503) << describe(refused);
  EXPECT_TRUE(is_error_body(refused)) << describe(refused);
  EXPECT_EQ(product_stock(product), 5) << "the stock taken for the order is given back";
  EXPECT_EQ(count_rows("orders", "order"), orders);

  proxy_->start();
  EXPECT_EQ(wait_until_healthy().status, 200);
  const auto placed = post("/orders", body);
  EXPECT_EQ(placed.status, 201) << describe(placed);
  EXPECT_EQ(product_stock(product), 3);
}

}  // namespace
}  // namespace shop_test
