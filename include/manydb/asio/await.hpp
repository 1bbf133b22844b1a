#pragma once
// Awaiting a read sent ahead from a C++20 coroutine on Boost.Asio, without blocking the thread:
//
//   asio::awaitable<Response> order_page(manydb::Database& db, std::int64_t id) {
//     auto s = db.session();
//     auto order = s.query<Order>().filter_by(&Order::id, id).send();          // orders bind
//     auto items = s.query<OrderItem>().filter_by(&OrderItem::order_id, id).send();
//     auto user = s.query<User>().filter_by(&User::id, user_id).send();        // users bind
//     co_await manydb::asio::ready(order, items, user);  // meanwhile the thread serves others
//     for (const OrderItem& item : items.get()) ...      // get() waits no more
//   }
//
// While the answer is on its way the coroutine is suspended and its thread runs other
// handlers; the server's socket wakes it (a PostgreSQL or MariaDB bind's). SQLite runs a
// statement in send(): its Pending is ready at once. The statement timeout holds as for the
// blocking get(): past it, get() throws manydb::Timeout.
//
// Header only, and the one part of manydb that needs Boost (1.81: Boost::headers).
#include <poll.h>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>

#include "manydb/session/session.hpp"

namespace manydb::asio {

namespace detail {

// Waits until `wait.socket` is readable or `wait.deadline` has passed. The socket stays the
// connection's: it is watched, never closed here, whatever ends the wait (cancellation too).
// One wait on the socket, and a timer that cancels it at the deadline: racing two waits
// (awaitable operators) costs a handful of hand-offs between threads per wait.
inline boost::asio::awaitable<void> readable(AnswerWait wait) {
  namespace net = boost::asio;
  using Clock = std::chrono::steady_clock;
  // The coroutine's own executor (a strand, in a server): the timer's handler runs there too,
  // never beside the coroutine.
  const auto executor = co_await net::this_coro::executor;
  struct Watch {
    Watch(const net::any_io_executor& executor, int socket) : socket(executor, socket) {}
    ~Watch() { socket.release(); }
    net::posix::stream_descriptor socket;
    bool waiting = true;
  };
  const auto watch = std::make_shared<Watch>(executor, wait.socket);
  std::optional<net::steady_timer> timer;
  if (wait.deadline != Clock::time_point::max()) {
    timer.emplace(executor, wait.deadline);
    timer->async_wait(net::bind_executor(executor, [watch](const boost::system::error_code& ec) {
      if (!ec && watch->waiting) watch->socket.cancel();
    }));
  }
  boost::system::error_code ec;
  co_await watch->socket.async_wait(net::posix::stream_descriptor::wait_read,
                                    net::redirect_error(net::use_awaitable, ec));
  watch->waiting = false;
  watch->socket.release();  // the timer's handler may outlive this: it finds nothing to cancel
  if (timer) timer->cancel();
  const auto state = co_await net::this_coro::cancellation_state;
  if (state.cancelled() != net::cancellation_type::none) {
    throw boost::system::system_error(net::error::operation_aborted);  // cancelled from outside
  }
  if (ec && ec != net::error::operation_aborted) throw boost::system::system_error(ec);
}

// Waits in the thread, as the blocking get() would, until `wait.socket` is readable or `until`.
inline void poll_until(const AnswerWait& wait, std::chrono::steady_clock::time_point until) {
  const auto left = std::min(until, wait.deadline) - std::chrono::steady_clock::now();
  if (left <= std::chrono::steady_clock::duration::zero()) return;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
  const timespec timeout{static_cast<time_t>(ns / 1'000'000'000),
                         static_cast<long>(ns % 1'000'000'000)};
  pollfd fd{wait.socket, POLLIN, 0};
  ::ppoll(&fd, 1, &timeout, nullptr);  // EINTR: the caller asks again
}

}  // namespace detail

// How ready() waits.
struct WaitPolicy {
  // How it spends a wait's first moments. A healthy server on the same machine answers within a
  // fraction of a millisecond: waiting for that in the thread costs nothing more than the
  // blocking get(), where suspending costs a registration with the event loop and hand-offs
  // between its threads (on a 2-core VM, 60-190 us of CPU per request of the shop). Past
  // `block_first` the coroutine suspends, so a slow or hung server holds the thread no longer
  // than that per ready(). Zero (the default): suspend at once.
  std::chrono::microseconds block_first{0};
  // What a cancelled wait does with the reads. false (the default): they stay their session's,
  // whose next use of the bind (or its end) reads their answers. true: the session is abandoned
  // (Session::abandon): the connections they are on are closed without waiting, and the
  // session's transactions rolled back; for a request whose client went away, while its
  // database may hang.
  bool abandon_when_cancelled = false;
};

// Until every `pending.get()` would not wait: the answers of reads sent ahead (Query<T>::send,
// Session::send_load_related) are here, or their statement timeout has passed (then get()
// throws Timeout). They may be of several binds, all on their way at once. Each `pending` must
// outlive the wait, and its session must not be used by anything else meanwhile. Run the
// coroutine on a strand (or an io_context of one thread): the deadline's timer runs its handler
// on the coroutine's executor.
template <class... R>
boost::asio::awaitable<void> ready(WaitPolicy policy, Pending<R>&... pending) {
  const auto block_until = std::chrono::steady_clock::now() + policy.block_first;
  const auto one = [&block_until](auto& p) -> boost::asio::awaitable<void> {
    while (const std::optional<AnswerWait> wait = p.wait_needed()) {
      if (std::chrono::steady_clock::now() >= wait->deadline) break;
      if (std::chrono::steady_clock::now() < block_until) {
        detail::poll_until(*wait, block_until);
      } else {
        co_await detail::readable(*wait);
      }
    }
  };
  try {
    (co_await one(pending), ...);
  } catch (const boost::system::system_error& e) {
    if (policy.abandon_when_cancelled && e.code() == boost::asio::error::operation_aborted) {
      (pending.abandon(), ...);
    }
    throw;
  }
}

template <class... R>
boost::asio::awaitable<void> ready(Pending<R>&... pending) {
  return ready(WaitPolicy{}, pending...);
}

}  // namespace manydb::asio
