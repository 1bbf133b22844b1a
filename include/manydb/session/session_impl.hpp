#pragma once
// Template members of Session and Query (included at the end of session.hpp).
#include <algorithm>
#include <memory>
#include <optional>
#include <type_traits>
#include <unordered_map>

#include "manydb/session/query.hpp"
#include "manydb/session/session.hpp"

namespace manydb {

namespace detail {
// The condition "the primary key of `table` is `key`": get(), get_cached() and the flush's
// UPDATE and DELETE of one object.
inline ExprPtr key_equals(const schema::TableInfo& table, Value key) {
  return make_binary(BinaryOp::equal, make_column(table.primary_key), make_value(std::move(key)));
}
}  // namespace detail

template <schema::Model T>
T& Session::add(T object) {
  check_bind(schema::table_info<T>().bind_or_default());
  return *static_cast<T*>(adopt(std::make_unique<detail::TrackedObject<T>>(std::move(object))));
}

template <auto Member, schema::Model Parent, schema::Model Child>
Child& Session::add_child(Parent& parent, Child child) {
  static_assert(std::is_same_v<typename schema::member_class<decltype(Member)>::type, Child>,
                "manydb::add_child: Member must be a member of the child's model");
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(child.*Member)>, std::int64_t>,
                "manydb::add_child: Member must be a std::int64_t column (the parent's key)");
  const std::size_t column = schema::find_column_index(Member);
  if (column == schema::not_mapped) {
    throw ProgrammingError("add_child(): the member is not a mapped column of " +
                           schema::model_name<Child>());
  }
  detail::Tracked* p = nullptr;
  for (auto it = tracked_.rbegin(); it != tracked_.rend() && !p; ++it) {
    if ((*it)->object == &parent) p = it->get();  // parents are usually the latest added
  }
  if (!p || p->state == detail::Tracked::State::pending_delete) {
    throw ProgrammingError("add_child(): the parent " + schema::model_name<Parent>() +
                           " is not tracked by this session, or is being removed");
  }
  if (p->table->bind_or_default() != schema::table_info<Child>().bind_or_default()) {
    throw ProgrammingError("add_child(): a " + schema::model_name<Parent>() + " and a " +
                           schema::model_name<Child>() + " live on different binds");
  }
  if (p->state == detail::Tracked::State::persistent) {
    child.*Member = p->key().as_int64();  // its key is known already
    return add(std::move(child));
  }
  Child& added = add(std::move(child));
  detail::Tracked& t = *tracked_.back();
  t.parent = p;
  t.link_column = column;
  t.set_link = [](void* object, std::int64_t key) { static_cast<Child*>(object)->*Member = key; };
  return added;
}

template <schema::Model T>
void Session::remove(T& object) {
  detail::Tracked* t = find_address(&object);
  if (t == nullptr) {
    throw ProgrammingError("remove(): this " + schema::model_name<T>() +
                           " is not tracked by the session; load it with get() or load()");
  }
  if (t->state == detail::Tracked::State::pending_insert) {
    t->state = detail::Tracked::State::pending_delete;
    flush_detach(*t);  // never written: nothing to delete
    return;
  }
  t->state = detail::Tracked::State::pending_delete;
  dirty_ = true;
}

template <schema::Model T>
T& Session::track_row(const Cursor& cursor) {
  const auto& table = schema::table_info<T>();
  const Value key = cursor.get_value(table.primary_key);
  if (auto* known = find_identity(table, key)) return *static_cast<T*>(known->object);
  auto t = std::make_unique<detail::TrackedObject<T>>(T{});
  detail::read_row(cursor, t->value_);
  t->take_snapshot();
  t->state = detail::Tracked::State::persistent;
  return *static_cast<T*>(adopt(std::move(t)));
}

