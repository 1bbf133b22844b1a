// Statements sent ahead (Connection::send / receive) on libpq's pipeline mode: each goes out
// with a sync of its own, so the server answers each as it would have run alone (outside a
// transaction, its own implicit transaction; a failure skips nothing after it), and the answers
// are read in order when the caller asks for them.
#include <sys/socket.h>

#include <array>
#include <span>
#include <utility>

#include "engines/postgres/connection.hpp"
#include "engines/postgres/errors.hpp"

namespace manydb::engines::postgres {

void PgConnection::send_statement(std::string_view sql, std::span<const Value> params) {
  InFlight sent;
  sent.params.assign(params.begin(), params.end());
  try {
    require_usable();
    cursor_.reset(nullptr);
    const Statement* st = cache_.find(sql);
    const bool begin_unprepared =
        pending_ && bare_.find(dialect().begin_statement(*pending_)) == bare_.end();
    if (!st || begin_unprepared) {
      // Preparing waits for its own answer: what is on its way is read first, once per
      // statement and connection.
      read_all_in_flight();
      leave_pipeline();
      st = &prepared_for_pending(sql);
      if (pending_) bare_statement(dialect().begin_statement(*pending_));
    }
    check_param_count(*st, params);
    sent.deadline = deadline();
    send_in_pipeline(sent, *st);
  } catch (...) {
    sent.read = true;
    sent.error = std::current_exception();
  }
  in_flight_.push_back(std::move(sent));
}

// A pending BEGIN goes with the statement, as in run_statement: no round trip of its own.
void PgConnection::send_in_pipeline(InFlight& sent, const Statement& st) {
  if (!piped_) {
    if (!PQenterPipelineMode(conn_)) fail(nullptr);
    piped_ = true;
  }
  bool ok = true;
  if (pending_) {
    const char* begin = bare_statement(dialect().begin_statement(*pending_));  // prepared
    sent.begun = std::exchange(pending_, std::nullopt);
    ok = PQsendQueryPrepared(conn_, begin, 0, nullptr, nullptr, nullptr, 0);
  }
  params_.pack(sent.params);
  ok = ok &&
       PQsendQueryPrepared(conn_, st.name.c_str(), static_cast<int>(sent.params.size()),
                           params_.values.data(), params_.lengths.data(), params_.formats.data(),
                           st.result_format) &&
       PQpipelineSync(conn_);  // flushes: the statement is on its way
  if (!ok) {
    broken_ = true;  // libpq refuses only when the connection is gone or out of memory
    fail(nullptr);
  }
}

// Reads `sent`'s answers up to its sync, within the statement timeout counted from its sending:
// a request whose reads all wait on a hung server waits out one timeout, not one per read. An
// answer that came while the caller did something else is read even past that (await).
void PgConnection::read_in_flight(InFlight& sent) {
  sent.read = true;
  try {
    require_usable();                  // one lost or given up before: no wait for the rest
    std::array<ResultPtr, 2> answers;  // BEGIN's when it went along, the statement's
    if (!read_pipeline(std::span(answers).first(sent.begun ? 2 : 1), sent.deadline)) {
      fail(nullptr);
    }
    if (sent.begun) sent.begin_result = std::move(answers[0]);
    sent.result = std::move(answers[sent.begun ? 1 : 0]);
  } catch (...) {
    sent.error = std::current_exception();
  }
}

void PgConnection::read_all_in_flight() {
  for (InFlight& sent : in_flight_) {
    if (!sent.read) read_in_flight(sent);
  }
}

void PgConnection::leave_pipeline() {
  if (!std::exchange(piped_, false)) return;
  // Refused only with answers unread, after a timeout or a lost connection: of no more use.
  if (PQstatus(conn_) == CONNECTION_OK && !PQexitPipelineMode(conn_)) broken_ = true;
}

// BEGIN's failure when it failed (the server then skipped the statement), else the statement's.
ResultPtr PgConnection::answer_of(InFlight& sent) {
  if (sent.begin_result && !succeeded(sent.begin_result.get())) return std::move(sent.begin_result);
  return std::move(sent.result);
}

Cursor& PgConnection::receive_statement(std::string_view sql) {
  if (!in_flight_.front().read) read_in_flight(in_flight_.front());
  InFlight sent = std::move(in_flight_.front());
  in_flight_.pop_front();
  if (in_flight_.empty()) leave_pipeline();
  if (sent.error) std::rethrow_exception(sent.error);
  ResultPtr res = answer_of(sent);
  if (plan_changed(res.get())) {
    // Run again as run_statement would, once nothing else is on its way: outside a transaction,
    // or as the one statement of the transaction its BEGIN opened.
    read_all_in_flight();
    leave_pipeline();
    if (nothing_lost_by_running_again(sent.begun) && (in_flight_.empty() || !sent.begun)) {
      res = execute_afresh(sql, sent.params, sent.begun);
    }
  }
  check(res);
  cursor_.reset(std::move(res));
  return cursor_;
}

// The server flushes a statement's answer when it reaches the statement's sync, so once its first
// result is whole the rest (and a BEGIN's that went before it) is here too: receive() will not
// wait. A connection lost or given up needs no waiting either: receive() reports it.
std::optional<AnswerWait> PgConnection::wait_for_answer() {
  const InFlight& oldest = in_flight_.front();
  if (oldest.read || broken_ || PQstatus(conn_) != CONNECTION_OK) return std::nullopt;
  if (!PQconsumeInput(conn_) || !PQisBusy(conn_)) return std::nullopt;
  return AnswerWait{PQsocket(conn_), oldest.deadline};
}

// The pipeline is mid-answer: the socket is shut, so that closing the connection says nothing
// more to the server (it sees the end of the session, and rolls back its transaction).
void PgConnection::close_abandoned() noexcept {
  in_flight_.clear();
  broken_ = true;
  if (const int socket = PQsocket(conn_); socket >= 0) ::shutdown(socket, SHUT_RDWR);
}

}  // namespace manydb::engines::postgres
