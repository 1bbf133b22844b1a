// manydb::retry_transaction: which failures run the work again, and how many times.
#include "manydb/session/retry_transaction.hpp"

#include <gtest/gtest.h>

namespace manydb {
namespace {

constexpr RetryOptions kNoPause{.attempts = 3, .pause = std::chrono::milliseconds(0)};

TEST(RetryTransaction, ADeadlockRunsTheWorkAgainUntilItCommits) {
  int runs = 0;
  const int result = retry_transaction(
      [&] {
        if (++runs < 3) throw Deadlock("deadlock detected", "orders", "40P01");
        return 42;
      },
      kNoPause);
  EXPECT_EQ(result, 42);
  EXPECT_EQ(runs, 3);
}

TEST(RetryTransaction, TheLastAttemptsConflictIsThrown) {
  int runs = 0;
  EXPECT_THROW(retry_transaction(
                   [&] {
                     ++runs;
                     throw SerializationFailure("could not serialize", "orders", "40001");
                   },
                   kNoPause),
               SerializationFailure);
  EXPECT_EQ(runs, 3);
}

// After these, running the work again could do it twice or wait twice as long.
TEST(RetryTransaction, ATimeoutALostConnectionOrACommitInDoubtIsThrownAtOnce) {
  int runs = 0;
  EXPECT_THROW(retry_transaction([&] { ++runs, throw LockTimeout("lock wait", "orders", "1205"); },
                                 kNoPause),
               LockTimeout);
  EXPECT_THROW(retry_transaction(
                   [&] { ++runs, throw CommitInDoubt("lost at commit", "orders", ""); }, kNoPause),
               CommitInDoubt);
  EXPECT_THROW(retry_transaction(
                   [&] {
                     ++runs;
                     throw PartialCommit("commit failed", "orders", "", {"products"});
                   },
                   kNoPause),
               PartialCommit);
  EXPECT_EQ(runs, 3);
}

TEST(RetryTransaction, WorkThatReturnsNothingRunsOnce) {
  int runs = 0;
  retry_transaction([&] { ++runs; });
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace manydb
