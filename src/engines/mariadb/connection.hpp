#pragma once
// One MariaDB session over Connector/C, with a bounded cache of prepared statements.
#include <mysql.h>

#include <chrono>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/mariadb/cursor.hpp"
#include "manydb/driver/connection.hpp"
#include "manydb/driver/statement_cache.hpp"

namespace manydb::engines::mariadb {

// Backing store for one bound parameter; text and blobs point into the caller's Values.
union ParamBuffer {
  long long integer;
  double real;
  signed char boolean;
  MYSQL_TIME time;
};

class MariadbConnection final : public Connection {
 public:
  // Takes ownership of a connected handle, whose reads give up after `read_timeout` (0: never).
  MariadbConnection(MYSQL* db, std::string bind, std::string password,
                    std::chrono::seconds read_timeout = {});
  ~MariadbConnection() override;

  const Dialect& dialect() const override;
  Cursor& run_statement(std::string_view sql, std::span<const Value> params) override;
  using Connection::query;
  void execute_script(std::string_view sql) override;
  std::int64_t last_insert_id() override { return last_insert_id_; }

  void begin(TxMode mode) override;
  void commit() override;
  void rollback() override;
  bool in_transaction() const override;
  void begin_branch(std::string_view xid, TxMode mode) override;
  void prepare_transaction(std::string_view xid) override;
  void commit_prepared(std::string_view xid) override;
  void rollback_prepared(std::string_view xid) override;
  std::vector<std::string> prepared_transactions(std::string_view prefix) override;
  bool reset_for_reuse() noexcept override;

  void* native_handle() override { return db_; }
  int server_socket() const override { return static_cast<int>(mysql_get_socket(db_)); }
  bool ping() override;
  bool broken() const override { return broken_; }
  bool closed_by_server() override;

  std::uint64_t prepare_count() const override { return prepare_count_; }

  // Throw the mapped error of the statement or of the session; a lost session marks the
  // connection broken first.
  [[noreturn]] void fail_statement(MYSQL_STMT* stmt);
  [[noreturn]] void fail_session();
  [[noreturn]] void fail(unsigned code, const char* sqlstate, const char* message);

 private:
  struct CloseStatement {
    void operator()(MYSQL_STMT* stmt) const;
  };

  void require_usable();
  void run_script(std::string_view sql);
  MYSQL_STMT* prepared(std::string_view sql);
  MYSQL_STMT* prepare(std::string_view sql);
  void check_param_count(MYSQL_STMT* stmt, std::size_t given);
  void bind_params(MYSQL_STMT* stmt, std::span<const Value> params);
  Cursor& run_prepared(std::string_view sql, MYSQL_STMT* stmt, std::span<const Value> params);
  MYSQL_STMT* run_afresh(std::string_view sql, MYSQL_STMT* stmt, std::span<const Value> params);
  MYSQL_RES* stored(MYSQL_STMT* stmt);
  Cursor& opened(MYSQL_STMT* stmt, MYSQL_RES* meta);
  MYSQL_STMT* prepare_afresh(std::string_view sql);
  Cursor& run_text(std::string_view sql);
  void send_text(std::string_view sql);
  void finish_prepared(std::string_view verb, std::string_view xid);

  // ---- A statement sent ahead (send_ahead.cpp) ----
  void send_statement(std::string_view sql, std::span<const Value> params) override;
  Cursor& receive_statement(std::string_view sql) override;
  std::optional<AnswerWait> wait_for_answer() override;
  void close_abandoned() noexcept override { abandon_sent(); }
  void start_sending(MYSQL_STMT* stmt, std::span<const Value> params);
  void settle(int status);
  int resume(int events);
  int events_ready(int timeout_ms);
  int wait_for_events();
  void abandon_sent() noexcept;

  // Connector/C's non-blocking calls run the statement on a stack of their own, suspended
  // while it waits: first its execution, then reading its rows.
  struct Sending {
    MYSQL_STMT* stmt = nullptr;  // nullptr: nothing suspended
    bool storing = false;        // executed: its rows are being read
    int result = 0;              // the call's return value once it finished (0: success)
    int waits_for = 0;           // MYSQL_WAIT_* it is suspended on; 0: finished
    std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
    MYSQL_RES* meta = nullptr;  // the shape of its rows, while storing
  };
  Sending sending_;
  std::vector<Value> sent_params_;  // to run it again prepared afresh (run_afresh)
  std::exception_ptr send_error_;   // thrown by receive()
  bool ran_in_send_ = false;        // not preparable: ran in send() (Connection's default)

  MYSQL* db_;
  std::string password_;  // kept only to scrub it from any message the server echoes
  std::chrono::seconds read_timeout_;
  std::chrono::steady_clock::time_point started_{};  // of the statement running now
  MariadbCursor cursor_;
  static constexpr std::size_t kCacheLimit = 256;  // statements prepared per connection
  StatementCache<MYSQL_STMT*, CloseStatement> cache_{kCacheLimit};
  std::vector<MYSQL_BIND> param_binds_;
  std::vector<ParamBuffer> param_buffers_;
  std::uint64_t prepare_count_ = 0;
  std::int64_t last_insert_id_ = 0;
  bool broken_ = false;
  bool commit_in_flight_ = false;  // a lost connection now is CommitInDoubt
  // The XA branch this connection's open transaction is (begin_branch), and the one it prepared
  // and has not finished: until then the server refuses every other statement on it.
  std::string branch_;
  std::string prepared_branch_;
};

}  // namespace manydb::engines::mariadb
