#include "manydb/routing/read_cache.hpp"

namespace manydb {

std::size_t ReadCache::KeyHash::operator()(const Key& k) const {
  const std::size_t h = hash_value(k.key);
  if (k.tenant.empty()) return h;
  return h ^ (std::hash<std::string>{}(k.tenant) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
}

ReadCache::ReadCache(ReadCaches& owner, std::string table, std::string bind,
                     ReadCacheSettings settings)
    : owner_(owner), table_(std::move(table)), bind_(std::move(bind)), settings_(settings) {
  counts_.table = table_;
  counts_.bind = bind_;
}

ReadCache::Object ReadCache::find(std::string_view tenant, const Value& key) {
  const auto now = Clock::now();
  std::shared_lock lock(mutex_);
  auto it = index_.find(Key{std::string(tenant), key});
  // An expired entry stays until it is put again or passed over: dropping it needs the
  // exclusive lock, which a hit does not take.
  if (it == index_.end() || it->second->expires <= now) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return nullptr;
  }
  it->second->used.store(true, std::memory_order_relaxed);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second->object;
}

void ReadCache::put(std::string_view tenant, std::vector<std::pair<Value, Object>> rows,
                    std::uint64_t epoch) {
  if (settings_.max_entries == 0 || rows.empty()) return;
  const auto expires = Clock::now() + settings_.ttl;
  std::unique_lock lock(mutex_);
  // Under this cache's lock: an invalidation of this model either moved the epoch before this
  // test, or waits and drops what is put here.
  if (owner_.epoch() != epoch) {
    counts_.refused_puts += rows.size();
    return;
  }
  for (auto& [key, object] : rows) {
    Key k{std::string(tenant), std::move(key)};
    if (auto it = index_.find(k); it != index_.end()) erase(it->second);
    if (lru_.size() >= settings_.max_entries) make_room();
    lru_.emplace_front(k, std::move(object), expires);
    index_.emplace(std::move(k), lru_.begin());
  }
}

// From the oldest: an expired entry goes at once; one used since it was last passed over is
// spared once (moved to the front, its mark cleared); the first other one goes.
void ReadCache::make_room() {
  const auto now = Clock::now();
  while (!lru_.empty()) {
    auto oldest = std::prev(lru_.end());
    if (oldest->expires > now && oldest->used.exchange(false, std::memory_order_relaxed)) {
      lru_.splice(lru_.begin(), lru_, oldest);
      continue;
    }
    if (oldest->expires > now) ++counts_.evictions;
    erase(oldest);
    return;
  }
}

void ReadCache::invalidate(std::string_view tenant, const Value& key) {
  std::unique_lock lock(mutex_);
  owner_.advance_epoch();
  ++counts_.invalidations;
  if (auto it = index_.find(Key{std::string(tenant), key}); it != index_.end()) erase(it->second);
}

void ReadCache::clear() {
  std::unique_lock lock(mutex_);
  owner_.advance_epoch();
  ++counts_.invalidations;
  index_.clear();
  lru_.clear();
}

ReadCacheStats ReadCache::stats() const {
  std::shared_lock lock(mutex_);
  ReadCacheStats s = counts_;
  s.entries = lru_.size();
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  return s;
}

void ReadCache::erase(Lru::iterator it) {
  index_.erase(it->key);
  lru_.erase(it);
}

ReadCache& ReadCaches::enable(const void* model, std::string table, std::string bind,
                              ReadCacheSettings settings) {
  std::lock_guard lock(mutex_);
  auto& slot = caches_[model];
  if (!slot) slot = std::make_unique<ReadCache>(*this, std::move(table), std::move(bind), settings);
  any_.store(true, std::memory_order_release);
  return *slot;
}

void ReadCaches::invalidate_bind(std::string_view bind) {
  std::lock_guard lock(mutex_);
  for (auto& [model, cache] : caches_) {
    if (cache->bind() == bind) cache->clear();
  }
}

void ReadCaches::clear() {
  std::lock_guard lock(mutex_);
  for (auto& [model, cache] : caches_) cache->clear();
}

std::vector<ReadCacheStats> ReadCaches::stats() const {
  std::lock_guard lock(mutex_);
  std::vector<ReadCacheStats> out;
  for (const auto& [model, cache] : caches_) out.push_back(cache->stats());
  return out;
}

}  // namespace manydb
