// Tutorial, "Real-World Example: E-commerce Application": one HTTP endpoint over three binds.
// GET /users/<id>/orders checks the user in the users bind, reads the orders from the orders
// bind, answers JSON, and records the page view in the analytics bind, as the seed's Flask
// route does. Boost.Beast serves it, one request at a time: the smallest server that works
// (apps/shop is the full service, with threads, metrics and the rest of the routes).
//
//   ./06_web_endpoint [PORT]        # serves until killed: curl localhost:8080/users/1/orders
//   ./06_web_endpoint --once        # a free port, one request, then exits (the test's mode)
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "example_support.hpp"
#include "manydb/manydb.hpp"

using example::sqlite_file;
constexpr std::string_view kStep = "06";  // its SQLite files: $TMPDIR/manydb-examples/06

namespace s = manydb::schema;
namespace http = boost::beast::http;
namespace json = boost::json;
using boost::asio::ip::tcp;
using manydb::col;

struct User {
  std::int64_t id = 0;
  std::string username;
  static constexpr std::string_view bind_key = "users";
  static constexpr auto mapping() {
    return s::table("user", s::column("id", &User::id, s::primary_key),
                    s::column("username", &User::username, s::varchar(80), s::unique));
  }
};

struct Order {
  std::int64_t id = 0;
  std::int64_t user_id = 0;  // a user of another database: a plain key, no foreign key
  double total_amount = 0;
  std::string status = "pending";
  manydb::Timestamp created_at{};
  static constexpr std::string_view bind_key = "orders";
  static constexpr auto mapping() {
    return s::table("order", s::column("id", &Order::id, s::primary_key),
                    s::column("user_id", &Order::user_id, s::indexed),
                    s::column("total_amount", &Order::total_amount),
                    s::column("status", &Order::status, s::varchar(20)),
                    s::column("created_at", &Order::created_at, s::default_now));
  }
};

struct PageView {
  std::int64_t id = 0;
  std::string page;
  std::optional<std::int64_t> user_id{};
  manydb::Timestamp timestamp{};
  std::optional<std::string> ip_address{};
  static constexpr std::string_view bind_key = "analytics";
  static constexpr auto mapping() {
    return s::table("page_view", s::column("id", &PageView::id, s::primary_key),
                    s::column("page", &PageView::page, s::varchar(200)),
                    s::column("user_id", &PageView::user_id),
                    s::column("timestamp", &PageView::timestamp, s::default_now),
                    s::column("ip_address", &PageView::ip_address, s::varchar(50)));
  }
};

namespace {

using Response = http::response<http::string_body>;

Response json_response(http::status status, const json::value& body) {
  Response r{status, 11};
  r.set(http::field::content_type, "application/json");
  r.body() = json::serialize(body);
  r.prepare_payload();
  return r;
}

// Amounts as decimal text ("25.50"): exact for any client, where a JSON number is a double.
std::string money(double amount) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", amount);
  return text;
}

Response error(http::status status, const std::string& message) {
  return json_response(status, json::object{{"error", message}});
}

// "/users/<id>/orders" -> id; nullopt for anything else. Only digits: bad input is a 4xx.
std::optional<std::int64_t> user_id_of(std::string_view target, bool& malformed) {
  constexpr std::string_view prefix = "/users/", suffix = "/orders";
  if (!target.starts_with(prefix) || !target.ends_with(suffix)) return std::nullopt;
  const auto digits = target.substr(prefix.size(), target.size() - prefix.size() - suffix.size());
  malformed = digits.empty() || digits.size() > 18 ||
              digits.find_first_not_of("0123456789") != std::string_view::npos;
  return malformed ? std::nullopt : std::optional(std::stoll(std::string(digits)));
}

