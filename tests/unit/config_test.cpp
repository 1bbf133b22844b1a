#include "manydb/config/database_config.hpp"

#include <gtest/gtest.h>

#include "config_errors.hpp"
#include "manydb/core/errors.hpp"
#include "manydb/database/database.hpp"

using manydb::ConfigError;
using manydb::DatabaseConfig;

using manydb::testing::load_error;

TEST(Config, DefaultAndBindsFromToml) {
  const auto config = DatabaseConfig::from_toml_string(R"(
[database]
url = "sqlite:///data/products.db"
pool_size = 3

[database.binds]
users = "sqlite:///data/users.db"
orders = { url = "postgresql://shop@127.0.0.1:5432/orders", pool_size = 8, pool_timeout_ms = 2000 }
)",
                                                       "shop.toml");
  ASSERT_EQ(config.binds.size(), 3u);
  EXPECT_EQ(config.binds.at("default").url, "sqlite:///data/products.db");
  EXPECT_EQ(config.binds.at("default").pool.size, 3u);
  EXPECT_EQ(config.binds.at("users").url, "sqlite:///data/users.db");
  EXPECT_FALSE(config.binds.at("users").pool.size.has_value());
  EXPECT_EQ(config.binds.at("orders").pool.size, 8u);
  EXPECT_EQ(config.binds.at("orders").pool.acquire_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(config.binds.at("orders").origin, "shop.toml:8:10");
}

TEST(Config, TimeoutsAndTheReconnectIntervalAreReadPerBind) {
  const auto config = DatabaseConfig::from_toml_string(R"(
[database]
url = "sqlite:///x.db"
statement_timeout_ms = 2500
[database.binds]
slow = { url = "sqlite:///y.db", statement_timeout_ms = 0, reconnect_interval_ms = 250 }
)",
                                                       "t.toml");
  EXPECT_EQ(config.binds.at("default").pool.statement_timeout, std::chrono::milliseconds(2500));
  EXPECT_FALSE(config.binds.at("default").pool.reconnect_interval.has_value());
  EXPECT_EQ(config.binds.at("slow").pool.statement_timeout, std::chrono::milliseconds(0));
  EXPECT_EQ(config.binds.at("slow").pool.reconnect_interval, std::chrono::milliseconds(250));
}

TEST(Config, RecoveryIntervalIsReadFromTheDatabaseTable) {
  EXPECT_EQ(DatabaseConfig{}.recovery_interval, std::chrono::milliseconds(10'000));
  const auto config = DatabaseConfig::from_toml_string(R"(
[database]
url = "sqlite:///x.db"
recovery_interval_ms = 0
)",
                                                       "t.toml");
  EXPECT_EQ(config.recovery_interval, std::chrono::milliseconds(0));
  EXPECT_THROW(DatabaseConfig::from_toml_string("[database]\nrecovery_interval_ms = -1\n", "t"),
               ConfigError);
}

// [database]'s slow_query_ms is every bind's unless the bind sets its own; the engines get
// the threshold the config resolved (a bind that sets none under a [database] that sets none
// logs nothing).
TEST(Config, SlowQueryThresholdIsTheDatabasesUnlessTheBindSetsOne) {
  const auto config = DatabaseConfig::from_toml_string(R"(
[database]
url = "sqlite:///:memory:"
slow_query_ms = 250
[database.binds]
fast = { url = "sqlite:///:memory:", slow_query_ms = 0 }
plain = "sqlite:///:memory:"
)",
                                                       "shop.toml");
  EXPECT_EQ(config.slow_query, std::chrono::milliseconds(250));
  EXPECT_FALSE(config.binds.at("default").slow_query.has_value());
  EXPECT_EQ(config.binds.at("fast").slow_query, std::chrono::milliseconds(0));
  manydb::Database db(config);
  using namespace std::chrono_literals;
  EXPECT_TRUE(db.engine("fast").metrics().slow(1ns));
  EXPECT_FALSE(db.engine("plain").metrics().slow(249ms));
  EXPECT_TRUE(db.engine("plain").metrics().slow(250ms));
  EXPECT_FALSE(db.engine("default").metrics().slow(249ms));

  manydb::Database none(DatabaseConfig{}.set_default("sqlite:///:memory:"));
  EXPECT_FALSE(none.engine("default").metrics().slow(std::chrono::hours(1)));
  EXPECT_NE(load_error("[database]\nurl = \"sqlite:///a.db\"\nslow_query_ms = -1\n")
                .find("slow_query_ms must be a non-negative integer"),
            std::string::npos);
}

