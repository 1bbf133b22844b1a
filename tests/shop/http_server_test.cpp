// The shop's HTTP layer against a real socket: routing, error mapping, limits, keep-alive,
// timeouts, concurrency and graceful stop.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "http/request_id.hpp"
#include "http/server.hpp"
#include "http_client.hpp"
#include "json_writer.hpp"
#include "request_context.hpp"

namespace {

using namespace std::chrono_literals;
using shop::http::Request;
using shop::http::Response;
using shop::http::Router;
using shop::http::Server;
using shop::http::ServerOptions;
using shop::test::http_raw;
using shop::test::http_request;
using shop::test::HttpConnection;

// Handlers block on this to hold requests in flight; every wait has a generous deadline so a
// broken server fails the test instead of hanging it.
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  int peak = 0;
  bool entered = false;
  bool released = false;

  // Concurrency probe: returns only once at least two handlers have been inside together.
  bool wait_for_company() {
    std::unique_lock lock(mutex);
    peak = std::max(peak, ++inside);
    changed.notify_all();
    bool ok = changed.wait_for(lock, 10s, [&] { return peak >= 2; });
    --inside;
    return ok;
  }

  bool hold_until_released() {
    std::unique_lock lock(mutex);
    entered = true;
    changed.notify_all();
    return changed.wait_for(lock, 10s, [&] { return released; });
  }

  bool wait_entered() {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 10s, [&] { return entered; });
  }

  void release() {
    std::lock_guard lock(mutex);
    released = true;
    changed.notify_all();
  }
};

std::string info_json(const Request& request) {
  const auto q = request.query.find("q");
  shop::JsonWriter w;
  w.begin_object().key("method").value(request.method);
  w.key("q").value(q == request.query.end() ? std::string_view() : q->second);
  w.key("remote").value(request.remote_address).end_object();
  return w.take();
}

// Larger than a loopback socket's send and receive buffers together (at most 4 and 6 MiB):
// the server cannot write it in one go, whoever reads first.
const std::string& large_body() {
  static const std::string body = [] {
    std::string text = "\"";
    for (int i = 0; text.size() < (16u << 20); ++i) text += std::to_string(i) + ' ';
    return text + '"';
  }();
  return body;
}

void add_routes(Router& router, Gate& gate) {
  router.add("GET", "/health", [](const Request&) { return Response::json(200, "{\"ok\":true}"); });
  router.add("POST", "/echo", [](const Request& r) { return Response::json(200, r.body); });
  router.add("GET", "/request-id", [](const Request&) {
    return Response::json(200, "\"" + std::string(applog::current_request_id()) + "\"");
  });
  router.add("GET", "/info", [](const Request& r) { return Response::json(200, info_json(r)); });
  router.add("GET", "/header", [](const Request& r) {
    return Response::json(200, "\"" + std::string(r.header("X-Token")) + "\"");
  });
  router.add("GET", "/refuse",
             [](const Request&) { return Response::error(400, "no \"q\"\n\\ here"); });
  router.add("GET", "/boom",
             [](const Request&) -> Response { throw std::runtime_error("handler failure"); });
  router.add("GET", "/products/{id}", [](const Request& r) {
    return Response::json(200, "{\"id\":" + std::to_string(r.path_params.at(0)) + "}");
  });
  router.add("DELETE", "/products/{id}", [](const Request&) { return Response::json(204, ""); });
  router.add("GET", "/users/{id}/orders/{order}", [](const Request& r) {
    return Response::json(200, "{\"user\":" + std::to_string(r.path_params.at(0)) +
                                   ",\"order\":" + std::to_string(r.path_params.at(1)) + "}");
  });
  router.add("GET", "/large", [](const Request&) { return Response::json(200, large_body()); });
  router.add("GET", "/together", [&gate](const Request&) {
    return gate.wait_for_company() ? Response::json(200, "{}") : Response::error(503, "alone");
  });
  router.add("GET", "/slow", [&gate](const Request&) {
    return gate.hold_until_released() ? Response::json(200, "{\"slow\":true}")
                                      : Response::error(503, "never released");
  });
}

class HttpServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    options.port = 0;
    options.threads = 4;
    add_routes(router_, gate_);
    server_ = std::make_unique<Server>(options, router_);
    server_->start();
    port_ = server_->port();
  }

  void SetUp() override {}
  void TearDown() override {
    gate_.release();  // never leave a handler (and so stop()) waiting on a failed test
    if (server_) server_->stop();
  }

  Router router_;
  Gate gate_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

TEST_F(HttpServerTest, RoutesAndSetsStandardHeaders) {
  start();
  auto response = http_request(port_, "GET", "/health");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{\"ok\":true}");
  EXPECT_EQ(response.header("Content-Type"), "application/json");
  EXPECT_EQ(response.header("Content-Length"), "11");
  EXPECT_EQ(response.header("Server"), "manydb-shop");

  auto echo = http_request(port_, "POST", "/echo", "{\"a\":[1,2]}");
  EXPECT_EQ(echo.status, 200);
  EXPECT_EQ(echo.body, "{\"a\":[1,2]}");
}

TEST_F(HttpServerTest, PassesQueryAndRemoteAddress) {
  start();
  auto response = http_request(port_, "GET", "/info?q=a%20b+c%22&q=second&flag");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{\"method\":\"GET\",\"q\":\"a b c\\\"\",\"remote\":\"127.0.0.1\"}");
}

// Request::header reads the parsed message: by name in any case, "" when not sent.
TEST_F(HttpServerTest, HandlersReadRequestHeaders) {
  start();
  EXPECT_EQ(http_request(port_, "GET", "/header", "", {{"x-token", "a=0/1"}}).body, "\"a=0/1\"");
  EXPECT_EQ(http_request(port_, "GET", "/header", "", {{"X-TOKEN", "b"}}).body, "\"b\"");
  EXPECT_EQ(http_request(port_, "GET", "/header", "", {{"X-Other", "c"}}).body, "\"\"");
  EXPECT_EQ(http_request(port_, "GET", "/header").body, "\"\"");
}

// A '%' without two hex digits after it is not an error in a query string: it stays as written,
// and the text after it is decoded as usual.
TEST_F(HttpServerTest, MalformedQueryEscapesAreKeptAsWritten) {
  start();
  EXPECT_EQ(http_request(port_, "GET", "/info?q=100%zz%4%41%2").body,
            "{\"method\":\"GET\",\"q\":\"100%zz%4A%2\",\"remote\":\"127.0.0.1\"}");
}

// Error bodies are JSON whatever the message holds: quotes, backslashes, control characters.
TEST_F(HttpServerTest, ErrorMessagesAreEscaped) {
  start();
  const auto response = http_request(port_, "GET", "/refuse");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, "{\"error\":\"no \\\"q\\\"\\u000a\\\\ here\"}");
}

TEST_F(HttpServerTest, IntegerPathParameters) {
  start();
  EXPECT_EQ(http_request(port_, "GET", "/products/42").body, "{\"id\":42}");
  EXPECT_EQ(http_request(port_, "GET", "/products/9223372036854775807").body,
            "{\"id\":9223372036854775807}");
  EXPECT_EQ(http_request(port_, "GET", "/users/7/orders/8").body, "{\"user\":7,\"order\":8}");
  for (const char* path : {"/products/abc", "/products/9223372036854775808",
                           "/products/99999999999999999999", "/products/-1", "/products/1.5",
                           "/products/", "/products", "/products/1/", "/users/x/orders/1"}) {
    auto response = http_request(port_, "GET", path);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.body, "{\"error\":\"not found\"}") << path;
  }
}

