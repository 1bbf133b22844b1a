#pragma once
// Parses `args` (the program's name first) with a CLI11 app, as main() would, and returns the
// exit code: 0, or that of the parse error (a callback's CLI::ValidationError included).
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace manydb::testing {

inline int run_cli(CLI::App& app, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    return 0;
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code();
  }
}

}  // namespace manydb::testing
