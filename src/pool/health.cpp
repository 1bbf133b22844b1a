#include "manydb/pool/health.hpp"

namespace manydb {

const char* to_string(Health::Status status) {
  switch (status) {
    case Health::Status::ok: return "ok";
    case Health::Status::down: return "down";
    case Health::Status::timeout: return "timeout";
  }
  return "unknown";
}

HealthCheck::~HealthCheck() {
  if (thread_.joinable()) thread_.join();
}

void HealthCheck::start(const std::function<Health()>& check) {
  std::lock_guard lock(mutex_);
  if (running_) return;
  if (thread_.joinable()) thread_.join();  // it has finished: it clears running_ as it ends
  running_ = true;
  result_.reset();
  thread_ = std::thread([this, check] {
    Health h = check();
    std::lock_guard done_lock(mutex_);
    result_ = std::move(h);
    running_ = false;
    done_.notify_all();
  });
}

Health HealthCheck::wait_until(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  if (done_.wait_until(lock, deadline, [&] { return result_.has_value(); })) return *result_;
  Health late;
  late.status = Health::Status::timeout;
  late.error = "the server did not answer in time";
  return late;
}

}  // namespace manydb
