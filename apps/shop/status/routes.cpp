#include "status/routes.hpp"

#include "status/page.hpp"
#include "status/status_json.hpp"

namespace shop::status {

namespace {

// The page is the shop's own: inline script and style, data from this origin only.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "connect-src 'self'; img-src 'self' data:";

http::Response page() {
  http::Response response;
  response.body = std::string(status_page_html());
  response.content_type = "text/html; charset=utf-8";
  response.headers = {{"Content-Security-Policy", kPagePolicy}, {"Cache-Control", "no-store"}};
  return response;
}

}  // namespace

void add_status_routes(http::Router& router, const StatusSampler& sampler) {
  router.add("GET", "/status", [](const http::Request&) { return page(); });
  router.add("GET", "/status.json", [&sampler](const http::Request&) {
    auto response = http::Response::json(200, status_json(sampler.view()));
    response.headers = {{"Cache-Control", "no-store"}};
    return response;
  });
}

}  // namespace shop::status
