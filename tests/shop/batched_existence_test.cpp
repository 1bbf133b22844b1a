// BatchedExistence: one lookup per batch of concurrent checks, never an answer from a lookup
// that started before the check arrived, and a lookup's failure reaching its whole batch.
#include "batched_existence.hpp"

#include "manydb/core/errors.hpp"
#include "wait_until.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace shop {
namespace {

using manydb::testing::wait_until;

// Even keys exist. Each call is recorded; while `hold` is set, a call waits to be released.
class FakeTable {
 public:
  std::vector<std::int64_t> lookup(std::span<const std::int64_t> keys) {
    std::unique_lock lock(mutex_);
    calls_.emplace_back(keys.begin(), keys.end());
    ++started_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return !hold_; });
    if (fail_) throw manydb::ConnectionError("bind 'users': server closed the connection", "users");
    std::vector<std::int64_t> found;
    for (auto k : keys) {
      if (k % 2 == 0) found.push_back(k);
    }
    return found;
  }
  void hold() {
    std::lock_guard lock(mutex_);
    hold_ = true;
  }
  void release() {
    std::lock_guard lock(mutex_);
    hold_ = false;
    changed_.notify_all();
  }
  void fail(bool on) {
    std::lock_guard lock(mutex_);
    fail_ = on;
  }
  void wait_started(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return started_ >= n; });
  }
  std::vector<std::vector<std::int64_t>> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<std::int64_t>> calls_;
  int started_ = 0;
  bool hold_ = false, fail_ = false;
};

BatchedExistence over(FakeTable& table, int max_in_flight = 1) {
  return BatchedExistence([&](std::span<const std::int64_t> k) { return table.lookup(k); },
                          max_in_flight);
}

TEST(BatchedExistence, AloneEachCheckIsOneLookupOfItsKey) {
  FakeTable table;
  auto users = over(table);
  EXPECT_TRUE(users.exists(4));
  EXPECT_FALSE(users.exists(7));
  EXPECT_EQ(table.calls(), (std::vector<std::vector<std::int64_t>>{{4}, {7}}));
}

TEST(BatchedExistence, ChecksArrivingDuringALookupShareTheNextOne) {
  FakeTable table;
  auto users = over(table);
  table.hold();
  auto first = std::async(std::launch::async, [&] { return users.exists(2); });
  table.wait_started(1);  // the first lookup is in flight, held
  std::vector<std::future<bool>> later;
  for (std::int64_t k : {10, 11, 12}) {
    later.push_back(std::async(std::launch::async, [&users, k] { return users.exists(k); }));
  }
  wait_until([&] { return users.queued() == 3; }, "the later checks never queued");
  table.release();
  EXPECT_TRUE(first.get());
  EXPECT_TRUE(later[0].get());
  EXPECT_FALSE(later[1].get());
  EXPECT_TRUE(later[2].get());
  auto calls = table.calls();
  ASSERT_EQ(calls.size(), 2u);  // none of the later keys rode on the lookup already sent
  EXPECT_EQ(calls[0], std::vector<std::int64_t>{2});
  std::sort(calls[1].begin(), calls[1].end());
  EXPECT_EQ(calls[1], (std::vector<std::int64_t>{10, 11, 12}));
}

TEST(BatchedExistence, UpToMaxInFlightLookupsRunAtOnceAndTheRestWait) {
  FakeTable table;
  auto users = over(table, 2);
  table.hold();
  auto a = std::async(std::launch::async, [&] { return users.exists(2); });
  table.wait_started(1);
  auto b = std::async(std::launch::async, [&] { return users.exists(3); });
  table.wait_started(2);  // a second lookup started beside the held first
  auto c = std::async(std::launch::async, [&] { return users.exists(4); });
  auto d = std::async(std::launch::async, [&] { return users.exists(6); });
  wait_until([&] { return users.queued() == 2; }, "the later checks never queued");
  table.release();
  EXPECT_TRUE(a.get());
  EXPECT_FALSE(b.get());
  EXPECT_TRUE(c.get());
  EXPECT_TRUE(d.get());
  auto calls = table.calls();
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls[0], std::vector<std::int64_t>{2});
  EXPECT_EQ(calls[1], std::vector<std::int64_t>{3});
  std::sort(calls[2].begin(), calls[2].end());
  EXPECT_EQ(calls[2], (std::vector<std::int64_t>{4, 6}));
}

TEST(BatchedExistence, AFailedLookupFailsEveryCheckOfItsBatch) {
  FakeTable table;
  auto users = over(table);
  table.hold();
  auto first = std::async(std::launch::async, [&] { return users.exists(2); });
  table.wait_started(1);
  auto a = std::async(std::launch::async, [&] { return users.exists(4); });
  auto b = std::async(std::launch::async, [&] { return users.exists(6); });
  wait_until([&] { return users.queued() == 2; }, "the later checks never queued");
  table.fail(true);  // the held lookup and the next one fail
  table.release();
  // Each check its own exception, still an OperationalError naming the bind (a 503).
  for (auto* check : {&first, &a, &b}) {
    try {
      check->get();
      ADD_FAILURE() << "a check of a failed batch returned";
    } catch (const manydb::OperationalError& e) {
      EXPECT_EQ(e.bind(), "users");
      EXPECT_STREQ(e.what(), "bind 'users': server closed the connection");
    }
  }
  EXPECT_EQ(table.calls().size(), 2u);
  table.fail(false);
  EXPECT_TRUE(users.exists(8));  // the next check looks up afresh
}

TEST(BatchedExistence, ManyThreadsGetTheRightAnswers) {
  FakeTable table;
  auto users = over(table, 2);
  constexpr int kThreads = 8, kChecks = 300;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kChecks; ++i) {
        const std::int64_t key = t * kChecks + i;
        if (users.exists(key) != (key % 2 == 0)) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  std::size_t asked = 0;  // every key asked exactly once
  for (const auto& call : table.calls()) asked += call.size();
  EXPECT_EQ(asked, std::size_t{kThreads * kChecks});
  EXPECT_EQ(users.queued(), 0u);
}

}  // namespace
}  // namespace shop
