#pragma once

// Maps (method, path) to a handler with Flask-like strictness: literal segments match
// exactly, a {name} segment matches only a decimal integer that fits in int64, and a
// trailing slash is a different path (so "/products/" is 404 when only "/products" exists).

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "request.hpp"
#include "response.hpp"

namespace shop::http {

using Handler = std::function<Response(const Request&)>;
// A handler that awaits (its database reads, without holding the thread): the server runs it
// as a coroutine on the connection's strand. The request lives until the response is sent.
using AwaitingHandler = std::function<boost::asio::awaitable<Response>(const Request&)>;

class Router {
 public:
  // Throws std::invalid_argument for a pattern that does not start with '/'.
  void add(std::string method, std::string pattern, Handler handler);
  void add(std::string method, std::string pattern, AwaitingHandler handler);

  // The route of a request, path_params and route filled in (a GET route's for HEAD): its
  // handler, one of the two kinds, or when there is none the answer to give (404 for an unknown
  // path; 405 with an Allow header for a known path with another method).
  struct Found {
    const Handler* handler = nullptr;
    const AwaitingHandler* awaiting = nullptr;
    Response refusal;
  };
  Found find(Request& request) const;

  // The routes in the order they were added, by the index find() leaves in request.route:
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
    Handler handler;  // one of the two
    AwaitingHandler awaiting;
  };
  void add(Route route);

  static bool match(const Route& route, const std::vector<std::string_view>& parts,
                    std::vector<std::int64_t>& params);

  std::vector<Route> routes_;
};

}  // namespace shop::http
