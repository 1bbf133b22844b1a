// Moving a table from one bind to another while it is written (migrate/table_move.hpp): the
// session's dual writes, the backfill (stopped, crashed and resumed, racing dual writes), the
// verify, the cut-over; on pairs of engines, one pair across engines.
#include "manydb/migrate/table_move.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "cli_run.hpp"
#include "engine_fixture.hpp"
#include "manydb/cli/move_commands.hpp"
#include "move_models.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

using migrate::TableMove;
using move_test::Item;

struct PairCase {
  std::string a, b;  // engine names: sqlite, postgres, mariadb
};
void PrintTo(const PairCase& c, std::ostream* os) { *os << c.a << "+" << c.b; }

std::string base_url(const std::string& engine) {
  for (const auto& c : engine_cases()) {
    if (c.name == engine) return c.url;
  }
  return {};
}

Item item(std::int64_t n) {
  Item i;
  i.name = "item " + std::to_string(n);
  i.qty = n;
  i.price = n * 0.25 + 0.1;
  i.active = n % 2 == 0;
  i.at = Timestamp{1'700'000'000'000'000 + n * 1'000'001};
  if (n % 3 == 0) i.note = "note " + std::to_string(n);
  return i;
}

class TableMoveTest : public ::testing::TestWithParam<PairCase> {
 protected:
  void SetUp() override {
    for (const auto& e : {GetParam().a, GetParam().b}) {
      if (!base_url(e).empty()) continue;
      if (std::getenv("MANYDB_REQUIRE_ALL_ENGINES") != nullptr) FAIL() << e << " is not set up";
      GTEST_SKIP() << "SKIPPING: no " << e << " server (run make test)";
    }
    a_ = create_scratch_database(Url::parse(base_url(GetParam().a)), "move_a");
    b_ = create_scratch_database(Url::parse(base_url(GetParam().b)), "move_b");
    db_.emplace(move_test::move_config(a_, b_));
    db_->register_models<Item>();
    db_->create_all("src");
  }
  void TearDown() override {
    db_.reset();
    if (!a_.empty()) drop_scratch_database(Url::parse(base_url(GetParam().a)), Url::parse(a_));
    if (!b_.empty()) drop_scratch_database(Url::parse(base_url(GetParam().b)), Url::parse(b_));
  }

  TableMove move() { return TableMove(*db_, schema::table_info<Item>()); }
  // `n` rows in A, added before any move.
  void fill(std::int64_t n) {
    auto s = db_->session();
    for (std::int64_t k = 1; k <= n; ++k) s.add(item(k));
    s.commit();
  }
  std::int64_t count(const std::string& bind, const std::string& where = "") {
    return db_->execute(bind, "SELECT count(*) FROM move_item" + where).rows.at(0).at(0).as_int64();
  }
  std::optional<std::int64_t> qty(const std::string& bind, std::int64_t id) {
    auto r = db_->execute(bind, "SELECT qty FROM move_item WHERE id = ?", {id});
    if (r.rows.empty()) return std::nullopt;
    return r.rows.at(0).at(0).as_int64();
  }
  // Every key of B once, and B's rows equal to A's.
  void expect_same_rows() {
    EXPECT_EQ(count("dst"), count("src"));
    EXPECT_EQ(count("dst"), db_->execute("dst", "SELECT count(DISTINCT id) FROM move_item")
                                .rows.at(0)
                                .at(0)
                                .as_int64());
    const auto result = move().verify({.range_rows = 7});
    for (const auto& d : result.differences) ADD_FAILURE() << d.message;
  }

  std::string a_, b_;
  std::optional<Database> db_;
};

TEST_P(TableMoveTest, DualWritesReachBothBindsInOneCommit) {
  fill(3);
  move().start();
  EXPECT_EQ(move().status()->phase, MovePhase::dual_write);
  std::int64_t added = 0;
  {
    auto s = db_->session();
    Item& i = s.add(item(10));
    s.commit();
    added = i.id;
  }
  EXPECT_EQ(qty("src", added), 10);
  EXPECT_EQ(qty("dst", added), 10);  // the same key, given to B explicitly
  {
    auto s = db_->session();
    s.get_or_throw<Item>(added).qty = 11;
    s.commit();
  }
  EXPECT_EQ(qty("dst", added), 11);
  {  // bulk update, update_returning, bulk remove
    auto s = db_->session();
    EXPECT_EQ(s.query<Item>().where(col(&Item::id) == added).update(set(&Item::qty, 12)), 1);
    auto rows =
        s.query<Item>().where(col(&Item::id) == added).update_returning(set(&Item::qty, 13));
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].qty, 13);
    s.commit();
  }
  EXPECT_EQ(qty("src", added), 13);
  EXPECT_EQ(qty("dst", added), 13);
  {
    auto s = db_->session();
    s.remove(s.get_or_throw<Item>(added));
    s.commit();
  }
  EXPECT_FALSE(qty("src", added));
  EXPECT_FALSE(qty("dst", added));
  {
    auto s = db_->session();
    s.add(item(20)).id = 500;
    s.add(item(21)).id = 501;
    s.commit();
    EXPECT_EQ(s.query<Item>().where(col(&Item::id) >= 500).remove(), 2);
    s.commit();
  }
  EXPECT_EQ(count("src", " WHERE id >= 500"), 0);
  EXPECT_EQ(count("dst", " WHERE id >= 500"), 0);
  // A row not copied yet: B has nothing to update, and that is no error.
  {
    auto s = db_->session();
    s.get_or_throw<Item>(1).qty = 99;
    s.commit();
  }
  EXPECT_EQ(qty("src", 1), 99);
  EXPECT_FALSE(qty("dst", 1));
}

