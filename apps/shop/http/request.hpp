#pragma once

// One parsed HTTP request as the shop's handlers see it. Deliberately free of Boost so that
// handlers and models do not pay Beast's compile time.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shop::http {

struct Request {
  std::string method;  // "GET", "POST", ... exactly as sent (case-sensitive, like HTTP)
  std::string path;    // the target without its query string, not percent-decoded
  std::map<std::string, std::string> query;  // percent-decoded; first value wins on repeats
  std::string body;
  std::string remote_address;  // client IP, e.g. "127.0.0.1"
  // Values of the pattern's {name} segments, left to right (always decimal int64 text).
  std::vector<std::string> path_params;
  std::vector<std::pair<std::string, std::string>> headers;  // in arrival order

  // Value of the first header called `name` (ASCII case-insensitive); "" if absent.
  std::string header(std::string_view name) const;
  // The index-th path parameter as a number; the router already guaranteed that it fits.
  std::int64_t path_int(std::size_t index) const;
  // The query parameter `name`, if present.
  std::optional<std::string> query_param(const std::string& name) const;
};

// Splits a request target ("/a/b?x=1&y=%20") into its path and its decoded query parameters.
void parse_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query);

// Decodes %XX escapes and '+' (as a space, the form-encoding rule that query strings use).
// Malformed escapes are kept literally rather than rejected, as most servers do.
std::string percent_decode(std::string_view text);

bool iequals(std::string_view a, std::string_view b);

}  // namespace shop::http
