#pragma once
// GET /status (the page) and GET /status.json (what it draws), served from what `sampler`
// kept; neither waits on a database nor logs a page view.
#include "http/router.hpp"
#include "status/sampler.hpp"

namespace shop::status {

// `sampler` must outlive the router.
void add_status_routes(http::Router& router, const StatusSampler& sampler);

}  // namespace shop::status
