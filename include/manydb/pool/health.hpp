#pragma once
// A bind's health as one round trip finds it, reported within a time budget whatever the
// server does: a hung server must not hang the caller (a /healthz handler, `manydb ping`).
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace manydb {

struct Health {
  enum class Status { ok, down, timeout };
  Status status = Status::timeout;
  std::chrono::microseconds latency{0};
  std::string error;  // what failed; never a password
};

const char* to_string(Health::Status status);

// Runs checks on a thread of its own, one at a time: a caller waits at most its budget, and a
// check still running when a caller gives up is awaited by the next caller instead of being
// started again, so a hung server never piles up checks.
class HealthCheck {
 public:
  HealthCheck() = default;
  ~HealthCheck();  // waits for a check still running (bounded by the statement timeout)
  HealthCheck(const HealthCheck&) = delete;
  HealthCheck& operator=(const HealthCheck&) = delete;

  // Starts `check` unless one is running still.
  void start(const std::function<Health()>& check);
  // The running or last check's outcome, or a timeout once `deadline` passes first.
  Health wait_until(std::chrono::steady_clock::time_point deadline);

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  bool running_ = false;
  std::optional<Health> result_;
  std::thread thread_;
};

}  // namespace manydb
