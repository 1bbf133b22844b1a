// Versioned migrations per bind (migrate/): up and down, --to, two runners at once, an edited
// step, a step that fails half-way, on every engine.
#include "manydb/migrate/runner.hpp"

#include <unistd.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine_fixture.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

using migrate::Migrations;
using migrate::Runner;
using migrate::Step;
using migrate::StepStatus;
using migrate::Target;
using Versions = std::vector<std::int64_t>;

class Migrate : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    url_ = scratch_database("migrate");
    db_.emplace(DatabaseConfig().set_default(url_));
    dir_ = std::filesystem::temp_directory_path() /
           ("manydb-migrate-" + GetParam().name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "default");
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
    EngineTest::TearDown();
  }
  std::vector<std::string> tables() {
    std::vector<std::string> names;
    for (const auto& t : db_->inspect("default").tables) names.push_back(t.name);
    return names;
  }
  bool has_table(const std::string& name) {
    const auto names = tables();
    return std::find(names.begin(), names.end(), name) != names.end();
  }
  void write_step(const std::string& file, const std::string& text) {
    std::ofstream(dir_ / "default" / file) << text;
  }
  static Migrations three_steps() {
    Migrations m;
    m.add("default",
          {1, "items", "CREATE TABLE mig_item (id INTEGER PRIMARY KEY, name VARCHAR(50));",
           "DROP TABLE mig_item;"});
    m.add("default", {2, "tags",
                      "CREATE TABLE mig_tag (id INTEGER PRIMARY KEY, item_id INTEGER);\n"
                      "CREATE INDEX mig_tag_item ON mig_tag (item_id);",
                      "DROP TABLE mig_tag;"});
    m.add("default", {3, "price", "ALTER TABLE mig_item ADD COLUMN price INTEGER;",
                      "ALTER TABLE mig_item DROP COLUMN price;"});
    return m;
  }

  std::int64_t count(const std::string& sql) {
    auto& cursor = admin_->query(sql);
    cursor.next();
    const auto n = cursor.get_int64(0);
    admin_->reset_cursor();
    return n;
  }

  std::string url_;
  std::optional<Database> db_;
  std::filesystem::path dir_;
  Target target_{};
};

TEST_P(Migrate, UpAppliesEveryStepOnceAndDownUndoesThemNewestFirst) {
  const auto m = three_steps();
  Runner runner(*db_, m);
  EXPECT_EQ(runner.up(target_), (Versions{1, 2, 3}));
  EXPECT_TRUE(has_table("mig_item") && has_table("mig_tag") && has_table("manydb_migrations"));
  EXPECT_EQ(runner.up(target_), Versions{});  // nothing pending
  db_->execute("default", "INSERT INTO mig_item (id, name, price) VALUES (1, 'a', 5)");

  EXPECT_EQ(runner.down(target_), Versions{3});  // without --to: the newest step only
  EXPECT_EQ(runner.status(target_).at(2).state, StepStatus::State::pending);
  EXPECT_EQ(runner.down(target_, 0), (Versions{2, 1}));
  EXPECT_FALSE(has_table("mig_item"));
  EXPECT_FALSE(has_table("mig_tag"));
  EXPECT_EQ(runner.up(target_), (Versions{1, 2, 3}));  // and up again
}

TEST_P(Migrate, ToStopsAtThatVersion) {
  const auto m = three_steps();
  Runner runner(*db_, m);
  EXPECT_EQ(runner.up(target_, 2), (Versions{1, 2}));
  auto status = runner.status(target_);
  ASSERT_EQ(status.size(), 3u);
  EXPECT_EQ(status[0].state, StepStatus::State::applied);
  EXPECT_GT(status[1].applied_at, 0);
  EXPECT_EQ(status[2].state, StepStatus::State::pending);
  EXPECT_EQ(runner.down(target_, 1), Versions{2});
  EXPECT_TRUE(has_table("mig_item"));
  EXPECT_FALSE(has_table("mig_tag"));
}

