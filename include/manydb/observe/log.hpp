#pragma once
// manydb's log: what the library does that an operator may want to know (slow statements,
// connections found dead, binds going down and up, pool timeouts, recovery), as records handed
// to one process-wide sink. The library depends on no logging library: an application installs
// a sink that forwards the records to its own (the shop's goes to spdlog). Until then warnings
// and errors go to stderr, one plain line each.
//
// A record below the sink's level is never built: callers ask log_enabled() (one relaxed atomic
// load) before they format anything, or pass the message as a function (log_with).
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace manydb {

enum class LogLevel { trace, debug, info, warn, error, off };

struct LogRecord {
  LogLevel level = LogLevel::info;
  std::string_view bind;  // the bind it concerns; empty when none
  std::string_view message;
  // Slow statements only: the SQL text as written, with its '?' placeholders (never the values
  // bound to them), and how long the statement took.
  std::string_view sql;
  std::optional<std::chrono::nanoseconds> elapsed;
};

// Called from any thread, several at once. It must not throw (what it throws is dropped) nor
// log through manydb itself. The record's views live only for the call.
using LogSink = std::function<void(const LogRecord&)>;

// Replaces the process's sink: from now on it gets the records of `level` and above. An empty
// sink restores the default (stderr, warn and above unless told otherwise).
void set_log_sink(LogSink sink, LogLevel level);
void set_log_level(LogLevel level);
LogLevel log_level() noexcept;

namespace detail {
inline std::atomic<int> log_threshold{static_cast<int>(LogLevel::warn)};
}  // namespace detail

inline bool log_enabled(LogLevel level) noexcept {
  return level != LogLevel::off &&
         static_cast<int>(level) >= detail::log_threshold.load(std::memory_order_relaxed);
}

// Hands `record` to the sink when its level is enabled.
void emit(const LogRecord& record);
void log(LogLevel level, std::string_view bind, std::string_view message);
// Builds the message (a callable returning a string) only when `level` is enabled.
template <class MakeMessage>
void log_with(LogLevel level, std::string_view bind, MakeMessage&& make_message) {
  if (!log_enabled(level)) return;
  const std::string message = make_message();
  log(level, bind, message);
}
// The record of a statement that took `elapsed`, at least its bind's threshold (warn).
void log_slow_statement(std::string_view bind, std::string_view sql,
                        std::chrono::nanoseconds elapsed);

// trace, debug, info, warn, error, off.
std::string_view to_string(LogLevel level);
// The names above ("warning" too); nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view name);
// The default sink's line, without its newline:
// "manydb warn: bind 'orders': slow statement (1234.567 ms): SELECT ...".
std::string format_plain(const LogRecord& record);

}  // namespace manydb
