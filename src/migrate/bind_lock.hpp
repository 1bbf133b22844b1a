#pragma once
// Holds one bind's migration lock on a connection, from construction to destruction:
// pg_advisory_lock on PostgreSQL, GET_LOCK on MariaDB (both per database, on this session).
// SQLite has none to hold: each step takes the file's write lock (BEGIN IMMEDIATE) instead.
#include "manydb/driver/connection.hpp"

namespace manydb::migrate {

class BindLock {
 public:
  explicit BindLock(Connection& connection);
  ~BindLock();
  BindLock(const BindLock&) = delete;
  BindLock& operator=(const BindLock&) = delete;

 private:
  Connection& c_;
  Backend backend_;
};

}  // namespace manydb::migrate
