#pragma once
// Throwaway PostgreSQL and MariaDB servers of a test's own (scripts/db-up), which the test may
// kill, hang, restart and cut off (scripts/db-fault) without disturbing the servers that the
// other tests share. The scripts folder comes from the compile definition MANYDB_SCRIPTS_DIR.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

namespace manydb::testing {

class PrivateServers {
 public:
  // replicas: of each server, 0 to 2 (MANYDB_DB_REPLICAS). Without replicas MariaDB writes no
  // binlog: a MariaDB 10.11 killed mid-commit can fail its binlog recovery for good, and the
  // tests that kill it want it back.
  explicit PrivateServers(int replicas = 0)
      : env_file_("/tmp/manydb-private-" + std::to_string(::getpid()) + ".env"),
        log_(env_file_ + ".log") {
    run("db-up " + env_file_, "MANYDB_DB_REPLICAS=" + std::to_string(replicas) + " ");
    std::ifstream in(env_file_);
    std::string line;
    // Lines of the form: export NAME='value'
    while (std::getline(in, line)) {
      const auto eq = line.find('=');
      if (!line.starts_with("export ") || eq == std::string::npos || line.size() < eq + 3) continue;
      vars_[line.substr(7, eq - 7)] = line.substr(eq + 2, line.size() - eq - 3);
    }
    servers_ = {"postgres", "mariadb"};
    for (int i = 1; i <= replicas; ++i) {
      const std::string suffix = i == 1 ? "" : std::to_string(i);
      servers_.push_back("postgres-replica" + suffix);
      servers_.push_back("mariadb-replica" + suffix);
    }
  }
  ~PrivateServers() {
    try {
      for (const auto& server : servers_) {  // a failed test may leave one hung
        try {
          fault(server, "resume");
        } catch (const std::exception&) {
        }
      }
      run("db-down " + env_file_);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
    }
    std::remove(log_.c_str());
  }
  PrivateServers(const PrivateServers&) = delete;
  PrivateServers& operator=(const PrivateServers&) = delete;

  // A variable of db-up's environment file (MANYDB_TEST_POSTGRES_URL, MANYDB_PG_PORT, ...).
  const std::string& var(const std::string& name) const { return vars_.at(name); }
  // "postgres" or "mariadb": the URL of its manydb_test database.
  const std::string& test_url(const std::string& server) const {
    return var(server == "postgres" ? "MANYDB_TEST_POSTGRES_URL" : "MANYDB_TEST_MARIADB_URL");
  }
  // scripts/db-fault: server postgres, mariadb or a replica of one (postgres-replica,
  // mariadb-replica2, ...); action kill, stop, start, hang, resume or terminate.
  void fault(const std::string& server, const std::string& action) {
    run("db-fault " + env_file_ + " " + server + " " + action);
  }

 private:
  void run(const std::string& command, const std::string& environment = "") {
    const std::string line =
        environment + MANYDB_SCRIPTS_DIR + "/" + command + " >" + log_ + " 2>&1";
    if (std::system(line.c_str()) != 0) {
      std::ifstream in(log_);
      const std::string output((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
      throw std::runtime_error("scripts/" + command + " failed:\n" + output);
    }
  }

  std::string env_file_;
  std::string log_;
  std::map<std::string, std::string> vars_;
  std::vector<std::string> servers_;  // for scripts/db-fault
};

}  // namespace manydb::testing