// The session's atomic commit covers the mirror: B refusing the row undoes A's.
TEST_P(TableMoveTest, AFailureOnTheTargetRollsBackTheSource) {
  move().start();
  db_->execute(
      "dst",
      "INSERT INTO move_item (id, name, qty, price, active, at) VALUES (700, 'x', 0, 0, ?, ?)",
      {true, Timestamp{0}});
  auto s = db_->session();
  s.add(item(1)).id = 700;
  EXPECT_THROW(s.commit(), UniqueViolation);
  EXPECT_FALSE(qty("src", 700));
  auto only = db_->session_for<Item>();  // a session for the source bind mirrors too
  only.add(item(2)).id = 701;
  only.commit();
  EXPECT_EQ(qty("dst", 701), 2);
}

TEST_P(TableMoveTest, BackfillStopsAndResumesFromItsResumeKey) {
  fill(50);
  EXPECT_THROW(move().backfill(), ProgrammingError);  // phase none
  move().start();
  std::vector<migrate::BackfillProgress> seen;
  auto first = move().backfill(
      {.batch = 8, .max_batches = 2, .on_progress = [&](const auto& p) { seen.push_back(p); }});
  EXPECT_EQ(first.rows_copied, 16);
  EXPECT_FALSE(first.finished);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen.back().rows_total, 50);
  EXPECT_EQ(seen.back().resume_key, "16");
  EXPECT_EQ(move().status()->resume_key, "16");
  EXPECT_EQ(count("dst"), 16);
  auto rest = move().backfill({.batch = 8});
  EXPECT_TRUE(rest.finished);
  EXPECT_EQ(rest.rows_copied, 34);
  EXPECT_EQ(move().status()->rows_copied, 50);
  EXPECT_TRUE(move().status()->backfilled);
  expect_same_rows();
}

// Rows B holds already within a batch's keys (a dual write's) are skipped, not copied twice
// and not an error: on PostgreSQL this batch goes through the temporary table, the others
// straight through COPY.
TEST_P(TableMoveTest, RowsTheTargetHoldsWithinABatchAreSkipped) {
  fill(25);
  move().start();
  const std::string columns = "id, name, qty, price, active, at, note";
  for (const std::int64_t id : {3, 4, 17}) {
    const auto row =
        db_->execute("src", "SELECT " + columns + " FROM move_item WHERE id = ?", {id});
    db_->execute("dst", "INSERT INTO move_item (" + columns + ") VALUES (?, ?, ?, ?, ?, ?, ?)",
                 row.rows.at(0));
  }
  const auto result = move().backfill({.batch = 10});
  EXPECT_TRUE(result.finished);
  expect_same_rows();
}

// A rate limit paces the backfill: 30 rows at 100 rows/s cannot take less than 0.3 s.
TEST_P(TableMoveTest, AMaximumRatePacesTheBackfill) {
  fill(30);
  move().start();
  const auto began = std::chrono::steady_clock::now();
  const auto result = move().backfill({.batch = 10, .max_rows_per_second = 100});
  EXPECT_GE(std::chrono::steady_clock::now() - began, std::chrono::milliseconds(300));
  EXPECT_TRUE(result.finished);
  EXPECT_EQ(result.rows_copied, 30);
  expect_same_rows();
}

