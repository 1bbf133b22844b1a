#pragma once
// Tenants over HTTP (docs/shop.md, "Tenants"): when the configuration has tenant binds, the
// routes of per-tenant data (products, orders, reviews) serve the tenant the X-Tenant header
// names; the routes of shared data (users, analytics, health, metrics) do not read it.
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace shop {

inline constexpr std::string_view kTenantHeader = "X-Tenant";

// The tenant the request names, checked against manydb's rule before it reaches a path, a
// database name or SQL. Throws BadRequest (400) when the header is missing, empty or invalid;
// whether the tenant exists is asked when a session opens for it (UnknownTenant, 404).
std::string request_tenant(const http::Request& request);

}  // namespace shop
