#pragma once
// A unit of work over every bind: add, remove, flush, commit, rollback; an identity map per
// (model, primary key); change tracking of loaded objects. Belongs to one thread at a time.
//
// Transactions open lazily, one per bind, at the bind's first use (on SQLite at its first
// write, so reads do not take the file's write lock). On a bind with read replicas, reads
// before the session's first write there go to one replica, chosen at the first of them, each
// read in autocommit; writes, FOR UPDATE, raw SQL and every statement after the session wrote
// to the bind go to the primary (docs/replicas.md). commit() flushes, then commits: a session
// that wrote to several binds commits them atomically (SessionOptions::commit,
// tx/atomic_commit.hpp), one that wrote to one bind commits it alone.
#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "manydb/core/errors.hpp"
#include "manydb/core/result.hpp"
#include "manydb/pool/engine.hpp"
#include "manydb/query/compile.hpp"
#include "manydb/routing/binds.hpp"
#include "manydb/routing/consistency_token.hpp"
#include "manydb/session/pending.hpp"
#include "manydb/session/tracked.hpp"
#include "manydb/tx/transaction.hpp"

namespace manydb {

template <schema::Model T>
class Query;

// When a session opens its transaction on a bind.
enum class Begin {
  // At the session's first statement on the bind: every read shares the transaction (one
  // snapshot under REPEATABLE READ, MariaDB's default).
  at_first_use,
  // At the first write, FOR UPDATE or connection()/execute() on the bind: reads before it run
  // in autocommit, each its own snapshot. A read-only request then costs no BEGIN and no
  // ROLLBACK round trip per bind.
  at_first_write,
  // Never: every statement commits on its own (autocommit, Django's default), one round trip
  // with no BEGIN or COMMIT. commit() flushes, and each INSERT, UPDATE or DELETE of the flush
  // is its own transaction; rollback() only forgets what was not flushed. update_returning()
  // on MariaDB, which takes three statements there, runs them in a transaction of their own.
  // FOR UPDATE is refused: its locks would end with its statement.
  never,
};

// How commit() ends a session that wrote to several binds (docs/sessions.md).
enum class Commit {
  // All binds or none, whatever crashes when: two-phase commit with a durable decision, and
  // recovery. A session that wrote to one bind commits as best_effort does, at no extra cost.
  atomic,
  // The binds one after another, in the order of first use: a failure on bind k leaves binds
  // 1..k-1 committed (PartialCommit), and a crash between two commits leaves half the work.
  best_effort,
};

// Asks a read to take rows from the model's read cache where it has one (Database::cache_reads):
// session.load_related<&OrderItem::product_id>(items, manydb::cached). Without a cache for the
// model, or in a session that wrote to the model's bind, the read goes to the database as usual.
struct CachedRead {};
inline constexpr CachedRead cached{};

struct SessionOptions {
  std::string only_bind{};  // non-empty: a session for this one bind; other binds are refused
  // SQLite always begins at the first write (its BEGIN IMMEDIATE takes the file's write lock).
  Begin begin = Begin::at_first_use;
  // Begin::never sessions commit each statement on its own, so they are always best_effort.
  Commit commit = Commit::atomic;
  // Reads of a bind with replicas see at least the commits this token names there (another
  // session's consistency_token(), from any thread or process): a replica serves them only once
  // it has replayed the token's position, else the primary does (ReplicaSettings::token_wait).
  ConsistencyToken read_after{};
  // The tenant whose databases the tenant binds reach in this session (docs/tenants.md); the
  // shared binds are reached as usual. Checked when the session opens: ConfigError for an
  // invalid id, UnknownTenant for one never created. Empty: a tenant bind is an error.
  std::string tenant{};
  // false: a read sent ahead (Query<T>::send, send_load_related) runs at once, as the blocking
  // call would, and get() only hands over its rows. To measure what sending ahead saves, or to
  // rule it out.
  bool send_ahead = true;
};

class Session {
 public:
  // Over the binds of a Database (Database::session() makes one); they must outlive it.
  explicit Session(Binds& binds, SessionOptions options = {});
  ~Session();  // rolls back what was not committed
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Routes `object` to its model's bind; the returned reference lives as long as the session.
  template <schema::Model T>
  T& add(T object);
  // Adds `child`, whose integer column `Member` takes the primary key of `parent` (added to
  // this session, on the same bind) when the parent's row is inserted: no flush() in between
  // to learn the key. On PostgreSQL the INSERTs of a parent and of the children that follow it
  // go out in one round trip, the children reading the key from the parent's sequence.
  template <auto Member, schema::Model Parent, schema::Model Child>
  Child& add_child(Parent& parent, Child child);
  // Whether this session has a transaction open on `bind` (when one begins:
  // SessionOptions::begin).
  bool in_transaction(std::string_view bind) const;

