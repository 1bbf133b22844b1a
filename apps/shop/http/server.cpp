// The only translation unit that includes Boost.Beast (~35 s to compile): keep it that way.

#include "server.hpp"

#include "app_log.hpp"
#include "http_metrics.hpp"
#include "request_context.hpp"
#include "request_id.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <limits>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <vector>

namespace shop::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using Strand = net::strand<net::io_context::executor_type>;

class Session;

// What the sessions share with the server. Lives in Server::Impl, which outlives every
// session: the io_context (and with it any pending handler owning a session) is destroyed
// first.
struct ServerCore {
  ServerCore(ServerOptions opts, Router& r) : options(std::move(opts)), router(r) {}

  ServerOptions options;
  Router& router;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> served{0};
  std::atomic<int> in_flight{0};
  std::mutex mutex;  // guards sessions
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
};

// Closing after an error response: how long to keep reading (and discarding) what the client
// still sends, so that closing with unread data does not RST away the response itself.
constexpr std::chrono::seconds kMaxLinger{3};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// One connection: read a request, run its handler, write the response, repeat. Every step
// runs on the connection's strand, so a Session needs no locking of its own.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerCore& core)
      : stream_(std::move(socket)), timer_(stream_.get_executor()), core_(core) {
    beast::error_code ec;
    auto endpoint = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_address_ = endpoint.address().to_string();
    // Without it Nagle holds back the response to a pipelined request until the client's
    // delayed ACK (~40 ms) arrives.
    stream_.socket().set_option(tcp::no_delay(true), ec);
  }

  ~Session() {
    std::lock_guard lock(core_.mutex);
    core_.sessions.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(core_.mutex);
      core_.sessions.emplace(this, weak_from_this());
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_request(); });
  }

  // Called (via post) by Server::stop(): an idle connection closes now; one with a request in
  // progress finishes it, answers with "Connection: close" and then closes.
  void on_stop() {
    if (phase_ == Phase::reading) cancel_io();
  }

  net::any_io_executor executor() { return stream_.get_executor(); }

 private:
  enum class Phase { starting, reading, handling, writing, closing };

  void read_request() {
    if (core_.stopping) return close();
    phase_ = Phase::reading;
    timed_out_ = false;
    parser_.emplace();
    parser_->body_limit(core_.options.body_limit);
    // A timer of our own rather than tcp_stream's expiry, which would close the socket and
    // leave no way to answer 408.
    stream_.expires_never();
    timer_.expires_after(core_.options.request_timeout);
    timer_.async_wait([self = shared_from_this(), generation = ++generation_](
                          beast::error_code ec) { self->on_read_timeout(generation, ec); });
    bhttp::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // A client that sent "Expect: 100-continue" waits for a go-ahead before the body (curl does,
  // for bodies over 1 KiB, then gives up waiting after a second): it gets one, unless the
  // request is already whole. Any other body is parsed from what was read with the header,
  // here: another async_read would queue the request behind every ready connection's handler.
  void on_header(beast::error_code ec) {
    if (ec || parser_->is_done()) return on_read(ec);
    const auto& header = parser_->get();
    if (header.version() >= 11 && beast::iequals(header[bhttp::field::expect], "100-continue")) {
      return net::async_write(stream_, net::buffer(kContinue),
                              [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                if (ec) return self->on_read(ec);
                                self->read_body();
                              });
    }
    parse_buffered_body(ec);
    if (ec || parser_->is_done()) return on_read(ec);
    read_body();
  }

  void parse_buffered_body(beast::error_code& ec) {
    while (buffer_.size() > 0 && !parser_->is_done()) {
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == bhttp::error::need_more) ec = {};
      if (ec || used == 0) return;
    }
  }

  void read_body() {
    bhttp::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read_timeout(unsigned generation, beast::error_code ec) {
    // The generation check drops a timer that fired just as its read completed.
    if (ec || generation != generation_ || phase_ != Phase::reading) return;
    timed_out_ = true;
    cancel_io();
  }

  void on_read(beast::error_code ec) {
    timer_.cancel();
    if (!ec) return handle(parser_->release());
    if (timed_out_) {
      // Silence for an idle keep-alive connection; 408 for a half-sent request.
      if (parser_->got_some() || buffer_.size() > 0) return send_error(408, "request timeout");
      return close();
    }
    if (ec == bhttp::error::body_limit) return send_error(413, "request body too large");
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
      return send_error(431, "request header fields too large");
    }
    // partial_message (the client half-closed inside a request) still gets a 400: the client
    // may be waiting for an answer on its read side.
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream) {
      return send_error(400, "bad request");
    }
    close();  // peer closed or reset, or stop() cancelled an idle read
  }

  void handle(bhttp::request<bhttp::string_body> message) {
    phase_ = Phase::handling;
    take_request_id(message);
    message_ = std::move(message);
    request_ = to_request(message_);
    core_.in_flight++;
    const bool timed = core_.options.metrics || applog::enabled(manydb::LogLevel::debug);
    started_ = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    if (core_.options.metrics) core_.options.metrics->started();
    const applog::RequestScope in_request(request_id_);  // for the lines the handler causes
    Router::Found found = core_.router.find(request_);
    if (found.awaiting) return await(*found.awaiting);
    if (!found.handler) return answer(std::move(found.refusal));
    Response response;
    try {
      response = (*found.handler)(request_);
    } catch (...) {
      response = failed(std::current_exception());
    }
    answer(std::move(response));
  }

  // The handler runs as a coroutine on the connection's strand: while it awaits a database,
  // this thread serves other connections. The client leaving meanwhile cancels it
  // (watch_client).
  // The answer is sent from inside the coroutine: co_spawn's completion handler would first go
  // through the handler queue (and wake another thread) when the handler never suspended.
  void await(const AwaitingHandler& handler) {
    watch_client();
    net::co_spawn(stream_.get_executor(), respond(shared_from_this(), handler),
                  net::bind_cancellation_slot(client_left_.slot(), net::detached));
  }

  static net::awaitable<void> respond(std::shared_ptr<Session> self,
                                      const AwaitingHandler& handler) {
    std::exception_ptr error;
    Response response;
    try {
      response = co_await handler(self->request_);
    } catch (...) {
      error = std::current_exception();
    }
    self->stop_watching();
    if (self->client_gone_) co_return self->forget_request();
    const applog::RequestScope in_request(self->request_id_);
    if (error) response = self->failed(error);
    self->answer(std::move(response));
  }

  // While an awaiting handler runs, the socket is watched: the client closing or resetting its
  // end cancels the handler, which gives up its reads (WaitPolicy::abandon_when_cancelled)
  // rather than hold their connections for an answer no one will read. Bytes arriving instead
  // (a pipelined request) end the watch: that request waits for its turn.
  void watch_client() {
    watching_ = ++watch_;
    stream_.socket().async_wait(tcp::socket::wait_read,
                                [self = shared_from_this(), watch = watch_](beast::error_code ec) {
                                  self->on_client_readable(watch, ec);
                                });
  }

  void on_client_readable(unsigned watch, beast::error_code ec) {
    if (watching_ != watch || ec == net::error::operation_aborted) return;  // answered first
    watching_ = 0;
    char byte = 0;
    const ssize_t n = ::recv(stream_.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    if (!ec && n > 0) return;
    if (!ec && n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return watch_client();
    client_gone_ = true;
    client_left_.emit(net::cancellation_type::terminal);
  }

  void stop_watching() {
    if (std::exchange(watching_, 0) == 0) return;
    beast::error_code ignored;
    stream_.socket().cancel(ignored);  // nothing else is pending on it while a handler runs
  }

  // The client left while its handler ran: nothing to answer. Counted as 499, nginx's "client
  // closed request".
  void forget_request() {
    finished(499);
    close();
  }

  void answer(Response response) {
    finished(response.status);
    send(std::move(response), message_.keep_alive(), message_.version(),
         message_.method() == bhttp::verb::head);
  }

  void finished(int status) {
    if (started_ != std::chrono::steady_clock::time_point{}) {
      const auto elapsed = std::chrono::steady_clock::now() - started_;
      if (HttpMetrics* metrics = core_.options.metrics) {
        metrics->finished(request_.route, status, elapsed);
      }
      if (applog::enabled(manydb::LogLevel::debug)) log_access(request_, status, elapsed);
    }
    core_.in_flight--;
  }

  // The client's X-Request-Id when sane, else a new one; the response echoes it.
  template <class Message>
  void take_request_id(const Message& message) {
    const auto sent = message[kRequestIdHeader];
    request_id_ = request_id_for(std::string_view(sent.data(), sent.size()));
  }

  // At debug only: a line per request costs the benchmarks' load too much at info.
  void log_access(const Request& request, int status, std::chrono::steady_clock::duration took) {
    const std::string_view route = request.route == Request::kNoRoute
                                       ? std::string_view("unmatched")
                                       : core_.router.pattern(request.route);
    applog::log(manydb::LogLevel::debug, "request",
                {{"method", request.method},
                 {"route", route},
                 {"status", std::int64_t{status}},
                 {"ms", std::chrono::duration<double, std::milli>(took).count()}});
  }

  // `message` outlives the request: its headers are read from there (Request::header).
  Request to_request(bhttp::request<bhttp::string_body>& message) {
    Request request;
    request.method = std::string(message.method_string());
    parse_target(message.target(), request.path, request.query);
    request.body = std::move(message.body());
    request.remote_address = remote_address_;
    request.headers = static_cast<const bhttp::fields*>(&message);
    request.find_header = [](const void* headers, std::string_view name) {
      const auto value = (*static_cast<const bhttp::fields*>(headers))[name];
      return std::string_view(value.data(), value.size());
    };
    return request;
  }

  // A handler's exception must never take the connection (or the process) down with it.
  Response failed(std::exception_ptr error) {
    std::string what = "a non-standard exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    applog::log(manydb::LogLevel::error, "handler failed",
                {{"method", request_.method}, {"path", request_.path}, {"error", what}});
    return Response::error(500, "internal error");
  }

  // The server's own refusals (400, 408, 413, 431) carry a request id too: the client's, when
  // its header got that far.
  void send_error(int status, std::string_view message) {
    take_request_id(parser_->get());
    if (applog::enabled(manydb::LogLevel::debug)) {
      const applog::RequestScope in_request(request_id_);
      applog::log(manydb::LogLevel::debug, "request refused",
                  {{"status", std::int64_t{status}}, {"error", message}});
    }
    send(Response::error(status, message), false, 11);
  }

  // `head_only`: the answer to a HEAD, whose head says what GET's body would be, without it.
  void send(Response response, bool keep_alive, unsigned version, bool head_only = false) {
    phase_ = Phase::writing;
    // A status line carries three digits; a handler returning another code is a bug, hence 500.
    if (response.status < 100 || response.status > 999) {
      response = Response::error(500, "internal error");
    }
    keep_alive_ = keep_alive && !core_.stopping;
    response.headers.emplace_back(kRequestIdHeader, request_id_);
    const std::size_t length = bodiless(response.status) ? 0 : response.body.size();
    body_ = bodiless(response.status) || head_only ? std::string() : std::move(response.body);
    head_.clear();
    write_head(head_, response, version, keep_alive_, length);
    // Counted before the write so that a client holding the response sees it counted.
    core_.served++;
    const std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
    stream_.expires_after(core_.options.request_timeout);
    net::async_write(
        stream_, buffers, whole_writes,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_write(ec); });
  }

  // async_write's default writes at most 64 KiB per call, and each further call waits its turn
  // in the handler queue behind every other connection's ready handler: tens of milliseconds
  // at 128 connections for the last 25 KB of GET /products, which set the tail of any load
  // with it. Offering the socket the whole rest at once lets its send buffer take it in one
  // call. (Writing from the handler's thread instead of async_write was tried too: it spared
  // the queue entirely, but widened POST /orders' latency spread on SQLite fourfold.)
  static std::size_t whole_writes(const beast::error_code& ec, std::size_t) {
    return ec ? 0 : std::numeric_limits<std::size_t>::max();
  }

  void on_write(beast::error_code ec) {
    if (ec) return close();
    if (keep_alive_) return read_request();
    linger_close();
  }

  // Half-close, then discard input until the client closes (or kMaxLinger passes), so the
  // response is not lost to a RST caused by unread request bytes.
  void linger_close() {
    phase_ = Phase::closing;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(
        std::min<std::chrono::seconds>(kMaxLinger, core_.options.request_timeout));
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  void cancel_io() {
    beast::error_code ignored;
    stream_.socket().cancel(ignored);
  }

  void close() {
    phase_ = Phase::closing;
    timer_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  ServerCore& core_;
  beast::flat_buffer buffer_;  // survives between requests: it may hold pipelined bytes
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string head_;  // status line and headers, reused from one response to the next
  std::string body_;
  bool keep_alive_ = false;
  std::string remote_address_;
  std::string request_id_;  // of the request being handled or answered
  // The request being handled: its headers are read from message_ (Request::header).
  bhttp::request<bhttp::string_body> message_;
  Request request_;
  std::chrono::steady_clock::time_point started_{};  // zero: not timed
  Phase phase_ = Phase::starting;
  unsigned generation_ = 0;
  bool timed_out_ = false;
  net::cancellation_signal client_left_;  // cancels the awaiting handler running now
  unsigned watch_ = 0;                    // the latest watch_client()
  unsigned watching_ = 0;                 // the watch on now; 0: none
  bool client_gone_ = false;
  std::array<char, 4096> discard_{};
};

tcp::endpoint resolve(const ServerOptions& options, net::io_context& ioc) {
  beast::error_code ec;
  auto address = net::ip::make_address(options.host, ec);
  if (!ec) return {address, options.port};
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec || results.empty()) {
    throw std::system_error(ec, "cannot resolve listen address " + options.host);
  }
  return *results.begin();
}

}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, Router& router) : core(std::move(options), router) {
    // Created here, empty, so that Asio's process-wide signal pipe is set up by the thread
    // that owns the server (usually main) rather than racily by run_until_signal()'s.
    signals.emplace(ioc);
  }

  void start();
  void stop();
  void accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  void accept_pending();
  void run_thread();
  void notify_sessions_of_stop();

  ServerCore core;  // declared before ioc so that it is destroyed after it
  net::io_context ioc;
  Strand accept_strand{net::make_strand(ioc)};
  std::optional<tcp::acceptor> acceptor;
  net::steady_timer accept_retry{accept_strand};
  std::optional<net::signal_set> signals;
  std::vector<std::thread> threads;
  unsigned short bound_port = 0;

  std::mutex mutex;  // guards started, stopped, signalled, signals
  std::condition_variable state_changed;
  bool started = false;
  bool stopped = false;
  bool signalled = false;
  bool catching = false;  // catch_signals() has run
};