// A backfill killed with SIGKILL after some batches, then one ended by a failpoint after B
// committed a batch and before A's transaction ended: each resumed, every row exactly once.
TEST_P(TableMoveTest, BackfillKilledHalfWayResumes) {
  fill(60);
  move().start();
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::execl(MANYDB_MOVE_CRASHER, MANYDB_MOVE_CRASHER, a_.c_str(), b_.c_str(), "5", "3", nullptr);
    ::_exit(127);
  }
  ::close(out[1]);
  FILE* lines = ::fdopen(out[0], "r");
  char line[64];
  int batches = 0;
  while (batches < 3 && std::fgets(line, sizeof line, lines)) ++batches;
  ASSERT_EQ(batches, 3) << "the backfill process ended early";
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::fclose(lines);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(move().status()->resume_key, "15");

  const pid_t crashed = ::fork();
  if (crashed == 0) {
    ::setenv("MANYDB_CRASH_AT", "move_batch_copied#2", 1);
    ::execl(MANYDB_MOVE_CRASHER, MANYDB_MOVE_CRASHER, a_.c_str(), b_.c_str(), "5", "0", nullptr);
    ::_exit(127);
  }
  ::waitpid(crashed, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kFailpointExitCode);
  EXPECT_EQ(move().status()->resume_key, "25");

  const auto rest = move().backfill({.batch = 5});
  EXPECT_TRUE(rest.finished);
  EXPECT_EQ(rest.rows_copied, 35);
  expect_same_rows();
}

// Updates, deletes and inserts through sessions while the backfill copies in small batches.
TEST_P(TableMoveTest, ConcurrentDualWritesDuringTheBackfillLeaveBothEqual) {
  fill(200);
  move().start();
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    std::int64_t k = 0;
    while (!stop) {
      ++k;
      try {
        auto s = db_->session();
        if (auto* i = s.get<Item>((k * 37) % 200 + 1)) i->qty += 1000;
        if (auto* gone = s.get<Item>((k * 53) % 200 + 1); gone && k % 4 == 0) s.remove(*gone);
        s.add(item(1000 + k));
        s.commit();
        ++writes;
      } catch (const TransactionRollback&) {  // a deadlock with the backfill: the next one
      } catch (const Timeout&) {
      }
    }
  });
  const struct StopWriter {  // joined however the test leaves, or std::thread terminates
    std::atomic<bool>& stop;
    std::thread& writer;
    ~StopWriter() {
      stop = true;
      if (writer.joinable()) writer.join();
    }
  } stop_writer{stop, writer};
  wait_until([&] { return writes >= 3; }, "the writer's first commits");
  const auto result = move().backfill({.batch = 9});
  wait_until([&] { return writes >= 20; }, "writes after the backfill");
  EXPECT_TRUE(result.finished);
  stop = true;
  writer.join();
  expect_same_rows();
}

// A dual write holding a lock on B that a batch needs, and waiting for the batch's locks on
// A (on MariaDB, a gap lock from an UPDATE of a row B lacks yet): neither server sees the
// cycle. The batch gives up its wait after lock_wait_ms and its locks on A with it.
TEST_P(TableMoveTest, ABatchGivesWayToAWriteThatHoldsALockOnTheTarget) {
  fill(10);
  move().start();
  Lease holder = db_->engine("dst").connect();
  holder.begin();
  const Item held = item(5);
  const std::vector<Value> values{5, held.name, 0, held.price, held.active, held.at};
  holder.query("INSERT INTO move_item (id, name, qty, price, active, at) VALUES (?, ?, ?, ?, ?, ?)",
               values, false);
  // SQLite's wait is the file's busy_timeout, seconds: one attempt there.
  const int attempts = GetParam().b == "sqlite" ? 1 : 2;
  EXPECT_THROW(move().backfill({.batch = 100, .lock_wait_ms = 100, .attempts = attempts}),
               LockTimeout);
  // A's rows are not left locked: an update of one commits.
  db_->execute("src", "UPDATE move_item SET qty = 77 WHERE id = 3");
  holder.rollback_or_discard();
  EXPECT_TRUE(move().backfill({.batch = 100}).finished);
  EXPECT_EQ(qty("dst", 3), 77);
  expect_same_rows();
}

