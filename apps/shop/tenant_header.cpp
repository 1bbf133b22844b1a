#include "tenant_header.hpp"

#include "manydb/core/errors.hpp"
#include "manydb/core/tenant_id.hpp"
#include "request_body.hpp"

namespace shop {

std::string request_tenant(const http::Request& request) {
  const std::string_view sent = request.header(kTenantHeader);
  if (sent.empty()) {
    throw BadRequest("this route serves one tenant's data: name it in the X-Tenant header");
  }
  try {
    manydb::validate_tenant_id(sent);  // its message shows the id escaped and cut short
  } catch (const manydb::ConfigError& e) {
    throw BadRequest(std::string("X-Tenant: ") + e.what());
  }
  return std::string(sent);
}

}  // namespace shop
