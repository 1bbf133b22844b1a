#include "manydb/tx/atomic_commit.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <utility>

#include "manydb/core/errors.hpp"
#include "manydb/tx/commit_log.hpp"
#include "manydb/tx/failpoint.hpp"
#include "manydb/tx/finish_branch.hpp"
#include "manydb/tx/transaction_id.hpp"

namespace manydb {

namespace {

using commit_log::kInsert;

// How long a branch whose MariaDB session is ending may be tried again on a new connection:
// the request waits that much longer only when its connection to that bind broke.
constexpr std::chrono::milliseconds kOwnerPatience{1000};

// Where the log's deletes run after the commit rather than inside it, they wait until this many
// finished decisions have gathered: one round trip for them all.
constexpr std::size_t kDeletesAfterCommit = 32;

bool prepares(const Participant& p) { return p.engine->dialect().prepares(); }

// The last participant that cannot prepare, else the last one.
std::size_t pick_decider(std::span<Participant> parts) {
  for (std::size_t i = parts.size(); i-- > 0;) {
    if (!prepares(parts[i])) return i;
  }
  return parts.size() - 1;
}

std::string list_binds(const std::vector<std::string>& binds) {
  std::string out;
  for (const auto& b : binds) out += (out.empty() ? "'" : ", '") + b + "'";
  return out;
}

// Deletes of log records that finished transactions no longer need, sent within a transaction
// that writes the log on `engine` anyway.
struct Trims {
  std::vector<Value> decisions, markers;
  std::string decisions_sql, markers_sql;
  std::vector<std::string> decided;  // the ids in `decisions`, to queue their markers after

  void take_from(Engine& engine, bool decisions_too) {
    if (decisions_too) decided = commit_log::take(engine, &Engine::CommitLogState::decisions_done);
    for (auto& id : decided) decisions.emplace_back(id);
    for (auto& id : commit_log::take(engine, &Engine::CommitLogState::markers_done))
      markers.emplace_back(std::move(id));
    if (!decisions.empty()) decisions_sql = commit_log::delete_statement(decisions.size());
    if (!markers.empty()) markers_sql = commit_log::delete_statement(markers.size());
  }
  void add_to(Batch& batch) const {
    if (!decisions.empty()) batch.add(decisions_sql, decisions);
    if (!markers.empty()) batch.add(markers_sql, markers);
  }
  void give_back(Engine& engine) {
    if (!decided.empty())
      commit_log::give_back(engine, &Engine::CommitLogState::decisions_done, std::move(decided));
    std::vector<std::string> ids;
    for (auto& v : markers) ids.push_back(v.as_text());
    if (!ids.empty())
      commit_log::give_back(engine, &Engine::CommitLogState::markers_done, std::move(ids));
  }
};

class Coordinator {
 public:
  Coordinator(const std::string& txid, std::span<Participant> parts)
      : txid_(txid), parts_(parts), decider_(pick_decider(parts)), xids_(parts.size()) {
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (i == decider_ || !prepares(parts_[i])) continue;
      xids_[i] = parts_[i].branch.empty() ? branch_id(txid_, branch_tag(*parts_[i].engine))
                                          : parts_[i].branch;
    }
  }

  void run() {
    refuse_unrecorded_writes();
    failpoint("before_prepare");
    try {
      prepare_all();
    } catch (...) {
      abort_all();
      throw;
    }
    decide();
    failpoint("after_decision");
    finish_all();
    trim_after_commit();
  }

 private:
  bool is_redo(std::size_t i) const { return i != decider_ && !prepares(parts_[i]); }

  void refuse_unrecorded_writes() const {
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (!is_redo(i) || !parts_[i].lease->record_incomplete()) continue;
      throw ProgrammingError("bind '" + parts_[i].engine->bind() +
                                 "': written through Session::connection(), so its writes cannot "
                                 "be part of an atomic commit over several SQLite files; use "
                                 "Session::execute(), or commit = best_effort",
                             parts_[i].engine->bind());
    }
  }

