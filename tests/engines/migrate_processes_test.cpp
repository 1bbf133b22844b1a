// Two processes migrating one bind at once (issue 23): one waits, nothing is applied twice.
// The test holds the bind's migration lock itself first (the runner's own: pg_advisory_lock,
// GET_LOCK, SQLite's write lock), starts two `migrate up` processes, sees each one wait for
// it, then releases it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "engine_fixture.hpp"
#include "migrate/bind_lock.hpp"
#include "wait_until.hpp"

namespace manydb::testing {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kDeadline = std::chrono::seconds(60);
constexpr std::string_view kWaiting = "bind default: waiting for the migration lock";

// `migrate_process URL migrate up --dir DIR`, its stdout read through a pipe.
class MigrateProcess {
 public:
  MigrateProcess(const std::string& url, const std::filesystem::path& dir) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      const std::string d = dir.string();
      ::execl(MANYDB_MIGRATE_PROCESS, MANYDB_MIGRATE_PROCESS, url.c_str(), "migrate", "up", "--dir",
              d.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    out_fd_ = fds[0];
  }
  ~MigrateProcess() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(out_fd_);
  }
  MigrateProcess(const MigrateProcess&) = delete;
  MigrateProcess& operator=(const MigrateProcess&) = delete;

  // Reads its output until `text` appears in it (true) or it ends or the deadline passes.
  bool printed(std::string_view text) {
    const auto deadline = Clock::now() + kDeadline;
    while (output_.find(text) == std::string::npos) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd p{out_fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buffer[512];
      const auto n = ::read(out_fd_, buffer, sizeof buffer);
      if (n <= 0) return false;
      output_.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }
  bool running() {
    if (exited_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
    exited_ = true;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return false;
  }
  // Its exit status, once it has exited (-1 if it has not by the deadline, or was killed).
  int wait() {
    const auto deadline = Clock::now() + kDeadline;
    while (running() && Clock::now() < deadline) std::this_thread::yield();
    printed("\x01");  // the rest of its output, up to its end
    return exited_ ? status_ : -1;
  }
  // The versions its `bind default: applied ...` line names.
  std::vector<std::int64_t> applied() const {
    std::vector<std::int64_t> out;
    const std::regex line("bind default: applied ([0-9, ]+)\n");
    std::smatch m;
    if (!std::regex_search(output_, m, line)) return out;
    const std::string list = m[1];
    const std::regex number("[0-9]+");
    for (auto it = std::sregex_iterator(list.begin(), list.end(), number);
         it != std::sregex_iterator(); ++it) {
      out.push_back(std::stoll(it->str()));
    }
    return out;
  }
  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string output_;
  bool exited_ = false;
  int status_ = -1;
};

class MigrateProcesses : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    if (IsSkipped() || HasFailure()) return;
    url_ = scratch_database("migproc");
    // A short busy_timeout: a waiting SQLite runner says so after its first one, then waits on.
    if (backend() == Backend::sqlite) {
      url_ += (url_.find('?') == std::string::npos ? "?" : "&") + std::string("busy_timeout=50");
    }
    db_.emplace(DatabaseConfig().set_default(url_));
    holder_ = db_->engine().open_unpooled();
    dir_ = std::filesystem::temp_directory_path() /
           ("manydb-migproc-" + GetParam().name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_ / "default");
    // Without IF NOT EXISTS: a step run twice fails its process.
    std::ofstream(dir_ / "default/0001_one.sql")
        << "-- migrate:up\nCREATE TABLE mp_one (id INTEGER);\n";
    std::ofstream(dir_ / "default/0002_two.sql")
        << "-- migrate:up\nCREATE TABLE mp_two (id INTEGER);\n";
  }
  void TearDown() override {
    lock_.reset();
    holder_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
    EngineTest::TearDown();
  }

  void hold_lock() {
    if (backend() == Backend::sqlite) {
      holder_->begin(TxMode::write);  // BEGIN IMMEDIATE: what each step of a runner takes
    } else {
      lock_ = std::make_unique<migrate::BindLock>(*holder_);
    }
  }
  void release_lock() {
    if (backend() == Backend::sqlite) {
      holder_->rollback();
    } else {
      lock_.reset();
    }
  }
  // How many sessions the server shows waiting for the migration lock of this database; on
  // SQLite, which shows none, -1.
  std::int64_t waiting_on_server() {
    if (backend() == Backend::postgresql) {
      return single_int(*holder_,
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT "
                        "granted AND database = (SELECT oid FROM pg_database WHERE datname = "
                        "current_database())");
    }
    if (backend() == Backend::mariadb) {
      return single_int(*holder_,
                        "SELECT count(*) FROM information_schema.PROCESSLIST WHERE STATE = "
                        "'User lock' AND DB = DATABASE()");
    }
    return -1;
  }
  // A process that has said it waits, and is seen waiting: still running, nothing applied.
  void expect_waiting(MigrateProcess& p, std::int64_t waiting) {
    ASSERT_TRUE(p.printed(kWaiting)) << p.output();
    if (backend() != Backend::sqlite) {
      EXPECT_TRUE(eventually([&] { return waiting_on_server() == waiting; }, kDeadline))
          << waiting_on_server() << " waiting on the server, expected " << waiting;
    }
    EXPECT_TRUE(p.running()) << p.output();
    for (const auto& t : db_->inspect().tables) {
      EXPECT_TRUE(t.name != "mp_one" && t.name != "manydb_migrations") << t.name;
    }
  }

  std::string url_;
  std::optional<Database> db_;
  std::unique_ptr<Connection> holder_;
  std::unique_ptr<migrate::BindLock> lock_;
  std::filesystem::path dir_;
};

TEST_P(MigrateProcesses, OneWaitsWhileTheOtherMigratesAndEachStepRunsOnce) {
  hold_lock();
  MigrateProcess first(url_, dir_);
  expect_waiting(first, 1);
  MigrateProcess second(url_, dir_);
  expect_waiting(second, 2);
  release_lock();

  EXPECT_EQ(first.wait(), 0) << first.output();
  EXPECT_EQ(second.wait(), 0) << second.output();
  auto applied = first.applied();
  const auto more = second.applied();
  applied.insert(applied.end(), more.begin(), more.end());
  std::sort(applied.begin(), applied.end());
  EXPECT_EQ(applied, (std::vector<std::int64_t>{1, 2})) << first.output() << second.output();
  auto result = db_->execute(
      "default", "SELECT version FROM manydb_migrations WHERE bind_name = 'default' ORDER BY 1");
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0][0].as_int64(), 1);
  EXPECT_EQ(result.rows[1][0].as_int64(), 2);
}

INSTANTIATE_TEST_SUITE_P(Engines, MigrateProcesses, ::testing::ValuesIn(engine_cases()),
                         engine_case_name);

}  // namespace
}  // namespace manydb::testing
