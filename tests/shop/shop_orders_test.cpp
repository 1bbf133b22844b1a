// POST /orders: the order of its checks, stock under concurrency, lines of one product.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

#include "shop_test_fixture.hpp"

namespace shop_test {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

class ShopOrders : public ShopTest {
 protected:
  static json::value order(std::int64_t user,
                           std::vector<std::pair<json::value, json::value>> lines) {
    json::array items;
    for (auto& [product, quantity] : lines) {
      items.push_back(json::value{{"product_id", product}, {"quantity", quantity}});
    }
    return json::value{{"user_id", user}, {"items", std::move(items)}};
  }
};

TEST_P(ShopOrders, PlacingTakesStockAndAnswersIdAndTotal) {
  const auto user = create_user("placer");
  const auto product = insert_product("Teapot", 24.99, 4);
  const auto counts = count_all();
  const auto response = post("/orders", order(user, {{product, 3}}));
  ASSERT_EQ(response.status, 201) << describe(response);
  const auto body = parse_json(response);
  EXPECT_GT(integer(body.at("id")), 0);
  EXPECT_NEAR(number(body.at("total")), 74.97, 1e-9);
  EXPECT_EQ(product_stock(product), 1);
  const auto after = count_all();
  EXPECT_EQ(after.at("order"), counts.at("order") + 1);
  EXPECT_EQ(after.at("order_item"), counts.at("order_item") + 1);
}

TEST_P(ShopOrders, ChecksInOrderBadRequestThenNotFoundThenConflict) {
  const auto user = create_user("checker");
  const auto product = insert_product("Scarce", 5, 2);
  const auto counts = count_all();
  struct Case {
    const char* what;
    json::value body;
    int status;
  };
  const std::vector<Case> cases = {
      {"empty items", json::value{{"user_id", user}, {"items", json::array{}}}, 400},
      {"no items", json::value{{"user_id", user}}, 400},
      {"no user_id",
       json::value{{"items", json::array{json::value{{"product_id", product}, {"quantity", 1}}}}},
       400},
      {"zero quantity", order(user, {{product, 0}}), 400},
      {"bad quantity beats unknown user", order(999999, {{product, -2}}), 400},
      {"bad quantity beats unknown product", order(user, {{999999, 1.5}}), 400},
      {"bad quantity in the 2nd line beats not enough stock",
       order(user, {{product, 100}, {product, 0}}), 400},
      {"unknown user", order(999999, {{product, 1}}), 404},
      {"unknown user beats not enough stock", order(999999, {{product, 100}}), 404},
      {"unknown product", order(user, {{999999, 1}}), 404},
      {"unknown product beats not enough stock", order(user, {{product, 100}, {999999, 1}}), 404},
      {"not enough stock", order(user, {{product, 3}}), 409},
  };
  for (const auto& c : cases) {
    const auto response = post("/orders", c.body);
    EXPECT_EQ(response.status, c.status) << c.what << ": " << describe(response);
    EXPECT_TRUE(is_error_body(response)) << c.what << ": " << describe(response);
  }
  EXPECT_EQ(product_stock(product), 2) << "no 4xx takes stock";
  EXPECT_EQ(count_all(), counts) << "no 4xx writes anything";
}

TEST_P(ShopOrders, LinesOfOneProductAreCheckedTogether) {
  const auto user = create_user("twice");
  const auto product = insert_product("Doubled", 3.5, 10);
  const auto counts = count_all();
  const auto response = post("/orders", order(user, {{product, 6}, {product, 6}}));
  EXPECT_EQ(response.status, 409) << "6 + 6 of 10: " << describe(response);
  EXPECT_TRUE(is_error_body(response));
  EXPECT_EQ(product_stock(product), 10) << "a refused order gives back what it took";
  EXPECT_EQ(count_all(), counts);

  const auto fits = post("/orders", order(user, {{product, 5}, {product, 5}}));
  ASSERT_EQ(fits.status, 201) << "5 + 5 of 10: " << describe(fits);
  EXPECT_NEAR(number(parse_json(fits).at("total")), 35.0, 1e-9);
  EXPECT_EQ(product_stock(product), 0);
}

// The last 10 units, 50 buyers at once, the server on 4 threads: exactly 10 win.
TEST_P(ShopOrders, FiftyConcurrentOrdersForTheLastTenUnits) {
  constexpr int kBuyers = 50;
  const auto user = create_user("crowd");
  const auto product = insert_product("Last ten", 9.99, 10);
  const auto orders_before = count_rows("orders", "order");
  const std::string body = json::serialize(order(user, {{product, 1}}));

  struct Outcome {
    int status = 0;
    std::string error;
    Clock::time_point sent, answered;
  };
  std::vector<Outcome> outcomes(kBuyers);
  std::latch ready(kBuyers + 1);
  std::vector<std::thread> buyers;
  for (int i = 0; i < kBuyers; ++i) {
    buyers.emplace_back([&, i] {
      ready.arrive_and_wait();  // every thread released together
      outcomes[i].sent = Clock::now();
      try {
        const auto r = request("POST", "/orders", body, {{"Content-Type", "application/json"}});
        outcomes[i].status = r.status;
        if (r.status != 201 && r.status != 409) outcomes[i].error = describe(r);
      } catch (const std::exception& e) {
        outcomes[i].error = e.what();
      }
      outcomes[i].answered = Clock::now();
    });
  }
  ready.arrive_and_wait();
  for (auto& t : buyers) t.join();

  int created = 0, conflicts = 0;
  for (const auto& o : outcomes) {
    created += o.status == 201;
    conflicts += o.status == 409;
    EXPECT_TRUE(o.error.empty()) << o.error;
  }
  EXPECT_EQ(created, 10);
  EXPECT_EQ(conflicts, 40);
  EXPECT_EQ(product_stock(product), 0);
  EXPECT_EQ(count_rows("orders", "order"), orders_before + 10);
  EXPECT_EQ(count_rows("orders", "order_item", "product_id = " + std::to_string(product)), 10);

  // Proof that requests were in flight together: the most request windows that overlap.
  std::vector<std::pair<Clock::time_point, int>> events;
  for (const auto& o : outcomes) {
    events.emplace_back(o.sent, +1);
    events.emplace_back(o.answered, -1);
  }
  std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second < b.second;  // ends first on ties
  });
  int in_flight = 0, most = 0;
  for (const auto& [when, delta] : events) most = std::max(most, in_flight += delta);
  EXPECT_GT(most, 1) << "the requests never overlapped";
  RecordProperty("max_requests_in_flight", most);
}

