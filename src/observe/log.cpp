#include "manydb/observe/log.hpp"

#include <cstdio>
#include <memory>

namespace manydb {

namespace {

void to_stderr(const LogRecord& record) {
  std::string line = format_plain(record);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);  // one write: lines of threads do not mix
}

// A shared_ptr so that a sink being replaced finishes its calls in flight on its own copy.
std::atomic<std::shared_ptr<const LogSink>>& sink_slot() {
  static std::atomic<std::shared_ptr<const LogSink>> slot{
      std::make_shared<const LogSink>(&to_stderr)};
  return slot;
}

}  // namespace

void set_log_sink(LogSink sink, LogLevel level) {
  if (!sink) sink = &to_stderr;
  sink_slot().store(std::make_shared<const LogSink>(std::move(sink)));
  set_log_level(level);
}

void set_log_level(LogLevel level) {
  detail::log_threshold.store(static_cast<int>(level), std::memory_order_relaxed);
}

LogLevel log_level() noexcept {
  return static_cast<LogLevel>(detail::log_threshold.load(std::memory_order_relaxed));
}

void emit(const LogRecord& record) {
  if (!log_enabled(record.level)) return;
  const std::shared_ptr<const LogSink> sink = sink_slot().load();
  try {
    (*sink)(record);
  } catch (...) {
    // A log line lost is better than a statement failed because of it.
  }
}

void log(LogLevel level, std::string_view bind, std::string_view message) {
  emit(LogRecord{level, bind, message, {}, std::nullopt});
}

void log_slow_statement(std::string_view bind, std::string_view sql,
                        std::chrono::nanoseconds elapsed) {
  emit(LogRecord{LogLevel::warn, bind, "slow statement", sql, elapsed});
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return "trace";
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
    case LogLevel::off: return "off";
  }
  return "off";
}

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel level : {LogLevel::trace, LogLevel::debug, LogLevel::info, LogLevel::warn,
                         LogLevel::error, LogLevel::off}) {
    if (name == to_string(level)) return level;
  }
  if (name == "warning") return LogLevel::warn;
  return std::nullopt;
}

std::string format_plain(const LogRecord& record) {
  std::string line = "manydb ";
  line.append(to_string(record.level)).append(": ");
  if (!record.bind.empty()) line.append("bind '").append(record.bind).append("': ");
  line.append(record.message);
  if (record.elapsed) {
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f",
                  std::chrono::duration<double, std::milli>(*record.elapsed).count());
    line.append(" (").append(ms).append(" ms)");
  }
  if (!record.sql.empty()) line.append(": ").append(record.sql);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';  // one record, one line
  }
  return line;
}

}  // namespace manydb
