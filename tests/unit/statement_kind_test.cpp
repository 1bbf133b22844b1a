#include "manydb/core/statement_kind.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace manydb {
namespace {

TEST(StatementKind, ReadsAreToldByTheirFirstKeyword) {
  EXPECT_TRUE(reads_only("SELECT 1"));
  EXPECT_TRUE(reads_only("  select * from t where id = ?"));
  EXPECT_TRUE(reads_only("\n\t-- the newest first\nSELECT id FROM t ORDER BY id DESC"));
  EXPECT_TRUE(reads_only("/* report */ /* twice */ Select count(*) FROM t"));
  EXPECT_TRUE(reads_only("# MariaDB comment\nSHOW TABLES"));
  EXPECT_TRUE(reads_only("VALUES (1), (2)"));
  EXPECT_TRUE(reads_only("TABLE products"));
  EXPECT_TRUE(reads_only("DESCRIBE products"));
  EXPECT_TRUE(reads_only("EXPLAIN SELECT * FROM t"));
  EXPECT_TRUE(reads_only("EXPLAIN INSERT INTO t VALUES (1)"));  // explained, not run
}

TEST(StatementKind, EverythingElseMayWrite) {
  EXPECT_FALSE(reads_only("INSERT INTO t (x) VALUES (1)"));
  EXPECT_FALSE(reads_only("update t set x = 2"));
  EXPECT_FALSE(reads_only("DELETE FROM t"));
  EXPECT_FALSE(reads_only("-- SELECT\nDELETE FROM t"));  // the comment is not the statement
  EXPECT_FALSE(reads_only("/* SELECT */ DELETE FROM t"));
  EXPECT_FALSE(reads_only("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"));
  EXPECT_FALSE(reads_only("SELECTED_ROWS()"));  // a word that only starts like SELECT
  EXPECT_FALSE(reads_only("EXPLAIN ANALYZE DELETE FROM t"));
  EXPECT_FALSE(reads_only("explain (analyse, buffers) UPDATE t SET x = 1"));
  EXPECT_FALSE(reads_only("CREATE TABLE t (x INTEGER)"));
  EXPECT_FALSE(reads_only("CALL refresh()"));
  EXPECT_FALSE(reads_only("(SELECT 1)"));  // cannot tell: taken as a write
  EXPECT_FALSE(reads_only(""));
  EXPECT_FALSE(reads_only("/* never closed SELECT"));
  EXPECT_FALSE(reads_only("-- only a comment"));
}

TEST(StatementKind, KindsForMetricsAreToldByTheFirstKeyword) {
  EXPECT_EQ(statement_kind("SELECT 1"), StatementKind::read);
  EXPECT_EQ(statement_kind("/* x */ show tables"), StatementKind::read);
  EXPECT_EQ(statement_kind("INSERT INTO t VALUES (1)"), StatementKind::write);
  EXPECT_EQ(statement_kind("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"),
            StatementKind::write);
  EXPECT_EQ(statement_kind("create table t (x int)"), StatementKind::ddl);
  EXPECT_EQ(statement_kind("ALTER TABLE t ADD y INT"), StatementKind::ddl);
  EXPECT_EQ(statement_kind("DROP TABLE t"), StatementKind::ddl);
  EXPECT_EQ(statement_kind("TRUNCATE t"), StatementKind::ddl);
  EXPECT_EQ(statement_kind("BEGIN IMMEDIATE"), StatementKind::transaction);
  EXPECT_EQ(statement_kind("start transaction"), StatementKind::transaction);
  EXPECT_EQ(statement_kind("COMMIT"), StatementKind::transaction);
  EXPECT_EQ(statement_kind("ROLLBACK TO SAVEPOINT a"), StatementKind::transaction);
  EXPECT_EQ(statement_kind("SAVEPOINT a"), StatementKind::transaction);
  EXPECT_EQ(statement_kind("RELEASE SAVEPOINT a"), StatementKind::transaction);
  EXPECT_EQ(statement_kind("XA PREPARE 'x'"), StatementKind::transaction);
  EXPECT_EQ(statement_kind("COMMITTED_ROWS()"), StatementKind::write);  // only starts like one
  EXPECT_EQ(statement_kind(""), StatementKind::write);
}

// Short texts take a byte-by-byte path, longer ones look at eight bytes at once: both must
// agree on where the first word ends, whatever byte ends it.
TEST(StatementKind, TheFirstWordEndsAtTheSameByteOnEveryPath) {
  const std::pair<const char*, StatementKind> keywords[] = {
      {"SELECT", StatementKind::read},
      {"show", StatementKind::read},
      {"XA", StatementKind::transaction},
      {"End", StatementKind::transaction},
      {"Drop", StatementKind::ddl},
      {"INSERT", StatementKind::write},
      {"ROLLBACK", StatementKind::transaction},
      {"SAVEPOINT", StatementKind::transaction}};
  const std::pair<std::string, bool> ends[] = {
      {" ", true},        {"\t", true}, {"(", true},  {"1", true}, {"\x7f", true},
      {"\xc3\xa9", true}, {"@", true},  {"[", true},  {"`", true}, {"{", true},
      {"_x", false},      {"x", false}, {"Z", false}, {"_", false}};
  for (const auto& [keyword, kind] : keywords) {
    for (const auto& [end, ends_word] : ends) {
      const std::string text = std::string(keyword) + end;
      const auto expected = ends_word ? kind : StatementKind::write;
      EXPECT_EQ(statement_kind(text), expected) << text;
      EXPECT_EQ(statement_kind(text + " 12345678"), expected) << text << " 12345678";
    }
  }
}

}  // namespace
}  // namespace manydb
