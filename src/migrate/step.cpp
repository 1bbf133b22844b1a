#include "manydb/migrate/step.hpp"

#include <cstdio>

namespace manydb::migrate {

std::string checksum(std::string_view text) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

std::string checksum(const Step& step) {
  if (const auto* text = std::get_if<std::string>(&step.up)) return checksum(*text);
  return checksum("function:" + std::to_string(step.version) + ":" + step.name);
}

}  // namespace manydb::migrate
