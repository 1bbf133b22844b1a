// The library against database servers that fail for real: killed with SIGKILL and restarted,
// hung with SIGSTOP, their connections ended from the server side, at every point of a session,
// alone and under concurrent sessions. The servers are this process's own (PrivateServers), so
// the tests that share the others never see these outages. SQLite has no server to fail.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>
#include <typeinfo>
#include <vector>

#include "manydb/manydb.hpp"
#include "private_servers.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStatementTimeout{1000};
// What any one operation may take while a server fails: the timeout, and a second for the rest.
constexpr milliseconds kLongestWait = kStatementTimeout + milliseconds(1000);

PrivateServers* servers = nullptr;

class Environment : public ::testing::Environment {
 public:
  void SetUp() override { servers = new PrivateServers(); }
  void TearDown() override {
    delete servers;
    servers = nullptr;
  }
};
const auto* const environment = ::testing::AddGlobalTestEnvironment(new Environment);

// What concurrent sessions saw: every id they tried to write, by outcome, and every error.
struct Outcomes {
  std::mutex mutex;
  std::set<std::int64_t> committed;  // commit() returned: the row must be there
  std::set<std::int64_t> abandoned;  // failed or rolled back before commit(): must not be
  std::set<std::int64_t> unknown;    // commit() itself failed: either
  std::vector<std::string> foreign;  // an error that is not an OperationalError naming the bind
  std::atomic<int> commits{0};
  std::atomic<int> failures{0};
  std::atomic<std::int64_t> longest_ms{0};
};

class ServerFault : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    ASSERT_NE(servers, nullptr);
    DatabaseConfig config;
    PoolSettings pool;
    pool.size = 4;
    pool.max_overflow = 4;
    pool.connect_timeout = kStatementTimeout;
    pool.statement_timeout = kStatementTimeout;
    pool.reconnect_interval = milliseconds(200);
    config.add_bind("faulty", servers->test_url(GetParam()), pool);
    db_ = std::make_unique<Database>(config);
    table_ = quoted("fault_" + std::to_string(::getpid()));
    db_->execute("faulty", "DROP TABLE IF EXISTS " + table_);
    db_->execute("faulty", "CREATE TABLE " + table_ + " (id INTEGER PRIMARY KEY, worker INTEGER)");
  }
  void TearDown() override {
    if (db_) db_->execute("faulty", "DROP TABLE IF EXISTS " + table_);
  }

  std::string quoted(const std::string& name) {
    return db_->engine("faulty").dialect().quote_identifier(name);
  }
  Engine& engine() { return db_->engine("faulty"); }
  void fault(const std::string& action) { servers->fault(GetParam(), action); }
  std::int64_t rows(const std::string& where = "1 = 1") {
    return db_->execute("faulty", "SELECT count(*) FROM " + table_ + " WHERE " + where)
        .rows.at(0)
        .at(0)
        .as_int64();
  }
  bool has_row(std::int64_t id) { return rows("id = " + std::to_string(id)) == 1; }
  // Starts the killed server again and waits until the bind answers (its pool tries again
  // every reconnect_interval).
  void restart() {
    fault("start");
    wait_until(
        [&] { return engine().check_health(milliseconds(2000)).status == Health::Status::ok; },
        "the bind answers again");
  }
  void insert(Session& s, std::int64_t id) {
    s.execute("faulty", "INSERT INTO " + table_ + " (id, worker) VALUES (?, ?)", {id, 0});
  }

  // Sessions on `threads` threads until `stop`: each inserts a row of its own, reads, and
  // commits (or, one in five, rolls back), recording each outcome and each error.
  void run_sessions(Outcomes& out, std::atomic<bool>& stop, int worker);
  void start_sessions(int threads);
  void stop_sessions();
  // Every row that commit() reported is there, none that failed before it, and every error was
  // an OperationalError that names the bind, without the password.
  void expect_consistent();

  std::unique_ptr<Database> db_;
  std::string table_;
  Outcomes outcomes_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> next_id_{1};
  std::vector<std::thread> workers_;
};

