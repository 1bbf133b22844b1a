#pragma once
// One live connection through one C client library. Not thread-safe: one thread at a time.
#include <chrono>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/core/errors.hpp"
#include "manydb/core/statement_kind.hpp"
#include "manydb/core/url.hpp"
#include "manydb/core/value.hpp"
#include "manydb/driver/answer_wait.hpp"
#include "manydb/driver/batch.hpp"
#include "manydb/driver/cursor.hpp"
#include "manydb/driver/dialect.hpp"

namespace manydb {

class BindMetrics;  // observe/bind_metrics.hpp

struct ConnectOptions {
  std::string bind = "default";  // named in every error this connection raises
  // Used when the URL has no connect_timeout parameter (seconds, as libpq spells it).
  std::chrono::milliseconds connect_timeout{10'000};
  // The longest a statement, a commit or a ping waits for the server; then Timeout, and the
  // connection is closed unless the server cancelled the statement itself. 0: no limit.
  std::chrono::milliseconds statement_timeout{0};
};

class Connection {
 public:
  virtual ~Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  virtual const Dialect& dialect() const = 0;
  const std::string& bind() const { return bind_; }

  // Runs one statement written with '?' placeholders and binds `params` to them. The statement
  // is prepared once per connection and cached by its text. The cursor is valid until the next
  // statement on this connection. Its errors carry `sql` (Error::sql()), never `params`.
  Cursor& query(std::string_view sql, std::span<const Value> params) {
    if (!sent_.empty()) [[unlikely]]
      refuse_while_in_flight();
    if (metrics_) return query_measured(sql, params);
    try {
      return run_statement(sql, params);
    } catch (Error& e) {
      e.attach_sql(sql);
      throw;
    }
  }
  Cursor& query(std::string_view sql, std::initializer_list<Value> params = {}) {
    return query(sql, std::span<const Value>(params.begin(), params.size()));
  }
  // ---- Statements sent ahead: several binds, or several statements of one bind, at once ----
  // send() sends one statement as query() would run it and returns without waiting for the
  // answer, where the engine can: PostgreSQL sends it in pipeline mode, with a sync of its own,
  // and keeps up to max_in_flight() on their way; MariaDB sends one at a time (non-blocking
  // calls). receive() waits for the oldest one sent and returns its cursor, valid until the
  // next send(), receive() or statement; it throws what query() would have thrown, the
  // statement's text attached. While statements are in flight the connection takes no other
  // call but send(), receive(), drop_in_flight() and its destruction. An engine that cannot
  // send ahead (SQLite) runs the statement in send() and holds one at a time; its errors wait
  // for receive() all the same.
  void send(std::string_view sql, std::span<const Value> params);
  Cursor& receive();
  std::size_t in_flight() const { return sent_.size(); }
  virtual std::size_t max_in_flight() const { return 1; }
  // Receives whatever is in flight and drops it (a pool, before it cleans the connection);
  // false when the connection broke meanwhile.
  bool drop_in_flight() noexcept;
  // Gives up on what is in flight without waiting for it: a server engine closes the connection
  // (the server rolls back its transaction), which is broken() from then on. For a caller that
  // will not wait any longer (a request cancelled while its database hangs).
  void abandon_in_flight() noexcept;
  // What receive() would wait for before it could return the oldest answer; nullopt when it
  // would not wait (the answer is here, or the engine ran the statement in send()). Reads what
  // has arrived meanwhile, never blocks.
  std::optional<AnswerWait> answer_wait() {
    return sent_.empty() ? std::nullopt : wait_for_answer();
  }

