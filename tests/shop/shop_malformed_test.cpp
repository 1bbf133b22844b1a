// Hostile and broken requests: always a 4xx with {"error": ...}, never a 5xx, and no table
// changes unless the request legitimately created something.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shop_test_fixture.hpp"

namespace shop_test {
namespace {

namespace json = boost::json;

// Sends raw bytes, optionally half-closes, and reads until the server closes (or 10 s pass).
std::string raw_exchange(int port, const std::string& bytes, bool half_close) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    throw std::runtime_error("connect failed");
  }
  for (std::size_t sent = 0; sent < bytes.size();) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  if (half_close) ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10'000) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

int raw_status(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

class ShopMalformed : public ShopTest {
 protected:
  void SetUp() override {
    ShopTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // Ids straight from the databases: a GET /products here would log a page view.
    product_ = db().execute("default", "SELECT min(id) FROM " + quoted("default", "product"))
                   .rows.at(0)
                   .at(0)
                   .as_int64();
    user_ = db().execute("users", "SELECT min(id) FROM " + quoted("users", "user"))
                .rows.at(0)
                .at(0)
                .as_int64();
  }

  // Posts `body` and expects a 4xx with an error body (or exactly `status` when given).
  void expect_refused(const std::string& path, const std::string& body, int status = 0) {
    const auto response = post(path, body);
    const std::string shown = body.size() > 200 ? body.substr(0, 200) + "..." : body;
    if (status != 0) {
      EXPECT_EQ(response.status, status) << path << " " << shown << " -> " << describe(response);
    } else {
      EXPECT_TRUE(response.status >= 400 && response.status < 500)
          << path << " " << shown << " -> " << describe(response);
    }
    EXPECT_TRUE(is_error_body(response)) << path << " " << shown << " -> " << describe(response);
  }

  std::int64_t product_ = 0, user_ = 0;
};

const std::vector<std::string> kBadJson = {
    "",
    "{",
    "not json",
    "{\"user_id\": 1,}",
    "null",
    "[]",
    "\"text\"",
    "123",
    "{}}",
    "{'a': 1}",
    "\xff\xfe{}",
    "{\"a\":1} trailing",
    std::string(2000, '[') + std::string(2000, ']'),  // nested deeper than any parser allows
};

TEST_P(ShopMalformed, BrokenJsonIsBadRequestEverywhere) {
  const auto before = count_all();
  const std::string reviews = "/products/" + std::to_string(product_) + "/reviews";
  for (const auto& body : kBadJson) {
    for (const std::string path : {"/orders", "/users", reviews.c_str()}) {
      expect_refused(path, body, 400);
    }
  }
  EXPECT_EQ(count_all(), before);
}

TEST_P(ShopMalformed, WrongTypesAndOutOfRangeNumbersInOrders) {
  const auto before = count_all();
  const auto p = std::to_string(product_), u = std::to_string(user_);
  auto with_quantity = [&](const std::string& q) {
    return "{\"user_id\":" + u + ",\"items\":[{\"product_id\":" + p + ",\"quantity\":" + q + "}]}";
  };
  for (const char* q : {"0", "-1", "-9223372036854775808", "1.5", "0.5", "1e400", "-1e400",
                        "99999999999999999999", "18446744073709551616", "9223372036854775808",
                        "\"1\"", "true", "null", "[1]", "{}", "NaN", "Infinity", "0x10"}) {
    expect_refused("/orders", with_quantity(q));
  }
  for (const char* id : {"\"1\"", "1.5", "1e400", "99999999999999999999", "null", "true", "[]"}) {
    expect_refused("/orders", "{\"user_id\":" + std::string(id) +
                                  ",\"items\":[{\"product_id\":" + p + ",\"quantity\":1}]}");
    expect_refused("/orders", "{\"user_id\":" + u + ",\"items\":[{\"product_id\":" +
                                  std::string(id) + ",\"quantity\":1}]}");
  }
  for (const char* items : {"{}", "\"x\"", "[1]", "[null]", "[[]]", "null", "[{}]",
                            "[{\"product_id\":1}]", "[{\"quantity\":1}]"}) {
    expect_refused("/orders", "{\"user_id\":" + u + ",\"items\":" + items + "}");
  }
  // A huge quantity that is a valid integer is at worst a 409, never a 5xx.
  expect_refused("/orders", with_quantity("9223372036854775807"));
  expect_refused("/orders", "{\"user_id\":" + u + ",\"items\":[{\"product_id\":" + p +
                                ",\"quantity\":9223372036854775807},{\"product_id\":" + p +
                                ",\"quantity\":9223372036854775807}]}");
  EXPECT_EQ(count_all(), before);
}

TEST_P(ShopMalformed, WrongTypesInUsersAndReviews) {
  const auto before = count_all();
  for (const char* body :
       {R"({"username": 1, "email": "a@b.c"})", R"({"username": "x", "email": false})",
        R"({"username": ["x"], "email": "a@b.c"})",
        R"({"username": {"$ne": null}, "email": "a@b.c"})",
        R"({"username": "nul\u0000byte", "email": "nul@b.c"})",
        R"({"username": "tab\there", "email": "tab@b.c"})",
        R"({"username": "bad", "email": "ctl\u0001@b.c"})"}) {
    expect_refused("/users", body, 400);
  }
  const std::string reviews = "/products/" + std::to_string(product_) + "/reviews";
  const auto u = std::to_string(user_);
  for (const std::string rating : {"0", "6", "3.5", "\"5\"", "1e400", "99999999999999999999",
                                   "null", "-9223372036854775808"}) {
    expect_refused(reviews, "{\"user_id\":" + u + ",\"rating\":" + rating + ",\"comment\":\"c\"}",
                   400);
  }
  expect_refused(reviews, "{\"user_id\":" + u + ",\"rating\":3,\"comment\":123}", 400);
  expect_refused(reviews, "{\"user_id\":\"" + u + "\",\"rating\":3,\"comment\":\"c\"}", 400);
  expect_refused("/products/99999999999999999999/reviews",
                 "{\"user_id\":" + u + ",\"rating\":3,\"comment\":\"c\"}", 404);
  EXPECT_EQ(count_all(), before);
}

TEST_P(ShopMalformed, SqlLookingAndUnicodeTextIsStoredVerbatim) {
  const auto before = count_all();
  const std::vector<std::string> names = {
      "'; DROP TABLE product; --",
      "Robert'); DROP TABLE \"user\";--",
      "\\' OR '1'='1",
      "Zoë Ñandú 山田太郎 🎉",
      "\xD8\xA7\xD9\x84\xD8\xB9\xD8\xB1\xD8\xA8\xD9\x8A\xD8\xA9",
      "😀😀😀😀😀😀😀😀😀😀"};
  int n = 0;
  for (const auto& name : names) {
    const std::string email = "verbatim" + std::to_string(n++) + "@x.org";
    const auto created = post("/users", json::value{{"username", name}, {"email", email}});
    ASSERT_EQ(created.status, 201) << name << ": " << describe(created);
    const auto id = integer(parse_json(created).at("id"));
    const auto fetched = get("/users/" + std::to_string(id));
    ASSERT_EQ(fetched.status, 200) << describe(fetched);
    EXPECT_EQ(parse_json(fetched).at("username").as_string(), name);
    const auto stored = db().execute(
        "users", "SELECT username FROM " + quoted("users", "user") + " WHERE id = ?", {id});
    EXPECT_EQ(stored.rows.at(0).at(0).as_text(), name) << "stored byte for byte";
  }
  // A username of 80 code points (160+ bytes in UTF-8) is within the limit.
  std::string wide;
  for (int i = 0; i < 80; ++i) wide += "é";
  const auto wide_user = post("/users", json::value{{"username", wide}, {"email", "wide@x.org"}});
  EXPECT_EQ(wide_user.status, 201) << "80 code points: " << describe(wide_user);

  auto after = count_all();
  EXPECT_EQ(after.at("user"), before.at("user") + static_cast<std::int64_t>(names.size()) +
                                  (wide_user.status == 201 ? 1 : 0));
  after.erase("user");
  auto expected = before;
  expected.erase("user");
  EXPECT_EQ(after, expected) << "nothing else changed; product is still there";
  EXPECT_EQ(get("/products").status, 200);
}

TEST_P(ShopMalformed, RoutingErrors) {
  const auto before = count_all();
  struct Case {
    const char* method;
    const char* path;
    int status;
  };
  for (const auto& c : std::vector<Case>{{"GET", "/nope", 404},
                                         {"GET", "/products/1/nope", 404},
                                         {"GET", "/users/abc", 404},
                                         {"GET", "/users/abc/orders", 404},
                                         {"GET", "/orders/1.0", 404},
                                         {"POST", "/nope", 404},
                                         {"DELETE", "/products", 405},
                                         {"POST", "/products", 405},
                                         {"PUT", "/users/1", 405},
                                         {"GET", "/orders", 405},
                                         {"GET", "/users", 405},
                                         {"POST", "/healthz", 405},
                                         {"PATCH", "/orders/1", 405}}) {
    const auto response = request(c.method, c.path, "", {});
    EXPECT_EQ(response.status, c.status) << c.method << " " << c.path << ": " << describe(response);
    EXPECT_TRUE(is_error_body(response)) << c.method << " " << c.path << ": " << describe(response);
  }
  EXPECT_EQ(count_all(), before);
}

TEST_P(ShopMalformed, BodyOverOneMebibyteIs413) {
  const auto before = count_all();
  const std::string big =
      "{\"username\":\"" + std::string(2 << 20, 'a') + "\",\"email\":\"b@c.d\"}";
  const auto response = post("/users", big);
  EXPECT_EQ(response.status, 413) << describe(response);
  EXPECT_TRUE(is_error_body(response)) << describe(response);
  const auto orders = post("/orders", std::string(2 << 20, ' ') + "{}");
  EXPECT_EQ(orders.status, 413) << describe(orders);
  EXPECT_EQ(count_all(), before);
  EXPECT_EQ(get("/healthz").status, 200) << "the server survives";
}

TEST_P(ShopMalformed, TruncatedBodies) {
  const auto before = count_all();
  const auto u = std::to_string(user_), p = std::to_string(product_);
  const std::string full =
      "{\"user_id\":" + u + ",\"items\":[{\"product_id\":" + p + ",\"quantity\":1}]}";
  for (std::size_t cut : {1ul, full.size() / 2, full.size() - 1}) {
    expect_refused("/orders", full.substr(0, cut), 400);
  }
  // Content-Length promises more than arrives, then the client stops sending: whatever the
  // server does (a 4xx, or closing without an answer), it must not be a 5xx or an order.
  const std::string head =
      "POST /orders HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(full.size() + 50) + "\r\n\r\n";
  const auto answer = raw_exchange(port(), head + full, /*half_close=*/true);
  const int status = raw_status(answer);
  EXPECT_TRUE(status == 0 || (status >= 400 && status < 500)) << answer;
  // A Content-Length that is not a number.
  const auto bad_length = raw_exchange(
      port(), "POST /orders HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}", true);
  const int bad_status = raw_status(bad_length);
  EXPECT_TRUE(bad_status == 0 || (bad_status >= 400 && bad_status < 500)) << bad_length;
  // Not HTTP at all.
  const auto garbage = raw_exchange(port(), "\x16\x03\x01 hello\r\n\r\n", true);
  const int garbage_status = raw_status(garbage);
  EXPECT_TRUE(garbage_status == 0 || (garbage_status >= 400 && garbage_status < 500)) << garbage;

  EXPECT_EQ(count_all(), before);
  EXPECT_EQ(get("/healthz").status, 200) << "the server survives";
}

INSTANTIATE_TEST_SUITE_P(Configs, ShopMalformed, ::testing::Values("sqlite", "servers"),
                         config_name);

}  // namespace
}  // namespace shop_test
