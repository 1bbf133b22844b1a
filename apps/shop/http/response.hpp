#pragma once

// What a handler returns. The server adds Content-Length, Server and Connection itself.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shop::http {

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Allow

  static Response json(int status, std::string body);
  // {"error": "<message>"} with the message JSON-escaped.
  static Response error(int status, std::string_view message);
};

// Whether HTTP forbids this status a body (1xx, 204, 304).
bool bodiless(int status);

// Appends the status line and headers for `response` with a body of `body_size` bytes: Server,
// Content-Type, the handler's headers, Content-Length and, where the version's default is not
// what `keep_alive` says, Connection.
void write_head(std::string& out, const Response& response, unsigned version, bool keep_alive,
                std::size_t body_size);

}  // namespace shop::http
