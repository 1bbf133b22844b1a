// Runs one example as ctest does: on SQLite files in a temporary directory of its own, or with
// its binds on throwaway databases of the test servers (MANYDB_TEST_POSTGRES_URL,
// MANYDB_TEST_MARIADB_URL), handed to the example the way a user would: DATABASE_URL and
// MANYDB_BIND_<NAME>. With --http it runs the example with --once, sends it one GET on the
// port it announces and checks the response.
//
//   run_example sqlite|servers EXAMPLE BIND[,BIND...] [--http PATH STATUS [--expect TEXT]]
//
// Exit code: the example's, 1 for a failed check, 77 when the servers are not there (a skip,
// unless MANYDB_REQUIRE_ALL_ENGINES=1 makes it a failure).
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "http_get.hpp"
#include "manydb/manydb.hpp"
#include "manydb/testing/throwaway_databases.hpp"

extern char** environ;

namespace {

constexpr int kSkip = 77;
namespace fs = std::filesystem;

struct HttpCheck {
  std::string path;
  int status = 200;
  std::string expect;  // a piece of the body; empty: any
};

struct Args {
  std::string mode;
  std::string example;
  std::vector<std::string> binds;
  std::optional<HttpCheck> http;
};

Args parse_args(int argc, char** argv) {
  if (argc < 4) throw std::invalid_argument("usage: run_example sqlite|servers EXAMPLE BINDS ...");
  Args a{argv[1], argv[2], {}, {}};
  for (std::string rest = argv[3]; !rest.empty();) {
    const auto comma = rest.find(',');
    a.binds.push_back(rest.substr(0, comma));
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
  }
  for (int i = 4; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--http" && i + 2 < argc) {
      a.http = HttpCheck{argv[i + 1], std::stoi(argv[i + 2]), {}};
      i += 2;
    } else if (flag == "--expect" && a.http && i + 1 < argc) {
      a.http->expect = argv[++i];
    } else {
      throw std::invalid_argument("unknown argument: " + flag);
    }
  }
  return a;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The example must see only what this runner gives it: under scripts/with-db the shop's
// DATABASE_URL and MANYDB_BIND_* are set too, and would send it to the shop's databases.
void clear_bind_environment() {
  std::vector<std::string> names;
  for (char** e = environ; *e; ++e) {
    const std::string entry = *e;
    const std::string name = entry.substr(0, entry.find('='));
    if (name.starts_with("MANYDB_BIND_") || name.starts_with("DATABASE_")) names.push_back(name);
  }
  for (const auto& name : names) ::unsetenv(name.c_str());
}

std::string bind_variable(const std::string& bind) {
  if (bind == "default") return "DATABASE_URL";
  std::string name = "MANYDB_BIND_" + bind;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return name;
}

// The throwaway databases of a servers run ("mdbex_<pid>_<bind>"); dropped when it ends,
// however it ends. Each bind on a database of its own, the binds spread over the servers in
// turn, so an example with several binds spans PostgreSQL and MariaDB at once.
class ServerDatabases {
 public:
  void place(const std::vector<std::string>& binds, const std::vector<manydb::Url>& servers) {
    for (std::size_t i = 0; i < binds.size(); ++i) {
      const auto& base = servers[i % servers.size()];
      const std::string url = databases_.create(base, binds[i]);
      ::setenv(bind_variable(binds[i]).c_str(), url.c_str(), 1);
      std::cout << "run_example: bind " << binds[i] << " on " << manydb::to_string(base.backend)
                << " database " << manydb::Url::parse(url).database << "\n";
    }
  }

