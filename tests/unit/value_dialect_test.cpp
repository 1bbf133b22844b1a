#include <gtest/gtest.h>

#include "manydb/core/errors.hpp"
#include "manydb/core/value.hpp"
#include "manydb/driver/dialect.hpp"

using manydb::Backend;
using manydb::dialect_for;
using manydb::Value;
using manydb::ValueType;

TEST(Value, HoldsWhatItWasGiven) {
  EXPECT_EQ(Value().type(), ValueType::null);
  EXPECT_EQ(Value(true).type(), ValueType::boolean);
  EXPECT_EQ(Value(42).type(), ValueType::int64);
  EXPECT_EQ(Value(42u).as_int64(), 42);
  EXPECT_EQ(Value(2.5).type(), ValueType::real);
  EXPECT_EQ(Value("x").type(), ValueType::text);
  EXPECT_EQ(Value(std::optional<int>{}).type(), ValueType::null);
  EXPECT_EQ(Value(std::optional<int>{7}).as_int64(), 7);
  EXPECT_EQ(Value(3).as_double(), 3.0);
}

TEST(Value, WrongTypeIsADataErrorNamingBoth) {
  try {
    Value("text").as_int64();
    FAIL() << "no exception";
  } catch (const manydb::DataError& e) {
    EXPECT_STREQ(e.what(), "value holds text; it cannot be read as int64");
  }
}

TEST(Dialect, PlaceholdersPerEngine) {
  const std::string sql = "SELECT '?', \"a?\" FROM t WHERE a = ? AND b = ? -- ?\n AND c = ?";
  EXPECT_EQ(dialect_for(Backend::postgresql).rewrite_placeholders(sql),
            "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b = $2 -- ?\n AND c = $3");
  EXPECT_EQ(dialect_for(Backend::mariadb).rewrite_placeholders(sql), sql);
  EXPECT_EQ(dialect_for(Backend::sqlite).rewrite_placeholders(sql), sql);
}

TEST(Dialect, QuotesValidIdentifiersAndRefusesOthers) {
  EXPECT_EQ(dialect_for(Backend::postgresql).quote_identifier("user"), "\"user\"");
  EXPECT_EQ(dialect_for(Backend::mariadb).quote_identifier("order"), "`order`");
  EXPECT_EQ(dialect_for(Backend::sqlite).quote_identifier("order_item"), "\"order_item\"");
  for (const char* bad : {"", "1abc", "a b", "a\"b", "a`b", "x;DROP TABLE y",
                          "a_very_long_name_that_goes_past_sixty_three_characters_abcdefghijk"}) {
    EXPECT_THROW(dialect_for(Backend::postgresql).quote_identifier(bad), manydb::ConfigError)
        << bad;
  }
}

TEST(Dialect, TypeNames) {
  EXPECT_EQ(dialect_for(Backend::postgresql).type_name(ValueType::timestamp), "timestamp(6)");
  EXPECT_EQ(dialect_for(Backend::mariadb).type_name(ValueType::timestamp), "DATETIME(6)");
  EXPECT_EQ(dialect_for(Backend::sqlite).type_name(ValueType::text, 80), "VARCHAR(80)");
  EXPECT_EQ(dialect_for(Backend::postgresql).type_name(ValueType::text, 80), "varchar(80)");
  EXPECT_EQ(dialect_for(Backend::mariadb).type_name(ValueType::blob), "LONGBLOB");
}