void Server::Impl::start() {
  const auto endpoint = resolve(core.options, ioc);
  const std::string where = core.options.host + ":" + std::to_string(core.options.port);
  acceptor.emplace(accept_strand);
  beast::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  // SO_REUSEADDR only lets a restarted server bind over TIME_WAIT; a live listener still
  // makes bind() fail with "address in use".
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  // accept_pending() must find the queue empty rather than block.
  if (!ec) acceptor->non_blocking(true, ec);
  if (ec) throw std::system_error(ec, "cannot listen on " + where);
  bound_port = acceptor->local_endpoint().port();
  accept();
  int count = std::max(1, core.options.threads);
  for (int i = 0; i < count; ++i) threads.emplace_back([this] { run_thread(); });
}

void Server::Impl::accept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void Server::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
  if (!ec) {
    std::make_shared<Session>(std::move(socket), core)->start();
    accept_pending();
    return accept();
  }
  // E.g. EMFILE: retrying at once would spin, so wait a little for descriptors to free up.
  applog::log(manydb::LogLevel::error, "accept failed", {{"error", ec.message()}});
  accept_retry.expires_after(std::chrono::milliseconds(100));
  accept_retry.async_wait([this](beast::error_code wait_ec) {
    if (!wait_ec && acceptor->is_open()) accept();
  });
}

