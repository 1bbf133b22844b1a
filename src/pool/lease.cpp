#include "manydb/pool/lease.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <utility>

#include "manydb/core/errors.hpp"
#include "manydb/core/statement_kind.hpp"
#include "manydb/pool/pool.hpp"

namespace manydb {

Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      pooled_(std::move(other.pooled_)),
      connection_(std::exchange(other.connection_, nullptr)),
      reused_(other.reused_),
      used_(other.used_),
      began_first_(other.began_first_),
      began_mode_(other.began_mode_),
      began_branch_(std::move(other.began_branch_)),
      recording_(std::exchange(other.recording_, nullptr)),
      handed_out_(other.handed_out_) {}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    pooled_ = std::move(other.pooled_);
    connection_ = std::exchange(other.connection_, nullptr);
    reused_ = other.reused_;
    used_ = other.used_;
    began_first_ = other.began_first_;
    began_mode_ = other.began_mode_;
    began_branch_ = std::move(other.began_branch_);
    recording_ = std::exchange(other.recording_, nullptr);
    handed_out_ = other.handed_out_;
  }
  return *this;
}

namespace {
// Reads the socket until the server closes its end, for at most `limit`. A PostgreSQL backend
// closes it after it has left pg_stat_activity.
void wait_for_server_close(int fd, std::chrono::milliseconds limit) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + limit;
  char buffer[512];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0 || (n < 0 && errno != EINTR)) return;  // the end, or an error: it is closed
  }
}
}  // namespace

PooledConnection::~PooledConnection() {
  if (!slot.held() || !connection) return;
  // A copy of the socket keeps it open after the client library has said goodbye and closed
  // its own, so that the server's end of it can be seen.
  const int socket = connection->server_socket();
  const int copy = socket >= 0 ? ::dup(socket) : -1;
  connection.reset();
  if (copy < 0) return;
  wait_for_server_close(copy, std::chrono::milliseconds(500));
  ::close(copy);
}

Lease::~Lease() { release(); }

// A connection goes back clean: no open transaction, no half-read cursor. One that cannot be
// cleaned is closed instead, so the next borrower never inherits its state.
void Lease::release() {
  if (!pool_ || !connection_) return;
  Pool* pool = std::exchange(pool_, nullptr);
  connection_->count_rows_read();
  Connection* connection = std::exchange(connection_, nullptr);
  const bool reusable = (connection->in_flight() == 0 || connection->drop_in_flight()) &&
                        connection->reset_for_reuse();
  if (reusable) {
    pool->give_back(std::move(pooled_));
  } else {
    pool->forget(std::move(pooled_));
  }
}

void Lease::discard() {
  if (pool_ && connection_) pool_->forget(std::move(pooled_));
  pooled_.reset();  // a pinned connection's borrower (Pool::pin), which has no pool
  connection_ = nullptr;
  pool_ = nullptr;
}

void Lease::rollback_or_discard() noexcept {
  if (!connection_) return;
  try {
    if (connection_->in_transaction()) connection_->rollback();
    if (!connection_->broken()) return;
  } catch (...) {
  }
  discard();
}

void Lease::abandon() noexcept {
  if (!connection_) return;
  connection_->abandon_in_flight();
  if (connection_->broken()) discard();
}

void Lease::lost() const {
  throw_database_error(ErrorKind::connection, pool_ ? pool_->bind() : std::string_view("?"),
                       "08003",
                       pool_ ? "the connection was lost and no new one could be opened"
                             : "this lease holds no connection");
}

namespace {
void begin_on(Connection& c, TxMode mode, const std::string& branch) {
  if (branch.empty()) return c.begin(mode);
  c.begin_branch(branch, mode);
}
}  // namespace

void Lease::begin(TxMode mode, std::string_view branch) {
  Connection& c = connection();
  const bool may_retry = !used_ && reused_ && pool_ && !c.in_transaction();
  used_ = true;
  began_mode_ = mode;
  began_branch_ = branch;
  if (!may_retry) return begin_on(c, mode, began_branch_);
  try {
    begin_on(c, mode, began_branch_);
  } catch (const ConnectionError&) {
    if (!c.broken()) throw;
    replace_connection(mode);
  }
  // An engine that sends BEGIN with the first statement meets a dead connection only there; on
  // the others the first statement may still meet one that died since.
  began_first_ = true;
}

