#include "manydb/driver/connection.hpp"

#include <chrono>
#include <utility>

#include "manydb/core/errors.hpp"
#include "manydb/core/statement_kind.hpp"
#include "manydb/driver/registry.hpp"
#include "manydb/observe/bind_metrics.hpp"
#include "manydb/observe/log.hpp"

namespace manydb {

void Connection::savepoint(std::string_view name) {
  execute_script("SAVEPOINT " + dialect().quote_identifier(name));
}
void Connection::release_savepoint(std::string_view name) {
  execute_script("RELEASE SAVEPOINT " + dialect().quote_identifier(name));
}
void Connection::rollback_to_savepoint(std::string_view name) {
  execute_script("ROLLBACK TO SAVEPOINT " + dialect().quote_identifier(name));
}

void Connection::refuse_nested_begin() const {
  if (in_transaction()) {
    throw_database_error(ErrorKind::programming, bind(), "25001",
                         "a transaction is already open; use savepoints to nest");
  }
}

namespace {
[[noreturn]] void cannot_prepare(const Connection& c) {
  throw_database_error(
      ErrorKind::programming, c.bind(), "",
      std::string(c.dialect().name()) + " cannot prepare a transaction for two-phase commit");
}
}  // namespace

void Connection::prepare_transaction(std::string_view) { cannot_prepare(*this); }
void Connection::commit_prepared(std::string_view) { cannot_prepare(*this); }
void Connection::rollback_prepared(std::string_view) { cannot_prepare(*this); }
std::vector<std::string> Connection::prepared_transactions(std::string_view) { return {}; }

void Connection::copy_rows(std::string_view, std::size_t, std::span<const Value>) {
  throw_database_error(ErrorKind::programming, bind(), "",
                       std::string(dialect().name()) + " has no bulk copy: use multi-row INSERTs");
}

// An xid is pasted into SQL text (neither engine takes it as a parameter): only characters
// that need no quoting anywhere.
void Connection::check_xid(std::string_view xid) const {
  const bool valid = !xid.empty() && xid.size() <= kMaxXidBytes &&
                     xid.find_first_not_of(
                         "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789:._-") == std::string_view::npos;
  if (!valid) {
    throw_database_error(ErrorKind::programming, bind(), "",
                         "a transaction id must be 1 to 64 ASCII letters, digits or ':._-'");
  }
}

void Connection::run_batch(const Batch& batch) {
  for (const Batch::Step& step : batch.steps()) {
    try {
      Cursor& rows = run_statement(step.sql, step.params);
      if (step.read) step.read(rows);
    } catch (Error& e) {
      e.attach_sql(step.sql);  // unless the engine attached one
      throw;
    }
  }
  if (batch.commits()) commit();
}

void Connection::count_rows_read() noexcept {
  if (!metrics_ || !last_cursor_) return;
  if (const auto n = last_cursor_->take_rows_read()) metrics_->rows_returned(n);
}

namespace {
std::string joined_sql(const Batch& batch) {
  std::string sql;
  for (const Batch::Step& step : batch.steps())
    sql.append(sql.empty() ? "" : "; ").append(step.sql);
  return sql;
}
}  // namespace

// One clock pair per statement; failed statements count too, as they cost a round trip.
Cursor& Connection::query_measured(std::string_view sql, std::span<const Value> params) {
  count_rows_read();
  const auto started = std::chrono::steady_clock::now();
  try {
    Cursor& rows = run_statement(sql, params);
    last_cursor_ = &rows;
    measured(last_statement_kind(sql), sql, std::chrono::steady_clock::now() - started);
    return rows;
  } catch (Error& e) {
    measured(statement_kind(sql), sql, std::chrono::steady_clock::now() - started);
    metrics_->error(e);
    e.attach_sql(sql);
    throw;
  }
}

void Connection::measured(StatementKind kind, std::string_view sql,
                          std::chrono::steady_clock::duration elapsed) {
  metrics_->statement(kind, elapsed);
  if (metrics_->slow(elapsed)) [[unlikely]]
    log_slow_statement(bind_, sql, elapsed);
}

// A pipelined batch is one round trip: each statement is counted under its kind with an even
// share of the batch's time, as no engine can say how long each one took. A slow batch is
// logged once, its statements' texts joined by "; ".
void Connection::run_measured(const Batch& batch) {
  count_rows_read();
  const auto started = std::chrono::steady_clock::now();
  auto count = [&] {
    if (batch.size() == 0) return;
    const auto elapsed = std::chrono::steady_clock::now() - started;
    for (const Batch::Step& step : batch.steps())
      metrics_->statement(statement_kind(step.sql), elapsed / batch.size());
    if (metrics_->slow(elapsed) && log_enabled(LogLevel::warn)) [[unlikely]]
      log_slow_statement(bind_, joined_sql(batch), elapsed);
  };
  try {
    run_batch(batch);
  } catch (const Error& e) {
    count();
    metrics_->error(e);
    throw;
  }
  count();
}

void Connection::refuse_while_in_flight() const {
  throw_database_error(ErrorKind::programming, bind(), "",
                       "a statement sent on this connection has not been received yet");
}

void Connection::send(std::string_view sql, std::span<const Value> params) {
  if (sent_.size() >= max_in_flight()) {
    throw_database_error(ErrorKind::programming, bind(), "",
                         "receive() the statements sent before: " +
                             std::to_string(max_in_flight()) + " may be in flight at once");
  }
  if (metrics_) count_rows_read();
  sent_.push_back({std::string(sql), metrics_ ? std::chrono::steady_clock::now()
                                              : std::chrono::steady_clock::time_point{}});
  send_statement(sql, params);
}

// Measured from send() to receive(): the wait the caller saw, shared with whatever it did
// meanwhile.
Cursor& Connection::receive() {
  if (sent_.empty()) {
    throw_database_error(ErrorKind::programming, bind(), "", "nothing was sent to receive");
  }
  if (metrics_) count_rows_read();
  const Sent sent = std::move(sent_.front());
  sent_.erase(sent_.begin());
  try {
    Cursor& rows = receive_statement(sent.sql);
    if (metrics_) {
      last_cursor_ = &rows;
      measured(last_statement_kind(sent.sql), sent.sql, std::chrono::steady_clock::now() - sent.at);
    }
    return rows;
  } catch (Error& e) {
    if (metrics_) {
      measured(statement_kind(sent.sql), sent.sql, std::chrono::steady_clock::now() - sent.at);
      metrics_->error(e);
    }
    e.attach_sql(sent.sql);
    throw;
  }
}

bool Connection::drop_in_flight() noexcept {
  while (!sent_.empty()) {
    try {
      receive();  // takes it off the list whatever it throws
    } catch (...) {
    }
  }
  return !broken();
}

void Connection::abandon_in_flight() noexcept {
  if (sent_.empty()) return;
  sent_.clear();
  ran_ = nullptr;
  ran_error_ = nullptr;
  close_abandoned();
}

void Connection::send_statement(std::string_view sql, std::span<const Value> params) {
  ran_ = nullptr;
  ran_error_ = nullptr;
  try {
    ran_ = &run_statement(sql, params);
  } catch (...) {
    ran_error_ = std::current_exception();
  }
}

Cursor& Connection::receive_statement(std::string_view) {
  if (ran_error_) std::rethrow_exception(std::exchange(ran_error_, nullptr));
  return *std::exchange(ran_, nullptr);
}

bool Connection::reset_for_reuse() noexcept {
  if (broken()) return false;
  try {
    reset_cursor();
    if (in_transaction()) rollback();
    return !broken();
  } catch (...) {
    return false;
  }
}

std::unique_ptr<Connection> connect(const Url& url, const ConnectOptions& options) {
  return registered_engine(url.backend).connect(url, options);
}

}  // namespace manydb
