#pragma once
// A connection borrowed from a Pool; it goes back when the lease is destroyed.
#include <memory>
#include <optional>

#include "manydb/driver/connection.hpp"

namespace manydb {

class Pool;

class Lease {
 public:
  Lease() = default;
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&& other) noexcept;
  ~Lease();

  // The connection; ConnectionError naming the bind when the lease has none left (its
  // connection died and no replacement could be opened).
  Connection& operator*() const { return connection(); }
  Connection* operator->() const { return &connection(); }
  Connection& connection() const {
    if (!connection_) lost();
    return *connection_;
  }
  explicit operator bool() const { return connection_ != nullptr; }

  // Whether a transaction is open: false when the lease has no connection left.
  bool in_transaction() const { return connection_ && connection_->in_transaction(); }
  // Rolls back what is open, never throwing: a connection that cannot roll back (lost, hung)
  // is discarded, and the server ends its transaction.
  void rollback_or_discard() noexcept;

  // Runs a statement. When the connection sat idle in the pool and dies on the first statement
  // of this lease outside a transaction (or the first one after this lease's begin() whose BEGIN
  // the engine sends with it), it is replaced and the statement runs once more, so a
  // server-side kill or restart costs the caller nothing. Only a `repeatable` statement runs
  // again outside a transaction: one that writes may have been committed by the server before
  // its connection died, so it never runs twice; a reused connection that the server has
  // closed is replaced before it instead. Without the flag, a statement is repeatable when it
  // only reads (reads_only(sql): SELECT, SHOW, ...).
  Cursor& query(std::string_view sql, std::span<const Value> params, bool repeatable);
  Cursor& query(std::string_view sql, std::span<const Value> params);
  Cursor& query(std::string_view sql, std::initializer_list<Value> params = {}) {
    return query(sql, std::span<const Value>(params.begin(), params.size()));
  }
  std::int64_t execute(std::string_view sql, std::initializer_list<Value> params = {}) {
    return query(sql, params).rows_affected();
  }

  // Connection::query_and_commit. The first statement after this lease's begin() on a reused
  // connection runs on its own, and COMMIT after it: with COMMIT in flight, a connection found
  // dead could not be replaced and the statement run again, as query() does.
  void query_and_commit(std::string_view sql, std::span<const Value> params,
                        const std::function<void(Cursor&)>& read);

  // Connection::query_two. Never run twice (COMMIT may go with it): as the first use of a reused
  // connection, the connection is checked first for having been closed by the server, and
  // replaced if it was.
  void query_two(std::string_view first, std::span<const Value> first_params,
                 std::string_view second, std::span<const Value> second_params, bool then_commit,
                 const std::function<void(Cursor&)>& read_first,
                 const std::function<void(Cursor&)>& read_second);

  // Begins a transaction, with the same one-time replacement of a connection found dead.
  void begin(TxMode mode = TxMode::write);

  // Closes the connection instead of returning it to the pool.
  void discard();

 private:
  friend class Pool;
  Lease(Pool* pool, std::unique_ptr<Connection> connection, bool reused)
      : pool_(pool), connection_(std::move(connection)), reused_(reused) {}
  void release();
  [[noreturn]] void lost() const;
  void replace_connection(const std::optional<TxMode>& pending);
  void replace_if_closed(const std::optional<TxMode>& pending);

  Pool* pool_ = nullptr;  // kept after the connection is lost: it names the bind
  std::unique_ptr<Connection> connection_;
  bool reused_ = false;  // came from the idle list, so it may have died while waiting there
  bool used_ = false;
  // begin() was this lease's first use of a reused connection: its first statement may retry.
  bool began_first_ = false;
};

}  // namespace manydb