  // Participants that cannot prepare write their marker (and trim old ones); the others prepare.
  void prepare_all() {
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (!is_redo(i)) continue;
      parts_[i].lease->record_writes_into(nullptr);  // the marker is not part of the redo
      Trims trims;
      trims.take_from(*parts_[i].engine, false);
      const Value marker[] = {txid_, commit_log::kReplayed, commit_log::now_ms(), Value()};
      Batch batch;
      batch.add(kInsert, marker);
      trims.add_to(batch);
      try {
        parts_[i].lease->run(batch);
      } catch (...) {
        trims.give_back(*parts_[i].engine);
        throw;
      }
    }
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (xids_[i].empty()) continue;
      preparing_ = i;
      parts_[i].lease->connection().prepare_transaction(xids_[i]);
      parts_[i].engine->metrics().prepared();
      prepared_.push_back(i);
      failpoint("after_prepare");
    }
  }

  Blob redo_record() const {
    std::vector<commit_log::RedoRecord> records;
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (!is_redo(i)) continue;
      records.push_back({parts_[i].engine->bind(), *parts_[i].recorded});
    }
    return commit_log::encode_redo(records);
  }

  // The decider's log record and COMMIT: its commit is the decision.
  void decide() {
    Participant& d = parts_[decider_];
    Trims trims;
    if (commit_log::deletes_ride_along(d.engine->dialect())) trims.take_from(*d.engine, true);
    const bool any_redo = has_redo();
    const Value record[] = {txid_, commit_log::kCommit, commit_log::now_ms(),
                            any_redo ? Value(redo_record()) : Value()};
    Batch batch;
    batch.add(kInsert, record);
    trims.add_to(batch);
    try {
      d.tx->commit_with(batch);
    } catch (const CommitInDoubt& e) {
      trims.give_back(*d.engine);
      settle_lost_decision(e);
    } catch (...) {
      trims.give_back(*d.engine);
      abort_all();
      throw;
    }
    queue_markers(trims.decided);  // their decisions are gone: their markers may go next
  }

  // Where the log's deletes cannot ride along in the decision (their gap locks would make
  // concurrent decisions deadlock on MariaDB), the decider's finished decisions are deleted after
  // the commit on its connection, once enough have gathered. The commit is made: a failure here
  // only gives the ids back for a later commit (or recovery) to delete.
  void trim_after_commit() noexcept {
    Engine& engine = *parts_[decider_].engine;
    constexpr auto kDone = &Engine::CommitLogState::decisions_done;
    if (commit_log::deletes_ride_along(engine.dialect()) ||
        commit_log::queued(engine, kDone) < kDeletesAfterCommit)
      return;
    std::vector<std::string> ids = commit_log::take(engine, kDone);
    try {
      const std::vector<Value> values(ids.begin(), ids.end());
      commit_log::delete_records(parts_[decider_].lease->connection(), values);
      queue_markers(ids);
    } catch (...) {
      commit_log::give_back(engine, kDone, std::move(ids));
    }
  }

  bool has_redo() const {
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (is_redo(i)) return true;
    }
    return false;
  }

  // Trimmed decisions named their redo participants only in the record; the markers of every
  // engine of this session are queued (a delete of an id that has no marker there is harmless).
  void queue_markers(const std::vector<std::string>& ids) {
    if (ids.empty()) return;
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (!prepares(parts_[i]))
        commit_log::give_back(*parts_[i].engine, &Engine::CommitLogState::markers_done, ids);
    }
  }

  // The decision's COMMIT was lost in flight. Unless the server stopped answering (it would
  // only be waited for again), a new connection to the decider settles it at once: an abort
  // claim under the transaction's key waits for the lost commit to end, then takes the key (the
  // decision was not made and never will be: everything rolls back) or finds the decision (the
  // commit goes on). Otherwise it is left in doubt, for recovery.
  void settle_lost_decision(const CommitInDoubt& e) {
    Participant& d = parts_[decider_];
    std::optional<bool> aborted;
    try {
      if (!d.lease->connection().timed_out()) {
        d.lease->discard();
        aborted = commit_log::claim_abort(*d.engine->open_unpooled(), txid_);
      }
    } catch (...) {
    }
    if (!aborted) in_doubt_at_decision(e);
    if (!*aborted) return;
    abort_all();
    throw ConnectionError("atomic commit " + txid_ + ": the connection to bind '" +
                              d.engine->bind() + "' was lost while it committed the decision (" +
                              e.what() + "); it was not made, and nothing was committed",
                          d.engine->bind(), e.code());
  }

  // The decision's COMMIT was lost in flight: it may have been made or not. The participants
  // that cannot prepare let go of their locks (recovery replays them if it was made); the
  // prepared ones stay for recovery.
  [[noreturn]] void in_doubt_at_decision(const Error& e) {
    std::vector<std::string> unfinished;
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (is_redo(i)) parts_[i].tx->rollback();
      unfinished.push_back(parts_[i].engine->bind());
      parts_[i].engine->metrics().left_in_doubt();
    }
    throw InDoubt("atomic commit " + txid_ + ": the decision's commit on bind '" +
                      parts_[decider_].engine->bind() + "' was lost in flight (" + e.what() +
                      "); recovery will finish binds " + list_binds(unfinished),
                  txid_, unfinished);
  }

  // Before the decision: every participant rolled back, never throwing.
  void abort_all() noexcept {
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (is_prepared(i) || (i == preparing_ && connection_broke(i))) {
        // A PREPARE whose answer was lost may have been made: its branch is rolled back too.
        if (!end_branch(i, false)) parts_[i].lease->discard();  // recovery: it has no decision
        continue;
      }
      parts_[i].tx->rollback();
    }
  }

  bool is_prepared(std::size_t i) const {
    return std::find(prepared_.begin(), prepared_.end(), i) != prepared_.end();
  }

  bool connection_broke(std::size_t i) const noexcept {
    try {
      return parts_[i].lease->connection().broken();
    } catch (...) {
      return true;  // the lease lost its connection
    }
  }

  // Commits or rolls back participant i's branch on its own connection or, when that one broke,
  // on a new one, so that the branch's locks go now rather than at recovery's next pass (not
  // after a timeout: a server that does not answer would only be waited for again). False when
  // the branch is left to recovery.
  bool end_branch(std::size_t i, bool commit) noexcept {
    Participant& p = parts_[i];
    try {
      if (!connection_broke(i)) {
        Connection& c = p.lease->connection();
        commit ? c.commit_prepared(xids_[i]) : c.rollback_prepared(xids_[i]);
        p.engine->metrics().branch_ended(commit);
        return true;
      }
    } catch (const NotFound&) {
      return true;  // its own session says it is gone: recovery finished it already
    } catch (const Timeout&) {
      p.lease->discard();
      return false;
    } catch (...) {
    }
    p.lease->discard();  // MariaDB lets another session finish the branch once this one ends
    try {
      auto fresh = p.engine->open_unpooled();
      const BranchEnd end = finish_branch(*fresh, xids_[i], commit, kOwnerPatience);
      if (end == BranchEnd::finished) p.engine->metrics().branch_ended(commit);
      return end != BranchEnd::owner_alive;
    } catch (...) {
      return false;
    }
  }

  void finish_all() {
    std::vector<std::string> unfinished;
    for (std::size_t i = 0; i < parts_.size(); ++i) {
      if (!is_redo(i)) continue;
      try {
        parts_[i].tx->commit();
      } catch (const Error&) {
        parts_[i].tx->rollback();  // recovery replays it from the decision
        unfinished.push_back(parts_[i].engine->bind());
        parts_[i].engine->metrics().left_in_doubt();
      }
      failpoint("between_commits");
    }
    for (std::size_t i : prepared_) {
      if (!end_branch(i, true)) {
        unfinished.push_back(parts_[i].engine->bind());
        parts_[i].engine->metrics().left_in_doubt();
      }
      failpoint("between_commits");
    }
    if (!unfinished.empty()) {
      throw InDoubt("atomic commit " + txid_ + " was decided (committed on bind '" +
                        parts_[decider_].engine->bind() + "') but could not finish on binds " +
                        list_binds(unfinished) + "; recovery will finish them",
                    txid_, unfinished);
    }
    commit_log::give_back(*parts_[decider_].engine, &Engine::CommitLogState::decisions_done,
                          {txid_});
  }

  const std::string& txid_;
  std::span<Participant> parts_;
  const std::size_t decider_;
  std::vector<std::string> xids_;  // per participant: its branch id when it prepares
  std::vector<std::size_t> prepared_;
  std::optional<std::size_t> preparing_;  // the participant whose PREPARE was sent last
};

}  // namespace

void commit_atomically(const std::string& txid, std::span<Participant> participants) {
  if (participants.empty()) return;
  Coordinator(txid, participants).run();
}

}  // namespace manydb
