#include "bind_lock.hpp"

#include <string>

namespace manydb::migrate {
namespace {

// The answer of a one-row, one-column SELECT: 1 taken, 0 not, -1 NULL (MariaDB: an error).
std::int64_t answer(Connection& c, const std::string& sql, std::initializer_list<Value> params) {
  auto& cursor = c.query(sql, params);
  const std::int64_t value = cursor.next() && !cursor.is_null(0) ? cursor.get_int64(0) : -1;
  c.reset_cursor();
  return value;
}

std::string get_lock(int timeout_s) {
  return std::string("SELECT GET_LOCK(") + kMariadbLockName + ", " + std::to_string(timeout_s) +
         ")";
}

}  // namespace

// PostgreSQL's advisory locks are per database already; MariaDB's are per server, so the name
// carries the database (hashed: names are at most 64 bytes).
BindLock::BindLock(Connection& connection, const std::function<void()>& on_wait)
    : c_(connection), backend_(connection.dialect().backend()) {
  if (backend_ == Backend::sqlite || try_lock()) return;
  if (on_wait) on_wait();
  wait_for_lock();
}

bool BindLock::try_lock() {
  if (backend_ == Backend::postgresql) {
    return answer(c_, "SELECT pg_try_advisory_lock(?)::int", {kAdvisoryLockKey}) == 1;
  }
  const auto taken = answer(c_, get_lock(0), {});
  if (taken < 0) throw OperationalError("GET_LOCK of the migration lock failed", c_.bind());
  return taken == 1;
}

void BindLock::wait_for_lock() {
  if (backend_ == Backend::postgresql) {
    c_.query("SELECT pg_advisory_lock(?)::text", {kAdvisoryLockKey});
    c_.reset_cursor();
    return;
  }
  // GET_LOCK waits at most its timeout, then answers 0: wait again until it is ours.
  for (;;) {
    const auto taken = answer(c_, get_lock(60), {});
    if (taken == 1) return;
    if (taken < 0) throw OperationalError("GET_LOCK of the migration lock failed", c_.bind());
  }
}

BindLock::~BindLock() {
  try {
    if (backend_ == Backend::postgresql) {
      c_.query("SELECT pg_advisory_unlock(?)", {kAdvisoryLockKey});
    } else if (backend_ == Backend::mariadb) {
      c_.query(std::string("SELECT RELEASE_LOCK(") + kMariadbLockName + ")");
    }
    c_.reset_cursor();
  } catch (const Error&) {
    // A lost connection has released its session's locks with it.
  }
}

}  // namespace manydb::migrate
