#include "engines/mariadb/connection.hpp"

#include <poll.h>

#include <errmsg.h>
#include <mysqld_error.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

#include "engines/mariadb/errors.hpp"
#include "engines/mariadb/factory.hpp"
#include "manydb/core/errors.hpp"
#include "manydb/core/statement_kind.hpp"

namespace manydb::engines::mariadb {

namespace {
const std::byte kNoBytes{};  // a valid address for empty blobs
}  // namespace

MariadbConnection::MariadbConnection(MYSQL* db, std::string bind, std::string password,
                                     std::chrono::seconds read_timeout)
    : Connection(std::move(bind)),
      db_(db),
      password_(std::move(password)),
      read_timeout_(read_timeout),
      cursor_(*this) {}

MariadbConnection::~MariadbConnection() {
  abandon_sent();
  cursor_.reset();
  cache_.clear();
  mysql_close(db_);
}

const Dialect& MariadbConnection::dialect() const { return mariadb::dialect(); }

void MariadbConnection::fail_statement(MYSQL_STMT* stmt) {
  fail(mysql_stmt_errno(stmt), mysql_stmt_sqlstate(stmt), mysql_stmt_error(stmt));
}

void MariadbConnection::fail_session() {
  fail(mysql_errno(db_), mysql_sqlstate(db_), mysql_error(db_));
}

void MariadbConnection::fail(unsigned code, const char* sqlstate, const char* message) {
  const bool in_flight = std::exchange(commit_in_flight_, false);
  if (!is_connection_lost(code)) throw_error(bind(), {code, sqlstate}, message, password_);
  broken_ = true;
  // Connector/C reports a read that timed out as a lost connection; the clock tells.
  const bool timed_out = code == CR_SERVER_LOST && read_timeout_.count() > 0 &&
                         std::chrono::steady_clock::now() - started_ >=
                             std::chrono::milliseconds(read_timeout_) * 9 / 10;
  std::string what = redact(message, password_);
  if (timed_out) {
    mark_timed_out();
    what = "no answer from the MariaDB server within " + std::to_string(read_timeout_.count()) +
           " s (statement_timeout_ms, rounded up to seconds); the connection is closed";
  }
  const ErrorCodes codes = codes_of({code, sqlstate});
  if (in_flight) {
    throw_database_error(ErrorKind::commit_in_doubt, bind(), codes,
                         what +
                             ", while COMMIT was in flight: the transaction may or may not "
                             "have committed");
  }
  if (timed_out) throw_database_error(ErrorKind::timeout, bind(), codes, what);
  throw_error(bind(), {code, sqlstate}, message, password_);
}

Cursor& MariadbConnection::run_statement(std::string_view sql, std::span<const Value> params) {
  require_usable();
  cursor_.reset();
  if (MYSQL_STMT* stmt = prepared(sql)) {
    check_param_count(stmt, params.size());
    return run_prepared(sql, stmt, params);
  }
  // The server cannot prepare this statement (ER_UNSUPPORTED_PS).
  if (!params.empty()) {
    throw_database_error(ErrorKind::programming, bind(), std::to_string(ER_UNSUPPORTED_PS),
                         "this statement cannot be prepared, so it cannot take parameters");
  }
  return run_text(sql);
}

// The cached statement for `sql`, prepared now if new; nullptr if MariaDB cannot prepare it.
MYSQL_STMT* MariadbConnection::prepared(std::string_view sql) {
  if (MYSQL_STMT** cached = cache_.find(sql)) return *cached;
  MYSQL_STMT* stmt = prepare(sql);
  if (stmt == nullptr) return nullptr;
  return cache_.insert(sql, stmt);
}

MYSQL_STMT* MariadbConnection::prepare(std::string_view sql) {
  MYSQL_STMT* stmt = mysql_stmt_init(db_);
  if (stmt == nullptr) fail_session();
  ++prepare_count_;
  if (mysql_stmt_prepare(stmt, sql.data(), sql.size()) != 0) {
    const unsigned code = mysql_stmt_errno(stmt);
    const std::string sqlstate = mysql_stmt_sqlstate(stmt);
    const std::string message = mysql_stmt_error(stmt);
    mysql_stmt_close(stmt);
    if (code == ER_UNSUPPORTED_PS) return nullptr;
    fail(code, sqlstate.c_str(), message.c_str());
  }
  // No STMT_ATTR_UPDATE_MAX_LENGTH: it makes every store_result walk all rows a second time.
  // The cursor sizes buffers from the declared column length and grows one on truncation.
  return stmt;
}

// The statement's table changed since it was prepared (a column added under SELECT *): the
// server prepared it again by itself and ran it, but Connector/C cannot read rows of another
// shape into a statement prepared for the old one (CR_NEW_STMT_METADATA). Closing the statement
// discards those rows; a statement that only reads is prepared afresh and run again, where
// running a write twice could write twice, so that error is thrown.
MYSQL_STMT* MariadbConnection::prepare_afresh(std::string_view sql) {
  cache_.erase(sql);  // closes it
  if (!reads_only(sql)) {
    throw_database_error(ErrorKind::operational, bind(), std::to_string(CR_NEW_STMT_METADATA),
                         "the statement ran, but its table changed since it was prepared and "
                         "its rows could not be read; it is prepared afresh the next time");
  }
  MYSQL_STMT* stmt = prepared(sql);
  if (stmt == nullptr) fail_session();
  return stmt;
}

void MariadbConnection::CloseStatement::operator()(MYSQL_STMT* stmt) const {
  mysql_stmt_close(stmt);  // also frees the server-side statement
}

void MariadbConnection::check_param_count(MYSQL_STMT* stmt, std::size_t given) {
  const unsigned long expected = mysql_stmt_param_count(stmt);
  if (expected == given) return;
  throw_database_error(ErrorKind::programming, bind(), "",
                       "the statement expects " + std::to_string(expected) + " parameters but " +
                           std::to_string(given) + " were given");
}

namespace {

// Points `b` at the value; scalars are copied into `buf`, text and bytes are borrowed.
void bind_value(const Value& value, MYSQL_BIND& b, ParamBuffer& buf) {
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          b.buffer_type = MYSQL_TYPE_NULL;
        } else if constexpr (std::is_same_v<T, bool>) {
          buf.boolean = v ? 1 : 0;
          b.buffer_type = MYSQL_TYPE_TINY;
          b.buffer = &buf.boolean;
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          buf.integer = v;
          b.buffer_type = MYSQL_TYPE_LONGLONG;
          b.buffer = &buf.integer;
        } else if constexpr (std::is_same_v<T, double>) {
          buf.real = v;
          b.buffer_type = MYSQL_TYPE_DOUBLE;
          b.buffer = &buf.real;
        } else if constexpr (std::is_same_v<T, std::string>) {
          b.buffer_type = MYSQL_TYPE_STRING;
          b.buffer = const_cast<char*>(v.data());
          b.buffer_length = v.size();
        } else if constexpr (std::is_same_v<T, Blob>) {
          b.buffer_type = MYSQL_TYPE_BLOB;
          b.buffer = const_cast<std::byte*>(v.empty() ? &kNoBytes : v.data());
          b.buffer_length = v.size();
        } else {
          buf.time = to_mysql_time(v);
          b.buffer_type = MYSQL_TYPE_DATETIME;
          b.buffer = &buf.time;
        }
      },
      value.storage());
}

}  // namespace

