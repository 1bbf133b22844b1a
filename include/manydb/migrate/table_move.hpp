#pragma once
// Moves one model's table from bind A to bind B while the service serves (docs/migrations.md,
// "Moving a table to another database"), as configured in [database.moves]:
//
//   manydb::migrate::TableMove move(db, manydb::schema::table_info<Review>());
//   move.start();                        // B's table, phase dual_write; every write reaches both
//   move.backfill({.batch = 10000});     // A's rows into B in key order; resumable
//   if (move.verify().ok()) move.cutover();  // reads to B, then writes to B only
//
// The phase and the backfill's resume point live in B's table manydb_moves, so each step may run
// in another process, and a backfill killed half-way resumes where its last batch committed.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "manydb/database/database.hpp"
#include "manydb/routing/table_moves.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb::migrate {

// A move's row in manydb_moves.
struct MoveStatus {
  std::string table, from, to;
  MovePhase phase = MovePhase::none;
  std::optional<std::string> resume_key;  // the last key copied; none before the first batch
  std::int64_t rows_copied = 0;
  bool backfilled = false;                      // the backfill reached A's last row
  bool verified = false;                        // a verify passed since the backfill finished
  std::int64_t started_at = 0, updated_at = 0;  // milliseconds since 1970 UTC
};

struct BackfillProgress {
  std::int64_t rows_copied = 0;  // over every run of the backfill
  std::int64_t rows_total = 0;   // A's rows when this run began
  double rows_per_second = 0;    // this run's rate
  std::string resume_key;
};

struct BackfillOptions {
  std::size_t batch = 10'000;  // rows per transaction (one share lock on A, one commit on B)
  std::optional<std::size_t> max_batches{};  // stop after this many (tests, a limited run)
  // How long a batch waits for a row lock (on B, and on A when it reads its rows again) before
  // it rolls back and runs again, letting the dual write that holds it go first (MariaDB:
  // whole seconds; SQLite: the file's busy_timeout instead).
  std::int64_t lock_wait_ms = 1'000;
  int attempts = 20;  // runs of one batch before the backfill gives up with the last error
  // At most this many rows a second on average: the backfill pauses after a batch that came
  // early, leaving the servers and cores it shares with the application their time. 0: as fast
  // as it goes.
  std::size_t max_rows_per_second = 0;
  std::function<void(const BackfillProgress&)> on_progress{};  // after each batch
};

struct BackfillResult {
  std::int64_t rows_copied = 0;  // this run
  std::size_t batches = 0;
  bool finished = false;  // A's last row is copied
};

struct VerifyOptions {
  std::size_t range_rows = 10'000;  // rows of A per range compared
  int rechecks = 3;                 // a range that differs is compared again this many times,
  // after this pause, doubled before each further one: a dual write commits on B before A
  // (B decides its atomic commit), so a range read in between differs until A's commit lands.
  std::chrono::milliseconds recheck_pause{25};
};

struct RangeDifference {
  std::string first_key, last_key;  // the range in A's key order (inclusive)
  std::int64_t rows_from = 0, rows_to = 0;
  std::string message;  // "keys 10001..20000: 10000 rows in products, 9999 in reviews"
};

struct VerifyResult {
  std::size_t ranges = 0;
  std::int64_t rows = 0;  // A's rows compared
  std::vector<RangeDifference> differences;
  bool ok() const { return differences.empty(); }
};

class TableMove {
 public:
  // ConfigError when [database.moves] has no move of `table`'s table out of its bind.
  TableMove(Database& db, const schema::TableInfo& table);

  // Creates B's table from the model where missing (refusing one that holds rows), records
  // phase dual_write, then waits two refresh intervals so that every process writes both
  // before a backfill can begin. Again in phase dual_write: nothing to do.
  void start();
  // Copies A's rows with keys above the resume point into B, batch by batch; only in phase
  // dual_write. Rows B holds already (dual writes) are skipped.
  BackfillResult backfill(const BackfillOptions& options = {});
  // Compares A and B per range of keys: row counts and a checksum of the values. A passing
  // verify after a finished backfill is what cutover() asks for.
  VerifyResult verify(const VerifyOptions& options = {});
  // dual_write -> reads_moved, two refresh intervals, B's key sequence raised, -> done.
  void cutover();
  // Back to no move (the state row removed); B's table is kept. Refused once done.
  void abort();
  // nullopt when the move was never started (or was aborted).
  std::optional<MoveStatus> status();

  const TableMoves::Move& move() const { return move_; }

 private:
  Engine& source() { return db_.engine(move_.from); }
  Engine& target() { return db_.engine(move_.to); }
  MoveStatus require_phase(MovePhase phase, const char* what);
  void set_phase(MovePhase from, MovePhase to);
  void wait_for_every_process();

  Database& db_;
  const schema::TableInfo& table_;
  TableMoves::Move move_;
};

// The row of every configured move ([database.moves]), started or not, in table order.
std::vector<MoveStatus> move_status(Database& db);

}  // namespace manydb::migrate
