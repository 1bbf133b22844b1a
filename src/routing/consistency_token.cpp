#include "manydb/routing/consistency_token.hpp"

#include "manydb/config/database_config.hpp"
#include "manydb/core/errors.hpp"

namespace manydb {

namespace {

constexpr std::size_t kMaxText = 4096;
constexpr std::size_t kMaxPosition = 512;

// Positions are LSNs ("0/30242E0") and GTID lists ("0-1-7,1-2-3"): a token holding anything
// else came from somewhere else.
bool position_characters(std::string_view position) {
  for (char c : position) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f') ||
                    c == '/' || c == '-' || c == ',';
    if (!ok) return false;
  }
  return true;
}

[[noreturn]] void invalid(const std::string& what) {
  throw InvalidToken("invalid consistency token: " + what);
}

}  // namespace

ConsistencyToken ConsistencyToken::parse(std::string_view text) {
  if (text.size() > kMaxText) invalid("longer than " + std::to_string(kMaxText) + " bytes");
  ConsistencyToken token;
  while (!text.empty()) {
    const auto end = text.find(';');
    const std::string_view part = text.substr(0, end);
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) invalid("expected bind=position, got a part without '='");
    const std::string_view bind = part.substr(0, eq);
    const std::string_view position = part.substr(eq + 1);
    try {
      validate_bind_name(bind);
    } catch (const ConfigError&) {
      invalid("a bind name must be lower-case letters, digits and '_', starting with a letter");
    }
    if (position.empty() || position.size() > kMaxPosition || !position_characters(position))
      invalid("the position of bind '" + std::string(bind) + "' is not a replication position");
    if (token.positions_.contains(bind)) invalid("bind '" + std::string(bind) + "' comes twice");
    token.positions_.emplace(std::string(bind), std::string(position));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
    if (text.empty()) invalid("it ends with ';'");
  }
  return token;
}

std::string ConsistencyToken::to_string() const {
  std::string out;
  for (const auto& [bind, position] : positions_) {
    if (!out.empty()) out += ';';
    out.append(bind).append("=").append(position);
  }
  return out;
}

std::string_view ConsistencyToken::position(std::string_view bind) const {
  auto it = positions_.find(bind);
  return it == positions_.end() ? std::string_view{} : std::string_view(it->second);
}

void ConsistencyToken::set(std::string_view bind, std::string position) {
  positions_.insert_or_assign(std::string(bind), std::move(position));
}

}  // namespace manydb
