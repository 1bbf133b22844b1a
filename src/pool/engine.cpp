#include "manydb/pool/engine.hpp"

#include "manydb/core/statement_kind.hpp"
#include "manydb/driver/cursor.hpp"

namespace manydb {

Engine::Engine(std::string bind, Url url, PoolOptions options)
    : url_(std::move(url)),
      dialect_(dialect_for(url_.backend)),
      pool_(
          bind,
          [this, bind, timeout = options.connect_timeout] {
            auto connection = manydb::connect(url_, ConnectOptions{bind, timeout});
            connection->count_statements_in(&statements_);
            return connection;
          },
          adjusted(url_, options)) {}

// Every connection to ":memory:" is a database of its own, so the pool holds exactly one.
PoolOptions Engine::adjusted(const Url& url, PoolOptions options) {
  if (url.is_memory()) {
    options.size = 1;
    options.max_overflow = 0;
  }
  if (options.size == 0) options.size = 1;
  return options;
}

Result Engine::execute(std::string_view sql, std::span<const Value> params) {
  Lease lease = connect();
  return read_all(lease.query(sql, params, reads_only(sql)));
}

}  // namespace manydb
