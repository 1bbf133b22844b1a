#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace shop::test {
namespace {

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::runtime_error socket_error(const std::string& what) {
  return std::runtime_error("http_client: " + what + ": " + std::strerror(errno));
}

int connect_to(int port, std::chrono::milliseconds read_timeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw socket_error("socket");
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(read_timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((read_timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    auto error = socket_error("connect to port " + std::to_string(port));
    ::close(fd);
    throw error;
  }
  return fd;
}

// Parses "HTTP/1.1 200 OK\r\nName: value\r\n..." (the part before the blank line).
HttpResponse parse_head(std::string_view head) {
  HttpResponse response;
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  auto space = status_line.find(' ');
  if (space == std::string_view::npos) throw std::runtime_error("bad status line");
  response.status = std::stoi(std::string(status_line.substr(space + 1, 3)));
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    std::string_view line = head.substr(0, line_end);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    response.headers[lower(std::string(line.substr(0, colon)))] = std::string(value);
  }
  return response;
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

std::string format_request(const std::string& method, const std::string& path,
                           const std::string& body, const Headers& headers, bool keep_alive) {
  std::string out = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  bool has_length = false;
  for (const auto& [name, value] : headers) {
    out += name + ": " + value + "\r\n";
    has_length = has_length || lower(name) == "content-length";
  }
  bool wants_length = !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
  if (wants_length && !has_length) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return out + "\r\n" + body;
}

HttpConnection::HttpConnection(int port, std::chrono::milliseconds read_timeout)
    : fd_(connect_to(port, read_timeout)) {}

HttpConnection::~HttpConnection() { close(); }

void HttpConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void HttpConnection::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

void HttpConnection::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    // MSG_NOSIGNAL: a server that closed early must fail the send, not kill the test binary.
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw socket_error("send");
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::size_t HttpConnection::read_more() {
  char chunk[16384];
  while (true) {
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == ECONNRESET) return 0;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      throw std::runtime_error("http_client: read timed out");
    }
    if (n < 0) throw socket_error("recv");
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return static_cast<std::size_t>(n);
  }
}

HttpResponse HttpConnection::read_response(bool to_head) {
  std::size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (read_more() == 0) {
      if (buffer_.empty()) return {};
      throw std::runtime_error("http_client: connection closed inside a response head");
    }
  }
  HttpResponse response = parse_head(std::string_view(buffer_).substr(0, head_end));
  buffer_.erase(0, head_end + 4);
  const int status = response.status;
  if (to_head || status < 200 || status == 204 || status == 304) return response;  // no body
  std::string length = response.header("content-length");
  if (length.empty()) {  // no length: the body runs to the end of the connection
    while (read_more() > 0) {
    }
    response.body = std::move(buffer_);
    buffer_.clear();
    return response;
  }
  std::size_t size = std::stoul(length);
  while (buffer_.size() < size) {
    if (read_more() == 0) throw std::runtime_error("http_client: connection closed in a body");
  }
  response.body = buffer_.substr(0, size);
  buffer_.erase(0, size);
  return response;
}

HttpResponse HttpConnection::request(const std::string& method, const std::string& path,
                                     const std::string& body, const Headers& headers) {
  send_raw(format_request(method, path, body, headers, true));
  return read_response(method == "HEAD");
}

bool HttpConnection::wait_closed() {
  try {
    buffer_.clear();
    while (read_more() > 0) buffer_.clear();
    return true;
  } catch (const std::runtime_error&) {
    return false;  // timed out: still open
  }
}

namespace {

// Sends everything it can: a server may answer (413, 400) and stop reading before the
// request is complete, and the response is still what the test wants to see.
void send_ignoring_errors(HttpConnection& connection, std::string_view bytes) {
  try {
    connection.send_raw(bytes);
  } catch (const std::runtime_error&) {
  }
}

}  // namespace

HttpResponse http_raw(int port, std::string_view bytes) {
  HttpConnection connection(port);
  send_ignoring_errors(connection, bytes);
  return connection.read_response();
}

HttpResponse http_request(int port, const std::string& method, const std::string& path,
                          const std::string& body, const Headers& headers) {
  HttpConnection connection(port);
  send_ignoring_errors(connection, format_request(method, path, body, headers, false));
  return connection.read_response(method == "HEAD");
}

}  // namespace shop::test
