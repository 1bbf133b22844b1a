// GET /analytics/*: the reports of analytics_reports.hpp as JSON, over a window of whole days.
#include "json_writer.hpp"
#include "service.hpp"

namespace shop {

using http::Request;
using http::Response;

namespace {

constexpr std::int64_t kDefaultPageRows = 1000;
constexpr std::int64_t kMaxPageRows = 10'000;
constexpr std::int64_t kDefaultVisits = 100;
constexpr std::int64_t kMaxVisits = 1000;

void write_window(JsonWriter& w, const DayWindow& window) {
  w.key("from").value(window.from).key("to").value(window.to);
}

std::string iso(std::int64_t micros) { return manydb::Timestamp{micros}.to_iso8601(); }

void write_visit(JsonWriter& w, const Visit& v) {
  w.begin_object().key("visitor");
  if (v.user_id) {
    w.value("user:" + std::to_string(*v.user_id)).key("user_id").value(*v.user_id);
  } else {
    w.value("address:" + v.address.value_or("")).key("address").value(v.address.value_or(""));
  }
  w.key("start").value(iso(v.start_micros)).key("end").value(iso(v.end_micros));
  w.key("seconds").number(static_cast<double>(v.end_micros - v.start_micros) / 1e6);
  w.key("pages").value(v.pages).end_object();
}

}  // namespace

Response Service::page_report(const Request& request) {
  check_token(request);  // a 400 here too, though the analytics primary needs no token
  const auto window = day_window(request.query);
  const auto limit = limit_parameter(request.query, kDefaultPageRows, kMaxPageRows);
  JsonWriter w;
  w.begin_array();
  for (const auto& p : reports_.pages_per_day(window, limit)) {
    w.begin_object().key("day").value(p.day).key("page").value(p.page);
    w.key("views").value(p.views).end_object();
  }
  w.end_array();
  return Response::json(200, w.take());
}

Response Service::visit_report(const Request& request) {
  check_token(request);  // a 400 here too, though the analytics primary needs no token
  const auto window = day_window(request.query);
  const auto limit = limit_parameter(request.query, kDefaultVisits, kMaxVisits);
  const auto report = reports_.visits(window, limit);
  JsonWriter w;
  w.begin_object();
  write_window(w, window);
  w.key("totals").begin_object().key("visits").value(report.total_visits);
  w.key("pages").value(report.total_pages).end_object();
  w.key("visits").begin_array();
  for (const auto& v : report.visits) write_visit(w, v);
  w.end_array().end_object();
  return Response::json(200, w.take());
}

Response Service::conversion_report(const Request& request) {
  check_token(request);  // a 400 here too, though the analytics primary needs no token
  const auto window = day_window(request.query);
  const auto c = reports_.conversion(window);
  JsonWriter w;
  w.begin_object();
  write_window(w, window);
  w.key("visits").value(c.visits).key("converted").value(c.converted).key("rate");
  w.number(c.visits == 0 ? 0.0 : static_cast<double>(c.converted) / static_cast<double>(c.visits));
  w.end_object();
  return Response::json(200, w.take());
}

}  // namespace shop