  // Runs one statement and returns the rows it affected.
  std::int64_t execute(std::string_view sql, std::span<const Value> params) {
    return query(sql, params).rows_affected();
  }
  std::int64_t execute(std::string_view sql, std::initializer_list<Value> params = {}) {
    return query(sql, params).rows_affected();
  }
  // Runs the batch's statements in order, handing each one's rows to its reader, and COMMIT
  // after them when the batch says so. An engine that pipelines (dialect().pipelines()) sends them
  // all, with a BEGIN it has not sent yet and the COMMIT, in one round trip: a statement then
  // cannot depend on an earlier one's rows, and after a failure the server skips the rest. Throws
  // the first failure, as query() and commit() do; when a statement failed nothing is committed
  // (the transaction is then either still open for rollback() or, when the server ran the batch as
  // a transaction of its own, already rolled back: in_transaction() tells). A reader may run before
  // or after the COMMIT, so it cannot veto it.
  void run(const Batch& batch) {
    if (!sent_.empty()) [[unlikely]]
      refuse_while_in_flight();
    if (metrics_) return run_measured(batch);
    run_batch(batch);
  }
  // Runs SQL text as it is, unprepared and without parameters; may hold several statements.
  virtual void execute_script(std::string_view sql) = 0;
  // The key generated by the last INSERT (SQLite, MariaDB). PostgreSQL has no such thing and
  // throws ProgrammingError: use RETURNING, which every engine here supports.
  virtual std::int64_t last_insert_id() = 0;

  virtual void begin(TxMode mode = TxMode::write) = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual bool in_transaction() const = 0;
  void savepoint(std::string_view name);
  void release_savepoint(std::string_view name);
  void rollback_to_savepoint(std::string_view name);

  // ---- Two-phase commit, on an engine whose dialect().prepares() (docs/sessions.md) ----
  // `xid` names one transaction branch: ASCII letters, digits and ":._-", at most 64 bytes
  // (MariaDB's limit for a gtrid; PostgreSQL's gid allows 199).
  //
  // Begins a transaction that prepare_transaction() may later prepare under `xid`. MariaDB must
  // know it from the start (XA START); elsewhere this is begin().
  virtual void begin_branch(std::string_view xid, TxMode mode) {
    check_xid(xid);
    begin(mode);
  }
  // Phase one (PREPARE TRANSACTION, XA PREPARE): the server makes the open transaction durable,
  // keeps its locks, and detaches it from this connection (which is then outside any transaction).
  // Throws when the server refused; nothing is prepared then and the transaction is rolled back.
  // Where the server cannot prepare at all (PostgreSQL with max_prepared_transactions = 0)
  // ConfigError names the setting.
  virtual void prepare_transaction(std::string_view xid);
  // Phase two for a prepared transaction, from this connection or any other to the same
  // database (on MariaDB, only once the preparing connection is closed or from that one).
  // NotFound when no transaction is prepared under `xid`.
  virtual void commit_prepared(std::string_view xid);
  virtual void rollback_prepared(std::string_view xid);
  // The xids of the transactions prepared in this connection's database that start with
  // `prefix`, in no order.
  virtual std::vector<std::string> prepared_transactions(std::string_view prefix);

  // Appends rows to a table through the engine's bulk path, where dialect().copies_rows()
  // (PostgreSQL's COPY FROM STDIN, text format): `copy_statement` is "COPY t (a, b) FROM STDIN"
  // and `values` holds rows of `columns` values each, in that order. Throws as query() does;
  // ProgrammingError on an engine without one.
  virtual void copy_rows(std::string_view copy_statement, std::size_t columns,
                         std::span<const Value> values);

  // A round trip to the server; false when the connection is dead.
  virtual bool ping() = 0;
  // True once the connection was lost: a pool must discard it rather than reuse it.
  virtual bool broken() const = 0;
  // True when it was given up because the server did not answer within the statement timeout:
  // the server may be hung, not gone.
  bool timed_out() const { return timed_out_; }
  // True when the server has closed this idle connection: its socket has something to read
  // (end of file, a parting error) when nothing was asked. No round trip; asked before a
  // statement that must not run twice, which cannot be retried on a new connection.
  virtual bool closed_by_server() { return broken(); }

  // Ends the current cursor early (a pool calls it when a lease comes back), so no statement
  // keeps server or file resources after its caller stopped reading.
  virtual void reset_cursor() {}

  // Readies the connection for its next borrower (a pool calls it when a lease comes back):
  // ends the cursor and rolls back an open transaction. False when the connection cannot be
  // reused (it is broken, or cleaning it failed): the pool must close it. An engine may
  // override it to do in one call what takes four virtual calls here.
  virtual bool reset_for_reuse() noexcept;

