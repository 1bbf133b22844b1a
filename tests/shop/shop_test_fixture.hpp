#pragma once
// The shop over real HTTP: each test process gets fresh databases (SQLite files in a temp
// folder, or scratch databases named after its pid on the test servers), runs `shop create-all`
// and `shop seed`, starts `shop serve --port 0` and talks to it on 127.0.0.1.
//
// The binary comes from the environment variable MANYDB_SHOP_BINARY, else from the compile
// definition of the same name; the configs from MANYDB_SHOP_CONFIG_DIR (same rule).
#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http_client.hpp"
#include "manydb/manydb.hpp"
#include "manydb/testing/throwaway_databases.hpp"

namespace shop_test {

using shop::test::http_request;
using shop::test::HttpResponse;

// A running `shop serve`; the destructor SIGKILLs it if stop() was not called.
class ShopProcess {
 public:
  ShopProcess() = default;
  ShopProcess(const ShopProcess&) = delete;
  ShopProcess& operator=(const ShopProcess&) = delete;
  ~ShopProcess();

  // Spawns `binary args...` in `cwd` with exactly `env`, waits (blocking on the pipe, at most
  // `timeout_s`) for the line "listening on http://127.0.0.1:PORT" and returns the port.
  int start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const std::filesystem::path& cwd, const std::filesystem::path& stderr_file,
            int timeout_s = 120);
  // SIGTERM, then waits at most `timeout_s`; returns the exit status as waitpid() reports it
  // decoded: the exit code, or 128 + signal, or -1 on timeout (then it is SIGKILLed).
  int stop(int timeout_s = 60);
  bool running() const { return pid_ > 0; }
  const std::string& stdout_text() const { return stdout_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string stdout_;
  std::thread drain_;  // keeps reading stdout after the first line so the child never blocks
};

// Runs a command to completion; output goes to `log`. Returns the exit code (128+sig).
int run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                const std::filesystem::path& cwd, const std::filesystem::path& log);

std::string shop_binary();
std::string shop_config_dir();
std::string env_or_empty(const char* name);

// Row counts of every shop table: {"product": n, "user": n, ...}.
using Counts = std::map<std::string, std::int64_t>;

struct ShopOptions {
  std::string config = "sqlite";  // "sqlite" (config/shop.toml) or "servers" (shop-servers.toml)
  int products = 20, users = 10, orders = 15;
  int threads = 4;
  // Binds whose URL the shop must reach through 127.0.0.1:<port> instead of the real server
  // (the tests' own TCP proxy); the test process still uses the real address.
  std::map<std::string, int> proxied_binds{};
  // Another configuration file than the config's own (its binds on the same engines).
  std::string config_file{};
  int connect_timeout_s = 3;  // in every server URL
};

class ShopFixture : public ::testing::Test {
 protected:
  // Prepares databases, runs create-all + seed, starts the server. Call from SetUp; it may
  // GTEST_SKIP (servers missing) or fail, so check IsSkipped()/HasFatalFailure() after it.
  void start_shop(const ShopOptions& options);
  void TearDown() override;

  // HTTP to the running shop.
  HttpResponse request(const std::string& method, const std::string& path,
                       const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {});
  HttpResponse get(const std::string& path) { return request("GET", path); }
  HttpResponse post(const std::string& path, const std::string& body) {
    return request("POST", path, body, {{"Content-Type", "application/json"}});
  }
  HttpResponse post(const std::string& path, const boost::json::value& body) {
    return post(path, boost::json::serialize(body));
  }
  int port() const { return port_; }
  bool servers() const { return options_.config == "servers"; }

  // Direct database access, with the same binds the shop uses (real addresses).
  manydb::Database& db();
  std::string quoted(const std::string& bind, const std::string& name);
  std::int64_t count_rows(const std::string& bind, const std::string& table,
                          const std::string& where = "");
  Counts count_all();
  // A product inserted straight into the default bind; returns its id.
  std::int64_t insert_product(const std::string& name, double price, std::int64_t stock,
                              const std::string& category = "test");
  std::int64_t product_stock(std::int64_t id);
  // A user created through POST /users (asserts 201); returns its id.
  std::int64_t create_user(const std::string& tag);
  // The URL of bind `bind` as the test process reaches it (the real server).
  const std::string& bind_url(const std::string& bind) { return real_urls_.at(bind); }
  // Waits (polling count_rows, bounded) until `table` of `bind` holds at least `expected`
  // rows; returns the last count.
  std::int64_t wait_for_rows(const std::string& bind, const std::string& table,
                             std::int64_t expected, int max_seconds = 30);

  ShopProcess shop_;
  std::filesystem::path work_dir_;  // the child's cwd (SQLite files under data/)

 private:
  void prepare_server_databases();
  void drop_server_databases();
  std::map<std::string, std::string> child_env() const;

  ShopOptions options_;
  int port_ = 0;
  std::string config_path_;
  std::map<std::string, std::string> real_urls_;             // bind -> URL the tests use
  std::map<std::string, std::string> child_urls_;            // bind -> URL the shop gets (env)
  manydb::testing::ThrowawayDatabases scratch_dbs_{"shop"};  // shop_<pid>_<bind>
  std::unique_ptr<manydb::Database> db_;
};

// The same fixture for both configs.
class ShopTest : public ShopFixture, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override;
};

std::string config_name(const ::testing::TestParamInfo<std::string>& info);

// --- JSON helpers ---------------------------------------------------------------------------

// Parses a response body, failing the test (and returning null) when it is not JSON.
boost::json::value parse_json(const HttpResponse& response);
// True when the body is {"error": "<non-empty string>"}.
bool is_error_body(const HttpResponse& response);
// YYYY-MM-DDTHH:MM:SS.ffffffZ
bool is_iso_utc(const boost::json::value& value);
// A JSON number (int or double) as double; NaN otherwise.
double number(const boost::json::value& value);
// A JSON integer as int64; throws otherwise.
std::int64_t integer(const boost::json::value& value);
// A money amount is a number whose value has at most two decimals.
bool is_money(const boost::json::value& value);
// Case-insensitive header lookup; empty when absent.
std::string header(const HttpResponse& response, const std::string& name);
// Prints status and body, for assertion messages.
std::string describe(const HttpResponse& response);
// Percent-encodes a query-string value.
std::string url_encode(const std::string& text);

}  // namespace shop_test
