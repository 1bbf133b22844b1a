// Tenant ids, tenant binds in configuration, and what they refuse. Nothing here connects.
#include <gtest/gtest.h>

#include "config_errors.hpp"
#include "manydb/core/tenant_id.hpp"
#include "manydb/pool/connection_budget.hpp"

using manydb::ConfigError;
using manydb::DatabaseConfig;
using manydb::testing::binds_error;
using manydb::testing::load_error;
using namespace std::chrono_literals;

TEST(TenantId, OneStrictRule) {
  for (const char* good : {"a", "acme", "0", "acme-eu_2", "9lives"})
    EXPECT_TRUE(manydb::is_valid_tenant_id(good)) << good;
  EXPECT_TRUE(manydb::is_valid_tenant_id(std::string(63, 'x')));
  for (const std::string& bad :
       std::vector<std::string>{"", "A", "Acme", "-a", "_a", "a.b", "../x", "a/b", "a b", "a;b",
                                "acme\n", "caf\xc3\xa9", "a%2e", "{tenant}", std::string(64, 'x')})
    EXPECT_FALSE(manydb::is_valid_tenant_id(bad)) << bad;
}

TEST(TenantId, TheErrorNamesTheRuleAndNeverCarriesTheRawId) {
  try {
    manydb::validate_tenant_id("evil\n" + std::string(300, 'x'));
    FAIL();
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("[a-z0-9][a-z0-9_-]{0,62}"), std::string::npos);
    EXPECT_NE(what.find("evil\\x0a"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos);
    EXPECT_LT(what.size(), 300u);
  }
}

TEST(TenantId, TemplatesRenderOnlyValidIds) {
  EXPECT_EQ(manydb::render_tenant_url("postgresql://u@h/t_{tenant}?x={tenant}", "acme"),
            "postgresql://u@h/t_acme?x=acme");
  EXPECT_THROW(manydb::render_tenant_url("sqlite:///data/{tenant}.db", "../etc"), ConfigError);
  EXPECT_TRUE(manydb::is_tenant_template("sqlite:///data/{tenant}.db"));
  EXPECT_FALSE(manydb::is_tenant_template("sqlite:///data/x.db"));
}

TEST(TenantConfig, TemplatesServersAndSettingsLoad) {
  const auto config = DatabaseConfig::from_toml_string(R"(
[database]
url = "sqlite:///registry.db"

[database.tenants]
max_open = 50
max_connections = 40
refresh_ms = 250

[database.binds]
products = "sqlite:///tenants/{tenant}.db"
orders = { servers = ["postgresql://u@127.0.0.1/t_{tenant}", "postgresql://u@127.0.0.2/t_{tenant}"], pool_size = 2 }
users = "sqlite:///users.db"
)",
                                                       "shop.toml");
  EXPECT_TRUE(config.binds.at("products").per_tenant());
  EXPECT_TRUE(config.binds.at("orders").per_tenant());
  EXPECT_EQ(config.binds.at("orders").servers.size(), 2u);
  EXPECT_EQ(config.binds.at("orders").url, config.binds.at("orders").servers.front());
  EXPECT_FALSE(config.binds.at("users").per_tenant());
  EXPECT_EQ(config.tenants.registry, "default");
  EXPECT_EQ(config.tenants.max_open, 50u);
  EXPECT_EQ(config.tenants.max_connections, 40u);
  EXPECT_EQ(config.tenants.refresh, 250ms);
}

TEST(TenantConfig, MistakesAreNamed) {
  EXPECT_NE(load_error("[database]\nurl = \"sqlite:///r.db\"\n[database.tenants]\nmax_opn = 3\n")
                .find("unknown key 'max_opn' in [database.tenants]"),
            std::string::npos);
  EXPECT_NE(load_error("[database]\nurl = \"sqlite:///r.db\"\n[database.tenants]\nmax_open = 0\n")
                .find("max_open must be at least 1"),
            std::string::npos);
  EXPECT_NE(load_error("[database]\nurl = \"sqlite:///r.db\"\n[database.binds]\n"
                       "t = { servers = [\"sqlite:///x.db\"] }\n")
                .find("must be a URL holding {tenant}"),
            std::string::npos);
}

TEST(TenantConfig, TheBindsRefuseWhatCannotWork) {
  DatabaseConfig c;
  c.set_default("sqlite:///r.db");
  c.add_bind("items", "sqlite:///t/{tenant}.db");
  EXPECT_EQ(binds_error(c), "");

  auto with_replica = c;
  with_replica.add_replica("items", "sqlite:///t/{tenant}-r.db");
  EXPECT_NE(binds_error(with_replica).find("tenant bind: it cannot have replicas"),
            std::string::npos);

  auto no_registry = c;
  no_registry.tenants.registry = "nowhere";
  EXPECT_NE(binds_error(no_registry).find("registry is bind 'nowhere'"), std::string::npos);

  auto tenant_registry = c;
  tenant_registry.tenants.registry = "items";
  EXPECT_NE(binds_error(tenant_registry).find("registry is bind 'items'"), std::string::npos);

  auto uneven = c;
  uneven.add_bind("notes", "sqlite:///n/{tenant}.db");
  uneven.binds["notes"].servers = {"sqlite:///n/{tenant}.db", "sqlite:///m/{tenant}.db"};
  EXPECT_NE(binds_error(uneven).find("one URL template per server"), std::string::npos);

  auto bad_url = c;
  bad_url.add_bind("notes", "nosuch://{tenant}");
  EXPECT_NE(binds_error(bad_url).find("tenant bind 'notes'"), std::string::npos);
}

TEST(ConnectionBudget, AFullBudgetClosesAnIdleConnectionElsewhereOrTimesOut) {
  manydb::ConnectionBudget budget(2);
  int idle_elsewhere = 1;
  budget.set_reclaimer([&] {
    if (idle_elsewhere == 0) return false;
    --idle_elsewhere;
    budget.give_back();  // what closing that connection does
    return true;
  });
  const auto soon = std::chrono::steady_clock::now() + 50ms;
  EXPECT_TRUE(budget.take(soon));
  EXPECT_TRUE(budget.take(soon));
  EXPECT_TRUE(budget.take(soon)) << "the idle connection made room";
  EXPECT_EQ(idle_elsewhere, 0);
  EXPECT_FALSE(budget.take(std::chrono::steady_clock::now() + 20ms));
  EXPECT_EQ(budget.in_use(), 2u);
  EXPECT_EQ(budget.peak(), 2u);
  budget.give_back();
  EXPECT_TRUE(budget.take(soon));
}
