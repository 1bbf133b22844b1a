#pragma once
// The rows of one executed statement, read forward one at a time. A cursor belongs to its
// connection and is valid until the connection runs the next statement.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "manydb/core/value.hpp"

namespace manydb {

class Cursor {
 public:
  virtual ~Cursor() = default;

  virtual bool next() = 0;
  virtual std::size_t column_count() const = 0;
  virtual std::string_view column_name(std::size_t i) const = 0;
  virtual bool is_null(std::size_t i) const = 0;
  // Rows changed by an INSERT, UPDATE or DELETE: rows matched by the WHERE clause on every
  // engine (MariaDB is connected with CLIENT_FOUND_ROWS so that it agrees).
  virtual std::int64_t rows_affected() const = 0;

  // The rows next() has returned since the last call, for the connection's metrics.
  std::uint64_t take_rows_read() noexcept { return std::exchange(rows_read_, 0); }

  // Typed access. Each throws DataError naming the column when it is NULL or holds another type.
  std::int64_t get_int64(std::size_t i) const;
  double get_double(std::size_t i) const;
  bool get_bool(std::size_t i) const;
  std::string_view get_text(std::size_t i) const;
  Blob get_blob(std::size_t i) const;
  Timestamp get_timestamp(std::size_t i) const;
  Value get_value(std::size_t i) const;  // the column's natural type; NULL as a null Value

  template <class T>
  T get(std::size_t i) const;

  // Reads the current row's first sizeof...(T) columns into `out...` in order, with the checks
  // of get<T>. A std::string is assigned in place, so reading row after row into the same
  // variables reuses their buffers and builds no temporaries:
  //   while (cursor.next()) cursor.read(row.id, row.name, row.price);
  template <class... T>
  void read(T&... out) const;
  // Column `i` into `out`, as read() does it.
  template <class T>
  void read_into(std::size_t i, T& out) const;

 protected:
  virtual std::int64_t read_int64(std::size_t i) const = 0;
  virtual double read_double(std::size_t i) const = 0;
  virtual bool read_bool(std::size_t i) const = 0;
  virtual std::string_view read_text(std::size_t i) const = 0;
  virtual Blob read_blob(std::size_t i) const = 0;
  virtual Timestamp read_timestamp(std::size_t i) const = 0;
  virtual Value read_value(std::size_t i) const = 0;

  [[noreturn]] void throw_type_mismatch(std::size_t i, std::string_view wanted,
                                        std::string_view held) const;
  // The DataError for reading NULL column `i` as `wanted` (use std::optional<wanted>).
  [[noreturn]] void throw_null(std::size_t i, std::string_view wanted) const;

  // The fast path of the typed getters: one virtual call per value. The engine's cursor keeps
  // columns_ equal to column_count() for the current result, so that the index check costs no
  // call, and its read_* (except read_value) throw_null() when the value is NULL.
  std::size_t columns_ = 0;
  // Counted by the engine's next() for every row it returns (a plain add: one thread reads a
  // cursor at a time, and the connection collects it between statements).
  std::uint64_t rows_read_ = 0;

  // The faster path: an engine whose client library hands out a row's values cheaply (SQLite)
  // decodes the current row into cells, so that get_int64, get_double and get_text of a value
  // held as exactly that type cost no call at all. Anything else (NULL, another type, a
  // conversion, no cells) goes to read_*, which keeps the checks and the errors.
  struct Cell {
    // The numbers are SQLite's storage classes, so that its cursor stores them as they come.
    enum class Kind : std::uint8_t { int64 = 1, real = 2, text = 3, blob = 4, null = 5 };
    union {
      std::int64_t int64;
      double real;
      const char* bytes;  // text or blob, valid until the cursor moves
    };
    std::uint32_t size;  // of text or blob, in bytes
    Kind kind;
  };
  const Cell* cells_ = nullptr;
  std::size_t cell_count_ = 0;  // cells_[i] is the current row's column i for i < cell_count_

 private:
  template <class T>
  static bool take(const Cell& cell, T& out);
  template <class T>
  void read_at(const Cell* cells, std::size_t i, T& out) const;
  template <class T>
  [[gnu::noinline]] void read_checked(std::size_t i, T& out) const {
    read_into(i, out);
  }

