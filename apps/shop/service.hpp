#pragma once
// The shop's HTTP API over manydb: one handler per route, each a few database calls.
#include <chrono>
#include <cstdint>
#include <map>

#include "analytics_reports.hpp"
#include "batched_existence.hpp"
#include "consistency_header.hpp"
#include "http/http_metrics.hpp"
#include "http/request.hpp"
#include "http/response.hpp"
#include "http/router.hpp"
#include "manydb/asio/await.hpp"
#include "manydb/manydb.hpp"
#include "page_views.hpp"
#include "tenant_header.hpp"

namespace shop {

class Service {
 public:
  // `orders_commit`: how POST /orders commits its two binds. best_effort is not crash-safe
  // and exists only to measure what atomic costs (shop serve --orders-commit, docs/shop.md).
  Service(manydb::Database& db, PageViewWriter& page_views,
          manydb::Commit orders_commit = manydb::Commit::atomic);
  void add_routes(http::Router& router);
  // false: the reads of a request go one after another (shop serve --send-ahead off), only to
  // measure what sending them ahead saves.
  // The awaiting routes wait in their thread up to this for a database's answer, then give the
  // thread up (manydb::asio::WaitPolicy): a healthy server costs them what a blocking wait
  // would, a slow one holds a thread no longer than this per wait.
  void await_blocking_first(std::chrono::microseconds block) { waiting_.block_first = block; }
  void send_reads_ahead(bool on) {
    send_ahead_ = on;
    send_user_checks_ = on && db_.engine(std::string(User::bind_key)).dialect().pipelines();
  }

  http::Response list_products(const http::Request& request);
  http::Response get_product(const http::Request& request);
  http::Response add_review(const http::Request& request);
  http::Response create_user(const http::Request& request);
  http::Response get_user(const http::Request& request);
  // These two await their reads: while a bind answers, the thread serves other requests.
  boost::asio::awaitable<http::Response> user_orders(const http::Request& request);
  boost::asio::awaitable<http::Response> get_order(const http::Request& request);
  http::Response create_order(const http::Request& request);
  http::Response health(const http::Request& request);
  // The analytics reports (analytics.cpp): views per page and day, visits, conversion.
  http::Response page_report(const http::Request& request);
  http::Response visit_report(const http::Request& request);
  http::Response conversion_report(const http::Request& request);
  // GET /metrics: the library's metrics, the HTTP server's and the page views', in the
  // Prometheus text format.
  http::Response metrics(const http::Request& request);
  // The HTTP metrics GET /metrics shows, made once every route is added; must outlive this.
  void show_http_metrics(const http::HttpMetrics* metrics) { http_metrics_ = metrics; }

 private:
  // The tenant of a route of per-tenant data (products, orders, reviews): "" when the
  // configuration has no tenant binds (the header is not read), else the X-Tenant header's,
  // checked (a 400 when missing or invalid).
  std::string tenant_of(const http::Request& request) const {
    return tenants_ ? request_tenant(request) : std::string();
  }
  // For requests that only read per-tenant data (and shared data beside it): each statement
  // runs in autocommit, so a request costs no BEGIN and no ROLLBACK round trip per bind on the
  // servers. Reads of a bind with replicas go to a replica that has replayed the request's
  // X-Consistency-Token, if it sent one.
  manydb::Session read_session(const http::Request& request) {
    return db_.session({.begin = manydb::Begin::at_first_write,
                        .read_after = request_token(request),
                        .tenant = tenant_of(request),
                        .send_ahead = send_ahead_});
  }
  // For requests that only read the shared bind of Model (users): no tenant.
  template <class Model>
  manydb::Session read_session_for(const http::Request& request) {
    return db_.session({.only_bind = manydb::schema::table_info<Model>().bind_or_default(),
                        .begin = manydb::Begin::at_first_write,
                        .read_after = request_token(request)});
  }
  // A 400 when the request's X-Consistency-Token is not one or names a bind that does not
  // exist, for the routes that open no session to check it.
  void check_token(const http::Request& request);

  // POST /orders once: the session, the user check, the stock, the order and its items.
  http::Response place_order(const http::Request& request, std::int64_t user_id,
                             const std::map<std::int64_t, std::int64_t>& wanted);
  // The answer to an order whose stock could not be taken: product id -> quantity wanted.
  http::Response refusal(const std::map<std::int64_t, std::int64_t>& wanted,
                         const std::string& tenant);

  // Whether user `id` exists: the check of POST /orders.
  bool user_exists(std::int64_t id);
  // The users of `ids` that exist: one statement on the users bind.
  std::vector<std::int64_t> existing_users(std::span<const std::int64_t> ids);

  // /healthz answers within this, whatever the binds do (under the 2 s an orchestrator allows).
  static constexpr std::chrono::milliseconds kHealthBudget{1500};

  manydb::Database& db_;
  const bool tenants_;  // the configuration has tenant binds: see tenant_of()
  PageViewWriter& page_views_;
  // POST /orders shares its user checks (BatchedExistence) on a database server, where that
  // saves a round trip per order. Not on SQLite, which has no round trip to save: a check
  // waiting for another thread's would only add a hand-off between threads, and a wait for
  // that thread whenever it is preempted. Nor for GET /users/{id}/orders: there the check is
  // half the request's work, every request waits on the same lookup, and one preempted
  // leader held them all up (p99 at 16 connections went from 3.4 to 93 ms).
  BatchedExistence users_;
  const bool batch_user_checks_;
  // ...unless the users bind pipelines (PostgreSQL) and reads are sent ahead: then each order
  // sends its own check, answered while its stock is taken, which no wait at all beats.
  bool send_user_checks_ = false;
  const manydb::Commit orders_commit_;
  bool send_ahead_ = true;
  // A request whose client went away (the server cancels its coroutine) gives up its reads
  // at once, rather than hold their connections until a hung database answers.
  manydb::asio::WaitPolicy waiting_{.abandon_when_cancelled = true};
  const http::HttpMetrics* http_metrics_ = nullptr;
  AnalyticsReports reports_;
};

}  // namespace shop
