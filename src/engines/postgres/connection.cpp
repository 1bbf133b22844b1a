#include "engines/postgres/connection.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "engines/postgres/errors.hpp"
#include "engines/postgres/factory.hpp"

namespace manydb::engines::postgres {

namespace {

std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  // The shortest text that reads back as exactly `d` (as precise as "%.17g", never longer).
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, ec == std::errc() ? end : buf);
}

void assign_int(std::string& out, std::int64_t i) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, i);
  out.assign(buf, end);
}

}  // namespace

// The values of one statement in libpq's parallel arrays: text format, except blobs in binary.
// The arrays and the text of converted numbers live in the connection and keep their memory
// from one statement to the next; text and blob values are pointed at where they are.
void PgConnection::ParamBuffers::pack(std::span<const Value> params) {
  const std::size_t n = params.size();
  if (text.size() < n) text.resize(n);  // never resized below: values point into text
  values.resize(n);
  lengths.resize(n);
  formats.resize(n);
  for (std::size_t k = 0; k < n; ++k) {
    const Value& v = params[k];
    formats[k] = 0;
    switch (v.type()) {
      case ValueType::null:
        values[k] = nullptr;
        lengths[k] = 0;
        continue;
      case ValueType::blob: {
        const Blob& b = v.as_blob();
        // An empty vector's data() may be null, which libpq would send as SQL NULL.
        values[k] = b.empty() ? "" : reinterpret_cast<const char*>(b.data());
        lengths[k] = static_cast<int>(b.size());
        formats[k] = 1;
        continue;
      }
      case ValueType::text: {
        const std::string& t = v.as_text();  // alive until the statement has run
        values[k] = t.c_str();
        lengths[k] = static_cast<int>(t.size());
        continue;
      }
      case ValueType::boolean:  // constants: no copy
        values[k] = v.as_bool() ? "true" : "false";
        lengths[k] = v.as_bool() ? 4 : 5;
        continue;
      case ValueType::int64: assign_int(text[k], v.as_int64()); break;
      case ValueType::real: text[k] = format_double(v.as_double()); break;
      case ValueType::timestamp: text[k] = v.as_timestamp().to_string(); break;
    }
    values[k] = text[k].c_str();
    lengths[k] = static_cast<int>(text[k].size());
  }
}

namespace {

constexpr const char* kInDoubt =
    ", while COMMIT was in flight: the transaction may or may not have committed";

void ignore_notice(void*, const char*) {}  // warnings such as "no transaction in progress"

}  // namespace

PgConnection::PgConnection(PGconn* conn, std::string bind, std::string password,
                           std::chrono::milliseconds wait_limit)
    : Connection(std::move(bind)),
      conn_(conn),
      password_(std::move(password)),
      wait_limit_(wait_limit) {
  PQsetNoticeProcessor(conn_, ignore_notice, nullptr);
  // Nothing may block without a deadline: libpq's own waits have none, so every wait is ours.
  PQsetnonblocking(conn_, 1);
}

PgConnection::~PgConnection() {
  cursor_.reset(nullptr);
  PQfinish(conn_);  // the server drops this session's prepared statements with it
}

const Dialect& PgConnection::dialect() const { return postgres::dialect(); }

Cursor& PgConnection::run_statement(std::string_view sql, std::span<const Value> params) {
  require_usable();
  cursor_.reset(nullptr);
  const Statement& st = prepared_for_pending(sql);
  const std::optional<TxMode> begun = pending_;  // this statement carries its transaction's BEGIN
  ResultPtr res = begun ? begin_and_execute(st, params) : execute(st, params);
  if (plan_changed(res.get()) && nothing_lost_by_running_again(begun)) {
    res = execute_afresh(sql, params, begun);
  }
  check(res);
  cursor_.reset(std::move(res));
  return cursor_;
}

// A cached statement whose result type changed since it was prepared (a SELECT * of a table
// altered since, a column given another type) fails once on each connection, before it does
// anything. It can run again, prepared afresh, outside a transaction, and as the statement that
// went out with its transaction's BEGIN: then nothing else ran in the transaction it aborted.
// Later in a transaction the failure stands, as any other: what ran before it is lost with it.
bool PgConnection::nothing_lost_by_running_again(std::optional<TxMode> begun) const {
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_IDLE || (begun && status == PQTRANS_INERROR);
}

