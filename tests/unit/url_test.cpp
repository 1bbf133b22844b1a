#include "manydb/core/url.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "manydb/core/errors.hpp"

using manydb::Backend;
using manydb::ConfigError;
using manydb::Url;

namespace {
// The message of the ConfigError that parsing `text` throws, or "" when it parses.
std::string parse_error(const std::string& text) {
  try {
    Url::parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Url, SqliteRelativeAbsoluteAndMemory) {
  EXPECT_EQ(Url::parse("sqlite:///data/app.db").database, "data/app.db");
  EXPECT_EQ(Url::parse("sqlite:///data/app.db").sqlite_path().is_relative(), true);
  EXPECT_EQ(Url::parse("sqlite:////var/lib/app.db").database, "/var/lib/app.db");
  EXPECT_TRUE(Url::parse("sqlite:///:memory:").is_memory());
  EXPECT_TRUE(Url::parse("sqlite://").is_memory());
  EXPECT_FALSE(Url::parse("sqlite:///x.db").is_memory());
  EXPECT_EQ(Url::parse("sqlite:///x.db").backend, Backend::sqlite);
}

TEST(Url, SqliteParamsAreChecked) {
  const auto url = Url::parse("sqlite:///x.db?busy_timeout=100&journal_mode=wal&begin=deferred");
  EXPECT_EQ(url.param("busy_timeout"), "100");
  EXPECT_EQ(url.param("begin"), "deferred");
  EXPECT_NE(parse_error("sqlite:///x.db?sslmode=require").find("unknown parameter 'sslmode'"),
            std::string::npos);
  EXPECT_NE(parse_error("sqlite://host/x.db").find("takes no host"), std::string::npos);
}

TEST(Url, PostgresFullForm) {
  const auto url =
      Url::parse("postgresql://shop:secret@db.local:6543/orders?connect_timeout=3&sslmode=disable");
  EXPECT_EQ(url.backend, Backend::postgresql);
  EXPECT_EQ(url.user, "shop");
  EXPECT_EQ(url.password, "secret");
  EXPECT_EQ(url.host, "db.local");
  EXPECT_EQ(url.port, 6543);
  EXPECT_EQ(url.database, "orders");
  EXPECT_EQ(url.param("connect_timeout"), "3");
  EXPECT_EQ(url.param("sslmode"), "disable");
}

TEST(Url, SchemeSpellingsFromPythonConfigs) {
  EXPECT_EQ(Url::parse("postgres://u@h/d").backend, Backend::postgresql);
  EXPECT_EQ(Url::parse("postgresql+psycopg2://u@h/d").backend, Backend::postgresql);
  EXPECT_EQ(Url::parse("mysql://u@h/d").backend, Backend::mariadb);
  EXPECT_EQ(Url::parse("mysql+pymysql://u@h/d?charset=utf8mb4").backend, Backend::mariadb);
  EXPECT_EQ(Url::parse("mariadb://u@h/d").backend, Backend::mariadb);
  EXPECT_EQ(Url::parse("MySQL://u@h/d").backend, Backend::mariadb);
  EXPECT_EQ(Url::parse("mysql+pymysql://u@h/d?charset=utf8mb4").param("charset"), "utf8mb4");
}

TEST(Url, PercentEncodedCredentials) {
  const auto url = Url::parse("postgresql://us%20er:p%40ss%3Aw%2Frd%251@127.0.0.1/db");
  EXPECT_EQ(url.user, "us er");
  EXPECT_EQ(url.password, "p@ss:w/rd%1");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_FALSE(url.port.has_value());
  EXPECT_EQ(url.port_or_default(), 5432);
  EXPECT_EQ(Url::parse("mysql://u@h/d").port_or_default(), 3306);
}

TEST(Url, UnixSocketAndIpv6Hosts) {
  const auto socket = Url::parse("postgresql://u:p@/db?host=/var/run/postgresql");
  EXPECT_EQ(socket.host, "");
  EXPECT_EQ(socket.param("host"), "/var/run/postgresql");
  const auto v6 = Url::parse("postgresql://u:p@[::1]:5433/db");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 5433);
  EXPECT_EQ(Url::parse("mariadb://u@[::1]/db").host, "::1");
}

TEST(Url, PrintingRedactsThePassword) {
  const auto url = Url::parse("postgresql://shop:p%40ss%3Aw%2Frd%251@127.0.0.1:5432/orders");
  std::ostringstream printed;
  printed << url;
  EXPECT_EQ(printed.str(), "postgresql://shop:***@127.0.0.1:5432/orders");
  EXPECT_EQ(url.redacted().find("p@ss"), std::string::npos);
  EXPECT_EQ(Url::parse("mysql://u@[::1]:3307/d").redacted(), "mysql://u@[::1]:3307/d");
}

TEST(Url, HostileInputNamesTheWrongPart) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "empty"},
      {"   ", "spaces"},
      {" sqlite:///x.db", "spaces"},
      {"oracle://u@h/d", "unknown scheme 'oracle'"},
      {"no-scheme-here", "no scheme"},
      {"://u@h/d", "no scheme"},
      {"postgresql://u:p@h:70000/d", "port 70000 is out of range"},
      {"postgresql://u:p@h:0/d", "out of range"},
      {"postgresql://u:p@h:54x/d", "port '54x' is not a number"},
      {"postgresql://u:p@h:/d", "empty port"},
      {"postgresql://u:p@ss@h/d", "stray '@'"},
      {"postgresql://u:p@h/d?connect_timeout=soon", "connect_timeout='soon' is not a whole number"},
      {"postgresql://u:p@h/d?bogus=1", "unknown parameter 'bogus'"},
      {"postgresql://u:p@h/d?sslmode=require&sslmode=disable", "given twice"},
      {"postgresql://u:p%zz@h/d", "the password has a '%'"},
      {"postgresql://u:p@h/my db", "the database name contains a space"},
      {"postgresql://u:p@my host/db", "the host contains a space"},
      {"postgresql://u:p@[::1/db", "no closing ']'"},
      {"mariadb://u:p@/db", "no host"},
      {"postgresql://:p@h/db", "empty user name"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string message = parse_error(text);
    EXPECT_NE(message.find(expected), std::string::npos)
        << "URL '" << text << "' gave '" << message << "', expected it to mention '" << expected
        << "'";
  }
}

TEST(Url, ErrorsNeverShowThePassword) {
  const std::string message = parse_error("postgresql://u:hunter2@h:99999/d");
  EXPECT_FALSE(message.empty());
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
}
