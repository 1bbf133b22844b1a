#pragma once
// Polls with a deadline, for what happens on another thread without a signal to wait on (a
// thread reaching a condition variable's wait, a counter another thread bumps). Fails the
// test, naming `what`, after 30 s.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace manydb::testing {

template <class Condition>
void wait_until(Condition done, const char* what) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    ASSERT_LT(std::chrono::steady_clock::now(), give_up) << what;
    std::this_thread::yield();
  }
}

}  // namespace manydb::testing