ResultPtr PgConnection::execute_afresh(std::string_view sql, std::span<const Value> params,
                                       std::optional<TxMode> begun) {
  if (PQtransactionStatus(conn_) == PQTRANS_INERROR) {
    run("ROLLBACK");  // the transaction its BEGIN opened and its failure aborted
    pending_ = begun;
  }
  cache_.erase(sql);
  const Statement& st = prepared_for_pending(sql);
  return pending_ ? begin_and_execute(st, params) : execute(st, params);
}

bool PgConnection::plan_changed(const PGresult* res) const {
  const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
  const char* msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  return state && msg && std::string_view(state) == "0A000" &&
         std::string_view(msg).starts_with("cached plan must not change result type");
}

void PgConnection::check_param_count(const Statement& st, std::span<const Value> params) const {
  if (params.size() != static_cast<std::size_t>(st.params)) {
    throw_database_error(ErrorKind::programming, bind(), "",
                         "the statement expects " + std::to_string(st.params) + " parameters but " +
                             std::to_string(params.size()) + " were given");
  }
}

void PgConnection::bind_params(const Statement& st, std::span<const Value> params) {
  check_param_count(st, params);
  params_.pack(params);
}

ResultPtr PgConnection::execute(const Statement& st, std::span<const Value> params) {
  bind_params(st, params);
  return finish(PQsendQueryPrepared(conn_, st.name.c_str(), static_cast<int>(params.size()),
                                    params_.values.data(), params_.lengths.data(),
                                    params_.formats.data(), st.result_format));
}

// When a wait that starts now must end: never, without a statement timeout.
PgConnection::Clock::time_point PgConnection::deadline() const {
  if (wait_limit_.count() <= 0) return Clock::time_point::max();
  return Clock::now() + wait_limit_;
}

// Sends what libpq still holds and reads until PQgetResult would not block, or until
// `deadline`: then the connection is given up (Timeout). Past the deadline what has already
// arrived is still read (an answer to a statement sent ahead may have come while the caller
// did something else). A read that fails returns, and PQgetResult reports the lost connection.
void PgConnection::await(Clock::time_point deadline) {
  for (;;) {
    const int unsent = PQflush(conn_);
    if (unsent < 0) return;
    if (unsent == 0 && !PQisBusy(conn_)) return;
    pollfd fd{PQsocket(conn_), static_cast<short>(POLLIN | (unsent ? POLLOUT : 0)), 0};
    if (fd.fd < 0) return;
    int wait_ms = -1;
    bool past = false;
    if (deadline != Clock::time_point::max()) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      past = left.count() <= 0;
      wait_ms = past ? 0 : static_cast<int>(left.count());
    }
    const int rc = poll(&fd, 1, wait_ms);
    if (rc < 0 && errno != EINTR) return;
    if (rc == 0 && past) time_out();
    if (rc > 0 && (fd.revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(conn_)) return;
  }
}

ResultPtr PgConnection::next_result(Clock::time_point deadline) {
  await(deadline);
  return ResultPtr(PQgetResult(conn_));
}

// What PQexec does after sending, within the statement timeout: every result of the command,
// keeping the first failure, else the last result. Null when nothing could be sent.
ResultPtr PgConnection::finish(int sent) {
  if (!sent) return nullptr;
  const Clock::time_point until = deadline();
  ResultPtr kept;
  while (ResultPtr r = next_result(until)) {
    const ExecStatusType status = PQresultStatus(r.get());
    if (!kept || succeeded(kept.get())) kept = std::move(r);
    // COPY waits for data the caller sends through native_handle(), as after PQexec.
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) break;
  }
  return kept;
}

