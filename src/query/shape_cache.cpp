#include "query/shape_cache.hpp"

#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace manydb::detail {

namespace {
// Enough for every query an application writes; a runaway producer of shapes (inserts of ever
// new row counts, generated IN lists) clears it rather than growing it without bound.
constexpr std::size_t kMaxShapes = 10'000;

struct Cache {
  std::shared_mutex mutex;
  std::unordered_map<std::string, std::string> sql_by_shape;
};

Cache& cache() {
  static Cache instance;
  return instance;
}
}  // namespace

std::optional<std::string> find_shape(const std::string& key) {
  Cache& c = cache();
  std::shared_lock lock(c.mutex);
  const auto it = c.sql_by_shape.find(key);
  if (it == c.sql_by_shape.end()) return std::nullopt;
  return it->second;
}

void store_shape(const std::string& key, const std::string& sql) {
  Cache& c = cache();
  std::unique_lock lock(c.mutex);
  if (c.sql_by_shape.size() >= kMaxShapes) c.sql_by_shape.clear();
  c.sql_by_shape.emplace(key, sql);  // another thread may have stored the same text first
}

std::size_t shape_count() {
  Cache& c = cache();
  std::shared_lock lock(c.mutex);
  return c.sql_by_shape.size();
}

}  // namespace manydb::detail