void MariadbConnection::bind_params(MYSQL_STMT* stmt, std::span<const Value> params) {
  if (params.empty()) return;
  param_binds_.assign(params.size(), MYSQL_BIND{});
  param_buffers_.resize(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    bind_value(params[i], param_binds_[i], param_buffers_[i]);
  }
  if (mysql_stmt_bind_param(stmt, param_binds_.data()) != 0) fail_statement(stmt);
}

Cursor& MariadbConnection::run_prepared(std::string_view sql, MYSQL_STMT* stmt,
                                        std::span<const Value> params) {
  bind_params(stmt, params);
  if (mysql_stmt_execute(stmt) != 0) stmt = run_afresh(sql, stmt, params);
  return opened(stmt, stored(stmt));
}

// After `stmt` failed to run: runs it again prepared afresh where its table changed under it,
// else throws its error.
MYSQL_STMT* MariadbConnection::run_afresh(std::string_view sql, MYSQL_STMT* stmt,
                                          std::span<const Value> params) {
  if (mysql_stmt_errno(stmt) != CR_NEW_STMT_METADATA) fail_statement(stmt);
  stmt = prepare_afresh(sql);
  bind_params(stmt, params);
  if (mysql_stmt_execute(stmt) != 0) fail_statement(stmt);
  return stmt;
}

