// POST /orders: validate, check the user (beside the stock where it can), then in one session take
// the stock with guarded decrements that return each product's price and write the order. Two
// databases change, and the session's commit is atomic across them (docs/sessions.md): after any
// failure or crash, either the stock is taken and the order exists, or neither.
#include <cmath>
#include <map>
#include <optional>

#include "guarded.hpp"
#include "json_writer.hpp"
#include "request_body.hpp"
#include "service.hpp"

namespace shop {

using http::Request;
using http::Response;
using manydb::col;

namespace {

// product id -> total quantity over the order's lines (a product listed twice is summed).
std::map<std::int64_t, std::int64_t> requested_quantities(const boost::json::object& body) {
  const auto* items = body.if_contains("items");
  if (!items || !items->is_array()) throw BadRequest("'items' must be an array");
  if (items->as_array().empty()) throw BadRequest("'items' must not be empty");
  std::map<std::int64_t, std::int64_t> wanted;
  for (const auto& item : items->as_array()) {
    if (!item.is_object()) throw BadRequest("each item must be an object");
    const auto product_id = integer_field(item.as_object(), "product_id");
    const auto quantity = integer_field(item.as_object(), "quantity");
    if (quantity <= 0) throw BadRequest("'quantity' must be a positive integer");
    auto& total = wanted[product_id];
    if (quantity > 1'000'000'000 || total > 1'000'000'000) {
      throw BadRequest("'quantity' is too large");
    }
    total += quantity;
  }
  return wanted;
}

std::int64_t cents(double price) { return std::llround(price * 100); }

}  // namespace

// Takes every product's quantity or none, in `s`, and learns each price from the row it
// decremented: each decrement is guarded by stock >= quantity, in id order so two orders never
// deadlock. Empty when one could not be taken (the caller rolls the session back).
static std::map<std::int64_t, double> take_stock(
    manydb::Session& s, const std::map<std::int64_t, std::int64_t>& wanted) {
  std::map<std::int64_t, double> prices;
  for (const auto& [id, quantity] : wanted) {
    const auto taken =
        s.query<Product>()
            .where(col(&Product::id) == id && col(&Product::stock) >= quantity)
            .update_returning(manydb::set(&Product::stock, col(&Product::stock) - quantity));
    if (taken.size() != 1) return {};
    prices[id] = taken.front().price;
  }
  return prices;
}

// Why stock could not be taken: a product that does not exist (404) or too little stock (409).
// Asked only after the failure, so that an order that succeeds reads no product twice; on the
// primary, where the stock was not taken, not on a replica that may not have the product yet.
Response Service::refusal(const std::map<std::int64_t, std::int64_t>& wanted,
                          const std::string& tenant) {
  std::vector<std::int64_t> ids;
  for (const auto& [id, q] : wanted) ids.push_back(id);
  auto s = db_.session({.begin = manydb::Begin::at_first_write, .tenant = tenant});
  if (s.query<Product>().where(col(&Product::id).in(ids)).from_primary().count() !=
      static_cast<std::int64_t>(ids.size())) {
    return Response::error(404, "product not found");
  }
  return Response::error(409, "not enough stock");
}

Response Service::create_order(const Request& request) {
  const auto body = parse_object(request.body);
  const auto user_id = integer_field(body, "user_id");
  const auto wanted = requested_quantities(body);
  try {
    // A deadlock or serialization failure rolled the whole order back on every bind: it runs
    // again from its first read.
    return manydb::retry_transaction([&] { return place_order(request, user_id, wanted); });
  } catch (const manydb::InDoubt& e) {
    // Recovery finishes it the way the decision went; retrying could take the stock twice.
    return Response::error(503, "database '" + e.bind() +
                                    "' is unavailable: the order is in doubt until recovery "
                                    "finishes it (transaction " +
                                    e.transaction_id() + "); do not retry it");
  } catch (const manydb::TransactionRollback& e) {
    return conflicted(e);
  } catch (const manydb::OperationalError& e) {
    return Response::error(503, "database '" + e.bind() +
                                    "' is unavailable: the order was not saved and no stock "
                                    "was taken");
  }
}

Response Service::place_order(const Request& request, std::int64_t user_id,
                              const std::map<std::int64_t, std::int64_t>& wanted) {
  // One session over the products and orders binds: its commit is atomic across them
  // (unless shop serve --orders-commit best-effort, kept only to measure what that costs).
  // Opened before the user check, so that a token naming no configured bind is a 400 whatever
  // the user; the token it answers with covers the request's own.
  // With tenants, the products and orders binds are one database of the tenant's: one local
  // transaction, no two-phase commit.
  auto s = db_.session({.commit = orders_commit_,
                        .read_after = request_token(request),
                        .tenant = tenant_of(request)});
  // The user check, sent ahead where the users bind pipelines, is at its server while the stock
  // is taken: its answer is read after. Its own session, outside any transaction: the users
  // bind takes no part in the commit.
  auto check = db_.session({.begin = manydb::Begin::at_first_write});
  std::optional<manydb::Pending<std::vector<User>>> user;
  if (send_user_checks_) {
    user.emplace(check.query<User>().filter_by(&User::id, user_id).limit(1).from_primary().send());
  } else if (!user_exists(user_id)) {
    return Response::error(404, "user not found");
  }
  auto prices = take_stock(s, wanted);
  if (user && user->get().empty()) return Response::error(404, "user not found");  // s rolls back
  if (prices.empty()) {
    s.rollback();  // before refusal() reads: a SQLite session holds the products write lock
    return refusal(wanted, s.tenant());
  }
  std::int64_t total = 0;
  for (const auto& [id, quantity] : wanted) total += cents(prices.at(id)) * quantity;
  auto& order = s.add(Order{.user_id = user_id, .total_amount = static_cast<double>(total) / 100});
  // The items take the order's key as it is inserted: on PostgreSQL the order and its items
  // go out in one round trip.
  for (const auto& [id, quantity] : wanted) {
    s.add_child<&OrderItem::order_id>(
        order, OrderItem{.product_id = id, .quantity = quantity, .price = prices.at(id)});
  }
  s.commit();
  // The conversion report's event: orders live in another database than the page views.
  page_views_.record(PageView{.page = std::string(kOrderEventPage),
                              .user_id = user_id,
                              .ip_address = request.remote_address});
  JsonWriter w;
  w.begin_object().key("id").value(order.id).key("total").cents(total).end_object();
  auto response = Response::json(201, w.take());
  add_token_header(response, s.consistency_token());
  return response;
}

}  // namespace shop
