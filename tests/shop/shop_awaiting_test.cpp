// GET /orders/{id} and GET /users/{id}/orders await their reads (on PostgreSQL + MariaDB): a
// request whose read waits at its database holds no HTTP thread. With one thread, while an
// order's read waits at PostgreSQL for a table lock, other requests are answered; a client that
// leaves meanwhile takes its reads with it.
#include <atomic>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "shop_test_fixture.hpp"
#include "wait_until.hpp"

namespace shop_test {
namespace {

using manydb::testing::wait_until;

class ShopAwaiting : public ShopFixture {
 protected:
  void SetUp() override {
    start_shop({.config = "servers", .threads = 1});
    if (IsSkipped() || HasFatalFailure()) return;
    // The order's statements prepared on the orders bind's warmest connection, which the next
    // request takes: preparing a statement on a locked table would wait in the thread.
    ASSERT_EQ(get("/orders/1").status, 200);
    ASSERT_EQ(get("/users/1/orders").status, 200);
  }

  // Whether a statement in the orders database waits for a lock.
  bool an_order_read_waits() {
    return db().execute("orders",
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND datname = current_database()")
               .rows.at(0)
               .at(0)
               .as_int64() > 0;
  }

  // The orders pool's connections in use, from the shop's /metrics.
  int orders_connections_in_use() {
    std::istringstream metrics(get("/metrics").body);
    for (std::string line; std::getline(metrics, line);) {
      if (line.starts_with("manydb_pool_connections{") &&
          line.find("bind=\"orders\"") != std::string::npos &&
          line.find("state=\"in_use\"") != std::string::npos) {
        return std::stoi(line.substr(line.rfind(' ') + 1));
      }
    }
    throw std::runtime_error("no in_use sample of the orders pool in /metrics");
  }

  // Runs GET `path` on a thread of its own while the orders table is locked; `also` runs
  // once its read waits at the server, before the lock is released.
  void while_it_waits(const std::string& path, const std::function<void()>& also) {
    auto locker = db().session();
    locker.execute("orders",
                   "LOCK TABLE " + quoted("orders", "order") + " IN ACCESS EXCLUSIVE MODE");
    std::atomic<int> status{0};
    std::thread waiting([&] {
      try {
        status = http_request(port(), "GET", path).status;
      } catch (const std::exception&) {
        status = -1;  // no answer in the client's time
      }
    });
    wait_until([&] { return an_order_read_waits(); }, "the request's read waits for the lock");
    try {
      also();
    } catch (const std::exception& e) {  // a thread held: the client gave up waiting
      ADD_FAILURE() << "while " << path << " waited: " << e.what();
    }
    EXPECT_EQ(status.load(), 0) << path << " was answered before its lock was released";
    locker.rollback();
    waiting.join();
    EXPECT_EQ(status.load(), 200) << path;
  }
};

TEST_F(ShopAwaiting, AnOrderWaitingForItsDatabaseHoldsNoHttpThread) {
  if (IsSkipped() || HasFatalFailure()) return;
  while_it_waits("/orders/1", [&] {
    EXPECT_EQ(get("/products").status, 200);
    EXPECT_EQ(get("/users/1").status, 200);
    EXPECT_EQ(get("/healthz").status, 200);
  });
}

TEST_F(ShopAwaiting, AUsersOrdersWaitingForItsDatabaseHoldsNoHttpThread) {
  if (IsSkipped() || HasFatalFailure()) return;
  while_it_waits("/users/1/orders", [&] { EXPECT_EQ(get("/products/1").status, 200); });
}

// A client that goes away while its order's read waits for a lock: the shop gives the read up
// (its connection is closed; the server rolls back) instead of holding a pooled connection
// until the lock goes. Were it to wait, the orders pool would keep one connection in use for
// as long as the lock is held.
TEST_F(ShopAwaiting, AClientThatLeavesGivesUpItsReads) {
  if (IsSkipped() || HasFatalFailure()) return;
  auto locker = db().session();
  locker.execute("orders", "LOCK TABLE " + quoted("orders", "order") + " IN ACCESS EXCLUSIVE MODE");
  {
    shop::test::HttpConnection client(port());
    client.send_raw("GET /orders/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    wait_until([&] { return an_order_read_waits(); }, "the request's read waits for the lock");
    EXPECT_EQ(orders_connections_in_use(), 1);
  }  // the client closes its connection
  wait_until([&] { return orders_connections_in_use() == 0; },
             "the shop gives the read's connection up while the lock is held");
  locker.rollback();
  EXPECT_EQ(get("/orders/1").status, 200);
  EXPECT_NE(get("/metrics").body.find("status=\"499\""), std::string::npos)
      << "the request is counted as one whose client left";
}

}  // namespace
}  // namespace shop_test
