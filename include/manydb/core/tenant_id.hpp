#pragma once
// Tenant ids reach URLs, file paths, database names and SQL, so one strict rule is checked
// before any of them is built: [a-z0-9][a-z0-9_-]{0,62}. Nothing in it can leave a path
// segment (no '.', no '/'), need quoting in a URL, or change the meaning of SQL.
#include <string>
#include <string_view>

namespace manydb {

inline constexpr std::string_view kTenantIdRule = "[a-z0-9][a-z0-9_-]{0,62}";

bool is_valid_tenant_id(std::string_view id) noexcept;
// Throws ConfigError naming the rule; the id is shown escaped and cut short, never raw.
void validate_tenant_id(std::string_view id);

// Where a URL template holds the tenant's id.
inline constexpr std::string_view kTenantPlaceholder = "{tenant}";
bool is_tenant_template(std::string_view url) noexcept;
// `url_template` with every {tenant} replaced by `tenant`, which is validated first.
std::string render_tenant_url(std::string_view url_template, std::string_view tenant);

}  // namespace manydb
