#include "manydb/pool/engine.hpp"

#include "manydb/core/errors.hpp"
#include "manydb/core/statement_kind.hpp"
#include "manydb/driver/cursor.hpp"

namespace manydb {

Engine::Engine(std::string bind, Url url, PoolOptions options)
    : url_(std::move(url)),
      dialect_(dialect_for(url_.backend)),
      pool_(
          bind,
          [this] {
            auto connection = open_unpooled();
            connection->report_to(&metrics_);
            return connection;
          },
          adjusted(url_, options)) {}

std::unique_ptr<Connection> Engine::open_unpooled() {
  const PoolOptions& o = pool_.options();
  return manydb::connect(url_, ConnectOptions{bind(), o.connect_timeout, o.statement_timeout});
}

// Every connection to ":memory:" is a database of its own, so the pool holds exactly one.
PoolOptions Engine::adjusted(const Url& url, PoolOptions options) {
  if (url.is_memory()) {
    options.size = 1;
    options.max_overflow = 0;
  }
  if (options.size == 0) options.size = 1;
  return options;
}

BindSnapshot Engine::metrics_snapshot() const {
  BindSnapshot s = metrics_.snapshot(dialect_.runs_in_process());
  s.bind = bind();
  s.engine = dialect_.name();
  const PoolStats p = pool_.stats();
  s.pool = PoolSnapshot{pool_.options().size,
                        pool_.options().max_overflow,
                        p.in_use,
                        p.idle,
                        p.acquired,
                        p.waits,
                        p.timeouts,
                        p.connects,
                        p.discarded,
                        p.failed_fast,
                        p.down,
                        pool_.wait_time()};
  return s;
}

Health Engine::check_health(std::chrono::milliseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  start_health_check();
  return health_by(deadline);
}

void Engine::start_health_check() {
  health_.start([this] { return probe(); });
}

Health Engine::health_by(std::chrono::steady_clock::time_point deadline) {
  Health h = health_.wait_until(deadline);
  if (h.status == Health::Status::timeout) {
    h.error = "bind '" + bind() + "': " + h.error;
  }
  return h;
}

Health Engine::probe() {
  const auto start = std::chrono::steady_clock::now();
  Health h;
  try {
    Lease lease = connect();
    lease.query("SELECT 1");
    h.status = Health::Status::ok;
  } catch (const Error& e) {
    h.status = Health::Status::down;
    h.error = e.what();
  }
  h.latency = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  return h;
}

Result Engine::execute(std::string_view sql, std::span<const Value> params) {
  Lease lease = connect();
  return read_all(lease.query(sql, params, reads_only(sql)));
}

}  // namespace manydb
