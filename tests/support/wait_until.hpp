#pragma once
// Polls with a deadline, for what happens on another thread without a signal to wait on (a
// thread reaching a condition variable's wait, a counter another thread bumps). Fails the
// test, naming `what`, after 30 s.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace manydb::testing {

// Whether `done` held within `limit`, polled: for a caller that asserts it with its own message.
template <class Condition>
bool eventually(Condition done, std::chrono::seconds limit = std::chrono::seconds(30)) {
  const auto give_up = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

template <class Condition>
void wait_until(Condition done, const char* what) {
  ASSERT_TRUE(eventually(done)) << what;
}

}  // namespace manydb::testing
