// Read replicas against real ones: the PostgreSQL streaming replica and the MariaDB GTID
// replica that scripts/db-up starts beside its servers. SQLite has no replicas (a bind listing
// some is a ConfigError: tests/unit/replica_config_test.cpp), so these run on the two servers.
// They pause replay on the shared replicas, so ctest runs them one at a time (RESOURCE_LOCK).
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "engine_fixture.hpp"
#include "seed_models.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

using namespace std::chrono_literals;
using seed::User;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

struct ReplicaCase {
  std::string name;     // postgres, mariadb
  std::string primary;  // the manydb_test database's URL
  std::vector<std::string> replicas;
};

std::vector<ReplicaCase> replica_cases() {
  std::vector<ReplicaCase> cases;
  for (const auto& [name, prefix] : {std::pair{"postgres", std::string("MANYDB_TEST_POSTGRES")},
                                     std::pair{"mariadb", std::string("MANYDB_TEST_MARIADB")}}) {
    ReplicaCase c{name, env((prefix + "_URL").c_str()), {}};
    for (const auto* suffix : {"_REPLICA_URL", "_REPLICA2_URL"}) {
      if (auto url = env((prefix + suffix).c_str()); !url.empty()) c.replicas.push_back(url);
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

// The same server, another database.
std::string with_database(const std::string& url, const std::string& database) {
  const auto slash = url.rfind('/');
  return url.substr(0, slash + 1) + database;
}

class ReplicaTest : public ::testing::TestWithParam<ReplicaCase> {
 protected:
  void SetUp() override {
    if (GetParam().primary.empty() || GetParam().replicas.empty()) {
      if (env("MANYDB_REQUIRE_ALL_ENGINES") == "1")
        FAIL() << "no " << GetParam().name << " replica in the environment (scripts/db-up)";
      GTEST_SKIP() << "SKIPPING " << GetParam().name
                   << " replicas: MANYDB_TEST_*_REPLICA_URL is not set (run `make test`)";
    }
    primary_base_ = Url::parse(GetParam().primary);
    primary_url_ = create_scratch_database(primary_base_, "replica");
    database_ = Url::parse(primary_url_).database;
    for (const auto& r : GetParam().replicas) replica_urls_.push_back(with_database(r, database_));
    Database db(config(0));
    db.register_models<User>();
    db.create_all();
    // The first user is there on every replica before a test starts.
    insert_user("first", "first@example.com");
    for (std::size_t i = 0; i < replica_urls_.size(); ++i) {
      wait_until([&] { return replica_has_user(i, "first"); }, "the replica to get the table");
    }
  }
  void TearDown() override {
    for (std::size_t i = 0; i < replica_urls_.size() && i < GetParam().replicas.size(); ++i) {
      try {
        resume_replay(i);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "resuming replay: " << e.what();
      }
    }
    if (!primary_url_.empty()) drop_scratch_database(primary_base_, Url::parse(primary_url_));
  }

  bool postgres() const { return GetParam().name == "postgres"; }

  DatabaseConfig config(std::size_t replicas, ReplicaSettings settings = {},
                        std::chrono::milliseconds refresh = 50ms) const {
    DatabaseConfig c;
    c.add_bind("users", primary_url_);
    c.recovery_interval = 0ms;
    c.replica_refresh = refresh;
    PoolSettings pool;
    pool.statement_timeout = 10s;  // a read that hung would fail the test, not stall it
    for (std::size_t i = 0; i < replicas && i < replica_urls_.size(); ++i)
      c.add_replica("users", replica_urls_[i], pool);
    c.binds.at("users").replica = settings;
    return c;
  }

  std::int64_t insert_user(const std::string& name, const std::string& email) {
    auto c = connect(Url::parse(primary_url_), ConnectOptions{"setup"});
    c->execute(
        "INSERT INTO " + c->dialect().quote_identifier("user") + " (username, email) VALUES (?, ?)",
        {Value(name), Value(email)});
    auto& cursor =
        c->query("SELECT id FROM " + c->dialect().quote_identifier("user") + " WHERE username = ?",
                 {Value(name)});
    cursor.next();
    const auto id = cursor.get_int64(0);
    while (cursor.next()) {
    }
    return id;
  }

  std::unique_ptr<Connection> replica(std::size_t i) const {
    return connect(Url::parse(replica_urls_.at(i)), ConnectOptions{"probe"});
  }

  bool replica_has_user(std::size_t i, const std::string& name) const {
    try {
      auto c = replica(i);
      auto& cursor = c->query(
          "SELECT COUNT(*) FROM " + c->dialect().quote_identifier("user") + " WHERE username = ?",
          {Value(name)});
      cursor.next();
      const bool found = cursor.get_int64(0) == 1;
      while (cursor.next()) {
      }
      return found;
    } catch (const Error&) {
      return false;  // the table is not there yet
    }
  }

  // On the replica's manydb_test database: the test's own may not be there yet.
  std::unique_ptr<Connection> replica_server(std::size_t i) const {
    return connect(Url::parse(GetParam().replicas.at(i)), ConnectOptions{"probe"});
  }
  void pause_replay(std::size_t i) {
    replica_server(i)->execute_script(postgres() ? "SELECT pg_wal_replay_pause()"
                                                 : "STOP SLAVE SQL_THREAD");
  }
  void resume_replay(std::size_t i) {
    replica_server(i)->execute_script(postgres() ? "SELECT pg_wal_replay_resume()"
                                                 : "START SLAVE SQL_THREAD");
  }

  // Adds a user through a session of `db` and returns that session's token.
  static ConsistencyToken add_user(Database& db, const std::string& name) {
    Session writer = db.session();
    writer.add(User{.username = name, .email = name + "@example.com"});
    writer.commit();
    return writer.consistency_token();
  }

  static std::string email_of(Session& s, std::int64_t id) {
    auto rows = s.query<User>().where(col(&User::id) == id).all();
    return rows.empty() ? "" : rows.front().email;
  }

  // Who answers the session's reads of `users`: 1 when it is a server that replicates.
  std::int64_t served_by_replica(Session& s) const {
    const auto r =
        s.execute_read("users", postgres() ? "SELECT CASE WHEN pg_is_in_recovery() THEN 1 "
                                             "ELSE 0 END"
                                           : "SELECT @@read_only");
    return r.rows.at(0).at(0).as_int64();
  }

  // The port of the server that answers the session's reads of `users`.
  std::int64_t server_port(Session& s) const {
    const auto r =
        s.execute_read("users", postgres() ? "SELECT inet_server_port()" : "SELECT @@port");
    return r.rows.at(0).at(0).as_int64();
  }

  // Statements the replica's server ran in the test's database, as the server counts them.
  // PostgreSQL counts a session's transactions when it ends (or at most every 10 s): the
  // caller closes its connections first, and polls.
  std::int64_t statements_at(std::size_t i) const {
    const Url url = Url::parse(replica_urls_.at(i));
    if (postgres()) {
      auto c = connect(Url::parse(with_database(replica_urls_.at(i), "postgres")),
                       ConnectOptions{"probe"});
      c->execute_script("SELECT pg_stat_clear_snapshot()");
      auto& cursor = c->query("SELECT xact_commit FROM pg_stat_database WHERE datname = ?",
                              {Value(database_)});
      cursor.next();
      const auto n = cursor.get_int64(0);
      while (cursor.next()) {
      }
      return n;
    }
    auto c = replica(i);
    auto& cursor = c->query(
        "SELECT SUM(VARIABLE_VALUE) FROM information_schema.GLOBAL_STATUS "
        "WHERE VARIABLE_NAME IN ('COM_STMT_EXECUTE', 'COM_SELECT')");
    cursor.next();
    const auto n = std::stoll(cursor.get_value(0).to_display());
    while (cursor.next()) {
    }
    (void)url;
    return n;
  }

  Url primary_base_;
  std::string primary_url_;
  std::string database_;
  std::vector<std::string> replica_urls_;
};

TEST_P(ReplicaTest, ReadsGoToAReplicaUntilTheSessionWritesThere) {
  Database db(config(1));
  Session s = db.session();
  EXPECT_EQ(served_by_replica(s), 1);
  s.add(User{.username = "second", .email = "second@example.com"});
  s.flush();
  EXPECT_EQ(served_by_replica(s), 0) << "after writing, the session reads its own transaction";
  EXPECT_EQ(s.query<User>().where(col(&User::username) == "second").all().size(), 1u);
  s.commit();
}

TEST_P(ReplicaTest, AWriteFollowedByAReadInTheSameSessionAlwaysSeesIt) {
  Database db(config(1));
  pause_replay(0);  // the replica will not have the write
  Session s = db.session();
  const auto first = s.query<User>().where(col(&User::username) == "first").all();
  ASSERT_EQ(first.size(), 1u);
  auto& u = s.add(User{.username = "third", .email = "third@example.com"});
  s.commit();
  const auto id = u.id;
  ASSERT_FALSE(s.consistency_token().position("users").empty());
  // The session's next read carries its own position: the paused replica has not replayed it.
  EXPECT_EQ(email_of(s, id), "third@example.com");
  EXPECT_EQ(served_by_replica(s), 0);
}

TEST_P(ReplicaTest, ATokenReadsFromThePrimaryWhileTheReplicaIsBehindAndFromTheReplicaAfter) {
  Database db(config(1));
  const auto id = insert_user("fourth", "old@example.com");
  wait_until([&] { return replica_has_user(0, "fourth"); }, "the replica to replay the insert");
  pause_replay(0);
  ConsistencyToken token;
  {
    Session writer = db.session();
    writer.get_or_throw<User>(id).email = "new@example.com";
    writer.commit();
    token = writer.consistency_token();
  }
  ASSERT_FALSE(token.position("users").empty());
  {
    Session with_token = db.session({.read_after = token});
    EXPECT_EQ(email_of(with_token, id), "new@example.com");
    EXPECT_EQ(served_by_replica(with_token), 0);
  }
  {
    Session without = db.session();
    EXPECT_EQ(email_of(without, id), "old@example.com") << "stale, as documented";
    EXPECT_EQ(served_by_replica(without), 1);
  }
  // A token that survived a trip through its text form works the same.
  const auto parsed = ConsistencyToken::parse(token.to_string());
  resume_replay(0);
  wait_until(
      [&] {
        Session s = db.session({.read_after = parsed});
        return served_by_replica(s) == 1;
      },
      "the token's reads to go back to the replica once it replayed the write");
  Session after = db.session({.read_after = parsed});
  EXPECT_EQ(email_of(after, id), "new@example.com");
}

// Without a monitor, what the replica has replayed is unknown until a read asks it: a token
// read that only trusted what is known would go to the primary here.
TEST_P(ReplicaTest, ATokenReadAsksTheReplicaWhereItsPositionIsNotKnown) {
  ReplicaSettings settings;
  settings.token_wait = 5s;
  Database db(config(1, settings, 0ms));
  const ConsistencyToken token = add_user(db, "fifth");
  Session reader = db.session({.read_after = token});
  EXPECT_EQ(reader.query<User>().where(col(&User::username) == "fifth").all().size(), 1u);
  EXPECT_EQ(served_by_replica(reader), 1) << "it asked the replica rather than leaving it";
}

TEST_P(ReplicaTest, ATokenReadWaitsItsBoundForAStoppedReplicaThenReadsThePrimary) {
  ReplicaSettings settings;
  settings.token_wait = 200ms;
  Database db(config(1, settings, 0ms));
  pause_replay(0);
  const ConsistencyToken token = add_user(db, "ninth");
  Session reader = db.session({.read_after = token});
  EXPECT_EQ(reader.query<User>().where(col(&User::username) == "ninth").all().size(), 1u);
  EXPECT_EQ(served_by_replica(reader), 0);
}

TEST_P(ReplicaTest, ForUpdateFromPrimaryAndOnPrimaryGoToThePrimary) {
  Database db(config(1));
  {
    Session s = db.session();
    s.on_primary("users");
    EXPECT_EQ(served_by_replica(s), 0);
  }
  {
    Session s = db.session();
    pause_replay(0);
    const auto id = insert_user("sixth", "sixth@example.com");
    EXPECT_EQ(s.query<User>().where(col(&User::id) == id).all().size(), 0u);  // the replica
    Session p = db.session();
    EXPECT_EQ(p.query<User>().where(col(&User::id) == id).from_primary().all().size(), 1u);
    Session locking = db.session();
    EXPECT_EQ(locking.query<User>().where(col(&User::id) == id).for_update().all().size(), 1u);
    EXPECT_EQ(
        db.execute("users",
                   "SELECT COUNT(*) FROM " + db.engine("users").dialect().quote_identifier("user") +
                       " WHERE id = ?",
                   {Value(id)})
            .rows.at(0)
            .at(0)
            .as_int64(),
        1)
        << "db.execute goes to the primary";
    EXPECT_EQ(
        db.execute_read("users",
                        "SELECT COUNT(*) FROM " +
                            db.engine("users").dialect().quote_identifier("user") + " WHERE id = ?",
                        {Value(id)})
            .rows.at(0)
            .at(0)
            .as_int64(),
        0)
        << "execute_read goes to a replica";
  }
}

TEST_P(ReplicaTest, AReplicaFarBehindIsSkippedAndReturnsWhenItCatchesUp) {
  ReplicaSettings settings;
  settings.max_lag = 100ms;
  Database db(config(1, settings));
  wait_until([&] { return db.replica_status().at(0).state == "ok"; }, "the replica to be ok");
  pause_replay(0);
  insert_user("seventh", "seventh@example.com");
  wait_until([&] { return db.replica_status().at(0).state == "lagging"; },
             "the monitor to see the replica lagging");
  {
    Session s = db.session();
    EXPECT_EQ(served_by_replica(s), 0);
  }
  resume_replay(0);
  wait_until([&] { return db.replica_status().at(0).state == "ok"; }, "the replica to catch up");
  Session s = db.session();
  EXPECT_EQ(served_by_replica(s), 1);
  // Caught up: MariaDB's lag is a difference of clocks read a moment apart, 0 or 1 ms.
  EXPECT_LT(db.replica_status().at(0).lag, settings.max_lag);
}

TEST_P(ReplicaTest, AReplicaThatIsAPrimaryIsTreatedAsOne) {
  // No monitor: its probes lease a connection of the replica's pool too, and would race the
  // count of connections in use below. The replicas are asked once, now, instead.
  DatabaseConfig c = config(0, {}, 0ms);
  c.add_replica("users", primary_url_);  // as after a promotion: it no longer replicates
  Database db(c);
  ASSERT_EQ(db.replica_status(true).at(0).state, "primary");
  const ConsistencyToken token = add_user(db, "eighth");
  Session reader = db.session({.read_after = token});
  EXPECT_EQ(reader.query<User>().where(col(&User::username) == "eighth").all().size(), 1u);
  EXPECT_EQ(db.replica_status().at(0).in_use, 1u) << "the promoted replica served the read";
}

TEST_P(ReplicaTest, AReplicaThatCannotBeReachedIsTakenOutAndTheReadServedElsewhere) {
  DatabaseConfig c = config(1);
  // A loopback port nothing listens on: connections are refused at once.
  const Url real = Url::parse(replica_urls_[0]);
  c.binds.at("users").replicas.insert(
      c.binds.at("users").replicas.begin(),
      {std::string(to_string(real.backend)) + "://" + percent_encode(real.user) + ":" +
           percent_encode(real.password) + "@127.0.0.1:1/" + database_,
       {},
       "test"});
  c.binds.at("users").replica.cooldown = 60s;
  c.replica_refresh = 0ms;
  Database db(c);
  for (int i = 0; i < 6; ++i) {
    Session s = db.session();
    EXPECT_EQ(s.query<User>().where(col(&User::username) == "first").all().size(), 1u);
    EXPECT_EQ(served_by_replica(s), 1);
  }
  const auto status = db.replica_status(true);  // asks the replicas now (no monitor)
  EXPECT_EQ(status.at(0).state, "out");
  EXPECT_NE(status.at(0).error, "");
  EXPECT_EQ(status.at(0).error.find(real.password), std::string::npos);
  EXPECT_EQ(status.at(1).state, "ok");
}

TEST_P(ReplicaTest, AnInvalidTokenIsRefusedBeforeAnyRead) {
  Database db(config(1));
  EXPECT_THROW(db.session({.read_after = ConsistencyToken::parse("users=zz")}), InvalidToken);
  EXPECT_THROW(
      db.session({.read_after = ConsistencyToken::parse(postgres() ? "users=0-1-2" : "users=0/1")}),
      InvalidToken);
}

TEST_P(ReplicaTest, ReadsAreSpreadOverTwoReplicasByEachPolicy) {
  if (replica_urls_.size() < 2) FAIL() << "scripts/db-up starts two replicas of each server";
  for (auto policy : {ReplicaPolicy::round_robin, ReplicaPolicy::least_connections,
                      ReplicaPolicy::lowest_latency}) {
    SCOPED_TRACE(to_string(policy));
    const std::int64_t before[] = {statements_at(0), statements_at(1)};
    constexpr int kReads = 40;
    {
      ReplicaSettings settings;
      settings.policy = policy;
      Database db(config(2, settings, 0ms));  // no monitor: only the reads reach the servers
      for (int i = 0; i < kReads; ++i) {
        Session s = db.session();
        ASSERT_EQ(s.query<User>().where(col(&User::username) == "first").all().size(), 1u);
      }
    }  // its connections close, and PostgreSQL counts their transactions
    for (std::size_t r = 0; r < 2; ++r) {
      wait_until([&] { return statements_at(r) - before[r] >= kReads / 4; },
                 "each replica to have served a quarter of the reads at least");
    }
  }
}

TEST_P(ReplicaTest, LeastConnectionsSendsANewReaderToTheIdleReplica) {
  if (replica_urls_.size() < 2) FAIL() << "scripts/db-up starts two replicas of each server";
  ReplicaSettings settings;
  settings.policy = ReplicaPolicy::least_connections;
  Database db(config(2, settings, 0ms));
  for (int i = 0; i < 4; ++i) {
    Session holding = db.session();  // keeps its replica's connection until it ends
    const auto first = server_port(holding);
    Session next = db.session();
    EXPECT_NE(server_port(next), first);
  }
}

TEST_P(ReplicaTest, AnXaTransactionPreparedOnThePrimaryDoesNotHangReplicaReads) {
  if (postgres()) GTEST_SKIP() << "MariaDB only: a PostgreSQL replica holds no prepared locks";
  Database db(config(1));
  auto xa = connect(Url::parse(primary_url_), ConnectOptions{"xa"});
  const auto first_id = [&] {
    Session s = db.session();
    return s.query<User>().where(col(&User::username) == "first").all().at(0).id;
  }();
  xa->execute_script("XA START 'manydb_replica_test'");
  xa->execute("UPDATE `user` SET email = 'locked@example.com' WHERE id = ?", {Value(first_id)});
  xa->execute_script("XA END 'manydb_replica_test'");
  xa->execute_script("XA PREPARE 'manydb_replica_test'");
  // The replica applies the prepared branch at once and holds its row lock (engine facts 4).
  wait_until(
      [&] {
        auto r = replica(0);
        auto& cursor = r->query("XA RECOVER");
        bool listed = false;
        // `data` is binary: shown as hex.
        while (cursor.next()) {
          const auto data = cursor.get_value(3).to_display();
          listed |= data.find("6d616e7964625f7265706c6963615f74657374") != std::string::npos;
        }
        return listed;
      },
      "the replica to hold the prepared branch");
  {
    Session s = db.session();
    EXPECT_EQ(email_of(s, first_id), "first@example.com");
    EXPECT_EQ(served_by_replica(s), 1);
  }
  xa->execute_script("XA ROLLBACK 'manydb_replica_test'");
}

void PrintTo(const ReplicaCase& c, std::ostream* os) { *os << c.name; }

INSTANTIATE_TEST_SUITE_P(Servers, ReplicaTest, ::testing::ValuesIn(replica_cases()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace manydb::testing