  // Deletes a tracked object's row at the next flush.
  template <schema::Model T>
  void remove(T& object);

  // The object with primary key `key` (of the type of T's primary-key member), loaded once per
  // session and then tracked; nullptr when there is none. get_or_throw throws NotFound instead.
  template <schema::Model T>
  T* get(const schema::primary_key_type<T>& key);
  template <schema::Model T>
  T& get_or_throw(const schema::primary_key_type<T>& key);

  template <schema::Model T>
  Query<T> query();

  // The related objects of a batch, following a refers_to reference, in one IN query per
  // batch whatever its size: load_related<&OrderItem::product_id>(items) -> {id: Product}.
  template <auto Member, class Range>
  auto load_related(const Range& children);
  // The same, taking the parents the model's read cache holds from it, and keeping there the
  // ones it had to read (only when Member refers to the parent's primary key; else as above).
  template <auto Member, class Range>
  auto load_related(const Range& children, CachedRead);
  // load_related sent ahead (session/pending.hpp): returns at once, and get() gives the map.
  // Loads from several binds then run at the same time.
  template <auto Member, class Range>
  auto send_load_related(const Range& children);
  template <auto Member, class Range>
  auto send_load_related(const Range& children, CachedRead);
  // The row with primary key `key`, from the model's read cache when it holds it, else read
  // (and kept there); untracked: a copy, never the session's object. std::nullopt when there
  // is none.
  template <schema::Model T>
  std::optional<T> get_cached(const schema::primary_key_type<T>& key);

  void flush();
  // Flushes, then commits the binds in the order of first use. If it throws, every bind has
  // been rolled back and nothing is tracked any more, as after rollback().
  void commit();
  // Never throws.
  void rollback() noexcept;
  // Rolls back without waiting for the answers of reads still on their way: the connections
  // they are on are closed (their servers roll back what was open there) and the others rolled
  // back as rollback() does. Their Pending's get() throws ConnectionError. For a caller that
  // will not wait any longer: a request whose client went away while a database hangs.
  // Never throws.
  void abandon() noexcept;

  // Reads of `bind` go to its primary from now on in this session, not to a replica.
  void on_primary(std::string_view bind);
  // read_after, and after each commit() the position there of every bind with replicas that it
  // wrote: hand it to a later session (SessionOptions::read_after) that must see those writes.
  const ConsistencyToken& consistency_token() const { return seen_; }

  // The session's tenant; empty when it has none.
  const std::string& tenant() const { return options_.tenant; }

  // Raw SQL on one bind inside this session's transaction there.
  Connection& connection(std::string_view bind);
  Result execute(std::string_view bind, std::string_view sql, std::span<const Value> params);
  Result execute(std::string_view bind, std::string_view sql,
                 std::initializer_list<Value> params = {}) {
    return execute(bind, sql, std::span<const Value>(params.begin(), params.size()));
  }
  // Raw SQL that only reads: routed like a query (a replica where the bind has them).
  Result execute_read(std::string_view bind, std::string_view sql, std::span<const Value> params);
  Result execute_read(std::string_view bind, std::string_view sql,
                      std::initializer_list<Value> params = {}) {
    return execute_read(bind, sql, std::span<const Value>(params.begin(), params.size()));
  }

 private:
  // Query<T> runs its statements through the session's transactions and identity map.
  template <schema::Model T>
  friend class Query;

  template <class R>
  friend class Pending;

