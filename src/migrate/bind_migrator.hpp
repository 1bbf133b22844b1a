#pragma once
// The steps of one bind applied or undone on one connection to its database (a shared bind's,
// or a tenant's): what Runner does once it has the connection.
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "manydb/driver/connection.hpp"
#include "manydb/migrate/runner.hpp"
#include "version_table.hpp"

namespace manydb::migrate {

class BindMigrator {
 public:
  BindMigrator(Connection& connection, std::string bind, std::vector<const Step*> steps,
               std::function<void()> on_wait = {})
      : c_(connection),
        bind_(bind),
        steps_(std::move(steps)),
        table_(connection, bind),
        on_wait_(std::move(on_wait)) {}

  std::vector<StepStatus> status();
  std::vector<std::int64_t> up(std::optional<std::int64_t> to);
  std::vector<std::int64_t> down(std::optional<std::int64_t> to);

 private:
  // The step's transaction; on SQLite BEGIN IMMEDIATE, the file's write lock and so the bind's
  // migration lock: waited for as long as another runner (or any writer) holds it.
  void begin_step();
  bool transactional() const { return c_.dialect().backend() != Backend::mariadb; }
  const Step* known(std::int64_t version) const;
  // ConfigError naming the file and the version when a finished step's up part has changed.
  void refuse_edited(const std::vector<AppliedStep>& applied) const;
  // The next step to apply (pending or, on MariaDB, partial) at or below `to`; null: none.
  const Step* next_to_apply(const std::vector<AppliedStep>& applied,
                            std::optional<std::int64_t> to) const;
  // Applies one step: true when one was pending. Reads the version table again first.
  bool apply_next(std::optional<std::int64_t> to, std::vector<std::int64_t>& done);
  void run_in_transaction(const Step& step);
  void run_statement_by_statement(const Step& step, const AppliedStep* partial);
  bool undo_newest(std::optional<std::int64_t> to, std::vector<std::int64_t>& done);

  Connection& c_;
  std::string bind_;  // a tenant session's connection names no bind of its own
  std::vector<const Step*> steps_;
  VersionTable table_;
  std::function<void()> on_wait_;
  bool told_waiting_ = false;
};

}  // namespace manydb::migrate
