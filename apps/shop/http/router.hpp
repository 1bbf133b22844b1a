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

  // The routes in the order they were added, by the index dispatch() leaves in request.route:
  // for metrics by route template, so that ids in paths do not make a label value each.
  std::size_t size() const { return routes_.size(); }
  std::string_view method(std::size_t route) const { return routes_.at(route).method; }
  std::string_view pattern(std::size_t route) const { return routes_.at(route).pattern; }

 private:
  struct Segment {
    std::string literal;
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };

  static bool match(const Route& route, const std::vector<std::string_view>& parts,
                    std::vector<std::int64_t>& params);

  std::vector<Route> routes_;
};

}  // namespace shop::http
