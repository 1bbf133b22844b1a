#pragma once
// Table-move subcommands for an application's own command line (CLI11, header-only):
//
//   manydb::cli::mount_move_commands(app, [&]() -> manydb::Database& { return db(); });
//
// adds `move start|backfill|verify|cutover|status|abort` (docs/migrations.md, "Moving a table
// to another database"). The table's columns come from the models the application registered
// (Database::register_models): a command line without models (the generic `manydb`) runs
// `move status` only, and says so for the others.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <iomanip>
#include <memory>
#include <ostream>
#include <sstream>
#include <string>

#include "manydb/core/timestamp.hpp"
#include "manydb/database/database.hpp"
#include "manydb/migrate/table_move.hpp"

namespace manydb::cli {

struct MoveCommandOptions {
  // Redraw one progress bar in place (a terminal); otherwise one line per report.
  bool progress_bar = ::isatty(STDOUT_FILENO) != 0;
};

namespace detail {

struct MoveArgs {
  std::string table;
  std::size_t batch = 10'000;
  std::size_t max_batches = 0;  // 0: until done
  std::size_t max_rate = 0;     // rows per second, 0: as fast as it goes
  std::size_t range_rows = 10'000;
};

// The registered model of `table` on the bind it moves from.
inline const schema::TableInfo& moving_table(Database& db, const std::string& table) {
  TableMoves* moves = db.table_moves();
  const TableMoves::Move* move = nullptr;
  if (moves) {
    for (const auto& m : moves->moves()) move = m.table == table ? &m : move;
  }
  if (!move) {
    throw ConfigError("table '" + table + "' is not moving: declare [database.moves." + table +
                      "] with from and to");
  }
  for (const auto* t : db.models().tables()) {
    if (t->name == table && t->bind_or_default() == move->from) return *t;
  }
  throw ConfigError("no registered model has table '" + table + "' on bind '" + move->from +
                        "': run the move commands from the application's own command line "
                        "(manydb::cli::mount_move_commands, after register_models)",
                    move->from);
}

// "\r[#####     ] 45% 450000/1000000 rows 120000 rows/s" on a terminal, a plain line otherwise.
inline std::string progress_line(const migrate::BackfillProgress& p, bool bar) {
  const double fraction =
      p.rows_total > 0 ? std::min(1.0, static_cast<double>(p.rows_copied) / p.rows_total) : 1.0;
  std::ostringstream line;
  if (bar) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    line << "\r[" << std::string(filled, '#') << std::string(kWidth - filled, ' ') << "] ";
  }
  line << static_cast<int>(fraction * 100) << "% " << p.rows_copied << "/" << p.rows_total
       << " rows " << static_cast<std::int64_t>(p.rows_per_second) << " rows/s";
  if (!bar) line << " (resume key " << p.resume_key << ")\n";
  return line.str();
}

inline void print_move_status(std::ostream& out, const migrate::MoveStatus& s) {
  out << s.table << ": " << s.from << " -> " << s.to << "  phase " << to_string(s.phase);
  if (s.phase != MovePhase::none) {
    out << "  rows copied " << s.rows_copied << "  resume key "
        << (s.resume_key ? *s.resume_key : "(none)") << (s.backfilled ? "  backfill finished" : "")
        << (s.verified ? "  verified" : "") << "  updated "
        << Timestamp{s.updated_at * 1000}.to_iso8601();
  }
  out << "\n";
}

inline void add_move_backfill(CLI::App& move, std::function<Database&()> database,
                              std::shared_ptr<MoveArgs> args, MoveCommandOptions options,
                              std::ostream& out) {
  auto* cmd = move.add_subcommand(
      "backfill", "Copy the rows into the target in key order, from where the last run stopped");
  cmd->add_option("table", args->table, "the table being moved")->required();
  cmd->add_option("--batch", args->batch, "rows per batch (default 10000)")
      ->check(CLI::Range(1, 1'000'000));
  cmd->add_option("--max-batches", args->max_batches, "stop after this many batches");
  cmd->add_option("--max-rate", args->max_rate,
                  "copy at most this many rows per second, leaving the service its share of the "
                  "machine (default: as fast as it goes)");
  cmd->callback([database, args, options, &out] {
    Database& db = database();
    migrate::TableMove move(db, moving_table(db, args->table));
    migrate::BackfillOptions o;
    o.batch = args->batch;
    if (args->max_batches > 0) o.max_batches = args->max_batches;
    o.max_rows_per_second = args->max_rate;
    o.on_progress = [&](const migrate::BackfillProgress& p) {
      out << progress_line(p, options.progress_bar) << std::flush;
    };
    const auto result = move.backfill(o);
    if (options.progress_bar) out << "\n";
    out << args->table << ": " << result.rows_copied << " rows in " << result.batches
        << " batches; "
        << (result.finished ? "backfill finished; next: move verify"
                            : "stopped before the end; run move backfill again to resume")
        << "\n";
  });
}

inline void add_move_verify(CLI::App& move, std::function<Database&()> database,
                            std::shared_ptr<MoveArgs> args, std::ostream& out) {
  auto* cmd = move.add_subcommand(
      "verify",
      "Compare source and target per key range (counts, checksums); exit 1 if any differ");
  cmd->add_option("table", args->table, "the table being moved")->required();
  cmd->add_option("--range-rows", args->range_rows, "rows per range (default 10000)")
      ->check(CLI::Range(1, 10'000'000));
  cmd->callback([database, args, &out] {
    Database& db = database();
    migrate::TableMove move(db, moving_table(db, args->table));
    const auto result = move.verify({.range_rows = args->range_rows});
    for (const auto& d : result.differences) out << d.message << "\n";
    out << args->table << ": " << result.ranges << " ranges, " << result.rows << " rows, "
        << result.differences.size() << " differ\n";
    if (!result.ok()) throw CLI::RuntimeError(1);
  });
}

}  // namespace detail