// The rows of a statement that ran, read from the server; nullptr when it returns none.
MYSQL_RES* MariadbConnection::stored(MYSQL_STMT* stmt) {
  MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
  if (meta != nullptr && mysql_stmt_store_result(stmt) != 0) {
    mysql_free_result(meta);
    fail_statement(stmt);
  }
  return meta;
}

Cursor& MariadbConnection::opened(MYSQL_STMT* stmt, MYSQL_RES* meta) {
  if (meta == nullptr) {
    cursor_.attach(stmt);
  } else {
    cursor_.open_statement(stmt, meta);
  }
  cursor_.set_rows_affected(static_cast<std::int64_t>(mysql_stmt_affected_rows(stmt)));
  // Like SQLite's last rowid, the id survives statements that insert nothing.
  if (const auto id = mysql_stmt_insert_id(stmt); id != 0) {
    last_insert_id_ = static_cast<std::int64_t>(id);
  }
  return cursor_;
}

void MariadbConnection::send_text(std::string_view sql) {
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail_session();
}

Cursor& MariadbConnection::run_text(std::string_view sql) {
  send_text(sql);
  MYSQL_RES* result = mysql_store_result(db_);
  if (result == nullptr && mysql_errno(db_) != 0) fail_session();
  if (result != nullptr) cursor_.open_text(result);
  cursor_.set_rows_affected(static_cast<std::int64_t>(mysql_affected_rows(db_)));
  if (const auto id = mysql_insert_id(db_); id != 0)
    last_insert_id_ = static_cast<std::int64_t>(id);
  // The first result is stored, so later ones (a CALL's status) can be drained now.
  while (mysql_more_results(db_)) {
    if (mysql_next_result(db_) > 0) fail_session();
    if (MYSQL_RES* extra = mysql_store_result(db_)) mysql_free_result(extra);
  }
  return cursor_;
}

void MariadbConnection::execute_script(std::string_view sql) {
  refuse_if_in_flight();
  require_usable();
  cursor_.reset();
  try {
    run_script(sql);
  } catch (Error& e) {
    e.attach_sql(sql);
    throw;
  }
}

void MariadbConnection::run_script(std::string_view sql) {
  send_text(sql);
  for (;;) {
    MYSQL_RES* result = mysql_store_result(db_);
    if (result != nullptr)
      mysql_free_result(result);
    else if (mysql_errno(db_) != 0)
      fail_session();
    if (const auto id = mysql_insert_id(db_); id != 0) {
      last_insert_id_ = static_cast<std::int64_t>(id);
    }
    const int status = mysql_next_result(db_);
    if (status > 0) fail_session();
    if (status < 0) return;
  }
}

void MariadbConnection::begin(TxMode mode) {
  refuse_nested_begin();
  execute_script(dialect().begin_statement(mode));
}
// An XA branch commits in one phase: XA END and XA COMMIT ... ONE PHASE in one round trip.
void MariadbConnection::commit() {
  refuse_if_in_flight();
  require_usable();
  const std::string branch = std::exchange(branch_, {});
  commit_in_flight_ = true;
  execute_script(branch.empty() ? "COMMIT"
                                : "XA END '" + branch + "'; XA COMMIT '" + branch + "' ONE PHASE");
  commit_in_flight_ = false;
}

// A lost connection has no transaction left to roll back: the server rolled it back.
void MariadbConnection::rollback() {
  drop_in_flight();  // it ran already; what it read is rolled back with the rest
  const std::string branch = std::exchange(branch_, {});
  if (broken_) return cursor_.reset();
  execute_script(branch.empty() ? "ROLLBACK"
                                : "XA END '" + branch + "'; XA ROLLBACK '" + branch + "'");
}

void MariadbConnection::begin_branch(std::string_view xid, TxMode) {
  refuse_nested_begin();
  check_xid(xid);
  execute_script("XA START '" + std::string(xid) + "'");
  branch_ = xid;
}

void MariadbConnection::prepare_transaction(std::string_view xid) {
  check_xid(xid);
  if (branch_ != xid) {
    throw_database_error(ErrorKind::programming, bind(), "",
                         "only a transaction begun with begin_branch() under the same id can be "
                         "prepared on MariaDB (XA START)");
  }
  branch_.clear();
  execute_script("XA END '" + std::string(xid) + "'; XA PREPARE '" + std::string(xid) + "'");
  prepared_branch_ = xid;
}

