#pragma once
// A TCP proxy on 127.0.0.1 in the test process, in front of a database server: stopping it
// (closing its listener and every connection) is an outage, starting it again on the same port
// the server's return; cut_at_next_reply() loses one answer after the server has acted, and
// drop_connections() ends the connections while the server goes on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace manydb::testing {

class TcpProxy {
 public:
  explicit TcpProxy(int target_port) : target_port_(target_port) {}
  ~TcpProxy() { stop(); }

  // Listens on 127.0.0.1 (an ephemeral port the first time, the same port afterwards).
  void start() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr = loopback(port_);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(listener_, 64) != 0) {
      throw std::runtime_error("proxy: cannot listen on port " + std::to_string(port_));
    }
    socklen_t len = sizeof addr;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    wake_ = ::eventfd(0, EFD_CLOEXEC);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  // Closes the listener and every connection: the server behind it is "down".
  void stop() {
    if (listener_ < 0) return;
    const std::uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof one);
    acceptor_.join();
    ::close(listener_);
    ::close(wake_);
    listener_ = wake_ = -1;
    std::lock_guard lock(mutex_);
    for (auto& c : connections_) {
      ::shutdown(c.client, SHUT_RDWR);
      ::shutdown(c.server, SHUT_RDWR);
    }
    for (auto& c : connections_) {
      c.pump.join();
      ::close(c.client);
      ::close(c.server);
    }
    connections_.clear();
  }

  int port() const { return port_; }

  // Ends every connection, as a network that fails, and goes on listening for new ones.
  void drop_connections() {
    std::lock_guard lock(mutex_);
    for (auto& c : connections_) ::shutdown(c.client, SHUT_RDWR);
  }

  // The next reply a server sends, on any connection, is not passed on: the proxy closes that
  // connection instead, as a network that fails after the server did the work and before its
  // answer arrives.
  void cut_at_next_reply() { cut_next_reply_.store(true); }

 private:
  struct Connection {
    int client, server;
    std::thread pump;
  };

  static sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
  }

  void accept_loop() {
    for (;;) {
      pollfd p[2] = {{listener_, POLLIN, 0}, {wake_, POLLIN, 0}};
      if (::poll(p, 2, -1) < 0 || p[1].revents) return;
      const int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (client < 0) continue;
      const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in addr = loopback(target_port_);
      if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(server);
        ::close(client);
        continue;
      }
      std::lock_guard lock(mutex_);
      auto& c = connections_.emplace_back(Connection{client, server, {}});
      c.pump = std::thread([this, client, server] { pump(client, server); });
    }
  }

  void pump(int a, int b) {
    char buf[16384];
    for (bool open = true; open;) {
      pollfd p[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) break;
      for (int i = 0; i < 2 && open; ++i) {
        if (!p[i].revents) continue;
        const int from = p[i].fd, to = i == 0 ? b : a;
        const ssize_t n = ::recv(from, buf, sizeof buf, 0);
        if (n <= 0 || (from == b && cut_next_reply_.exchange(false))) {
          open = false;
          break;
        }
        for (ssize_t sent = 0; sent < n && open;) {
          const ssize_t m =
              ::send(to, buf + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
          if (m <= 0) open = false;
          sent += m;
        }
      }
    }
    ::shutdown(a, SHUT_RDWR);
    ::shutdown(b, SHUT_RDWR);
  }

  const int target_port_;
  int port_ = 0;
  int listener_ = -1, wake_ = -1;
  std::thread acceptor_;
  std::mutex mutex_;
  std::list<Connection> connections_;
  std::atomic<bool> cut_next_reply_{false};
};

}  // namespace manydb::testing
