#include "manydb/migrate/runner.hpp"

#include "bind_migrator.hpp"
#include "target_connection.hpp"

namespace manydb::migrate {
namespace {

template <typename F>
auto with_migrator(Database& db, const Migrations& migrations, const Target& target,
                   const WaitNotice& on_wait, F&& f) {
  TargetConnection connection(db, target);
  Connection& c = connection.get();
  BindMigrator migrator(c, target.bind, migrations.steps(target.bind, c.dialect().name()), [&] {
    if (on_wait) on_wait(target);
  });
  return f(migrator);
}

}  // namespace

std::string_view to_string(StepStatus::State state) {
  switch (state) {
    case StepStatus::State::pending: return "pending";
    case StepStatus::State::applied: return "applied";
    case StepStatus::State::partial: return "partial";
    case StepStatus::State::edited: return "edited";
    case StepStatus::State::missing: return "missing";
  }
  return "?";
}

std::vector<StepStatus> Runner::status(const Target& target) {
  return with_migrator(db_, migrations_, target, on_wait_,
                       [](BindMigrator& m) { return m.status(); });
}

std::vector<std::int64_t> Runner::up(const Target& target, std::optional<std::int64_t> to) {
  return with_migrator(db_, migrations_, target, on_wait_,
                       [&](BindMigrator& m) { return m.up(to); });
}

std::vector<std::int64_t> Runner::down(const Target& target, std::optional<std::int64_t> to) {
  return with_migrator(db_, migrations_, target, on_wait_,
                       [&](BindMigrator& m) { return m.down(to); });
}

}  // namespace manydb::migrate
