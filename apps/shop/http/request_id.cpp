#include "request_id.hpp"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <random>

namespace shop::http {

namespace {

// Eight hex digits from the system's entropy, drawn once: ids of two processes (a restart)
// differ without a clock or a lock per request.
const std::string& process_prefix() {
  static const std::string prefix = [] {
    std::random_device entropy;
    char text[16];
    std::snprintf(text, sizeof text, "%08x", static_cast<unsigned>(entropy()));
    return std::string(text);
  }();
  return prefix;
}

std::string new_request_id() {
  static std::atomic<std::uint64_t> counter{0};
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, "-%llx",
                static_cast<unsigned long long>(counter.fetch_add(1, std::memory_order_relaxed)));
  return process_prefix() + suffix;
}

bool id_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

}  // namespace

bool sane_request_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdLength) return false;
  for (char c : id) {
    if (!id_character(c)) return false;
  }
  return true;
}

std::string request_id_for(std::string_view sent) {
  return sane_request_id(sent) ? std::string(sent) : new_request_id();
}

}  // namespace shop::http