// Takes every connection already waiting in the listen queue. Without it, one connection is
// accepted per trip through the handler queue: under load (all threads busy with requests) the
// 128th connection of a burst would wait behind 127 such trips, seconds before its first byte.
void Server::Impl::accept_pending() {
  for (;;) {
    tcp::socket socket(net::make_strand(ioc));
    beast::error_code ec;
    acceptor->accept(socket, ec);
    if (ec) return;  // would_block: the queue is empty; other errors: async_accept reports them
    std::make_shared<Session>(std::move(socket), core)->start();
  }
}

void Server::Impl::run_thread() {
  // Handlers catch their own exceptions; this only guards against a bug in the server itself
  // silently killing one of the threads.
  while (true) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      applog::log(manydb::LogLevel::error, "io thread caught an exception", {{"error", e.what()}});
    }
  }
}

void Server::Impl::notify_sessions_of_stop() {
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(core.mutex);
    for (auto& [raw, weak] : core.sessions) {
      if (auto session = weak.lock()) live.push_back(std::move(session));
    }
  }
  for (auto& session : live) {
    net::post(session->executor(), [session] { session->on_stop(); });
  }
}

void Server::Impl::stop() {
  {
    std::lock_guard lock(mutex);
    if (stopped) return;
    stopped = true;
    if (signals) net::post(ioc, [this] { signals->cancel(); });
  }
  state_changed.notify_all();
  if (!started) return;
  // Set before the session snapshot: a session registered after it sees the flag instead.
  core.stopping = true;
  net::post(accept_strand, [this] {
    beast::error_code ignored;
    acceptor->close(ignored);
    accept_retry.cancel();
  });
  notify_sessions_of_stop();
  // The threads return once the last connection is closed: nothing else keeps ioc busy.
  for (auto& thread : threads) thread.join();
  threads.clear();
}

