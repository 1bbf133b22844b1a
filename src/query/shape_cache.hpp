#pragma once
// The process-wide cache of SQL text by shape key. Many threads compile at once: lookups share a
// lock, a miss renders outside any lock and takes the exclusive lock only to store.
#include <optional>
#include <string>

namespace manydb::detail {

std::optional<std::string> find_shape(const std::string& key);
void store_shape(const std::string& key, const std::string& sql);
std::size_t shape_count();

// The SQL for `key`, rendered by `render()` on a miss.
template <class Render>
std::string cached_sql(const std::string& key, Render&& render) {
  if (auto sql = find_shape(key)) return std::move(*sql);
  std::string sql = render();
  store_shape(key, sql);
  return sql;
}

}  // namespace manydb::detail