void PgConnection::time_out() {
  broken_ = true;
  mark_timed_out();
  const bool in_doubt = std::exchange(commit_in_flight_, false);
  throw_database_error(
      in_doubt ? ErrorKind::commit_in_doubt : ErrorKind::timeout, bind(), "",
      "no answer from the PostgreSQL server within " + std::to_string(wait_limit_.count()) +
          " ms (statement_timeout_ms); the connection is closed" + (in_doubt ? kInDoubt : ""));
}

// The pending BEGIN and the statement in one pipeline: one packet out, one answer back, where
// BEGIN on its own would cost a round trip. Returns the result to check: BEGIN's when it failed
// (the server then skipped the statement), else the statement's; null when the connection gave
// none.
ResultPtr PgConnection::begin_and_execute(const Statement& st, std::span<const Value> params) {
  std::array<ResultPtr, 1> result;
  const Queued queued[] = {{&st, params}};
  Bounds bounds = pipeline(queued, false, result);
  if (bounds.begin && !succeeded(bounds.begin.get())) return std::move(bounds.begin);
  return std::move(result[0]);
}

// The batch's statements, with the pending BEGIN before them and COMMIT after when the batch
// asks, in one pipeline: a transaction's last statements then cost no round trip of their own
// for COMMIT. The server skips whatever follows a failure up to the pipeline's end: a failed
// statement leaves the transaction open and aborted, for rollback(), as after a failed statement
// on its own (or, sent without BEGIN, already rolled back). A batch longer than a pipeline goes
// out in several, COMMIT with the last.
void PgConnection::run_batch(const Batch& batch) {
  require_usable();
  const auto steps = batch.steps();
  if (steps.empty() && batch.commits()) commit();
  for (std::size_t at = 0; at < steps.size();) {
    const std::size_t n = std::min(kMaxPipelined, steps.size() - at);
    run_pipelined(steps.subspan(at, n), at + n == steps.size() && batch.commits());
    at += n;
  }
}

// Up to kMaxPipelined statements, and COMMIT after them when `then_commit`, as one pipeline.
void PgConnection::run_pipelined(std::span<const Batch::Step> steps, bool then_commit) {
  cursor_.reset(nullptr);
  // Copies: preparing one may evict another from the cache.
  std::array<Statement, kMaxPipelined> statements;
  std::array<Queued, kMaxPipelined> queued;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    statements[i] = prepared_for_pending(steps[i].sql);
    queued[i] = {&statements[i], steps[i].params};
  }
  std::array<std::string_view, kMaxPipelined> texts;
  for (std::size_t i = 0; i < steps.size(); ++i) texts[i] = steps[i].sql;
  std::array<ResultPtr, kMaxPipelined> answers;
  const auto results = std::span(answers).first(steps.size());
  check_pipeline(pipeline(std::span(queued).first(steps.size()), then_commit, results), results,
                 then_commit, std::span(texts).first(steps.size()));
  for (std::size_t i = 0; i < steps.size(); ++i) {
    cursor_.reset(std::move(results[i]));
    if (steps[i].read) steps[i].read(cursor_);
  }
}

