// A process for the crash tests of a table move's backfill (tests/engines/table_move_test.cpp):
//   move_crasher URL_SRC URL_DST BATCH PAUSE_AFTER
// backfills move_item from src to dst in batches of BATCH, printing "batch N" after each; after
// PAUSE_AFTER batches it stops there (without ending) for the test to SIGKILL it. With
// MANYDB_CRASH_AT=move_batch_copied#N a failpoint ends it inside the N-th batch instead.
// Exits 0 when the backfill finished, 2 on an error.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "manydb/manydb.hpp"
#include "move_models.hpp"

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: move_crasher URL_SRC URL_DST BATCH PAUSE_AFTER\n");
    return 2;
  }
  try {
    manydb::Database db(move_test::move_config(argv[1], argv[2]));
    db.register_models<move_test::Item>();
    manydb::migrate::TableMove move(db, manydb::schema::table_info<move_test::Item>());
    const auto pause_after = std::atoll(argv[4]);
    std::int64_t batches = 0;
    move.backfill({.batch = static_cast<std::size_t>(std::atoll(argv[3])),
                   .on_progress = [&](const manydb::migrate::BackfillProgress&) {
                     std::printf("batch %lld\n", static_cast<long long>(++batches));
                     std::fflush(stdout);
                     if (batches == pause_after) {
                       for (;;) ::pause();  // the test kills it here
                     }
                   }});
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "move_crasher: %s\n", e.what());
    return 2;
  }
}
