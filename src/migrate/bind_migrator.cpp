#include "bind_migrator.hpp"

#include <algorithm>

#include "bind_lock.hpp"
#include "manydb/core/errors.hpp"
#include "manydb/migrate/sql_script.hpp"

namespace manydb::migrate {
namespace {

std::string label(const Step& step) {
  return "step " + std::to_string(step.version) + " (" + step.source + ")";
}

// A function step counts as one statement.
std::vector<std::string> statements_of(const StepBody& body) {
  if (const auto* text = std::get_if<std::string>(&body)) return split_statements(*text);
  return {std::string()};
}

void run_one(Connection& c, const StepBody& body, const std::string& statement) {
  if (const auto* function = std::get_if<std::function<void(Connection&)>>(&body)) {
    (*function)(c);
  } else {
    c.execute_script(statement);
  }
}

// What a partial step's checksum covers: the statements that have run.
std::string prefix_checksum(const std::vector<std::string>& statements, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) text += statements[i] + ";\n";
  return checksum(text);
}

bool has_down(const Step& step) {
  const auto* text = std::get_if<std::string>(&step.down);
  return text == nullptr || !split_statements(*text).empty();
}

const AppliedStep* find(const std::vector<AppliedStep>& applied, std::int64_t version) {
  const auto it = std::find_if(applied.begin(), applied.end(),
                               [&](const AppliedStep& a) { return a.version == version; });
  return it == applied.end() ? nullptr : &*it;
}

}  // namespace

const Step* BindMigrator::known(std::int64_t version) const {
  for (const Step* step : steps_) {
    if (step->version == version) return step;
  }
  return nullptr;
}

void BindMigrator::refuse_edited(const std::vector<AppliedStep>& applied) const {
  for (const auto& row : applied) {
    const Step* step = known(row.version);
    if (step == nullptr || !row.finished() || row.checksum == checksum(*step)) continue;
    throw ConfigError("migrations: bind " + bind_ + ": " + label(*step) +
                          " was edited after it was applied (checksum " + row.checksum + ", now " +
                          checksum(*step) + "): restore it and add a new step instead",
                      bind_);
  }
}

const Step* BindMigrator::next_to_apply(const std::vector<AppliedStep>& applied,
                                        std::optional<std::int64_t> to) const {
  for (const Step* step : steps_) {
    if (to && step->version > *to) break;
    const AppliedStep* row = find(applied, step->version);
    if (row == nullptr || !row->finished()) return step;
  }
  return nullptr;
}

void BindMigrator::begin_step() {
  for (;;) {
    try {
      c_.begin(TxMode::write);
      return;
    } catch (const LockTimeout&) {
      // SQLite's busy_timeout passed while another connection held the file's write lock.
      if (c_.dialect().backend() != Backend::sqlite) throw;
      if (!told_waiting_ && on_wait_) on_wait_();
      told_waiting_ = true;
    }
  }
}

std::vector<std::int64_t> BindMigrator::up(std::optional<std::int64_t> to) {
  BindLock lock(c_, on_wait_);
  if (c_.dialect().backend() != Backend::sqlite) table_.create_if_missing();
  std::vector<std::int64_t> done;
  while (apply_next(to, done)) {
  }
  return done;
}

bool BindMigrator::apply_next(std::optional<std::int64_t> to, std::vector<std::int64_t>& done) {
  if (transactional()) {
    begin_step();
    try {
      table_.create_if_missing();
      const auto applied = table_.read();
      refuse_edited(applied);
      const Step* step = next_to_apply(applied, to);
      if (step == nullptr) {
        c_.rollback();
        return false;
      }
      run_in_transaction(*step);
      c_.commit();
      done.push_back(step->version);
      return true;
    } catch (...) {
      if (c_.in_transaction()) c_.rollback();
      throw;
    }
  }
  const auto applied = table_.read();
  refuse_edited(applied);
  const Step* step = next_to_apply(applied, to);
  if (step == nullptr) return false;
  run_statement_by_statement(*step, find(applied, step->version));
  done.push_back(step->version);
  return true;
}