// Sends a pending BEGIN, the statements and, when `then_commit`, COMMIT as one pipeline, and
// fills `results` with the first result of each statement, in order.
//
// A whole transaction in one pipeline (BEGIN still pending, COMMIT asked for) goes without
// BEGIN and COMMIT: the server runs the statements between two syncs as one transaction,
// commits it at the sync, and rolls it all back when one fails; a commit that fails there (a
// deferred constraint) answers an error after the statements'. BEGIN and COMMIT would only add
// two statements to execute on each side. Only for a plain BEGIN: a READ ONLY one must still
// refuse writes.
PgConnection::Bounds PgConnection::pipeline(std::span<const Queued> statements, bool then_commit,
                                            std::span<ResultPtr> results) {
  if (statements.size() > kMaxPipelined) throw std::logic_error("pipeline: too many statements");
  // A wrong count throws before anything is sent; BEGIN stays pending.
  for (const Queued& q : statements) check_param_count(*q.statement, q.params);
  Bounds bounds;
  bounds.implicit = then_commit && pending_ == TxMode::write;
  // BEGIN and COMMIT go out as statements prepared once per connection, as the statements do:
  // the server then parses neither again for every transaction.
  const char* begin =
      pending_ && !bounds.implicit ? bare_statement(dialect().begin_statement(*pending_)) : nullptr;
  const char* commit = then_commit && !bounds.implicit ? bare_statement("COMMIT") : nullptr;
  pending_.reset();  // from here on the server's transaction status is the truth
  auto send_bare = [&](const char* name) {
    return !name || PQsendQueryPrepared(conn_, name, 0, nullptr, nullptr, nullptr, 0);
  };
  bool sent = PQenterPipelineMode(conn_) && send_bare(begin);
  for (const Queued& q : statements) {
    if (!sent) break;
    params_.pack(q.params);  // libpq copies the values into its buffer at once
    sent = PQsendQueryPrepared(conn_, q.statement->name.c_str(), static_cast<int>(q.params.size()),
                               params_.values.data(), params_.lengths.data(),
                               params_.formats.data(), q.statement->result_format);
  }
  // The sync commits (or COMMIT before it does): from here until its answer, a lost connection
  // leaves the outcome unknown.
  commit_in_flight_ = then_commit && sent;
  if (!sent || !send_bare(commit) || !PQpipelineSync(conn_)) {
    broken_ = true;  // libpq refuses only when the connection is gone or out of memory
    fail(nullptr);
  }
  std::array<ResultPtr, kMaxPipelined + 2> answers;  // BEGIN's, the statements', COMMIT's
  const bool synced = read_pipeline(std::span(answers).subspan(begin ? 0 : 1), deadline());
  if (synced) commit_in_flight_ = false;  // the answers tell what happened
  // One lost mid-pipeline stays in pipeline mode, and fail() marks it broken; one that is
  // fine yet cannot leave it would answer no plain statement: of no more use either.
  if (PQstatus(conn_) == CONNECTION_OK && !PQexitPipelineMode(conn_)) broken_ = true;
  // Without the sync's answer nobody knows whether the implicit commit happened.
  if (bounds.implicit && !synced) fail(nullptr);
  bounds.begin = std::move(answers[0]);
  for (std::size_t i = 0; i < statements.size(); ++i) results[i] = std::move(answers[1 + i]);
  bounds.commit = std::move(answers[1 + statements.size()]);
  return bounds;
}

// Throws the pipeline's first failure, in the order the server met them: BEGIN's, a
// statement's (the server skipped what followed), the commit's; each names its SQL (`sql[i]`
// is results[i]'s).
void PgConnection::check_pipeline(const Bounds& bounds, std::span<const ResultPtr> results,
                                  bool then_commit, std::span<const std::string_view> sql) {
  const auto named = [this](const ResultPtr& r, std::string_view text) {
    try {
      check(r);
    } catch (Error& e) {
      e.attach_sql(text);
      throw;
    }
  };
  if (bounds.begin) named(bounds.begin, "BEGIN");
  for (std::size_t i = 0; i < results.size(); ++i) named(results[i], sql[i]);
  if (!then_commit) return;
  if (bounds.implicit) {
    if (bounds.commit) named(bounds.commit, "COMMIT");  // only an error follows the results
    return;
  }
  named(bounds.commit, "COMMIT");  // its own failure (deferred constraint, serialization)
  refuse_rolled_back_commit(bounds.commit.get());
}

// Collects the pipeline's answers: each query's results end with a null, and the sync's result
// ends the pipeline. A lost connection ends it early; then libpq answers null from then on.
// True when the sync's answer arrived.
bool PgConnection::read_pipeline(std::span<ResultPtr> results, Clock::time_point deadline) {
  std::size_t query = 0;
  bool ended = false;
  for (;;) {
    ResultPtr r = next_result(deadline);
    if (!r) {
      if (ended || PQstatus(conn_) == CONNECTION_BAD) return false;
      ended = true;
      ++query;
      continue;
    }
    ended = false;
    if (PQresultStatus(r.get()) == PGRES_PIPELINE_SYNC) return true;
    if (query < results.size() && !results[query]) results[query] = std::move(r);
  }
}

const PgConnection::Statement& PgConnection::prepared(std::string_view sql) {
  if (const Statement* cached = cache_.find(sql)) return *cached;
  return cache_.insert(sql, prepare(std::string(sql)));
}

