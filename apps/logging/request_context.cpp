#include "request_context.hpp"

namespace applog {

namespace {
thread_local std::string_view current;
}  // namespace

std::string_view current_request_id() { return current; }

RequestScope::RequestScope(std::string_view id) : previous_(current) { current = id; }

RequestScope::~RequestScope() { current = previous_; }

}  // namespace applog