template <schema::Model T>
T* Session::get(const schema::primary_key_type<T>& key) {
  const auto& table = schema::table_info<T>();
  Value value(key);
  if (auto* known = find_identity(table, value)) {
    return known->state == detail::Tracked::State::pending_delete ? nullptr
                                                                  : static_cast<T*>(known->object);
  }
  auto results = query<T>().where(Condition<T>(detail::key_equals(table, std::move(value)))).load();
  return results.empty() ? nullptr : results.front();
}

template <schema::Model T>
T& Session::get_or_throw(const schema::primary_key_type<T>& key) {
  if (T* found = get<T>(key)) return *found;
  throw NotFound(schema::model_name<T>() + " " + Value(key).to_display() + " not found",
                 schema::table_info<T>().bind_or_default());
}

template <schema::Model T>
Query<T> Session::query() {
  check_bind(schema::table_info<T>().bind_or_default());
  return Query<T>(*this);
}

// ---- Query<T> ----

template <schema::Model T>
Cursor& Query<T>::run(const std::string& bind, const Statement& statement, bool write) {
  return session_->run(bind, statement, write, from_primary_);
}

template <schema::Model T>
void Query<T>::refuse_for_update_in_autocommit() const {
  if (spec_.for_update && session_->autocommits()) {
    throw ProgrammingError(
        "FOR UPDATE in a session with Begin::never: its locks would end with "
        "the statement; lock inside a transaction (Begin::at_first_use)",
        bind());
  }
}

template <schema::Model T>
std::vector<T> Query<T>::read_rows(Cursor& cursor) {
  std::vector<T> out;
  while (cursor.next()) detail::read_row(cursor, out.emplace_back());
  return out;
}

template <schema::Model T>
std::vector<T> Query<T>::all() {
  // FOR UPDATE locks only inside a transaction: it counts as a write for when to begin.
  refuse_for_update_in_autocommit();
  const std::string& b = bind();
  return read_rows(run(b, compile_select(spec_, session_->dialect_of(b)), spec_.for_update));
}

template <schema::Model T>
void Query<T>::send_for(const std::shared_ptr<detail::SentRead>& read) {
  refuse_for_update_in_autocommit();
  const std::string& b = bind();
  session_->send_read(b, compile_select(spec_, session_->dialect_of(b)), spec_.for_update,
                      from_primary_, read);
}

template <schema::Model T>
Pending<std::vector<T>> Query<T>::send() {
  auto read = std::make_shared<detail::SentReadOf<std::vector<T>>>(&Query::read_rows);
  send_for(read);
  return Pending<std::vector<T>>(session_, std::move(read));
}

template <class R>
std::optional<AnswerWait> Pending<R>::wait_needed() {
  if (read_->done()) return std::nullopt;
  return session_->answer_wait(*read_);
}

// A read not done is still its session's, so the session is alive.
template <class R>
void Pending<R>::abandon() noexcept {
  if (!read_->done()) session_->abandon();
}

template <class R>
R& Pending<R>::get() {
  if (!read_->done()) session_->receive_through(*read_);
  read_->rethrow_error();
  return *read_->value;
}

template <schema::Model T>
std::vector<T*> Query<T>::load() {
  refuse_for_update_in_autocommit();
  const std::string& b = bind();
  auto& cursor = run(b, compile_select(spec_, session_->dialect_of(b)), spec_.for_update);
  std::vector<T*> out;
  while (cursor.next()) out.push_back(&session_->track_row<T>(cursor));
  return out;
}

