#include "manydb/routing/table_moves.hpp"

#include "manydb/core/errors.hpp"

namespace manydb {

namespace {
constexpr int kNeverRead = -1;

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

const char* to_string(MovePhase phase) {
  switch (phase) {
    case MovePhase::none: return "none";
    case MovePhase::dual_write: return "dual_write";
    case MovePhase::reads_moved: return "reads_moved";
    case MovePhase::done: return "done";
  }
  return "?";
}

std::optional<MovePhase> parse_move_phase(std::string_view text) {
  for (auto p : {MovePhase::none, MovePhase::dual_write, MovePhase::reads_moved, MovePhase::done}) {
    if (text == to_string(p)) return p;
  }
  return std::nullopt;
}

// Read without a lock while fresh; one thread at a time reads it again from the target, the
// others meanwhile keep the value before (or wait for the first one).
struct TableMoves::Cache {
  std::atomic<int> phase{kNeverRead};
  std::atomic<std::int64_t> read_at_ns{0};
  std::mutex reading;
};

TableMoves::TableMoves(std::vector<Move> moves) : moves_(std::move(moves)) {
  for (std::size_t i = 0; i < moves_.size(); ++i) caches_.push_back(std::make_unique<Cache>());
}

TableMoves::~TableMoves() = default;

const TableMoves::Move* TableMoves::find(std::string_view table, std::string_view bind) const {
  for (const auto& m : moves_) {
    if (m.table == table && m.from == bind) return &m;
  }
  return nullptr;
}

bool TableMoves::links(std::string_view a, std::string_view b) const {
  for (const auto& m : moves_) {
    if ((m.from == a && m.to == b) || (m.from == b && m.to == a)) return true;
  }
  return false;
}

bool TableMoves::touches(std::string_view bind) const {
  for (const auto& m : moves_) {
    if (m.from == bind || m.to == bind) return true;
  }
  return false;
}

MovePhase TableMoves::phase(const Move& move) {
  Cache& cache = *caches_[static_cast<std::size_t>(&move - moves_.data())];
  const int known = cache.phase.load(std::memory_order_acquire);
  const auto age = now_ns() - cache.read_at_ns.load(std::memory_order_acquire);
  if (known != kNeverRead && age < std::chrono::nanoseconds(move.refresh).count())
    return static_cast<MovePhase>(known);
  std::unique_lock lock(cache.reading, std::defer_lock);
  if (known != kNeverRead) {
    if (!lock.try_lock()) return static_cast<MovePhase>(known);  // another thread reads it
  } else {
    lock.lock();
    const int now_known = cache.phase.load(std::memory_order_acquire);
    if (now_known != kNeverRead) return static_cast<MovePhase>(now_known);
  }
  try {
    const MovePhase read = read_phase(move);
    cache.phase.store(static_cast<int>(read), std::memory_order_release);
    cache.read_at_ns.store(now_ns(), std::memory_order_release);
    return read;
  } catch (const OperationalError&) {
    if (known == kNeverRead) throw;                               // names the target bind
    cache.read_at_ns.store(now_ns(), std::memory_order_release);  // ask again after refresh
    return static_cast<MovePhase>(known);
  }
}

MovePhase TableMoves::read_phase(const Move& move) {
  Result r;
  try {
    r = move.target->execute("SELECT phase FROM manydb_moves WHERE table_name = ?",
                             {Value(move.table)});
  } catch (const ProgrammingError&) {
    return MovePhase::none;  // no state table: no move was ever started there
  }
  if (r.rows.empty() || r.rows.front().empty()) return MovePhase::none;
  const auto phase = parse_move_phase(r.rows.front().front().as_text());
  if (!phase) {
    throw DataError("manydb_moves in bind '" + move.to + "' holds an unknown phase '" +
                        r.rows.front().front().as_text() + "' for table '" + move.table + "'",
                    move.to);
  }
  return *phase;
}

TableRoute TableMoves::route(const Move& move, MovePhase phase) {
  switch (phase) {
    case MovePhase::none: return {&move.from, &move.from, nullptr};
    case MovePhase::dual_write: return {&move.from, &move.from, &move.to};
    case MovePhase::reads_moved: return {&move.to, &move.from, &move.to};
    case MovePhase::done: return {&move.to, &move.to, nullptr};
  }
  return {&move.from, &move.from, nullptr};
}

void TableMoves::forget() {
  for (auto& c : caches_) c->read_at_ns.store(0, std::memory_order_release);
}

}  // namespace manydb
