// Consistency tokens and replication positions: parsing, comparing, merging. No server.
#include <gtest/gtest.h>

#include "manydb/core/errors.hpp"
#include "manydb/driver/dialect.hpp"
#include "manydb/routing/binds.hpp"
#include "manydb/routing/consistency_token.hpp"

using manydb::Backend;
using manydb::ConsistencyToken;
using manydb::InvalidToken;

namespace {

const manydb::Replication& replication(Backend backend) {
  return *manydb::dialect_for(backend).replication();
}

std::string parse_error(std::string_view text) {
  try {
    ConsistencyToken::parse(text);
  } catch (const InvalidToken& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(ConsistencyToken, RoundTripsThroughItsText) {
  const auto token = ConsistencyToken::parse("users=0-1-7,1-2-3;orders=0/30242E0");
  EXPECT_EQ(token.position("orders"), "0/30242E0");
  EXPECT_EQ(token.position("users"), "0-1-7,1-2-3");
  EXPECT_EQ(token.position("products"), "");
  EXPECT_EQ(token.to_string(), "orders=0/30242E0;users=0-1-7,1-2-3");  // binds in name order
  EXPECT_EQ(ConsistencyToken::parse(token.to_string()), token);
  EXPECT_TRUE(ConsistencyToken::parse("").empty());
}

TEST(ConsistencyToken, MalformedTextIsAnInvalidTokenSayingWhy) {
  EXPECT_NE(parse_error("users").find("without '='"), std::string::npos);
  EXPECT_NE(parse_error("Users=0/1").find("bind name"), std::string::npos);
  EXPECT_NE(parse_error("users=").find("position of bind 'users'"), std::string::npos);
  EXPECT_NE(parse_error("users=0/1 OR 1=1").find("not a replication position"), std::string::npos);
  EXPECT_NE(parse_error("users=0/1;users=0/2").find("comes twice"), std::string::npos);
  EXPECT_NE(parse_error("users=0/1;").find("ends with ';'"), std::string::npos);
  EXPECT_NE(parse_error(std::string(5000, 'a')).find("longer than"), std::string::npos);
  EXPECT_NE(parse_error(std::string("users=0/1\0x", 11)).find("not a replication position"),
            std::string::npos);
}

TEST(ReplicationPosition, PostgresLsnsCompareAsNumbers) {
  const auto& pg = replication(Backend::postgresql);
  EXPECT_TRUE(pg.valid("0/30242E0"));
  EXPECT_TRUE(pg.valid("16/B374D848"));
  for (const char* bad : {"", "0", "/1", "1/", "0/123456789", "0/xyz", "0-1-7", "1/2/3"})
    EXPECT_FALSE(pg.valid(bad)) << bad;
  EXPECT_TRUE(pg.reached("0/30242E0", "0/30242E0"));
  EXPECT_TRUE(pg.reached("1/0", "0/FFFFFFFF"));  // the high word counts first
  EXPECT_FALSE(pg.reached("0/FFFFFFFF", "1/0"));
  EXPECT_FALSE(pg.reached("0/9", "0/A"));  // hex, not text order
  EXPECT_EQ(pg.later("0/9", "0/A"), "0/A");
  EXPECT_EQ(pg.later("2/0", "1/FF"), "2/0");
}

TEST(ReplicationPosition, MariadbGtidsCompareBySequenceWithinTheirDomain) {
  const auto& my = replication(Backend::mariadb);
  EXPECT_TRUE(my.valid("0-1-7"));
  EXPECT_TRUE(my.valid("0-1-7,1-2-3"));
  for (const char* bad : {"", "0-1", "0-1-x", "0-1-7,", "0-1-7,0-2-9", "-1-7", "0/1"})
    EXPECT_FALSE(my.valid(bad)) << bad;
  EXPECT_TRUE(my.reached("0-1-7", "0-1-7"));
  EXPECT_TRUE(my.reached("0-1-10", "0-1-9"));  // numbers, not text: "10" < "9" as text
  EXPECT_FALSE(my.reached("0-1-9", "0-1-10"));
  EXPECT_TRUE(my.reached("0-2-8,1-1-4", "0-1-8"));   // another server id, same domain
  EXPECT_FALSE(my.reached("0-1-8", "0-1-8,1-1-1"));  // a domain the replica has not seen
  EXPECT_FALSE(my.reached("", "0-1-1"));
  EXPECT_EQ(my.later("0-1-7,1-1-3", "1-2-5,2-1-1"), "0-1-7,1-2-5,2-1-1");
  EXPECT_EQ(my.later("0-1-9", "0-1-10"), "0-1-10");
}

TEST(ConsistencyToken, BindsCheckTheBindAndItsEnginesNotation) {
  manydb::DatabaseConfig config;
  config.set_default("sqlite:///tmp/manydb-token-test.db");
  config.add_bind("users", "postgresql://u:secret@127.0.0.1/users");
  config.add_bind("analytics", "mariadb://u:secret@127.0.0.1/analytics");
  manydb::Binds binds(config);  // connects to nothing
  binds.check_token(ConsistencyToken::parse("users=0/1;analytics=0-1-7"));
  auto error = [&](std::string_view text) -> std::string {
    try {
      binds.check_token(ConsistencyToken::parse(text));
    } catch (const InvalidToken& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error("nope=0/1").find("no bind 'nope'"), std::string::npos);
  EXPECT_NE(error("users=0-1-7").find("'0-1-7' is not a position of bind 'users'"),
            std::string::npos);
  EXPECT_NE(error("analytics=0/1").find("not a position of bind 'analytics'"), std::string::npos);
  EXPECT_NE(error("default=0/1").find("not a position of bind 'default'"), std::string::npos);
}
