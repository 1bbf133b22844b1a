#pragma once
#include <sqlite3.h>

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engines/sqlite/busy_wait.hpp"
#include "engines/sqlite/cursor.hpp"
#include "engines/sqlite/wal_sync.hpp"
#include "engines/sqlite/write_gate.hpp"
#include "manydb/driver/connection.hpp"
#include "manydb/driver/statement_cache.hpp"

namespace manydb::engines::sqlite {

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(const Url& url, const ConnectOptions& options);
  ~SqliteConnection() override;

  const Dialect& dialect() const override;
  Cursor& run_statement(std::string_view sql, std::span<const Value> params) override;
  StatementKind last_statement_kind(std::string_view) const override { return last_kind_; }
  void execute_script(std::string_view sql) override;
  std::int64_t last_insert_id() override { return sqlite3_last_insert_rowid(db_); }

  void begin(TxMode mode) override;
  void commit() override;
  void rollback() override;
  bool in_transaction() const override { return sqlite3_get_autocommit(db_) == 0; }

  void* native_handle() override { return db_; }
  bool ping() override { return db_ != nullptr; }
  bool broken() const override { return false; }
  void reset_cursor() override {
    cursor_.finish();
    end_if_done();  // a failed statement may have ended the transaction
  }
  bool reset_for_reuse() noexcept override;
  std::uint64_t prepare_count() const override { return prepares_; }

 private:
  static constexpr std::size_t kMaxCachedStatements = 256;

  void open(const Url& url);
  void configure(const Url& url);
  void set_journal_mode(const std::string& journal);
  // A cached statement with what SQLite would otherwise be asked on every run: the answers
  // never change for the same SQL text, even when SQLite prepares it again after a schema change.
  struct Prepared {
    sqlite3_stmt* stmt = nullptr;
    int params = 0;                             // sqlite3_bind_parameter_count
    bool readonly = true;                       // sqlite3_stmt_readonly
    StatementKind kind = StatementKind::write;  // for the metrics, told once
  };
  const Prepared& prepared(std::string_view sql);
  void bind_params(const Prepared& statement, std::span<const Value> params);
  [[noreturn, gnu::cold]] void throw_param_count(int expected, std::size_t given) const;
  void clear_statements();
  void take_write_gate();
  void run_script(std::string_view sql);
  // Once the transaction has ended, however it ended (commit, rollback, a COMMIT in raw SQL,
  // or SQLite rolling back by itself after an error): gives the gate back, then, with
  // synchronous=group, waits until what it wrote is on disk.
  void end_if_done() {
    if ((!holds_gate_ && !unsynced_write_) || sqlite3_get_autocommit(db_) == 0) return;
    if (holds_gate_) {
      holds_gate_ = false;
      gate_->release();
    }
    if (unsynced_write_) wait_durable();
  }
  void wait_durable();

  sqlite3* db_ = nullptr;
  std::string begin_write_ = "BEGIN IMMEDIATE";
  std::shared_ptr<WriteGate> gate_;  // null for :memory: and read-only files
  bool holds_gate_ = false;
  std::shared_ptr<WalSync> wal_sync_;  // set with synchronous=group
  bool unsynced_write_ = false;        // written since the last sync (synchronous=group only)
  std::chrono::milliseconds busy_timeout_{5000};
  BusyWait busy_wait_;
  struct Finalize {
    void operator()(Prepared& statement) const;
  };
  StatementCache<Prepared, Finalize> statements_{kMaxCachedStatements};
  std::uint64_t prepares_ = 0;
  StatementKind last_kind_ = StatementKind::write;  // of the statement run_statement last ran
  SqliteCursor cursor_{bind()};
};

}  // namespace manydb::engines::sqlite