Server::Server(ServerOptions options, Router& router)
    : impl_(std::make_unique<Impl>(std::move(options), router)) {}

Server::~Server() { stop(); }

void Server::start() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->started || impl_->stopped) return;
  impl_->start();
  impl_->started = true;
}

unsigned short Server::port() const { return impl_->bound_port; }

void Server::stop() { impl_->stop(); }

bool Server::stopping() const { return impl_->core.stopping; }

void Server::catch_signals() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->stopped || impl_->catching) return;
  impl_->catching = true;
  impl_->signals->add(SIGINT);
  impl_->signals->add(SIGTERM);
  impl_->signals->async_wait([impl = impl_.get()](beast::error_code ec, int) {
    if (ec) return;
    std::lock_guard guard(impl->mutex);
    impl->signalled = true;
    impl->state_changed.notify_all();
  });
}

void Server::run_until_signal() {
  catch_signals();
  start();
  {
    std::unique_lock lock(impl_->mutex);
    impl_->state_changed.wait(lock, [this] { return impl_->signalled || impl_->stopped; });
  }
  stop();
}

ServerStats Server::stats() const {
  ServerStats stats;
  stats.requests_served = impl_->core.served;
  stats.in_flight = impl_->core.in_flight;
  std::lock_guard lock(impl_->core.mutex);
  stats.connections = impl_->core.sessions.size();
  return stats;
}

}  // namespace shop::http
