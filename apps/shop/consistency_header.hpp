#pragma once
// Read-your-writes over HTTP (docs/shop.md, "Read replicas"): a write answers with the
// X-Consistency-Token of the session that made it, and a request that sends it back reads
// from a replica only once the replica has replayed those writes, else from the primary.
#include <string_view>

#include "http/request.hpp"
#include "http/response.hpp"
#include "manydb/routing/consistency_token.hpp"

namespace shop {

inline constexpr std::string_view kConsistencyTokenHeader = "X-Consistency-Token";

// The token the request sends; empty when it sends none (nothing parsed, nothing allocated).
// Throws manydb::InvalidToken, a 400, when the header holds no token. Which binds it may
// name is checked when a session is opened with it (SessionOptions::read_after).
manydb::ConsistencyToken request_token(const http::Request& request);

// Adds the header to a write's response, unless `token` is empty: no bind the request wrote
// has replicas, and the request sent no token.
void add_token_header(http::Response& response, const manydb::ConsistencyToken& token);

}  // namespace shop
