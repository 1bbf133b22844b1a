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

// `text` as the inside of a JSON string literal (quotes, backslashes, control characters
// escaped; UTF-8 passed through unchanged).
std::string json_escape(std::string_view text);

}  // namespace shop::http