// Whichever runner takes the lock first runs step 1, and holds it there until the other has
// asked for the lock (and, on a server, is seen waiting for it): the other then applies only
// what is left, so each step runs once.
TEST_P(Migrate, TwoRunnersAtOnceApplyEachStepOnce) {
  std::atomic<int> inside{0}, most_inside{0}, started{0};
  std::array<std::atomic<int>, 3> runs{};
  auto step = [&](int version) {
    return [&, version](Connection& c) {
      most_inside = std::max(most_inside.load(), ++inside);
      ++runs[version];
      c.execute_script("CREATE TABLE mig_race" + std::to_string(version) + " (id INTEGER)");
      if (version == 1) {
        EXPECT_TRUE(eventually([&] { return started == 2; }));
        if (backend() == Backend::postgresql) {
          EXPECT_TRUE(eventually([&] {
            return count(
                       "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT "
                       "granted") > 0;
          }));
        } else if (backend() == Backend::mariadb) {
          EXPECT_TRUE(eventually([&] {
            return count(
                       "SELECT count(*) FROM information_schema.PROCESSLIST WHERE STATE = "
                       "'User lock'") > 0;
          }));
        }
      }
      --inside;
    };
  };
  Migrations m;
  m.add("default", {1, "first", step(1), "DROP TABLE mig_race1"});
  m.add("default", {2, "second", step(2), "DROP TABLE mig_race2"});
  Versions applied[2];
  std::string failures[2];
  auto run = [&](int i) {
    try {  // an exception must fail this test, not end the process from its thread
      Database db(DatabaseConfig().set_default(url_));
      Runner runner(db, m);
      ++started;
      applied[i] = runner.up({});
    } catch (const std::exception& e) {
      failures[i] = e.what();
      ++started;
    }
  };
  std::thread a(run, 0), b(run, 1);
  a.join();
  b.join();
  EXPECT_EQ(failures[0], "");
  EXPECT_EQ(failures[1], "");
  EXPECT_EQ(most_inside.load(), 1);
  EXPECT_EQ(runs[1].load(), 1);
  EXPECT_EQ(runs[2].load(), 1);
  Versions all = applied[0];
  all.insert(all.end(), applied[1].begin(), applied[1].end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (Versions{1, 2}));
}

TEST_P(Migrate, AnEditedAppliedStepIsRefusedNamingItsFileAndVersion) {
  write_step("0001_items.sql",
             "-- migrate:up\nCREATE TABLE mig_item (id INTEGER PRIMARY KEY);\n"
             "-- migrate:down\nDROP TABLE mig_item;\n");
  {
    const auto m = Migrations::from_directory(dir_);
    EXPECT_EQ(Runner(*db_, m).up(target_), Versions{1});
  }
  write_step("0001_items.sql",
             "-- migrate:up\nCREATE TABLE mig_item (id INTEGER PRIMARY KEY, name TEXT);\n"
             "-- migrate:down\nDROP TABLE mig_item;\n");
  write_step("0002_more.sql", "-- migrate:up\nCREATE TABLE mig_more (id INTEGER);\n");
  const auto m = Migrations::from_directory(dir_);
  Runner runner(*db_, m);
  try {
    runner.up(target_);
    ADD_FAILURE() << "an edited step was applied over";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("step 1 ("), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("0001_items.sql"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("edited"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(has_table("mig_more"));
  const auto status = runner.status(target_);
  EXPECT_EQ(status.at(0).state, StepStatus::State::edited);
  EXPECT_EQ(status.at(1).state, StepStatus::State::pending);
}

// A step whose second statement fails: PostgreSQL and SQLite roll the whole step back; MariaDB
// keeps its first statement (DDL commits on its own) and, once the file is fixed, resumes at
// the failed one: the first, which would fail if run again, is not.
TEST_P(Migrate, AStepFailingHalfWayIsRolledBackOrResumed) {
  const std::string first = "-- migrate:up\nCREATE TABLE mig_a (id INTEGER);\n";
  write_step("0001_two.sql", first +
                                 "CREATE TABLE mig_a (id INTEGER);\n"
                                 "CREATE TABLE mig_c (id INTEGER);\n");
  EXPECT_THROW(Runner(*db_, Migrations::from_directory(dir_)).up(target_), DatabaseError);
  const bool mariadb = backend() == Backend::mariadb;
  EXPECT_EQ(has_table("mig_a"), mariadb);
  EXPECT_FALSE(has_table("mig_b"));
  {
    const auto m = Migrations::from_directory(dir_);
    const auto status = Runner(*db_, m).status(target_);
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].state, mariadb ? StepStatus::State::partial : StepStatus::State::pending);
    EXPECT_EQ(status[0].statements_done, mariadb ? 1 : 0);
  }
  write_step("0001_two.sql", first +
                                 "CREATE TABLE mig_b (id INTEGER);\n"
                                 "CREATE TABLE mig_c (id INTEGER);\n");
  const auto m = Migrations::from_directory(dir_);
  Runner runner(*db_, m);
  EXPECT_EQ(runner.up(target_), Versions{1});
  EXPECT_TRUE(has_table("mig_a") && has_table("mig_b") && has_table("mig_c"));
  EXPECT_EQ(runner.status(target_).at(0).state, StepStatus::State::applied);
}

INSTANTIATE_TEST_SUITE_P(Engines, Migrate, ::testing::ValuesIn(engine_cases()), engine_case_name);

}  // namespace
}  // namespace manydb::testing