  // The C client library's own handle to this connection, for what manydb does not wrap:
  // a sqlite3*, PGconn* or MYSQL*, as dialect().name() says. Use it only while you hold the
  // connection (a Lease), and leave it as you found it: no open transaction or result, and
  // none of manydb's prepared statements (PostgreSQL names them s<n> and t<n>) touched.
  virtual void* native_handle() = 0;
  // The socket to the server; -1 for an engine in process. A pool that must not let the server
  // count more sessions than it holds waits on it, after closing, for the server's end.
  virtual int server_socket() const { return -1; }

  virtual std::uint64_t prepare_count() const = 0;  // statements parsed since connecting

  // From now on every statement run through query() and run() is counted and timed in
  // `metrics` (an engine's, for Database::metrics() and for tests that prove how many
  // statements an operation costs), with the errors they raise. Null: none.
  void report_to(BindMetrics* metrics) { metrics_ = metrics; }
  // Where this connection reports (null: nowhere): transactions and engines count there too.
  BindMetrics* metrics() const { return metrics_; }
  // Counts the rows read from the last statement's cursor so far (the pool calls it when a
  // lease comes back; every measured statement does it for the one before).
  void count_rows_read() noexcept;

 protected:
  explicit Connection(std::string bind) : bind_(std::move(bind)) {}
  virtual Cursor& run_statement(std::string_view sql, std::span<const Value> params) = 0;
  // The kind of `sql`, which run_statement has just run, for the metrics: an engine that
  // caches its prepared statements may have told it once, when it prepared it.
  virtual StatementKind last_statement_kind(std::string_view sql) const {
    return statement_kind(sql);
  }
  // For begin(): ProgrammingError when a transaction is open. Every engine refuses the same
  // way, where MariaDB's BEGIN would silently commit the open transaction and SQLite's fail
  // with an error of its own.
  void refuse_nested_begin() const;
  // ProgrammingError unless `xid` is a valid transaction branch id (see begin_branch).
  void check_xid(std::string_view xid) const;
  static constexpr std::size_t kMaxXidBytes = 64;
  void mark_timed_out() { timed_out_ = true; }
  // One statement after another; an engine that pipelines overrides it.
  virtual void run_batch(const Batch& batch);
  // ProgrammingError: statements sent are still to be received (commit() and the like).
  [[noreturn]] void refuse_while_in_flight() const;
  void refuse_if_in_flight() const {
    if (!sent_.empty()) refuse_while_in_flight();
  }
  // send() and receive() of one statement (receive() hands back the `sql` that send() was
  // given). By default the statement runs in send() and its cursor, or its error, waits for
  // receive().
  virtual void send_statement(std::string_view sql, std::span<const Value> params);
  virtual Cursor& receive_statement(std::string_view sql);
  // answer_wait() with a statement in flight: an engine that sends ahead tells what it awaits.
  virtual std::optional<AnswerWait> wait_for_answer() { return std::nullopt; }
  // abandon_in_flight(): an engine that sends ahead drops what it sent, unread, and closes its
  // link to the server, so that nothing more can be said mid-answer.
  virtual void close_abandoned() noexcept {}

 private:
  std::string bind_;
  Cursor& query_measured(std::string_view sql, std::span<const Value> params);
  void run_measured(const Batch& batch);
  // Counts a statement that took `elapsed`, and logs it when that is slow for the bind.
  void measured(StatementKind kind, std::string_view sql,
                std::chrono::steady_clock::duration elapsed);

  BindMetrics* metrics_ = nullptr;
  Cursor* last_cursor_ = nullptr;  // an engine's one cursor, whose rows are counted
  bool timed_out_ = false;
  // What send() sent and receive() has not taken: its text, and when it went (with metrics).
  struct Sent {
    std::string sql;
    std::chrono::steady_clock::time_point at{};
  };
  std::vector<Sent> sent_;
  Cursor* ran_ = nullptr;         // the default send_statement's cursor,
  std::exception_ptr ran_error_;  // or its error
};

// Opens a connection to `url` through the engine that serves its scheme.
std::unique_ptr<Connection> connect(const Url& url, const ConnectOptions& options = {});

}  // namespace manydb
