#pragma once
// An opt-in cache of one model's rows by primary key, in this process (docs/sessions.md,
// "Caching reference rows"): bounded in entries, each entry kept at most a time to live. Room is
// made CLOCK-fashion (an approximation of least recently used): a hit only marks its entry, so
// that hits share the lock; the oldest entry not marked since it was last passed over goes. This
// process's own writes invalidate at once; another process's writes are seen once the entry
// expires. Thread-safe.
//
// A read that raced an invalidation must not put back what it read: every invalidation moves
// the caches' epoch on, and put() keeps rows only when the epoch is still the one taken before
// the read began (for a read inside a transaction, when the transaction began: its snapshot may
// be older than the read).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "manydb/core/value.hpp"

namespace manydb {

struct ReadCacheSettings {
  std::size_t max_entries = 10'000;      // per model, over every tenant
  std::chrono::milliseconds ttl{1'000};  // the longest a row is served after it was read
};

// One model's cache at one moment (Database::read_cache_stats).
struct ReadCacheStats {
  std::string table;
  std::string bind;
  std::size_t entries = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;         // absent or expired
  std::uint64_t invalidations = 0;  // rows or whole caches dropped by this process's writes
  std::uint64_t evictions = 0;      // dropped for room
  std::uint64_t refused_puts = 0;   // rows read while an invalidation happened: not kept
};

class ReadCaches;

class ReadCache {
 public:
  using Object = std::shared_ptr<const void>;  // a T, made and read by the session (typed)
  using Clock = std::chrono::steady_clock;

  ReadCache(ReadCaches& owner, std::string table, std::string bind, ReadCacheSettings settings);

  const std::string& bind() const { return bind_; }
  // The row with primary key `key` in `tenant`'s database ("" for a shared bind), unless it is
  // absent or has expired.
  Object find(std::string_view tenant, const Value& key);
  // Keeps `rows` (key, object) read from the database, unless an invalidation happened since
  // `epoch` (ReadCaches::epoch() taken before the read).
  void put(std::string_view tenant, std::vector<std::pair<Value, Object>> rows,
           std::uint64_t epoch);
  void invalidate(std::string_view tenant, const Value& key);
  void clear();
  ReadCacheStats stats() const;

 private:
  struct Key {
    std::string tenant;
    Value key;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  struct Entry {
    Key key;
    Object object;
    Clock::time_point expires;
    mutable std::atomic<bool> used{false};  // hit since it was last passed over for eviction
  };
  using Lru = std::list<Entry>;  // most recently put (or spared) first
  void erase(Lru::iterator it);
  void make_room();

  ReadCaches& owner_;
  const std::string table_;
  const std::string bind_;
  const ReadCacheSettings settings_;
  mutable std::shared_mutex mutex_;  // shared by hits, exclusive for changes
  Lru lru_;
  std::unordered_map<Key, Lru::iterator, KeyHash> index_;
  std::atomic<std::uint64_t> hits_{0}, misses_{0};  // counted under the shared lock
  ReadCacheStats counts_;                           // the rest, under the exclusive one
};

// Every model's cache, by model (the address of its schema::TableInfo, one per model).
class ReadCaches {
 public:
  // Enables the cache of `model` (its table lives on `bind`), or changes nothing but returns it
  // when it is enabled already. Enable caches before sessions use the model.
  ReadCache& enable(const void* model, std::string table, std::string bind,
                    ReadCacheSettings settings);
  // The model's cache; nullptr when it has none.
  ReadCache* find(const void* model) {
    if (!any_.load(std::memory_order_acquire)) return nullptr;
    std::lock_guard lock(mutex_);
    auto it = caches_.find(model);
    return it == caches_.end() ? nullptr : it->second.get();
  }
  bool any() const { return any_.load(std::memory_order_acquire); }
  // Moves on at every invalidation (see the header comment).
  std::uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  // Drops every row of every model on `bind` (a write whose rows are not known: raw SQL).
  void invalidate_bind(std::string_view bind);
  void clear();
  std::vector<ReadCacheStats> stats() const;

 private:
  friend class ReadCache;
  void advance_epoch() { epoch_.fetch_add(1, std::memory_order_acq_rel); }

  std::atomic<bool> any_{false};
  std::atomic<std::uint64_t> epoch_{0};
  mutable std::mutex mutex_;
  std::map<const void*, std::unique_ptr<ReadCache>> caches_;
};

}  // namespace manydb
