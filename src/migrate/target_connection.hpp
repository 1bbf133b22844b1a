#pragma once
// A connection of a migration target's own, held for the whole run: a shared bind's unpooled
// connection, or a tenant bind's in that tenant's database (through a session). The runner's
// session-level locks are taken on it.
#include <memory>
#include <string>

#include "manydb/database/database.hpp"
#include "manydb/migrate/runner.hpp"

namespace manydb::migrate {

class TargetConnection {
 public:
  TargetConnection(Database& db, const Target& target) : bind_(target.bind) {
    if (target.tenant.empty()) {
      own_ = db.engine(target.bind).open_unpooled();
    } else {
      // Session cannot move: built in place from the prvalue.
      session_.reset(new Session(db.session({.begin = Begin::never, .tenant = target.tenant})));
    }
  }
  Connection& get() { return own_ ? *own_ : session_->connection(bind_); }

 private:
  std::string bind_;
  std::unique_ptr<Connection> own_;
  std::unique_ptr<Session> session_;
};

}  // namespace manydb::migrate
