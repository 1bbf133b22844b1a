// Statements sent ahead (Connection::send / receive) on Connector/C's non-blocking calls
// (MYSQL_OPT_NONBLOCK): the statement runs on a stack of the library's own, suspended whenever
// it would wait for the server, so send() returns once the statement is written, and its answer
// is read by receive(), or piece by piece by answer_wait() as it arrives. The protocol has no
// pipeline: one statement at a time (max_in_flight() is 1), but another bind's statements are
// at their server meanwhile.
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "engines/mariadb/connection.hpp"

namespace manydb::engines::mariadb {

namespace {

constexpr std::chrono::milliseconds kClientGrace{100};  // as PostgreSQL's

short poll_events(int waits_for) {
  short events = 0;
  if (waits_for & MYSQL_WAIT_READ) events |= POLLIN;
  if (waits_for & MYSQL_WAIT_WRITE) events |= POLLOUT;
  if (waits_for & MYSQL_WAIT_EXCEPT) events |= POLLPRI;
  return events;
}

// A socket in error or hung up is ready for whatever was awaited: the library's next call on it
// finds out what happened and fails the statement.
int wait_events(short revents, int waits_for) {
  if (revents & (POLLERR | POLLHUP | POLLNVAL))
    return waits_for & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
  int events = 0;
  if (revents & POLLIN) events |= MYSQL_WAIT_READ;
  if (revents & POLLOUT) events |= MYSQL_WAIT_WRITE;
  if (revents & POLLPRI) events |= MYSQL_WAIT_EXCEPT;
  return events;
}

}  // namespace

void MariadbConnection::send_statement(std::string_view sql, std::span<const Value> params) {
  send_error_ = nullptr;
  ran_in_send_ = false;
  try {
    require_usable();
    cursor_.reset();
    MYSQL_STMT* stmt = prepared(sql);  // preparing waits for its answer, once per connection
    if (stmt == nullptr) {
      ran_in_send_ = true;
      return Connection::send_statement(sql, params);
    }
    check_param_count(stmt, params.size());
    start_sending(stmt, params);
  } catch (...) {
    sending_ = {};
    send_error_ = std::current_exception();
  }
}

// The parameters are the caller's until they are written: they are, before this returns.
void MariadbConnection::start_sending(MYSQL_STMT* stmt, std::span<const Value> params) {
  bind_params(stmt, params);
  sent_params_.assign(params.begin(), params.end());
  sending_ = Sending{.stmt = stmt};
  settle(mysql_stmt_execute_start(&sending_.result, stmt));
  while (sending_.waits_for & MYSQL_WAIT_WRITE) settle(resume(wait_for_events()));
}

// Takes the statement on from what the library's last call returned: once it has run, its rows
// are read; notes what it is suspended on next, if anything.
void MariadbConnection::settle(int status) {
  while (status == 0 && !sending_.storing && sending_.result == 0) {
    sending_.meta = mysql_stmt_result_metadata(sending_.stmt);
    if (sending_.meta == nullptr) break;  // no rows to read
    sending_.storing = true;
    status = mysql_stmt_store_result_start(&sending_.result, sending_.stmt);
  }
  sending_.waits_for = status;
  sending_.deadline = std::chrono::steady_clock::time_point::max();
  if (!(status & MYSQL_WAIT_TIMEOUT)) return;
  // The server cancels a statement past the statement timeout itself (max_statement_time) and
  // keeps the connection: the client gives up a while later, on a server that does not answer.
  sending_.deadline = read_timeout_.count() > 0
                          ? started_ + read_timeout_ + kClientGrace
                          : std::chrono::steady_clock::now() +
                                std::chrono::milliseconds(mysql_get_timeout_value_ms(db_));
}

int MariadbConnection::resume(int events) {
  return sending_.storing ? mysql_stmt_store_result_cont(&sending_.result, sending_.stmt, events)
                          : mysql_stmt_execute_cont(&sending_.result, sending_.stmt, events);
}

// What of the awaited events happened within `timeout_ms` (-1: no limit); 0: none did.
int MariadbConnection::events_ready(int timeout_ms) {
  pollfd fd{static_cast<int>(mysql_get_socket(db_)), poll_events(sending_.waits_for), 0};
  int n = 0;
  do {
    n = poll(&fd, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sending_.waits_for & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);  // let it fail
  return n == 0 ? 0 : wait_events(fd.revents, sending_.waits_for);
}

// Blocks until the statement can go on: what it awaits happened, or the library's timeout
// passed (MYSQL_WAIT_TIMEOUT: it then fails the statement).
int MariadbConnection::wait_for_events() {
  int timeout_ms = -1;
  if (sending_.deadline != std::chrono::steady_clock::time_point::max()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        sending_.deadline - std::chrono::steady_clock::now());
    timeout_ms = static_cast<int>(std::max<std::int64_t>(left.count(), 0));
  }
  const int events = events_ready(timeout_ms);
  return events != 0 ? events : sending_.waits_for & MYSQL_WAIT_TIMEOUT;
}

Cursor& MariadbConnection::receive_statement(std::string_view sql) {
  if (std::exchange(ran_in_send_, false)) return Connection::receive_statement(sql);
  if (send_error_) std::rethrow_exception(std::exchange(send_error_, nullptr));
  while (sending_.waits_for != 0) settle(resume(wait_for_events()));
  const Sending done = std::exchange(sending_, {});
  if (done.result == 0) return opened(done.stmt, done.meta);
  if (done.storing) {
    mysql_free_result(done.meta);
    fail_statement(done.stmt);
  }
  MYSQL_STMT* stmt = run_afresh(sql, done.stmt, sent_params_);
  return opened(stmt, stored(stmt));
}

// Reads what has arrived, without blocking: the statement goes on as far as it can.
std::optional<AnswerWait> MariadbConnection::wait_for_answer() {
  while (sending_.waits_for != 0) {
    const int events = events_ready(0);
    if (events == 0) {
      return AnswerWait{static_cast<int>(mysql_get_socket(db_)), sending_.deadline};
    }
    settle(resume(events));
  }
  return std::nullopt;
}

// A statement given up on, or still suspended when the connection goes. Suspended, the
// library's stack is mid-answer, so nothing more may be said on the session: shutting the
// socket makes every call that would (closing statements, COM_QUIT) fail at once instead of
// waiting for the server. Finished, its rows are dropped and the connection stays whole.
void MariadbConnection::abandon_sent() noexcept {
  send_error_ = nullptr;
  ran_in_send_ = false;
  if (sending_.stmt == nullptr) return;
  if (sending_.waits_for != 0) {
    ::shutdown(static_cast<int>(mysql_get_socket(db_)), SHUT_RDWR);
    broken_ = true;
  } else {
    mysql_stmt_free_result(sending_.stmt);
  }
  if (sending_.meta != nullptr) mysql_free_result(sending_.meta);
  sending_ = {};
}

}  // namespace manydb::engines::mariadb