Response user_orders(manydb::Database& db, std::int64_t user_id, const std::string& client) {
  // Reads run without BEGIN/ROLLBACK until the session first writes (the page view).
  auto session = db.session({.begin = manydb::Begin::at_first_write});
  const auto user = session.query<User>().filter_by(&User::id, user_id).first();  // users
  if (!user) return error(http::status::not_found, "user not found");
  json::array orders;
  for (const auto& o : session
                           .query<Order>()  // orders
                           .where(col(&Order::user_id) == user_id)
                           .order_by(manydb::asc(&Order::id))
                           .all()) {
    orders.push_back({{"id", o.id},
                      {"total", money(o.total_amount)},
                      {"status", o.status},
                      {"date", o.created_at.to_iso8601()}});
  }
  session.add(PageView{.page = "/users/" + std::to_string(user_id) + "/orders",  // analytics
                       .user_id = user_id,
                       .ip_address = client});
  session.commit();  // only analytics was written: one bind, committed alone
  return json_response(http::status::ok,
                       json::object{{"user", {{"id", user->id}, {"username", user->username}}},
                                    {"orders", std::move(orders)}});
}

Response handle(manydb::Database& db, const http::request<http::string_body>& request,
                const std::string& client) {
  bool malformed = false;
  const auto id = user_id_of(request.target(), malformed);
  if (malformed) return error(http::status::bad_request, "the user id must be a number");
  if (!id) return error(http::status::not_found, "no such route");
  if (request.method() != http::verb::get) {
    return error(http::status::method_not_allowed, "only GET");
  }
  try {
    return user_orders(db, *id, client);
  } catch (const manydb::OperationalError& e) {  // a database down or too slow: not our bug
    std::fprintf(stderr, "06_web_endpoint: %s\n", e.what());
    return error(http::status::service_unavailable, "a database is unavailable");
  } catch (const std::exception& e) {  // logged here, never shown to the client
    std::fprintf(stderr, "06_web_endpoint: %s\n", e.what());
    return error(http::status::internal_server_error, "internal error");
  }
}

// Sample data, from scratch at every start so the example can run again.
void seed(manydb::Database& db) {
  db.drop_all();
  db.create_all();
  auto session = db.session();
  auto& ada = session.add(User{.username = "ada"});
  auto& bob = session.add(User{.username = "bob"});
  session.flush();  // learns the users' keys; the orders live in another database
  session.add(Order{.user_id = ada.id, .total_amount = 25.5});
  session.add(Order{.user_id = ada.id, .total_amount = 12.0, .status = "shipped"});
  session.add(Order{.user_id = bob.id, .total_amount = 7.25});
  session.commit();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bool once = argc > 1 && std::string(argv[1]) == "--once";
    const auto port = static_cast<unsigned short>(once ? 0 : argc > 1 ? std::stoi(argv[1]) : 8080);
    manydb::DatabaseConfig config;
    config.set_default(sqlite_file(kStep, "products"))
        .add_bind("users", sqlite_file(kStep, "users"))
        .add_bind("orders", sqlite_file(kStep, "orders"))
        .add_bind("analytics", sqlite_file(kStep, "analytics"));
    config.apply_environment();
    manydb::Database db(config);
    db.register_models<User, Order, PageView>();
    seed(db);

    boost::asio::io_context io;
    tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), port});
    std::printf("listening on http://127.0.0.1:%u\n", acceptor.local_endpoint().port());
    std::fflush(stdout);  // the test reads the port from this line
    std::int64_t answered_ok = 0;
    do {
      tcp::socket socket = acceptor.accept();
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      boost::system::error_code ec;
      http::read(socket, buffer, request, ec);
      if (ec) continue;  // not HTTP, or the client left: nothing to answer
      const auto client = socket.remote_endpoint(ec).address().to_string();
      const auto response = handle(db, request, client);
      std::printf("%s %s -> %u\n", std::string(request.method_string()).c_str(),
                  std::string(request.target()).c_str(), response.result_int());
      if (response.result() == http::status::ok) ++answered_ok;
      http::write(socket, response, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    } while (!once);

    // Each request answered 200 left its page view in the analytics bind; others left none.
    const auto views = db.session().query<PageView>().count();
    std::printf("page views recorded: %lld\n", static_cast<long long>(views));
    return views == answered_ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "06_web_endpoint: %s\n", e.what());
    return 1;
  }
}