// Prepares the statement before a pending BEGIN is sent, so that BEGIN can still travel with its
// execution. Had it been prepared inside the transaction, a failure would have aborted the
// transaction: then BEGIN is sent and the statement prepared once more, to fail as it did.
const PgConnection::Statement& PgConnection::prepared_for_pending(std::string_view sql) {
  try {
    return prepared(sql);
  } catch (const DatabaseError&) {
    if (!pending_ || broken_) throw;
  }
  send_pending_begin();
  return prepared(sql);
}

PgConnection::Statement PgConnection::prepare(const std::string& sql) {
  Statement st{"s" + std::to_string(++next_name_), 0};
  std::size_t placeholders = 0;
  const std::string text = dialect().rewrite_placeholders(sql, &placeholders);
  check(finish(PQsendPrepare(conn_, st.name.c_str(), text.c_str(), 0, nullptr)));
  ++prepares_;
  // libpq refuses a ParameterDescription longer than 30,000 bytes as a loss of synchronisation
  // (fe-protocol3.c, VALID_LONG_MESSAGE_TYPE), so a statement with more parameters than that
  // holds is not described: its '?' count is its parameters' count, and its rows come as text.
  constexpr std::size_t kMostParametersDescribed = (30'000 - 2) / 4;
  if (placeholders > kMostParametersDescribed) {
    st.params = static_cast<int>(placeholders);
    return st;
  }
  // The server's count is exact even for $n written by hand; one more round trip, once.
  ResultPtr desc = finish(PQsendDescribePrepared(conn_, st.name.c_str()));
  check(desc);
  st.params = PQnparams(desc.get());
  st.result_format = PgCursor::decodes_binary(desc.get()) ? 1 : 0;
  return st;
}

// The server-side name of BEGIN or COMMIT, prepared at its first use on this connection. Kept
// apart from the statement cache: never evicted, and not counted as the application's.
const char* PgConnection::bare_statement(std::string_view sql) {
  auto it = bare_.find(sql);
  if (it == bare_.end()) {
    std::string name("t");
    name += std::to_string(bare_.size() + 1);
    check(finish(PQsendPrepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr)));
    it = bare_.emplace(std::string(sql), std::move(name)).first;
  }
  return it->second.c_str();
}

void PgConnection::Deallocate::operator()(const Statement& statement) const {
  connection->run("DEALLOCATE " + statement.name);
}

ResultPtr PgConnection::run(std::string_view sql) {
  require_usable();
  try {
    ResultPtr res = finish(PQsendQuery(conn_, std::string(sql).c_str()));
    check(res);
    return res;
  } catch (Error& e) {
    e.attach_sql(sql);
    throw;
  }
}

void PgConnection::execute_script(std::string_view sql) {
  refuse_if_in_flight();
  cursor_.reset(nullptr);
  if (pending_) send_pending_begin();  // a script may hold anything, SAVEPOINT too: BEGIN first
  run(sql);  // runs every statement and keeps the failing result if one fails
}

std::int64_t PgConnection::last_insert_id() {
  throw_database_error(ErrorKind::programming, bind(), "",
                       "PostgreSQL has no last insert id: add RETURNING id to the INSERT and "
                       "read it from the cursor");
}

void PgConnection::begin(TxMode mode) {
  require_usable();
  refuse_nested_begin();
  // Sent with the next statement, saving its own round trip (begin_and_execute).
  pending_ = mode;
}

void PgConnection::send_pending_begin() {
  const std::string begin = dialect().begin_statement(*pending_);
  pending_.reset();
  run(begin);
}

void PgConnection::commit() {
  refuse_if_in_flight();
  cursor_.reset(nullptr);
  if (pending_) {  // the server never saw this transaction: nothing to commit
    pending_.reset();
    return;
  }
  require_usable();
  commit_in_flight_ = true;
  const ResultPtr res = run("COMMIT");
  commit_in_flight_ = false;
  refuse_rolled_back_commit(res.get());
}

