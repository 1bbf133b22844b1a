#include "manydb/migrate/table_move.hpp"

#include <thread>

#include "manydb/core/errors.hpp"
#include "manydb/schema/ddl.hpp"
#include "move_rows.hpp"
#include "move_state.hpp"
#include "version_table.hpp"

namespace manydb::migrate {

namespace {

// Keys B gives itself after the cut-over start this far above the largest key copied, so that
// they never meet a key that a process which has not yet read phase done takes from A's
// sequence and writes to B as well.
constexpr std::int64_t kKeyGap = 10'000;

const TableMoves::Move& configured_move(Database& db, const schema::TableInfo& table) {
  TableMoves* moves = db.table_moves();
  const TableMoves::Move* move = moves ? moves->find(table.name, table.bind_or_default()) : nullptr;
  if (move) return *move;
  if (moves) {
    for (const auto& m : moves->moves()) {
      if (m.table == table.name) {
        throw ConfigError("[database.moves." + table.name + "] moves it from bind '" + m.from +
                              "', but model " + table.model + " lives on bind '" +
                              table.bind_or_default() + "'",
                          m.from);
      }
    }
  }
  throw ConfigError("table '" + table.name + "' is not moving: declare [database.moves." +
                        table.name + "] with from and to",
                    table.bind_or_default());
}

}  // namespace

TableMove::TableMove(Database& db, const schema::TableInfo& table)
    : db_(db), table_(table), move_(configured_move(db, table)) {
  MoveRows check(table);  // refuses a key the backfill cannot order by
}

std::optional<MoveStatus> TableMove::status() {
  Lease b = target().connect();
  return MoveState(b, table_.name).read();
}

std::vector<MoveStatus> move_status(Database& db) {
  std::vector<MoveStatus> out;
  TableMoves* moves = db.table_moves();
  if (!moves) return out;
  for (const auto& m : moves->moves()) {
    Lease b = m.target->connect();
    auto s = MoveState(b, m.table).read();
    if (!s) {
      s.emplace();
      s->table = m.table;
      s->from = m.from;
      s->to = m.to;
    }
    out.push_back(std::move(*s));
  }
  return out;
}

MoveStatus TableMove::require_phase(MovePhase phase, const char* what) {
  auto s = status();
  const MovePhase now = s ? s->phase : MovePhase::none;
  if (now != phase) {
    throw ProgrammingError(std::string(what) + " of table '" + table_.name + "' needs phase " +
                               to_string(phase) + ", and the move is in phase " + to_string(now) +
                               (now == MovePhase::none ? " (run `move start` first)" : ""),
                           move_.to);
  }
  return *s;
}

void TableMove::set_phase(MovePhase from, MovePhase to) {
  Lease b = target().connect();
  if (!MoveState(b, table_.name).set_phase(from, to, now_ms())) {
    throw ProgrammingError("the move of table '" + table_.name + "' left phase " + to_string(from) +
                               " meanwhile (another command?)",
                           move_.to);
  }
  db_.table_moves()->forget();
}

// Every process reads the phase again within one refresh interval; two leave room for a read
// that was under way when the phase changed.
void TableMove::wait_for_every_process() { std::this_thread::sleep_for(2 * move_.refresh); }

void TableMove::start() {
  Lease b = target().connect();
  MoveState state(b, table_.name);
  if (auto s = state.read()) {
    if (s->phase == MovePhase::dual_write) return;
    throw ProgrammingError(
        "the move of table '" + table_.name + "' is in phase " + to_string(s->phase) + " already",
        move_.to);
  }
  const Dialect& dialect = target().dialect();
  for (const auto& sql : schema::create_statements(table_, dialect)) b.execute(sql);
  auto& rows = b.query("SELECT count(*) FROM " + dialect.quote_identifier(table_.name));
  rows.next();
  const std::int64_t held = rows.get_int64(0);
  while (rows.next()) {
  }
  if (held > 0) {
    throw DataError("table '" + table_.name + "' in bind '" + move_.to + "' holds " +
                        std::to_string(held) +
                        " rows already; a move starts on an empty table (empty or drop it)",
                    move_.to);
  }
  state.create_table_if_missing();
  try {
    state.insert(move_, MovePhase::dual_write, now_ms());
  } catch (const UniqueViolation&) {
    // Another `move start` was quicker: the same outcome.
  }
  db_.table_moves()->forget();
  wait_for_every_process();
}

void TableMove::cutover() {
  auto s = status();
  if (s && s->phase == MovePhase::dual_write) {
    if (!s->backfilled || !s->verified) {
      throw ProgrammingError(
          "cut-over of table '" + table_.name + "' refused: " +
              (s->backfilled
                   ? "no verify has passed since the backfill finished (run `move verify`)"
                   : "the backfill has not finished (run `move backfill`)"),
          move_.to);
    }
    set_phase(MovePhase::dual_write, MovePhase::reads_moved);
    wait_for_every_process();
  } else {
    require_phase(MovePhase::reads_moved, "cut-over");  // resumes one that stopped half-way
  }
  const auto& key = table_.columns[table_.primary_key];
  if (key.autoincrement) {
    Lease b = target().connect();
    const Dialect& d = target().dialect();
    auto& c = b.query("SELECT max(" + d.quote_identifier(key.name) + ") FROM " +
                      d.quote_identifier(table_.name));
    c.next();
    const std::int64_t largest = c.is_null(0) ? 0 : c.get_int64(0);
    while (c.next()) {
    }
    for (const auto& sql : d.raise_key_sequence(table_.name, key.name, largest + kKeyGap)) {
      auto& done = b.query(sql);
      while (done.next()) {
      }
    }
  }
  set_phase(MovePhase::reads_moved, MovePhase::done);
}

void TableMove::abort() {
  auto s = status();
  if (!s) return;
  if (s->phase == MovePhase::done) {
    throw ProgrammingError("the move of table '" + table_.name + "' is done: bind '" + move_.from +
                               "' no longer receives its writes, so it cannot be undone",
                           move_.to);
  }
  Lease b = target().connect();
  MoveState(b, table_.name).remove();
  db_.table_moves()->forget();
}

}  // namespace manydb::migrate
