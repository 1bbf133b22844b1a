// How a migration file is cut into its parts and statements (migrate/sql_script.hpp), and the
// names a migrations directory accepts.
#include "manydb/migrate/sql_script.hpp"

#include <gtest/gtest.h>

#include "manydb/core/errors.hpp"
#include "manydb/migrate/migrations.hpp"

namespace manydb::migrate {
namespace {

using Statements = std::vector<std::string>;

TEST(SplitStatements, EndsAStatementOnlyAtASemicolonThatEndsItsLine) {
  EXPECT_EQ(split_statements("CREATE TABLE a (x INT);\nCREATE TABLE b (y INT);  -- b\n"),
            (Statements{"CREATE TABLE a (x INT)", "CREATE TABLE b (y INT)"}));
  EXPECT_EQ(split_statements("INSERT INTO a VALUES (1); INSERT INTO a VALUES (2);\n"),
            Statements{"INSERT INTO a VALUES (1); INSERT INTO a VALUES (2)"});
  EXPECT_EQ(split_statements("SELECT 1"), Statements{"SELECT 1"});  // no final ;
}

TEST(SplitStatements, IgnoresSemicolonsInQuotesCommentsAndDollarBodies) {
  EXPECT_EQ(split_statements("INSERT INTO a VALUES ('x;\n');\nSELECT 2;\n"),
            (Statements{"INSERT INTO a VALUES ('x;\n')", "SELECT 2"}));
  EXPECT_EQ(split_statements("SELECT 'it''s;\n';\n"), Statements{"SELECT 'it''s;\n'"});
  EXPECT_EQ(split_statements("/* a;\n */ SELECT 1;\n-- only a comment;\n"),
            Statements{"/* a;\n */ SELECT 1"});
  const std::string function =
      "CREATE FUNCTION f() RETURNS int AS $body$\nBEGIN\n  RETURN 1;\nEND;\n$body$ LANGUAGE "
      "plpgsql";
  EXPECT_EQ(split_statements(function + ";\nSELECT f();\n"), (Statements{function, "SELECT f()"}));
  EXPECT_EQ(split_statements("DO $$\nBEGIN\nPERFORM 1;\nEND $$;\n").size(), 1u);
}

TEST(SplitStatements, DropsEmptyStatements) {
  EXPECT_TRUE(split_statements("\n  ;\n-- nothing\n").empty());
}

TEST(ParseStepFile, TakesTheUpAndDownParts) {
  const auto parts = parse_step_file(
      "-- header\n-- migrate:up\nCREATE TABLE a (x INT);\n-- migrate:down\nDROP TABLE a;\n",
      "0001_a.sql");
  EXPECT_EQ(parts.up, "CREATE TABLE a (x INT);\n");
  EXPECT_EQ(parts.down, "DROP TABLE a;\n");
}

TEST(ParseStepFile, RefusesAFileWithoutAnUpPartNamingIt) {
  try {
    parse_step_file("-- migrate:down\nDROP TABLE a;\n", "migrations/x/0003_a.sql");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("migrations/x/0003_a.sql"), std::string::npos);
  }
  EXPECT_THROW(parse_step_file("-- migrate:up\nA;\n-- migrate:up\nB;\n", "f"), ConfigError);
}

TEST(Migrations, PicksAnEnginesVariantOverTheGenericStep) {
  Migrations m;
  m.add("orders", {.version = 2, .name = "ix", .up = "CREATE INDEX \"ix\" ON \"t\" (c);"});
  m.add("orders",
        {.version = 2, .name = "ix", .up = "CREATE INDEX `ix` ON `t` (c);", .dialect = "mariadb"});
  m.add("orders", {.version = 1, .name = "t", .up = "CREATE TABLE t (c INT);"});
  const auto maria = m.steps("orders", "mariadb");
  ASSERT_EQ(maria.size(), 2u);
  EXPECT_EQ(maria[0]->version, 1);
  EXPECT_EQ(maria[1]->dialect, "mariadb");
  EXPECT_EQ(m.steps("orders", "sqlite")[1]->dialect, "");
  EXPECT_TRUE(m.steps("users", "sqlite").empty());
  EXPECT_THROW(m.add("orders", {.version = 1, .name = "again", .up = "SELECT 1;"}), ConfigError);
  EXPECT_THROW(m.add("orders", {.version = 0, .name = "zero", .up = "SELECT 1;"}), ConfigError);
}

TEST(Checksum, IsFnv1aIn16HexDigits) {
  EXPECT_EQ(checksum(""), "cbf29ce484222325");
  EXPECT_EQ(checksum("a"), "af63dc4c8601ec8c");
  EXPECT_NE(checksum("CREATE TABLE a (x INT);"), checksum("CREATE TABLE a (x BIGINT);"));
}

}  // namespace
}  // namespace manydb::migrate
