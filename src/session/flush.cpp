// Session::flush: pending INSERTs (parents first), UPDATEs of changed columns, DELETEs
// (children first), each on its model's bind inside the session's transaction there.
#include <algorithm>
#include <map>
#include <span>
#include <string>

#include "manydb/schema/ddl.hpp"
#include "manydb/session/session.hpp"

namespace manydb {

using session_detail::Tracked;

namespace {

// Position of each table in parents-before-children order.
std::map<const schema::TableInfo*, std::size_t> dependency_rank(
    const std::vector<Tracked*>& objects) {
  std::vector<const schema::TableInfo*> tables;
  for (const Tracked* t : objects) {
    if (std::find(tables.begin(), tables.end(), t->table) == tables.end())
      tables.push_back(t->table);
  }
  std::map<const schema::TableInfo*, std::size_t> rank;
  const auto ordered = schema::dependency_order(tables);
  for (std::size_t i = 0; i < ordered.size(); ++i) rank[ordered[i]] = i;
  return rank;
}

std::vector<Tracked*> in_state(const std::vector<std::unique_ptr<Tracked>>& all, Tracked::State s) {
  std::vector<Tracked*> out;
  for (const auto& t : all) {
    if (t->state == s) out.push_back(t.get());
  }
  return out;
}

ExprPtr key_equals(const schema::TableInfo& table, const Value& key) {
  return query_detail::make_binary("=", query_detail::make_column(table.primary_key),
                                   query_detail::make_value(key));
}

// A column the database fills in: an auto-increment key or a default_now timestamp left unset.
bool server_fills(const schema::ColumnInfo& c, const Value& v) {
  if (c.primary_key && c.autoincrement) return v == Value(0);
  return c.default_now && v == Value(Timestamp{});
}

}  // namespace

void Session::flush() {
  auto inserts = in_state(tracked_, Tracked::State::pending_insert);
  auto rank = dependency_rank(inserts);
  std::stable_sort(inserts.begin(), inserts.end(),
                   [&](Tracked* a, Tracked* b) { return rank[a->table] < rank[b->table]; });
  insert_all(inserts);
  for (Tracked* t : in_state(tracked_, Tracked::State::persistent)) update(*t);
  auto deletes = in_state(tracked_, Tracked::State::pending_delete);
  rank = dependency_rank(deletes);
  std::stable_sort(deletes.begin(), deletes.end(),
                   [&](Tracked* a, Tracked* b) { return rank[a->table] > rank[b->table]; });
  for (Tracked* t : deletes) erase(*t);
  dirty_ = false;
}

namespace session_detail {
// One pending INSERT: the object's values split into those sent and those the server fills.
struct PendingRow {
  Tracked* t = nullptr;
  std::vector<Value> values;
  std::vector<std::size_t> columns, returning;
};
}  // namespace session_detail

using session_detail::PendingRow;

namespace {

PendingRow pending_row(Tracked& t) {
  PendingRow row{&t, t.ops->values(t.object), {}, {}};
  for (std::size_t i = 0; i < t.table->columns.size(); ++i) {
    (server_fills(t.table->columns[i], row.values[i]) ? row.returning : row.columns).push_back(i);
  }
  return row;
}

// Rows per multi-row INSERT: at most 500, and at most ~32,000 parameters (SQLite's limit is
// 32,766; the servers' 65,535). A short tail is split into powers of two, so that any number
// of objects shares a handful of statement shapes (and prepared statements).
std::size_t batch_size(std::size_t remaining, std::size_t columns) {
  const std::size_t cap = std::max<std::size_t>(
      1, std::min<std::size_t>(500, 32'000 / std::max<std::size_t>(columns, 1)));
  if (remaining >= cap) return cap;
  std::size_t n = 1;
  while (n * 2 <= remaining) n *= 2;
  return n;
}

}  // namespace

// Consecutive objects of one table that send the same columns go out as multi-row
// `INSERT ... VALUES (...), (...) RETURNING ...`; the returned rows come back in VALUES order
// (SQLite, PostgreSQL and MariaDB alike for a plain VALUES list), so row k's generated values
// belong to the batch's k-th object.
void Session::insert_all(const std::vector<Tracked*>& inserts) {
  std::vector<PendingRow> rows;
  rows.reserve(inserts.size());
  for (Tracked* t : inserts) rows.push_back(pending_row(*t));
  std::size_t at = 0;
  while (at < rows.size()) {
    const PendingRow& first = rows[at];
    std::size_t end = at + 1;
    if (!first.columns.empty()) {  // a row of DEFAULT VALUES only goes alone
      while (end < rows.size() && rows[end].t->table == first.t->table &&
             rows[end].columns == first.columns && rows[end].returning == first.returning) {
        ++end;
      }
    }
    while (at < end) {
      const std::size_t n = batch_size(end - at, first.columns.size());
      insert_batch(std::span<PendingRow>(rows.data() + at, n));
      at += n;
    }
  }
}

void Session::insert_batch(std::span<PendingRow> batch) {
  const PendingRow& first = batch.front();
  const auto& table = *first.t->table;
  std::vector<Value> sent;
  sent.reserve(first.columns.size() * batch.size());
  for (PendingRow& row : batch) {
    for (std::size_t c : row.columns) sent.push_back(row.values[c]);
  }
  BindState& b = use(table.bind_or_default(), true);
  const auto statement =
      compile_insert(table, first.columns, std::move(sent), first.returning, b.engine->dialect());
  Cursor& cursor = b.lease.query(statement.sql, statement.params);
  if (!first.returning.empty()) {
    for (PendingRow& row : batch) {
      if (!cursor.next()) {
        throw ProgrammingError("INSERT into " + table.name + " returned fewer rows than it sent (" +
                               std::to_string(batch.size()) + ")");
      }
      for (std::size_t k = 0; k < first.returning.size(); ++k) {
        row.t->ops->read_column(row.t->object, first.returning[k], cursor, k);
      }
    }
  }
  while (cursor.next()) {
  }
  for (PendingRow& row : batch) {
    Tracked& t = *row.t;
    // What was sent is what the object holds, but for the columns just read back.
    t.snapshot = first.returning.empty() ? std::move(row.values) : t.ops->values(t.object);
    t.state = Tracked::State::persistent;
    identity_[session_detail::identity_key(table, t.key())] = &t;
  }
}

void Session::update(Tracked& t) {
  const auto& table = *t.table;
  auto values = t.ops->values(t.object);
  std::vector<Assignment> changed;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i] == t.snapshot[i]) continue;
    if (i == table.primary_key) {
      throw ProgrammingError("the primary key of a tracked " + table.model +
                             " changed; keys are immutable in a session");
    }
    changed.push_back({i, query_detail::make_value(values[i])});
  }
  if (changed.empty()) return;  // an unchanged object costs no statement
  BindState& b = use(table.bind_or_default(), true);
  const auto statement =
      compile_update(table, key_equals(table, t.key()), changed, b.engine->dialect());
  if (b.lease.query(statement.sql, statement.params).rows_affected() != 1) {
    throw NotFound(table.model + " " + t.key().to_display() +
                       " was deleted by someone else; its changes could not be written",
                   table.bind_or_default());
  }
  t.snapshot = std::move(values);
}

void Session::erase(Tracked& t) {
  const auto& table = *t.table;
  BindState& b = use(table.bind_or_default(), true);
  const auto statement = compile_delete(table, key_equals(table, t.key()), b.engine->dialect());
  b.lease.query(statement.sql, statement.params);
  identity_.erase(session_detail::identity_key(table, t.key()));
  flush_detach(t);
}

void Session::flush_detach(Tracked& t) {
  by_address_.erase(t.object);
  auto it = std::find_if(tracked_.begin(), tracked_.end(), [&](auto& p) { return p.get() == &t; });
  detached_.push_back(std::move(*it));
  tracked_.erase(it);
}

}  // namespace manydb
