#pragma once
// A table move's row in manydb_moves, in its target bind: the phase every process routes by,
// and the backfill's resume point, written in the same transaction as the rows it covers.
#include <optional>
#include <string>
#include <vector>

#include "manydb/migrate/table_move.hpp"
#include "manydb/pool/lease.hpp"

namespace manydb::migrate {

class MoveState {
 public:
  // On a lease of the target bind (in a transaction or not, as the caller needs).
  MoveState(Lease& lease, std::string table) : lease_(lease), table_(std::move(table)) {}

  void create_table_if_missing();
  // nullopt when there is no row (or no table yet).
  std::optional<MoveStatus> read();
  void insert(const TableMoves::Move& move, MovePhase phase, std::int64_t now_ms);
  // false when the row was not in phase `from`.
  bool set_phase(MovePhase from, MovePhase to, std::int64_t now_ms);
  // After a batch: false when the move left phase dual_write meanwhile.
  bool record_batch(const std::optional<std::string>& resume_key, std::int64_t rows, bool finished,
                    std::int64_t now_ms);
  // Whether the last verify passed; a pass counts only once the backfill has finished.
  void record_verified(bool passed, std::int64_t now_ms);
  bool remove();

  static std::vector<MoveStatus> read_all(Lease& lease);

 private:
  Lease& lease_;
  std::string table_;
};

}  // namespace manydb::migrate
