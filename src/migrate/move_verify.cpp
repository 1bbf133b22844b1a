// TableMove::verify: A and B compared per range of A's keys, by row count and checksum.
#include <thread>

#include "manydb/core/errors.hpp"
#include "manydb/migrate/table_move.hpp"
#include "move_rows.hpp"
#include "move_state.hpp"
#include "version_table.hpp"

namespace manydb::migrate {

namespace {

// Keys in (after, last]; an open end where there is none, so that the first and the last
// range also cover whatever B holds below or above every key of A.
struct Range {
  std::optional<Value> after, last;
  std::string first_key, last_key;  // of A's rows, for the report
};

struct Summary {
  std::int64_t rows = 0;
  std::uint64_t checksum = 0;
  bool operator==(const Summary&) const = default;
};

Summary summarize(Cursor& cursor, const MoveRows& rows, std::vector<Value>* keys = nullptr) {
  Summary s;
  RowChecksum sum;
  while (cursor.next()) {
    ++s.rows;
    for (std::size_t i = 0; i < rows.columns(); ++i) {
      Value v = rows.read(cursor, i);
      if (keys && i == rows.key()) keys->push_back(v);
      sum.add(v);
    }
  }
  s.checksum = sum.value();
  return s;
}

Summary summarize_range(Lease& lease, const MoveRows& rows, const Range& range) {
  std::vector<Value> params;
  if (range.after) params.push_back(*range.after);
  if (range.last) params.push_back(*range.last);
  const std::string sql =
      rows.select_range(lease->dialect(), range.after.has_value(), range.last.has_value());
  return summarize(lease.query(sql, params, true), rows);
}

// B's largest key above `after` (any key without it); none when B holds no such key.
std::optional<Value> last_key_above(Lease& lease, const MoveRows& rows,
                                    const std::optional<Value>& after) {
  std::vector<Value> params;
  if (after) params.push_back(*after);
  auto& cursor =
      lease.query(rows.select_last_key(lease->dialect(), after.has_value()), params, true);
  std::optional<Value> key;
  while (cursor.next()) key = rows.read_key(cursor);
  return key;
}

std::string describe(const Range& range, const Summary& a, const Summary& b,
                     const TableMoves::Move& move) {
  const std::string keys = range.first_key.empty()
                               ? "no keys in " + move.from
                               : "keys " + range.first_key + ".." + range.last_key;
  if (a.rows != b.rows) {
    return keys + ": " + std::to_string(a.rows) + " rows in " + move.from + ", " +
           std::to_string(b.rows) + " in " + move.to;
  }
  return keys + ": checksums differ";
}

}  // namespace

VerifyResult TableMove::verify(const VerifyOptions& options) {
  if (options.range_rows == 0) throw DataError("verify: the range size must be at least 1");
  const MoveRows rows(table_);
  Lease a = source().connect();
  Lease b = target().connect();
  VerifyResult result;
  std::optional<Value> after;
  for (bool last = false; !last;) {
    std::vector<Value> params;
    if (after) params.push_back(*after);
    std::vector<Value> keys;
    const std::string sql =
        rows.select_after(a->dialect(), after.has_value(), options.range_rows, false);
    Summary on_a = summarize(a.query(sql, params, true), rows, &keys);
    last = keys.size() < options.range_rows;
    Range range;
    range.after = after;
    if (!last) range.last = keys.back();
    // The last range ends at the largest key of A or B read now, not open: rows inserted from
    // here on (a dual write reaches A, then B) would otherwise make it differ on every
    // comparison under steady inserts. Rows B alone holds above A's keys still fall inside it.
    if (last) {
      const std::optional<Value> a_last = keys.empty() ? after : std::optional<Value>(keys.back());
      const std::optional<Value> b_last = last_key_above(b, rows, a_last);
      range.last = b_last ? b_last : a_last;
    }
    if (!keys.empty()) {
      range.first_key = MoveRows::key_text(keys.front());
      range.last_key = MoveRows::key_text(keys.back());
    }
    Summary on_b = summarize_range(b, rows, range);
    // Writes in flight reach A and B at slightly different moments: compare both again.
    for (int again = 0; again < options.rechecks && !(on_a == on_b); ++again) {
      std::this_thread::sleep_for(options.recheck_pause * (1 << again));
      on_a = summarize_range(a, rows, range);
      on_b = summarize_range(b, rows, range);
    }
    ++result.ranges;
    result.rows += on_a.rows;
    if (!(on_a == on_b)) {
      result.differences.push_back({range.first_key, range.last_key, on_a.rows, on_b.rows,
                                    describe(range, on_a, on_b, move_)});
    }
    if (!keys.empty()) after = keys.back();
  }
  Lease state = target().connect();
  MoveState(state, table_.name).record_verified(result.ok(), now_ms());
  return result;
}

}  // namespace manydb::migrate
