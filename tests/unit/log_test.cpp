#include "manydb/observe/log.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

using manydb::LogLevel;
using manydb::LogRecord;

namespace {

struct Captured {
  LogLevel level;
  std::string bind, message, sql;
  std::optional<std::chrono::nanoseconds> elapsed;
};

// Installs a sink that keeps what it gets; the default sink again when the test ends.
class LogTest : public ::testing::Test {
 protected:
  void listen(LogLevel level) {
    manydb::set_log_sink(
        [this](const LogRecord& r) {
          std::lock_guard lock(mutex_);
          records_.push_back({r.level, std::string(r.bind), std::string(r.message),
                              std::string(r.sql), r.elapsed});
        },
        level);
  }
  void TearDown() override { manydb::set_log_sink({}, LogLevel::warn); }
  std::vector<Captured> records() {
    std::lock_guard lock(mutex_);
    return records_;
  }

 private:
  std::mutex mutex_;
  std::vector<Captured> records_;
};

}  // namespace

TEST_F(LogTest, RecordsBelowTheLevelNeverReachTheSinkNorGetBuilt) {
  listen(LogLevel::info);
  EXPECT_FALSE(manydb::log_enabled(LogLevel::debug));
  EXPECT_TRUE(manydb::log_enabled(LogLevel::info));
  EXPECT_FALSE(manydb::log_enabled(LogLevel::off));
  bool built = false;
  manydb::log_with(LogLevel::debug, "orders", [&] {
    built = true;
    return std::string("hidden");
  });
  EXPECT_FALSE(built);
  manydb::log(LogLevel::info, "orders", "shown");
  manydb::log(LogLevel::trace, "orders", "hidden too");
  const auto got = records();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].level, LogLevel::info);
  EXPECT_EQ(got[0].bind, "orders");
  EXPECT_EQ(got[0].message, "shown");
  EXPECT_FALSE(got[0].elapsed.has_value());
}

TEST_F(LogTest, OffSilencesEverything) {
  listen(LogLevel::off);
  manydb::log(LogLevel::error, "", "nobody hears this");
  EXPECT_TRUE(records().empty());
  manydb::set_log_level(LogLevel::error);
  EXPECT_EQ(manydb::log_level(), LogLevel::error);
  manydb::log(LogLevel::error, "", "now heard");
  EXPECT_EQ(records().size(), 1u);
}

TEST_F(LogTest, ASlowStatementCarriesItsSqlAndTimeAtWarn) {
  listen(LogLevel::warn);
  manydb::log_slow_statement("users", "SELECT * FROM users WHERE email = ?",
                             std::chrono::milliseconds(1500));
  const auto got = records();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].level, LogLevel::warn);
  EXPECT_EQ(got[0].bind, "users");
  EXPECT_EQ(got[0].sql, "SELECT * FROM users WHERE email = ?");
  EXPECT_EQ(got[0].elapsed, std::chrono::milliseconds(1500));
}

TEST_F(LogTest, ASinkThatThrowsLosesTheLineOnly) {
  manydb::set_log_sink([](const LogRecord&) { throw std::runtime_error("disk full"); },
                       LogLevel::trace);
  EXPECT_NO_THROW(manydb::log(LogLevel::error, "", "lost"));
}

TEST(Log, LevelNamesRoundTrip) {
  for (LogLevel level : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn,
                         LogLevel::error, LogLevel::off}) {
    EXPECT_EQ(manydb::parse_log_level(manydb::to_string(level)), level);
  }
  EXPECT_EQ(manydb::parse_log_level("warning"), LogLevel::warn);
  EXPECT_FALSE(manydb::parse_log_level("loud").has_value());
  EXPECT_FALSE(manydb::parse_log_level("").has_value());
}

TEST(Log, ThePlainLineIsOneLineWithBindTimeAndSql) {
  const LogRecord slow{LogLevel::warn, "orders", "slow statement",
                       "SELECT 1\nFROM orders WHERE id = ?", std::chrono::microseconds(1234567)};
  EXPECT_EQ(manydb::format_plain(slow),
            "manydb warn: bind 'orders': slow statement (1234.567 ms): SELECT 1 FROM orders "
            "WHERE id = ?");
  const LogRecord plain{LogLevel::info, "", "recovery: nothing", "", std::nullopt};
  EXPECT_EQ(manydb::format_plain(plain), "manydb info: recovery: nothing");
}
