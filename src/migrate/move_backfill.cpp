// TableMove::backfill: A's rows into B in key order, a batch per transaction pair.
#include <algorithm>
#include <chrono>
#include <thread>

#include "manydb/core/errors.hpp"
#include "manydb/migrate/table_move.hpp"
#include "manydb/tx/failpoint.hpp"
#include "manydb/tx/transaction.hpp"
#include "move_rows.hpp"
#include "move_state.hpp"
#include "version_table.hpp"

namespace manydb::migrate {

namespace {

struct Batch {
  std::int64_t rows = 0;
  std::optional<std::string> last_key;  // the resume point after it
  bool finished = false;
};

// Reads the next `limit` rows of A after `after`, share-locked until A's transaction ends.
std::vector<Value> read_locked(Lease& a, const MoveRows& rows, const std::optional<Value>& after,
                               std::size_t limit) {
  const std::string sql = rows.select_after(a->dialect(), after.has_value(), limit, true);
  std::vector<Value> params;
  if (after) params.push_back(*after);
  auto& cursor = a.query(sql, params, false);
  std::vector<Value> values;
  while (cursor.next()) rows.read_row(cursor, values);
  return values;
}

// Multi-row INSERTs of `values` into B, skipping the keys B holds already (dual writes).
void insert_skipping(Lease& b, const MoveRows& rows, const std::vector<Value>& values) {
  const std::size_t n = rows.columns();
  const std::size_t total = values.size() / n;
  for (std::size_t at = 0; at < total;) {
    const std::size_t count = std::min(rows.rows_per_insert(), total - at);
    const std::span<const Value> params(values.data() + at * n, count * n);
    auto& cursor = b.query(rows.insert_skipping(b->dialect(), count), params, false);
    while (cursor.next()) {
    }
    at += count;
  }
}

// One batch: A's rows locked, inserted into B and the resume point recorded in B's one
// transaction, B committed, then A's locks released. A dual write that changes one of these
// rows waits for the locks, so it reaches B after the row is there; one that came first has
// committed before the rows are read, so they are read as it left them.
// A dual write may hold a lock on B (an InnoDB gap lock) that this batch's INSERT waits for
// while it waits for this batch's share lock on A: neither server sees that cycle, so the
// batch's wait on B is short and it is the batch that gives way.
Batch copy_batch(Lease& a, Lease& b, const MoveRows& rows, const std::string& table,
                 const std::optional<Value>& after, const std::optional<std::string>& resume,
                 const BackfillOptions& options) {
  const std::size_t limit = options.batch;
  Transaction on_a(a, TxMode::write);  // SQLite: BEGIN IMMEDIATE holds the file's write lock
  const auto values = read_locked(a, rows, after, limit);
  Batch batch;
  batch.rows = static_cast<std::int64_t>(values.size() / rows.columns());
  batch.finished = static_cast<std::size_t>(batch.rows) < limit;
  batch.last_key = batch.rows == 0 ? resume
                                   : std::optional<std::string>(MoveRows::key_text(
                                         values[values.size() - rows.columns() + rows.key()]));
  Transaction on_b(b, TxMode::write);
  if (const auto limit_wait = b->dialect().limit_lock_wait(options.lock_wait_ms);
      !limit_wait.empty()) {
    b.query(limit_wait, {}, false).next();
  }
  insert_skipping(b, rows, values);
  if (!MoveState(b, table).record_batch(batch.last_key, batch.rows, batch.finished, now_ms())) {
    throw ProgrammingError(
        "the move of table '" + table + "' left phase dual_write during the backfill; stopped",
        b->bind());
  }
  on_b.commit();
  failpoint("move_batch_copied");  // B has the batch, A still holds its locks
  on_a.commit();
  return batch;
}

Batch copy_batch_retrying(Lease& a, Lease& b, const MoveRows& rows, const std::string& table,
                          const std::optional<Value>& after,
                          const std::optional<std::string>& resume,
                          const BackfillOptions& options) {
  for (int attempt = 1;; ++attempt) {
    try {
      return copy_batch(a, b, rows, table, after, resume, options);
    } catch (const Error& e) {
      const bool busy = dynamic_cast<const TransactionRollback*>(&e) ||
                        dynamic_cast<const LockTimeout*>(&e) || e.retryable();
      if (!busy || attempt >= options.attempts) throw;
    }
    // The dual write that held the lock commits meanwhile: a growing pause, not a busy loop.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(attempt, 20) * 5));
  }
}

std::int64_t count_rows(Lease& lease, const schema::TableInfo& table) {
  auto& c = lease.query("SELECT count(*) FROM " + lease->dialect().quote_identifier(table.name));
  c.next();
  const std::int64_t n = c.get_int64(0);
  while (c.next()) {
  }
  return n;
}

}  // namespace

BackfillResult TableMove::backfill(const BackfillOptions& options) {
  if (options.batch == 0) throw DataError("backfill: the batch size must be at least 1");
  const MoveStatus status = require_phase(MovePhase::dual_write, "the backfill");
  const MoveRows rows(table_);
  Lease a = source().connect();
  Lease b = target().connect();
  // B's connection keeps the short lock wait on MariaDB: restored at the end, or the
  // connection closed rather than pooled with it.
  struct RestoreLockWait {
    Lease& lease;
    bool restored = false;
    ~RestoreLockWait() {
      if (!restored && lease && !lease->dialect().restore_lock_wait().empty()) lease.discard();
    }
  } restore_b{b};
  std::optional<std::string> resume = status.resume_key;
  BackfillProgress progress{status.rows_copied, count_rows(a, table_), 0, resume.value_or("")};
  BackfillResult result;
  const auto began = std::chrono::steady_clock::now();
  while (!options.max_batches || result.batches < *options.max_batches) {
    const std::optional<Value> after =
        resume ? std::optional<Value>(rows.key_value(*resume)) : std::nullopt;
    const Batch batch = copy_batch_retrying(a, b, rows, table_.name, after, resume, options);
    ++result.batches;
    result.rows_copied += batch.rows;
    resume = batch.last_key;
    progress.rows_copied += batch.rows;
    progress.resume_key = resume.value_or("");
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - began;
    progress.rows_per_second =
        took.count() > 0 ? static_cast<double>(result.rows_copied) / took.count() : 0;
    if (options.on_progress) options.on_progress(progress);
    if (batch.finished) {
      result.finished = true;
      break;
    }
  }
  if (const auto restore = b->dialect().restore_lock_wait(); !restore.empty()) {
    b.query(restore, {}, false).next();
  }
  restore_b.restored = true;
  return result;
}

}  // namespace manydb::migrate
