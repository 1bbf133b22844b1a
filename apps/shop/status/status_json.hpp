#pragma once
// GET /status.json: what the sampler kept, as the status page draws it (docs/openapi.yaml,
// StatusReport). Series are columns aligned with the shared timeline `t`, so a window of
// samples stays a few numbers per point.
#include <string>

#include "status/sampler.hpp"

namespace shop::status {

std::string status_json(const StatusView& view);

}  // namespace shop::status
