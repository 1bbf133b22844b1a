#include "manydb/core/errors.hpp"

#include <gtest/gtest.h>

using namespace manydb;

TEST(Errors, KindsMapToTypes) {
  EXPECT_THROW(throw_database_error(ErrorKind::unique, "b", "23505", "dup"), UniqueViolation);
  EXPECT_THROW(throw_database_error(ErrorKind::not_null, "b", "23502", "x"), NotNullViolation);
  EXPECT_THROW(throw_database_error(ErrorKind::foreign_key, "b", "23503", "x"), IntegrityError);
  EXPECT_THROW(throw_database_error(ErrorKind::check, "b", "23514", "x"), CheckViolation);
  EXPECT_THROW(throw_database_error(ErrorKind::connection, "b", "08006", "x"), OperationalError);
  EXPECT_THROW(throw_database_error(ErrorKind::programming, "b", "42P01", "x"), ProgrammingError);
}

TEST(Errors, MessageNamesBindAndCode) {
  try {
    throw_database_error(ErrorKind::deadlock, "orders", "40P01", "deadlock detected\n");
  } catch (const Deadlock& e) {
    EXPECT_STREQ(e.what(), "bind 'orders': deadlock detected [code 40P01]");
    EXPECT_EQ(e.bind(), "orders");
    EXPECT_EQ(e.code(), "40P01");
    EXPECT_TRUE(e.retryable());
  }
  EXPECT_FALSE(UniqueViolation("x").retryable());
}

TEST(Errors, RedactRemovesPlainAndEncodedSecrets) {
  EXPECT_EQ(redact("pw p@ss:w/rd%1 and p%40ss%3Aw%2Frd%251", "p@ss:w/rd%1"), "pw *** and ***");
  EXPECT_EQ(redact("nothing here", ""), "nothing here");
}