// HEAD answers what GET would, head only: the same status and Content-Length, no body (the
// next response on the connection starts right after the head), and 404/405 as for GET.
TEST_F(HttpServerTest, HeadIsGetWithoutTheBody) {
  start();
  HttpConnection connection(port_);
  const auto get = connection.request("GET", "/products/42");
  const auto head = connection.request("HEAD", "/products/42");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), get.header("Content-Length"));
  EXPECT_EQ(head.header("Content-Type"), "application/json");
  EXPECT_EQ(head.body, "");
  const auto after = connection.request("GET", "/health");
  EXPECT_EQ(after.status, 200);
  EXPECT_EQ(after.body, "{\"ok\":true}");
  EXPECT_EQ(http_request(port_, "HEAD", "/nope").status, 404);
  const auto post_only = http_request(port_, "HEAD", "/echo");
  EXPECT_EQ(post_only.status, 405);
  EXPECT_EQ(post_only.header("Allow"), "POST");
  EXPECT_EQ(post_only.body, "");
}

TEST_F(HttpServerTest, UnknownPathIs404AndWrongMethodIs405) {
  start();
  auto missing = http_request(port_, "GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.header("Content-Type"), "application/json");

  auto wrong = http_request(port_, "PUT", "/products/3", "{}");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.body, "{\"error\":\"method not allowed\"}");
  EXPECT_EQ(wrong.header("Allow"), "DELETE, GET, HEAD");

  auto deleted = http_request(port_, "DELETE", "/products/3");
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.body, "");
}

// Every response carries X-Request-Id: the client's when it is sane, else one the server made;
// the handler runs with it as the thread's current request.
TEST_F(HttpServerTest, EveryResponseCarriesARequestId) {
  start();
  const shop::test::Headers sane{{"X-Request-Id", "client-id_1.2:3"}};
  for (const char* path : {"/health", "/no/such/path", "/boom", "/request-id"}) {
    EXPECT_EQ(http_request(port_, "GET", path, "", sane).header("X-Request-Id"), "client-id_1.2:3")
        << path;
  }
  EXPECT_EQ(http_request(port_, "GET", "/request-id", "", sane).body, "\"client-id_1.2:3\"");
  auto too_big = http_request(port_, "POST", "/echo", std::string(2 << 20, 'x'), sane);
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(too_big.header("X-Request-Id"), "client-id_1.2:3");

  std::vector<std::string> made;
  for (const std::string& insane :
       {std::string("has space"), std::string(129, 'a'), std::string("quote\"d"), std::string()}) {
    shop::test::Headers headers;
    if (!insane.empty()) headers["X-Request-Id"] = insane;
    const auto response = http_request(port_, "GET", "/request-id", "", headers);
    const std::string id = response.header("X-Request-Id");
    EXPECT_TRUE(shop::http::sane_request_id(id)) << id;
    EXPECT_NE(id, insane);
    EXPECT_EQ(response.body, "\"" + id + "\"");
    made.push_back(id);
  }
  std::sort(made.begin(), made.end());
  EXPECT_EQ(std::unique(made.begin(), made.end()), made.end()) << "a made id was reused";
  EXPECT_TRUE(
      shop::http::sane_request_id(http_raw(port_, "GARBAGE\r\n\r\n").header("X-Request-Id")));
  EXPECT_TRUE(shop::http::sane_request_id(std::string(128, 'z')));
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413) {
  start();
  auto big = http_request(port_, "POST", "/echo", std::string(2 << 20, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.body, "{\"error\":\"request body too large\"}");

  std::string almost(1 << 20, 'y');  // exactly the limit is still accepted
  auto ok = http_request(port_, "POST", "/echo", almost);
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body.size(), almost.size());
}

// curl sends "Expect: 100-continue" with a body over 1 KiB and waits for the go-ahead before
// sending it; a body whose length is over the limit is refused without one.
TEST_F(HttpServerTest, ExpectContinueGetsTheGoAheadBeforeTheBody) {
  start();
  HttpConnection connection(port_);
  connection.send_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(connection.read_response().status, 100);
  connection.send_raw("\"hello\"");
  auto echoed = connection.read_response();
  EXPECT_EQ(echoed.status, 200);
  EXPECT_EQ(echoed.body, "\"hello\"");

  HttpConnection too_big(port_);
  too_big.send_raw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4194304\r\n"
      "Expect: 100-continue\r\n\r\n");
  EXPECT_EQ(too_big.read_response().status, 413);
}

