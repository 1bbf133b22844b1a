#pragma once
// Applies and undoes the steps of one bind, in that bind's database or in one tenant's
// (docs/migrations.md). The bind's table manydb_migrations records what is applied.
//
//   manydb::migrate::Runner runner(db, manydb::migrate::Migrations::from_directory("migrations"));
//   runner.up("default");          // every pending step
//   runner.down("default", 3);     // undo the steps after version 3
//
// Two runners never migrate one bind at once: a lock per bind (pg_advisory_lock, GET_LOCK,
// SQLite's write lock per step), after which the applied steps are read again. A runner waits
// for that lock for as long as it takes, and says so first (Runner's on_wait).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/database/database.hpp"
#include "manydb/migrate/migrations.hpp"

namespace manydb::migrate {

struct StepStatus {
  enum class State {
    pending,
    applied,
    partial,  // MariaDB: a step that failed after some of its statements committed
    edited,   // applied, but its up part has changed since (checksum differs)
    missing   // applied, but no step of this version is known any more
  };
  std::int64_t version = 0;
  std::string name;
  std::string source;
  State state = State::pending;
  std::int64_t applied_at = 0;       // milliseconds since the epoch; 0 when not applied
  std::int64_t statements_done = 0;  // of a partial step
  std::int64_t statements = 0;       // of the step as known now
};
std::string_view to_string(StepStatus::State state);

// Where to migrate: a shared bind, or a tenant bind in one tenant's database.
struct Target {
  std::string bind = "default";
  std::string tenant{};  // empty: a shared bind
};

// Called when another runner holds the target's migration lock, before this one waits for it.
using WaitNotice = std::function<void(const Target&)>;

class Runner {
 public:
  Runner(Database& db, const Migrations& migrations, WaitNotice on_wait = {})
      : db_(db), migrations_(migrations), on_wait_(std::move(on_wait)) {}

  // Every known and every applied step of the target, in version order.
  std::vector<StepStatus> status(const Target& target);
  // Applies the pending steps up to `to` (every one when empty), in order; returns the versions
  // applied. Refuses (ConfigError naming the file and the version) when an applied step was
  // edited. A step that fails is rolled back (PostgreSQL, SQLite) or, on MariaDB, keeps the
  // statements that ran: the next up resumes at the failed statement.
  std::vector<std::int64_t> up(const Target& target, std::optional<std::int64_t> to = {});
  // Undoes the applied steps after version `to`, newest first (only the newest one when
  // empty); returns the versions undone.
  std::vector<std::int64_t> down(const Target& target, std::optional<std::int64_t> to = {});

 private:
  Database& db_;
  const Migrations& migrations_;
  WaitNotice on_wait_;
};

}  // namespace manydb::migrate