  // The related rows as a Pending: sent ahead when `send` and the keys fit one statement, else
  // read now.
  template <auto Member, class Range>
  auto load_related_from(const Range& children, bool use_cache, bool send);

  // ---- Reads sent ahead (session/pending.hpp) ----
  // Sends `statement`, a read of `bind` (`write`: it locks, FOR UPDATE), for `read`; runs it at
  // once where it would move (a bind with replicas) or where the connection is shared (a test
  // transaction's). Errors are kept in `read` for get().
  void send_read(const std::string& bind, Statement statement, bool write, bool primary,
                 const std::shared_ptr<detail::SentRead>& read);
  // Reads the answers sent before `read` on its connection, then its own.
  void receive_through(detail::SentRead& read);
  // Reads every answer on its way over `lease`, or over every connection.
  void receive_on(const Lease& lease);
  void receive_all() noexcept;
  // What get() of `read` would wait for: reads the answers before it (and its own) that are
  // here, and tells what the first one not yet here awaits. Nullopt: get() would not wait.
  std::optional<AnswerWait> answer_wait(detail::SentRead& read);

  // ---- The read cache (routing/read_cache.hpp) ----
  // The cache a read of `table` may use in this session, with what to put() under.
  struct CacheRead {
    ReadCache* cache = nullptr;  // null: read the database only
    std::string tenant{};
    std::uint64_t epoch = 0;
  };
  CacheRead cache_read(const schema::TableInfo& table);
  // This session wrote rows of `table` (the one with `key`, or any): each is dropped from the
  // cache now (an autocommitted write is visible already) and again when the transaction ends
  // (other sessions may cache the old row until the commit).
  void invalidate_cached(const schema::TableInfo& table, const Value& key);
  void invalidate_cached(const schema::TableInfo& table);
  void invalidate_cached_again() noexcept;

  // Where `table`'s reads and writes go: its model's bind, unless the table is moving to another
  // bind (routing/table_moves.hpp). Without any move configured, one test of a null pointer.
  TableRoute route(const schema::TableInfo& table) {
    const std::string& bind = table.bind_or_default();
    if (!engines_.moves()) [[likely]]
      return {&bind, &bind, nullptr};
    return moved_route(table);
  }
  TableRoute moved_route(const schema::TableInfo& table);

  // Flushes pending changes, then runs `statement` on `bind` in this session: a read on a
  // replica where the bind has them, unless `primary`.
  Cursor& run(const std::string& bind, const Statement& statement, bool write,
              bool primary = false);
  const Dialect& dialect_of(const std::string& bind);
  // A shared bind's engine, or this session's tenant's engine for a tenant bind.
  Engine& engine_for(const std::string& bind);
  // Whether statements commit on their own (Begin::never), and a transaction for the statements
  // of one call in such a session.
  bool autocommits() const { return options_.begin == Begin::never; }
  void begin_alone(const std::string& bind);
  void commit_alone(const std::string& bind);
  void rollback_alone(const std::string& bind);
  // The tracked object for a row just read, new or already known.
  template <schema::Model T>
  T& track_row(const Cursor& cursor);

  struct BindState {
    std::string bind;
    std::vector<std::string> also{};  // other tenant binds in the same database (one engine)
    Engine* engine = nullptr;
    Lease lease;
    Transaction tx{};      // on `lease`: destroyed first, rolling back what was not committed
    bool wrote = false;    // a participant of an atomic commit; a bind only read is not
    std::string branch{};  // the id its transaction was begun under, where that must be known
    std::vector<RecordedStatement> recorded{};  // of a bind that cannot prepare, in atomic mode
    std::uint64_t cache_epoch = 0;              // ReadCaches::epoch() when its transaction began
    bool serves(std::string_view name) const {
      return bind == name || std::find(also.begin(), also.end(), name) != also.end();
    }
  };
  // Whether commit() makes the writes on several binds atomic.
  // A session for one bind writes a second one only to mirror a moving table there.
  bool atomic() const {
    return options_.commit == Commit::atomic && (options_.only_bind.empty() || mirrors_) &&
           !autocommits();
  }
  void begin_on(BindState& b);
  // Raw SQL wrote through `b`: which rows of which models is not known (see invalidate_cached).
  void invalidate_cached_bind(const BindState& b);
  bool in_test_transaction() const;
  void commit_atomic();
  const std::string& transaction_id();

