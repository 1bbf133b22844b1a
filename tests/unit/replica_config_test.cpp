// Replicas in configuration: TOML, environment, and what a bind with replicas refuses.
#include <gtest/gtest.h>

#include "config_errors.hpp"
#include "manydb/config/database_config.hpp"
#include "manydb/core/errors.hpp"
#include "manydb/routing/binds.hpp"

using manydb::ConfigError;
using manydb::DatabaseConfig;
using manydb::ReplicaPolicy;
using namespace std::chrono_literals;

using manydb::testing::binds_error;
using manydb::testing::load_error;

TEST(ReplicaConfig, ReplicasAreUrlsOrTablesWithTheirOwnPool) {
  const auto config = DatabaseConfig::from_toml_string(R"(
[database]
url = "postgresql://u@127.0.0.1/products"
replicas = ["postgresql://u@127.0.0.1:5433/products"]
max_lag_ms = 500

[database.binds]
users = { url = "postgresql://u@127.0.0.1/users", pool_size = 8, replicas = [
  "postgresql://u@127.0.0.1:5433/users",
  { url = "postgresql://u@127.0.0.1:5434/users", pool_size = 3 },
], replica_policy = "least_connections", replica_wait_ms = 20, replica_cooldown_ms = 250 }
orders = "postgresql://u@127.0.0.1/orders"
)",
                                                       "shop.toml");
  const auto& users = config.binds.at("users");
  ASSERT_EQ(users.replicas.size(), 2u);
  EXPECT_EQ(users.replicas[0].url, "postgresql://u@127.0.0.1:5433/users");
  EXPECT_FALSE(users.replicas[0].pool.size.has_value());
  EXPECT_EQ(users.replicas[1].pool.size, 3u);
  EXPECT_EQ(users.replica.policy, ReplicaPolicy::least_connections);
  EXPECT_EQ(users.replica.token_wait, 20ms);
  EXPECT_EQ(users.replica.cooldown, 250ms);
  EXPECT_FALSE(users.replica.max_lag.has_value());
  const auto& products = config.binds.at("default");
  ASSERT_EQ(products.replicas.size(), 1u);
  EXPECT_EQ(products.replica.max_lag, 500ms);
  EXPECT_EQ(products.replica.policy, ReplicaPolicy::round_robin);
  EXPECT_TRUE(config.binds.at("orders").replicas.empty());
}

TEST(ReplicaConfig, MistakesNameTheFileLineAndWhatIsWrong) {
  EXPECT_NE(load_error("[database]\nurl = \"sqlite:///a.db\"\nreplicas = \"x\"\n")
                .find("shop.toml:3:12: replicas of bind 'default' must be an array"),
            std::string::npos);
  EXPECT_NE(load_error("[database]\nurl = \"sqlite:///a.db\"\nreplica_policy = \"random\"\n")
                .find("unknown replica_policy 'random' (known: round_robin, least_connections, "
                      "lowest_latency)"),
            std::string::npos);
  EXPECT_NE(load_error("[database.binds]\nu = { url = \"sqlite:///a.db\", replicas = [{}] }\n")
                .find("a replica of bind 'u' has no url"),
            std::string::npos);
}

TEST(ReplicaConfig, EnvironmentListsReplicasPerBind) {
  DatabaseConfig config;
  config.add_bind("users", "postgresql://u@127.0.0.1/users");
  config.apply_environment({
      {"MANYDB_BIND_USERS_REPLICAS",
       "postgresql://u@127.0.0.1:5433/users, postgresql://u@127.0.0.1:5434/users"},
      {"DATABASE_URL", "postgresql://u@127.0.0.1/products"},
      {"DATABASE_REPLICAS", "postgresql://u@127.0.0.1:5433/products"},
  });
  ASSERT_EQ(config.binds.at("users").replicas.size(), 2u);
  EXPECT_EQ(config.binds.at("users").replicas[1].url, "postgresql://u@127.0.0.1:5434/users");
  EXPECT_EQ(config.binds.at("users").replicas[1].origin, "MANYDB_BIND_USERS_REPLICAS");
  EXPECT_EQ(config.binds.at("default").replicas.size(), 1u);
  EXPECT_FALSE(config.binds.contains("users_replicas"));

  config.apply_environment({{"MANYDB_BIND_USERS_REPLICAS", ""}});  // empty: no replicas
  EXPECT_TRUE(config.binds.at("users").replicas.empty());

  try {
    config.apply_environment({{"MANYDB_BIND_NOPE_REPLICAS", "postgresql://u@127.0.0.1/x"}});
    FAIL() << "replicas of a bind that does not exist";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("bind 'nope', which is not configured"),
              std::string::npos);
  }
}

TEST(ReplicaConfig, BindsRefuseReplicasTheirEngineCannotHave) {
  DatabaseConfig sqlite;
  sqlite.set_default("sqlite:///tmp/manydb-replica-config.db");
  sqlite.add_replica("default", "sqlite:///tmp/manydb-replica-copy.db");
  EXPECT_NE(binds_error(sqlite).find("bind 'default' lists replicas, but sqlite has none"),
            std::string::npos)
      << binds_error(sqlite);

  DatabaseConfig mixed;
  mixed.set_default("postgresql://u:secret@127.0.0.1/products");
  mixed.add_replica("default", "mariadb://u:secret@127.0.0.1/products");
  const std::string other_engine = binds_error(mixed);
  EXPECT_NE(other_engine.find("replica 1 of bind 'default' (code) is not on the engine of its "
                              "primary"),
            std::string::npos)
      << other_engine;
  EXPECT_EQ(other_engine.find("secret"), std::string::npos);

  mixed.binds.at("default").replicas[0].url = "postgresql://u:secret@127.0.0.1:99999/products";
  const std::string bad_url = binds_error(mixed);
  EXPECT_NE(bad_url.find("replica 1 of bind 'default' (code): "), std::string::npos) << bad_url;
  EXPECT_EQ(bad_url.find("secret"), std::string::npos);
}
