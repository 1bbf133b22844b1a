#pragma once
// The tables that move from one bind to another while the service serves (DatabaseConfig::moves,
// docs/migrations.md): for each, the phase last read from the state table manydb_moves in its
// target bind, read again at most every refresh interval, so that routing a statement never
// costs a query.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/pool/engine.hpp"

namespace manydb {

enum class MovePhase {
  none,         // no state row: reads and writes on the source bind, as without a move
  dual_write,   // reads the source; every ORM write goes to the source and the target
  reads_moved,  // reads the target; writes both
  done,         // reads and writes the target only
};
const char* to_string(MovePhase phase);
// nullopt for a text that is no phase.
std::optional<MovePhase> parse_move_phase(std::string_view text);

// Where a table's statements go in a phase: reads to `read`, writes to `write`, then the same
// write to `mirror` when there is one.
struct TableRoute {
  const std::string* read = nullptr;
  const std::string* write = nullptr;
  const std::string* mirror = nullptr;
};

class TableMoves {
 public:
  struct Move {
    std::string table, from, to;
    std::chrono::milliseconds refresh{1'000};
    Engine* target = nullptr;  // the engine of `to`, where manydb_moves lives
  };
  static constexpr std::string_view state_table = "manydb_moves";

  explicit TableMoves(std::vector<Move> moves);
  ~TableMoves();

  // The move of `table` out of bind `bind`; nullptr when that table does not move.
  const Move* find(std::string_view table, std::string_view bind) const;
  const std::vector<Move>& moves() const { return moves_; }
  // Whether a move links the two binds (a session for one bind may reach the other).
  bool links(std::string_view a, std::string_view b) const;
  // Whether a move starts or ends on `bind`.
  bool touches(std::string_view bind) const;

  // The move's phase, as last read, read again once older than its refresh interval. When the
  // target cannot answer, the phase read before stands; never read, the error is thrown (it
  // names the target bind).
  MovePhase phase(const Move& move);
  // The route of `move`'s table in `phase`.
  static TableRoute route(const Move& move, MovePhase phase);
  // Forgets what was read: the next phase() asks (the command that just changed a phase).
  void forget();

 private:
  struct Cache;
  MovePhase read_phase(const Move& move);

  std::vector<Move> moves_;
  std::vector<std::unique_ptr<Cache>> caches_;  // one per move, same order
};

}  // namespace manydb
