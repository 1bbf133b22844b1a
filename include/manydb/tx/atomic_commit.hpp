#pragma once
// One commit over several binds, all or none, surviving a crash of the process, of a server or
// of the machine at any instant (docs/sessions.md, "Atomic commit across binds").
//
// Every participant but one is prepared: PostgreSQL and MariaDB by their own two-phase commit;
// SQLite, which cannot prepare, by holding its write lock and having its statements copied into
// the decision. The one left, the decider (a participant that cannot prepare when there is one,
// else the last), writes the decision into its commit log (commit_log.hpp) in its own
// transaction and commits: that commit is the decision. Then every other participant commits.
// Recovery (recovery.hpp) finishes what a crash interrupted, by the log: commit where a
// decision exists, roll back where none does.
#include <span>
#include <string>
#include <vector>

#include "manydb/pool/engine.hpp"
#include "manydb/pool/lease.hpp"
#include "manydb/tx/transaction.hpp"

namespace manydb {

struct Participant {
  Engine* engine = nullptr;
  Lease* lease = nullptr;
  Transaction* tx = nullptr;  // open, on `lease`
  // The branch id the transaction was begun under (Lease::begin), or empty.
  std::string branch;
  // What it ran that may write, for a participant that cannot prepare (Lease::record_writes_into).
  const std::vector<RecordedStatement>* recorded = nullptr;
};

// Commits every participant or none. Before the decision a failure rolls back every
// participant and is rethrown. After it, commit() finishes what it can and throws InDoubt
// naming the binds it could not reach; recovery finishes them. ProgrammingError, with nothing
// committed, when a participant that cannot prepare was written through a connection handed out
// whole (its writes cannot be copied).
void commit_atomically(const std::string& txid, std::span<Participant> participants);

}  // namespace manydb
