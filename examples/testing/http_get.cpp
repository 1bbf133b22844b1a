#include "http_get.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <stdexcept>

namespace {

// Closes the socket however the request ends.
struct Socket {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ~Socket() {
    if (fd >= 0) ::close(fd);
  }
};

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

HttpResponse parse(const std::string& raw) {
  const auto end_of_head = raw.find("\r\n\r\n");
  if (!raw.starts_with("HTTP/1.1 ") || end_of_head == std::string::npos) {
    throw std::runtime_error("not an HTTP/1.1 response: " + raw.substr(0, 80));
  }
  HttpResponse response;
  response.status = std::stoi(raw.substr(9, 3));
  const std::string head = lower(raw.substr(0, end_of_head));
  if (auto at = head.find("\r\ncontent-type:"); at != std::string::npos) {
    const auto from = raw.find_first_not_of(' ', at + 15);
    response.content_type = raw.substr(from, raw.find("\r\n", from) - from);
  }
  response.body = raw.substr(end_of_head + 4);
  return response;
}

}  // namespace

HttpResponse http_get(unsigned short port, const std::string& path) {
  Socket s;
  if (s.fd < 0) throw std::runtime_error("socket() failed");
  timeval limit{30, 0};  // a server that never answers fails the test instead of hanging it
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  const std::string request =
      "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (::send(s.fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    throw std::runtime_error("could not send the request");
  }
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = ::recv(s.fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, n);
  return parse(raw);
}
