#include "shop_test_fixture.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace shop_test {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string shop_binary() {
  if (auto from_env = env_or_empty("MANYDB_SHOP_BINARY"); !from_env.empty()) return from_env;
#ifdef MANYDB_SHOP_BINARY
  return MANYDB_SHOP_BINARY;
#else
  return "";
#endif
}

std::string shop_config_dir() {
  if (auto from_env = env_or_empty("MANYDB_SHOP_CONFIG_DIR"); !from_env.empty()) return from_env;
#ifdef MANYDB_SHOP_CONFIG_DIR
  return MANYDB_SHOP_CONFIG_DIR;
#else
  return "";
#endif
}

// --- child processes ------------------------------------------------------------------------

namespace {

// argv/envp as the C arrays execve wants, built before fork (nothing may allocate after it).
struct CStrings {
  explicit CStrings(std::vector<std::string> items) : storage(std::move(items)) {
    for (auto& s : storage) pointers.push_back(s.data());
    pointers.push_back(nullptr);
  }
  std::vector<std::string> storage;
  std::vector<char*> pointers;
};

std::vector<std::string> env_strings(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// fork + execve. The child dies with the test process (PR_SET_PDEATHSIG), so a test killed by
// its timeout never leaves a server behind. stdout goes to `out_fd` (or `log`), stderr to `log`.
pid_t spawn(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
            const fs::path& cwd, int out_fd, const fs::path& log) {
  CStrings args(argv);
  CStrings envp(env_strings(env));
  const std::string cwd_text = cwd.string();
  const std::string log_text = log.string();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(126);
    const int log_fd = ::open(log_text.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (log_fd < 0 || null_fd < 0 || ::chdir(cwd_text.c_str()) != 0) ::_exit(126);
    ::dup2(null_fd, 0);
    ::dup2(out_fd >= 0 ? out_fd : log_fd, 1);
    ::dup2(log_fd, 2);
    ::execve(args.pointers[0], args.pointers.data(), envp.pointers.data());
    ::_exit(127);
  }
  return pid;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Waits for `pid` at most `timeout_s` seconds (a pidfd becomes readable when it exits).
bool wait_exit(pid_t pid, int timeout_s, int& status) {
  // (glibc 2.36's <sys/pidfd.h> lacks extern "C", so the raw system call.)
  const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd >= 0) {
    pollfd p{pidfd, POLLIN, 0};
    const int ready = ::poll(&p, 1, timeout_s * 1000);
    ::close(pidfd);
    if (ready <= 0) return false;
  }
  return ::waitpid(pid, &status, 0) == pid;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string tail(const std::string& text, std::size_t n = 6000) {
  return text.size() <= n ? text : "...\n" + text.substr(text.size() - n);
}

}  // namespace

ShopProcess::~ShopProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (drain_.joinable()) drain_.join();
  if (out_fd_ >= 0) ::close(out_fd_);
}

int ShopProcess::start(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env, const fs::path& cwd,
                       const fs::path& stderr_file, int timeout_s) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_ = spawn(argv, env, cwd, fds[1], stderr_file);
  ::close(fds[1]);
  out_fd_ = fds[0];

  // Block on the pipe until the first line (or EOF, or the overall deadline).
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
  std::string line;
  while (line.find('\n') == std::string::npos) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) throw std::runtime_error("no 'listening on' line within the timeout");
    pollfd p{out_fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[512];
    const ssize_t n = ::read(out_fd_, buf, sizeof buf);
    if (n <= 0) {
      throw std::runtime_error("shop serve exited before listening; stdout: " + line +
                               "\nstderr:\n" + tail(read_file(stderr_file)));
    }
    line.append(buf, static_cast<std::size_t>(n));
  }
  stdout_ = line;
  const std::string first = line.substr(0, line.find('\n'));
  static const std::regex listening(R"(^listening on http://127\.0\.0\.1:(\d+)\r?$)");
  std::smatch m;
  if (!std::regex_match(first, m, listening)) {
    throw std::runtime_error("unexpected first line from shop serve: '" + first + "'");
  }
  drain_ = std::thread([this] {
    char buf[4096];
    for (ssize_t n; (n = ::read(out_fd_, buf, sizeof buf)) > 0;) {
      stdout_.append(buf, static_cast<std::size_t>(n));
    }
  });
  return std::stoi(m[1]);
}

