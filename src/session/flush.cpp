// Session::flush: pending INSERTs (parents first), UPDATEs of changed columns, DELETEs
// (children first), each on its model's bind inside the session's transaction there.
#include <algorithm>
#include <array>
#include <map>
#include <span>
#include <string>

#include "manydb/schema/ddl.hpp"
#include "manydb/session/session.hpp"

namespace manydb {

using detail::key_equals;
using detail::Tracked;

namespace {

// Stable-sorts `objects` parents before children (children first when `reverse`), keeping the
// order of add() within a table.
void sort_by_dependency(std::vector<Tracked*>& objects, bool reverse) {
  std::vector<const schema::TableInfo*> tables;
  for (const Tracked* t : objects) {
    if (std::find(tables.begin(), tables.end(), t->table) == tables.end())
      tables.push_back(t->table);
  }
  if (tables.size() < 2) return;  // one table: nothing to order
  std::map<const schema::TableInfo*, std::size_t> rank;
  const auto ordered = schema::dependency_order(tables);
  for (std::size_t i = 0; i < ordered.size(); ++i)
    rank[ordered[i]] = reverse ? ordered.size() - i : i;
  std::stable_sort(objects.begin(), objects.end(),
                   [&](Tracked* a, Tracked* b) { return rank[a->table] < rank[b->table]; });
}

std::vector<Tracked*> in_state(const std::vector<std::unique_ptr<Tracked>>& all, Tracked::State s) {
  std::vector<Tracked*> out;
  for (const auto& t : all) {
    if (t->state == s) out.push_back(t.get());
  }
  return out;
}

// A column the database fills in: an auto-increment key or a default_now timestamp left unset.
bool server_fills(const schema::ColumnInfo& c, const Value& v) {
  if (c.primary_key && c.autoincrement) return v == Value(0);
  return c.default_now && v == Value(Timestamp{});
}

}  // namespace

void Session::flush() { flush_statements(false); }

// With `commit_last`, the flush's last statement goes out together with its bind's COMMIT
// (Transaction::commit_with, one round trip less where the engine pipelines) when that bind holds
// the session's only open transaction, so that committing it first keeps the documented order. Only
// an INSERT or a DELETE can be that statement: an UPDATE checks the rows it matched, and that check
// must still be able to stop the commit.
void Session::flush_statements(bool commit_last) {
  auto inserts = in_state(tracked_, Tracked::State::pending_insert);
  sort_by_dependency(inserts, false);
  const auto persistent = in_state(tracked_, Tracked::State::persistent);
  auto deletes = in_state(tracked_, Tracked::State::pending_delete);
  sort_by_dependency(deletes, true);
  // An INSERT is the last statement only if no UPDATE or DELETE follows; whether an UPDATE will
  // is asked only then, so a plain flush() compares each object with its snapshot once.
  const bool insert_is_last =
      commit_last && !inserts.empty() && deletes.empty() &&
      std::none_of(persistent.begin(), persistent.end(), [&](const Tracked* t) {
        t->ops->changed(t->object, t->snapshot, changed_);
        return !changed_.empty();
      });
  insert_all(inserts, insert_is_last);
  for (Tracked* t : persistent) update(*t);
  for (std::size_t k = 0; k < deletes.size(); ++k)
    erase(*deletes[k], commit_last && k + 1 == deletes.size());
  dirty_ = false;
}

bool Session::sole_open_transaction(const BindState& b) const {
  return b.lease.in_transaction() &&
         std::none_of(binds_.begin(), binds_.end(), [&](const BindState& other) {
           return &other != &b && other.lease.in_transaction();
         });
}

namespace detail {
// What a run of INSERTs into one table sends, and what the server fills in for them (read back
// with RETURNING).
struct InsertShape {
  const schema::TableInfo* table = nullptr;
  std::vector<std::size_t> columns, returning;
};
}  // namespace detail

using detail::InsertShape;

namespace {

// Clears `out`, then lists the columns of `t` that the server fills in. Only a key or a
// timestamp column can be one, so no other member is turned into a Value here.
void server_filled(const Tracked& t, std::vector<std::size_t>& out) {
  out.clear();
  const auto& columns = t.table->columns;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto& c = columns[i];
    if (((c.primary_key && c.autoincrement) || c.default_now) &&
        server_fills(c, t.ops->column_value(t.object, i))) {
      out.push_back(i);
    }
  }
}

InsertShape shape_of(const schema::TableInfo& table, const std::vector<std::size_t>& returning) {
  InsertShape shape{&table, {}, returning};
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    if (std::find(returning.begin(), returning.end(), i) == returning.end())
      shape.columns.push_back(i);
  }
  return shape;
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

namespace {

// An add_child() object whose parent is not inserted yet: it cannot go in the parent's batch.
bool waits(const Tracked& t) { return t.parent && t.parent->state != Tracked::State::persistent; }

// Gives an add_child() object its parent's key, once the parent's row is in.
void resolve_link(Tracked& t) {
  if (!t.parent) return;
  if (t.parent->state != Tracked::State::persistent) {
    throw ProgrammingError("add_child(): a " + t.table->model + " comes before its parent " +
                           t.parent->table->model +
                           ", which was removed or is not ordered first (declare the column "
                           "with references<> to the parent's table)");
  }
  t.set_link(t.object, t.parent->key().as_int64());
  t.parent = nullptr;
}

// Reads what the server filled in for each object of `batch`, one returned row each, in order.
void read_returned(Cursor& cursor, std::span<Tracked* const> batch, const InsertShape& shape) {
  if (!shape.returning.empty()) {
    for (Tracked* t : batch) {
      if (!cursor.next()) {
        throw ProgrammingError("INSERT into " + shape.table->name +
                               " returned fewer rows than it sent (" +
                               std::to_string(batch.size()) + ")");
      }
      for (std::size_t k = 0; k < shape.returning.size(); ++k) {
        t->ops->read_column(t->object, shape.returning[k], cursor, k);
      }
    }
  }
  while (cursor.next()) {
  }
}

// Runs one statement of a flush and hands its rows to `read`; with `commit`, as the last of
// `tx`, with its COMMIT (one round trip where the engine pipelines).
template <class Read>
void run_flush_statement(Lease& lease, Transaction& tx, const Statement& statement, bool commit,
                         Read&& read) {
  if (!commit) return read(lease.query(statement.sql, statement.params, false));
  Batch last;
  last.add(statement.sql, statement.params, std::forward<Read>(read));
  tx.commit_with(last);
}

}  // namespace

// Consecutive objects of one table that send the same columns go out as multi-row
// `INSERT ... VALUES (...), (...) RETURNING ...`; the returned rows come back in VALUES order
// (SQLite, PostgreSQL and MariaDB alike for a plain VALUES list), so row k's generated values
// belong to the batch's k-th object.
void Session::insert_all(const std::vector<Tracked*>& inserts, bool commit_last) {
  identity_.reserve(identity_.size() + inserts.size());
  std::vector<std::size_t> filled;
  std::size_t at = 0;
  while (at < inserts.size()) {
    resolve_link(*inserts[at]);
    server_filled(*inserts[at], filled);
    const InsertShape shape = shape_of(*inserts[at]->table, filled);
    std::size_t end = at + 1;
    if (!shape.columns.empty()) {  // a row of DEFAULT VALUES only goes alone
      for (; end < inserts.size() && inserts[end]->table == shape.table && !waits(*inserts[end]);
           ++end) {
        resolve_link(*inserts[end]);
        server_filled(*inserts[end], filled);
        if (filled != shape.returning) break;
      }
    }
    const auto rest = std::span<Tracked* const>(inserts).subspan(end);
    if (const std::size_t n =
            end == at + 1 ? children_to_send_with(*inserts[at], rest, shape) : 0) {
      insert_with_children(*inserts[at], shape, rest.first(n),
                           commit_last && end + n == inserts.size());
      at = end + n;
      continue;
    }
    while (at < end) {
      const std::size_t n = batch_size(end - at, shape.columns.size());
      const bool last = commit_last && at + n == inserts.size();
      insert_batch(std::span<Tracked* const>(inserts.data() + at, n), shape, last);
      at += n;
    }
  }
}

void Session::insert_batch(std::span<Tracked* const> batch, const InsertShape& shape,
                           bool commit_last) {
  const auto& table = *shape.table;
  std::vector<Value> sent;
  sent.reserve(shape.columns.size() * batch.size());
  for (const Tracked* t : batch) t->ops->append_values(t->object, shape.returning, sent);
  const TableRoute route = this->route(table);
  BindState& b = use(*route.write, true);
  b.wrote = true;
  const auto statement =
      compile_insert(table, shape.columns, std::move(sent), shape.returning, b.engine->dialect());
  // A mirrored INSERT follows this one: this one cannot go out with the COMMIT.
  const bool commit = commit_last && !route.mirror && sole_open_transaction(b);
  run_flush_statement(b.lease, b.tx, statement, commit,
                      [&](Cursor& cursor) { read_returned(cursor, batch, shape); });
  if (route.mirror) insert_mirror(batch, *route.mirror);
  for (Tracked* t : batch) mark_inserted(*t);
}

// The rows just inserted on a moving table's write bind, on its mirror too: every column
// given, the keys and defaults the write bind filled in included, so both hold the same row.
void Session::insert_mirror(std::span<Tracked* const> batch, const std::string& mirror) {
  const auto& table = *batch.front()->table;
  std::vector<std::size_t> every(table.columns.size());
  for (std::size_t i = 0; i < every.size(); ++i) every[i] = i;
  std::vector<Value> sent;
  sent.reserve(every.size() * batch.size());
  for (const Tracked* t : batch) t->ops->append_values(t->object, {}, sent);
  BindState& m = use(mirror, true);
  m.wrote = true;
  const auto statement = compile_insert(table, every, std::move(sent), {}, m.engine->dialect());
  auto& cursor = m.lease.query(statement.sql, statement.params, false);
  while (cursor.next()) {
  }
}

// How many of the objects after a parent that goes alone are its add_child() children that can
// go out with it, in one round trip: where the engine pipelines and reads a generated key from
// its sequence (PostgreSQL), and only when the parent's key is generated, not given.
std::size_t Session::children_to_send_with(const Tracked& parent, std::span<Tracked* const> rest,
                                           const InsertShape& parent_shape) {
  if (rest.empty() || rest.front()->parent != &parent) return 0;
  const auto& table = *parent.table;
  // A moving table's rows may go to another bind, or to a mirror too: the plain path does that.
  if (const TableMoves* moves = engines_.moves()) {
    const auto& child = *rest.front()->table;
    if (moves->find(table.name, table.bind_or_default()) ||
        moves->find(child.name, child.bind_or_default())) {
      return 0;
    }
  }
  if (std::find(parent_shape.returning.begin(), parent_shape.returning.end(), table.primary_key) ==
          parent_shape.returning.end() ||
      !dialect_of(table.bind_or_default()).pipelines() ||
      dialect_of(table.bind_or_default()).sequence_key_sql().empty()) {
    return 0;
  }
  std::vector<std::size_t> first, filled;
  server_filled(*rest.front(), first);
  std::size_t n = 0;
  for (; n < rest.size() && rest[n]->parent == &parent && rest[n]->table == rest.front()->table;
       ++n) {
    server_filled(*rest[n], filled);
    if (filled != first) break;
  }
  return batch_size(n, rest.front()->table->columns.size() + 2);
}

// The parent's INSERT and its children's in one round trip (one Batch): each child's
// link column takes the key the parent's sequence has just given, and after the rows come back
// its member is set to the parent's key, as resolve_link() would have.
void Session::insert_with_children(Tracked& parent, const InsertShape& parent_shape,
                                   std::span<Tracked* const> children, bool commit_last) {
  const auto& table = *parent.table;
  BindState& b = use(table.bind_or_default(), true);  // no moving table: see above
  b.wrote = true;
  const Dialect& dialect = b.engine->dialect();
  std::vector<Value> sent;
  parent.ops->append_values(parent.object, parent_shape.returning, sent);
  const auto first =
      compile_insert(table, parent_shape.columns, std::move(sent), parent_shape.returning, dialect);
  std::vector<std::size_t> filled;
  server_filled(*children.front(), filled);
  const InsertShape shape = shape_of(*children.front()->table, filled);
  const std::size_t link = children.front()->link_column;
  const auto at = static_cast<std::size_t>(
      std::find(shape.columns.begin(), shape.columns.end(), link) - shape.columns.begin());
  const std::string& key = table.columns[table.primary_key].name;
  const std::array<Value, 3> sequence_of{
      Value(dialect.quote_identifier(table.name)), Value(key),
      Value("\"manydb: " + table.name + "." + key + " has no sequence\"")};
  std::vector<Value> values;
  for (const Tracked* t : children) {
    const std::size_t row = values.size();
    t->ops->append_values(t->object, shape.returning, values);
    values[row + at] = sequence_of[0];
    values.insert(values.begin() + static_cast<std::ptrdiff_t>(row + at + 1),
                  sequence_of.begin() + 1, sequence_of.end());
  }
  const auto second = compile_insert(*shape.table, shape.columns, std::move(values),
                                     shape.returning, dialect, link);
  Tracked* const parents[] = {&parent};
  Batch batch;
  batch.add(first.sql, first.params,
            [&](Cursor& cursor) { read_returned(cursor, parents, parent_shape); });
  batch.add(second.sql, second.params,
            [&](Cursor& cursor) { read_returned(cursor, children, shape); });
  if (commit_last && sole_open_transaction(b)) {
    b.tx.commit_with(batch);
  } else {
    b.lease.run(batch);
  }
  mark_inserted(parent);
  for (Tracked* t : children) resolve_link(*t);
  for (Tracked* t : children) mark_inserted(*t);
}

void Session::mark_inserted(Tracked& t) {
  t.take_snapshot();  // what was sent, and the values just read back
  t.state = Tracked::State::persistent;
  identity_[{t.table, t.key()}] = &t;
}

void Session::update(Tracked& t) {
  t.ops->changed(t.object, t.snapshot, changed_);
  if (changed_.empty()) return;  // an unchanged object costs no statement
  const auto& table = *t.table;
  std::vector<Assignment> changed;
  for (std::size_t i : changed_) {
    if (i == table.primary_key) {
      throw ProgrammingError("the primary key of a tracked " + table.model +
                             " changed; keys are immutable in a session");
    }
    changed.push_back({i, detail::make_value(t.ops->column_value(t.object, i))});
  }
  const TableRoute route = this->route(table);
  BindState& b = use(*route.write, true);
  b.wrote = true;
  const auto statement =
      compile_update(table, key_equals(table, t.key()), changed, b.engine->dialect());
  // No row matched the key: the row was deleted since it was read (a lost update).
  if (b.lease.query(statement.sql, statement.params, false).rows_affected() != 1) {
    throw StaleDataError(table.model + " " + t.key().to_display() + " (table '" + table.name +
                             "') was deleted by someone else; its changes could not be written",
                         *route.write, ErrorCodes{}, statement.sql);
  }
  invalidate_cached(table, t.key());
  // On the mirror the row may not be copied yet (the backfill copies it later): no check.
  if (route.mirror) {
    BindState& m = use(*route.mirror, true);
    m.wrote = true;
    const auto again =
        compile_update(table, key_equals(table, t.key()), changed, m.engine->dialect());
    m.lease.query(again.sql, again.params, false);
  }
  t.take_snapshot();
}

void Session::erase(Tracked& t, bool commit_last) {
  const auto& table = *t.table;
  const TableRoute route = this->route(table);
  BindState& b = use(*route.write, true);
  b.wrote = true;
  const auto statement = compile_delete(table, key_equals(table, t.key()), b.engine->dialect());
  const bool commit = commit_last && !route.mirror && sole_open_transaction(b);
  run_flush_statement(b.lease, b.tx, statement, commit, [](Cursor&) {});
  if (route.mirror) {
    BindState& m = use(*route.mirror, true);
    m.wrote = true;
    const auto again = compile_delete(table, key_equals(table, t.key()), m.engine->dialect());
    m.lease.query(again.sql, again.params, false);
  }
  invalidate_cached(table, t.key());
  identity_.erase({&table, t.key()});
  flush_detach(t);
}

void Session::flush_detach(Tracked& t) {
  if (by_address_built_) by_address_.erase(t.object);
  auto it = std::find_if(tracked_.begin(), tracked_.end(), [&](auto& p) { return p.get() == &t; });
  detached_.push_back(std::move(*it));
  tracked_.erase(it);
}

}  // namespace manydb
