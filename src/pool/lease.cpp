#include "manydb/pool/lease.hpp"

#include <utility>

#include "manydb/core/errors.hpp"
#include "manydb/core/statement_kind.hpp"
#include "manydb/pool/pool.hpp"

namespace manydb {

Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      connection_(std::move(other.connection_)),
      reused_(other.reused_),
      used_(other.used_),
      began_first_(other.began_first_) {}

Lease& Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    connection_ = std::move(other.connection_);
    reused_ = other.reused_;
    used_ = other.used_;
    began_first_ = other.began_first_;
  }
  return *this;
}

Lease::~Lease() { release(); }

// A connection goes back clean: no open transaction, no half-read cursor. One that cannot be
// cleaned is closed instead, so the next borrower never inherits its state.
void Lease::release() {
  if (!pool_ || !connection_) return;
  Pool* pool = std::exchange(pool_, nullptr);
  if (connection_->reset_for_reuse()) {
    pool->give_back(std::move(connection_));
  } else {
    pool->forget(std::move(connection_));
  }
}

void Lease::discard() {
  if (pool_ && connection_) pool_->forget(std::move(connection_));
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

void Lease::lost() const {
  throw_database_error(ErrorKind::connection, pool_ ? pool_->bind() : std::string_view("?"),
                       "08003",
                       pool_ ? "the connection was lost and no new one could be opened"
                             : "this lease holds no connection");
}

void Lease::begin(TxMode mode) {
  Connection& c = connection();
  const bool may_retry = !used_ && reused_ && pool_ && !c.in_transaction();
  used_ = true;
  if (!may_retry) return c.begin(mode);
  try {
    c.begin(mode);
  } catch (const ConnectionError&) {
    if (!c.broken()) throw;
    replace_connection(mode);
  }
  // An engine that sends BEGIN with the first statement meets a dead connection only there.
  began_first_ = true;
}

// A fresh connection in place of a dead one, with the BEGIN that was pending carried over.
// When none can be opened the lease is left without a connection, and says so if used again.
void Lease::replace_connection(const std::optional<TxMode>& pending) {
  std::unique_ptr<Connection> dead = std::move(connection_);
  connection_ = pool_->replace(std::move(dead));
  if (pending) connection_->begin(*pending);
}

// Before what must not run twice on a reused connection: one the server closed while it sat
// idle is replaced first, instead of being retried after.
void Lease::replace_if_closed(const std::optional<TxMode>& pending) {
  if (connection().closed_by_server()) replace_connection(pending);
}

Cursor& Lease::query(std::string_view sql, std::span<const Value> params) {
  return query(sql, params, reads_only(sql));
}

Cursor& Lease::query(std::string_view sql, std::span<const Value> params, bool repeatable) {
  // The first statement of a transaction whose BEGIN is still pending is as safe to run again as
  // a read outside a transaction: nothing of the transaction has reached the server yet.
  const std::optional<TxMode> pending =
      std::exchange(began_first_, false) ? connection().pending_begin() : std::nullopt;
  const bool first_outside = pool_ && !used_ && reused_ && !connection_->in_transaction();
  const bool may_retry = pool_ && (pending || (repeatable && first_outside));
  if (!pending && !repeatable && first_outside) replace_if_closed(std::nullopt);
  used_ = true;
  if (!may_retry) return connection_->query(sql, params);
  try {
    return connection_->query(sql, params);
  } catch (const ConnectionError&) {
    if (!connection_->broken()) throw;
    replace_connection(pending);
    return connection_->query(sql, params);
  }
}

void Lease::query_and_commit(std::string_view sql, std::span<const Value> params,
                             const std::function<void(Cursor&)>& read) {
  if (pool_ && began_first_ && connection().pending_begin()) {
    read(query(sql, params, false));  // BEGIN pending: runs again on a new connection anyway
    connection().commit();
    return;
  }
  used_ = true;
  began_first_ = false;
  connection().query_and_commit(sql, params, read);
}

void Lease::query_two(std::string_view first, std::span<const Value> first_params,
                      std::string_view second, std::span<const Value> second_params,
                      bool then_commit, const std::function<void(Cursor&)>& read_first,
                      const std::function<void(Cursor&)>& read_second) {
  const std::optional<TxMode> pending =
      std::exchange(began_first_, false) ? connection().pending_begin() : std::nullopt;
  const bool first_use = !used_ && reused_ && !connection_->in_transaction();
  if (pool_ && (pending || first_use)) replace_if_closed(pending);
  used_ = true;
  connection().query_two(first, first_params, second, second_params, then_commit, read_first,
                         read_second);
}

}  // namespace manydb
