#include "app_log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <memory>
#include <vector>

#include "request_context.hpp"

namespace applog {

namespace {

using manydb::LogLevel;

// The fields of the line being logged on this thread: spdlog formats a synchronous logger's
// line on the thread that logs, so the formatter finds them here.
thread_local const std::vector<Field>* current_fields = nullptr;

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace: return spdlog::level::trace;
    case LogLevel::debug: return spdlog::level::debug;
    case LogLevel::info: return spdlog::level::info;
    case LogLevel::warn: return spdlog::level::warn;
    case LogLevel::error: return spdlog::level::err;
    case LogLevel::off: break;
  }
  return spdlog::level::off;
}

LogLevel from_spdlog(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return LogLevel::trace;
    case spdlog::level::debug: return LogLevel::debug;
    case spdlog::level::info: return LogLevel::info;
    case spdlog::level::warn: return LogLevel::warn;
    case spdlog::level::err:
    case spdlog::level::critical: return LogLevel::error;
    default: return LogLevel::off;
  }
}

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(Format format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    static const std::vector<Field> none;
    const Line line{msg.time, from_spdlog(msg.level),
                    std::string_view(msg.payload.data(), msg.payload.size()), current_request_id(),
                    current_fields ? *current_fields : none};
    std::string text = format_line(format_, line);
    text.push_back('\n');
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

 private:
  Format format_;
};

void log_fields(LogLevel level, std::string_view msg, const std::vector<Field>& fields) {
  const std::vector<Field>* outer = std::exchange(current_fields, &fields);
  spdlog::default_logger_raw()->log(to_spdlog(level),
                                    spdlog::string_view_t(msg.data(), msg.size()));
  current_fields = outer;
}

// manydb's records as lines: the bind, and for a slow statement its SQL text and time.
void forward(const manydb::LogRecord& record) {
  std::vector<Field> fields;
  if (!record.bind.empty()) fields.push_back({"bind", record.bind});
  if (record.elapsed) {
    fields.push_back({"ms", std::chrono::duration<double, std::milli>(*record.elapsed).count()});
  }
  if (!record.sql.empty()) fields.push_back({"sql", record.sql});
  log_fields(record.level, record.message, fields);
}

}  // namespace

void add_options(CLI::App& app, Options& options) {
  app.add_option("--log-level", options.level,
                 "trace, debug, info (default), warn, error or off; debug adds a line per request")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_option("--log-format", options.format, "text (default) or json: one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}));
}

void setup(const Options& options) {
  const LogLevel level = manydb::parse_log_level(options.level).value_or(LogLevel::info);
  auto logger =
      std::make_shared<spdlog::logger>("app", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(
      std::make_unique<LineFormatter>(options.format == "json" ? Format::json : Format::text));
  logger->set_level(to_spdlog(level));
  spdlog::set_default_logger(std::move(logger));
  manydb::set_log_sink(&forward, level);
}

void log(LogLevel level, std::string_view msg, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  log_fields(level, msg, std::vector<Field>(fields));
}

bool enabled(LogLevel level) { return spdlog::default_logger_raw()->should_log(to_spdlog(level)); }

}  // namespace applog
