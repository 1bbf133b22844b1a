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
// handlers; the server's socket wakes it (a PostgreSQL bind's). SQLite and MariaDB run a
// statement in send(): their Pending is ready at once. The statement timeout holds as for the
// blocking get(): past it, get() throws StatementTimeout.
//
// Header only, and the one part of manydb that needs Boost (1.81: Boost::headers).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/multiple_exceptions.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <optional>

#include "manydb/session/session.hpp"

namespace manydb::asio {

namespace detail {

// Waits until `wait.socket` is readable or `wait.deadline` has passed. The socket stays the
// connection's: it is watched, never closed here, whatever ends the wait (cancellation too).
inline boost::asio::awaitable<void> readable(AnswerWait wait) {
  namespace net = boost::asio;
  const auto executor = co_await net::this_coro::executor;
  net::posix::stream_descriptor socket(executor, wait.socket);
  struct Unwatched {
    net::posix::stream_descriptor& socket;
    ~Unwatched() { socket.release(); }
  } unwatched{socket};
  net::steady_timer timer(executor, wait.deadline);
  try {
    // Called by name: manydb's own operator|| (of query expressions) hides it from lookup.
    co_await net::experimental::awaitable_operators::operator||(
        socket.async_wait(net::posix::stream_descriptor::wait_read, net::use_awaitable),
        timer.async_wait(net::use_awaitable));
  } catch (const net::multiple_exceptions& both) {
    // Both waits failed: cancelled from outside (operation_aborted), as the caller should see.
    std::rethrow_exception(both.first_exception());
  }
}

}  // namespace detail

// Until `pending.get()` would not wait: the answer of a read sent ahead (Query<T>::send,
// Session::send_load_related) is here, or its statement timeout has passed (then get() throws
// StatementTimeout). `pending` must outlive the wait, and its session must not be used by
// anything else meanwhile.
template <class R>
boost::asio::awaitable<void> ready(Pending<R>& pending) {
  while (const std::optional<AnswerWait> wait = pending.wait_needed()) {
    co_await detail::readable(*wait);
    if (std::chrono::steady_clock::now() >= wait->deadline) break;
  }
}

// Until every one of them is ready; they may be of several binds, all on their way at once.
template <class... R>
requires(sizeof...(R) > 1) boost::asio::awaitable<void> ready(Pending<R>&... pending) {
  (co_await ready(pending), ...);
}

}  // namespace manydb::asio
