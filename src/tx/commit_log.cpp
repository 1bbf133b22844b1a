#include "manydb/tx/commit_log.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <mutex>

#include "manydb/core/errors.hpp"
#include "manydb/driver/connection.hpp"
#include "manydb/driver/cursor.hpp"

namespace manydb::commit_log {

std::string create_table_statement(const Dialect& dialect) {
  return "CREATE TABLE IF NOT EXISTS manydb_commit_log (txid VARCHAR(40) NOT NULL PRIMARY KEY, "
         "outcome CHAR(1) NOT NULL, decided_at BIGINT NOT NULL, redo " +
         dialect.type_name(ValueType::blob) + ")" + std::string(dialect.table_options());
}

// Once per engine, under its mutex: PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe against
// itself (two at once: 23505 on pg_type), so another process creating it at the same moment
// gives that error, which means the table now exists.
void ensure_table(Engine& engine, Lease& lease) {
  auto& state = engine.commit_log();
  if (state.table_ready.load(std::memory_order_acquire)) return;
  std::lock_guard lock(state.mutex);
  if (state.table_ready.load(std::memory_order_relaxed)) return;
  try {
    lease->execute_script(create_table_statement(engine.dialect()));
  } catch (const UniqueViolation&) {
  }
  state.table_ready.store(true, std::memory_order_release);
}

std::string delete_statement(std::size_t count) {
  std::string sql = "DELETE FROM manydb_commit_log WHERE txid IN (";
  for (std::size_t i = 0; i < count; ++i) sql += i ? ", ?" : "?";
  return sql + ")";
}

void delete_records(Connection& connection, std::span<const Value> ids) {
  if (ids.empty()) return;
  if (const auto sql = connection.dialect().read_committed_next_transaction(); !sql.empty())
    connection.execute_script(sql);
  connection.query(delete_statement(ids.size()), ids);
}

bool deletes_ride_along(const Dialect& dialect) {
  return dialect.read_committed_next_transaction().empty();
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool claim_abort(Connection& connection, const std::string& txid) {
  const Value row[] = {txid, kAbort, now_ms(), Value()};
  try {
    connection.query(kInsert, row);
    return true;
  } catch (const IntegrityError&) {
    Cursor& c = connection.query(kSelectOne, {Value(txid)});
    const bool committed = c.next() && c.get_text(0) == kCommit;
    connection.reset_cursor();
    return !committed;
  }
}

// ---- redo records: length-prefixed, little-endian ----

namespace {

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(static_cast<std::byte>(v)); }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void bytes(const void* data, std::size_t n) {
    u64(n);
    const auto* p = static_cast<const std::byte*>(data);
    out_.insert(out_.end(), p, p + n);
  }
  void text(std::string_view s) { bytes(s.data(), s.size()); }
  void value(const Value& v) {
    u8(static_cast<std::uint8_t>(v.type()));
    switch (v.type()) {
      case ValueType::null: break;
      case ValueType::boolean: u8(v.as_bool()); break;
      case ValueType::int64: u64(static_cast<std::uint64_t>(v.as_int64())); break;
      case ValueType::real: {
        const double d = v.as_double();
        std::uint64_t bits = 0;
        std::memcpy(&bits, &d, sizeof bits);
        u64(bits);
        break;
      }
      case ValueType::text: text(v.as_text()); break;
      case ValueType::blob: bytes(v.as_blob().data(), v.as_blob().size()); break;
      case ValueType::timestamp: u64(static_cast<std::uint64_t>(v.as_timestamp().micros)); break;
    }
  }
  Blob take() { return std::move(out_); }

 private:
  Blob out_;
};

class Reader {
 public:
  explicit Reader(const Blob& in) : in_(in) {}
  std::uint8_t u8() {
    need(1);
    return static_cast<std::uint8_t>(in_[at_++]);
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{u8()} << (8 * i);
    return v;
  }
  std::string text() {
    const std::size_t n = length();
    std::string s(reinterpret_cast<const char*>(in_.data() + at_), n);
    at_ += n;
    return s;
  }
  Blob blob() {
    const std::size_t n = length();
    Blob b(in_.begin() + static_cast<std::ptrdiff_t>(at_),
           in_.begin() + static_cast<std::ptrdiff_t>(at_ + n));
    at_ += n;
    return b;
  }
  Value value() {
    switch (static_cast<ValueType>(u8())) {
      case ValueType::null: return Value();
      case ValueType::boolean: return Value(u8() != 0);
      case ValueType::int64: return Value(static_cast<std::int64_t>(u64()));
      case ValueType::real: {
        const std::uint64_t bits = u64();
        double d = 0;
        std::memcpy(&d, &bits, sizeof d);
        return Value(d);
      }
      case ValueType::text: return Value(text());
      case ValueType::blob: return Value(blob());
      case ValueType::timestamp: return Value(Timestamp{static_cast<std::int64_t>(u64())});
    }
    corrupt();
  }
  std::size_t length() {
    const std::uint64_t n = u64();
    need(n);
    return static_cast<std::size_t>(n);
  }

 private:
  void need(std::uint64_t n) const {
    if (n > in_.size() - at_) corrupt();
  }
  [[noreturn]] static void corrupt() {
    throw DataError("manydb_commit_log: a redo record is damaged and cannot be read");
  }
  const Blob& in_;
  std::size_t at_ = 0;
};

}  // namespace

Blob encode_redo(std::span<const RedoRecord> records) {
  Writer w;
  w.u64(records.size());
  for (const auto& r : records) {
    w.text(r.bind);
    w.u64(r.statements.size());
    for (const auto& st : r.statements) {
      w.text(st.sql);
      w.u64(st.params.size());
      for (const auto& v : st.params) w.value(v);
    }
  }
  return w.take();
}

std::vector<RedoRecord> decode_redo(const Blob& bytes) {
  Reader r(bytes);
  // Every element takes at least one byte, so a count is checked against the bytes left.
  std::vector<RedoRecord> records(r.length());
  for (auto& record : records) {
    record.bind = r.text();
    record.statements.resize(r.length());
    for (auto& st : record.statements) {
      st.sql = r.text();
      st.params.resize(r.length());
      for (auto& v : st.params) v = r.value();
    }
  }
  return records;
}

std::vector<std::string> take(Engine& engine,
                              std::vector<std::string> Engine::CommitLogState::*queue,
                              std::size_t most) {
  auto& state = engine.commit_log();
  std::lock_guard lock(state.mutex);
  auto& q = state.*queue;
  const std::size_t n = std::min(most, q.size());
  std::vector<std::string> out(std::make_move_iterator(q.begin()),
                               std::make_move_iterator(q.begin() + static_cast<std::ptrdiff_t>(n)));
  q.erase(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(n));
  return out;
}

void give_back(Engine& engine, std::vector<std::string> Engine::CommitLogState::*queue,
               std::vector<std::string> ids) {
  auto& state = engine.commit_log();
  std::lock_guard lock(state.mutex);
  auto& q = state.*queue;
  q.insert(q.end(), std::make_move_iterator(ids.begin()), std::make_move_iterator(ids.end()));
}

std::size_t queued(Engine& engine, std::vector<std::string> Engine::CommitLogState::*queue) {
  auto& state = engine.commit_log();
  std::lock_guard lock(state.mutex);
  return (state.*queue).size();
}

}  // namespace manydb::commit_log
