// `revision --bind NAME MESSAGE` as an application mounts it beside `migrate`: what it prints,
// the file it writes, nothing when the bind matches its models, and its refusals.
#include "manydb/cli/revision_command.hpp"

#include <unistd.h>
#include <filesystem>
#include <sstream>

#include "cli_run.hpp"
#include "engine_fixture.hpp"
#include "revision_models.hpp"

namespace manydb::testing {
namespace {

class RevisionCommand : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    db_.emplace(DatabaseConfig().set_default(scratch_database("revcli")));
    db_->register_models<revision_models::Item, revision_models::Tag>();
    dir_ = std::filesystem::temp_directory_path() /
           ("manydb-revcli-" + GetParam().name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
    EngineTest::TearDown();
  }
  // Runs `app ARGS...` with revision and migrate mounted; the output is left in out_.
  int run(std::vector<std::string> args) {
    out_.str("");
    CLI::App app{"app"};
    auto database = [this]() -> Database& { return *db_; };
    manydb::cli::mount_migrate_commands(app, database, {.default_dir = dir_.string()}, out_);
    manydb::cli::mount_revision_command(app, database, {.default_dir = dir_.string()}, out_);
    args.insert(args.begin(), "app");
    return run_cli(app, args);
  }
  std::optional<Database> db_;
  std::filesystem::path dir_;
  std::ostringstream out_;
};

TEST_P(RevisionCommand, WritesTheNextStepThenNothingOnceItIsApplied) {
  ASSERT_EQ(run({"revision", "--bind", "default", "Create items and tags"}), 0);
  const auto path = dir_ / "default" / "0001_create_items_and_tags.sql";
  EXPECT_EQ(out_.str(), "wrote " + path.string() + "\n");
  EXPECT_TRUE(std::filesystem::exists(path));

  ASSERT_EQ(run({"migrate", "up"}), 0);
  EXPECT_EQ(out_.str(), "bind default: applied 0001\n");
  EXPECT_TRUE(db_->check_schema().empty());

  ASSERT_EQ(run({"revision", "--bind", "default", "nothing left"}), 0);
  EXPECT_EQ(out_.str(), "no changes for bind default\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "default" / "0002_nothing_left.sql"));
}

TEST_P(RevisionCommand, RefusesWhatItCannotWrite) {
  EXPECT_NE(run({"revision", "--bind", "default"}), 0);                      // no message
  EXPECT_NE(run({"revision", "a message without a bind"}), 0);               // no --bind
  EXPECT_THROW(run({"revision", "--bind", "default", "!!!"}), ConfigError);  // no file name
  EXPECT_THROW(run({"revision", "--bind", "elsewhere", "x"}), ConfigError);  // no models
  EXPECT_THROW(run({"revision", "--bind", "default", "--tenant", "acme", "x"}), ConfigError);
  EXPECT_FALSE(std::filesystem::exists(dir_));
}

INSTANTIATE_TEST_SUITE_P(Engines, RevisionCommand, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
