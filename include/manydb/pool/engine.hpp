#pragma once
// An engine is one database as the application sees it: its URL, its dialect and a pool of
// connections to it. Connections open lazily, so a database that is down does not stop
// the others from working.
#include <atomic>
#include <string>

#include "manydb/core/result.hpp"
#include "manydb/core/url.hpp"
#include "manydb/driver/dialect.hpp"
#include "manydb/pool/pool.hpp"

namespace manydb {

class Engine {
 public:
  Engine(std::string bind, Url url, PoolOptions options = {});

  const std::string& bind() const { return pool_.bind(); }
  const Url& url() const { return url_; }
  const Dialect& dialect() const { return dialect_; }
  Pool& pool() { return pool_; }

  Lease connect() { return pool_.acquire(); }
  // Statements run on this engine's connections since it was created (transaction control
  // and pings not included).
  std::uint64_t statements() const { return statements_.load(std::memory_order_relaxed); }
  // Runs one statement on a pooled connection and reads all its rows. Only a statement that
  // reads_only() is run again on a fresh connection when an idle one turns out dead.
  Result execute(std::string_view sql, std::span<const Value> params);
  Result execute(std::string_view sql, std::initializer_list<Value> params = {}) {
    return execute(sql, std::span<const Value>(params.begin(), params.size()));
  }

 private:
  static PoolOptions adjusted(const Url& url, PoolOptions options);

  const Url url_;
  std::atomic<std::uint64_t> statements_{0};
  const Dialect& dialect_;
  Pool pool_;
};

}  // namespace manydb
