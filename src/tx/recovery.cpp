#include "manydb/tx/recovery.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include "manydb/core/errors.hpp"
#include "manydb/driver/connection.hpp"
#include "manydb/observe/log.hpp"
#include "manydb/tx/commit_log.hpp"
#include "manydb/tx/failpoint.hpp"
#include "manydb/tx/finish_branch.hpp"
#include "manydb/tx/transaction_id.hpp"

namespace manydb {

namespace {

struct LogRow {
  std::string outcome;
  std::int64_t decided_at = 0;
  std::optional<Blob> redo;
};

// One bind as recovery sees it, on a connection of its own (not the pool's: recovery neither
// takes the application's connections nor counts in its statements).
struct Node {
  Engine* engine = nullptr;
  std::unique_ptr<Connection> conn;
  bool has_log = false;
  bool absent = false;  // a SQLite file that does not exist: nothing to ask, nothing to hold
  std::map<std::string, LogRow> log;
  std::vector<std::string> branches;  // xids of this bind's in-doubt branches
};

std::optional<bool> negated(std::optional<bool> b) {
  if (b) return !*b;
  return std::nullopt;
}

constexpr std::int64_t kKeepDecisionsMs = 10 * 60 * 1000;  // then a finished decision is trimmed
constexpr std::int64_t kKeepClaimsMs = 60 * 60 * 1000;     // aborts' claims and replay markers
// How long a branch whose MariaDB session may be ending is tried again (finish_branch).
constexpr std::chrono::milliseconds kOwnerPatience{1000};

void read_log(Node& n) {
  try {
    Cursor& rows = n.conn->query(commit_log::kSelectAll, {});
    while (rows.next()) {
      LogRow row{std::string(rows.get_text(1)), rows.get<std::int64_t>(2), std::nullopt};
      if (!rows.is_null(3)) row.redo = rows.get<Blob>(3);
      n.log.emplace(std::string(rows.get_text(0)), std::move(row));
    }
    n.has_log = true;
  } catch (const ProgrammingError&) {
    n.has_log = false;  // no such table: this bind never took part in an atomic commit
  }
}

void list_branches(Node& n) {
  if (!n.engine->dialect().prepares()) return;
  std::string own;
  try {
    own = branch_tag(*n.engine);
  } catch (const ConfigError&) {
    return;  // a bind whose name no branch can carry never took part in an atomic commit
  }
  for (auto& xid : n.conn->prepared_transactions(kBranchPrefix)) {
    const auto id = parse_branch_id(xid);
    if (id && id->tag == own) n.branches.push_back(std::move(xid));
  }
}

class Recovery {
 public:
  Recovery(const std::vector<Engine*>& engines, const RecoveryOptions& options)
      : options_(options) {
    for (Engine* e : engines) nodes_.push_back(Node{e, nullptr, false, false, {}, {}});
  }

  RecoveryReport run() {
    for (Node& n : nodes_) open(n);
    // Every log before any branch: a decision read after a bind's branches were listed could
    // be of a branch prepared after that listing.
    for (Node& n : nodes_) guarded(n, [&] { read_log(n); });
    for (Node& n : nodes_) guarded(n, [&] { list_branches(n); });
    finish_branches();
    replay_missing();
    if (!options_.dry_run && report_.unreachable.empty()) trim();
    return std::move(report_);
  }

 private:
  void open(Node& n) {
    // A SQLite file that does not exist yet holds nothing to recover: opening it would create
    // it, and race with the application's own first connection setting its journal mode.
    const Url& url = n.engine->url();
    if (n.engine->dialect().runs_in_process() &&
        (url.is_memory() || !std::filesystem::exists(url.database))) {
      n.absent = true;
      return;
    }
    try {
      ConnectOptions o;
      o.bind = n.engine->bind();
      o.connect_timeout = std::chrono::milliseconds(5000);
      o.statement_timeout = std::chrono::milliseconds(30000);
      n.conn = connect(n.engine->url(), o);
    } catch (const Error& e) {
      unreachable(n, e);
    }
  }
  template <class F>
  void guarded(Node& n, F&& f) {
    if (!n.conn) return;
    try {
      f();
    } catch (const Error& e) {
      unreachable(n, e);
    }
  }
  void unreachable(Node& n, const Error& e) {
    report_.unreachable.push_back(n.engine->bind() + ": " + e.what());
    n.conn.reset();
  }
  bool acts_on(const std::string& txid) const {
    return !options_.only || options_.only->contains(txid);
  }
  void note(const std::string& txid, const std::string& bind, std::string what) {
    report_.actions.push_back({txid, bind, std::move(what)});
  }

