#include "status/status_json.hpp"

#include "json_writer.hpp"

namespace shop::status {

namespace {

std::int64_t count(std::uint64_t n) { return static_cast<std::int64_t>(n); }

std::int64_t unix_ms(std::chrono::system_clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

// One column of the samples: `field` of each, or of each one's bind `bind`.
template <class Field>
void column(JsonWriter& w, const std::deque<Sample>& samples, Field field) {
  w.begin_array();
  for (const auto& s : samples) field(w, s);
  w.end_array();
}

void optional_value(JsonWriter& w, const std::optional<std::uint64_t>& v) {
  if (v) {
    w.value(count(*v));
  } else {
    w.null();
  }
}

void write_health(JsonWriter& w, const BindStatus& bind) {
  w.key("health").begin_object();
  if (!bind.health) {
    w.key("status").value("unknown").end_object();
    return;
  }
  w.key("status").value(manydb::to_string(bind.health->status));
  w.key("latency_us").value(static_cast<std::int64_t>(bind.health->latency.count()));
  w.key("checked_at_ms").value(unix_ms(bind.checked_at));
  if (!bind.health->error.empty()) w.key("error").value(bind.health->error);
  w.end_object();
}

void write_bind(JsonWriter& w, const StatusView& view, std::size_t i) {
  const auto& samples = view.samples;
  const auto of = [i](const Sample& s) -> const BindSample& { return s.binds.at(i); };
  w.begin_object().key("name").value(view.binds[i].name);
  w.key("engine").value(view.binds[i].engine);
  write_health(w, view.binds[i]);
  w.key("p50_us");
  column(w, samples, [&](JsonWriter& w, const Sample& s) { optional_value(w, of(s).p50_us); });
  w.key("p95_us");
  column(w, samples, [&](JsonWriter& w, const Sample& s) { optional_value(w, of(s).p95_us); });
  w.key("p99_us");
  column(w, samples, [&](JsonWriter& w, const Sample& s) { optional_value(w, of(s).p99_us); });
  w.key("statements");
  column(w, samples, [&](JsonWriter& w, const Sample& s) { w.value(count(of(s).statements)); });
  w.key("errors");
  column(w, samples, [&](JsonWriter& w, const Sample& s) { w.value(count(of(s).errors)); });
  w.key("pool_size");
  column(w, samples, [&](JsonWriter& w, const Sample& s) { w.value(count(of(s).pool_size)); });
  w.key("pool_in_use");
  column(w, samples, [&](JsonWriter& w, const Sample& s) { w.value(count(of(s).in_use)); });
  w.key("pool_idle");
  column(w, samples, [&](JsonWriter& w, const Sample& s) { w.value(count(of(s).idle)); });
  w.key("pool_waits");
  column(w, samples, [&](JsonWriter& w, const Sample& s) { w.value(count(of(s).pool_waits)); });
  w.key("down");
  column(w, samples, [&](JsonWriter& w, const Sample& s) { w.value(of(s).down); });
  w.end_object();
}

}  // namespace

std::string status_json(const StatusView& view) {
  JsonWriter w;
  w.begin_object().key("interval_ms").value(count(view.options.interval.count()));
  w.key("window_s")
      .value(count(std::chrono::duration_cast<std::chrono::seconds>(view.options.window).count()));
  w.key("t");
  column(w, view.samples, [](JsonWriter& w, const Sample& s) { w.value(unix_ms(s.at)); });
  w.key("elapsed_ms");
  column(w, view.samples,
         [](JsonWriter& w, const Sample& s) { w.value(count(s.elapsed.count())); });
  w.key("page_views_queued");
  column(w, view.samples,
         [](JsonWriter& w, const Sample& s) { w.value(count(s.page_views_queued)); });
  w.key("binds").begin_array();
  for (std::size_t i = 0; i < view.binds.size(); ++i) write_bind(w, view, i);
  w.end_array().end_object();
  return w.take();
}

}  // namespace shop::status
