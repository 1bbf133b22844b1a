#include "manydb/migrate/runner.hpp"

#include <memory>

#include "bind_migrator.hpp"

namespace manydb::migrate {
namespace {

// A connection of the target's own, held for the whole run: the session-level locks are on it.
class TargetConnection {
 public:
  TargetConnection(Database& db, const Target& target) {
    if (target.tenant.empty()) {
      own_ = db.engine(target.bind).open_unpooled();
    } else {
      // Session cannot move: built in place from the prvalue.
      session_.reset(new Session(db.session({.begin = Begin::never, .tenant = target.tenant})));
    }
    bind_ = target.bind;
  }
  Connection& get() { return own_ ? *own_ : session_->connection(bind_); }

 private:
  std::string bind_;
  std::unique_ptr<Connection> own_;
  std::unique_ptr<Session> session_;
};

template <typename F>
auto with_migrator(Database& db, const Migrations& migrations, const Target& target, F&& f) {
  TargetConnection connection(db, target);
  Connection& c = connection.get();
  BindMigrator migrator(c, target.bind, migrations.steps(target.bind, c.dialect().name()));
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
  return with_migrator(db_, migrations_, target, [](BindMigrator& m) { return m.status(); });
}

std::vector<std::int64_t> Runner::up(const Target& target, std::optional<std::int64_t> to) {
  return with_migrator(db_, migrations_, target, [&](BindMigrator& m) { return m.up(to); });
}

std::vector<std::int64_t> Runner::down(const Target& target, std::optional<std::int64_t> to) {
  return with_migrator(db_, migrations_, target, [&](BindMigrator& m) { return m.down(to); });
}

}  // namespace manydb::migrate