  // txid -> the nodes holding one of its branches.
  std::map<std::string, std::vector<std::pair<Node*, std::string>>> in_doubt_branches() {
    std::map<std::string, std::vector<std::pair<Node*, std::string>>> by_txid;
    for (Node& n : nodes_) {
      for (const auto& xid : n.branches) by_txid[parse_branch_id(xid)->txid].emplace_back(&n, xid);
    }
    return by_txid;
  }

  bool decided_commit(const std::string& txid) const {
    for (const Node& n : nodes_) {
      auto it = n.log.find(txid);
      if (it != n.log.end() && it->second.outcome == commit_log::kCommit) return true;
    }
    return false;
  }

  // Takes the transaction's key in every log: true when it is now aborted for good, false when
  // a decision to commit turned up, nullopt when a log could not be asked.
  std::optional<bool> claim_abort(const std::string& txid) {
    for (const Node& n : nodes_) {
      if (!n.conn && !n.absent) return std::nullopt;  // could be the decider
    }
    for (Node& n : nodes_) {
      if (!n.has_log) continue;
      try {
        if (!commit_log::claim_abort(*n.conn, txid)) return false;
      } catch (const Error& e) {
        unreachable(n, e);
        return std::nullopt;
      }
    }
    return true;
  }

  void finish_branches() {
    for (auto& [txid, branches] : in_doubt_branches()) {
      report_.in_doubt.insert(txid);
      if (!acts_on(txid)) continue;
      std::optional<bool> commit = decided_commit(txid);
      if (!*commit && !options_.dry_run) commit = negated(claim_abort(txid));
      for (auto& [node, xid] : branches) finish(*node, txid, xid, commit);
      failpoint("during_recovery");
    }
  }

  void finish(Node& n, const std::string& txid, const std::string& xid,
              std::optional<bool> commit) {
    const std::string& bind = n.engine->bind();
    if (!commit) {
      ++report_.left;
      return note(txid, bind, "left in doubt: a bind that may hold its decision is unreachable");
    }
    if (options_.dry_run) return note(txid, bind, *commit ? "would commit" : "would roll back");
    if (!n.conn) {
      ++report_.left;
      return note(txid, bind, "left in doubt: unreachable");
    }
    try {
      switch (finish_branch(*n.conn, xid, *commit, kOwnerPatience)) {
        case BranchEnd::finished: break;
        case BranchEnd::gone: return note(txid, bind, "finished elsewhere");
        case BranchEnd::owner_alive:
          ++report_.left;
          return note(txid, bind, "left in doubt: the connection that prepared it is still open");
      }
      ++(*commit ? report_.committed : report_.rolled_back);
      n.engine->metrics().recovered();
      note(txid, bind, *commit ? "committed" : "rolled back");
    } catch (const Error& e) {
      ++report_.left;
      note(txid, bind, std::string("left in doubt: ") + e.what());
    }
  }

  Node* node_of(const std::string& bind) {
    for (Node& n : nodes_) {
      if (n.engine->bind() == bind) return &n;
    }
    return nullptr;
  }

  // Decisions whose participants that cannot prepare did not commit: their writes run again,
  // with the marker, in one transaction that first checks for the marker under the write lock.
  void replay_missing() {
    for (Node& decider : nodes_) {
      for (const auto& [txid, row] : decider.log) {
        if (row.outcome != commit_log::kCommit || !row.redo) continue;
        for (const auto& record : commit_log::decode_redo(*row.redo)) {
          Node* n = node_of(record.bind);
          if (!n || !n->conn || !decider.conn) {
            ++report_.left;
            note(txid, record.bind, "left: its bind is unreachable or not configured");
            continue;
          }
          guarded(*n, [&] { replay(*n, decider, txid, record); });
        }
      }
    }
  }

  bool decision_still_there(Node& decider, const std::string& txid) {
    Cursor& c = decider.conn->query(commit_log::kSelectOne, {Value(txid)});
    const bool there = c.next() && c.get_text(0) == commit_log::kCommit;
    decider.conn->reset_cursor();
    return there;
  }