TEST_F(HttpServerTest, MalformedRequestsGet400AndAClose) {
  start();
  for (const char* bytes : {"GARBAGE\r\n\r\n", "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                            "GET / HTTP/9.9\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n"}) {
    HttpConnection connection(port_);
    connection.send_raw(bytes);
    auto response = connection.read_response();
    EXPECT_EQ(response.status, 400) << bytes;
    EXPECT_EQ(response.body, "{\"error\":\"bad request\"}") << bytes;
    EXPECT_EQ(response.header("Connection"), "close") << bytes;
    EXPECT_TRUE(connection.wait_closed()) << bytes;
  }
}

TEST_F(HttpServerTest, RequestCutShortByAHalfCloseGets400) {
  start();
  HttpConnection connection(port_);
  connection.send_raw("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  connection.shutdown_write();
  auto response = connection.read_response();
  EXPECT_EQ(response.status, 400);
  EXPECT_TRUE(connection.wait_closed());
}

TEST_F(HttpServerTest, HandlerExceptionIs500AndTheConnectionSurvives) {
  start();
  HttpConnection connection(port_);
  auto failed = connection.request("GET", "/boom");
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body, "{\"error\":\"internal error\"}");
  EXPECT_EQ(failed.header("Content-Type"), "application/json");
  EXPECT_EQ(connection.request("GET", "/health").status, 200);
}

TEST_F(HttpServerTest, KeepAliveAndPipelining) {
  start();
  HttpConnection connection(port_);
  for (int i = 0; i < 5; ++i) {
    auto response = connection.request("GET", "/products/" + std::to_string(i));
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "{\"id\":" + std::to_string(i) + "}");
  }
  // Two requests in one write: answered in order.
  connection.send_raw(shop::test::format_request("POST", "/echo", "[1]", {}, true) +
                      shop::test::format_request("GET", "/products/9", "", {}, true));
  EXPECT_EQ(connection.read_response().body, "[1]");
  EXPECT_EQ(connection.read_response().body, "{\"id\":9}");
  EXPECT_GE(server_->stats().requests_served, 7u);
}

// A response the socket does not take at once is finished asynchronously, whole and in order
// before the next pipelined one.
TEST_F(HttpServerTest, AResponseLargerThanTheSocketBuffersArrivesWholeAndInOrder) {
  start();
  HttpConnection connection(port_);
  connection.send_raw(shop::test::format_request("GET", "/large", "", {}, true) +
                      shop::test::format_request("GET", "/products/3", "", {}, true));
  const auto large = connection.read_response();
  EXPECT_EQ(large.status, 200);
  EXPECT_EQ(large.body.size(), large_body().size());
  EXPECT_TRUE(large.body == large_body());  // not EXPECT_EQ: no 16 MiB failure message
  EXPECT_EQ(connection.read_response().body, "{\"id\":3}");
}

