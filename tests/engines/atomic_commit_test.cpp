// Atomic commits across binds (tx/atomic_commit.hpp) on every pair of engines: all or none,
// and after a crash at each step (a failpoint ends a child process there), recovery brings
// both binds to the same outcome and leaves nothing prepared.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine_fixture.hpp"
#include "manydb/manydb.hpp"
#include "manydb/tx/commit_log.hpp"
#include "manydb/tx/transaction_id.hpp"
#include "tcp_proxy.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

struct PairCase {
  std::string a, b;  // engine names: sqlite, postgres, mariadb
};
void PrintTo(const PairCase& c, std::ostream* os) { *os << c.a << "+" << c.b; }

std::string base_url(const std::string& engine) {
  for (const auto& c : engine_cases()) {
    if (c.name == engine) return c.url;
  }
  return {};
}

int run_crasher(const std::vector<std::string>& args, const std::string& crash_at) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (!crash_at.empty()) ::setenv("MANYDB_CRASH_AT", crash_at.c_str(), 1);
    std::vector<char*> argv{const_cast<char*>(MANYDB_ATOMIC_CRASHER)};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class AtomicCommitTest : public ::testing::TestWithParam<PairCase> {
 protected:
  void SetUp() override {
    for (const auto& e : {GetParam().a, GetParam().b}) {
      if (!base_url(e).empty()) continue;
      if (std::getenv("MANYDB_REQUIRE_ALL_ENGINES") != nullptr) FAIL() << e << " is not set up";
      GTEST_SKIP() << "SKIPPING: no " << e << " server (run make test)";
    }
    a_ = create_scratch_database(Url::parse(base_url(GetParam().a)), "atomic_a");
    b_ = create_scratch_database(Url::parse(base_url(GetParam().b)), "atomic_b");
    for (const auto& u : {a_, b_}) {
      connect(Url::parse(u))
          ->execute_script("CREATE TABLE atomic_t (k BIGINT PRIMARY KEY, v VARCHAR(10))");
    }
  }
  void TearDown() override {
    if (!a_.empty()) drop_scratch_database(Url::parse(base_url(GetParam().a)), Url::parse(a_));
    if (!b_.empty()) drop_scratch_database(Url::parse(base_url(GetParam().b)), Url::parse(b_));
  }

  Database open() const {
    DatabaseConfig config;
    config.set_default(a_);
    config.add_bind("other", b_);
    config.recovery_interval = std::chrono::milliseconds(0);
    return Database(config);
  }
  std::int64_t count_rows(const std::string& url, const std::string& table = "atomic_t") const {
    auto c = connect(Url::parse(url));
    Cursor& r = c->query("SELECT COUNT(*) FROM " + table);
    r.next();
    return r.get<std::int64_t>(0);
  }
  std::int64_t rows(const std::string& url, std::int64_t key) const {
    auto c = connect(Url::parse(url));
    Cursor& r = c->query("SELECT COUNT(*) FROM atomic_t WHERE k = ?", {key});
    r.next();
    return r.get<std::int64_t>(0);
  }
  // This test's branches still prepared: MariaDB lists every database's, other tests' too, so
  // only those carrying the tag of one of this test's binds count.
  std::size_t prepared_left() const {
    Database db = open();
    std::size_t n = 0;
    for (const auto* bind : {"default", "other"}) {
      const std::string tag = branch_tag(db.engine(bind));
      for (const auto& xid :
           connect(db.engine(bind).url())->prepared_transactions(std::string(kBranchPrefix))) {
        const auto id = parse_branch_id(xid);
        n += id && id->tag == tag ? 1 : 0;
      }
    }
    return n;
  }

  // One session writing `key` on both binds, committed.
  static void commit_on_both(Database& db, std::int64_t key) {
    auto s = db.session();
    s.execute("default", "INSERT INTO atomic_t (k, v) VALUES (?, ?)", {key, "a"});
    s.execute("other", "INSERT INTO atomic_t (k, v) VALUES (?, ?)", {key, "b"});
    s.commit();
  }

  std::string a_, b_;
};

