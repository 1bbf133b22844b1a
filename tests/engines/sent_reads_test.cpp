// Reads sent ahead through a session (Query<T>::send, Session::send_load_related), on every
// engine: the same answers as the blocking calls, in order, before anything else runs on their
// bind, errors thrown by get(), answers kept past the session's end. On PostgreSQL reads of two
// binds are at their servers at once: seen in pg_stat_activity while one of them waits.
#include <optional>
#include <string>
#include <vector>

#include "sent_reads_fixture.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

using seed::Order;
using seed::OrderItem;
using seed::Product;
using seed::User;

class SentReads : public SentReadsFixture {};

std::vector<std::int64_t> ids_of(const std::vector<Order>& orders) {
  std::vector<std::int64_t> ids;
  for (const auto& o : orders) ids.push_back(o.id);
  return ids;
}

TEST_P(SentReads, GiveWhatTheBlockingCallsGive) {
  auto s = db_->session();
  auto orders = s.query<Order>().order_by(asc(&Order::id)).send();
  auto users = s.query<User>().order_by(asc(&User::id)).send();
  auto items = s.query<OrderItem>().order_by(asc(&OrderItem::id)).send();
  auto products = s.send_load_related<&OrderItem::product_id>(items.get());
  auto owners = s.send_load_related<&Order::user_id>(orders.get());

  auto b = db_->session();
  EXPECT_EQ(ids_of(orders.get()), ids_of(b.query<Order>().order_by(asc(&Order::id)).all()));
  ASSERT_EQ(users.get().size(), 3u);
  EXPECT_EQ(users.get()[2].username, "alan");
  EXPECT_EQ(items.get().size(), 6u);
  const auto expected = b.load_related<&OrderItem::product_id>(items.get());
  ASSERT_EQ(products.get().size(), expected.size());
  for (const auto& [id, product] : expected) EXPECT_EQ(products.get().at(id).name, product.name);
  ASSERT_EQ(owners.get().size(), 3u);
  EXPECT_EQ(owners.get().at(2).username, "grace");
}

TEST_P(SentReads, ReadsOfOneBindComeBackInTheOrderSent) {
  auto s = db_->session();
  std::vector<Pending<std::vector<Order>>> sent;
  for (std::int64_t user = 1; user <= 3; ++user)
    sent.push_back(s.query<Order>().filter_by(&Order::user_id, user).send());
  for (std::int64_t user = 3; user >= 1; --user) {  // asked for in the other order
    const auto& orders = sent[static_cast<std::size_t>(user - 1)].get();
    ASSERT_EQ(orders.size(), 1u);
    EXPECT_EQ(orders[0].user_id, user);
  }
}

TEST_P(SentReads, ASentReadIsAnsweredBeforeItsBindRunsAnythingElse) {
  auto s = db_->session();
  auto before = s.query<User>().send();
  s.add(User{.username = "edsger", .email = "edsger@example.com"});
  EXPECT_EQ(s.query<User>().count(), 4);  // flushes the insert, on the same connection
  s.commit();
  EXPECT_EQ(before.get().size(), 3u);  // read before the insert was sent
  EXPECT_EQ(db_->session().query<User>().count(), 4);
}

TEST_P(SentReads, AReadSentBeforeCommitIsReadAndKept) {
  auto s = db_->session();
  auto users = s.query<User>().send();
  auto& order = s.add(Order{.user_id = 1});
  s.commit();
  EXPECT_TRUE(users.ready());
  EXPECT_EQ(users.get().size(), 3u);
  EXPECT_GT(order.id, 3);
}

TEST_P(SentReads, AnErrorIsThrownByGetAndLeavesTheOtherBindsAlone) {
  {
    auto raw = db_->session({.begin = Begin::never});
    const auto& d = db_->engine("users").dialect();
    raw.execute("users", "DROP TABLE " + d.quote_identifier("user"));
  }
  auto s = db_->session();
  auto users = s.query<User>().send();
  auto orders = s.query<Order>().send();
  EXPECT_THROW(users.get(), DatabaseError);
  EXPECT_THROW(users.get(), DatabaseError);  // every time it is asked
  EXPECT_EQ(orders.get().size(), 3u);
  s.rollback();
}