inline void mount_move_commands(CLI::App& app, std::function<Database&()> database,
                                MoveCommandOptions options = {}, std::ostream& out = std::cout) {
  auto* move = app.add_subcommand("move", "Move a table to another bind while the service serves");
  move->require_subcommand(1);
  auto args = std::make_shared<detail::MoveArgs>();
  auto simple = [&](const char* name, const char* help, auto action) {
    auto* cmd = move->add_subcommand(name, help);
    cmd->add_option("table", args->table, "the table being moved")->required();
    cmd->callback([database, args, action, &out] {
      Database& db = database();
      migrate::TableMove m(db, detail::moving_table(db, args->table));
      action(m, out);
    });
  };
  simple("start", "Create the target table and write both binds from now on",
         [](migrate::TableMove& m, std::ostream& o) {
           m.start();
           o << m.move().table << ": phase dual_write; next: move backfill\n";
         });
  detail::add_move_backfill(*move, database, args, options, out);
  detail::add_move_verify(*move, database, args, out);
  simple("cutover", "Read from the target, then write only there (after a passing verify)",
         [](migrate::TableMove& m, std::ostream& o) {
           m.cutover();
           o << m.move().table << ": phase done; point its model at bind " << m.move().to
             << " and remove [database.moves." << m.move().table << "]\n";
         });
  simple("abort", "Stop the move (before done): back to the source only",
         [](migrate::TableMove& m, std::ostream& o) {
           m.abort();
           o << m.move().table << ": no move; the target's table is left as it is\n";
         });
  auto* status = move->add_subcommand("status", "Phase, rows copied and resume key of each move");
  status->callback([database, &out] {
    const auto all = migrate::move_status(database());
    if (all.empty()) out << "no table moves configured ([database.moves])\n";
    for (const auto& s : all) detail::print_move_status(out, s);
  });
}

}  // namespace manydb::cli
