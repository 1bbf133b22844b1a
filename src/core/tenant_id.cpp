#include "manydb/core/tenant_id.hpp"

#include "manydb/core/errors.hpp"

namespace manydb {

namespace {
bool lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// Printable ASCII as is, anything else as \xNN, and no more than 40 characters of it: an id
// from a request header must not put a newline or a megabyte into a log line.
std::string shown(std::string_view id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < id.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(id[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (id.size() > 40) out += "... (" + std::to_string(id.size()) + " bytes)";
  return out;
}
}  // namespace

bool is_valid_tenant_id(std::string_view id) noexcept {
  if (id.empty() || id.size() > 63 || !lower_or_digit(id[0])) return false;
  for (const char c : id) {
    if (!lower_or_digit(c) && c != '_' && c != '-') return false;
  }
  return true;
}

void validate_tenant_id(std::string_view id) {
  if (is_valid_tenant_id(id)) return;
  throw ConfigError("invalid tenant id '" + shown(id) + "': a tenant id must match " +
                    std::string(kTenantIdRule) +
                    " (1 to 63 lower-case letters, digits, '_' or '-', starting with a letter or "
                    "a digit)");
}

bool is_tenant_template(std::string_view url) noexcept {
  return url.find(kTenantPlaceholder) != std::string_view::npos;
}

std::string render_tenant_url(std::string_view url_template, std::string_view tenant) {
  validate_tenant_id(tenant);
  std::string out;
  for (std::size_t at = 0;;) {
    const std::size_t found = url_template.find(kTenantPlaceholder, at);
    out.append(url_template.substr(at, found - at));
    if (found == std::string_view::npos) break;
    out.append(tenant);
    at = found + kTenantPlaceholder.size();
  }
  return out;
}

}  // namespace manydb