TEST_P(SentReads, APendingKeepsItsAnswerPastItsSession) {
  std::optional<Pending<std::vector<User>>> users;
  {
    auto s = db_->session();
    users.emplace(s.query<User>().send());
  }
  ASSERT_TRUE(users->ready());
  EXPECT_EQ(users->get().size(), 3u);
}

TEST_P(SentReads, SentRelatedRowsComeFromTheReadCacheAndFillIt) {
  db_->cache_reads<User>({.max_entries = 100, .ttl = 1h});
  const auto orders = db_->session().query<Order>().all();
  {
    auto s = db_->session();
    EXPECT_EQ(s.send_load_related<&Order::user_id>(orders, cached).get().size(), 3u);
  }
  const auto before = statements("users");
  auto s = db_->session();
  auto users = s.send_load_related<&Order::user_id>(orders, cached);
  EXPECT_TRUE(users.ready());  // every row in the cache: nothing was sent
  EXPECT_EQ(users.get().at(3).username, "alan");
  EXPECT_EQ(statements("users"), before);
}

// The servers only: SQLite runs a read in send(), where this one would wait for the lock
// before the second was sent.
TEST_P(SentReads, ReadsOfTwoBindsAreAtTheirServersAtOnce) {
  if (backend() == Backend::sqlite) {
    GTEST_SKIP() << "SQLite runs a read in send(), one bind after the other "
                    "(SentReads.GiveWhatTheBlockingCallsGive covers it)";
  }
  auto s = db_->session();
  // The statements are prepared first: preparing waits for nothing, but a first send would.
  s.query<Order>().filter_by(&Order::id, 1).for_update().all();
  s.query<User>().all();
  s.rollback();

  auto locker = db_->session();
  Order* locked = locker.query<Order>().filter_by(&Order::id, 1).load().at(0);
  locked->status = "held";
  locker.flush();  // the row stays locked until locker's transaction ends
  auto order = s.query<Order>().filter_by(&Order::id, 1).for_update().send();
  auto users = s.query<User>().send();
  EXPECT_EQ(users.get().size(), 3u);  // answered by the users bind meanwhile
  wait_until([&] { return a_read_waits_for_a_lock(); },
             "the orders bind's statement waits at its server");
  EXPECT_FALSE(order.ready());
  locker.rollback();
  ASSERT_EQ(order.get().size(), 1u);
  EXPECT_EQ(order.get()[0].status, "pending");
  // The servers' activity views lag the answer a little (MariaDB's INNODB_TRX is a copy
  // refreshed every 0.1 s, and a thread shows its statement until it has finished after it).
  wait_until([&] { return !a_read_waits_for_a_lock(); },
             "the orders bind's statement no longer waits at its server");
}

// Abandoned while a read waits for a row lock: the session does not wait for the answer. The
// connections with reads on their way are closed rather than read, the reads fail typed, and the
// binds serve on with new connections.
TEST_P(SentReads, AnAbandonedSessionDoesNotWaitForItsReads) {
  if (backend() == Backend::sqlite) {
    GTEST_SKIP() << "SQLite runs a read in send(): nothing is on its way to abandon";
  }
  auto s = db_->session();
  s.query<Order>().filter_by(&Order::id, 1).for_update().all();  // prepared first
  s.rollback();
  auto locker = db_->session();
  Order* locked = locker.query<Order>().filter_by(&Order::id, 1).load().at(0);
  locked->status = "held";
  locker.flush();
  const PoolStats before = db_->engine("orders").pool().stats();
  auto order = s.query<Order>().filter_by(&Order::id, 1).for_update().send();
  auto users = s.query<User>().send();
  wait_until([&] { return a_read_waits_for_a_lock(); },
             "the orders bind's statement waits at its server");
  s.abandon();
  // Read, the answer would still be on its way: the lock is held until below.
  EXPECT_THROW(order.get(), ConnectionError);
  EXPECT_THROW(users.get(), ConnectionError);
  const PoolStats after = db_->engine("orders").pool().stats();
  EXPECT_EQ(after.in_use, before.in_use);  // the locker's
  EXPECT_EQ(after.discarded, before.discarded + 1);
  locker.rollback();
  auto again = db_->session();
  EXPECT_EQ(again.query<Order>().filter_by(&Order::id, 1).for_update().all().size(), 1u);
  EXPECT_EQ(again.query<User>().all().size(), 3u);
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Engines, SentReads, ::testing::ValuesIn(engine_cases()), engine_case_name);

}  // namespace manydb::testing