template <schema::Model T>
std::optional<T> Query<T>::first() {
  Query copy = *this;
  auto rows = copy.limit(1).all();
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

template <schema::Model T>
T Query<T>::one() {
  Query copy = *this;
  auto rows = copy.limit(2).all();
  if (rows.empty()) throw NotFound("one(): no " + schema::model_name<T>() + " matches", bind());
  if (rows.size() > 1) {
    throw MultipleResultsFound("one(): more than one " + schema::model_name<T>() + " matches",
                               bind());
  }
  return std::move(rows.front());
}

template <schema::Model T>
std::int64_t Query<T>::count() {
  const std::string& b = bind();
  auto& cursor = run(b, compile_count(spec_, session_->dialect_of(b)), false);
  cursor.next();
  return cursor.get_int64(0);
}

template <schema::Model T>
bool Query<T>::exists() {
  const std::string& b = bind();
  auto& cursor = run(b, compile_exists(spec_, session_->dialect_of(b)), false);
  const bool found = cursor.next();
  while (cursor.next()) {
  }
  return found;
}

template <schema::Model T>
Page<T> Query<T>::paginate(std::int64_t page, std::int64_t per_page) {
  if (page < 1 || per_page < 1) {
    throw DataError("paginate(): page and per_page start at 1 (got " + std::to_string(page) + ", " +
                    std::to_string(per_page) + ")");
  }
  Page<T> out{{}, page, per_page, count(), 0};
  out.pages = (out.total + per_page - 1) / per_page;
  Query copy = *this;
  out.items = copy.limit(per_page).offset((page - 1) * per_page).all();
  return out;
}

template <schema::Model T>
template <class... Aggregates>
Result Query<T>::aggregate(Aggregates... aggregates) {
  SelectQuery spec = spec_;
  spec.select.clear();
  for (std::size_t column : spec.group_by) spec.select.push_back(detail::make_column(column));
  (spec.select.push_back(aggregates.node), ...);
  const std::string& b = bind();
  return read_all(run(b, compile_select(spec, session_->dialect_of(b)), false));
}

template <schema::Model T>
template <class Compile>
std::int64_t Query<T>::write_everywhere(Compile compile) {
  const TableRoute route = session_->route(*spec_.table);
  const std::int64_t n =
      run(*route.write, compile(session_->dialect_of(*route.write)), true).rows_affected();
  session_->invalidate_cached(*spec_.table);  // which rows it changed is not known
  if (route.mirror) run(*route.mirror, compile(session_->dialect_of(*route.mirror)), true);
  return n;
}

template <schema::Model T>
template <class... Assignments>
std::int64_t Query<T>::update(Assignments... assignments) {
  const std::vector<Assignment> list{assignments...};
  return write_everywhere([&](const Dialect& dialect) {
    return compile_update(*spec_.table, spec_.where, list, dialect);
  });
}

// A moving table's mirror gets the plain UPDATE, with the same WHERE, after the write bind's.
template <schema::Model T>
template <class... Assignments>
std::vector<T> Query<T>::update_returning(Assignments... assignments) {
  const std::vector<Assignment> list{assignments...};
  const TableRoute route = session_->route(*spec_.table);
  const std::string& b = *route.write;
  const Dialect& dialect = session_->dialect_of(b);
  auto mirror = [&] {
    if (!route.mirror) return;
    run(*route.mirror,
        compile_update(*spec_.table, spec_.where, list, session_->dialect_of(*route.mirror)), true);
  };
  // The rows it changed are the rows it returns: only those leave the read cache.
  auto invalidate = [&](const std::vector<T>& rows) {
    for (const T& row : rows)
      session_->invalidate_cached(*spec_.table,
                                  detail::column_value(row, spec_.table->primary_key));
  };
  if (!dialect.supports_update_returning()) {
    if (!session_->autocommits()) {
      auto rows = update_locked_rows(b, list);
      invalidate(rows);
      mirror();
      return rows;
    }
    session_->begin_alone(b);  // the rows read must be the rows updated
    try {
      auto rows = update_locked_rows(b, list);
      session_->commit_alone(b);
      invalidate(rows);
      mirror();
      return rows;
    } catch (...) {
      session_->rollback_alone(b);
      throw;
    }
  }
  auto rows =
      read_rows(run(b, compile_update(*spec_.table, spec_.where, list, dialect, true), true));
  invalidate(rows);
  mirror();
  return rows;
}

// Locked first, so that the rows updated are exactly the rows read, and no other transaction
// changes them between the three statements.
template <schema::Model T>
std::vector<T> Query<T>::update_locked_rows(const std::string& bind,
                                            const std::vector<Assignment>& assignments) {
  const Dialect& dialect = session_->dialect_of(bind);
  const auto& table = *spec_.table;
  SelectQuery matching;  // assigned, not designated: GCC 12 warns about the members left out
  matching.table = &table;
  matching.where = spec_.where;
  matching.for_update = true;
  auto& locked = run(bind, compile_select(matching, dialect), true);
  auto by_key = std::make_shared<ExprNode>();
  by_key->kind = ExprNode::Kind::in_list;
  by_key->children.push_back(detail::make_column(table.primary_key));
  while (locked.next()) {
    by_key->children.push_back(detail::make_value(locked.get_value(table.primary_key)));
  }
  if (by_key->children.size() == 1) return {};
  run(bind, compile_update(table, by_key, assignments, dialect), true);
  SelectQuery updated;
  updated.table = &table;
  updated.where = by_key;
  updated.order.push_back(OrderTerm{.column = table.primary_key});
  return read_rows(run(bind, compile_select(updated, dialect), true));
}

template <schema::Model T>
std::int64_t Query<T>::remove() {
  return write_everywhere(
      [&](const Dialect& dialect) { return compile_delete(*spec_.table, spec_.where, dialect); });
}

// ---- cross-bind loading ----

namespace detail {
template <auto Member, class Column>
constexpr bool maps_member(const Column& column) {
  if constexpr (std::is_same_v<decltype(column.member), decltype(Member)>) {
    return column.member == Member;
  } else {
    return false;
  }
}
template <auto Member, class Tuple, std::size_t... I>
constexpr std::size_t index_of_member(const Tuple& columns, std::index_sequence<I...>) {
  std::size_t found = sizeof...(I);
  ((maps_member<Member>(std::get<I>(columns)) ? (found = I, true) : false), ...);
  return found;
}
template <class Element>
const auto& deref(const Element& e) {
  if constexpr (std::is_pointer_v<Element>) {
    return *e;
  } else {
    return e;
  }
}
template <class K>
void add_key(std::vector<K>& keys, const K& key) {
  keys.push_back(key);
}
template <class K>
void add_key(std::vector<K>& keys, const std::optional<K>& key) {
  if (key) keys.push_back(*key);
}
}  // namespace detail

template <auto Member, class Range>
auto Session::load_related(const Range& children) {
  return std::move(load_related_from<Member>(children, false, false).get());
}

template <auto Member, class Range>
auto Session::load_related(const Range& children, CachedRead) {
  return std::move(load_related_from<Member>(children, true, false).get());
}

template <auto Member, class Range>
auto Session::send_load_related(const Range& children) {
  return load_related_from<Member>(children, false, true);
}

template <auto Member, class Range>
auto Session::send_load_related(const Range& children, CachedRead) {
  return load_related_from<Member>(children, true, true);
}

template <auto Member, class Range>
auto Session::load_related_from(const Range& children, bool use_cache, bool send) {
  using Child = typename schema::member_class<decltype(Member)>::type;
  using Columns = std::decay_t<decltype(detail::mapping_of<Child>.columns)>;
  constexpr std::size_t index = detail::index_of_member<Member>(
      detail::mapping_of<Child>.columns, std::make_index_sequence<std::tuple_size_v<Columns>>{});
  static_assert(index < std::tuple_size_v<Columns>, "manydb::load_related: Member is not mapped");
  constexpr auto target = std::tuple_element_t<index, Columns>::reference;
  static_assert(!std::is_null_pointer_v<std::remove_const_t<decltype(target)>>,
                "manydb::load_related: declare the reference once, with "
                "refers_to<&Parent::key>() on that column of the mapping");
  using Parent = typename schema::member_class<std::remove_const_t<decltype(target)>>::type;
  using Key = typename detail::unwrap_optional<
      std::remove_cvref_t<decltype(std::declval<Parent>().*target)>>::type;
  using Related = std::unordered_map<Key, Parent>;

  std::vector<Key> keys;
  for (const auto& child : children) detail::add_key(keys, detail::deref(child).*Member);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  Related related;
  const auto& parent_table = schema::table_info<Parent>();
  constexpr std::size_t target_index = detail::index_of_member<target>(
      detail::mapping_of<Parent>.columns,
      std::make_index_sequence<
          std::tuple_size_v<std::decay_t<decltype(detail::mapping_of<Parent>.columns)>>>{});
  const CacheRead cache = use_cache && target_index == parent_table.primary_key
                              ? cache_read(parent_table)
                              : CacheRead{};
  if (cache.cache) {
    std::erase_if(keys, [&](const Key& key) {
      const ReadCache::Object hit = cache.cache->find(cache.tenant, Value(key));
      if (hit) related.emplace(key, *static_cast<const Parent*>(hit.get()));
      return hit != nullptr;
    });
  }
  // Adds the rows of `cursor` to `found`, and keeps them in the cache when one is used.
  auto read_into = [cache](Related& found, Cursor& cursor) {
    std::vector<std::pair<Value, ReadCache::Object>> fetched;
    while (cursor.next()) {
      Parent parent;
      detail::read_row(cursor, parent);
      const Key key = parent.*target;
      if (cache.cache) fetched.emplace_back(key, std::make_shared<const Parent>(parent));
      found.emplace(key, std::move(parent));
    }
    if (cache.cache) cache.cache->put(cache.tenant, std::move(fetched), cache.epoch);
  };
  // One IN query per chunk of keys (one chunk below the engines' parameter limits). The list is
  // padded to a power of two so batches of any size share a few prepared statements.
  constexpr std::size_t kChunk = 16384;
  auto query_for = [&](std::size_t start) {
    std::vector<Key> chunk(
        keys.begin() + static_cast<std::ptrdiff_t>(start),
        keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), start + kChunk)));
    std::size_t padded = 1;
    while (padded < chunk.size()) padded *= 2;
    chunk.resize(padded, chunk.back());
    return query<Parent>().where(col(target).in(chunk));
  };
  if (send && !keys.empty() && keys.size() <= kChunk) {
    auto read = std::make_shared<detail::SentReadOf<Related>>(
        [read_into, found = std::move(related)](Cursor& cursor) mutable {
          read_into(found, cursor);
          return std::move(found);
        });
    query_for(0).send_for(read);
    return Pending<Related>(this, std::move(read));
  }
  for (std::size_t start = 0; start < keys.size(); start += kChunk) {
    auto q = query_for(start);
    const std::string& bind = q.bind();
    read_into(related, run(bind, compile_select(q.spec(), dialect_of(bind)), false));
  }
  return Pending<Related>(this, detail::SentReadOf<Related>::ready(std::move(related)));
}

template <schema::Model T>
std::optional<T> Session::get_cached(const schema::primary_key_type<T>& key) {
  const auto& table = schema::table_info<T>();
  check_bind(table.bind_or_default());
  const CacheRead cache = cache_read(table);
  Value value(key);
  if (cache.cache) {
    if (const ReadCache::Object hit = cache.cache->find(cache.tenant, value))
      return *static_cast<const T*>(hit.get());
  }
  auto rows = query<T>().where(Condition<T>(detail::key_equals(table, value))).all();
  if (rows.empty()) return std::nullopt;
  if (cache.cache) {
    std::vector<std::pair<Value, ReadCache::Object>> fetched;
    fetched.emplace_back(std::move(value), std::make_shared<const T>(rows.front()));
    cache.cache->put(cache.tenant, std::move(fetched), cache.epoch);
  }
  return std::move(rows.front());
}

}  // namespace manydb
