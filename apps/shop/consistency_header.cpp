#include "consistency_header.hpp"

#include <string>

namespace shop {

manydb::ConsistencyToken request_token(const http::Request& request) {
  const std::string_view sent = request.header(kConsistencyTokenHeader);
  if (sent.empty()) return {};
  return manydb::ConsistencyToken::parse(sent);
}

void add_token_header(http::Response& response, const manydb::ConsistencyToken& token) {
  if (token.empty()) return;
  response.headers.emplace_back(std::string(kConsistencyTokenHeader), token.to_string());
}

}  // namespace shop
