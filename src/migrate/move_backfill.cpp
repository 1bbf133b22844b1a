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

// The next `limit` rows of A after `after`: share-locked until A's transaction ends when
// `lock`, else as one statement saw them.
std::vector<Value> read_rows(Lease& a, const MoveRows& rows, const std::optional<Value>& after,
                             std::size_t limit, bool lock) {
  const std::string sql = rows.select_after(a->dialect(), after.has_value(), limit, lock);
  std::vector<Value> params;
  if (after) params.push_back(*after);
  auto& cursor = a.query(sql, params, !lock);
  std::vector<Value> values;
  while (cursor.next()) rows.read_row(cursor, values);
  return values;
}

// Whether B holds a row with a key in (after, last]: one a dual write inserted.
bool holds_any(Lease& b, const MoveRows& rows, const std::optional<Value>& after,
               const Value& last) {
  std::vector<Value> params;
  if (after) params.push_back(*after);
  params.push_back(last);
  auto& cursor = b.query(rows.select_any_in_range(b->dialect(), after.has_value()), params, false);
  const bool any = cursor.next();
  while (cursor.next()) {
  }
  return any;
}

// Where the engine has COPY: straight into the table when B holds none of the batch's keys
// (the usual case: dual writes insert new keys, above A's), else into a temporary table and
// then one INSERT ... SELECT skipping the keys B holds. A dual write that inserts one of the
// batch's keys during the COPY makes it fail with UniqueViolation: the batch runs again, and
// then takes the second way.
void copy_skipping(Lease& b, const MoveRows& rows, const std::vector<Value>& values,
                   const std::optional<Value>& after) {
  const Dialect& dialect = b->dialect();
  const Value& last = values[values.size() - rows.columns() + rows.key()];
  if (!holds_any(b, rows, after, last)) {
    return b->copy_rows(rows.copy_into_table(dialect), rows.columns(), values);
  }
  b.query(rows.create_stage(dialect), {}, false).next();
  b->copy_rows(rows.copy_into_stage(dialect), rows.columns(), values);
  b.query(rows.insert_from_stage(dialect), {}, false).next();
}

