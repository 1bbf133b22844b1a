#pragma once
// The request a thread is handling, for the log lines it causes (its own and manydb's): the
// HTTP server sets it for a handler's duration. Thread-local, as a handler runs on one thread.
#include <string_view>

namespace applog {

// The id of the request this thread is handling; empty outside one.
std::string_view current_request_id();

class RequestScope {
 public:
  // `id` must outlive the scope.
  explicit RequestScope(std::string_view id);
  ~RequestScope();
  RequestScope(const RequestScope&) = delete;
  RequestScope& operator=(const RequestScope&) = delete;

 private:
  std::string_view previous_;
};

}  // namespace applog