// XA_RBROLLBACK (1402) answers XA COMMIT of a branch that wrote nothing: nothing to commit.
void MariadbConnection::commit_prepared(std::string_view xid) {
  try {
    finish_prepared("XA COMMIT '", xid);
  } catch (const DatabaseError& e) {
    if (e.native_code() != 1402) throw;
  }
}
void MariadbConnection::rollback_prepared(std::string_view xid) {
  try {
    finish_prepared("XA ROLLBACK '", xid);
  } catch (const DatabaseError& e) {
    if (e.native_code() != 1402) throw;
  }
}

// XAER_NOTA (1397): no such prepared branch, or one that a still-open connection prepared.
void MariadbConnection::finish_prepared(std::string_view verb, std::string_view xid) {
  check_xid(xid);
  try {
    execute_script(std::string(verb) + std::string(xid) + "'");
  } catch (const DatabaseError& e) {
    if (e.native_code() != 1397) throw;
    throw NotFound("bind '" + bind() + "': no transaction is prepared as '" + std::string(xid) +
                       "' (or the connection that prepared it is still open)",
                   bind(), "1397");
  }
  if (prepared_branch_ == xid) prepared_branch_.clear();
}

// XA RECOVER lists the prepared branches of the whole server; with an empty bqual (manydb's),
// `data` is the gtrid.
std::vector<std::string> MariadbConnection::prepared_transactions(std::string_view prefix) {
  Cursor& rows = query("XA RECOVER", {});
  std::vector<std::string> xids;
  while (rows.next()) {
    if (rows.get<std::int64_t>(2) != 0) continue;  // bqual_length: not one of manydb's
    const Blob raw = rows.get<Blob>(3);            // the server sends the xid as bytes
    std::string data(reinterpret_cast<const char*>(raw.data()), raw.size());
    if (data.starts_with(prefix)) xids.push_back(std::move(data));
  }
  return xids;
}

// A connection holding a prepared branch refuses every statement until it is finished: it is
// closed instead, and the server keeps the branch for recovery.
bool MariadbConnection::reset_for_reuse() noexcept {
  if (!prepared_branch_.empty()) return false;
  return Connection::reset_for_reuse();
}

// Every statement starts here: a connection found lost earlier is refused at once (Connector/C
// would try the dead socket again), and the clock starts for fail()'s timeout check.
void MariadbConnection::require_usable() {
  if (broken_) {
    throw_database_error(ErrorKind::connection, bind(), std::to_string(CR_SERVER_LOST),
                         "the connection was lost earlier; open a new one");
  }
  if (read_timeout_.count() > 0) started_ = std::chrono::steady_clock::now();
}

bool MariadbConnection::in_transaction() const {
  // A prepared branch is the server's now, not this connection's transaction (the server still
  // reports it as one until XA COMMIT or XA ROLLBACK).
  if (broken_ || !prepared_branch_.empty()) return false;
  // The server reports its transaction state in every OK packet; the library keeps it.
  unsigned int status = 0;
  if (mariadb_get_infov(db_, MARIADB_CONNECTION_SERVER_STATUS, &status) != 0) return false;
  return (status & SERVER_STATUS_IN_TRANS) != 0;
}

// The protocol has nothing the server sends unasked: an idle socket with something to read has
// been closed by the server (its last packet an error such as a KILL's, then end of file).
bool MariadbConnection::closed_by_server() {
  if (broken_ || in_flight() > 0) return broken_;  // an answer on its way is no sign
  pollfd fd{static_cast<int>(mysql_get_socket(db_)), POLLIN, 0};
  if (fd.fd < 0 || poll(&fd, 1, 0) > 0) broken_ = true;
  return broken_;
}

bool MariadbConnection::ping() {
  if (broken_) return false;
  cursor_.reset();
  if (read_timeout_.count() > 0) started_ = std::chrono::steady_clock::now();
  if (mysql_ping(db_) == 0) return true;
  broken_ = true;  // reconnect is off, so any failure leaves the session unusable
  return false;
}

// ---- opening a session ----

namespace {

struct Closer {
  void operator()(MYSQL* db) const { mysql_close(db); }
};
using Handle = std::unique_ptr<MYSQL, Closer>;

// Connector/C's global state is not thread-safe to set up; pools connect from many threads.
void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

unsigned seconds_param(const Url& url, const std::string& key, unsigned fallback) {
  const std::string text = url.param(key);
  if (text.empty()) return fallback;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw ConfigError("mariadb URL parameter " + key + "='" + text +
                      "' is not a number of seconds");
  }
  return value;
}