// `values` into B, skipping the keys B holds already (dual writes): through COPY where the
// engine has it, else multi-row INSERTs.
void insert_skipping(Lease& b, const MoveRows& rows, const std::vector<Value>& values,
                     const std::optional<Value>& after) {
  if (values.empty()) return;
  if (b->dialect().copies_rows()) return copy_skipping(b, rows, values, after);
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

// A dual write may hold a lock on one server that this batch waits for while it waits for
// the batch's lock on the other (an InnoDB gap lock on B, a row of A): neither server sees that
// cycle, so the batch's waits are short and it is the batch that gives way.
void bulk_copy_settings(Lease& lease, const BackfillOptions& options) {
  if (const auto sql = lease->dialect().bulk_copy_settings(options.lock_wait_ms); !sql.empty()) {
    lease.query(sql, {}, false).next();
  }
}

Batch batch_of(const std::vector<Value>& values, const MoveRows& rows, std::size_t limit,
               const std::optional<std::string>& resume) {
  Batch batch;
  batch.rows = static_cast<std::int64_t>(values.size() / rows.columns());
  batch.finished = static_cast<std::size_t>(batch.rows) < limit;
  batch.last_key = batch.rows == 0 ? resume
                                   : std::optional<std::string>(MoveRows::key_text(
                                         values[values.size() - rows.columns() + rows.key()]));
  return batch;
}

// B's part of a batch once its rows are in: the resume point recorded, B committed.
void finish_on_b(Transaction& on_b, Lease& b, const std::string& table, const Batch& batch) {
  if (!MoveState(b, table).record_batch(batch.last_key, batch.rows, batch.finished, now_ms())) {
    throw ProgrammingError(
        "the move of table '" + table + "' left phase dual_write during the backfill; stopped",
        b->bind());
  }
  on_b.commit();
  failpoint("move_batch_copied");  // B has the batch, A still holds its locks
}

struct RangeDigest {
  std::size_t rows = 0;
  std::uint64_t checksum = 0;
  bool operator==(const RangeDigest&) const = default;
};

RangeDigest digest(const std::vector<Value>& values, const MoveRows& rows) {
  RowChecksum sum;
  for (const auto& v : values) sum.add(v);
  return {values.size() / rows.columns(), sum.value()};
}

// A's rows with keys in (after, last], share-locked until A's transaction ends.
RangeDigest locked_digest(Lease& a, const MoveRows& rows, const std::optional<Value>& after,
                          const Value& last) {
  std::string sql = rows.select_range(a->dialect(), after.has_value(), true);
  sql += a->dialect().lock_for_share();
  std::vector<Value> params;
  if (after) params.push_back(*after);
  params.push_back(last);
  auto& cursor = a.query(sql, params, false);
  std::vector<Value> values;
  while (cursor.next()) rows.read_row(cursor, values);
  return digest(values, rows);
}

// One batch, A's rows locked throughout: read, inserted into B and the resume point recorded
// in B's one transaction, B committed, then A's locks released. A dual write that changes one
// of these rows waits for the locks, so it reaches B after the row is there; one that came
// first has committed before the rows are read, so they are read as it left them.
Batch copy_batch_locked(Lease& a, Lease& b, const MoveRows& rows, const std::string& table,
                        const std::optional<Value>& after, const std::optional<std::string>& resume,
                        const BackfillOptions& options) {
  Transaction on_a(a, TxMode::write);  // SQLite: BEGIN IMMEDIATE holds the file's write lock
  const auto values = read_rows(a, rows, after, options.batch, true);
  const Batch batch = batch_of(values, rows, options.batch, resume);
  Transaction on_b(b, TxMode::write);
  bulk_copy_settings(b, options);
  insert_skipping(b, rows, values, after);
  finish_on_b(on_b, b, table, batch);
  on_a.commit();
  return batch;
}

// The same batch with A locked only at the end: its rows read unlocked and inserted into B,
// then A's rows of the batch's key range locked and read again. Unchanged, B commits and A's
// locks go; a dual write that came in between made them differ, and nullopt says to copy the
// batch the locked way. On SQLite the lock is the whole file's, held by every batch: here for
// a read of the batch, not for its INSERTs into another server as well.
std::optional<Batch> copy_batch_optimistic(Lease& a, Lease& b, const MoveRows& rows,
                                           const std::string& table,
                                           const std::optional<Value>& after,
                                           const std::optional<std::string>& resume,
                                           const BackfillOptions& options) {
  const auto values = read_rows(a, rows, after, options.batch, false);
  if (values.empty()) return std::nullopt;  // the last, empty, batch: nothing to gain
  const Batch batch = batch_of(values, rows, options.batch, resume);
  Transaction on_b(b, TxMode::write);
  bulk_copy_settings(b, options);
  insert_skipping(b, rows, values, after);
  Transaction on_a(a, TxMode::write);
  bulk_copy_settings(a, options);
  const Value& last = values[values.size() - rows.columns() + rows.key()];
  if (!(locked_digest(a, rows, after, last) == digest(values, rows))) return std::nullopt;
  finish_on_b(on_b, b, table, batch);
  on_a.commit();
  return batch;
}

Batch copy_batch(Lease& a, Lease& b, const MoveRows& rows, const std::string& table,
                 const std::optional<Value>& after, const std::optional<std::string>& resume,
                 const BackfillOptions& options) {
  // B's write lock on SQLite is the whole file's, and a dual write takes A's lock, then B's:
  // holding B's while waiting for A's would be a deadlock that each side waits out.
  if (!b->dialect().begin_blocks_writers()) {
    if (auto batch = copy_batch_optimistic(a, b, rows, table, after, resume, options)) {
      return *batch;
    }
  }
  return copy_batch_locked(a, b, rows, table, after, resume, options);
}

Batch copy_batch_retrying(Lease& a, Lease& b, const MoveRows& rows, const std::string& table,
                          const std::optional<Value>& after,
                          const std::optional<std::string>& resume,
                          const BackfillOptions& options) {
  for (int attempt = 1;; ++attempt) {
    try {
      return copy_batch(a, b, rows, table, after, resume, options);
    } catch (const Error& e) {
      // UniqueViolation: a dual write inserted one of the batch's keys during its COPY.
      const bool busy = dynamic_cast<const TransactionRollback*>(&e) ||
                        dynamic_cast<const LockTimeout*>(&e) ||
                        dynamic_cast<const UniqueViolation*>(&e) || e.retryable();
      if (!busy || attempt >= options.attempts) throw;
    }
    // The dual write that held the lock commits meanwhile: a growing pause, not a busy loop.
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(attempt, 20) * 5));
  }
}

// A connection keeps bulk_copy_settings on MariaDB: given its server's settings back at the
// end, or closed rather than pooled with them.
class RestoreLockWait {
 public:
  explicit RestoreLockWait(Lease& lease) : lease_(lease) {}
  RestoreLockWait(const RestoreLockWait&) = delete;
  RestoreLockWait& operator=(const RestoreLockWait&) = delete;
  ~RestoreLockWait() {
    if (!restored_ && lease_ && !lease_->dialect().restore_bulk_copy_settings().empty())
      lease_.discard();
  }
  void restore() {
    if (const auto sql = lease_->dialect().restore_bulk_copy_settings(); !sql.empty()) {
      lease_.query(sql, {}, false).next();
    }
    restored_ = true;
  }

 private:
  Lease& lease_;
  bool restored_ = false;
};

// With a rate limit, sleeps until `rows` copied since `began` are no more than the limit allows.
void keep_to_rate(const BackfillOptions& options, std::int64_t rows,
                  std::chrono::steady_clock::time_point began) {
  if (options.max_rows_per_second == 0) return;
  const std::chrono::duration<double> due(static_cast<double>(rows) /
                                          static_cast<double>(options.max_rows_per_second));
  std::this_thread::sleep_until(began + std::chrono::duration_cast<std::chrono::microseconds>(due));
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
  RestoreLockWait restore_a{a};
  RestoreLockWait restore_b{b};
  // Settings that outlive a transaction (MariaDB's isolation) hold from the first batch on.
  for (Lease* lease : {&a, &b}) {
    if (!(*lease)->dialect().restore_bulk_copy_settings().empty()) {
      bulk_copy_settings(*lease, options);
    }
  }
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
    keep_to_rate(options, result.rows_copied, began);
  }
  restore_a.restore();
  restore_b.restore();
  return result;
}

}  // namespace manydb::migrate