  void replay(Node& n, Node& decider, const std::string& txid,
              const commit_log::RedoRecord& record) {
    n.conn->begin(TxMode::write);
    Cursor& marker = n.conn->query(commit_log::kSelectOne, {Value(txid)});
    const bool done = marker.next();
    n.conn->reset_cursor();
    // Under the write lock, a missing marker means a missing commit only while the decision is
    // still there: a finished transaction's decision is deleted before its marker.
    const bool trimmed = !done && !decision_still_there(decider, txid);
    if (trimmed) return n.conn->rollback();
    if (!done) report_.in_doubt.insert(txid);
    if (done || options_.dry_run) {
      n.conn->rollback();
      if (!done) note(txid, n.engine->bind(), "would replay");
      return;
    }
    for (const auto& st : record.statements) n.conn->query(st.sql, st.params);
    const Value row[] = {txid, commit_log::kReplayed, commit_log::now_ms(), Value()};
    n.conn->query(commit_log::kInsert, row);
    n.conn->commit();
    ++report_.replayed;
    n.engine->metrics().recovered();
    note(txid, n.engine->bind(), "replayed");
    failpoint("during_recovery");
  }

  // Old records nobody needs: decisions with nothing left in doubt, claims and markers.
  void trim() {
    const std::int64_t now = commit_log::now_ms();
    for (Node& n : nodes_) {
      if (!n.conn || !n.has_log) continue;
      std::vector<Value> ids;
      for (const auto& [txid, row] : n.log) {
        const std::int64_t age = now - row.decided_at;
        const bool old_decision = row.outcome == commit_log::kCommit && age > kKeepDecisionsMs &&
                                  !report_.in_doubt.contains(txid);
        const bool old_other = row.outcome != commit_log::kCommit && age > kKeepClaimsMs;
        if (old_decision || old_other) ids.emplace_back(txid);
      }
      if (ids.empty()) continue;
      guarded(n, [&] { commit_log::delete_records(*n.conn, ids); });
    }
  }

  const RecoveryOptions& options_;
  std::vector<Node> nodes_;
  RecoveryReport report_;
};

}  // namespace

RecoveryReport recover(const std::vector<Engine*>& engines, const RecoveryOptions& options) {
  return Recovery(engines, options).run();
}

std::string RecoveryReport::to_text() const {
  std::ostringstream out;
  out << in_doubt.size() << " in doubt: committed " << committed << ", rolled back " << rolled_back
      << ", replayed " << replayed << ", left " << left << "\n";
  for (const auto& a : actions) out << "  " << a.txid << "  " << a.bind << "  " << a.what << "\n";
  for (const auto& u : unreachable) out << "  unreachable: " << u << "\n";
  return out.str();
}

RecoveryThread::RecoveryThread(std::vector<Engine*> engines, std::chrono::milliseconds interval)
    : engines_(std::move(engines)), interval_(interval), thread_([this] { run(); }) {}

RecoveryThread::~RecoveryThread() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

RecoveryReport RecoveryThread::first_pass() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [this] { return first_.has_value(); });
  return *first_;
}

namespace {
// A pass that found nothing says nothing. What it finished is info; what it left (a bind that
// could not be asked, a transaction it could not end) is warn, as it stays locked meanwhile.
void log_pass(const RecoveryReport& report) {
  if (!report.in_doubt.empty()) {
    log_with(report.left > 0 ? LogLevel::warn : LogLevel::info, "", [&] {
      return "recovery: " + std::to_string(report.in_doubt.size()) + " in doubt: committed " +
             std::to_string(report.committed) + ", rolled back " +
             std::to_string(report.rolled_back) + ", replayed " + std::to_string(report.replayed) +
             ", left " + std::to_string(report.left);
    });
  }
  for (const auto& a : report.actions) {
    log_with(LogLevel::debug, a.bind, [&] { return "recovery: " + a.txid + " " + a.what; });
  }
  for (const auto& u : report.unreachable) {
    log_with(LogLevel::warn, "", [&] { return "recovery: unreachable: " + u; });
  }
}
}  // namespace

void RecoveryThread::run() {
  std::set<std::string> seen;
  bool first = true;
  for (;;) {
    RecoveryOptions options;
    if (!first) options.only = &seen;
    RecoveryReport report;
    try {
      report = recover(engines_, options);
      seen = report.in_doubt;
    } catch (const std::exception& e) {
      // A damaged record or an unexpected failure: the next pass tries again.
      report.unreachable.push_back(e.what());
    }
    log_pass(report);
    std::unique_lock lock(mutex_);
    if (first) {
      first_ = std::move(report);
      wake_.notify_all();
    }
    first = false;
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
  }
}

}  // namespace manydb
