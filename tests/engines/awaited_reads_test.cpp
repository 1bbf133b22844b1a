// Reads sent ahead and awaited from coroutines on Boost.Asio (manydb/asio/await.hpp), on every
// engine: the answers get() gives, errors from get() after the wait. On the servers, where an
// answer is truly on its way, the waiting coroutine's thread runs other handlers meanwhile, a
// wait ends at the statement timeout, one that blocks its thread first gives it up after the
// time its WaitPolicy allows, a cancelled wait leaves the connection whole, and a
// connection lost mid-answer (on PostgreSQL, mid-pipeline) fails the reads on it, typed.
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <stdexcept>

#include "manydb/asio/await.hpp"
#include "sent_reads_fixture.hpp"

namespace manydb::testing {
namespace {

namespace net = boost::asio;
using seed::Order;
using seed::OrderItem;
using seed::User;

class AwaitedReads : public SentReadsFixture {
 protected:
  AwaitedReads() { statement_timeout_ = 3s; }

  // Starts `body` as a coroutine on the test's one thread; what it throws, ioc_.run() throws.
  void spawn(std::function<net::awaitable<void>()> body) {
    net::co_spawn(ioc_, std::move(body), [](std::exception_ptr e) {
      if (e) std::rethrow_exception(e);
    });
  }

  // Polls `done` on a timer (so the thread runs other coroutines meanwhile), for at most 30 s.
  static net::awaitable<void> until(std::function<bool()> done) {
    net::steady_timer timer(co_await net::this_coro::executor);
    const auto give_up = std::chrono::steady_clock::now() + 30s;
    while (!done()) {
      if (std::chrono::steady_clock::now() > give_up) throw std::runtime_error("gave up waiting");
      timer.expires_after(2ms);
      co_await timer.async_wait(net::use_awaitable);
    }
  }

  // `locker` holds order 1's row lock until it rolls back: a FOR UPDATE of it waits.
  static void lock_order_one(Session& locker) {
    Order* locked = locker.query<Order>().filter_by(&Order::id, 1).load().at(0);
    locked->status = "held";
    locker.flush();
  }

  // A read of order 1 waits for its row lock, awaited under `policy`, while another coroutine on
  // the same thread releases the lock once the read waits at the server. Were the wait to block
  // the thread for good, that coroutine could not run, and the read would end in the statement
  // timeout instead.
  void expect_other_coroutines_run_while_a_read_waits(manydb::asio::WaitPolicy policy) {
    skip_unless_server();
    if (IsSkipped()) return;
    auto locker = db_->session();
    lock_order_one(locker);
    bool answered = false;
    spawn([&]() -> net::awaitable<void> {
      auto s = db_->session();
      auto order = s.query<Order>().filter_by(&Order::id, 1).for_update().send();
      co_await manydb::asio::ready(policy, order);
      EXPECT_EQ(order.get().at(0).status, "pending");
      answered = true;
    });
    spawn([&]() -> net::awaitable<void> {
      co_await until([&] { return a_read_waits_for_a_lock(); });
      EXPECT_FALSE(answered);
      locker.rollback();
    });
    ioc_.run();
    EXPECT_TRUE(answered);
  }

  // Sends a read of order 1 that waits for its row lock, awaits it under `policy`, and cancels
  // the wait (as a client going away would) once the read waits at the server. Whether the wait
  // ended cancelled; `before_release(order)` runs after it, while the lock is still held, and
  // `after(session, order)` once the lock is released.
  template <class BeforeRelease, class After>
  bool cancel_a_waiting_read(manydb::asio::WaitPolicy policy, BeforeRelease before_release,
                             After after) {
    auto locker = db_->session();
    lock_order_one(locker);
    auto s = db_->session();
    auto order = s.query<Order>().filter_by(&Order::id, 1).for_update().send();
    net::cancellation_signal cancel;
    bool cancelled = false;
    net::co_spawn(
        ioc_,
        [&]() -> net::awaitable<void> {
          try {
            co_await manydb::asio::ready(policy, order);
          } catch (const boost::system::system_error& e) {
            cancelled = e.code() == net::error::operation_aborted;
          }
        },
        net::bind_cancellation_slot(cancel.slot(), net::detached));
    spawn([&]() -> net::awaitable<void> {
      co_await until([&] { return a_read_waits_for_a_lock(); });
      cancel.emit(net::cancellation_type::terminal);
      co_await until([&] { return cancelled; });
      before_release(order);
      locker.rollback();
    });
    ioc_.run();
    after(s, order);
    return cancelled;
  }

  void skip_unless_server() {
    if (backend() == Backend::sqlite) {
      GTEST_SKIP() << "SQLite runs a read in send(), so its Pending is ready before any wait "
                      "(AwaitedReads.GiveWhatGetGives and AnErrorComesFromGetAfterTheWait cover "
                      "it)";
    }
  }

