// A process for the crash tests of atomic commits (tests/engines/atomic_commit_test.cpp), which
// run it with MANYDB_CRASH_AT set so that a failpoint ends it mid-commit, as a crash would.
//   atomic_crasher commit URL_A URL_B KEY   inserts KEY into atomic_t on both binds, one session
//   atomic_crasher recover URL_A URL_B      runs recovery over both binds
// Exits 0 when it finished, 2 on an error, and the failpoint's status when one ended it.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "manydb/manydb.hpp"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: atomic_crasher commit|recover URL_A URL_B [KEY]\n");
    return 2;
  }
  const std::string mode = argv[1];
  try {
    manydb::DatabaseConfig config;
    config.set_default(argv[2]);
    config.add_bind("other", argv[3]);
    config.recovery_interval = std::chrono::milliseconds(0);
    manydb::Database db(config);
    if (mode == "recover") {
      std::fputs(db.recover().to_text().c_str(), stdout);
      return 0;
    }
    const std::int64_t key = std::atoll(argv[4]);
    auto s = db.session();
    s.execute("default", "INSERT INTO atomic_t (k, v) VALUES (?, ?)", {key, "a"});
    s.execute("other", "INSERT INTO atomic_t (k, v) VALUES (?, ?)", {key, "b"});
    s.commit();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "atomic_crasher: %s\n", e.what());
    return 2;
  }
}
