#include "manydb/session/session.hpp"

#include <algorithm>

#include "manydb/core/statement_kind.hpp"
#include "manydb/core/tenant_id.hpp"
#include "manydb/schema/ddl.hpp"
#include "manydb/tx/atomic_commit.hpp"
#include "manydb/tx/commit_log.hpp"
#include "manydb/tx/transaction_id.hpp"

namespace manydb {

using detail::Tracked;

namespace detail {
std::size_t IdentityHash::operator()(const IdentityKey& k) const {
  const std::size_t h = hash_value(k.key);
  return h ^ (std::hash<const void*>{}(k.table) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}
}  // namespace detail

Session::Session(Binds& binds, SessionOptions options)
    : engines_(binds), options_(std::move(options)) {
  if (!options_.tenant.empty()) {
    TenantRouter* router = engines_.tenants();
    if (!router) {
      validate_tenant_id(options_.tenant);
      throw ConfigError("a session for tenant '" + options_.tenant +
                        "', but no bind is a tenant bind (a URL holding {tenant})");
    }
    tenant_ = router->open(options_.tenant);
  }
  if (!options_.only_bind.empty()) {
    engine_for(options_.only_bind);  // must exist
    mirrors_ = engines_.moves() && engines_.moves()->touches(options_.only_bind);
  }
  if (!options_.read_after.empty()) {
    engines_.check_token(options_.read_after);
    seen_ = options_.read_after;
  }
}

Session::~Session() { rollback(); }

void Session::check_bind(const std::string& bind) const {
  if (!options_.only_bind.empty() && bind != options_.only_bind &&
      !(mirrors_ && engines_.moves()->links(options_.only_bind, bind))) {
    throw ConfigError(
        "this session is for bind '" + options_.only_bind + "' only, not '" + bind + "'", bind);
  }
}

TableRoute Session::moved_route(const schema::TableInfo& table) {
  const std::string& bind = table.bind_or_default();
  TableMoves& moves = *engines_.moves();
  const TableMoves::Move* move = moves.find(table.name, bind);
  if (!move) return {&bind, &bind, nullptr};
  return TableMoves::route(*move, moves.phase(*move));
}

Session::BindState& Session::use(const std::string& bind, bool write, bool sending) {
  auto it = std::find_if(binds_.begin(), binds_.end(), [&](auto& b) { return b.serves(bind); });
  if (it == binds_.end()) {
    check_bind(bind);
    Engine& engine = engine_for(bind);
    it = std::find_if(binds_.begin(), binds_.end(), [&](auto& b) { return b.engine == &engine; });
    if (it != binds_.end()) {
      it->also.push_back(bind);  // a tenant bind in a database this session already uses
    } else {
      binds_.push_back({bind, {}, &engine, engine.connect()});  // in place: tx points at its lease
      it = std::prev(binds_.end());
    }
  }
  // Reads sent ahead on this connection are read first, unless this is one more of them. (A
  // connection with answers on their way counts as in a transaction, so this goes before BEGIN.)
  if (!sent_.empty() && it->lease &&
      (!sending || write || it->lease->in_flight() >= it->lease->max_in_flight())) {
    receive_on(it->lease);
  }
  // SQLite takes its file lock at BEGIN, so a session reads there without a transaction until
  // it first writes; the servers begin as SessionOptions::begin says.
  if (options_.begin != Begin::never && !it->lease.in_transaction() &&
      (write || begins_at_first_use(*it->engine))) {
    begin_on(*it);
  }
  return *it;
}

// In an atomic session every bind's transaction is ready to take part in an atomic commit: the
// commit log exists (created once per engine, outside the transaction, where MariaDB's DDL
// would commit it), MariaDB's transaction is an XA branch, SQLite's statements are recorded.
void Session::begin_on(BindState& b) {
  if (engines_.caches().any()) b.cache_epoch = engines_.caches().epoch();
  // A tenant's database never takes part in an atomic commit across databases
  // (refuse_atomic_commit_with_a_tenant): its transaction is a plain one. Nor does a bind in a
  // test transaction (Pool::pin), whose transactions are savepoints that cannot be prepared.
  if (!atomic() || (tenant_ && tenant_->engine(b.bind) == b.engine) || b.engine->pool().pinned()) {
    b.tx = Transaction(b.lease, TxMode::write);
    return;
  }
  const Dialect& dialect = b.engine->dialect();
  commit_log::ensure_table(*b.engine, b.lease);
  if (!dialect.prepares()) b.lease.record_writes_into(&b.recorded);
  if (dialect.branch_declared_at_begin())
    b.branch = branch_id(transaction_id(), branch_tag(*b.engine));
  b.tx = Transaction(b.lease, TxMode::write, b.branch);
}

const std::string& Session::transaction_id() {
  if (txid_.empty()) txid_ = new_transaction_id();
  return txid_;
}

bool Session::begins_at_first_use(const Engine& engine) const {
  return options_.begin == Begin::at_first_use && !engine.dialect().begin_blocks_writers();
}

void Session::begin_alone(const std::string& bind) {
  if (dirty_) flush();
  BindState& b = use(bind, true);
  begin_on(b);
}

void Session::commit_alone(const std::string& bind) { use(bind, false).tx.commit(); }

void Session::rollback_alone(const std::string& bind) { use(bind, false).tx.rollback(); }

bool Session::in_transaction(std::string_view bind) const {
  for (const auto& b : binds_) {
    if (b.serves(bind)) return b.lease.in_transaction();
  }
  return false;
}

const Dialect& Session::dialect_of(const std::string& bind) {
  if (Engine* shared = engines_.find(bind)) return shared->dialect();
  return engine_for(bind).dialect();
}

Engine& Session::engine_for(const std::string& bind) {
  if (Engine* shared = engines_.find(bind)) return *shared;
  if (tenant_) {
    if (Engine* engine = tenant_->engine(bind)) return *engine;
  } else if (engines_.is_tenant_bind(bind)) {
    throw ConfigError("bind '" + bind +
                          "' is a tenant bind, and this session has no tenant: open it with "
                          "SessionOptions::tenant",
                      bind);
  }
  return engines_.engine(bind);  // throws, naming the binds there are
}

Cursor& Session::run(const std::string& bind, const Statement& statement, bool write,
                     bool primary) {
  if (dirty_) flush();
  if (!write && !primary) {
    if (Cursor* read = read_on_replica(bind, statement.sql, statement.params)) return *read;
  }
  BindState& b = use(bind, write);
  b.wrote |= write;
  return b.lease.query(statement.sql, statement.params, !write);
}

Connection& Session::connection(std::string_view bind) {
  if (dirty_) flush();
  BindState& b = use(std::string(bind), true);
  b.wrote = true;
  invalidate_cached_bind(b);  // again when the transaction ends, after what it wrote
  return b.lease.connection_for_anything();
}

Result Session::execute(std::string_view bind, std::string_view sql,
                        std::span<const Value> params) {
  if (dirty_) flush();
  BindState& b = use(std::string(bind), true);
  const bool reads = reads_only(sql);
  b.wrote |= !reads;
  Result result = read_all(b.lease.query(sql, params, reads));
  if (!reads) invalidate_cached_bind(b);
  return result;
}

Result Session::execute_read(std::string_view bind, std::string_view sql,
                             std::span<const Value> params) {
  if (dirty_) flush();
  const std::string name(bind);
  if (Cursor* read = read_on_replica(name, sql, params)) return read_all(*read);
  return read_all(use(name, false).lease.query(sql, params, true));
}

void* Session::adopt(std::unique_ptr<Tracked> tracked) {
  tracked->sequence = sequence_++;
  if (by_address_built_) by_address_[tracked->object] = tracked.get();
  if (tracked->state == Tracked::State::persistent) {
    identity_[{tracked->table, tracked->key()}] = tracked.get();
  } else {
    dirty_ = true;
  }
  void* object = tracked->object;
  tracked_.push_back(std::move(tracked));
  return object;
}

Tracked* Session::find_identity(const schema::TableInfo& table, const Value& key) {
  auto it = identity_.find({&table, key});
  return it == identity_.end() ? nullptr : it->second;
}

Tracked* Session::find_address(const void* object) {
  if (!by_address_built_) {
    by_address_.reserve(tracked_.size());
    for (const auto& t : tracked_) by_address_[t->object] = t.get();
    by_address_built_ = true;
  }
  auto it = by_address_.find(object);
  return it == by_address_.end() ? nullptr : it->second;
}

void Session::forget_everything() {
  if (detached_.empty()) {
    detached_ = std::move(tracked_);
  } else {
    detached_.reserve(detached_.size() + tracked_.size());
    for (auto& t : tracked_) detached_.push_back(std::move(t));
  }
  tracked_.clear();
  by_address_.clear();
  by_address_built_ = false;
  identity_.clear();
  dirty_ = false;
}

// A failure anywhere in it rolls every bind back: a flush that failed half-way must not be
// committed by a second call, and on PostgreSQL the flush's last statement may have gone out
// with its COMMIT, which then failed with it.
void Session::commit() {
  receive_all();  // a read that failed aborted its transaction: the commit says so
  try {
    flush_statements(true);
  } catch (...) {
    rollback();
    throw;
  }
  refuse_commit_after_a_lost_connection();
  if (atomic() &&
      std::count_if(binds_.begin(), binds_.end(),
                    [](const BindState& b) { return b.wrote && b.tx.open(); }) > 1 &&
      !in_test_transaction()) {
    refuse_atomic_commit_with_a_tenant();
    return commit_atomic();
  }
  std::vector<std::string> committed;
  for (auto& b : binds_) {
    if (!b.tx.open()) continue;
    try {
      b.tx.commit();
      committed.push_back(b.bind);
    } catch (const Error& e) {
      const std::string failed = b.bind;
      rollback();
      if (committed.empty()) throw;
      std::string list;
      for (const auto& c : committed) list += (list.empty() ? "" : ", ") + c;
      throw PartialCommit("commit failed on bind '" + failed + "' after bind(s) " + list +
                              " committed; those keep their changes, '" + failed +
                              "' and later binds were rolled back: " + e.what(),
                          failed, e.code(), committed);
    }
  }
  remember_positions();
  binds_.clear();  // the connections go back to their pools
  replica_reads_.clear();
  txid_.clear();
  invalidate_cached_again();
}

// In test mode (Pool::pin) the binds release their savepoints one after the other: two-phase
// commit is not exercised inside a test transaction (docs/testing.md).
bool Session::in_test_transaction() const {
  return std::any_of(binds_.begin(), binds_.end(),
                     [](const BindState& b) { return b.engine->pool().pinned(); });
}

// The binds that wrote commit all or none; the ones only read end after them (a read-only
// transaction has nothing to commit, so how it ends cannot matter).
void Session::commit_atomic() {
  std::vector<Participant> participants;
  for (auto& b : binds_) {
    if (b.wrote && b.tx.open())
      participants.push_back({b.engine, &b.lease, &b.tx, b.branch, &b.recorded});
  }
  try {
    commit_atomically(transaction_id(), participants);
  } catch (...) {
    rollback();
    throw;
  }
  for (auto& b : binds_) {
    try {
      b.tx.commit();
    } catch (const Error&) {
      b.tx.rollback();
    }
  }
  remember_positions();
  binds_.clear();
  replica_reads_.clear();
  txid_.clear();
  invalidate_cached_again();
}

// Recovery asks the shared binds only: a branch left prepared in one of a thousand tenant
// databases would never be found. (Tenant binds in one database share one transaction, which
// commits alone.) Until it searches them, such a commit is refused before
// anything is committed, rather than made atomic in name only.
void Session::refuse_atomic_commit_with_a_tenant() {
  if (!tenant_) return;
  for (const auto& b : binds_) {
    if (!b.wrote || !b.tx.open() || !tenant_->engine(b.bind)) continue;
    const std::string bind = b.bind;
    rollback();
    throw ProgrammingError(
        "this session wrote to several databases, one of them tenant '" + options_.tenant +
            "''s (bind '" + bind +
            "'): an atomic commit that includes a tenant's database is not supported; nothing "
            "was committed (put the tenant binds in one database, commit in two sessions, or "
            "use Commit::best_effort)",
        bind);
  }
}

// A bind whose connection was lost during this session (its error reached the caller, who
// went on) lost its transaction with it: committing the other binds would save half the work.
void Session::refuse_commit_after_a_lost_connection() {
  for (const auto& b : binds_) {
    if (b.lease && !b.lease->broken()) continue;
    const std::string bind = b.bind;
    rollback();
    throw_database_error(ErrorKind::connection, bind, "08006",
                         "the connection was lost during this session, and its transaction with "
                         "it; nothing was committed");
  }
}

void Session::abandon() noexcept {
  for (const auto& sent : sent_) {
    if (sent->done()) continue;
    try {
      throw_database_error(ErrorKind::connection, sent->lease_->connection().bind(), "08003",
                           "the session was abandoned (Session::abandon) before this read's "
                           "answer was taken");
    } catch (...) {
      sent->fail(std::current_exception());
    }
  }
  sent_.clear();
  for (auto& b : binds_) b.lease.abandon();
  rollback();
}

// Never throws: a bind that cannot roll back (its connection lost or hung) has its connection
// discarded, and the server ends that transaction.
void Session::rollback() noexcept {
  receive_all();
  for (auto& b : binds_) {
    b.tx.rollback();
    b.lease.rollback_or_discard();  // one that never began, but whose connection was lost
  }
  binds_.clear();
  replica_reads_.clear();
  txid_.clear();
  forget_everything();
  invalidate_cached_again();
}

// ---- the read cache ----

// A session that wrote to the bind reads it without the cache until its transaction ends: it
// must see its own writes, and must not cache rows that are not committed.
Session::CacheRead Session::cache_read(const schema::TableInfo& table) {
  check_bind(table.bind_or_default());  // also when every row then comes from the cache
  ReadCaches& caches = engines_.caches();
  ReadCache* cache = caches.find(&table);
  if (!cache) return {};
  const TableRoute r = route(table);
  std::uint64_t epoch = caches.epoch();
  for (const auto& b : binds_) {
    if (!b.serves(*r.read) && !b.serves(*r.write)) continue;
    if (b.wrote) return {};
    if (b.lease.in_transaction()) epoch = b.cache_epoch;  // its snapshot may be that old
  }
  const std::string& bind = *r.read;
  return {cache, engines_.is_tenant_bind(bind) ? options_.tenant : std::string(), epoch};
}

void Session::invalidate_cached(const schema::TableInfo& table, const Value& key) {
  ReadCache* cache = engines_.caches().find(&table);
  if (!cache) return;
  std::string tenant = engines_.is_tenant_bind(table.bind_or_default()) ? options_.tenant : "";
  cache->invalidate(tenant, key);
  invalidations_.push_back({cache, std::move(tenant), key});
}

void Session::invalidate_cached(const schema::TableInfo& table) {
  ReadCache* cache = engines_.caches().find(&table);
  if (!cache) return;
  cache->clear();
  invalidations_.push_back({cache, {}, std::nullopt});
}

// Every bind the connection reaches: tenant binds in one database share it.
void Session::invalidate_cached_bind(const BindState& b) {
  if (!engines_.caches().any()) return;
  auto drop = [&](const std::string& bind) {
    engines_.caches().invalidate_bind(bind);
    invalidations_.push_back({nullptr, bind, std::nullopt});
  };
  drop(b.bind);
  for (const auto& also : b.also) drop(also);
}

void Session::invalidate_cached_again() noexcept {
  for (const auto& i : invalidations_) {
    if (!i.cache) {
      engines_.caches().invalidate_bind(i.tenant_or_bind);
    } else if (i.key) {
      i.cache->invalidate(i.tenant_or_bind, *i.key);
    } else {
      i.cache->clear();
    }
  }
  invalidations_.clear();
}

}  // namespace manydb