TEST_P(AtomicCommitTest, CommitsEveryBindOrNone) {
  Database db = open();
  commit_on_both(db, 1);
  EXPECT_EQ(rows(a_, 1), 1);
  EXPECT_EQ(rows(b_, 1), 1);
  {
    // The second bind's write fails (its key is taken): nothing of the session is kept.
    auto s = db.session();
    s.execute("default", "INSERT INTO atomic_t (k, v) VALUES (?, ?)", {2, "a"});
    EXPECT_THROW(s.execute("other", "INSERT INTO atomic_t (k, v) VALUES (?, ?)", {1, "b"}),
                 UniqueViolation);
    s.rollback();
  }
  EXPECT_EQ(rows(a_, 2), 0);
  EXPECT_EQ(prepared_left(), 0u);
  // Nothing was in doubt, and recovery says so.
  const RecoveryReport report = db.recover();
  EXPECT_TRUE(report.in_doubt.empty()) << report.to_text();
}

// The two-phase counters: every branch prepared is committed, and the binds commit once each.
TEST_P(AtomicCommitTest, CountsItsPreparedBranchesAndTransactions) {
  Database db = open();
  commit_on_both(db, 1);
  TwoPhaseCounts total;
  std::uint64_t committed = 0;
  for (const BindSnapshot& b : db.metrics().binds) {
    total.prepared += b.two_phase.prepared;
    total.committed += b.two_phase.committed;
    total.in_doubt += b.two_phase.in_doubt;
    committed += b.transactions_committed;
  }
  // One participant decides (its commit is the decision); the other prepares unless it is SQLite.
  const bool other_prepares = GetParam().a != "sqlite" && GetParam().b != "sqlite";
  if (other_prepares) {
    EXPECT_EQ(total.prepared, 1u);
  }
  EXPECT_EQ(total.committed, total.prepared);
  EXPECT_EQ(total.in_doubt, 0u);
  EXPECT_GE(committed, 1u);  // the decider's, through its Transaction
}

TEST_P(AtomicCommitTest, ASessionThatWroteOneBindCommitsItAlone) {
  Database db = open();
  auto s = db.session();
  s.execute("other", "SELECT COUNT(*) FROM atomic_t");  // read only: not a participant
  s.execute("default", "INSERT INTO atomic_t (k, v) VALUES (?, ?)", {7, "a"});
  s.commit();
  EXPECT_EQ(rows(a_, 7), 1);
  EXPECT_EQ(prepared_left(), 0u);
}

