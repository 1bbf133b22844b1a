#pragma once
// One object per SQLite file for the whole process, shared by every connection to the file
// and gone with the last of them.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace manydb::engines::sqlite {

// `path` is the file's absolute, normalised path; `make` builds the object the first time.
template <class T, class Make>
std::shared_ptr<T> shared_per_file(const std::string& path, Make make) {
  static std::mutex registry_mutex;  // one registry per T
  static std::unordered_map<std::string, std::weak_ptr<T>> registry;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[path];
  auto shared = slot.lock();
  if (!shared) {
    shared = make();
    slot = shared;
  }
  return shared;
}

}  // namespace manydb::engines::sqlite