TEST(Config, ErrorsCarryFileLineAndColumn) {
  EXPECT_EQ(load_error("[database]\nurl = \"sqlite:///x.db\"\npool_sise = 3\n"),
            "shop.toml:3:13: unknown key 'pool_sise' (known: url, slow_query_ms, pool_size, "
            "max_overflow, "
            "pool_timeout_ms, ping_after_idle_ms, connect_timeout_ms, statement_timeout_ms, "
            "reconnect_interval_ms, replicas, replica_policy, max_lag_ms, replica_wait_ms, "
            "replica_cooldown_ms, servers)");
  EXPECT_NE(load_error("[database]\nurl = \n").find("shop.toml:2:"), std::string::npos);
  EXPECT_NE(load_error("[other]\n").find("no [database] table"), std::string::npos);
  EXPECT_NE(load_error("[database.binds]\nUsers = \"sqlite://\"\n").find("shop.toml:2:9"),
            std::string::npos);
  EXPECT_NE(load_error("[database.binds]\nusers = 5\n").find("must be a URL string or a table"),
            std::string::npos);
  EXPECT_NE(load_error("[database.binds]\nusers = { pool_size = -1, url = \"sqlite://\" }\n")
                .find("pool_size must be a non-negative integer"),
            std::string::npos);
}

TEST(Config, EnvironmentReplacesUrlsAndKeepsPoolSettings) {
  auto config = DatabaseConfig::from_toml_string(
      "[database]\nurl = \"sqlite:///a.db\"\n[database.binds]\n"
      "users = { url = \"sqlite:///u.db\", pool_size = 7 }\n",
      "shop.toml");
  config.apply_environment({{"DATABASE_URL", "sqlite:///b.db"},
                            {"MANYDB_BIND_USERS", "postgresql://u@127.0.0.1/users"},
                            {"MANYDB_BIND_ANALYTICS", "mariadb://u@127.0.0.1/analytics"},
                            {"UNRELATED", "x"}});
  EXPECT_EQ(config.binds.at("default").url, "sqlite:///b.db");
  EXPECT_EQ(config.binds.at("users").url, "postgresql://u@127.0.0.1/users");
  EXPECT_EQ(config.binds.at("users").pool.size, 7u);
  EXPECT_EQ(config.binds.at("users").origin, "MANYDB_BIND_USERS");
  EXPECT_EQ(config.binds.at("analytics").url, "mariadb://u@127.0.0.1/analytics");
  EXPECT_EQ(config.binds.size(), 3u);
  EXPECT_THROW(config.apply_environment({{"MANYDB_BIND_BAD-NAME", "sqlite://"}}), ConfigError);
}

TEST(Database, UnknownBindListsTheKnownOnes) {
  DatabaseConfig config;
  config.set_default("sqlite:///:memory:").add_bind("users", "sqlite:///:memory:");
  manydb::Database db(config);
  try {
    db.engine("orders");
    FAIL() << "no exception";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "unknown bind 'orders' (configured: default, users)");
  }
}

TEST(Database, BadUrlNamesTheBindAndWhereItWasSet) {
  DatabaseConfig config;
  config.add_bind("users", "postgresql://u:secret@h:99999/db");
  try {
    manydb::Database db(config);
    FAIL() << "no exception";
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("bind 'users' (code)"), std::string::npos) << message;
    EXPECT_NE(message.find("port 99999 is out of range"), std::string::npos) << message;
    EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  }
}

TEST(Database, ABindThatIsDownDoesNotStopTheOthers) {
  DatabaseConfig config;
  // Port 1 on loopback: nothing listens there, so the connect is refused at once.
  config.set_default("sqlite:///:memory:")
      .add_bind("down", "postgresql://u:p@127.0.0.1:1/db?connect_timeout=2");
  manydb::Database db(config);  // connects lazily: constructing must not fail
  EXPECT_EQ(db.execute("default", "SELECT 1 + 1").rows.at(0).at(0).as_int64(), 2);
  try {
    db.execute("down", "SELECT 1");
    FAIL() << "no exception";
  } catch (const manydb::ConnectionError& e) {
    EXPECT_EQ(e.bind(), "down");
    EXPECT_NE(std::string(e.what()).find("bind 'down'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db.execute("default", "SELECT 2 + 2").rows.at(0).at(0).as_int64(), 4);
}