unsigned connect_timeout(const Url& url, const ConnectOptions& options) {
  const auto ms = options.connect_timeout.count();
  const auto fallback = static_cast<unsigned>(ms <= 0 ? 0 : (ms + 999) / 1000);
  return seconds_param(url, "connect_timeout", fallback);
}

void set_option(MYSQL* db, mysql_option option, const void* value, const char* what) {
  if (mysql_options(db, option, value) != 0) {
    throw ConfigError(std::string("mariadb: cannot set the ") + what + " option");
  }
}

void set_text_option(MYSQL* db, mysql_option option, const Url& url, const std::string& key) {
  const std::string value = url.param(key);
  if (!value.empty()) set_option(db, option, value.c_str(), key.c_str());
}

std::string normalized(std::string text) {
  for (char& c : text) c = c == '-' ? '_' : static_cast<char>(std::tolower(c));
  return text;
}

void set_ssl(MYSQL* db, const Url& url) {
  set_text_option(db, MYSQL_OPT_SSL_CA, url, "ssl_ca");
  set_text_option(db, MYSQL_OPT_SSL_CERT, url, "ssl_cert");
  set_text_option(db, MYSQL_OPT_SSL_KEY, url, "ssl_key");
  const std::string mode = normalized(url.param("ssl_mode"));
  const my_bool on = 1;
  if (mode.empty() || mode == "disable" || mode == "disabled") return;
  if (mode == "prefer" || mode == "preferred" || mode == "allow") {
    mysql_ssl_set(db, nullptr, nullptr, nullptr, nullptr, nullptr);  // try TLS, not insist
    return;
  }
  if (mode != "require" && mode != "required" && mode != "verify_ca" && mode != "verify_full" &&
      mode != "verify_identity") {
    throw ConfigError("mariadb URL parameter ssl_mode='" + url.param("ssl_mode") +
                      "' is not one of disable, prefer, require, verify_ca, verify_full");
  }
  set_option(db, MYSQL_OPT_SSL_ENFORCE, &on, "ssl_mode");
  // Connector/C checks the certificate chain and the host name together.
  if (mode != "require" && mode != "required") {
    set_option(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on, "ssl_mode");
  }
}

// The statement timeout in Connector/C's whole seconds, rounded up; 0: none.
unsigned statement_seconds(const ConnectOptions& options) {
  const auto ms = options.statement_timeout.count();
  return ms <= 0 ? 0 : static_cast<unsigned>((ms + 999) / 1000);
}

// Returns the read timeout set, in seconds (0: none): the URL's read_timeout, else the
// statement timeout.
unsigned set_timeouts(MYSQL* db, const Url& url, unsigned connect_seconds,
                      unsigned statement_seconds) {
  set_option(db, MYSQL_OPT_CONNECT_TIMEOUT, &connect_seconds, "connect_timeout");
  // Connector/C copies these to the socket when it connects and ignores later changes, so
  // they cannot be borrowed for the handshake and restored; the connect timeout already
  // bounds a server that accepts and never greets. Each bounds one read or write, not the
  // whole result, and Connector/C does not repeat a read that timed out.
  unsigned read_seconds = 0;
  for (const auto& [key, option] : {std::pair{"read_timeout", MYSQL_OPT_READ_TIMEOUT},
                                    std::pair{"write_timeout", MYSQL_OPT_WRITE_TIMEOUT}}) {
    const unsigned seconds = seconds_param(url, key, statement_seconds);
    if (seconds > 0) set_option(db, option, &seconds, key);
    if (option == MYSQL_OPT_READ_TIMEOUT) read_seconds = seconds;
  }
  return read_seconds;
}

unsigned set_options(MYSQL* db, const Url& url, unsigned connect_seconds,
                     unsigned statement_seconds) {
  const unsigned read_seconds = set_timeouts(db, url, connect_seconds, statement_seconds);
  const my_bool off = 0;
  set_option(db, MYSQL_OPT_RECONNECT, &off, "reconnect");  // a silent reconnect loses state
  // The calls that send a statement ahead (send_ahead.cpp) need a stack of their own; the
  // blocking calls are unchanged by it.
  set_option(db, MYSQL_OPT_NONBLOCK, nullptr, "nonblock");
  const std::string charset = url.param("charset", "utf8mb4");
  set_option(db, MYSQL_SET_CHARSET_NAME, charset.c_str(), "charset");
  set_ssl(db, url);
  return read_seconds;
}

