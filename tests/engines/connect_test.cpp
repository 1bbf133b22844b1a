// Connecting: timeouts against a server that never answers, and passwords kept out of errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include "engine_fixture.hpp"

namespace manydb::testing {
namespace {

// A loopback TCP listener that completes the handshake (the kernel does, from the backlog)
// but never reads or writes: a server that hangs before its greeting.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot open a loopback listener");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class Connect : public EngineTest {
 protected:
  // The test server's URL with another host, port or password.
  std::string url_with(const std::string& password, int port) const {
    const auto u = url();
    return std::string(to_string(u.backend)) + "://" + percent_encode(u.user) + ":" +
           percent_encode(password) + "@127.0.0.1:" + std::to_string(port) + "/" + u.database;
  }
  std::string error_of(const std::string& text) const {
    try {
      manydb::connect(Url::parse(text), ConnectOptions{"probe"});
    } catch (const Error& e) {
      EXPECT_EQ(e.bind(), "probe");
      return e.what();
    }
    ADD_FAILURE() << "connected to " << Url::parse(text);
    return "";
  }
  std::string password() const {
    const char* p = std::getenv("MANYDB_TEST_PASSWORD");
    return p ? p : url().password;
  }
};

TEST_P(Connect, TimesOutAgainstAServerThatNeverAnswers) {
  if (backend() == Backend::sqlite)
    GTEST_SKIP() << "SQLite opens a file: there is no server to wait for";
  SilentListener silent;
  const auto text = url_with(password(), silent.port()) + "?connect_timeout=1";
  try {
    manydb::connect(Url::parse(text), ConnectOptions{"silent"});
    FAIL() << "connected to a listener that never answers";
  } catch (const OperationalError& e) {
    EXPECT_TRUE(dynamic_cast<const Timeout*>(&e) || dynamic_cast<const ConnectionError*>(&e))
        << e.what();
    EXPECT_EQ(e.bind(), "silent");
  }
}

// A bind whose server refuses connections is down: until its reconnect interval has passed,
// acquires throw the same error at once instead of trying again; with no interval each tries.
TEST_P(Connect, ABindThatCannotConnectFailsFastUntilItsReconnectInterval) {
  if (backend() == Backend::sqlite)
    GTEST_SKIP() << "SQLite opens a file: there is no server to refuse";
  int closed_port = 0;
  {
    SilentListener gone;  // closed again at once: connections to its port are refused
    closed_port = gone.port();
  }
  const auto text = url_with(password(), closed_port);
  Engine down("down", Url::parse(text), {.reconnect_interval = std::chrono::hours(1)});
  EXPECT_THROW(down.connect(), ConnectionError);
  const PoolStats tried = down.pool().stats();
  EXPECT_TRUE(tried.down);
  EXPECT_EQ(tried.failed_fast, 0u);
  try {
    down.connect();
    FAIL() << "connected to a closed port";
  } catch (const ConnectionError& e) {
    EXPECT_EQ(e.bind(), "down");
  }
  EXPECT_EQ(down.pool().stats().failed_fast, 1u);
  EXPECT_EQ(down.pool().stats().errors, tried.errors) << "no second connect was tried";

  Engine eager("eager", Url::parse(text), {.reconnect_interval = std::chrono::milliseconds(0)});
  EXPECT_THROW(eager.connect(), ConnectionError);
  EXPECT_THROW(eager.connect(), ConnectionError);
  EXPECT_FALSE(eager.pool().stats().down);
  EXPECT_EQ(eager.pool().stats().failed_fast, 0u);
  EXPECT_EQ(eager.pool().stats().errors, 2u);
}

TEST_P(Connect, PasswordsNeverAppearInErrors) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite URLs carry no password";
  const std::string secret = password();
  ASSERT_FALSE(secret.empty());
  const auto port = url().port_or_default();
  std::vector<std::string> messages;
  messages.push_back(error_of(url_with(secret + "-wrong", port)));  // rejected password
  messages.push_back(error_of(url_with(secret, 1)));  // nothing listens on port 1: refused
  for (const auto& message : messages) {
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find(secret), std::string::npos) << message;
    EXPECT_EQ(message.find(percent_encode(secret)), std::string::npos) << message;
  }
  // An error on a live connection does not carry it either.
  auto c = connect();
  try {
    c->execute("SELECT * FROM no_such_table_anywhere");
    FAIL() << "selected from a missing table";
  } catch (const ProgrammingError& e) {
    EXPECT_EQ(std::string(e.what()).find(secret), std::string::npos) << e.what();
  }
}

TEST_P(Connect, WrongPasswordIsAConnectionErrorNamingTheBind) {
  if (backend() == Backend::sqlite) GTEST_SKIP() << "SQLite URLs carry no password";
  const auto text = url_with("not-the-password", url().port_or_default());
  try {
    manydb::connect(Url::parse(text), ConnectOptions{"users"});
    FAIL() << "connected with a wrong password";
  } catch (const ConnectionError& e) {
    EXPECT_EQ(e.bind(), "users");
    EXPECT_NE(std::string(e.what()).find("bind 'users'"), std::string::npos) << e.what();
    if (backend() == Backend::mariadb) {
      EXPECT_EQ(e.native_code(), 1045);  // ER_ACCESS_DENIED_ERROR
      EXPECT_EQ(e.sqlstate(), "28000");
    } else {
      // libpq reports a failed connect as text only, with no SQLSTATE: none is made up.
      EXPECT_FALSE(e.sqlstate());
      EXPECT_FALSE(e.native_code());
    }
  }
}

// manydb's text is UTF-8: a SQL_ASCII database (what initdb makes under the POSIX locale of a
// bare machine) would take any bytes and count bytes, so connecting to one is refused, naming
// the bind and the way out, unless the URL accepts it.
TEST_P(Connect, ASqlAsciiDatabaseIsRefusedUnlessTheUrlAcceptsIt) {
  if (backend() != Backend::postgresql) GTEST_SKIP() << "only PostgreSQL has SQL_ASCII databases";
  const std::string text = scratch_database(
      "ascii", "ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0");
  try {
    manydb::connect(Url::parse(text), ConnectOptions{"legacy"});
    FAIL() << "connected to a SQL_ASCII database";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.bind(), "legacy");
    const std::string what = e.what();
    EXPECT_NE(what.find("bind 'legacy'"), std::string::npos) << what;
    EXPECT_NE(what.find("SQL_ASCII"), std::string::npos) << what;
    EXPECT_NE(what.find("allow_sql_ascii=true"), std::string::npos) << what;
  }
  auto accepted = manydb::connect(Url::parse(text + "?allow_sql_ascii=true"));
  auto& encoding = accepted->query("SHOW server_encoding");
  ASSERT_TRUE(encoding.next());
  EXPECT_EQ(encoding.get_text(0), "SQL_ASCII");
  // The test server itself is UTF-8, whatever the locale scripts/db-up ran under.
  auto& own = admin_->query("SHOW server_encoding");
  ASSERT_TRUE(own.next());
  EXPECT_EQ(own.get_text(0), "UTF8");
}

INSTANTIATE_TEST_SUITE_P(Engines, Connect, ::testing::ValuesIn(engine_cases()), engine_case_name);

}  // namespace
}  // namespace manydb::testing
