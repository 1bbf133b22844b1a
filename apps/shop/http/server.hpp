#pragma once

// A small HTTP/1.1 server (Boost.Beast underneath, hidden in server.cpp). `threads` threads
// share one io_context. A blocking handler runs on one of them to its end, so at most `threads`
// of those run at once: they may block on the database, and that bound is their intended
// concurrency. An awaiting handler (Router's AwaitingHandler) runs as a coroutine and holds no
// thread while it awaits: any number may be waiting on their databases at once.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "router.hpp"

namespace shop::http {

class HttpMetrics;  // http_metrics.hpp

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0: pick a free port (see Server::port())
  int threads = 16;            // blocking handlers block on the database: about the pools' size
  std::size_t body_limit = 1 << 20;
  // Time allowed to receive one whole request (also the idle keep-alive limit) and to send
  // one response.
  std::chrono::seconds request_timeout{30};
  // Counts and times every request that reaches a handler; must outlive the server. Null: none.
  HttpMetrics* metrics = nullptr;
};

struct ServerStats {
  std::uint64_t requests_served = 0;  // responses sent, error responses included
  int in_flight = 0;                  // handlers running right now
  std::size_t connections = 0;        // open connections
};

class Server {
 public:
  // The router must outlive the server.
  Server(ServerOptions options, Router& router);
  ~Server();  // stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the threads. Throws std::system_error (e.g. "address already in
  // use") naming host and port if it cannot listen.
  void start();
  unsigned short port() const;  // the bound port; meaningful after start()
  // Stops accepting, lets requests in flight finish and get their response, closes idle
  // connections, joins the threads. Idempotent; must not be called from a handler.
  void stop();
  // From now on SIGINT and SIGTERM end run_until_signal() instead of the process, even one that
  // arrives before it is called. Call it before start(): a client that sees the server serving
  // may stop it at once. Idempotent.
  void catch_signals();
  // catch_signals(), start()s if needed, blocks until SIGINT or SIGTERM (or another thread's
  // stop()), stop()s.
  void run_until_signal();
  bool stopping() const;
  ServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shop::http
