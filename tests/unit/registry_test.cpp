// The driver's engine registry: the engines of this build, each found by its backend, and the
// driver's entry points (connect, dialect_for) reaching them only through it.
#include "manydb/driver/registry.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "manydb/core/errors.hpp"
#include "manydb/core/left_out_engine.hpp"
#include "manydb/core/url_scheme.hpp"

using namespace manydb;

TEST(EngineRegistry, EveryBackendOfThisBuildIsRegisteredOnce) {
  std::set<Backend> seen;
  for (const EngineEntry& entry : builtin_engines()) {
    EXPECT_TRUE(seen.insert(entry.backend).second) << to_string(entry.backend) << " twice";
    EXPECT_EQ(entry.dialect().backend(), entry.backend);
  }
  // Every backend of this build; the others left out with an error (left_out_engine_test.cpp).
  for (const LeftOutEngine& engine : left_out_engines()) {
    EXPECT_FALSE(seen.contains(engine.url_scheme->backend)) << engine.name;
    EXPECT_THROW(registered_engine(engine.url_scheme->backend), ConfigError);
    seen.insert(engine.url_scheme->backend);
  }
  EXPECT_EQ(seen, (std::set<Backend>{Backend::sqlite, Backend::postgresql, Backend::mariadb}));
}

TEST(EngineRegistry, DialectForAndConnectGoThroughTheRegistry) {
  EXPECT_EQ(&dialect_for(Backend::mariadb), &registered_engine(Backend::mariadb).dialect());
  auto connection = connect(Url::parse("sqlite:///:memory:"), ConnectOptions{"mem"});
  ASSERT_NE(connection, nullptr);
  EXPECT_EQ(&connection->dialect(), &registered_engine(Backend::sqlite).dialect());
  EXPECT_EQ(connection->bind(), "mem");
}

TEST(EngineRegistry, EachEngineDescribesItsOwnUrls) {
  ASSERT_EQ(builtin_url_schemes().size(), builtin_engines().size());
  for (const UrlScheme* scheme : builtin_url_schemes()) {
    EXPECT_EQ(registered_engine(scheme->backend).backend, scheme->backend);
    EXPECT_EQ(url_scheme_of(scheme->backend), scheme);
    for (std::string_view spelling : scheme->schemes) {
      const std::string text =
          std::string(spelling) + (scheme->takes_file_path ? ":///x.db" : "://u@127.0.0.1/db");
      const Url url = Url::parse(text);
      EXPECT_EQ(url.backend, scheme->backend) << text;
      EXPECT_EQ(url.port_or_default(), scheme->default_port) << text;
    }
  }
}
