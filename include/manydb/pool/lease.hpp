#pragma once
// A connection borrowed from a Pool; it goes back when the lease is destroyed.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "manydb/driver/connection.hpp"
#include "manydb/pool/connection_budget.hpp"

namespace manydb {

class Pool;

// A connection as its pool holds it, with the pool's bookkeeping beside it: one allocation per
// connection, handed whole between the pool's idle list, its parked slot and a lease, so that
// the slot (one atomic pointer) parks the connection and its idle time together.
// A statement as it ran, with its values: what Lease::record_writes_into keeps.
struct RecordedStatement {
  std::string sql;
  std::vector<Value> params;
};

struct PooledConnection {
  PooledConnection(BudgetSlot budget_slot, std::unique_ptr<Connection> open)
      : slot(std::move(budget_slot)), connection(std::move(open)) {}
  PooledConnection(const PooledConnection&) = delete;
  PooledConnection& operator=(const PooledConnection&) = delete;

  BudgetSlot slot;  // declared first: given back after the connection has closed
  std::unique_ptr<Connection> connection;
  std::chrono::steady_clock::time_point idle_since{};
  // With a budget slot, closing waits (briefly) until the server has ended the session too:
  // the slot then goes to a new connection without the server ever counting one more.
  ~PooledConnection();
};

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
  // Gives up on the statements on their way without waiting for them
  // (Connection::abandon_in_flight): a connection that this closes is let go, and the pool
  // opens another in its place.
  void abandon() noexcept;

  // Runs a statement. When the connection sat idle in the pool and dies on the first statement
  // of this lease outside a transaction (or the first one after this lease's begin(): the
  // server rolls back a transaction whose connection died, so nothing of it remains), it is
  // replaced, the transaction begun again, and the statement runs once more, so a
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

  // Connection::send and receive, with query()'s one-time replacement of a connection that died
  // while idle: checked before the first statement is sent, and the statement run again on a
  // new connection when the answer shows it dead and nothing else was in flight on it. Only
  // reads are sent through a lease; the caller keeps `sql` and `params` until receive().
  void send(std::string_view sql, std::span<const Value> params);
  Cursor& receive(std::string_view sql, std::span<const Value> params);
  // Connection::answer_wait: what receive() would wait for.
  std::optional<AnswerWait> answer_wait() {
    return connection_ ? connection_->answer_wait() : std::nullopt;
  }

  // Connection::run. Never run twice (COMMIT may go with it): as the first use of a reused
  // connection, the connection is checked first for having been closed by the server, and
  // replaced if it was. A batch of one statement with COMMIT, first after this lease's begin() on
  // a reused connection, runs as query() and then commit(): with COMMIT in flight, a connection
  // found dead could not be replaced and the statement run again.
  void run(const Batch& batch);

  // Begins a transaction, with the same one-time replacement of a connection found dead. With
  // a `branch` id, one that may be prepared under it (Connection::begin_branch).
  void begin(TxMode mode = TxMode::write, std::string_view branch = {});

  // From now on keeps a copy of every statement that may write (reads_only() false) run through
  // this lease, with its values, in `log` (null: stop). An atomic commit over several SQLite
  // files keeps the statements of all but one as their redo record (docs/sessions.md).
  // connection() cannot be followed: record_incomplete() says whether it was handed out.
  void record_writes_into(std::vector<RecordedStatement>* log) { recording_ = log; }
  bool record_incomplete() const { return recording_ && handed_out_; }
  // The connection, for a caller that may run anything on it: a recording lease says so.
  Connection& connection_for_anything() {
    handed_out_ = true;
    return connection();
  }

  // Closes the connection instead of returning it to the pool.
  void discard();

 private:
  friend class Pool;
  Lease(Pool* pool, std::unique_ptr<PooledConnection> pooled, bool reused)
      : pool_(pool),
        pooled_(std::move(pooled)),
        connection_(pooled_->connection.get()),
        reused_(reused) {}
  void release();
  [[noreturn]] void lost() const;
  void replace_connection(const std::optional<TxMode>& begun);
  void replace_if_closed(const std::optional<TxMode>& begun);
  // The mode of this lease's begin() when the coming statement is the transaction's first.
  std::optional<TxMode> first_of_transaction();
  bool first_use_outside_transaction() const;

  Pool* pool_ = nullptr;  // kept after the connection is lost: it names the bind
  std::unique_ptr<PooledConnection> pooled_;
  Connection* connection_ = nullptr;  // pooled_'s, or null when the lease has none
  bool reused_ = false;  // came from the idle list, so it may have died while waiting there
  bool used_ = false;
  // begin() was this lease's first use of a reused connection: its first statement may retry.
  bool began_first_ = false;
  TxMode began_mode_ = TxMode::write;
  std::string began_branch_;
  std::vector<RecordedStatement>* recording_ = nullptr;
  bool handed_out_ = false;  // connection_for_anything() was called
  // The statement sent first on this lease may run again when its connection is found dead,
  // with the transaction begun again first when it was that transaction's first.
  bool sent_may_retry_ = false;
  std::optional<TxMode> sent_begun_;
  void record(std::string_view sql, std::span<const Value> params);
};

}  // namespace manydb
