#pragma once
// Named places in an atomic commit and in recovery where a test makes the process die at once,
// as a crash would: no destructors, no flushing, nothing sent to the servers. Armed only by the
// environment variable MANYDB_CRASH_AT=<name>[#<n>] (the n-th time the place is reached,
// default the first), a name no configuration file can set. Unarmed, a failpoint costs a
// getenv().
//
// The places: before_prepare, after_prepare (after each participant's prepare),
// after_decision (the decision is durable), between_commits (after each second-phase commit),
// during_recovery (after recovery finished one in-doubt transaction), move_batch_copied (a table
// move's backfill committed a batch on its target, before it ends the source's transaction).
#include <string_view>

namespace manydb {

// The exit status of a process that a failpoint ended.
inline constexpr int kFailpointExitCode = 86;

void failpoint(std::string_view name);

}  // namespace manydb
