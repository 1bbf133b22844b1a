// The schema subcommands an application mounts on its own command line.
#include "manydb/cli/schema_commands.hpp"

#include <sstream>

#include "cli_run.hpp"
#include "engine_fixture.hpp"
#include "seed_models.hpp"

namespace manydb::testing {
namespace {

class SchemaCommands : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    DatabaseConfig config;
    config.set_default(scratch_database("cli_products"))
        .add_bind("users", scratch_database("cli_users"));
    db_.emplace(config);
    db_->register_models<seed::Product, seed::User>();
  }
  void TearDown() override {
    db_.reset();  // close the pools before the scratch databases are dropped
    EngineTest::TearDown();
  }
  // Runs `app ARGS...` with the schema commands mounted; returns the exit code.
  int run(std::vector<std::string> args) {
    CLI::App app{"app"};
    manydb::cli::mount_schema_commands(
        app, [this]() -> Database& { return *db_; }, out_);
    args.insert(args.begin(), "app");
    return run_cli(app, args);
  }
  std::optional<Database> db_;
  std::ostringstream out_;
};

TEST_P(SchemaCommands, CreateCheckInspectDrop) {
  EXPECT_EQ(run({"check-schema"}), 1);  // nothing created yet: two missing tables
  EXPECT_NE(out_.str().find("default: product: missing table"), std::string::npos) << out_.str();
  EXPECT_EQ(run({"create-all", "--bind", "users"}), 0);
  EXPECT_EQ(db_->inspect("users").tables.size(), 1u);
  EXPECT_TRUE(db_->inspect("default").tables.empty());
  EXPECT_EQ(run({"create-all"}), 0);
  out_.str("");
  EXPECT_EQ(run({"check-schema"}), 0);
  EXPECT_NE(out_.str().find("every bind matches"), std::string::npos) << out_.str();
  out_.str("");
  EXPECT_EQ(run({"inspect", "--bind", "users"}), 0);
  EXPECT_NE(out_.str().find("  user\n    id  "), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("username"), std::string::npos) << out_.str();
  EXPECT_NE(run({"drop-all"}), 0);  // refused without --yes
  EXPECT_EQ(db_->inspect("users").tables.size(), 1u);
  EXPECT_EQ(run({"drop-all", "--yes"}), 0);
  EXPECT_TRUE(db_->inspect("users").tables.empty());
  EXPECT_TRUE(db_->inspect("default").tables.empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, SchemaCommands, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
