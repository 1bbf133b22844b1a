#pragma once
// The shop's HTTP API over manydb: one handler per route, each a few database calls.
#include <cstdint>
#include <map>

#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "manydb/manydb.hpp"
#include "page_views.hpp"

namespace shop {

class Service {
 public:
  Service(manydb::Database& db, PageViewWriter& page_views) : db_(db), page_views_(page_views) {}
  void add_routes(http::Router& router);

  http::Response list_products(const http::Request& request);
  http::Response get_product(const http::Request& request);
  http::Response add_review(const http::Request& request);
  http::Response create_user(const http::Request& request);
  http::Response get_user(const http::Request& request);
  http::Response user_orders(const http::Request& request);
  http::Response get_order(const http::Request& request);
  http::Response create_order(const http::Request& request);
  http::Response health(const http::Request& request);

 private:
  // For requests that only read: each statement runs in autocommit, so a request costs no
  // BEGIN and no ROLLBACK round trip per bind on the servers.
  manydb::Session read_session(std::string bind = {}) {
    return db_.session({.only_bind = std::move(bind), .begin = manydb::Begin::at_first_write});
  }

  // The answer to an order whose stock could not be taken: product id -> quantity wanted.
  http::Response refusal(const std::map<std::int64_t, std::int64_t>& wanted);

  manydb::Database& db_;
  PageViewWriter& page_views_;
};

}  // namespace shop