  // The replica this session reads a bind from, once chosen.
  struct ReplicaRead {
    std::string bind;
    Replica* replica = nullptr;
    Lease lease{};
    bool on_primary = false;  // no replica could serve this session's reads of the bind
  };
  Cursor* read_on_replica(const std::string& bind, std::string_view sql,
                          std::span<const Value> params);
  bool reads_on_primary(const std::string& bind) const;
  bool lease_replica(ReplicaSet& set, ReplicaRead& read, std::vector<const Replica*>& failed);
  void remember_positions();

  // `sending`: for a read sent ahead, which may join those in flight on the connection; for
  // anything else they are read first.
  BindState& use(const std::string& bind, bool write, bool sending = false);
  bool begins_at_first_use(const Engine& engine) const;
  void check_bind(const std::string& bind) const;
  void* adopt(std::unique_ptr<detail::Tracked> tracked);
  detail::Tracked* find_identity(const schema::TableInfo& table, const Value& key);
  detail::Tracked* find_address(const void* object);
  void flush_statements(bool commit_last);
  bool sole_open_transaction(const BindState& b) const;
  void insert_all(const std::vector<detail::Tracked*>& inserts, bool commit_last);
  std::size_t children_to_send_with(const detail::Tracked& parent,
                                    std::span<detail::Tracked* const> rest,
                                    const detail::InsertShape& parent_shape);
  void insert_with_children(detail::Tracked& parent, const detail::InsertShape& parent_shape,
                            std::span<detail::Tracked* const> children, bool commit_last);
  void mark_inserted(detail::Tracked& t);
  void insert_batch(std::span<detail::Tracked* const> batch, const detail::InsertShape& shape,
                    bool commit_last);
  void insert_mirror(std::span<detail::Tracked* const> batch, const std::string& mirror);
  void update(detail::Tracked& t);
  void erase(detail::Tracked& t, bool commit_last);
  void flush_detach(detail::Tracked& t);  // stops tracking without any SQL
  void forget_everything();
  void refuse_commit_after_a_lost_connection();
  void refuse_atomic_commit_with_a_tenant();

  Binds& engines_;
  SessionOptions options_;
  bool mirrors_ = false;                     // only_bind is the source or target of a moving table
  std::shared_ptr<TenantDatabases> tenant_;  // before binds_: its engines outlive the leases
  std::deque<BindState> binds_;  // in order of first use: the commit order; never moved (tx)
  std::vector<std::unique_ptr<detail::Tracked>> tracked_;
  // Built at the first remove() and kept from then on: most sessions never remove, and an entry
  // per object added would be a second allocation per object.
  std::unordered_map<const void*, detail::Tracked*> by_address_;
  bool by_address_built_ = false;
  std::unordered_map<detail::IdentityKey, detail::Tracked*, detail::IdentityHash> identity_;
  std::vector<std::size_t> changed_;  // update()'s scratch list, kept to reuse its storage
  std::vector<std::unique_ptr<detail::Tracked>> detached_;  // alive, no longer tracked
  std::uint64_t sequence_ = 0;
  bool dirty_ = false;  // something added or removed since the last flush
  std::string txid_;    // of this session's atomic commit, made at its first transaction
  std::vector<ReplicaRead> replica_reads_;
  // What invalidate_cached() dropped, to drop again when the transaction ends: a cache and a
  // tenant with one key, or every key (none), or (no cache) every model of a bind.
  struct Invalidation {
    ReadCache* cache = nullptr;
    std::string tenant_or_bind{};
    std::optional<Value> key{};
  };
  std::vector<Invalidation> invalidations_;
  std::vector<std::shared_ptr<detail::SentRead>> sent_;  // in the order they were sent
  std::vector<std::string> on_primary_;
  ConsistencyToken seen_;  // read_after and this session's commits
};

}  // namespace manydb

#include "manydb/session/session_impl.hpp"
