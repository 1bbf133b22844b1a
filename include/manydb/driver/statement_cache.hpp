#pragma once
// A connection's prepared statements by SQL text, one cache for every engine: at most `capacity`
// statements, the oldest prepared closed first when a new one needs room. An application runs a
// few statements over and over: the last ones used are compared by text before any hashing,
// which costs a fraction of a lookup.
#include <algorithm>
#include <array>
#include <cstddef>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace manydb {

// `Close` frees what the engine prepared (sqlite3_finalize, DEALLOCATE, mysql_stmt_close).
template <class Prepared, class Close>
class StatementCache {
 public:
  explicit StatementCache(std::size_t capacity, Close close = {})
      : capacity_(capacity), close_(std::move(close)) {}
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;
  // Closes nothing: the engine calls clear() before it closes its connection where its
  // statements must be freed first (SQLite, MariaDB); a server frees them with the session.
  ~StatementCache() = default;

  // The statement prepared for `sql`, or nullptr.
  Prepared* find(std::string_view sql) {
    for (std::size_t i = 0; i < recent_.size(); ++i) {
      if (recent_[i].statement == nullptr || recent_[i].sql != sql) continue;
      if (i == 0) return recent_[0].statement;
      std::swap(recent_[i], recent_[i - 1]);  // one place nearer the front per hit
      return recent_[i - 1].statement;
    }
    const auto it = statements_.find(sql);
    if (it == statements_.end()) return nullptr;
    remember(it->first, &it->second);
    return &it->second;
  }

  // Keeps `statement` for `sql` (not cached yet), closing the oldest when the cache is full.
  Prepared& insert(std::string_view sql, Prepared statement) {
    if (statements_.size() >= capacity_ && !order_.empty()) erase(order_.front());
    const auto it = statements_.emplace(std::string(sql), std::move(statement)).first;
    order_.push_back(it->first);
    remember(it->first, &it->second);
    return it->second;
  }

  // Closes and forgets the statement for `sql`, if there is one.
  void erase(std::string_view sql) {
    const auto it = statements_.find(sql);
    if (it == statements_.end()) return;
    for (auto& r : recent_) {
      if (r.statement == &it->second) r = {};
    }
    std::erase(order_, std::string_view(it->first));
    close_(it->second);
    statements_.erase(it);
  }

  void clear() {
    for (auto& [sql, statement] : statements_) close_(statement);
    statements_.clear();
    order_.clear();
    recent_ = {};
  }

  std::size_t size() const { return statements_.size(); }

 private:
  struct Hash {  // finds a statement by std::string_view, without building a key
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Recent {
    std::string_view sql;  // the map's key: node-based, so it stays put
    Prepared* statement = nullptr;
  };

  void remember(std::string_view sql, Prepared* statement) {
    std::move_backward(recent_.begin(), recent_.end() - 1, recent_.end());
    recent_.front() = {sql, statement};
  }

  std::size_t capacity_;
  Close close_;
  std::unordered_map<std::string, Prepared, Hash, std::equal_to<>> statements_;
  std::deque<std::string_view> order_;  // the map's keys, oldest prepared first
  std::array<Recent, 4> recent_{};
};

}  // namespace manydb
