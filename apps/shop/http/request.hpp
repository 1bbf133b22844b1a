#pragma once

// One parsed HTTP request as the shop's handlers see it. Deliberately free of Boost so that
// handlers and models do not pay Beast's compile time.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace shop::http {

struct Request {
  std::string method;  // "GET", "POST", ... exactly as sent (case-sensitive, like HTTP)
  std::string path;    // the target without its query string, not percent-decoded
  std::map<std::string, std::string> query;  // percent-decoded; first value wins on repeats
  std::string body;
  std::string remote_address;  // client IP, e.g. "127.0.0.1"
  // Values of the pattern's {name} segments, left to right: the router admits only decimal
  // integers that fit in int64, and parses them as it matches.
  std::vector<std::int64_t> path_params;
  // The index of the route that matched (Router::pattern names it); kNoRoute when none did.
  static constexpr std::size_t kNoRoute = static_cast<std::size_t>(-1);
  std::size_t route = kNoRoute;

  // The value of the request header `name` (case-insensitive), "" when it was not sent; the
  // first one when it was sent twice. Valid while the handler runs. Read from the parsed
  // message itself, not copied into the request: most handlers read no header at all.
  std::string_view header(std::string_view name) const {
    return find_header ? find_header(headers, name) : std::string_view{};
  }
  // How header() reads the server's parsed message; null (no header) in a Request built by hand.
  std::string_view (*find_header)(const void* headers, std::string_view name) = nullptr;
  const void* headers = nullptr;
};

// Splits a request target ("/a/b?x=1&y=%20") into its path and its decoded query parameters:
// '+' is a space (form encoding), and a malformed escape is kept as written rather than
// rejected, as most servers do.
void parse_target(std::string_view target, std::string& path,
                  std::map<std::string, std::string>& query);

}  // namespace shop::http
