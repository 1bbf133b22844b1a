#pragma once
// One HTTP/1.1 GET to 127.0.0.1 over a plain socket, for the web example's test: small enough
// that the test does not share its HTTP code with the program it checks.
#include <string>

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Sends `GET path` with Connection: close and reads the response until the server closes.
// Throws std::runtime_error when it cannot connect or the answer is not HTTP.
HttpResponse http_get(unsigned short port, const std::string& path);