void ServerFault::run_sessions(Outcomes& out, std::atomic<bool>& stop, int worker) {
  for (int n = 0; !stop; ++n) {
    const std::int64_t id = next_id_++;
    bool committing = false;
    bool failed = true;
    const auto start = Clock::now();
    try {
      auto s = db_->session_for("faulty");
      s.execute("faulty", "INSERT INTO " + table_ + " (id, worker) VALUES (?, ?)", {id, worker});
      s.execute("faulty", "SELECT count(*) FROM " + table_ + " WHERE worker = ?", {worker});
      if (n % 5 == 4) {
        s.rollback();
        std::lock_guard lock(out.mutex);
        out.abandoned.insert(id);
      } else {
        committing = true;
        s.commit();
        std::lock_guard lock(out.mutex);
        out.committed.insert(id);
        ++out.commits;
      }
      failed = false;
    } catch (const OperationalError& e) {
      std::lock_guard lock(out.mutex);
      (committing ? out.unknown : out.abandoned).insert(id);
      ++out.failures;
      const std::string what = e.what();
      if (e.bind() != "faulty" || what.find("faulty") == std::string::npos ||
          what.find("p@ss") != std::string::npos) {
        out.foreign.push_back(what);
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(out.mutex);
      out.abandoned.insert(id);
      out.foreign.push_back(std::string(typeid(e).name()) + ": " + e.what());
    }
    const auto ms = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
    // A failing worker pauses as a client retrying would; nothing waits on this.
    if (failed && ms < 5) std::this_thread::sleep_for(milliseconds(5));
    std::int64_t seen = out.longest_ms.load();
    while (ms > seen && !out.longest_ms.compare_exchange_weak(seen, ms)) {
    }
  }
}

void ServerFault::start_sessions(int threads) {
  for (int w = 0; w < threads; ++w) {
    workers_.emplace_back([this, w] { run_sessions(outcomes_, stop_, w); });
  }
}

void ServerFault::stop_sessions() {
  stop_ = true;
  for (auto& t : workers_) t.join();
  workers_.clear();
}

void ServerFault::expect_consistent() {
  std::lock_guard lock(outcomes_.mutex);
  EXPECT_TRUE(outcomes_.foreign.empty())
      << outcomes_.foreign.size() << " unexpected errors, the first: " << outcomes_.foreign.front();
  for (const std::int64_t id : outcomes_.committed) {
    ASSERT_TRUE(has_row(id)) << "row " << id << " was reported committed but is not there";
  }
  for (const std::int64_t id : outcomes_.abandoned) {
    ASSERT_FALSE(has_row(id)) << "row " << id << " failed or rolled back but was written";
  }
  EXPECT_LE(outcomes_.longest_ms.load(), kLongestWait.count())
      << "no session may wait longer than the statement timeout and a second";
}

// Sessions keep going; after `fault` they meet typed errors only, and after `restore` they
// commit again: `wait_until` bounds each wait at 30 s.
void waits_for_commits(Outcomes& out, int more) {
  const int target = out.commits.load() + more;
  wait_until([&] { return out.commits.load() >= target; }, "sessions committing");
}

TEST_P(ServerFault, KilledAndRestartedUnderConcurrentSessions) {
  start_sessions(4);
  waits_for_commits(outcomes_, 20);
  fault("kill");
  wait_until([&] { return engine().pool().stats().failed_fast > 0; },
             "acquires fail at once while the server is down");
  fault("start");
  waits_for_commits(outcomes_, 20);
  stop_sessions();
  EXPECT_GT(outcomes_.failures.load(), 0);
  expect_consistent();
}

TEST_P(ServerFault, HungUnderConcurrentSessionsCostsTheTimeoutThenFailsFast) {
  start_sessions(4);
  waits_for_commits(outcomes_, 20);
  fault("hang");
  wait_until([&] { return engine().pool().stats().failed_fast > 0; },
             "acquires fail at once once the server did not answer in time");
  const Health health = engine().check_health(milliseconds(300));
  EXPECT_NE(health.status, Health::Status::ok) << "a hung server is not healthy";
  fault("resume");
  waits_for_commits(outcomes_, 20);
  stop_sessions();
  EXPECT_GT(outcomes_.failures.load(), 0);
  expect_consistent();
  EXPECT_EQ(engine().check_health(milliseconds(5000)).status, Health::Status::ok);
}

TEST_P(ServerFault, ConnectionsEndedByTheServerCostAnErrorEachAtMost) {
  start_sessions(4);
  waits_for_commits(outcomes_, 20);
  fault("terminate");
  waits_for_commits(outcomes_, 20);
  stop_sessions();
  // Each of the pool's connections (size 4 + overflow 4) fails at most its one statement.
  EXPECT_LE(outcomes_.failures.load(), 8);
  expect_consistent();
}

// The reported crash: the server dies, the session's reused connection is found dead, and no
// replacement can be opened; the lease is left without a connection.
TEST_P(ServerFault, ASessionWhoseConnectionCannotBeReplacedFailsTypedAndRollsBackQuietly) {
  { Lease warm = engine().connect(); }  // one idle connection, to be found dead
  fault("kill");
  {
    auto s = db_->session_for("faulty");
    EXPECT_THROW(insert(s, 1), ConnectionError);
    EXPECT_THROW(insert(s, 2), ConnectionError);
    EXPECT_THROW(s.commit(), ConnectionError);
    EXPECT_NO_THROW(s.rollback());
    EXPECT_TRUE(engine().pool().stats().down);
    EXPECT_THROW(insert(s, 4), ConnectionError);
  }  // the destructor rolls back again: nothing may be touched
  restart();
  auto s = db_->session_for("faulty");
  insert(s, 3);
  s.commit();
  EXPECT_EQ(rows(), 1);
}

// A session's transaction is open when the server dies: commit() and rollback() on it are a
// typed error and a quiet no-op, and nothing of it is written.
TEST_P(ServerFault, CommitAndRollbackAfterTheServerDiedInsideATransaction) {
  {
    auto s = db_->session_for("faulty");
    insert(s, 1);
    fault("kill");
    EXPECT_THROW(s.commit(), ConnectionError);
  }
  {
    auto s = db_->session_for("faulty");
    EXPECT_THROW({ insert(s, 2); }, ConnectionError);
  }
  restart();
  {
    auto s = db_->session_for("faulty");
    insert(s, 3);
    fault("kill");
    EXPECT_NO_THROW(s.rollback());
  }
  {
    auto s = db_->session_for("faulty");
    EXPECT_ANY_THROW(insert(s, 4));
  }  // the destructor has nothing left to roll back
  restart();
  EXPECT_EQ(rows(), 0);
}

// The server dies while COMMIT is in flight (it was hung, so COMMIT cannot have run): the
// caller cannot know that, so it is CommitInDoubt; the row is not there after the restart.
TEST_P(ServerFault, ACommitInFlightWhenTheServerDies) {
  auto s = db_->session_for("faulty");
  insert(s, 1);
  fault("hang");
  std::atomic<bool> committing{false};
  std::string error;
  std::thread committer([&] {
    committing = true;
    try {
      s.commit();
    } catch (const CommitInDoubt& e) {
      error = e.what();
    } catch (const Error& e) {
      error = std::string("not CommitInDoubt: ") + e.what();
    }
  });
  wait_until([&] { return committing.load(); }, "commit() called");
  fault("kill");
  committer.join();
  EXPECT_NE(error, "") << "commit() must fail when the server dies under it";
  EXPECT_NE(error.find("faulty"), std::string::npos) << error;
  EXPECT_EQ(error.find("not CommitInDoubt"), std::string::npos) << error;
  EXPECT_NE(error.find("may or may not have committed"), std::string::npos) << error;
  restart();
  EXPECT_EQ(rows(), 0);
}

// Statements sent ahead on two connections to a server that hangs: the caller waits out one
// statement timeout for both, not one for each (each counts from when it was sent).
TEST_P(ServerFault, StatementsSentAheadToAHungServerCostOneTimeoutTogether) {
  const Url url = Url::parse(servers->test_url(GetParam()));
  const ConnectOptions options{.bind = "faulty",
                               .connect_timeout = kStatementTimeout,
                               .statement_timeout = kStatementTimeout};
  auto first = connect(url, options);
  auto second = connect(url, options);
  const Value one[] = {Value(1)};
  const char* sql = GetParam() == "postgres" ? "SELECT ?::int" : "SELECT ?";
  for (auto* c : {first.get(), second.get()}) c->query(sql, one).next();
  fault("hang");
  const auto start = Clock::now();
  first->send(sql, one);
  second->send(sql, one);
  EXPECT_THROW(first->receive(), Timeout);
  EXPECT_THROW(second->receive(), Timeout);
  const auto waited = Clock::now() - start;
  fault("resume");
  EXPECT_GE(waited, kStatementTimeout);
  EXPECT_LT(waited, 2 * kStatementTimeout) << "each read waited out a timeout of its own";
  EXPECT_TRUE(first->broken());
  EXPECT_TRUE(second->broken());
}

// A statement the server is running when it is killed.
TEST_P(ServerFault, AStatementRunningWhenTheServerIsKilled) {
  const bool pg = GetParam() == "postgres";
  // A statement timeout well beyond the statement's run, so that only the kill can end it.
  Engine patient("patient", Url::parse(servers->test_url(GetParam())),
                 {.statement_timeout = std::chrono::seconds(60)});
  Lease lease = patient.connect();
  auto& id = lease.query(pg ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()");
  ASSERT_TRUE(id.next());
  const std::string pid = std::to_string(id.get_int64(0));
  std::string error;
  std::thread sleeper([&] {
    try {
      lease.query(pg ? "SELECT pg_sleep(30)" : "SELECT SLEEP(30)");
    } catch (const ConnectionError& e) {
      error = e.what();
    } catch (const Error& e) {
      error = std::string("wrong type: ") + e.what();
    }
  });
  auto admin = manydb::connect(Url::parse(servers->test_url(GetParam())));
  const std::string running = pg ? "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid +
                                       " AND query LIKE 'SELECT pg_sleep%'"
                                 : "SELECT count(*) FROM information_schema.processlist "
                                   "WHERE id = " +
                                       pid + " AND info LIKE 'SELECT SLEEP%'";
  wait_until(
      [&] {
        auto& c = admin->query(running);
        return c.next() && c.get_int64(0) == 1;
      },
      "the server is running the statement");
  admin.reset();
  fault("kill");
  sleeper.join();
  EXPECT_NE(error.find("patient"), std::string::npos) << error;
  EXPECT_EQ(error.find("wrong type"), std::string::npos) << error;
  EXPECT_TRUE(lease->broken());
  lease.discard();
  restart();
}

// A health check answers within its budget whatever the server does, and does not pile up.
TEST_P(ServerFault, HealthAnswersWithinItsBudgetWhileTheServerHangs) {
  EXPECT_EQ(engine().check_health(milliseconds(2000)).status, Health::Status::ok);
  fault("hang");
  for (int i = 0; i < 3; ++i) {
    const auto start = Clock::now();
    const Health h = engine().check_health(milliseconds(200));
    EXPECT_EQ(h.status, Health::Status::timeout) << h.error;
    EXPECT_NE(h.error.find("faulty"), std::string::npos) << h.error;
    EXPECT_LT(Clock::now() - start, milliseconds(1200)) << "the budget bounds the check";
  }
  fault("resume");
  wait_until([&] { return engine().check_health(milliseconds(2000)).status == Health::Status::ok; },
             "the bind answers again");
}

// The server holds a prepared branch of an atomic commit whose decision is made (on a SQLite
// bind, the decider) when the coordinator dies; then the server is killed with SIGKILL and
// started again. The prepared branch survives both, and recovery commits it: nothing is lost.
TEST_P(ServerFault, AServerKilledBetweenPrepareAndCommitIsFinishedByRecovery) {
  const auto sqlite = std::filesystem::temp_directory_path() /
                      ("manydb-fault-atomic-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(sqlite);
  const std::string sqlite_url = "sqlite:///" + sqlite.string();
  db_->execute("faulty", "DROP TABLE IF EXISTS atomic_t");
  db_->execute("faulty", "CREATE TABLE atomic_t (k BIGINT PRIMARY KEY, v VARCHAR(10))");
  connect(Url::parse(sqlite_url))
      ->execute_script("CREATE TABLE atomic_t (k BIGINT PRIMARY KEY, v VARCHAR(10))");

  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("MANYDB_CRASH_AT", "after_decision", 1);
    const std::string server_url = servers->test_url(GetParam());
    ::execl(MANYDB_ATOMIC_CRASHER, MANYDB_ATOMIC_CRASHER, "commit", server_url.c_str(),
            sqlite_url.c_str(), "42", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kFailpointExitCode) << status;

  fault("kill");
  restart();
  DatabaseConfig config;
  config.set_default(servers->test_url(GetParam()));
  config.add_bind("other", sqlite_url);
  config.recovery_interval = milliseconds(0);
  Database db(config);
  const RecoveryReport report = db.recover();
  EXPECT_EQ(report.committed, 1u) << report.to_text();
  EXPECT_EQ(db.execute("default", "SELECT COUNT(*) FROM atomic_t WHERE k = 42").rows.at(0).at(0),
            Value(1));
  EXPECT_EQ(db.execute("other", "SELECT COUNT(*) FROM atomic_t WHERE k = 42").rows.at(0).at(0),
            Value(1));
  EXPECT_TRUE(db.recover().in_doubt.empty());
  db_->execute("faulty", "DROP TABLE IF EXISTS atomic_t");
  std::filesystem::remove(sqlite);
}

// A PostgreSQL server started with max_prepared_transactions = 0 cannot take part in an atomic
// commit that must prepare it: the commit fails with a ConfigError naming the setting, and
// neither bind keeps anything. The server is started again as before, whatever happened.
TEST(PostgresWithoutPreparedTransactions, AnAtomicCommitNeedingOneNamesTheSetting) {
  ASSERT_NE(servers, nullptr);
  struct Restart {
    void operator()(const char* max_prepared) const {
      servers->fault("postgres", "kill");
      if (max_prepared) ::setenv("MANYDB_PG_MAX_PREPARED", max_prepared, 1);
      servers->fault("postgres", "start");
      ::unsetenv("MANYDB_PG_MAX_PREPARED");
    }
  } restart;
  restart("0");
  struct AsBefore {
    const Restart& restart;
    ~AsBefore() { restart(nullptr); }
  } as_before{restart};

  const auto sqlite = std::filesystem::temp_directory_path() /
                      ("manydb-fault-noprep-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(sqlite);
  DatabaseConfig config;
  config.set_default(servers->test_url("postgres"));
  config.add_bind("other", "sqlite:///" + sqlite.string());  // the decider: PostgreSQL prepares
  config.recovery_interval = milliseconds(0);
  Database db(config);
  for (const char* bind : {"default", "other"}) {
    db.execute(bind, "DROP TABLE IF EXISTS noprep_t");
    db.execute(bind, "CREATE TABLE noprep_t (k BIGINT PRIMARY KEY)");
  }
  try {
    auto s = db.session();
    s.execute("default", "INSERT INTO noprep_t (k) VALUES (?)", {1});
    s.execute("other", "INSERT INTO noprep_t (k) VALUES (?)", {1});
    s.commit();
    ADD_FAILURE() << "committed atomically without prepared transactions";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("max_prepared_transactions"), std::string::npos)
        << e.what();
    EXPECT_EQ(e.bind(), "default") << e.what();
  }
  for (const char* bind : {"default", "other"}) {
    EXPECT_EQ(db.execute(bind, "SELECT COUNT(*) FROM noprep_t").rows.at(0).at(0), Value(0)) << bind;
  }
  db.execute("default", "DROP TABLE noprep_t");
  std::filesystem::remove(sqlite);
}

INSTANTIATE_TEST_SUITE_P(Servers, ServerFault, ::testing::Values("postgres", "mariadb"),
                         [](const auto& info) { return info.param; });

// A read replica killed under concurrent reads, then started again: no read fails, and the
// replica serves again once it is back, without a restart of the application.
// Servers of their own with a replica each: the other tests' servers write no binlog (a MariaDB
// killed mid-commit can fail its binlog recovery), and these never kill a primary.
class ReplicaFault : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { replica_servers = new PrivateServers(1); }
  static void TearDownTestSuite() {
    delete replica_servers;
    replica_servers = nullptr;
  }
  static inline PrivateServers* replica_servers = nullptr;

  void SetUp() override {
    ASSERT_NE(replica_servers, nullptr);
    const bool pg = GetParam() == "postgres";
    DatabaseConfig config;
    PoolSettings pool;
    pool.connect_timeout = kStatementTimeout;
    pool.statement_timeout = kStatementTimeout;
    pool.reconnect_interval = milliseconds(200);
    config.add_bind("faulty", replica_servers->test_url(GetParam()), pool);
    config.add_replica("faulty",
                       replica_servers->var(pg ? "MANYDB_TEST_POSTGRES_REPLICA_URL"
                                               : "MANYDB_TEST_MARIADB_REPLICA_URL"),
                       pool);
    config.binds.at("faulty").replica.cooldown = milliseconds(200);
    config.replica_refresh = milliseconds(50);
    db_ = std::make_unique<Database>(config);
    table_ = db_->engine("faulty").dialect().quote_identifier("replica_fault_" +
                                                              std::to_string(::getpid()));
    db_->execute("faulty", "DROP TABLE IF EXISTS " + table_);
    db_->execute("faulty", "CREATE TABLE " + table_ + " (id INTEGER PRIMARY KEY)");
    db_->execute("faulty", "INSERT INTO " + table_ + " (id) VALUES (1)");
    wait_until([&] { return replica_state() == "ok" && served_by_replica(); },
               "the replica to serve the table");
  }
  void TearDown() override {
    if (db_) db_->execute("faulty", "DROP TABLE IF EXISTS " + table_);
  }

  std::string replica_state() { return db_->replica_status().at(0).state; }
  // Whether a new session's reads are served by a server that replicates, and see the row.
  bool served_by_replica() {
    Session s = db_->session();
    try {
      if (s.execute_read("faulty", "SELECT COUNT(*) FROM " + table_).rows.at(0).at(0) != Value(1))
        return false;
    } catch (const Error&) {
      return false;  // the table is not there yet
    }
    const auto who = s.execute_read("faulty", GetParam() == "postgres"
                                                  ? "SELECT CASE WHEN pg_is_in_recovery() THEN 1 "
                                                    "ELSE 0 END"
                                                  : "SELECT @@read_only");
    return who.rows.at(0).at(0).as_int64() == 1;
  }
  void read_until_stopped() {
    while (!stop_) {
      try {
        Session s = db_->session();
        const auto r = s.execute_read("faulty", "SELECT COUNT(*) FROM " + table_);
        if (r.rows.at(0).at(0) != Value(1)) throw std::runtime_error("a read lost the row");
        ++reads_;
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex_);
        errors_.push_back(e.what());
      }
    }
  }

  std::unique_ptr<Database> db_;
  std::string table_;
  std::atomic<bool> stop_{false};
  std::atomic<int> reads_{0};
  std::mutex mutex_;
  std::vector<std::string> errors_;
};

TEST_P(ReplicaFault, AReplicaKilledUnderReadsCostsNoReadAndIsBackWithoutARestart) {
  std::vector<std::thread> readers;
  for (int i = 0; i < 4; ++i) readers.emplace_back([&] { read_until_stopped(); });
  auto reads_grow_by = [&](int n, const char* what) {
    const int target = reads_ + n;
    wait_until([&] { return reads_ >= target; }, what);
  };
  reads_grow_by(50, "reads from the replica");
  replica_servers->fault(GetParam() + "-replica", "kill");
  wait_until([&] { return replica_state() == "out"; }, "the replica to be out");
  reads_grow_by(50, "reads from the primary while the replica is down");
  replica_servers->fault(GetParam() + "-replica", "start");
  wait_until([&] { return replica_state() == "ok"; }, "the replica back in rotation");
  reads_grow_by(50, "reads after the replica came back");
  stop_ = true;
  for (auto& t : readers) t.join();
  EXPECT_TRUE(served_by_replica());
  std::string all;
  for (const auto& e : errors_) all += e + "\n";
  EXPECT_TRUE(errors_.empty()) << errors_.size() << " reads failed:\n" << all;
}

INSTANTIATE_TEST_SUITE_P(Servers, ReplicaFault, ::testing::Values("postgres", "mariadb"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace manydb::testing
