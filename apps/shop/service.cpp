#include "service.hpp"

#include "guarded.hpp"
#include "json_writer.hpp"
#include "request_body.hpp"

namespace shop {

using http::Request;
using http::Response;
using manydb::col;

namespace {

// The product's fields, inside an object the caller opened (the detail adds its reviews).
void write_product_fields(JsonWriter& w, const Product& p) {
  w.key("id").value(p.id).key("name").value(p.name).key("price").money(p.price);
  w.key("stock").value(p.stock).key("category").value(p.category);
}

}  // namespace

Service::Service(manydb::Database& db, PageViewWriter& page_views, manydb::Commit orders_commit)
    : db_(db),
      tenants_(db.has_tenants()),
      page_views_(page_views),
      users_([this](std::span<const std::int64_t> ids) { return existing_users(ids); }),
      batch_user_checks_(!db.engine(std::string(User::bind_key)).dialect().runs_in_process()),
      send_user_checks_(db.engine(std::string(User::bind_key)).dialect().pipelines()),
      orders_commit_(orders_commit),
      reports_(db) {}

void Service::add_routes(http::Router& router) {
  auto route = [&](const char* method, const char* pattern, auto member) {
    router.add(method, pattern, [this, member](const Request& r) {
      return guarded([&] { return (this->*member)(r); });
    });
  };
  route("GET", "/products", &Service::list_products);
  route("GET", "/products/{id}", &Service::get_product);
  route("POST", "/products/{id}/reviews", &Service::add_review);
  route("POST", "/users", &Service::create_user);
  route("GET", "/users/{id}", &Service::get_user);
  auto awaiting = [&](const char* method, const char* pattern, auto member) {
    router.add(method, pattern, http::AwaitingHandler([this, member](const Request& r) {
                 return guarded_awaiting([this, member, &r] { return (this->*member)(r); });
               }));
  };
  awaiting("GET", "/users/{id}/orders", &Service::user_orders);
  awaiting("GET", "/orders/{id}", &Service::get_order);
  route("POST", "/orders", &Service::create_order);
  route("GET", "/healthz", &Service::health);
  route("GET", "/metrics", &Service::metrics);
  route("GET", "/analytics/pages", &Service::page_report);
  route("GET", "/analytics/visits", &Service::visit_report);
  route("GET", "/analytics/conversion", &Service::conversion_report);
}

void Service::check_token(const Request& request) {
  const auto token = request_token(request);
  if (!token.empty()) db_.session({.read_after = token});  // checks the binds it names
}

Response Service::list_products(const Request& request) {
  auto s = read_session(request);
  auto q = s.query<Product>().order_by(manydb::asc(&Product::id));
  if (auto it = request.query.find("category"); it != request.query.end()) {
    q.where(col(&Product::category) == it->second);
  }
  const auto products = q.all();
  JsonWriter w;
  w.reserve(products.size() * 96 + 2);  // about one product's JSON: no regrowth on the way
  w.begin_array();
  for (const auto& p : products) {
    w.begin_object();
    write_product_fields(w, p);
    w.end_object();
  }
  w.end_array();
  page_views_.record(PageView{.page = "/products", .ip_address = request.remote_address});
  return Response::json(200, w.take());
}

Response Service::get_product(const Request& request) {
  auto s = read_session(request);
  const auto product =
      s.query<Product>().filter_by(&Product::id, request.path_params.at(0)).first();
  if (!product) return Response::error(404, "product not found");
  // The reviews live in a database of their own: when it is down the product still answers,
  // its reviews marked unavailable.
  std::optional<std::vector<Review>> reviews;
  try {
    reviews = s.query<Review>()
                  .filter_by(&Review::product_id, product->id)
                  .order_by(manydb::asc(&Review::id))
                  .all();
  } catch (const manydb::OperationalError&) {
  }
  JsonWriter w;
  w.begin_object();
  write_product_fields(w, *product);
  w.key("reviews");
  if (reviews) {
    w.begin_array();
    for (const auto& r : *reviews) {
      w.begin_object().key("id").value(r.id).key("user_id").value(r.user_id);
      w.key("rating").value(r.rating).key("comment").value(r.comment);
      w.key("created_at").value(r.created_at.to_iso8601()).end_object();
    }
    w.end_array();
  } else {
    w.null();
  }
  w.key("reviews_unavailable").value(!reviews).end_object();
  return Response::json(200, w.take());
}

Response Service::add_review(const Request& request) {
  const auto product_id = request.path_params.at(0);
  const auto body = parse_object(request.body);
  const auto user_id = integer_field(body, "user_id");
  const auto rating = integer_field(body, "rating");
  const auto* comment = body.if_contains("comment");
  if (comment && !comment->is_string() && !comment->is_null()) {
    throw BadRequest("'comment' must be a string");
  }
  if (rating < 1 || rating > 5) return Response::error(400, "'rating' must be between 1 and 5");
  // Only the reviews bind is written: the checks on the others run without a transaction, so
  // the commit is the reviews bind's alone. They read the primaries: a write is checked
  // against every commit, not refused because a replica has not replayed the user yet. The
  // request's token is carried into the one this write answers with.
  const std::string text =
      comment && comment->is_string() ? std::string(comment->as_string()) : std::string();
  return manydb::retry_transaction([&] {
    auto s = db_.session({.begin = manydb::Begin::at_first_write,
                          .read_after = request_token(request),
                          .tenant = tenant_of(request)});
    if (!s.query<Product>().filter_by(&Product::id, product_id).from_primary().exists()) {
      return Response::error(404, "product not found");
    }
    if (!s.query<User>().filter_by(&User::id, user_id).from_primary().exists())
      return Response::error(404, "user not found");
    auto& review = s.add(
        Review{.product_id = product_id, .user_id = user_id, .rating = rating, .comment = text});
    s.commit();
    JsonWriter w;
    w.begin_object().key("id").value(review.id).end_object();
    auto response = Response::json(201, w.take());
    add_token_header(response, s.consistency_token());
    return response;
  });
}

namespace {
void write_user(JsonWriter& w, const User& u) {
  w.begin_object().key("id").value(u.id).key("username").value(u.username);
  w.key("email").value(u.email).key("created_at").value(u.created_at.to_iso8601()).end_object();
}
}  // namespace

Response Service::create_user(const Request& request) {
  const auto body = parse_object(request.body);
  auto username = string_field(body, "username", 80);
  auto email = string_field(body, "email", 120);
  auto s = db_.session({.only_bind = manydb::schema::table_info<User>().bind_or_default(),
                        .read_after = request_token(request)});
  try {
    auto& user = s.add(User{.username = std::move(username), .email = std::move(email)});
    s.commit();
    JsonWriter w;
    write_user(w, user);
    auto response = Response::json(201, w.take());
    add_token_header(response, s.consistency_token());
    return response;
  } catch (const manydb::UniqueViolation&) {
    return Response::error(409, "username or email already taken");
  }
}

Response Service::get_user(const Request& request) {
  auto s = read_session_for<User>(request);
  const auto user = s.query<User>().filter_by(&User::id, request.path_params.at(0)).first();
  if (!user) return Response::error(404, "user not found");
  JsonWriter w;
  write_user(w, *user);
  return Response::json(200, w.take());
}

bool Service::user_exists(std::int64_t id) {
  if (batch_user_checks_) return users_.exists(id);
  return !existing_users(std::span(&id, 1)).empty();
}

// On the users bind's primary: POST /orders is not refused because a replica has not yet
// replayed the user it names.
std::vector<std::int64_t> Service::existing_users(std::span<const std::int64_t> ids) {
  auto s = db_.session({.begin = manydb::Begin::at_first_write});
  if (ids.size() == 1) {
    if (s.query<User>().filter_by(&User::id, ids.front()).from_primary().exists())
      return {ids.front()};
    return {};
  }
  std::vector<std::int64_t> found;
  const std::vector<std::int64_t> asked(ids.begin(), ids.end());
  for (const auto& user : s.query<User>().where(col(&User::id).in(asked)).from_primary().all()) {
    found.push_back(user.id);
  }
  return found;
}

boost::asio::awaitable<Response> Service::user_orders(const Request& request) {
  const auto user_id = request.path_params.at(0);
  auto s = read_session(request);
  // The user check and the orders at the same time, each on its bind: one wait, not two.
  auto user = s.query<User>().filter_by(&User::id, user_id).limit(1).send();
  auto sent_orders =
      s.query<Order>().filter_by(&Order::user_id, user_id).order_by(manydb::asc(&Order::id)).send();
  co_await manydb::asio::ready(waiting_, user, sent_orders);
  if (user.get().empty()) co_return Response::error(404, "user not found");
  const auto& orders = sent_orders.get();
  JsonWriter w;
  w.begin_array();
  for (const auto& o : orders) {
    w.begin_object().key("id").value(o.id).key("total").money(o.total_amount);
    w.key("status").value(o.status).key("date").value(o.created_at.to_iso8601()).end_object();
  }
  w.end_array();
  page_views_.record(PageView{.page = "/users/" + std::to_string(user_id) + "/orders",
                              .user_id = user_id,
                              .ip_address = request.remote_address});
  co_return Response::json(200, w.take());
}

boost::asio::awaitable<Response> Service::get_order(const Request& request) {
  auto s = read_session(request);
  const std::int64_t id = request.path_params.at(0);
  // Two waits where there are four reads: the order and its items are sent together (one round
  // trip on PostgreSQL, whose pipeline carries both), then the user and the products at once,
  // each on its bind. Cross-database, without N+1: one query per bind whatever the number of
  // items. Only names are shown from these, so they may come from the read cache (shop serve
  // --cache-names).
  auto sent_order = s.query<Order>().filter_by(&Order::id, id).limit(1).send();
  auto sent_items = s.query<OrderItem>()
                        .filter_by(&OrderItem::order_id, id)
                        .order_by(manydb::asc(&OrderItem::id))
                        .send();
  co_await manydb::asio::ready(waiting_, sent_order, sent_items);
  const auto& orders = sent_order.get();
  if (orders.empty()) co_return Response::error(404, "order not found");
  const Order* order = &orders.front();
  auto sent_users = s.send_load_related<&Order::user_id>(orders, manydb::cached);
  const auto& items = sent_items.get();
  auto sent_products = s.send_load_related<&OrderItem::product_id>(items, manydb::cached);
  co_await manydb::asio::ready(waiting_, sent_users, sent_products);
  const auto& users = sent_users.get();
  const auto& products = sent_products.get();
  JsonWriter w;
  w.begin_object().key("id").value(order->id).key("user").begin_object();
  w.key("id").value(order->user_id).key("username");
  if (auto u = users.find(order->user_id); u != users.end()) {
    w.value(u->second.username);
  } else {
    w.null();
  }
  w.end_object().key("total").money(order->total_amount).key("status").value(order->status);
  w.key("items").begin_array();
  for (const auto& item : items) {
    w.begin_object().key("product_id").value(item.product_id).key("product_name");
    if (auto p = products.find(item.product_id); p != products.end()) {
      w.value(p->second.name);
    } else {
      w.null();
    }
    w.key("quantity").value(item.quantity).key("price").money(item.price).end_object();
  }
  w.end_array().end_object();
  co_return Response::json(200, w.take());
}

namespace {

// Each replica as the monitor last saw it, and "replica_status": "degraded" when one cannot
// serve reads (out, lagging, or promoted), else "ok". A replica never makes the shop unhealthy:
// its reads go to another replica or the primary. No URL: it could hold a password.
void write_replicas(JsonWriter& w, const std::vector<manydb::ReplicaStatus>& replicas) {
  bool degraded = false;
  w.key("replicas").begin_array();
  for (const auto& r : replicas) {
    w.begin_object().key("name").value(r.name).key("bind").value(r.bind);
    w.key("state").value(r.state).key("lag_ms");
    if (r.lag) {
      w.value(static_cast<std::int64_t>(r.lag->count()));
    } else {
      w.null();
    }
    if (!r.error.empty()) w.key("error").value(r.error);
    w.end_object();
    degraded |= r.state != "ok" && r.state != "unknown";
  }
  w.end_array().key("replica_status").value(degraded ? "degraded" : "ok");
}

}  // namespace

// Every bind checked at once, answered within kHealthBudget whatever the servers do: a hung
// server is reported as "timeout" rather than holding the answer.
Response Service::health(const Request&) {
  bool all_ok = true;
  JsonWriter w;
  w.begin_object().key("binds").begin_object();
  for (const auto& [name, health] : db_.check_health(kHealthBudget)) {
    w.runtime_key(name).begin_object();
    w.key("engine").value(to_string(db_.engine(name).url().backend));
    w.key("status").value(manydb::to_string(health.status));
    w.key("latency_us").value(static_cast<std::int64_t>(health.latency.count()));
    if (health.status != manydb::Health::Status::ok) {
      all_ok = false;
      w.key("error").value(health.error);
    }
    w.end_object();
  }
  w.end_object();
  write_replicas(w, db_.replica_status());
  w.key("status").value(all_ok ? "ok" : "degraded").end_object();
  return Response::json(all_ok ? 200 : 503, w.take());
}

namespace {

void write_page_views(manydb::PrometheusWriter& out, const PageViewStats& stats) {
  using Type = manydb::PrometheusWriter::Type;
  const manydb::Labels none;
  auto gauge = [&](const char* name, const char* help, std::uint64_t value) {
    out.family(name, Type::gauge, help);
    out.sample(none, value);
  };
  auto counter = [&](const char* name, const char* help, std::uint64_t value) {
    out.family(name, Type::counter, help);
    out.sample(none, value);
  };
  gauge("shop_page_views_queued", "Page views in memory, not yet in the log on disk.",
        stats.queued);
  counter("shop_page_views_recorded_total", "Page views recorded.", stats.recorded);
  counter("shop_page_views_logged_total", "Page views appended to the log on disk (fsynced).",
          stats.logged);
  counter("shop_page_views_written_total", "Page views inserted into the database.", stats.written);
  counter("shop_page_views_replayed_total",
          "Page views inserted after checking which the database already had (records of an "
          "earlier process, or retried after a failed write).",
          stats.replayed);
  counter("shop_page_views_duplicates_total",
          "Page views found in the database already when checked, and skipped.", stats.duplicates);
  gauge("shop_page_views_spill_pending", "Page views in the log, not yet in the database.",
        stats.spill_pending);
  gauge("shop_page_views_spill_bytes", "Size of the log's segments on disk.", stats.spill_bytes);
  out.family("shop_page_views_slowest_log_append_seconds", Type::gauge,
             "The longest an append of page views to the log (write and fsync) has taken.");
  out.sample(none, std::chrono::duration<double>(stats.slowest_append).count());
  counter("shop_page_views_failed_writes_total",
          "Writes of a log record the database refused (retried 500 ms later).",
          stats.failed_writes);
  counter("shop_page_views_dropped_total",
          "Page views lost: the queue full, the log full, or the disk failing.", stats.dropped);
}

}  // namespace

namespace {

// The read caches (shop serve --cache-names), one sample per cached model.
void write_read_caches(manydb::PrometheusWriter& out,
                       const std::vector<manydb::ReadCacheStats>& caches) {
  using Type = manydb::PrometheusWriter::Type;
  if (caches.empty()) return;
  auto family = [&](const char* name, Type type, const char* help, auto value) {
    out.family(name, type, help);
    for (const auto& c : caches)
      out.sample({{"bind", c.bind}, {"table", c.table}}, static_cast<std::uint64_t>(value(c)));
  };
  using Stats = manydb::ReadCacheStats;
  family("manydb_read_cache_entries", Type::gauge, "Rows in the model's read cache.",
         [](const Stats& c) { return c.entries; });
  family("manydb_read_cache_hits_total", Type::counter, "Rows served from the read cache.",
         [](const Stats& c) { return c.hits; });
  family("manydb_read_cache_misses_total", Type::counter,
         "Rows asked of the read cache that it did not hold (or held expired).",
         [](const Stats& c) { return c.misses; });
  family("manydb_read_cache_invalidations_total", Type::counter,
         "Rows or whole caches dropped by this process's writes.",
         [](const Stats& c) { return c.invalidations; });
  family("manydb_read_cache_evictions_total", Type::counter, "Rows dropped to make room.",
         [](const Stats& c) { return c.evictions; });
}

}  // namespace

Response Service::metrics(const Request&) {
  manydb::PrometheusWriter out;
  manydb::write_prometheus(out, db_.metrics());
  if (http_metrics_) http_metrics_->write(out);
  write_page_views(out, page_views_.stats());
  write_read_caches(out, db_.read_cache_stats());
  Response response;
  response.body = out.take();
  response.content_type = manydb::kPrometheusContentType;
  return response;
}

}  // namespace shop
