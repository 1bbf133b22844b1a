#pragma once
// An engine is one database as the application sees it: its URL, its dialect and a pool of
// connections to it. Connections open lazily, so a database that is down does not stop
// the others from working.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "manydb/core/result.hpp"
#include "manydb/core/url.hpp"
#include "manydb/driver/dialect.hpp"
#include "manydb/observe/bind_metrics.hpp"
#include "manydb/observe/metrics_snapshot.hpp"
#include "manydb/pool/health.hpp"
#include "manydb/pool/pool.hpp"

namespace manydb {

class Engine {
 public:
  Engine(std::string bind, Url url, PoolOptions options = {});
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const std::string& bind() const { return pool_.bind(); }
  const Url& url() const { return url_; }
  const Dialect& dialect() const { return dialect_; }
  Pool& pool() { return pool_; }
  const Pool& pool() const { return pool_; }

  Lease connect() { return pool_.acquire(); }
  // A new connection outside the pool, with the pool's timeouts: for work that must not meet
  // an idle connection the server may have ended, nor wait for a free one.
  std::unique_ptr<Connection> open_unpooled();
  // Statements run on this engine's connections since it was created (transaction control
  // and pings not included).
  std::uint64_t statements() const { return metrics_.statements(); }
  // What this engine's connections, pool, transactions and atomic commits count.
  BindMetrics& metrics() { return metrics_; }
  // Those counts and the pool's, named by the bind and the engine kind (never the URL).
  BindSnapshot metrics_snapshot() const;
  // Runs one statement on a pooled connection and reads all its rows. Only a statement that
  // reads_only() is run again on a fresh connection when an idle one turns out dead.
  Result execute(std::string_view sql, std::span<const Value> params);
  Result execute(std::string_view sql, std::initializer_list<Value> params = {}) {
    return execute(sql, std::span<const Value>(params.begin(), params.size()));
  }

  // What the atomic commits (tx/) keep per database: whether its commit log table is known to
  // exist, and the log records that finished transactions no longer need, deleted by the next
  // transaction that writes the log there.
  struct CommitLogState {
    std::atomic<bool> table_ready{false};
    std::mutex mutex;
    std::vector<std::string> decisions_done;  // records of the transactions this one decided
    std::vector<std::string> markers_done;    // replay markers whose decisions are deleted
  };
  CommitLogState& commit_log() { return commit_log_; }

  // Asks the database for a round trip (a pooled connection and SELECT 1) and reports within
  // `budget` whatever the server does: a check still waiting then is reported as a timeout and
  // goes on in the background, and the next call waits for it rather than starting another.
  Health check_health(std::chrono::milliseconds budget);
  // The same in two steps, to check several engines at once: start, then wait for each.
  void start_health_check();
  Health health_by(std::chrono::steady_clock::time_point deadline);

 private:
  static PoolOptions adjusted(const Url& url, PoolOptions options);
  Health probe();

  const Url url_;
  BindMetrics metrics_;
  const Dialect& dialect_;
  Pool pool_;
  HealthCheck health_;
  CommitLogState commit_log_;
};

}  // namespace manydb
