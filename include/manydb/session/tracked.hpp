#pragma once
// What a session knows about each object it tracks, type-erased so flushing is not a template.
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "manydb/schema/table_info.hpp"
#include "manydb/session/row_mapping.hpp"

namespace manydb::detail {

// Column-wise access to a model's members, through its mapping, for code that knows no T.
struct ModelOps {
  Value (*column_value)(const void*, std::size_t);
  // Appends every column's value but those listed in `skip` (the ones the server fills in).
  void (*append_values)(const void*, std::span<const std::size_t> skip, std::vector<Value>&);
  // Clears `out`, then lists the columns whose members differ between the two objects.
  void (*changed)(const void*, const void*, std::vector<std::size_t>& out);
  void (*copy)(const void* from, void* to);
  void (*read_column)(void*, std::size_t, const Cursor&, std::size_t);
};

template <schema::Model T>
const ModelOps& ops_of() {
  static const ModelOps ops{
      [](const void* p, std::size_t i) { return column_value(*static_cast<const T*>(p), i); },
      [](const void* p, std::span<const std::size_t> skip, std::vector<Value>& out) {
        append_values(*static_cast<const T*>(p), skip, out);
      },
      [](const void* a, const void* b, std::vector<std::size_t>& out) {
        changed_columns(*static_cast<const T*>(a), *static_cast<const T*>(b), out);
      },
      [](const void* from, void* to) { *static_cast<T*>(to) = *static_cast<const T*>(from); },
      [](void* p, std::size_t i, const Cursor& c, std::size_t from) {
        read_column(*static_cast<T*>(p), i, c, from);
      }};
  return ops;
}

// The base of TrackedObject<T>: the object and its snapshot live in the same allocation, and
// the snapshot is a T (no per-column Values), so tracking an object costs one allocation.
struct Tracked {
  enum class State { pending_insert, persistent, pending_delete };
  const ModelOps* ops = nullptr;
  const schema::TableInfo* table = nullptr;
  void* object = nullptr;
  void* snapshot = nullptr;  // the object as last read or written; meaningless before insert
  State state = State::pending_insert;
  std::uint64_t sequence = 0;  // order of add(), which is the order of INSERTs
  // add_child(): the parent whose generated key the column `link_column` takes once the
  // parent's row is inserted, and how to write it into the object.
  Tracked* parent = nullptr;
  std::size_t link_column = 0;
  void (*set_link)(void* object, std::int64_t key) = nullptr;

  Tracked() = default;
  Tracked(const Tracked&) = delete;
  Tracked& operator=(const Tracked&) = delete;
  virtual ~Tracked() = default;
  Value key() const { return ops->column_value(snapshot, table->primary_key); }
  void take_snapshot() { ops->copy(object, snapshot); }
};

template <schema::Model T>
struct TrackedObject final : Tracked {
  explicit TrackedObject(T value) : value_(std::move(value)) {
    ops = &ops_of<T>();
    table = &schema::table_info<T>();
    object = &value_;
    snapshot = &snapshot_;
  }
  T value_;
  T snapshot_;
};

struct InsertShape;  // the columns a run of INSERTs sends and reads back (flush.cpp)

// The identity map's key: one row is one object per session. table_info<T>() is one object
// per model, so its address names the model, its table and its bind.
struct IdentityKey {
  const schema::TableInfo* table = nullptr;
  Value key;
  bool operator==(const IdentityKey&) const = default;
};

struct IdentityHash {
  std::size_t operator()(const IdentityKey& k) const;
};

}  // namespace manydb::detail