// The crash is a failpoint in a child process (MANYDB_CRASH_AT); recovery then runs here.
// Commits of disjoint rows from several threads never fail one another: the commit log's
// housekeeping (deleting finished decisions) must not make two decisions deadlock, as InnoDB's
// gap locks did when those deletes ran inside the decision's transaction.
TEST_P(AtomicCommitTest, ConcurrentCommitsOfDisjointRowsAllSucceed) {
  Database db = open();
  constexpr int kThreads = 6, kCommits = 150;
  std::atomic<int> failed{0};
  std::string first_failure;
  std::mutex mutex;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCommits; ++i) {
        try {
          commit_on_both(db, t * 100000 + i);
        } catch (const Error& e) {
          if (failed++ == 0) {
            std::lock_guard lock(mutex);
            first_failure = e.what();
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0) << first_failure;
  EXPECT_EQ(count_rows(a_), kThreads * kCommits);
  EXPECT_EQ(count_rows(b_), kThreads * kCommits);
  EXPECT_EQ(prepared_left(), 0u);
  // And the log does not keep a record per commit: finished ones are deleted as commits go on.
  const auto log_rows = count_rows(a_, "manydb_commit_log") + count_rows(b_, "manydb_commit_log");
  std::cerr << "commit log rows left after " << kThreads * kCommits << " commits: " << log_rows
            << "\n";
  EXPECT_LT(log_rows, 100);
}

TEST_P(AtomicCommitTest, RecoveryFinishesACrashAtEveryStep) {
  struct Step {
    std::string point;
    bool committed;  // the outcome recovery must reach
  };
  const std::vector<Step> steps = {{"before_prepare", false},
                                   {"after_prepare", false},
                                   {"after_decision", true},
                                   {"between_commits", true}};
  std::int64_t key = 100;
  for (const auto& step : steps) {
    SCOPED_TRACE(step.point);
    ++key;
    const int status = run_crasher({"commit", a_, b_, std::to_string(key)}, step.point);
    const bool both_sqlite = GetParam().a == "sqlite" && GetParam().b == "sqlite";
    if (status == 0) {
      // Only a pair without a participant that prepares has no after_prepare.
      EXPECT_TRUE(both_sqlite && step.point == "after_prepare");
      EXPECT_EQ(rows(a_, key), 1);
      EXPECT_EQ(rows(b_, key), 1);
      continue;
    }
    ASSERT_EQ(status, kFailpointExitCode);
    Database db = open();
    const RecoveryReport report = db.recover();
    EXPECT_EQ(rows(a_, key), step.committed ? 1 : 0) << report.to_text();
    EXPECT_EQ(rows(b_, key), step.committed ? 1 : 0) << report.to_text();
    EXPECT_EQ(prepared_left(), 0u) << report.to_text();
    EXPECT_EQ(report.left, 0u) << report.to_text();
    // A second pass finds nothing more to do.
    const RecoveryReport again = db.recover();
    EXPECT_EQ(again.committed + again.rolled_back + again.replayed, 0u) << again.to_text();
  }
}

TEST_P(AtomicCommitTest, ARecoveryThatCrashesIsFinishedByTheNext) {
  ASSERT_EQ(run_crasher({"commit", a_, b_, "300"}, "after_decision"), kFailpointExitCode);
  const int status = run_crasher({"recover", a_, b_}, "during_recovery");
  EXPECT_TRUE(status == kFailpointExitCode || status == 0) << status;
  Database db = open();
  const RecoveryReport report = db.recover();
  EXPECT_EQ(rows(a_, 300), 1) << report.to_text();
  EXPECT_EQ(rows(b_, 300), 1) << report.to_text();
  EXPECT_EQ(prepared_left(), 0u);
}

// Two recoveries at once after a crash: neither conflicts with the other nor applies anything
// twice.
TEST_P(AtomicCommitTest, TwoRecoveriesAtOnceFinishATransactionOnce) {
  ASSERT_EQ(run_crasher({"commit", a_, b_, "400"}, "after_decision"), kFailpointExitCode);
  Database first = open();
  Database second = open();
  RecoveryReport r1, r2;
  std::thread t([&] { r1 = first.recover(); });
  r2 = second.recover();
  t.join();
  EXPECT_EQ(r1.committed + r1.replayed + r2.committed + r2.replayed, 1u)
      << r1.to_text() << r2.to_text();
  EXPECT_EQ(rows(a_, 400), 1);
  EXPECT_EQ(rows(b_, 400), 1);
  EXPECT_EQ(prepared_left(), 0u);
}

// A bind that cannot be reached: a decision found is applied on the binds that answer; an abort
// waits until every log can be asked, since the one unreachable might hold the decision.
TEST_P(AtomicCommitTest, ABindThatIsDownDoesNotHoldUpTheOthers) {
  ASSERT_EQ(run_crasher({"commit", a_, b_, "500"}, "after_decision"), kFailpointExitCode);
  const int second = run_crasher({"commit", a_, b_, "501"}, "after_prepare");
  DatabaseConfig config;
  config.set_default(a_);
  config.add_bind("other", b_);
  // A loopback port nothing listens on: connection refused at once.
  config.add_bind("gone", "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1");
  config.recovery_interval = std::chrono::milliseconds(0);
  Database db(config);
  const RecoveryReport report = db.recover();
  EXPECT_FALSE(report.unreachable.empty()) << report.to_text();
  EXPECT_EQ(rows(a_, 500), 1) << report.to_text();
  EXPECT_EQ(rows(b_, 500), 1) << report.to_text();
  if (second == kFailpointExitCode) {
    EXPECT_GE(report.left, 1u) << report.to_text();  // the abort waits for "gone"
    const RecoveryReport later = open().recover();   // without it
    EXPECT_EQ(later.rolled_back, 1u) << later.to_text();
  }
  EXPECT_EQ(rows(a_, 501) + rows(b_, 501), second == kFailpointExitCode ? 0 : 2);
  EXPECT_EQ(prepared_left(), 0u);
}

// On servers, the decider's COMMIT can be lost in flight: its session is killed while it waits
// for a lock this test holds, at COMMIT on PostgreSQL (a deferred trigger on the log takes it),
// at the decision's INSERT on MariaDB. The coordinator settles it at once on a new connection (an
// abort claim that waits for the lost commit to end): the commit fails as not made, nothing is
// kept, no branch stays prepared, nothing is left for recovery.
class LostDecisionTest : public AtomicCommitTest {
 protected:
  struct LogLock {
    std::unique_ptr<Connection> holder, watcher;  // PostgreSQL's activity view is a snapshot
    bool postgres = false;                        // for the length of the holder's transaction
  };
  static LogLock lock_log(const std::string& database) {
    const Url url = Url::parse(database);
    LogLock l{connect(url), connect(url), url.backend == Backend::postgresql};
    l.holder->execute_script(commit_log::create_table_statement(dialect_for(url.backend)));
    if (!l.postgres) {
      l.holder->execute_script("LOCK TABLES manydb_commit_log WRITE");
      return l;
    }
    l.holder->execute_script(
        "CREATE FUNCTION wait_for_test() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN PERFORM pg_advisory_xact_lock(4242); RETURN NULL; END $$; "
        "CREATE CONSTRAINT TRIGGER wait_at_commit AFTER INSERT ON manydb_commit_log "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION wait_for_test()");
    l.holder->execute_script("BEGIN; SELECT pg_advisory_xact_lock(4242)");
    return l;
  }
  static void unlock_log(LogLock& l) {
    l.holder->execute_script(l.postgres ? "ROLLBACK" : "UNLOCK TABLES");
  }
  // The id of a session of this database waiting for a lock, or -1.
  static std::int64_t lock_waiter(LogLock& l) {
    Cursor& c = l.watcher->query(
        l.postgres ? "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                     "AND wait_event_type = 'Lock'"
                   : "SELECT id FROM information_schema.processlist WHERE db = DATABASE() "
                     "AND id <> CONNECTION_ID() AND state LIKE 'Waiting for table%'");
    const std::int64_t id = c.next() ? c.get<std::int64_t>(0) : -1;
    l.watcher->reset_cursor();
    return id;
  }
  static void kill_session(LogLock& l, std::int64_t id) {
    if (l.postgres) {
      l.watcher->query("SELECT pg_terminate_backend(?::int)", {id});
      l.watcher->reset_cursor();
    } else {
      l.watcher->execute_script("KILL CONNECTION " + std::to_string(id));
    }
  }
};

TEST_P(LostDecisionTest, AKilledDeciderKeepsNothingAndLeavesNothingInDoubt) {
  Database db = open();
  LogLock locks[] = {lock_log(a_), lock_log(b_)};
  std::exception_ptr outcome;
  std::jthread committer([&] {
    try {
      commit_on_both(db, 40);
    } catch (...) {
      outcome = std::current_exception();
    }
  });
  LogLock* waited_on = nullptr;
  std::int64_t decider = -1;
  wait_until(
      [&] {
        for (auto& l : locks) {
          if ((decider = lock_waiter(l)) < 0) continue;
          waited_on = &l;
          return true;
        }
        return false;
      },
      "the decision's INSERT waits for the log's lock");
  if (waited_on) kill_session(*waited_on, decider);
  for (auto& l : locks) unlock_log(l);
  committer.join();

  ASSERT_TRUE(outcome) << "a commit whose decision was lost cannot have succeeded";
  try {
    std::rethrow_exception(outcome);
  } catch (const InDoubt& e) {
    ADD_FAILURE() << "left in doubt rather than settled: " << e.what();
  } catch (const CommitInDoubt& e) {
    ADD_FAILURE() << "left in doubt rather than settled: " << e.what();
  } catch (const ConnectionError&) {
    // Not made: the decider's session was killed before or while its COMMIT was in flight.
  }
  EXPECT_EQ(rows(a_, 40) + rows(b_, 40), 0);
  EXPECT_EQ(prepared_left(), 0u);
  const RecoveryReport report = db.recover();
  EXPECT_TRUE(report.in_doubt.empty()) << report.to_text();
}

INSTANTIATE_TEST_SUITE_P(Servers, LostDecisionTest,
                         ::testing::Values(PairCase{"postgres", "postgres"},
                                           PairCase{"mariadb", "mariadb"},
                                           PairCase{"postgres", "mariadb"}),
                         [](const ::testing::TestParamInfo<PairCase>& info) {
                           return info.param.a + "_" + info.param.b;
                         });

// The decider's COMMIT is held by a deferred trigger that waits for this test's lock, and its
// answer is then lost on the way (a proxy in front of the decider, PostgreSQL, the bind used
// last). Settled at once either way: the commit goes on when the decision was made, and fails,
// leaving nothing, when the server ended that transaction without committing it.
class LostCommitAnswerTest : public LostDecisionTest {
 protected:
  static std::string what(std::exception_ptr e) {
    try {
      if (e) std::rethrow_exception(e);
    } catch (const std::exception& x) {
      return x.what();
    }
    return {};
  }
  void SetUp() override {
    LostDecisionTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    const std::string port = ":" + std::to_string(Url::parse(b_).port_or_default()) + "/";
    proxy_ = std::make_unique<TcpProxy>(Url::parse(b_).port_or_default());
    proxy_->start();
    std::string through_proxy = b_;
    through_proxy.replace(through_proxy.find(port), port.size(),
                          ":" + std::to_string(proxy_->port()) + "/");
    DatabaseConfig config;
    config.set_default(a_);
    config.add_bind("other", through_proxy);
    config.recovery_interval = std::chrono::milliseconds(0);
    db_ = std::make_unique<Database>(config);
  }
  void TearDown() override {
    db_.reset();
    proxy_.reset();
    LostDecisionTest::TearDown();
  }

  // Commits a session over both binds while the decider waits at COMMIT; `lose` runs then,
  // with the waiting session's id, and the lock is let go. What commit() threw, if anything.
  template <class Lose>
  std::exception_ptr commit_losing_its_answer(std::int64_t key, Lose lose) {
    LogLock lock = lock_log(b_);  // not through the proxy
    std::exception_ptr outcome;
    std::jthread committer([&] {
      try {
        commit_on_both(*db_, key);
      } catch (...) {
        outcome = std::current_exception();
      }
    });
    std::int64_t waiting = -1;
    wait_until([&] { return (waiting = lock_waiter(lock)) >= 0; }, "the decider waits at COMMIT");
    lose(lock, waiting);
    unlock_log(lock);
    committer.join();
    return outcome;
  }

  std::unique_ptr<TcpProxy> proxy_;
  std::unique_ptr<Database> db_;
};

TEST_P(LostCommitAnswerTest, GoesOnWhenTheDecisionWasMade) {
  const auto outcome = commit_losing_its_answer(41, [&](LogLock&, std::int64_t) {
    proxy_->cut_at_next_reply();  // COMMIT's answer, once the lock lets it finish
  });
  EXPECT_FALSE(outcome) << "the decision was made: the commit must go on, not throw "
                        << what(outcome);
  EXPECT_EQ(rows(a_, 41), 1);
  EXPECT_EQ(rows(b_, 41), 1);
  EXPECT_EQ(prepared_left(), 0u);
  const RecoveryReport report = db_->recover();
  EXPECT_TRUE(report.in_doubt.empty()) << report.to_text();
}

TEST_P(LostCommitAnswerTest, FailsAsNotMadeWhenTheServerEndedIt) {
  const auto outcome = commit_losing_its_answer(42, [&](LogLock& lock, std::int64_t waiting) {
    proxy_->drop_connections();   // the client knows nothing more: in doubt
    kill_session(lock, waiting);  // and the server ends the transaction without committing
  });
  ASSERT_TRUE(outcome);
  try {
    std::rethrow_exception(outcome);
  } catch (const InDoubt& e) {
    ADD_FAILURE() << "left in doubt rather than settled: " << e.what();
  } catch (const ConnectionError& e) {
    EXPECT_NE(std::string(e.what()).find("it was not made"), std::string::npos) << e.what();
  }
  EXPECT_EQ(rows(a_, 42) + rows(b_, 42), 0);
  EXPECT_EQ(prepared_left(), 0u);
  const RecoveryReport report = db_->recover();
  EXPECT_TRUE(report.in_doubt.empty()) << report.to_text();
}

INSTANTIATE_TEST_SUITE_P(DeciderOnPostgres, LostCommitAnswerTest,
                         ::testing::Values(PairCase{"postgres", "postgres"},
                                           PairCase{"mariadb", "postgres"}),
                         [](const ::testing::TestParamInfo<PairCase>& info) {
                           return info.param.a + "_" + info.param.b;
                         });

std::string pair_name(const ::testing::TestParamInfo<PairCase>& info) {
  return info.param.a + "_" + info.param.b;
}

INSTANTIATE_TEST_SUITE_P(
    Pairs, AtomicCommitTest,
    ::testing::Values(PairCase{"sqlite", "sqlite"}, PairCase{"postgres", "postgres"},
                      PairCase{"mariadb", "mariadb"}, PairCase{"sqlite", "postgres"},
                      PairCase{"postgres", "mariadb"}, PairCase{"mariadb", "sqlite"}),
    pair_name);

}  // namespace
}  // namespace manydb::testing