// A batch reads A's rows unlocked, inserts them into B, then locks and reads A's range again:
// a row changed in between (here, committed while the batch waits for its lock) sends the
// batch the locked way, and B gets the row as it is now.
TEST_P(TableMoveTest, ARowChangedWhileTheBatchCopiedItIsCopiedAgainAsItIsNow) {
  const std::string& source = GetParam().a;
  if (GetParam().b == "sqlite") {
    GTEST_SKIP() << "a SQLite target copies every batch with A locked from its first read: "
                    "there is no unlocked read for a write to race";
  }
  fill(10);
  move().start();
  Lease holder = db_->engine("src").connect();
  holder.begin();
  holder.query("UPDATE move_item SET qty = 555 WHERE id = 4", {}, false);
  std::thread backfill([&] { EXPECT_TRUE(move().backfill({.batch = 100}).finished); });
  // The locked read runs only after the unlocked one and the INSERTs into B: seen waiting for
  // its lock, the unlocked read has seen the row as it was. SQLite shows no lock wait: there,
  // B's transaction left open after its INSERTs (or COPY) says the batch waits for A's write
  // lock.
  std::string bind = "src", waits;
  if (source == "postgres") {
    waits = "SELECT count(*) FROM pg_locks WHERE NOT granted";
  } else if (source == "mariadb") {
    waits =
        "SELECT count(*) FROM information_schema.processlist WHERE info LIKE "
        "'%LOCK IN SHARE MODE'";
  } else {
    bind = "dst";
    waits =
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
        "state = 'idle in transaction' AND (query LIKE 'INSERT INTO%' OR query LIKE 'COPY %')";
  }
  wait_until([&] { return db_->execute(bind, waits).rows.at(0).at(0).as_int64() > 0; },
             "the batch waiting for its lock on A");
  holder->commit();
  backfill.join();
  EXPECT_EQ(qty("dst", 4), 555);
  expect_same_rows();
}

TEST_P(TableMoveTest, VerifyNamesTheRangeChangedBehindItsBack) {
  fill(30);
  move().start();
  move().backfill({.batch = 100});
  EXPECT_TRUE(move().verify({.range_rows = 10}).ok());
  db_->execute("dst", "UPDATE move_item SET qty = qty + 1 WHERE id = 14");
  auto result = move().verify({.range_rows = 10});
  ASSERT_EQ(result.differences.size(), 1u);
  EXPECT_EQ(result.differences[0].message, "keys 11..20: checksums differ");
  db_->execute("dst", "DELETE FROM move_item WHERE id = 25");
  result = move().verify({.range_rows = 10});
  ASSERT_EQ(result.differences.size(), 2u);
  EXPECT_EQ(result.differences[1].message, "keys 21..30: 10 rows in src, 9 in dst");
  EXPECT_EQ(result.ranges, 4u);  // the last, empty, covers whatever B holds above key 30
  EXPECT_THROW(move().cutover(), ProgrammingError);  // no passing verify since the backfill
}

// Dual writes that insert without pause land above the last range verify reads: that range
// ends at the last key it saw, so they do not make it differ on every comparison. A row that B
// alone holds above A's keys is still inside it.
TEST_P(TableMoveTest, VerifyPassesUnderSteadyInsertsAndFindsRowsOnlyTheTargetHolds) {
  fill(50);
  move().start();
  ASSERT_TRUE(move().backfill({.batch = 100}).finished);
  std::atomic<bool> stop{false};
  std::atomic<int> writes{0};
  std::thread writer([&] {
    for (std::int64_t k = 1; !stop; ++k) {
      try {
        auto s = db_->session();
        s.add(item(1000 + k));
        s.commit();
        ++writes;
      } catch (const TransactionRollback&) {  // a deadlock with the verify's reads: the next one
      } catch (const Timeout&) {
      }
    }
  });
  for (int run = 0; run < 3; ++run) {
    const int before = writes;
    wait_until([&] { return writes >= before + 3; }, "inserts before this verify");
    const auto result = move().verify({.range_rows = 20});
    for (const auto& d : result.differences) ADD_FAILURE() << "verify " << run << ": " << d.message;
  }
  stop = true;
  writer.join();
  db_->execute(
      "dst",
      "INSERT INTO move_item (id, name, qty, price, active, at, note) SELECT id + 1000000, "
      "name, qty, price, active, at, note FROM move_item WHERE id = 7");
  const auto result = move().verify({.range_rows = 20});
  ASSERT_EQ(result.differences.size(), 1u);
  EXPECT_NE(result.differences[0].message.find(" rows in src, "), std::string::npos)
      << result.differences[0].message;
  EXPECT_EQ(result.differences[0].rows_to, result.differences[0].rows_from + 1);
}