// A fresh connection in place of a dead one, with the transaction begun there again. When none
// can be opened the lease is left without a connection, and says so if used again.
void Lease::replace_connection(const std::optional<TxMode>& begun) {
  connection_ = nullptr;
  pooled_ = pool_->replace(std::move(pooled_));
  connection_ = pooled_->connection.get();
  if (begun) begin_on(*connection_, *begun, began_branch_);
}

std::optional<TxMode> Lease::first_of_transaction() {
  if (!std::exchange(began_first_, false)) return std::nullopt;
  return began_mode_;
}

// Before what must not run twice on a reused connection: one the server closed while it sat
// idle is replaced first, instead of being retried after.
void Lease::replace_if_closed(const std::optional<TxMode>& begun) {
  if (connection().closed_by_server()) replace_connection(begun);
}

// This lease's first statement on a connection that sat idle in the pool, outside a
// transaction: the one place where a connection that died while idle shows, and may be replaced.
bool Lease::first_use_outside_transaction() const {
  return pool_ && !used_ && reused_ && connection_ && !connection_->in_transaction();
}

// Whether the statement only reads matters only where it could run again: asked only there.
Cursor& Lease::query(std::string_view sql, std::span<const Value> params) {
  return query(sql, params, first_use_outside_transaction() && reads_only(sql));
}

void Lease::record(std::string_view sql, std::span<const Value> params) {
  if (reads_only(sql)) return;
  recording_->push_back({std::string(sql), std::vector<Value>(params.begin(), params.end())});
}

Cursor& Lease::query(std::string_view sql, std::span<const Value> params, bool repeatable) {
  if (!connection_) lost();
  if (recording_) record(sql, params);
  // The first statement of a transaction is as safe to run again as a read outside one: a
  // connection that died took the transaction with it, uncommitted.
  const std::optional<TxMode> begun = first_of_transaction();
  const bool first_outside = first_use_outside_transaction();
  const bool may_retry = pool_ && (begun || (repeatable && first_outside));
  if (!begun && !repeatable && first_outside) replace_if_closed(std::nullopt);
  used_ = true;
  if (!may_retry) return connection_->query(sql, params);
  try {
    return connection_->query(sql, params);
  } catch (const ConnectionError&) {
    if (!connection_->broken()) throw;
    replace_connection(begun);
    return connection_->query(sql, params);
  }
}

void Lease::send(std::string_view sql, std::span<const Value> params) {
  if (!connection_) lost();
  sent_begun_ = first_of_transaction();
  const bool first_outside = first_use_outside_transaction();
  if (sent_begun_ || first_outside) replace_if_closed(sent_begun_);
  sent_may_retry_ = pool_ && (sent_begun_ || first_outside);
  used_ = true;
  connection_->send(sql, params);
}

Cursor& Lease::receive(std::string_view sql, std::span<const Value> params) {
  Connection& c = connection();
  if (!std::exchange(sent_may_retry_, false)) return c.receive();
  try {
    return c.receive();
  } catch (const ConnectionError&) {
    if (!c.broken() || c.in_flight() > 0) throw;
    replace_connection(sent_begun_);
    return connection_->query(sql, params);
  }
}

void Lease::run(const Batch& batch) {
  if (pool_ && began_first_ && batch.commits() && batch.size() == 1) {
    const Batch::Step& step = batch.steps().front();
    Cursor& rows = query(step.sql, step.params, false);  // may run again on a new connection
    if (step.read) step.read(rows);
    return connection().commit();
  }
  if (recording_) {
    for (const Batch::Step& step : batch.steps()) record(step.sql, step.params);
  }
  const std::optional<TxMode> begun = first_of_transaction();
  if (begun || first_use_outside_transaction()) replace_if_closed(begun);
  used_ = true;
  connection().run(batch);
}

}  // namespace manydb
