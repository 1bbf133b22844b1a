#pragma once
// std::recursive_timed_mutex's interface over a mutex and a condition variable. libstdc++'s
// try_lock_for locks with pthread_mutex_clocklock, which g++ 12's ThreadSanitizer does not
// intercept: it then reports the unlock as one of an unlocked mutex.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace manydb {

class RecursiveTimedMutex {
 public:
  void lock() {
    std::unique_lock guard(state_);
    if (owned_by_me()) {
      ++depth_;
      return;
    }
    released_.wait(guard, [&] { return depth_ == 0; });
    take();
  }
  bool try_lock() { return try_lock_for(std::chrono::milliseconds(0)); }
  template <class Rep, class Period>
  bool try_lock_for(const std::chrono::duration<Rep, Period>& wait) {
    std::unique_lock guard(state_);
    if (owned_by_me()) {
      ++depth_;
      return true;
    }
    if (!released_.wait_for(guard, wait, [&] { return depth_ == 0; })) return false;
    take();
    return true;
  }
  void unlock() {
    std::lock_guard guard(state_);
    if (--depth_ == 0) {
      owner_ = {};
      released_.notify_one();
    }
  }

 private:
  bool owned_by_me() const { return depth_ > 0 && owner_ == std::this_thread::get_id(); }
  void take() {
    owner_ = std::this_thread::get_id();
    depth_ = 1;
  }

  std::mutex state_;
  std::condition_variable released_;
  std::thread::id owner_;
  int depth_ = 0;
};

}  // namespace manydb