  net::io_context ioc_;
};

TEST_P(AwaitedReads, GiveWhatGetGives) {
  spawn([&]() -> net::awaitable<void> {
    auto s = db_->session();
    auto order = s.query<Order>().filter_by(&Order::id, 3).send();
    auto items = s.query<OrderItem>().filter_by(&OrderItem::order_id, 3).send();
    auto user = s.query<User>().filter_by(&User::id, 3).send();
    co_await manydb::asio::ready(order, items, user);
    EXPECT_TRUE(order.ready() && items.ready() && user.ready());
    EXPECT_EQ(order.get().at(0).user_id, 3);
    EXPECT_EQ(items.get().size(), 3u);
    EXPECT_EQ(user.get().at(0).username, "alan");
    auto products = s.send_load_related<&OrderItem::product_id>(items.get());
    co_await manydb::asio::ready(products);
    EXPECT_EQ(products.get().size(), 3u);
    EXPECT_EQ(products.get().at(2).name, "desk");
  });
  ioc_.run();
}

TEST_P(AwaitedReads, AnErrorComesFromGetAfterTheWait) {
  db_->drop_all("users");
  spawn([&]() -> net::awaitable<void> {
    auto s = db_->session();
    auto users = s.query<User>().send();
    auto orders = s.query<Order>().send();
    co_await manydb::asio::ready(users, orders);
    EXPECT_THROW(users.get(), DatabaseError);
    EXPECT_THROW(users.get(), DatabaseError);  // every time it is asked
    EXPECT_EQ(orders.get().size(), 3u);        // another bind's read is not touched
  });
  ioc_.run();
}

TEST_P(AwaitedReads, TheThreadRunsOtherCoroutinesWhileAnAnswerIsOnItsWay) {
  expect_other_coroutines_run_while_a_read_waits(manydb::asio::WaitPolicy{});
}

TEST_P(AwaitedReads, AWaitBlocksItsThreadNoLongerThanItsPolicySays) {
  expect_other_coroutines_run_while_a_read_waits(manydb::asio::WaitPolicy{.block_first = 50ms});
}

TEST_P(AwaitedReads, AWaitEndsAtTheStatementTimeout) {
  skip_unless_server();
  if (IsSkipped()) return;
  auto locker = db_->session();
  lock_order_one(locker);
  spawn([&]() -> net::awaitable<void> {
    auto s = db_->session();
    const auto start = std::chrono::steady_clock::now();  // no timeout counts from before this
    auto order = s.query<Order>().filter_by(&Order::id, 1).for_update().send();
    co_await manydb::asio::ready(order);
    EXPECT_GE(std::chrono::steady_clock::now() - start, statement_timeout_);
    EXPECT_THROW(order.get(), Timeout);
  });
  ioc_.run();
}

TEST_P(AwaitedReads, ACancelledWaitLeavesTheAnswerToTheSession) {
  skip_unless_server();
  if (IsSkipped()) return;
  EXPECT_TRUE(cancel_a_waiting_read(
      manydb::asio::WaitPolicy{}, [](auto&) {},
      [](Session& s, auto& order) {
        // The wait watched the connection's socket without taking it: the answer is read there.
        EXPECT_EQ(order.get().at(0).status, "pending");
        EXPECT_EQ(s.query<User>().all().size(), 3u);
        EXPECT_EQ(s.query<Order>().all().size(), 3u);
      }));
}

// WaitPolicy::abandon_when_cancelled: the cancelled wait gives the session's reads up. Were
// they read instead, the answer would still be on its way: the lock is held until after.
TEST_P(AwaitedReads, ACancelledWaitAbandonsTheSessionWhenThePolicySaysSo) {
  skip_unless_server();
  if (IsSkipped()) return;
  bool failed_at_once = false;
  EXPECT_TRUE(cancel_a_waiting_read(
      manydb::asio::WaitPolicy{.abandon_when_cancelled = true},
      [&](auto& order) {
        try {
          order.get();
        } catch (const ConnectionError&) {
          failed_at_once = true;
        }
      },
      [](Session& s, auto&) {
        EXPECT_EQ(s.query<Order>().all().size(), 3u);  // the session goes on, anew
      }));
  EXPECT_TRUE(failed_at_once);
}

TEST_P(AwaitedReads, AConnectionLostMidAnswerFailsTheReadsOnItTyped) {
  skip_unless_server();
  if (IsSkipped()) return;
  auto locker = db_->session();
  lock_order_one(locker);
  spawn([&]() -> net::awaitable<void> {
    auto s = db_->session();
    // Prepared first: a statement new to the connection waits for what is in flight.
    s.query<OrderItem>().all();
    s.rollback();
    // Not the first read of its transaction, which a lost connection would run again on a new
    // one (as it does a blocking read): that one would wait for the lock again.
    s.query<OrderItem>().all();
    auto order = s.query<Order>().filter_by(&Order::id, 1).for_update().send();
    if (backend() == Backend::postgresql) {
      auto items = s.query<OrderItem>().send();  // behind it in the pipeline
      co_await manydb::asio::ready(order, items);
      EXPECT_THROW(items.get(), ConnectionError);
    } else {
      co_await manydb::asio::ready(order);  // MariaDB has no pipeline: one at a time
    }
    EXPECT_THROW(order.get(), ConnectionError);
  });
  spawn([&]() -> net::awaitable<void> {
    co_await until([&] { return a_read_waits_for_a_lock(); });
    terminate_lock_waiters();
  });
  ioc_.run();
  locker.rollback();
  EXPECT_EQ(db_->session().query<Order>().all().size(), 3u);  // the bind serves on
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Engines, AwaitedReads, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace manydb::testing
