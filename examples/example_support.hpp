#pragma once
// What every example does besides its tutorial step: SQLite files of its own under the
// temporary directory (TMPDIR), and a check that stops it with a message when the step did not
// do what it says.
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace example {

// sqlite:///$TMPDIR/manydb-examples/<step>/<name>.db
inline std::string sqlite_file(std::string_view step, std::string_view name) {
  const auto dir = std::filesystem::temp_directory_path() / "manydb-examples" / step;
  return "sqlite:///" + (dir / (std::string(name) + ".db")).string();
}

inline void expect(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error("check failed: " + what);
}

}  // namespace example
