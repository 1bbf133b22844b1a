#pragma once

// A tiny blocking HTTP/1.1 client over POSIX sockets for the shop's tests (127.0.0.1 only).
// It understands exactly what the shop server sends: Content-Length-delimited responses.
// Every call throws std::runtime_error on connect errors or when a read times out, so a
// broken server fails a test instead of hanging it.

#include <chrono>
#include <map>
#include <string>
#include <string_view>

namespace shop::test {

struct HttpResponse {
  int status = 0;  // 0: the server closed the connection without answering
  std::string body;
  std::map<std::string, std::string> headers;         // names lower-cased
  std::string header(const std::string& name) const;  // name in any case; "" if absent
};

using Headers = std::map<std::string, std::string>;

// One request on a fresh connection ("Connection: close"); Content-Length is added when
// there is a body or the method is POST/PUT/PATCH.
HttpResponse http_request(int port, const std::string& method, const std::string& path,
                          const std::string& body = "", const Headers& headers = {});

// Sends `bytes` verbatim on a fresh connection, then reads one response (status 0 if the
// server closes without one).
HttpResponse http_raw(int port, std::string_view bytes);

// The bytes of a request as http_request() would send them.
std::string format_request(const std::string& method, const std::string& path,
                           const std::string& body, const Headers& headers, bool keep_alive);

// One keep-alive connection reused for several requests.
class HttpConnection {
 public:
  explicit HttpConnection(int port,
                          std::chrono::milliseconds read_timeout = std::chrono::seconds(10));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  HttpResponse request(const std::string& method, const std::string& path,
                       const std::string& body = "", const Headers& headers = {});
  // Writes bytes as they are (e.g. half a request, or two pipelined requests).
  void send_raw(std::string_view bytes);
  // Reads the next response; status 0 if the server closed the connection first. The answer
  // to a HEAD (`to_head`) has no body, whatever its Content-Length says.
  HttpResponse read_response(bool to_head = false);
  // True once the server has closed the connection (reads EOF or a reset); waits at most
  // the read timeout. Any bytes that arrive first are discarded.
  bool wait_closed();
  // Half-closes: the server sees end of input but can still answer.
  void shutdown_write();
  void close();

 private:
  std::size_t read_more();  // 0 on EOF

  int fd_ = -1;
  std::string buffer_;  // received but not yet consumed
};

}  // namespace shop::test