// Concurrent orders share their user checks (BatchedExistence), or on PostgreSQL each sends
// its own beside the stock it takes: each still gets the answer for its own user, known or not,
// and an unknown user's order gives back the stock it took.
TEST_P(ShopOrders, ConcurrentOrdersOfKnownAndUnknownUsersEachGetTheirOwnAnswer) {
  constexpr int kBuyers = 40;
  std::vector<std::int64_t> known;
  for (int i = 0; i < 4; ++i) known.push_back(create_user("batch" + std::to_string(i)));
  const auto product = insert_product("Plenty", 1.5, 1000);
  const auto orders_before = count_rows("orders", "order");
  std::vector<int> status(kBuyers);
  std::vector<std::string> error(kBuyers);
  std::latch ready(kBuyers + 1);
  std::vector<std::thread> buyers;
  for (int i = 0; i < kBuyers; ++i) {
    // Even buyers are known users; odd ones ids that no user has.
    const std::int64_t user = i % 2 == 0 ? known[i / 2 % known.size()] : 900'000'000 + i;
    buyers.emplace_back([&, i, user] {
      const std::string body = json::serialize(order(user, {{product, 1}}));
      ready.arrive_and_wait();
      try {
        const auto r = request("POST", "/orders", body, {{"Content-Type", "application/json"}});
        status[i] = r.status;
        if (r.status == 404 && r.body.find("user not found") == std::string::npos) {
          error[i] = describe(r);
        }
      } catch (const std::exception& e) {
        error[i] = e.what();
      }
    });
  }
  ready.arrive_and_wait();
  for (auto& t : buyers) t.join();
  for (int i = 0; i < kBuyers; ++i) {
    EXPECT_EQ(status[i], i % 2 == 0 ? 201 : 404) << "buyer " << i << " " << error[i];
    EXPECT_TRUE(error[i].empty()) << error[i];
  }
  EXPECT_EQ(count_rows("orders", "order"), orders_before + kBuyers / 2);
  EXPECT_EQ(product_stock(product), 1000 - kBuyers / 2);
}

TEST_P(ShopOrders, TotalsAreComputedInCents) {
  const auto user = create_user("cents");
  const auto a = insert_product("Dime", 0.1, 100);
  const auto b = insert_product("Fifth", 0.2, 100);
  const auto response = post("/orders", order(user, {{a, 3}, {b, 1}}));
  ASSERT_EQ(response.status, 201) << describe(response);
  const auto total = parse_json(response).at("total");
  EXPECT_NEAR(number(total), 0.5, 1e-12) << describe(response);
  EXPECT_TRUE(is_money(total));
  const auto listed = parse_json(get("/users/" + std::to_string(user) + "/orders"));
  ASSERT_TRUE(listed.is_array() && listed.as_array().size() == 1) << json::serialize(listed);
  EXPECT_NEAR(number(listed.as_array()[0].at("total")), 0.5, 1e-12);
}

INSTANTIATE_TEST_SUITE_P(Configs, ShopOrders, ::testing::Values("sqlite", "servers"), config_name);

}  // namespace
}  // namespace shop_test