 private:
  manydb::testing::ThrowawayDatabases databases_{"mdbex"};
};

// The test servers to use; empty when there are none (the caller skips or fails).
std::vector<manydb::Url> test_servers() {
  std::vector<manydb::Url> servers;
  std::vector<std::string> missing;
  for (const char* var : {"MANYDB_TEST_POSTGRES_URL", "MANYDB_TEST_MARIADB_URL"}) {
    if (env(var).empty()) {
      missing.emplace_back(var);
    } else {
      servers.push_back(manydb::Url::parse(env(var)));
    }
  }
  if (!missing.empty() && env("MANYDB_REQUIRE_ALL_ENGINES") == "1") {
    throw std::runtime_error(missing.front() + " is not set but MANYDB_REQUIRE_ALL_ENGINES=1");
  }
  for (const auto& var : missing) {
    std::cout << "run_example: " << var << " is not set; "
              << (servers.empty() ? "SKIPPING this example on the servers"
                                  : "its binds go to the other server only")
              << " (run `make test`, or scripts/with-db build/db.env ctest ...)\n";
  }
  return servers;
}

// A temporary directory for one run, removed with it: the examples' SQLite defaults go under
// it (they follow TMPDIR), so parallel runs never share a file.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "manydb-example-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  std::cerr << "run_example: the example died of signal " << WTERMSIG(status) << "\n";
  return 1;
}

int run_plain(const std::string& example) {
  std::cout.flush();
  char* argv[] = {const_cast<char*>(example.c_str()), nullptr};
  pid_t pid = 0;
  if (::posix_spawn(&pid, example.c_str(), nullptr, nullptr, argv, environ) != 0) {
    throw std::runtime_error("cannot start " + example);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return exit_code(status);
}

// Reads the child's output line by line (echoing it) until the line that announces its port.
unsigned short read_port(int fd, std::string& pending) {
  const std::string marker = "listening on http://127.0.0.1:";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      const std::string line = pending.substr(0, nl);
      pending.erase(0, nl + 1);
      std::cout << line << "\n";
      if (auto at = line.find(marker); at != std::string::npos) {
        return static_cast<unsigned short>(std::stoi(line.substr(at + marker.size())));
      }
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    char buf[4096];
    const auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) throw std::runtime_error("the example ended before it announced its port");
    pending.append(buf, static_cast<std::size_t>(n));
  }
  throw std::runtime_error("the example announced no port within 60 s");
}

bool check_response(const HttpCheck& check, const HttpResponse& response) {
  std::cout << "run_example: GET " << check.path << " -> " << response.status << " "
            << response.body << "\n";
  bool ok = true;
  if (response.status != check.status) {
    std::cout << "run_example: FAILED: expected status " << check.status << "\n";
    ok = false;
  }
  if (response.content_type.find("application/json") == std::string::npos) {
    std::cout << "run_example: FAILED: Content-Type is '" << response.content_type << "'\n";
    ok = false;
  }
  if (response.body.find(check.expect) == std::string::npos) {
    std::cout << "run_example: FAILED: the body lacks " << check.expect << "\n";
    ok = false;
  }
  return ok;
}

int run_with_request(const std::string& example, const HttpCheck& check) {
  int out[2];
  if (::pipe(out) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  char* argv[] = {const_cast<char*>(example.c_str()), const_cast<char*>("--once"), nullptr};
  pid_t pid = 0;
  std::cout.flush();
  const int spawned = ::posix_spawn(&pid, example.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  if (spawned != 0) throw std::runtime_error("cannot start " + example);
  bool ok = false;
  std::string pending;
  try {
    ok = check_response(check, http_get(read_port(out[0], pending), check.path));
  } catch (const std::exception& e) {
    std::cout << "run_example: FAILED: " << e.what() << "\n";
    ::kill(pid, SIGTERM);
  }
  std::cout << pending;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) std::cout.write(buf, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const int code = exit_code(status);
  return ok ? code : 1;
}

int run(const Args& args) {
  clear_bind_environment();
  TempDir tmp;
  ::setenv("TMPDIR", tmp.path().c_str(), 1);
  ServerDatabases databases;
  if (args.mode == "servers") {
    const auto servers = test_servers();
    if (servers.empty()) return kSkip;
    databases.place(args.binds, servers);
  } else if (args.mode != "sqlite") {
    throw std::invalid_argument("mode must be sqlite or servers, not " + args.mode);
  }
  return args.http ? run_with_request(args.example, *args.http) : run_plain(args.example);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "run_example: " << e.what() << "\n";
    return 1;
  }
}
