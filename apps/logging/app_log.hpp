#pragma once
// The log of the shop and the manydb command line: spdlog's default logger, writing one line per
// record to stderr in text or JSON lines (log_line.hpp), and manydb's own records (slow
// statements, binds down, recovery) forwarded to it. Every line a request causes carries its id
// (request_context.hpp). The programs log with spdlog::info(...) and friends, or with
// applog::log() when a line has fields.
#include <initializer_list>
#include <string>
#include <string_view>

#include "log_line.hpp"
#include "manydb/observe/log.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace applog {

struct Options {
  std::string level = "info";   // trace, debug, info, warn, error, off
  std::string format = "text";  // text or json
};

// --log-level and --log-format on `app`; with app.fallthrough() they are understood after a
// subcommand too.
void add_options(CLI::App& app, Options& options);

// From now on spdlog's default logger writes `options`' lines to stderr at its level, and
// manydb's records at that level go through it. Call it before a Database opens (its recovery
// thread may log at once); calling it again replaces the settings.
void setup(const Options& options);

// One line at `level` with fields beside the message, e.g. the access line.
void log(manydb::LogLevel level, std::string_view msg, std::initializer_list<Field> fields);
// Whether a line at `level` would be written: ask before computing what it would say.
bool enabled(manydb::LogLevel level);

}  // namespace applog