// COMMIT of a transaction an error aborted succeeds, rolling back: do not let that pass.
void PgConnection::refuse_rolled_back_commit(PGresult* res) const {
  if (std::string_view(PQcmdStatus(res)) == "ROLLBACK") {
    throw_database_error(ErrorKind::operational, bind(), "",
                         "COMMIT rolled the transaction back: a statement in it had failed");
  }
}

void PgConnection::rollback() {
  drop_in_flight();  // whatever it read is rolled back with the rest
  cursor_.reset(nullptr);
  if (pending_) {  // the server never saw this transaction: nothing to roll back
    pending_.reset();
    return;
  }
  // A failed transaction sent as one pipeline without BEGIN is rolled back already, and so is
  // the transaction of a lost connection, by the server.
  if (broken_ || PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
  execute_script("ROLLBACK");
}

// PREPARE TRANSACTION in a transaction that an error aborted does not fail: it rolls back and
// answers with the command tag ROLLBACK. Only the tag PREPARE TRANSACTION is a yes.
void PgConnection::prepare_transaction(std::string_view xid) {
  refuse_if_in_flight();
  check_xid(xid);
  cursor_.reset(nullptr);
  if (pending_) send_pending_begin();  // nothing was sent yet: prepare an empty transaction
  const std::string sql = "PREPARE TRANSACTION '" + std::string(xid) + "'";
  ResultPtr res;
  try {
    res = run(sql);
  } catch (const Error& e) {
    if (e.sqlstate() == "55000" &&
        std::string_view(e.what()).find("disabled") != std::string_view::npos) {
      throw ConfigError("bind '" + bind() +
                            "': the server cannot prepare transactions for an atomic commit "
                            "across binds: set max_prepared_transactions above 0 (it is 0)",
                        bind(), "55000");
    }
    throw;
  }
  if (std::string_view(PQcmdStatus(res.get())) != "PREPARE TRANSACTION") {
    throw_database_error(ErrorKind::operational, bind(), "",
                         "PREPARE TRANSACTION rolled the transaction back: a statement in it "
                         "had failed");
  }
}

void PgConnection::commit_prepared(std::string_view xid) {
  finish_prepared("COMMIT PREPARED '", xid);
}
void PgConnection::rollback_prepared(std::string_view xid) {
  finish_prepared("ROLLBACK PREPARED '", xid);
}

void PgConnection::finish_prepared(std::string_view verb, std::string_view xid) {
  refuse_if_in_flight();
  check_xid(xid);
  cursor_.reset(nullptr);
  try {
    run(std::string(verb) + std::string(xid) + "'");
  } catch (const Error& e) {
    if (e.sqlstate() != "42704") throw;  // undefined_object: no such prepared transaction
    throw NotFound(
        "bind '" + bind() + "': no transaction is prepared as '" + std::string(xid) + "'", bind(),
        "42704");
  }
}

std::vector<std::string> PgConnection::prepared_transactions(std::string_view prefix) {
  const Value p(prefix);
  Cursor& rows = query(
      "SELECT gid FROM pg_prepared_xacts WHERE database = current_database() AND "
      "starts_with(gid, ?)",
      std::span<const Value>(&p, 1));
  std::vector<std::string> xids;
  while (rows.next()) xids.emplace_back(rows.get_text(0));
  return xids;
}

bool PgConnection::in_transaction() const {
  if (broken_) return false;
  if (pending_) return true;
  const PGTransactionStatusType st = PQtransactionStatus(conn_);
  return st == PQTRANS_INTRANS || st == PQTRANS_INERROR || st == PQTRANS_ACTIVE;
}

bool PgConnection::closed_by_server() {
  if (broken_) return true;
  pollfd fd{PQsocket(conn_), POLLIN, 0};
  if (fd.fd < 0) return broken_ = true;
  if (poll(&fd, 1, 0) <= 0) return false;
  // Readable while idle: a NOTIFY leaves the connection usable; an end of file, or the error a
  // terminated backend sends before it closes the socket, do not.
  char first = 0;
  const ssize_t n = recv(fd.fd, &first, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) || first == 'E') {
    broken_ = true;
  }
  return broken_;
}

