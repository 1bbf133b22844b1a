// GET /orders/{id} and GET /users/{id}/orders await their reads (on PostgreSQL + MariaDB): a
// request whose read waits at its database holds no HTTP thread. With one thread, while an
// order's read waits at PostgreSQL for a table lock, other requests are answered.
#include <atomic>
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

}  // namespace
}  // namespace shop_test