void BindMigrator::run_in_transaction(const Step& step) {
  for (const auto& statement : statements_of(step.up)) run_one(c_, step.up, statement);
  const auto count = static_cast<std::int64_t>(statements_of(step.up).size());
  table_.insert({step.version, step.name, checksum(step), now_ms(), count});
}

// MariaDB commits each DDL statement on its own: the progress is recorded after each one, so
// a step that failed half-way resumes at the statement that failed.
void BindMigrator::run_statement_by_statement(const Step& step, const AppliedStep* partial) {
  const auto statements = statements_of(step.up);
  std::size_t first = 0;
  if (partial != nullptr) {
    first = static_cast<std::size_t>(partial->statements_done);
    if (first > statements.size() || partial->checksum != prefix_checksum(statements, first)) {
      throw ConfigError("migrations: bind " + bind_ + ": " + label(step) + " failed after " +
                            std::to_string(first) +
                            " statements, and those statements were edited since: undo them "
                            "by hand and delete its row from manydb_migrations",
                        bind_);
    }
  } else {
    table_.insert({step.version, step.name, prefix_checksum(statements, 0), 0, 0});
  }
  for (std::size_t i = first; i < statements.size(); ++i) {
    run_one(c_, step.up, statements[i]);
    table_.update_progress(step.version, static_cast<std::int64_t>(i + 1),
                           prefix_checksum(statements, i + 1));
  }
  table_.finish(step.version, checksum(step));
}

std::vector<std::int64_t> BindMigrator::down(std::optional<std::int64_t> to) {
  BindLock lock(c_, on_wait_);
  if (c_.dialect().backend() != Backend::sqlite) table_.create_if_missing();
  std::vector<std::int64_t> done;
  while (undo_newest(to, done) && to) {
  }
  return done;
}

bool BindMigrator::undo_newest(std::optional<std::int64_t> to, std::vector<std::int64_t>& done) {
  if (transactional()) begin_step();
  try {
    if (c_.dialect().backend() == Backend::sqlite) table_.create_if_missing();
    const auto applied = table_.read();
    if (applied.empty() || (to && applied.back().version <= *to)) {
      if (c_.in_transaction()) c_.rollback();
      return false;
    }
    const AppliedStep& newest = applied.back();
    const Step* step = known(newest.version);
    const std::string what = "migrations: bind " + bind_ + ": step " +
                             std::to_string(newest.version) + " (" + newest.name + ")";
    if (step == nullptr) throw ConfigError(what + " is applied but no longer known", bind_);
    if (!newest.finished()) {
      throw ConfigError(what + " failed half-way: finish it with up before undoing it", bind_);
    }
    if (!has_down(*step)) throw ConfigError(what + " has no down part", bind_);
    for (const auto& statement : statements_of(step->down)) run_one(c_, step->down, statement);
    table_.remove(newest.version);
    if (c_.in_transaction()) c_.commit();
    done.push_back(newest.version);
    return true;
  } catch (...) {
    if (c_.in_transaction()) c_.rollback();
    throw;
  }
}

std::vector<StepStatus> BindMigrator::status() {
  const auto applied = table_.exists() ? table_.read() : std::vector<AppliedStep>{};
  std::vector<StepStatus> out;
  for (const Step* step : steps_) {
    StepStatus s{step->version, step->name, step->source};
    s.statements = static_cast<std::int64_t>(statements_of(step->up).size());
    if (const AppliedStep* row = find(applied, step->version)) {
      s.applied_at = row->applied_at;
      s.statements_done = row->statements_done;
      s.state = !row->finished()                   ? StepStatus::State::partial
                : row->checksum != checksum(*step) ? StepStatus::State::edited
                                                   : StepStatus::State::applied;
    }
    out.push_back(std::move(s));
  }
  for (const auto& row : applied) {
    if (known(row.version) != nullptr) continue;
    StepStatus s{row.version,         row.name, "", StepStatus::State::missing, row.applied_at,
                 row.statements_done, 0};
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const StepStatus& a, const StepStatus& b) { return a.version < b.version; });
  return out;
}

}  // namespace manydb::migrate