bool PgConnection::ping() {
  refuse_if_in_flight();
  if (broken_) return false;
  cursor_.reset(nullptr);
  ResultPtr res;
  try {
    res = finish(PQsendQuery(conn_, ""));  // an empty query still makes a round trip
  } catch (const Timeout&) {
    return false;
  }
  if (res && succeeded(res.get()) && PQstatus(conn_) == CONNECTION_OK) return true;
  broken_ = true;
  return false;
}

void PgConnection::require_usable() const {
  if (broken_) {
    throw_database_error(ErrorKind::connection, bind(), "",
                         "the connection was lost earlier; open a new one");
  }
}

void PgConnection::check(const ResultPtr& res) {
  if (!res || !succeeded(res.get())) fail(res.get());
}

void PgConnection::fail(const PGresult* res) {
  Failure f = describe_failure(conn_, res);
  const bool in_flight = std::exchange(commit_in_flight_, false);
  if (f.kind == ErrorKind::connection) {
    broken_ = true;
    if (in_flight) {
      f.kind = ErrorKind::commit_in_doubt;
      f.message += kInDoubt;
    }
  }
  throw_database_error(f.kind, bind(), ErrorCodes{.sqlstate = f.sqlstate, .native = {}},
                       redact(f.message, password_));
}

namespace {

using Clock = std::chrono::steady_clock;

// How much longer than the server's statement_timeout the client waits before it gives the
// connection up: long enough for the server's own cancel to arrive first.
constexpr std::chrono::milliseconds kClientGrace{100};

// libpq's keyword/value arrays; empty values are left out so that libpq uses its defaults.
class ConnParams {
 public:
  void set(const char* key, std::string value) {
    if (value.empty()) return;
    keys_.push_back(key);
    values_.push_back(std::move(value));
  }
  std::vector<const char*> keys() const { return terminated(keys_); }
  std::vector<const char*> values() const {
    std::vector<const char*> out;
    for (const std::string& v : values_) out.push_back(v.c_str());
    return terminated(out);
  }

 private:
  static std::vector<const char*> terminated(std::vector<const char*> v) {
    v.push_back(nullptr);
    return v;
  }
  std::vector<const char*> keys_;
  std::vector<std::string> values_;
};

std::string encoding(const Url& url) {
  std::string enc = url.param("client_encoding", url.param("charset", "UTF8"));
  for (char& c : enc) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  // MariaDB spellings of UTF-8 that may arrive in a shared URL template.
  if (enc == "UTF-8" || enc == "UTF8MB4" || enc == "UTF8MB3") enc = "UTF8";
  return enc;
}

ConnParams conn_params(const Url& url, std::optional<std::chrono::milliseconds> timeout,
                       std::chrono::milliseconds statement_timeout) {
  ConnParams p;
  p.set("host", url.param("host", url.host));
  p.set("port", url.port ? std::to_string(*url.port) : "");
  p.set("dbname", url.database);
  p.set("user", url.user);
  p.set("password", url.password);
  if (timeout) p.set("connect_timeout", std::to_string((timeout->count() + 999) / 1000));
  for (const char* key : {"sslmode", "sslrootcert", "sslcert", "sslkey", "application_name"}) {
    p.set(key, url.param(key));
  }
  p.set("fallback_application_name", "manydb");
  p.set("client_encoding", encoding(url));
  // UTC and ISO dates make the text results parse the same way on every server.
  std::string options = "-c TimeZone=UTC -c DateStyle=ISO,YMD";
  // The server cancels a statement that runs too long and keeps the connection; the client's
  // own deadline, a moment later, is for a server that answers nothing at all. Options in the
  // URL come after, so a statement_timeout of the user's own wins.
  if (statement_timeout.count() > 0) {
    options += " -c statement_timeout=" + std::to_string(statement_timeout.count());
  }
  if (const std::string extra = url.param("options"); !extra.empty()) options += " " + extra;
  p.set("options", options);
  return p;
}

std::optional<std::chrono::milliseconds> connect_timeout(const Url& url,
                                                         const ConnectOptions& options) {
  std::chrono::milliseconds ms = options.connect_timeout;
  if (const std::string text = url.param("connect_timeout"); !text.empty()) {
    long seconds = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size()) {
      throw ConfigError("bind '" + options.bind +
                        "': connect_timeout must be whole seconds, not '" + text + "'");
    }
    ms = std::chrono::seconds(seconds);
  }
  if (ms.count() <= 0) return std::nullopt;  // as in libpq: zero waits forever
  return ms;
}