// The server writes its own response head: the framing and Connection header must follow the
// request's version, and a 204 must carry neither a body nor a Content-Length.
TEST_F(HttpServerTest, HeadsFollowTheVersionAndTheStatus) {
  start();
  HttpConnection connection(port_);
  connection.send_raw("GET /products/1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto kept = connection.read_response();
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(kept.header("Connection"), "keep-alive");
  EXPECT_EQ(kept.body, "{\"id\":1}");
  auto deleted = connection.request("DELETE", "/products/1");
  EXPECT_EQ(deleted.status, 204);
  EXPECT_EQ(deleted.header("Content-Length"), "");
  EXPECT_EQ(deleted.body, "");
  EXPECT_EQ(connection.request("GET", "/products/2").body, "{\"id\":2}");  // framing intact
  connection.send_raw("GET /products/3 HTTP/1.0\r\n\r\n");
  auto last = connection.read_response();
  EXPECT_EQ(last.body, "{\"id\":3}");
  EXPECT_EQ(last.header("Connection"), "");  // HTTP/1.0 closes by default
  EXPECT_TRUE(connection.wait_closed());
}

TEST_F(HttpServerTest, HalfSentRequestTimesOut) {
  ServerOptions options;
  options.request_timeout = 1s;
  start(options);
  HttpConnection connection(port_);
  auto begin = std::chrono::steady_clock::now();
  connection.send_raw("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");  // no blank line
  auto response = connection.read_response();
  EXPECT_EQ(response.status, 408);
  EXPECT_EQ(response.body, "{\"error\":\"request timeout\"}");
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 900ms);
  EXPECT_TRUE(connection.wait_closed());

  // An idle keep-alive connection is closed without a response.
  HttpConnection idle(port_);
  EXPECT_EQ(idle.request("GET", "/health").status, 200);
  EXPECT_EQ(idle.read_response().status, 0);
}

TEST_F(HttpServerTest, RunsRequestsConcurrently) {
  start();
  std::vector<std::future<int>> statuses;
  for (int i = 0; i < 8; ++i) {
    statuses.push_back(std::async(
        std::launch::async, [this] { return http_request(port_, "GET", "/together").status; }));
  }
  for (auto& status : statuses) EXPECT_EQ(status.get(), 200);
  EXPECT_GE(gate_.peak, 2);
  EXPECT_LE(gate_.peak, 4);  // never more handlers than threads
}

TEST_F(HttpServerTest, StopLetsTheRequestInFlightFinish) {
  start();
  auto slow =
      std::async(std::launch::async, [this] { return http_request(port_, "GET", "/slow"); });
  ASSERT_TRUE(gate_.wait_entered());
  std::thread stopper([this] { server_->stop(); });
  while (!server_->stopping()) std::this_thread::yield();
  gate_.release();
  stopper.join();  // stop() returned only after the response was written
  auto response = slow.get();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{\"slow\":true}");
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_THROW(http_request(port_, "GET", "/health"), std::runtime_error);  // refused
}

TEST_F(HttpServerTest, StopClosesIdleKeepAliveConnectionsPromptly) {
  start();  // default 30 s timeout: stop() must not wait for it
  HttpConnection idle(port_);
  EXPECT_EQ(idle.request("GET", "/health").status, 200);
  auto begin = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  EXPECT_TRUE(idle.wait_closed());
}

TEST_F(HttpServerTest, RunUntilSignalReturnsOnAnotherThreadsStop) {
  start();
  auto running = std::async(std::launch::async, [this] { server_->run_until_signal(); });
  EXPECT_EQ(http_request(port_, "GET", "/health").status, 200);
  server_->stop();
  EXPECT_EQ(running.wait_for(10s), std::future_status::ready);
}

TEST_F(HttpServerTest, RunUntilSignalStopsOnSigint) {
  start();
  // Ignored until run_until_signal() installs its handler, so an early SIGINT is harmless;
  // we keep raising it until the server has seen one.
  auto previous = std::signal(SIGINT, SIG_IGN);
  auto running = std::async(std::launch::async, [this] { server_->run_until_signal(); });
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (running.wait_for(10ms) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
    std::raise(SIGINT);
  }
  std::signal(SIGINT, previous);
  ASSERT_EQ(running.wait_for(0s), std::future_status::ready);
  EXPECT_TRUE(server_->stopping());
  EXPECT_THROW(http_request(port_, "GET", "/health"), std::runtime_error);
}

TEST_F(HttpServerTest, PortInUseThrowsSystemError) {
  start();
  ServerOptions options;
  options.port = static_cast<unsigned short>(port_);
  Server second(options, router_);
  try {
    second.start();
    FAIL() << "second server bound the same port";
  } catch (const std::system_error& e) {
    EXPECT_EQ(e.code(), std::errc::address_in_use) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::to_string(port_)), std::string::npos) << e.what();
  }
}

}  // namespace
