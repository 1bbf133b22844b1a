#include "manydb/tx/failpoint.hpp"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdlib>

namespace manydb {

// The variable is read at each failpoint, not once: a failpoint is only reached in an atomic
// commit or in recovery, beside round trips to databases, and a test may set it in a process
// it starts from one that ran commits already.
void failpoint(std::string_view name) {
  static std::atomic<long> seen{0};
  const char* spec = std::getenv("MANYDB_CRASH_AT");
  if (spec == nullptr || *spec == '\0') return;
  std::string_view armed(spec);
  long hit = 1;  // the hit that ends the process
  if (const auto hash = armed.find('#'); hash != std::string_view::npos) {
    std::from_chars(armed.data() + hash + 1, armed.data() + armed.size(), hit);
    armed = armed.substr(0, hash);
  }
  if (armed != name) return;
  if (seen.fetch_add(1) + 1 == hit) ::_exit(kFailpointExitCode);
}

}  // namespace manydb
