#pragma once
// Finishing a prepared branch from a connection other than the one that prepared it: recovery
// does, and so does a commit whose own connection to that bind broke, so that the branch's
// locks are let go now rather than at recovery's next pass.
#include <chrono>
#include <string>

namespace manydb {

class Connection;

enum class BranchEnd {
  finished,     // committed or rolled back here
  gone,         // not listed: finished elsewhere, or never prepared
  owner_alive,  // still refused after `patience`: the session that prepared it lives on
};

// MariaDB refuses to finish a branch while the session that prepared it lives, and ends a
// closed connection's session asynchronously: a branch refused but still listed is tried again
// every 50 ms for up to `patience`. Other errors are thrown.
BranchEnd finish_branch(Connection& connection, const std::string& xid, bool commit,
                        std::chrono::milliseconds patience);

}  // namespace manydb
