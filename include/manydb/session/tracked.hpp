#pragma once
// What a session knows about each object it tracks, type-erased so flushing is not a template.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "manydb/schema/table_info.hpp"
#include "manydb/session/row_mapping.hpp"

namespace manydb::session_detail {

struct ModelOps {
  const schema::TableInfo& (*table)();
  void (*destroy)(void*);
  std::vector<Value> (*values)(const void*);
  void (*set_column)(void*, std::size_t, const Value&);
  void (*read_column)(void*, std::size_t, const Cursor&, std::size_t);
};

template <schema::Model T>
const ModelOps& ops_of() {
  static const ModelOps ops{
      []() -> const schema::TableInfo& { return schema::table_info<T>(); },
      [](void* p) { delete static_cast<T*>(p); },
      [](const void* p) { return values_of(*static_cast<const T*>(p)); },
      [](void* p, std::size_t i, const Value& v) { set_column(*static_cast<T*>(p), i, v); },
      [](void* p, std::size_t i, const Cursor& c, std::size_t from) {
        read_column(*static_cast<T*>(p), i, c, from);
      }};
  return ops;
}

struct Tracked {
  enum class State { pending_insert, persistent, pending_delete };
  const ModelOps* ops = nullptr;
  const schema::TableInfo* table = nullptr;
  void* object = nullptr;  // owned: ops->destroy
  State state = State::pending_insert;
  std::vector<Value> snapshot;  // column values as last read or written; empty before insert
  std::uint64_t sequence = 0;   // order of add(), which is the order of INSERTs

  Tracked() = default;
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  ~Tracked() {
    if (object) ops->destroy(object);
  }
  Value key() const { return snapshot.at(table->primary_key); }
};

struct PendingRow;  // an INSERT being flushed (flush.cpp)

// The identity map's key: one row is one object per session.
std::string identity_key(const schema::TableInfo& table, const Value& key);

}  // namespace manydb::session_detail
