// Session::flush: pending INSERTs (parents first), UPDATEs of changed columns, DELETEs
// (children first), each on its model's bind inside the session's transaction there.
#include <algorithm>
#include <map>

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
  for (Tracked* t : inserts) insert(*t);
  for (Tracked* t : in_state(tracked_, Tracked::State::persistent)) update(*t);
  auto deletes = in_state(tracked_, Tracked::State::pending_delete);
  rank = dependency_rank(deletes);
  std::stable_sort(deletes.begin(), deletes.end(),
                   [&](Tracked* a, Tracked* b) { return rank[a->table] > rank[b->table]; });
  for (Tracked* t : deletes) erase(*t);
  dirty_ = false;
}

void Session::insert(Tracked& t) {
  const auto& table = *t.table;
  const std::string& bind = table.bind_or_default();
  auto values = t.ops->values(t.object);
  std::vector<std::size_t> columns, returning;
  std::vector<Value> sent;
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    if (server_fills(table.columns[i], values[i])) {
      returning.push_back(i);
    } else {
      columns.push_back(i);
      sent.push_back(std::move(values[i]));
    }
  }
  BindState& b = use(bind, true);
  const auto statement =
      compile_insert(table, columns, std::move(sent), returning, b.engine->dialect());
  Cursor& cursor = b.lease.query(statement.sql, statement.params);
  if (!returning.empty() && cursor.next()) {
    for (std::size_t k = 0; k < returning.size(); ++k) {
      t.ops->read_column(t.object, returning[k], cursor, k);
    }
  }
  while (cursor.next()) {
  }
  t.snapshot = t.ops->values(t.object);
  t.state = Tracked::State::persistent;
  identity_[session_detail::identity_key(table, t.key())] = &t;
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