 private:
  [[noreturn]] void require_value(std::size_t i, std::string_view wanted) const;
};

namespace detail {
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
}  // namespace detail

inline std::int64_t Cursor::get_int64(std::size_t i) const {
  if (i < cell_count_ && cells_[i].kind == Cell::Kind::int64) [[likely]]
    return cells_[i].int64;
  if (i >= columns_) [[unlikely]]
    require_value(i, "int64");
  return read_int64(i);
}
inline double Cursor::get_double(std::size_t i) const {
  if (i < cell_count_ && cells_[i].kind == Cell::Kind::real) [[likely]]
    return cells_[i].real;
  if (i >= columns_) [[unlikely]]
    require_value(i, "double");
  return read_double(i);
}
inline bool Cursor::get_bool(std::size_t i) const {
  if (i >= columns_) [[unlikely]]
    require_value(i, "bool");
  return read_bool(i);
}
inline std::string_view Cursor::get_text(std::size_t i) const {
  if (i < cell_count_ && cells_[i].kind == Cell::Kind::text) [[likely]]
    return {cells_[i].bytes, cells_[i].size};
  if (i >= columns_) [[unlikely]]
    require_value(i, "std::string");
  return read_text(i);
}

template <class T>
T Cursor::get(std::size_t i) const {
  if constexpr (detail::is_optional<T>::value) {
    if (is_null(i)) return std::nullopt;
    return get<typename T::value_type>(i);
  } else if constexpr (std::is_same_v<T, bool>) {
    return get_bool(i);
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(get_int64(i));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(get_double(i));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return std::string(get_text(i));
  } else if constexpr (std::is_same_v<T, std::string_view>) {
    return get_text(i);
  } else if constexpr (std::is_same_v<T, Blob>) {
    return get_blob(i);
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    return get_timestamp(i);
  } else if constexpr (std::is_same_v<T, Value>) {
    return get_value(i);
  } else {
    static_assert(sizeof(T) == 0, "manydb::Cursor::get<T>: unsupported column type");
  }
}

template <class T>
void Cursor::read_into(std::size_t i, T& out) const {
  if constexpr (std::is_same_v<T, std::string>) {
    out.assign(get_text(i));
  } else if constexpr (std::is_same_v<T, std::optional<std::string>>) {
    if (is_null(i)) {
      out.reset();
    } else if (out) {
      out->assign(get_text(i));
    } else {
      out.emplace(get_text(i));
    }
  } else {
    out = get<T>(i);
  }
}

// read()'s fast path: true when `cell` holds exactly the type that `out` wants.
template <class T>
bool Cursor::take(const Cell& cell, T& out) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (cell.kind != Cell::Kind::text) return false;
    // What assign() does, minus its care for a source inside the string itself (text from the
    // database never is), which made it too big to inline.
    out.clear();
    out.append(cell.bytes, cell.size);
  } else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (cell.kind != Cell::Kind::int64) return false;
    out = static_cast<T>(cell.int64);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (cell.kind != Cell::Kind::real) return false;
    out = static_cast<T>(cell.real);
  } else {
    return false;
  }
  return true;
}

// The checked path stays out of line, so that read() is small enough for the compiler to inline
// it, and the string assignment in it, into the caller's loop.
template <class T>
void Cursor::read_at(const Cell* cells, std::size_t i, T& out) const {
  if (!take(cells[i], out)) [[unlikely]]
    read_checked(i, out);
}

// With the whole row decoded into cells, one range check covers every column, and the cells
// pointer stays in a register across the string assignments.
template <class... T>
[[gnu::always_inline]] inline void Cursor::read(T&... out) const {
  std::size_t i = 0;  // a comma fold runs left to right: column 0 first
  if (sizeof...(T) <= cell_count_) [[likely]] {
    const Cell* cells = cells_;
    (read_at(cells, i++, out), ...);
  } else {
    (read_checked(i++, out), ...);
  }
}

}  // namespace manydb

#include "manydb/core/result.hpp"

namespace manydb {
// Reads every remaining row of `cursor` into a Result.
Result read_all(Cursor& cursor);
}  // namespace manydb
