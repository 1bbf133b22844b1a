#pragma once
// s.query<T>(): a typed query over T's bind, compiled to that bind's dialect with bound values.
// all(), first() and one() return values and track nothing (the read-only path); load()
// returns tracked objects from the session's identity map, for changing them.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "manydb/core/errors.hpp"
#include "manydb/query/compile.hpp"
#include "manydb/session/pending.hpp"
#include "manydb/session/row_mapping.hpp"

namespace manydb {

class Session;

template <class T>
struct Page {
  std::vector<T> items;
  std::int64_t page = 1;
  std::int64_t per_page = 0;
  std::int64_t total = 0;  // rows matching, over all pages
  std::int64_t pages = 0;
};

template <schema::Model T>
class Query {
 public:
  explicit Query(Session& session) : session_(&session) { spec_.table = &schema::table_info<T>(); }

  Query& where(const Condition<T>& condition) {
    spec_.where = spec_.where
                      ? detail::make_binary(BinaryOp::logical_and, spec_.where, condition.node())
                      : condition.node();
    return *this;
  }
  template <class M, class X>
  Query& filter_by(M T::*member, const X& value) {
    return where(col(member) == value);
  }
  template <class... Terms>
  Query& order_by(Terms... terms) {
    (spec_.order.push_back(terms), ...);
    return *this;
  }
  Query& limit(std::int64_t n) {
    spec_.limit = n;
    return *this;
  }
  Query& offset(std::int64_t n) {
    spec_.offset = n;
    return *this;
  }
  // Locks the selected rows until the session's transaction ends (PostgreSQL, MariaDB); on
  // SQLite the transaction's write lock already covers the whole file.
  // Reads this query from the bind's primary even where replicas could serve it (a read that
  // must see every commit made anywhere until now).
  Query& from_primary() {
    from_primary_ = true;
    return *this;
  }
  Query& for_update() {
    spec_.for_update = true;
    return *this;
  }
  template <class... Members>
  Query& group_by(Members... members) {
    (spec_.group_by.push_back(col(members).node()->column), ...);
    return *this;
  }

  std::vector<T> all();
  // all(), sent ahead (session/pending.hpp): returns at once; get() waits for the rows.
  Pending<std::vector<T>> send();
  std::vector<T*> load();
  std::optional<T> first();
  T one();
  std::int64_t count();
  bool exists();
  Page<T> paginate(std::int64_t page, std::int64_t per_page);
  // Grouped report rows: the group_by columns, then each aggregate.
  template <class... Aggregates>
  Result aggregate(Aggregates... aggregates);
  // Bulk UPDATE / DELETE of the matching rows; returns the rows matched (on every engine).
  // Objects the session already loaded are not refreshed.
  template <class... Assignments>
  std::int64_t update(Assignments... assignments);
  // The same UPDATE, returning the rows it changed as they are after it (untracked, in no
  // promised order): one statement (UPDATE ... RETURNING) on PostgreSQL and SQLite. MariaDB
  // has no UPDATE RETURNING: there the matching rows are locked (SELECT ... FOR UPDATE),
  // exactly those are updated by primary key and then read back, three statements in the
  // session's transaction (with Begin::never, in a transaction of their own).
  template <class... Assignments>
  std::vector<T> update_returning(Assignments... assignments);
  std::int64_t remove();

  const SelectQuery& spec() const { return spec_; }

 private:
  friend class Session;
  // Sends this query's SELECT for `read` (Session::send_read).
  void send_for(const std::shared_ptr<detail::SentRead>& read);
  // Where this query reads (a moving table's reads may have moved), asked once per call so
  // that a statement is compiled for the bind it runs on.
  const std::string& bind() const { return *session_->route(*spec_.table).read; }
  Cursor& run(const std::string& bind, const Statement& statement, bool write);
  // The bulk write `compile(dialect)` on the table's write bind, then on its mirror where the
  // table is moving; the write bind's rows affected.
  template <class Compile>
  std::int64_t write_everywhere(Compile compile);
  static std::vector<T> read_rows(Cursor& cursor);
  std::vector<T> update_locked_rows(const std::string& bind,
                                    const std::vector<Assignment>& assignments);
  void refuse_for_update_in_autocommit() const;

  Session* session_;
  SelectQuery spec_;
  bool from_primary_ = false;
};

}  // namespace manydb
