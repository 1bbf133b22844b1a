#pragma once
// How a connection waits for a SQLite file's lock that another process holds. SQLite's own busy
// handler sleeps 1, 2, 5, 10 ... up to 100 ms between tries: against a process whose writers
// queue at their own WriteGate and hand the lock on at once, it finds the lock taken at each
// wake-up and waited 34 s of a 49 s table move's backfill (a shop writing the same file). This
// one tries again after 50 us, doubling to 1 ms, until the busy timeout has passed.
#include <sqlite3.h>

#include <chrono>

namespace manydb::engines::sqlite {

class BusyWait {
 public:
  // Installs it on `db`, which must not outlive it.
  void install(sqlite3* db, std::chrono::milliseconds timeout);

 private:
  static int on_busy(void* self, int tries);

  std::chrono::milliseconds timeout_{0};
  std::chrono::steady_clock::time_point started_;
};

}  // namespace manydb::engines::sqlite
