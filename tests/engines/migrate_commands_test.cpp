// `migrate status|up|down` as an application mounts them: what they print, --to, --bind.
#include "manydb/cli/migrate_commands.hpp"

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_run.hpp"
#include "engine_fixture.hpp"

namespace manydb::testing {
namespace {

class MigrateCommands : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    db_.emplace(DatabaseConfig()
                    .set_default(scratch_database("migcli_main"))
                    .add_bind("users", scratch_database("migcli_users")));
    dir_ = std::filesystem::temp_directory_path() /
           ("manydb-migcli-" + GetParam().name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    write("default/0001_items.sql",
          "-- migrate:up\nCREATE TABLE cli_item (id INTEGER PRIMARY KEY);\n"
          "-- migrate:down\nDROP TABLE cli_item;\n");
    write("default/0002_item_name.sql",
          "-- migrate:up\nALTER TABLE cli_item ADD COLUMN name VARCHAR(40);\n"
          "-- migrate:down\nALTER TABLE cli_item DROP COLUMN name;\n");
    write("users/0001_users.sql", "-- migrate:up\nCREATE TABLE cli_user (id INTEGER);\n");
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
    EngineTest::TearDown();
  }
  void write(const std::string& file, const std::string& text) {
    std::filesystem::create_directories((dir_ / file).parent_path());
    std::ofstream(dir_ / file) << text;
  }
  // Runs `app migrate ARGS... --dir DIR`; returns the exit code and leaves the output in out_.
  int run(std::vector<std::string> args) {
    out_.str("");
    CLI::App app{"app"};
    manydb::cli::mount_migrate_commands(
        app, [this]() -> Database& { return *db_; }, {.default_dir = dir_.string()}, out_);
    args.insert(args.begin(), {"app", "migrate"});
    return run_cli(app, args);
  }
  bool printed(const std::string& text) const { return out_.str().find(text) != std::string::npos; }
  std::optional<Database> db_;
  std::filesystem::path dir_;
  std::ostringstream out_;
};

TEST_P(MigrateCommands, StatusUpToAndDownPrintWhatTheyDo) {
  ASSERT_EQ(run({"status"}), 0);
  EXPECT_TRUE(printed("bind default:\n  0001 items  pending")) << out_.str();
  EXPECT_TRUE(printed("0002 item_name  pending")) << out_.str();
  EXPECT_TRUE(printed("bind users:\n  0001 users  pending")) << out_.str();

  ASSERT_EQ(run({"up", "--bind", "default", "--to", "1"}), 0);
  EXPECT_EQ(out_.str(), "bind default: applied 0001\n");
  ASSERT_EQ(run({"status", "--bind", "default"}), 0);
  EXPECT_TRUE(printed("0001 items  applied 20")) << out_.str();  // and its time, ISO 8601
  EXPECT_TRUE(printed("0001_items.sql")) << out_.str();
  EXPECT_TRUE(printed("0002 item_name  pending")) << out_.str();

  ASSERT_EQ(run({"up"}), 0);
  EXPECT_TRUE(printed("bind default: applied 0002\n")) << out_.str();
  EXPECT_TRUE(printed("bind users: applied 0001\n")) << out_.str();
  ASSERT_EQ(run({"up"}), 0);
  EXPECT_TRUE(printed("bind default: up to date\n")) << out_.str();

  ASSERT_EQ(run({"down", "--bind", "default", "--to", "0"}), 0);
  EXPECT_EQ(out_.str(), "bind default: undid 0002, 0001\n");
  EXPECT_TRUE(db_->inspect("default").tables.size() == 1u);  // manydb_migrations only
  EXPECT_NE(run({"sideways"}), 0);
}

INSTANTIATE_TEST_SUITE_P(Engines, MigrateCommands, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
