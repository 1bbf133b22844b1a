#pragma once
// Holds one bind's migration lock on a connection, from construction to destruction:
// pg_advisory_lock on PostgreSQL, GET_LOCK on MariaDB (both per database, on this session).
// SQLite has none to hold: each step takes the file's write lock (BEGIN IMMEDIATE) instead.
// When another session holds it, `on_wait` is called before waiting for as long as it takes.
#include <cstdint>
#include <functional>

#include "manydb/driver/connection.hpp"

namespace manydb::migrate {

// The key of pg_advisory_lock, and the expression of GET_LOCK's name: what a test holds to
// make a runner wait.
inline constexpr std::int64_t kAdvisoryLockKey = 0x6d616e7964626d31;  // "manydbm1"
inline constexpr const char* kMariadbLockName =
    "CONCAT('manydb_migrations:', LEFT(MD5(DATABASE()), 24))";

class BindLock {
 public:
  explicit BindLock(Connection& connection, const std::function<void()>& on_wait = {});
  ~BindLock();
  BindLock(const BindLock&) = delete;
  BindLock& operator=(const BindLock&) = delete;

 private:
  bool try_lock();
  void wait_for_lock();

  Connection& c_;
  Backend backend_;
};

}  // namespace manydb::migrate
