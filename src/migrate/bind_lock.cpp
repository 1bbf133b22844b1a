#include "bind_lock.hpp"

namespace manydb::migrate {
namespace {

// Any fixed key: PostgreSQL's advisory locks are per database already.
constexpr std::int64_t kAdvisoryKey = 0x6d616e7964626d31;  // "manydbm1"
// MariaDB's are per server: the name carries the database (hashed: names are at most 64 bytes).
constexpr const char* kMariadbLockName = "CONCAT('manydb_migrations:', LEFT(MD5(DATABASE()), 24))";

}  // namespace

BindLock::BindLock(Connection& connection)
    : c_(connection), backend_(connection.dialect().backend()) {
  if (backend_ == Backend::postgresql) {
    c_.query("SELECT pg_advisory_lock(?)::text", {kAdvisoryKey});
    c_.reset_cursor();
  } else if (backend_ == Backend::mariadb) {
    // GET_LOCK waits at most its timeout, then answers 0: wait again until it is ours.
    for (;;) {
      auto& cursor = c_.query(std::string("SELECT GET_LOCK(") + kMariadbLockName + ", 60)");
      // NULL: an error (the server killed the wait); 0: the timeout passed.
      const bool answered = cursor.next() && !cursor.is_null(0);
      const bool taken = answered && cursor.get_int64(0) == 1;
      c_.reset_cursor();
      if (taken) break;
      if (!answered) throw OperationalError("GET_LOCK of the migration lock failed", c_.bind());
    }
  }
}

BindLock::~BindLock() {
  try {
    if (backend_ == Backend::postgresql) {
      c_.query("SELECT pg_advisory_unlock(?)", {kAdvisoryKey});
    } else if (backend_ == Backend::mariadb) {
      c_.query(std::string("SELECT RELEASE_LOCK(") + kMariadbLockName + ")");
    }
    c_.reset_cursor();
  } catch (const Error&) {
    // A lost connection has released its session's locks with it.
  }
}

}  // namespace manydb::migrate
