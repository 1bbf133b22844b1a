#pragma once

// Maps (method, path) to a handler with Flask-like strictness: literal segments match
// exactly, a {name} segment matches only a decimal integer that fits in int64, and a
// trailing slash is a different path (so "/products/" is 404 when only "/products" exists).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "request.hpp"
#include "response.hpp"

namespace shop::http {

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  // Throws std::invalid_argument for a pattern that does not start with '/'.
  void add(std::string method, std::string pattern, Handler handler);

  // Finds the route, fills request.path_params and calls its handler (a GET route's for HEAD).
  // Unknown path: 404; known path with another method: 405 with an Allow header. Handler exceptions
  // propagate (the server turns them into 500s).
  Response dispatch(Request& request) const;

 private:
  struct Segment {
    std::string literal;
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::vector<Segment> segments;
    Handler handler;
  };

  static bool match(const Route& route, const std::vector<std::string_view>& parts,
                    std::vector<std::int64_t>& params);

  std::vector<Route> routes_;
};

}  // namespace shop::http
