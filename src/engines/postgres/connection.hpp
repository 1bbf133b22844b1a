#pragma once
// One libpq connection: statements are prepared once per SQL text and cached.
#include <libpq-fe.h>

#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engines/postgres/cursor.hpp"
#include "manydb/driver/connection.hpp"
#include "manydb/driver/statement_cache.hpp"

namespace manydb::engines::postgres {

class PgConnection final : public Connection {
 public:
  // Takes ownership of an established `conn`; `password` is kept only to redact messages.
  // No wait for the server lasts longer than `wait_limit` (0: no limit).
  PgConnection(PGconn* conn, std::string bind, std::string password,
               std::chrono::milliseconds wait_limit = {});
  ~PgConnection() override;

  const Dialect& dialect() const override;
  Cursor& run_statement(std::string_view sql, std::span<const Value> params) override;
  void run_batch(const Batch& batch) override;
  void execute_script(std::string_view sql) override;
  void copy_rows(std::string_view copy_statement, std::size_t columns,
                 std::span<const Value> values) override;
  std::int64_t last_insert_id() override;

  void begin(TxMode mode) override;
  void commit() override;
  void rollback() override;
  bool in_transaction() const override;
  void prepare_transaction(std::string_view xid) override;
  void commit_prepared(std::string_view xid) override;
  void rollback_prepared(std::string_view xid) override;
  std::vector<std::string> prepared_transactions(std::string_view prefix) override;

  void* native_handle() override { return conn_; }
  int server_socket() const override { return PQsocket(conn_); }
  bool ping() override;
  bool broken() const override { return broken_; }
  bool closed_by_server() override;

  std::uint64_t prepare_count() const override { return prepares_; }
  std::size_t max_in_flight() const override { return kMaxInFlight; }

 protected:
  void send_statement(std::string_view sql, std::span<const Value> params) override;
  Cursor& receive_statement(std::string_view sql) override;
  std::optional<AnswerWait> wait_for_answer() override;
  void close_abandoned() noexcept override;

 private:
  struct Statement {
    std::string name;  // server-side name, "s<n>"
    int params = 0;
    // 1 (binary) when the cursor decodes every result column from binary, else 0 (text):
    // binary spares the server formatting numbers and times and the client parsing them.
    int result_format = 0;
  };
  static constexpr std::size_t kMaxCached = 256;
  static constexpr std::size_t kMaxPipelined = 8;  // statements in one pipeline
  static constexpr std::size_t kMaxInFlight = 64;  // statements sent ahead (send_ahead.cpp)

  const Statement& prepared(std::string_view sql);
  const Statement& prepared_for_pending(std::string_view sql);
  Statement prepare(const std::string& sql);
  const char* bare_statement(std::string_view sql);
  void check_param_count(const Statement& st, std::span<const Value> params) const;
  void bind_params(const Statement& st, std::span<const Value> params);
  ResultPtr execute(const Statement& st, std::span<const Value> params);
  ResultPtr begin_and_execute(const Statement& st, std::span<const Value> params);
  void run_pipelined(std::span<const Batch::Step> steps, bool then_commit);
  struct Queued {  // a statement of a pipeline, with its values
    const Statement* statement;
    std::span<const Value> params;
  };
  // How a pipeline's transaction began and ended, besides its statements' results.
  struct Bounds {
    ResultPtr begin;        // BEGIN's answer; null when none was sent
    ResultPtr commit;       // COMMIT's answer, or the error the implicit commit met
    bool implicit = false;  // sent without BEGIN and COMMIT: committed by the server at the sync
  };
  Bounds pipeline(std::span<const Queued> statements, bool then_commit,
                  std::span<ResultPtr> results);
  using Clock = std::chrono::steady_clock;
  bool read_pipeline(std::span<ResultPtr> results, Clock::time_point deadline);
  Clock::time_point deadline() const;
  void await(Clock::time_point deadline);
  void put_copy_data(std::string_view chunk, Clock::time_point deadline);
  void end_copy(Clock::time_point deadline);
  ResultPtr next_result(Clock::time_point deadline);
  ResultPtr finish(int sent);
  [[noreturn]] void time_out();
  void check_pipeline(const Bounds& bounds, std::span<const ResultPtr> results, bool then_commit,
                      std::span<const std::string_view> sql);
  void refuse_rolled_back_commit(PGresult* res) const;
  void send_pending_begin();
  void finish_prepared(std::string_view verb, std::string_view xid);
  bool plan_changed(const PGresult* res) const;
  bool nothing_lost_by_running_again(std::optional<TxMode> begun) const;
  ResultPtr execute_afresh(std::string_view sql, std::span<const Value> params,
                           std::optional<TxMode> begun);
  ResultPtr run(std::string_view sql);
  void require_usable() const;
  void check(const ResultPtr& res);
  [[noreturn]] void fail(const PGresult* res);

  struct ParamBuffers {
    void pack(std::span<const Value> params);
    std::vector<std::string> text;
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
  };

  // ---- Statements sent ahead (send_ahead.cpp) ----
  // One sent in pipeline mode with a sync of its own, so that each fails alone, as it would
  // have run on its own; its answer once read (read_in_flight).
  struct InFlight {
    std::vector<Value> params;      // to run it again after a changed plan
    std::optional<TxMode> begun{};  // its transaction's BEGIN went with it
    Clock::time_point deadline{};
    bool read = false;
    ResultPtr begin_result{};
    ResultPtr result{};
    std::exception_ptr error{};
  };
  void send_in_pipeline(InFlight& sent, const Statement& st);
  void read_in_flight(InFlight& sent);
  void read_all_in_flight();
  void leave_pipeline();
  ResultPtr answer_of(InFlight& sent);
  std::deque<InFlight> in_flight_;
  bool piped_ = false;  // in pipeline mode for statements sent ahead

  PGconn* conn_;
  std::string password_;
  std::chrono::milliseconds wait_limit_;
  ParamBuffers params_;  // reused by every statement
  PgCursor cursor_;
  struct Hash {  // finds a cached statement by std::string_view, without building a key
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Deallocate {  // frees an evicted statement on the server
    PgConnection* connection;
    void operator()(const Statement& statement) const;
  };
  StatementCache<Statement, Deallocate> cache_{kMaxCached, Deallocate{this}};
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> bare_;  // BEGIN, COMMIT
  std::uint64_t next_name_ = 0;
  std::uint64_t prepares_ = 0;
  // begin() was called and its BEGIN not yet sent: it goes out with the next statement.
  std::optional<TxMode> pending_;
  bool broken_ = false;
  // COMMIT (or a pipeline's committing sync) was sent and its answer has not come: a lost
  // connection now is CommitInDoubt.
  bool commit_in_flight_ = false;
};

}  // namespace manydb::engines::postgres
