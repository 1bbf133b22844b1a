#pragma once
// The commit log of manydb's atomic commits: a table `manydb_commit_log` in a bind's own
// database, written only inside transactions that commit anyway, so that it costs no commit of
// its own. One row per transaction id:
//   'C'  the decision to commit, written by the deciding participant's transaction: its commit
//        is the decision. Carries the redo record of the participants that cannot prepare.
//   'A'  recovery's claim that a transaction is aborted; taking the key first makes a decision
//        that comes later fail, so recovery and a slow coordinator never disagree.
//   'R'  a participant that cannot prepare has committed this transaction's writes (its marker,
//        written in that transaction): recovery must not replay them.
#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "manydb/core/value.hpp"
#include "manydb/driver/dialect.hpp"
#include "manydb/pool/engine.hpp"
#include "manydb/pool/lease.hpp"

namespace manydb::commit_log {

inline constexpr std::string_view kTable = "manydb_commit_log";
inline constexpr std::string_view kCommit = "C";
inline constexpr std::string_view kAbort = "A";
inline constexpr std::string_view kReplayed = "R";

inline constexpr std::string_view kInsert =
    "INSERT INTO manydb_commit_log (txid, outcome, decided_at, redo) VALUES (?, ?, ?, ?)";
inline constexpr std::string_view kSelectOne =
    "SELECT outcome FROM manydb_commit_log WHERE txid = ?";
inline constexpr std::string_view kSelectAll =
    "SELECT txid, outcome, decided_at, redo FROM manydb_commit_log";

std::string create_table_statement(const Dialect& dialect);
// Creates the table on `lease` (outside any transaction) unless the engine knows it exists.
void ensure_table(Engine& engine, Lease& lease);

// "DELETE FROM manydb_commit_log WHERE txid IN (?, ...)" for `count` ids.
std::string delete_statement(std::size_t count);

// Deletes the records `ids` in a transaction of their own on `connection` (outside any
// transaction), at READ COMMITTED where the engine's default would lock gaps.
void delete_records(Connection& connection, std::span<const Value> ids);
// Whether the engine's log deletes may ride along inside an application's transaction: not
// where they would lock gaps (see Dialect::read_committed_next_transaction).
bool deletes_ride_along(const Dialect& dialect);

// Milliseconds since the epoch: decided_at.
std::int64_t now_ms();

// Takes `txid`'s key in this log with an abort claim (outside any transaction): true when the
// transaction is now aborted for good, false when the key holds the decision to commit. A
// commit still writing the key makes the claim wait for its end, so the answer is final.
bool claim_abort(Connection& connection, const std::string& txid);

// What a participant that cannot prepare ran, for recovery to run again when it did not commit.
struct RedoRecord {
  std::string bind;
  std::vector<RecordedStatement> statements;
};
Blob encode_redo(std::span<const RedoRecord> records);
// DataError when the bytes are not a redo record.
std::vector<RedoRecord> decode_redo(const Blob& bytes);

// Up to `most` ids from `queue` (under the engine's commit-log mutex), oldest first.
std::vector<std::string> take(Engine& engine,
                              std::vector<std::string> Engine::CommitLogState::*queue,
                              std::size_t most = 256);
void give_back(Engine& engine, std::vector<std::string> Engine::CommitLogState::*queue,
               std::vector<std::string> ids);
// How many ids `queue` holds.
std::size_t queued(Engine& engine, std::vector<std::string> Engine::CommitLogState::*queue);

}  // namespace manydb::commit_log