TEST_P(TableMoveTest, CutoverMovesReadsThenWritesToTheTarget) {
  fill(20);
  move().start();
  EXPECT_THROW(move().cutover(), ProgrammingError);  // the backfill has not run
  move().backfill();
  ASSERT_TRUE(move().verify().ok());
  move().cutover();
  EXPECT_EQ(move().status()->phase, MovePhase::done);
  // Reads come from B: a row only B has is seen.
  db_->execute("dst", "UPDATE move_item SET name = 'only in dst' WHERE id = 5");
  {
    auto s = db_->session();
    EXPECT_EQ(s.get_or_throw<Item>(5).name, "only in dst");
    EXPECT_EQ(s.query<Item>().count(), 20);
  }
  // Writes go to B only, and B gives the key (PostgreSQL's sequence was raised past A's keys).
  std::int64_t added = 0;
  {
    auto s = db_->session();
    Item& i = s.add(item(30));
    s.get_or_throw<Item>(6).qty = 66;
    s.commit();
    added = i.id;
  }
  EXPECT_GT(added, 20);
  EXPECT_EQ(qty("dst", added), 30);
  EXPECT_FALSE(qty("src", added));
  EXPECT_EQ(qty("dst", 6), 66);
  EXPECT_EQ(qty("src", 6), 6);
  EXPECT_THROW(move().abort(), ProgrammingError);
}

TEST_P(TableMoveTest, StartRefusesATargetThatHoldsRowsAndAbortGoesBack) {
  move().start();
  move().abort();
  EXPECT_FALSE(move().status());
  db_->execute(
      "dst", "INSERT INTO move_item (id, name, qty, price, active, at) VALUES (1, 'x', 0, 0, ?, ?)",
      {true, Timestamp{0}});
  EXPECT_THROW(move().start(), DataError);
  auto s = db_->session();
  s.add(item(1)).id = 2;
  s.commit();
  EXPECT_EQ(count("src"), 1);
  EXPECT_EQ(count("dst"), 1);  // no move: nothing mirrored
}

// The commands as an application mounts them: plain progress lines (no terminal), and verify's
// exit status; without the model registered, a clear refusal.
TEST_P(TableMoveTest, TheCommandsRunEachPhase) {
  fill(12);
  std::ostringstream out;
  CLI::App app;
  cli::mount_move_commands(
      app, [&]() -> Database& { return *db_; }, {.progress_bar = false}, out);
  EXPECT_EQ(run_cli(app, {"t", "move", "start", "move_item"}), 0);
  EXPECT_EQ(
      run_cli(app, {"t", "move", "backfill", "move_item", "--batch", "5", "--max-rate", "1000000"}),
      0);
  EXPECT_NE(out.str().find("41% 5/12 rows"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("12 rows in 3 batches; backfill finished"), std::string::npos);
  db_->execute("dst", "DELETE FROM move_item WHERE id = 12");
  EXPECT_EQ(run_cli(app, {"t", "move", "verify", "move_item", "--range-rows", "5"}), 1);
  EXPECT_NE(out.str().find("keys 11..12: 2 rows in src, 1 in dst"), std::string::npos);
  EXPECT_EQ(run_cli(app, {"t", "move", "status"}), 0);
  EXPECT_NE(
      out.str().find("move_item: src -> dst  phase dual_write  rows copied 12  resume key 12"),
      std::string::npos)
      << out.str();

  Database bare(move_test::move_config(a_, b_));  // no models registered
  CLI::App generic;
  cli::mount_move_commands(
      generic, [&]() -> Database& { return bare; }, {}, out);
  try {
    run_cli(generic, {"t", "move", "verify", "move_item"});
    ADD_FAILURE() << "verify ran without the model";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("mount_move_commands"), std::string::npos);
  }
}

std::string pair_name(const ::testing::TestParamInfo<PairCase>& info) {
  return info.param.a + "_" + info.param.b;
}

INSTANTIATE_TEST_SUITE_P(Pairs, TableMoveTest,
                         ::testing::Values(PairCase{"sqlite", "sqlite"},
                                           PairCase{"postgres", "postgres"},
                                           PairCase{"mariadb", "mariadb"},
                                           PairCase{"sqlite", "postgres"}),
                         pair_name);

}  // namespace
}  // namespace manydb::testing