// The host as written in the authority or, failing that, as a `host` parameter.
std::string host_of(const Url& url) { return url.host.empty() ? url.param("host") : url.host; }

// The socket path, when the URL names one (as a parameter or as an absolute host).
std::string socket_path(const Url& url) {
  std::string path = url.param("unix_socket");
  if (path.empty() && host_of(url).starts_with('/')) path = host_of(url);
  return path;
}

const char* or_null(const std::string& text) { return text.empty() ? nullptr : text.c_str(); }

[[noreturn]] void connect_failed(MYSQL* db, const Url& url, const ConnectOptions& options,
                                 std::chrono::steady_clock::duration elapsed, unsigned seconds) {
  const unsigned code = mysql_errno(db);
  // The library reports an expired timer as a lost or refused connection; the clock tells.
  const bool network = code == 2002 || code == 2003 || code == 2013;
  const bool expired = seconds > 0 && elapsed >= std::chrono::milliseconds(seconds * 900);
  const ErrorKind kind = network && expired ? ErrorKind::timeout : ErrorKind::connection;
  std::string message = redact(mysql_error(db), url.password);
  throw_database_error(kind, options.bind, codes_of({code, mysql_sqlstate(db)}), message);
}

bool tls_required(const Url& url) {
  const std::string mode = normalized(url.param("ssl_mode"));
  return mode.starts_with("require") || mode.starts_with("verify");
}

// Connector/C 3.3 quietly stays in plain text when the server offers no TLS, even with
// MYSQL_OPT_SSL_ENFORCE; a required TLS session must be checked after the fact.
void require_tls(MYSQL* db, const Url& url, const ConnectOptions& options) {
  if (!tls_required(url) || mysql_get_ssl_cipher(db) != nullptr) return;
  throw_database_error(ErrorKind::connection, options.bind, "",
                       "ssl_mode=" + url.param("ssl_mode") +
                           " but the server did not start TLS (is TLS enabled on it?)");
}

Handle open(const Url& url, const ConnectOptions& options, unsigned& read_seconds) {
  init_library();
  Handle db(mysql_init(nullptr));
  if (!db) throw_database_error(ErrorKind::connection, options.bind, "", "mysql_init failed");
  const unsigned seconds = connect_timeout(url, options);
  read_seconds = set_options(db.get(), url, seconds, statement_seconds(options));
  const std::string socket = socket_path(url);
  const unsigned protocol = socket.empty() ? MYSQL_PROTOCOL_DEFAULT : MYSQL_PROTOCOL_SOCKET;
  set_option(db.get(), MYSQL_OPT_PROTOCOL, &protocol, "unix_socket");
  const std::string host = socket.empty() ? host_of(url) : "localhost";
  const auto start = std::chrono::steady_clock::now();
  if (!mysql_real_connect(db.get(), or_null(host), url.user.c_str(), url.password.c_str(),
                          or_null(url.database), url.port.value_or(0), or_null(socket),
                          CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS)) {
    connect_failed(db.get(), url, options, std::chrono::steady_clock::now() - start, seconds);
  }
  require_tls(db.get(), url, options);
  return db;
}

}  // namespace

// The session's settings, in one round trip: timestamps are stored and read as UTC whatever
// the server's own zone is, and a MariaDB server cancels a statement that runs past the
// statement timeout itself, keeping the connection (MySQL has no such setting for writes).
std::string session_settings(MYSQL* db, const ConnectOptions& options) {
  std::string sql = "SET time_zone = '+00:00'";
  if (options.statement_timeout.count() > 0 && mariadb_connection(db)) {
    const auto ms = options.statement_timeout.count();
    sql += ", max_statement_time = " + std::to_string(ms / 1000) + "." +
           std::to_string(1000 + ms % 1000).substr(1);
  }
  return sql;
}

std::unique_ptr<Connection> connect(const Url& url, const ConnectOptions& options) {
  unsigned read_seconds = 0;
  Handle db = open(url, options, read_seconds);
  const std::string settings = session_settings(db.get(), options);
  auto conn = std::make_unique<MariadbConnection>(db.release(), options.bind, url.password,
                                                  std::chrono::seconds(read_seconds));
  conn->execute_script(settings);
  return conn;
}

}  // namespace manydb::engines::mariadb
