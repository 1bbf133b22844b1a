#pragma once
// The id of a request, carried by every log line it causes and echoed in the X-Request-Id
// response header. A client's own id is kept when it is sane: 1 to 128 characters of
// [A-Za-z0-9._:-], which no log format or header needs to escape. Otherwise the server makes
// one: a random prefix per process and a counter ("3f9a1c2e-1b"), unique enough for logs.
#include <string>
#include <string_view>

namespace shop::http {

inline constexpr std::string_view kRequestIdHeader = "X-Request-Id";
inline constexpr std::size_t kMaxRequestIdLength = 128;

bool sane_request_id(std::string_view id);
// `sent` (the client's header, empty when none) when it is sane, else a new id.
std::string request_id_for(std::string_view sent);

}  // namespace shop::http
