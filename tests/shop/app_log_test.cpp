// The programs' log lines (apps/logging): both formats, JSON that parses whatever the message
// holds, and manydb's records coming out through spdlog with the current request's id.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <sstream>

#include "app_log.hpp"
#include "log_line.hpp"
#include "request_context.hpp"

namespace {

using manydb::LogLevel;
using namespace std::chrono_literals;

const auto kNoon = std::chrono::sys_days{std::chrono::year{2026} / 1 / 2} + 12h + 3min + 4s + 56ms;

TEST(LogLine, JsonHasTsLevelMsgAndTheFieldsTyped) {
  const applog::Line line{kNoon,
                          LogLevel::warn,
                          "slow statement",
                          "req-1",
                          {{"bind", "orders"}, {"ms", 312.4567}, {"status", std::int64_t{200}}}};
  const auto text = applog::format_line(applog::Format::json, line);
  EXPECT_EQ(text, R"({"ts":"2026-01-02T12:03:04.056Z","level":"warn","msg":"slow statement",)"
                  R"("request_id":"req-1","bind":"orders","ms":312.457,"status":200})");
}

TEST(LogLine, JsonEscapesWhatAStringHolds) {
  const std::string nasty = "quote \" backslash \\ newline \n tab \t bell \x07 é";
  const applog::Line line{kNoon, LogLevel::error, nasty, "", {{"sql", nasty}}};
  const auto text = applog::format_line(applog::Format::json, line);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  const auto parsed = boost::json::parse(text).as_object();
  EXPECT_EQ(parsed.at("msg").as_string(), nasty);
  EXPECT_EQ(parsed.at("sql").as_string(), nasty);
  EXPECT_EQ(parsed.at("level").as_string(), "error");
  EXPECT_FALSE(parsed.contains("request_id"));  // outside a request: no id at all
}

TEST(LogLine, TextIsOneLineAndQuotesValuesWithSpaces) {
  const applog::Line line{
      kNoon, LogLevel::info, "two\nlines", "r2", {{"bind", "users"}, {"sql", "SELECT ?"}}};
  EXPECT_EQ(applog::format_line(applog::Format::text, line),
            "2026-01-02T12:03:04.056Z info two lines request_id=r2 bind=users sql=\"SELECT ?\"");
}

// Runs `body` with the programs' log set up as `options`, and returns what it wrote to stderr.
template <class Body>
std::string logged(applog::Options options, Body body) {
  applog::setup(options);
  ::testing::internal::CaptureStderr();
  body();
  spdlog::default_logger_raw()->flush();
  std::string out = ::testing::internal::GetCapturedStderr();
  manydb::set_log_sink({}, LogLevel::warn);
  return out;
}

std::vector<boost::json::object> json_lines(const std::string& text) {
  std::vector<boost::json::object> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(boost::json::parse(line).as_object());  // throws on a line that is no JSON
  }
  return lines;
}

TEST(AppLog, ManydbRecordsComeOutAsLinesWithTheRequestId) {
  const auto out = logged({"info", "json"}, [] {
    const applog::RequestScope in_request("req-42");
    manydb::log_slow_statement("orders", "SELECT * FROM orders WHERE id = ?", 1500ms);
    spdlog::info("from the program");
  });
  const auto lines = json_lines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_EQ(lines[0].at("level").as_string(), "warn");
  EXPECT_EQ(lines[0].at("msg").as_string(), "slow statement");
  EXPECT_EQ(lines[0].at("request_id").as_string(), "req-42");
  EXPECT_EQ(lines[0].at("bind").as_string(), "orders");
  EXPECT_EQ(lines[0].at("sql").as_string(), "SELECT * FROM orders WHERE id = ?");
  EXPECT_EQ(lines[0].at("ms").as_double(), 1500.0);
  EXPECT_EQ(lines[1].at("request_id").as_string(), "req-42");
  EXPECT_EQ(applog::current_request_id(), "");  // the scope ended
}

TEST(AppLog, TheLevelHidesLinesBelowIt) {
  const auto out = logged({"warn", "json"}, [] {
    spdlog::info("hidden");
    manydb::log(LogLevel::info, "users", "hidden too");
    EXPECT_FALSE(manydb::log_enabled(LogLevel::info));
    spdlog::warn("shown");
  });
  const auto lines = json_lines(out);
  ASSERT_EQ(lines.size(), 1u) << out;
  EXPECT_EQ(lines[0].at("msg").as_string(), "shown");
}

TEST(AppLog, FieldsGoWithTheirLineOnly) {
  const auto out = logged({"debug", "text"}, [] {
    applog::log(LogLevel::debug, "request", {{"method", "GET"}, {"status", std::int64_t{404}}});
    spdlog::debug("plain");
  });
  EXPECT_NE(out.find(" debug request method=GET status=404\n"), std::string::npos) << out;
  EXPECT_NE(out.find(" debug plain\n"), std::string::npos) << out;
}

}  // namespace
