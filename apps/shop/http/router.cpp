#include "router.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>

namespace shop::http {
namespace {

// "/a/b/" -> {"a", "b", ""}: the empty last part keeps trailing slashes distinct.
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  if (path.empty() || path.front() != '/') return parts;
  path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

// Flask's <int:id>: digits only (no sign, no spaces), and the value must fit in int64. The
// shop's one parser of ids in paths: handlers read the numbers it leaves in path_params.
std::optional<std::int64_t> parse_id(std::string_view text) {
  if (text.empty() ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string join_methods(std::vector<std::string> methods) {
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  std::string out;
  for (const auto& method : methods) out += (out.empty() ? "" : ", ") + method;
  return out;
}

}  // namespace

void Router::add(std::string method, std::string pattern, Handler handler) {
  add(Route{std::move(method), std::move(pattern), {}, std::move(handler), {}});
}

void Router::add(std::string method, std::string pattern, AwaitingHandler handler) {
  add(Route{std::move(method), std::move(pattern), {}, {}, std::move(handler)});
}

void Router::add(Route route) {
  const std::string& pattern = route.pattern;
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  for (std::string_view part : split_path(pattern)) {
    bool is_param = part.size() >= 2 && part.front() == '{' && part.back() == '}';
    route.segments.push_back({std::string(part), is_param});
  }
  routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& parts,
                   std::vector<std::int64_t>& params) {
  if (route.segments.size() != parts.size()) return false;
  params.clear();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Segment& segment = route.segments[i];
    if (segment.is_param) {
      const auto id = parse_id(parts[i]);
      if (!id) return false;
      params.push_back(*id);
    } else if (segment.literal != parts[i]) {
      return false;
    }
  }
  return true;
}

Router::Found Router::find(Request& request) const {
  const auto parts = split_path(request.path);
  std::vector<std::int64_t> params;
  std::vector<std::string> allowed;
  // HEAD is GET without the body (RFC 9110 9.3.2): the server drops the body, and the
  // handler runs as for GET, as Flask does.
  const bool head = request.method == "HEAD";
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    const Route& route = routes_[i];
    if (!match(route, parts, params)) continue;
    if (route.method == request.method || (head && route.method == "GET")) {
      request.path_params = std::move(params);
      request.route = i;
      if (route.awaiting) return {.awaiting = &route.awaiting, .refusal = {}};
      return {.handler = &route.handler, .refusal = {}};
    }
    allowed.push_back(route.method);
    if (route.method == "GET") allowed.push_back("HEAD");
  }
  if (allowed.empty()) return {.refusal = Response::error(404, "not found")};
  Response response = Response::error(405, "method not allowed");
  response.headers.emplace_back("Allow", join_methods(std::move(allowed)));
  return {.refusal = std::move(response)};
}

}  // namespace shop::http
