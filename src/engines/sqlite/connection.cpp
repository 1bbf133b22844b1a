#include "engines/sqlite/connection.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <thread>

#include "engines/sqlite/errors.hpp"
#include "engines/sqlite/factory.hpp"
#include "manydb/core/errors.hpp"
#include "manydb/observe/bind_metrics.hpp"

namespace manydb::engines::sqlite {

namespace {
int open_flags(const Url& url) {
  const std::string mode = url.param("mode", "rwc");
  // One thread uses a connection at a time (the pool guarantees it), so SQLite's own mutexes
  // would only cost time.
  int flags = SQLITE_OPEN_NOMUTEX;
  if (mode == "ro") return flags | SQLITE_OPEN_READONLY;
  if (mode == "rw") return flags | SQLITE_OPEN_READWRITE;
  if (mode == "rwc") return flags | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  throw ConfigError("invalid database URL: parameter mode='" + mode + "' must be ro, rw or rwc");
}

// The variant is read directly: its type() was just switched on, so the checked accessors of
// Value would only test it again. `keep` is SQLITE_STATIC when the statement is done with its
// parameters before run_statement returns (see bind_params), SQLITE_TRANSIENT (a copy)
// otherwise.
int bind_one(sqlite3_stmt* stmt, int i, const Value& v, sqlite3_destructor_type keep) {
  const auto& s = v.storage();
  switch (v.type()) {
    case ValueType::null: return sqlite3_bind_null(stmt, i);
    case ValueType::boolean: return sqlite3_bind_int(stmt, i, *std::get_if<bool>(&s) ? 1 : 0);
    case ValueType::int64: return sqlite3_bind_int64(stmt, i, *std::get_if<std::int64_t>(&s));
    case ValueType::real: return sqlite3_bind_double(stmt, i, *std::get_if<double>(&s));
    case ValueType::text: {
      const auto& text = *std::get_if<std::string>(&s);
      return sqlite3_bind_text64(stmt, i, text.data(), text.size(), keep, SQLITE_UTF8);
    }
    case ValueType::blob: {
      const auto& b = *std::get_if<Blob>(&s);
      return b.empty() ? sqlite3_bind_zeroblob(stmt, i, 0)
                       : sqlite3_bind_blob64(stmt, i, b.data(), b.size(), keep);
    }
    case ValueType::timestamp: {  // a temporary text: always copied
      const auto text = std::get_if<Timestamp>(&s)->to_string();
      return sqlite3_bind_text64(stmt, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    }
  }
  return SQLITE_MISUSE;
}

std::string choice(const Url& url, const std::string& key, const std::string& fallback,
                   std::initializer_list<std::string_view> allowed) {
  std::string value = url.param(key, fallback);
  for (auto& c : value) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (auto a : allowed) {
    if (value == a) return value;
  }
  throw ConfigError("invalid database URL: parameter " + key + "='" + url.param(key) +
                    "' is not one of the values documented in docs/configuration.md");
}
}  // namespace

SqliteConnection::SqliteConnection(const Url& url, const ConnectOptions& options)
    : Connection(options.bind) {
  cursor_.on_end([](void* self) { static_cast<SqliteConnection*>(self)->end_if_done(); }, this);
  open(url);
  try {
    configure(url);
  } catch (...) {
    sqlite3_close_v2(db_);
    throw;
  }
}

SqliteConnection::~SqliteConnection() {
  if (holds_gate_) gate_->release();
  clear_statements();
  sqlite3_close_v2(db_);
}

void SqliteConnection::open(const Url& url) {
  const auto path = url.sqlite_path();
  if (!url.is_memory() && path.has_parent_path()) {
    std::error_code ec;  // a missing folder is created; a failure shows up as CANTOPEN below
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  const int rc = sqlite3_open_v2(path.c_str(), &db_, open_flags(url), nullptr);
  if (rc != SQLITE_OK) {
    std::string what = "cannot open '" + path.string() + "': ";
    what += db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw_database_error(ErrorKind::connection, bind(), ErrorCodes{.sqlstate = {}, .native = rc},
                         what);
  }
  sqlite3_extended_result_codes(db_, 1);
}

void SqliteConnection::configure(const Url& url) {
  busy_timeout_ = std::chrono::milliseconds(std::stoi(url.param("busy_timeout", "5000")));
  busy_wait_.install(db_, busy_timeout_);
  const bool memory = url.is_memory();
  const auto journal = choice(url, "journal_mode", memory ? "MEMORY" : "WAL",
                              {"WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY", "OFF"});
  const auto sync = choice(url, "synchronous", "FULL", {"OFF", "NORMAL", "FULL", "EXTRA", "GROUP"});
  const auto fk = choice(url, "foreign_keys", "ON", {"ON", "OFF", "TRUE", "FALSE", "1", "0"});
  const auto begin = choice(url, "begin", "IMMEDIATE", {"IMMEDIATE", "DEFERRED", "EXCLUSIVE"});
  const bool group = sync == "GROUP";
  if (group && (memory || journal != "WAL" || url.param("mode") == "ro")) {
    throw ConfigError(
        "invalid database URL: parameter synchronous=group needs a file opened for writing "
        "with journal_mode=wal");
  }
  if (url.param("mode") != "ro") set_journal_mode(journal);
  // LIKE is case-sensitive on PostgreSQL and on our utf8mb4_bin MariaDB tables: match them.
  run_script("PRAGMA synchronous=" + std::string(group ? "NORMAL" : sync) +
             "; PRAGMA foreign_keys=" + fk + "; PRAGMA case_sensitive_like=ON");
  if (group) wal_sync_ = WalSync::for_file(sqlite3_db_filename(db_, "main"));
  begin_write_ = "BEGIN " + begin;
  // A deferred transaction takes SQLite's lock only when it first writes: it is not gated.
  if (!memory && url.param("mode") != "ro" && begin != "DEFERRED") {
    gate_ = WriteGate::for_file(sqlite3_db_filename(db_, "main"));  // absolute, normalised
  }
}

// Changing the journal mode (a new file's first connection switching it to WAL) takes an
// exclusive lock that SQLite's busy handler does not wait for: it fails at once when another
// connection, of this process or another, opens the same new file at that moment. It is asked
// again until the busy timeout has passed.
void SqliteConnection::set_journal_mode(const std::string& journal) {
  const std::string sql = "PRAGMA journal_mode=" + journal;
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout_;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() + pause > deadline) {
      throw_error(db_, rc, bind(), sql);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

const Dialect& SqliteConnection::dialect() const { return engines::sqlite::dialect(); }

const SqliteConnection::Prepared& SqliteConnection::prepared(std::string_view sql) {
  if (const Prepared* statement = statements_.find(sql)) return *statement;
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) throw_error(db_, rc, bind(), sql);
  if (!stmt) throw ProgrammingError("bind '" + bind() + "': the SQL text holds no statement");
  ++prepares_;
  const Prepared entry{stmt, sqlite3_bind_parameter_count(stmt), sqlite3_stmt_readonly(stmt) != 0,
                       statement_kind(sql)};
  return statements_.insert(sql, entry);
}

void SqliteConnection::Finalize::operator()(Prepared& statement) const {
  sqlite3_finalize(statement.stmt);
}

void SqliteConnection::throw_param_count(int expected, std::size_t given) const {
  throw ProgrammingError("bind '" + bind() + "': the statement takes " + std::to_string(expected) +
                         " parameters but " + std::to_string(given) + " were given");
}

// Inline into run_statement(), its one caller: the errors go out of line.
inline void SqliteConnection::bind_params(const Prepared& statement,
                                          std::span<const Value> params) {
  sqlite3_stmt* stmt = statement.stmt;
  const int expected = statement.params;
  if (expected != static_cast<int>(params.size())) [[unlikely]]
    throw_param_count(expected, params.size());
  // A statement that writes does all its work, reading its parameters, in the first step,
  // which run_statement takes before it returns: without RETURNING it has no rows, and with it
  // SQLite computes every returned row in that step and hands them out from memory (see
  // "Processing Order" in its RETURNING documentation). Its text and blob parameters are bound
  // without a copy. A read-only statement (a SELECT) reads them as the cursor steps on, after
  // the caller's Values may be gone: copied. A binding left pointing at a Value that is gone is
  // never read, as the statement only runs again after binding anew.
  const sqlite3_destructor_type keep = statement.readonly ? SQLITE_TRANSIENT : SQLITE_STATIC;
  // Every parameter is bound below, which replaces the previous binding: no clear needed.
  for (int i = 1; i <= expected; ++i) {
    const int rc = bind_one(stmt, i, params[static_cast<std::size_t>(i - 1)], keep);
    if (rc != SQLITE_OK) [[unlikely]]
      throw_error(db_, rc, bind(), sql_of(stmt));
  }
}

Cursor& SqliteConnection::run_statement(std::string_view sql, std::span<const Value> params) {
  cursor_.finish();
  end_if_done();
  const Prepared& statement = prepared(sql);
  last_kind_ = statement.kind;
  bind_params(statement, params);
  if (!statement.readonly && wal_sync_) unsynced_write_ = true;
  // A write outside a transaction is a transaction of its own: it queues at the gate as
  // BEGIN IMMEDIATE does, not in SQLite's busy handler, which sleeps. It keeps the gate while
  // RETURNING rows are still to be read, as SQLite keeps its lock: until the cursor's end.
  if (!statement.readonly && gate_ && !holds_gate_ && sqlite3_get_autocommit(db_)) {
    take_write_gate();
  }
  cursor_.start(db_, statement.stmt, statement.readonly);
  if (cursor_.done()) end_if_done();
  return cursor_;
}

// Raw SQL may write anything: with synchronous=group, its end waits for a sync.
void SqliteConnection::execute_script(std::string_view sql) {
  refuse_if_in_flight();
  cursor_.finish();
  end_if_done();
  if (wal_sync_) unsynced_write_ = true;
  run_script(sql);
}

void SqliteConnection::run_script(std::string_view sql) {
  cursor_.finish();
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
  sqlite3_free(message);
  end_if_done();  // touches no SQLite state: the error is still there
  if (rc != SQLITE_OK) throw_error(db_, rc, bind(), sql);
}

// Converts the sync's failure into the bind's error: the commit's outcome is unknown.
void SqliteConnection::wait_durable() {
  unsynced_write_ = false;
  try {
    const bool synced = wal_sync_->wait_durable();
    if (synced && metrics()) metrics()->group_commit_synced();
  } catch (const std::system_error& e) {
    throw_database_error(ErrorKind::operational, bind(), std::to_string(e.code().value()),
                         e.what());
  }
}

void SqliteConnection::take_write_gate() {
  if (!gate_ || holds_gate_) return;
  bool queued = false;
  const bool acquired = gate_->acquire(busy_timeout_, &queued);
  if (queued && metrics()) metrics()->write_gate_waited();
  if (!acquired) {
    throw_database_error(ErrorKind::lock_timeout, bind(), std::to_string(SQLITE_BUSY),
                         "database is locked: another connection of this process kept its "
                         "write transaction open longer than busy_timeout (" +
                             std::to_string(busy_timeout_.count()) + " ms)");
  }
  holds_gate_ = true;
}

void SqliteConnection::begin(TxMode mode) {
  refuse_nested_begin();
  if (mode != TxMode::write) return run_script(dialect().begin_statement(mode));
  cursor_.finish();  // an unread RETURNING of a write outside a transaction ends it
  end_if_done();
  take_write_gate();
  run_script(begin_write_);  // on failure it gives the gate back: no transaction began
}
void SqliteConnection::commit() {
  refuse_if_in_flight();
  run_script("COMMIT");
}
void SqliteConnection::rollback() {
  drop_in_flight();  // it ran already; what it read is rolled back with the rest
  cursor_.finish();
  if (in_transaction()) {
    unsynced_write_ = false;  // nothing of the transaction stays to be synced
    run_script("ROLLBACK");
  }
  end_if_done();
}

// Connection's, minus its virtual calls: a SQLite connection never breaks.
bool SqliteConnection::reset_for_reuse() noexcept {
  try {
    reset_cursor();
    rollback();  // when in a transaction; either way gives the write gate back
    return true;
  } catch (...) {
    return false;
  }
}

void SqliteConnection::clear_statements() {
  cursor_.finish();
  statements_.clear();
}

std::unique_ptr<Connection> connect(const Url& url, const ConnectOptions& options) {
  return std::make_unique<SqliteConnection>(url, options);
}

}  // namespace manydb::engines::sqlite