// Waits until libpq's socket is ready in the direction it asked for; false once past deadline.
bool wait_socket(PGconn* conn, bool for_read, std::optional<Clock::time_point> deadline) {
  pollfd fd{PQsocket(conn), static_cast<short>(for_read ? POLLIN : POLLOUT), 0};
  if (fd.fd < 0) return true;  // PQconnectPoll reports the failure
  for (;;) {
    int wait_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
      if (left.count() <= 0) return false;
      wait_ms = static_cast<int>(left.count());
    }
    const int rc = poll(&fd, 1, wait_ms);
    if (rc > 0 || (rc < 0 && errno != EINTR)) return true;
    if (rc == 0) return false;
  }
}

// Drives a non-blocking connect, so that the timeout is ours to the millisecond (libpq's own
// connect_timeout rounds up to whole seconds, at least two, and applies per address).
bool finish_connect(PGconn* conn, std::optional<std::chrono::milliseconds> timeout) {
  std::optional<Clock::time_point> deadline;
  if (timeout) deadline = Clock::now() + *timeout;
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
    if (!wait_socket(conn, st == PGRES_POLLING_READING, deadline)) return false;
    st = PQconnectPoll(conn);
  }
  return true;
}

struct ConnDeleter {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};

[[noreturn]] void connect_failed(ErrorKind kind, const ConnectOptions& options, const Url& url,
                                 std::string_view message) {
  throw_database_error(kind, options.bind, "", redact(one_line(message), url.password));
}

// manydb's text is UTF-8, and a SQL_ASCII database neither checks that nor counts characters
// (varchar(80) holds 80 bytes): refused unless the URL accepts it (allow_sql_ascii=true). The
// server reports its encoding at connect, so the check costs no round trip.
void refuse_sql_ascii(PGconn* conn, const Url& url, const ConnectOptions& options) {
  const char* encoding = PQparameterStatus(conn, "server_encoding");
  if (!encoding || std::string_view(encoding) != "SQL_ASCII") return;
  if (url.param("allow_sql_ascii") == "true") return;
  throw ConfigError("bind '" + options.bind + "': database '" + url.database +
                        "' has server_encoding SQL_ASCII, which stores any bytes and counts "
                        "bytes, not characters; recreate it with ENCODING 'UTF8' (initdb -E "
                        "UTF8), or add allow_sql_ascii=true to the URL to use it as it is",
                    options.bind);
}

}  // namespace

std::unique_ptr<Connection> connect(const Url& url, const ConnectOptions& options) {
  const auto timeout = connect_timeout(url, options);
  const ConnParams params = conn_params(url, timeout, options.statement_timeout);
  const auto keys = params.keys();
  const auto values = params.values();
  std::unique_ptr<PGconn, ConnDeleter> conn(PQconnectStartParams(keys.data(), values.data(), 0));
  if (!conn) connect_failed(ErrorKind::connection, options, url, "libpq is out of memory");
  if (PQstatus(conn.get()) != CONNECTION_BAD && !finish_connect(conn.get(), timeout)) {
    connect_failed(ErrorKind::timeout, options, url,
                   "timeout expired: no answer from the PostgreSQL server within " +
                       std::to_string(timeout->count()) + " ms");
  }
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    connect_failed(ErrorKind::connection, options, url, PQerrorMessage(conn.get()));
  }
  refuse_sql_ascii(conn.get(), url, options);
  const auto wait_limit = options.statement_timeout.count() > 0
                              ? options.statement_timeout + kClientGrace
                              : std::chrono::milliseconds(0);
  return std::make_unique<PgConnection>(conn.release(), options.bind, url.password, wait_limit);
}

}  // namespace manydb::engines::postgres
