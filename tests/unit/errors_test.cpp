#include "manydb/core/errors.hpp"

#include <gtest/gtest.h>

#include <type_traits>

using namespace manydb;

TEST(Errors, KindsMapToTypes) {
  EXPECT_THROW(throw_database_error(ErrorKind::unique, "b", "23505", "dup"), UniqueViolation);
  EXPECT_THROW(throw_database_error(ErrorKind::not_null, "b", "23502", "x"), NotNullViolation);
  EXPECT_THROW(throw_database_error(ErrorKind::foreign_key, "b", "23503", "x"), IntegrityError);
  EXPECT_THROW(throw_database_error(ErrorKind::check, "b", "23514", "x"), CheckViolation);
  EXPECT_THROW(throw_database_error(ErrorKind::connection, "b", "08006", "x"), OperationalError);
  EXPECT_THROW(throw_database_error(ErrorKind::programming, "b", "42P01", "x"), ProgrammingError);
  EXPECT_THROW(throw_database_error(ErrorKind::lock_timeout, "b", "", "x"), LockTimeout);
  EXPECT_THROW(throw_database_error(ErrorKind::serialization, "b", "", "x"), SerializationFailure);
}

TEST(Errors, MessageNamesBindAndCode) {
  try {
    throw_database_error(ErrorKind::deadlock, "orders", "40P01", "deadlock detected\n");
    FAIL() << "nothing thrown";
  } catch (const Deadlock& e) {
    EXPECT_STREQ(e.what(), "bind 'orders': deadlock detected [code 40P01]");
    EXPECT_EQ(e.bind(), "orders");
    EXPECT_EQ(e.code(), "40P01");
    EXPECT_TRUE(e.retryable());
  }
  EXPECT_FALSE(UniqueViolation("x").retryable());
}

// Deadlocks and serialization failures are caught together, as the retryable conflicts, and
// still as the OperationalError they were before TransactionRollback existed.
TEST(Errors, TransactionRollbackIsTheRetryableBaseOfDeadlockAndSerializationFailure) {
  static_assert(std::is_base_of_v<TransactionRollback, Deadlock>);
  static_assert(std::is_base_of_v<TransactionRollback, SerializationFailure>);
  static_assert(std::is_base_of_v<OperationalError, TransactionRollback>);
  static_assert(std::is_base_of_v<Timeout, LockTimeout>);
  static_assert(!std::is_base_of_v<TransactionRollback, LockTimeout>);
  static_assert(!std::is_base_of_v<NotFound, StaleDataError>);
  static_assert(!std::is_base_of_v<DatabaseError, StaleDataError>);
  for (ErrorKind kind : {ErrorKind::deadlock, ErrorKind::serialization}) {
    try {
      throw_database_error(kind, "b", ErrorCodes{.sqlstate = "40001", .native = {}}, "conflict");
      FAIL() << "nothing thrown";
    } catch (const TransactionRollback& e) {
      EXPECT_TRUE(e.retryable());
    }
  }
  EXPECT_FALSE(LockTimeout("x").retryable());
  EXPECT_FALSE(Timeout("x").retryable());
  EXPECT_FALSE(StaleDataError("x").retryable());
}

TEST(Errors, CarriesTheEngineCodesAndTheStatement) {
  try {
    throw_database_error(
        ErrorKind::unique, "users", ErrorCodes{.sqlstate = "23000", .native = 1062},
        "Duplicate entry '...' for key 'email'", "INSERT INTO t (email) VALUES (?)");
    FAIL() << "nothing thrown";
  } catch (const UniqueViolation& e) {
    EXPECT_EQ(e.sqlstate(), "23000");
    EXPECT_EQ(e.native_code(), 1062);
    EXPECT_EQ(e.code(), "1062");  // the native code when there is one
    EXPECT_EQ(e.sql(), "INSERT INTO t (email) VALUES (?)");
    EXPECT_STREQ(e.what(), "bind 'users': Duplicate entry '...' for key 'email' [code 1062]");
  }
  try {  // PostgreSQL: the SQLSTATE and no native code
    throw_database_error(ErrorKind::unique, "b", ErrorCodes{.sqlstate = "23505", .native = {}},
                         "duplicate key");
    FAIL() << "nothing thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_FALSE(e.native_code());
    EXPECT_EQ(e.code(), "23505");
    EXPECT_EQ(e.sql(), "");
  }
}

// A code of manydb's own (no engine reported it) is shown, and never passed off as a SQLSTATE.
TEST(Errors, AFreeFormCodeIsNeitherASqlstateNorANativeCode) {
  try {
    throw_database_error(ErrorKind::connection, "b", "08006", "refused: the connection was lost");
    FAIL() << "nothing thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "08006");
    EXPECT_FALSE(e.sqlstate());
    EXPECT_FALSE(e.native_code());
  }
}

// The layer that knows the statement fills it in once; a more precise one below wins.
TEST(Errors, AttachSqlKeepsTheFirstStatement) {
  ConnectionError e("x", "b");
  e.attach_sql("COMMIT");
  e.attach_sql("UPDATE t SET a = ? WHERE id = ?");
  EXPECT_EQ(e.sql(), "COMMIT");
}

TEST(Errors, RedactRemovesPlainAndEncodedSecrets) {
  EXPECT_EQ(redact("pw p@ss:w/rd%1 and p%40ss%3Aw%2Frd%251", "p@ss:w/rd%1"), "pw *** and ***");
  EXPECT_EQ(redact("nothing here", ""), "nothing here");
}