int ShopProcess::stop(int timeout_s) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  int result = -1;
  if (wait_exit(pid_, timeout_s, status)) {
    result = decode_status(status);
  } else {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  if (drain_.joinable()) drain_.join();
  ::close(out_fd_);
  out_fd_ = -1;
  return result;
}

int run_command(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                const fs::path& cwd, const fs::path& log) {
  const pid_t pid = spawn(argv, env, cwd, -1, log);
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return decode_status(status);
}

// --- the fixture ----------------------------------------------------------------------------

namespace {

const std::vector<std::pair<std::string, std::string>> kTables = {
    {"default", "product"},   {"users", "user"},          {"orders", "order"},
    {"orders", "order_item"}, {"analytics", "page_view"}, {"reviews", "review"}};

std::string env_var_for(const std::string& bind) {
  if (bind == manydb::DatabaseConfig::default_bind) return "DATABASE_URL";
  std::string name = "MANYDB_BIND_";
  for (char c : bind) name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::string server_url(const manydb::Url& base, const std::string& database, int connect_timeout_s,
                       std::optional<int> port = std::nullopt) {
  return std::string(manydb::to_string(base.backend)) + "://" + manydb::percent_encode(base.user) +
         ":" + manydb::percent_encode(base.password) + "@" + base.host + ":" +
         std::to_string(port ? *port : base.port_or_default()) + "/" + database +
         "?connect_timeout=" + std::to_string(connect_timeout_s);
}

}  // namespace

void ShopFixture::start_shop(const ShopOptions& options) {
  options_ = options;
  const std::string binary = shop_binary();
  ASSERT_FALSE(binary.empty()) << "set MANYDB_SHOP_BINARY to the shop executable";
  ASSERT_TRUE(fs::exists(binary)) << "no shop binary at " << binary;
  const std::string file = options.config == "servers" ? "shop-servers.toml" : "shop.toml";
  config_path_ = options.config_file.empty() ? (fs::path(shop_config_dir()) / file).string()
                                             : options.config_file;
  ASSERT_TRUE(fs::exists(config_path_)) << "no config at " << config_path_;

  if (servers()) {
    for (const char* var : {"MANYDB_TEST_POSTGRES_URL", "MANYDB_TEST_MARIADB_URL"}) {
      if (!env_or_empty(var).empty()) continue;
      if (env_or_empty("MANYDB_REQUIRE_ALL_ENGINES") == "1") {
        FAIL() << var << " is not set but MANYDB_REQUIRE_ALL_ENGINES=1 requires the servers";
      }
      GTEST_SKIP() << "SKIPPING the shop on PostgreSQL + MariaDB: " << var
                   << " is not set (run `make test`, or source build/db.env after scripts/db-up)";
    }
  }

  work_dir_ = fs::temp_directory_path() /
              ("manydb-shop-test-" + std::to_string(::getpid()) + "-" + options.config);
  fs::remove_all(work_dir_);
  fs::create_directories(work_dir_);

  auto config = manydb::DatabaseConfig::from_toml_file(config_path_);
  for (const auto& [bind, bind_config] : config.binds) {
    const auto url = manydb::Url::parse(bind_config.url);
    if (url.backend == manydb::Backend::sqlite) {
      ASSERT_FALSE(servers()) << "bind " << bind << " is SQLite in the servers config";
      const fs::path path =
          fs::path(url.database).is_absolute() ? fs::path(url.database) : work_dir_ / url.database;
      real_urls_[bind] = "sqlite:///" + path.string();
    }
  }
  if (servers()) {
    ASSERT_NO_FATAL_FAILURE(prepare_server_databases());
  }
  for (auto& [bind, bind_config] : config.binds) bind_config.url = real_urls_.at(bind);
  db_ = std::make_unique<manydb::Database>(config);

  const auto env = child_env();
  const auto log = work_dir_ / "shop.log";
  const std::vector<std::string> base = {binary, "--config", config_path_};
  auto with = [&](std::vector<std::string> extra) {
    auto argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  };
  ASSERT_EQ(run_command(with({"create-all"}), env, work_dir_, log), 0)
      << "shop create-all failed:\n"
      << tail(read_file(log));
  ASSERT_EQ(
      run_command(with({"seed", "--products", std::to_string(options.products), "--users",
                        std::to_string(options.users), "--orders", std::to_string(options.orders)}),
                  env, work_dir_, log),
      0)
      << "shop seed failed:\n"
      << tail(read_file(log));
  try {
    port_ =
        shop_.start(with({"serve", "--port", "0", "--threads", std::to_string(options.threads)}),
                    env, work_dir_, work_dir_ / "serve.log");
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
}

std::map<std::string, std::string> ShopFixture::child_env() const {
  std::map<std::string, std::string> env;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = entry.substr(0, eq);
    // The parent's database settings (build/db.env under `make test`) must never leak into
    // the child: the sqlite case must stay on its files, the servers case on its scratch dbs.
    if (name == "DATABASE_URL" || name == "DATABASE_REPLICAS" || name.rfind("MANYDB_BIND_", 0) == 0)
      continue;
    env[name] = entry.substr(eq + 1);
  }
  for (const auto& [bind, url] : child_urls_) env[env_var_for(bind)] = url;
  return env;
}

void ShopFixture::prepare_server_databases() {
  auto config = manydb::DatabaseConfig::from_toml_file(config_path_);
  for (const auto& [bind, bind_config] : config.binds) {
    const auto backend = manydb::Url::parse(bind_config.url).backend;
    const auto admin_url = manydb::Url::parse(manydb::testing::test_server_url(backend));
    const std::string name = bind == manydb::DatabaseConfig::default_bind ? "products" : bind;
    const auto database = manydb::Url::parse(scratch_dbs_.create(admin_url, name)).database;
    real_urls_[bind] = server_url(admin_url, database, options_.connect_timeout_s);
    const auto proxied = options_.proxied_binds.find(bind);
    child_urls_[bind] =
        proxied == options_.proxied_binds.end()
            ? real_urls_[bind]
            : server_url(admin_url, database, options_.connect_timeout_s, proxied->second);
  }
}

void ShopFixture::drop_server_databases() { scratch_dbs_.drop_all(); }

void ShopFixture::TearDown() {
  if (shop_.running()) {
    const int status = shop_.stop();
    EXPECT_EQ(status, 0) << "shop serve should exit 0 on SIGTERM (-1: did not exit in time)";
  }
  if (HasFailure() && !work_dir_.empty()) {
    std::fprintf(stderr, "--- shop serve stderr (tail):\n%s\n",
                 tail(read_file(work_dir_ / "serve.log")).c_str());
  }
  db_.reset();
  drop_server_databases();
  if (!work_dir_.empty()) {
    std::error_code ec;
    fs::remove_all(work_dir_, ec);
  }
}

HttpResponse ShopFixture::request(const std::string& method, const std::string& path,
                                  const std::string& body,
                                  const std::map<std::string, std::string>& headers) {
  return http_request(port_, method, path, body, headers);
}

manydb::Database& ShopFixture::db() {
  if (!db_) throw std::runtime_error("the shop databases are not prepared");
  return *db_;
}

std::string ShopFixture::quoted(const std::string& bind, const std::string& name) {
  return db().engine(bind).dialect().quote_identifier(name);
}

std::int64_t ShopFixture::count_rows(const std::string& bind, const std::string& table,
                                     const std::string& where) {
  const auto result = db().execute(bind, "SELECT count(*) FROM " + quoted(bind, table) +
                                             (where.empty() ? "" : " WHERE " + where));
  return result.rows.at(0).at(0).as_int64();
}

Counts ShopFixture::count_all() {
  Counts counts;
  for (const auto& [bind, table] : kTables) counts[table] = count_rows(bind, table);
  return counts;
}

std::int64_t ShopFixture::insert_product(const std::string& name, double price, std::int64_t stock,
                                         const std::string& category) {
  const auto result =
      db().execute("default",
                   "INSERT INTO " + quoted("default", "product") +
                       " (name, price, stock, category) VALUES (?, ?, ?, ?) RETURNING id",
                   {name, price, stock, category});
  return result.rows.at(0).at(0).as_int64();
}

std::int64_t ShopFixture::product_stock(std::int64_t id) {
  const auto result = db().execute(
      "default", "SELECT stock FROM " + quoted("default", "product") + " WHERE id = ?", {id});
  return result.rows.at(0).at(0).as_int64();
}

std::int64_t ShopFixture::create_user(const std::string& tag) {
  const std::string name = tag + "_" + std::to_string(::getpid());
  const auto response =
      post("/users", boost::json::value{{"username", name}, {"email", name + "@example.com"}});
  if (response.status != 201) throw std::runtime_error("POST /users: " + describe(response));
  return integer(parse_json(response).at("id"));
}

std::int64_t ShopFixture::wait_for_rows(const std::string& bind, const std::string& table,
                                        std::int64_t expected, int max_seconds) {
  // Page views are written by the shop's background writer: poll, bounded in time.
  const auto deadline = Clock::now() + std::chrono::seconds(max_seconds);
  std::int64_t count = count_rows(bind, table);
  while (count < expected && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    count = count_rows(bind, table);
  }
  return count;
}

void ShopTest::SetUp() { start_shop(ShopOptions{.config = GetParam()}); }

std::string config_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

// --- JSON helpers ---------------------------------------------------------------------------

boost::json::value parse_json(const HttpResponse& response) {
  boost::system::error_code ec;
  auto value = boost::json::parse(response.body, ec);
  if (ec) {
    ADD_FAILURE() << "not JSON (" << ec.message() << "): " << describe(response);
    return nullptr;
  }
  return value;
}

bool is_error_body(const HttpResponse& response) {
  boost::system::error_code ec;
  auto value = boost::json::parse(response.body, ec);
  if (ec || !value.is_object()) return false;
  const auto* error = value.as_object().if_contains("error");
  return error && error->is_string() && !error->as_string().empty();
}

bool is_iso_utc(const boost::json::value& value) {
  static const std::regex iso(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$)");
  return value.is_string() && std::regex_match(std::string(value.as_string()), iso);
}

double number(const boost::json::value& value) {
  if (value.is_int64()) return static_cast<double>(value.as_int64());
  if (value.is_uint64()) return static_cast<double>(value.as_uint64());
  if (value.is_double()) return value.as_double();
  return std::nan("");
}

std::int64_t integer(const boost::json::value& value) {
  if (value.is_int64()) return value.as_int64();
  if (value.is_uint64() && value.as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    return static_cast<std::int64_t>(value.as_uint64());
  }
  throw std::runtime_error("not a JSON integer: " + boost::json::serialize(value));
}

bool is_money(const boost::json::value& value) {
  const double x = number(value);
  if (std::isnan(x) || x < 0) return false;
  return std::fabs(x * 100 - std::round(x * 100)) < 1e-6;
}

std::string header(const HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < key.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(key[i])) ==
             std::tolower(static_cast<unsigned char>(name[i]));
    }
    if (same) return value;
  }
  return "";
}

std::string describe(const HttpResponse& response) {
  std::string body =
      response.body.size() > 2000 ? response.body.substr(0, 2000) + "..." : response.body;
  return "HTTP " + std::to_string(response.status) + " " + body;
}

std::string url_encode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace shop_test
