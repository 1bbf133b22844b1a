#include "move_state.hpp"

#include "manydb/core/errors.hpp"
#include "version_table.hpp"

namespace manydb::migrate {

namespace {
constexpr const char* kColumns =
    "table_name, from_bind, to_bind, phase, resume_key, rows_copied, backfilled, verified, "
    "started_at, updated_at";

MoveStatus status_of(const Cursor& c) {
  MoveStatus s;
  s.table = std::string(c.get_text(0));
  s.from = std::string(c.get_text(1));
  s.to = std::string(c.get_text(2));
  const auto phase = parse_move_phase(c.get_text(3));
  if (!phase) {
    throw DataError("manydb_moves holds an unknown phase '" + std::string(c.get_text(3)) +
                    "' for table '" + s.table + "'");
  }
  s.phase = *phase;
  if (!c.is_null(4)) s.resume_key = std::string(c.get_text(4));
  s.rows_copied = c.get_int64(5);
  s.backfilled = c.get_int64(6) != 0;
  s.verified = c.get_int64(7) != 0;
  s.started_at = c.get_int64(8);
  s.updated_at = c.get_int64(9);
  return s;
}
}  // namespace

void MoveState::create_table_if_missing() {
  lease_.execute(
      "CREATE TABLE IF NOT EXISTS manydb_moves (table_name VARCHAR(255) NOT NULL PRIMARY KEY, "
      "from_bind VARCHAR(63) NOT NULL, to_bind VARCHAR(63) NOT NULL, phase VARCHAR(20) NOT NULL, "
      "resume_key TEXT, rows_copied BIGINT NOT NULL, backfilled INTEGER NOT NULL, "
      "verified INTEGER NOT NULL, started_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)");
}

std::optional<MoveStatus> MoveState::read() {
  try {
    auto& c =
        lease_.query(std::string("SELECT ") + kColumns + " FROM manydb_moves WHERE table_name = ?",
                     {Value(table_)});
    std::optional<MoveStatus> out;
    while (c.next()) out = status_of(c);
    return out;
  } catch (const ProgrammingError&) {
    if (lease_.in_transaction()) throw;  // PostgreSQL: the transaction is aborted now
    return std::nullopt;                 // no table: no move was ever started here
  }
}

std::vector<MoveStatus> MoveState::read_all(Lease& lease) {
  std::vector<MoveStatus> out;
  try {
    auto& c =
        lease.query(std::string("SELECT ") + kColumns + " FROM manydb_moves ORDER BY table_name");
    while (c.next()) out.push_back(status_of(c));
  } catch (const ProgrammingError&) {
  }
  return out;
}

void MoveState::insert(const TableMoves::Move& move, MovePhase phase, std::int64_t now) {
  lease_.execute(std::string("INSERT INTO manydb_moves (") + kColumns +
                     ") VALUES (?, ?, ?, ?, NULL, 0, 0, 0, ?, ?)",
                 {Value(table_), Value(move.from), Value(move.to), Value(to_string(phase)),
                  Value(now), Value(now)});
}

bool MoveState::set_phase(MovePhase from, MovePhase to, std::int64_t now) {
  return lease_.execute(
             "UPDATE manydb_moves SET phase = ?, updated_at = ? WHERE table_name = ? AND phase = ?",
             {Value(to_string(to)), Value(now), Value(table_), Value(to_string(from))}) == 1;
}

bool MoveState::record_batch(const std::optional<std::string>& resume_key, std::int64_t rows,
                             bool finished, std::int64_t now) {
  return lease_.execute(
             "UPDATE manydb_moves SET resume_key = ?, rows_copied = rows_copied + ?, "
             "backfilled = ?, verified = verified * ?, updated_at = ? "
             "WHERE table_name = ? AND phase = ?",
             {Value(resume_key), Value(rows), Value(std::int64_t{finished ? 1 : 0}),
              Value(std::int64_t{rows > 0 ? 0 : 1}), Value(now), Value(table_),
              Value(to_string(MovePhase::dual_write))}) == 1;
}

void MoveState::record_verified(bool passed, std::int64_t now) {
  lease_.execute(
      "UPDATE manydb_moves SET verified = backfilled * ?, updated_at = ? "
      "WHERE table_name = ?",
      {Value(std::int64_t{passed ? 1 : 0}), Value(now), Value(table_)});
}

bool MoveState::remove() {
  return lease_.execute("DELETE FROM manydb_moves WHERE table_name = ?", {Value(table_)}) == 1;
}

}  // namespace manydb::migrate
