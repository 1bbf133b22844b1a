#include "engines/postgres/replication.hpp"

#include <string>

namespace manydb::engines::postgres {

namespace {

std::optional<std::uint32_t> parse_hex_word(std::string_view text) {
  if (text.empty() || text.size() > 8) return std::nullopt;
  std::uint32_t value = 0;
  for (char c : text) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    if (digit < 0) return std::nullopt;
    value = value << 4 | static_cast<std::uint32_t>(digit);
  }
  return value;
}

class PostgresReplication final : public Replication {
 public:
  // pg_current_wal_lsn() read after COMMIT returned is at or after its commit record; inside the
  // transaction it would be before it.
  std::string_view committed_position_query() const override {
    return "SELECT pg_current_wal_lsn()::text";
  }
  std::string_view current_position_query() const override {
    return "SELECT pg_current_wal_lsn()::text";
  }
  std::string_view replica_status_query() const override {
    return "SELECT CASE WHEN pg_is_in_recovery() THEN 1 ELSE 0 END, "
           "COALESCE(pg_last_wal_replay_lsn()::text, '')";
  }
  bool valid(std::string_view position) const override { return parse_lsn(position).has_value(); }
  bool reached(std::string_view replayed, std::string_view wanted) const override {
    return parse_lsn(replayed).value_or(0) >= parse_lsn(wanted).value_or(0);
  }
  std::string later(std::string_view a, std::string_view b) const override {
    return std::string(parse_lsn(a).value_or(0) >= parse_lsn(b).value_or(0) ? a : b);
  }
};

}  // namespace

std::optional<std::uint64_t> parse_lsn(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto high = parse_hex_word(text.substr(0, slash));
  const auto low = parse_hex_word(text.substr(slash + 1));
  if (!high || !low) return std::nullopt;
  return std::uint64_t{*high} << 32 | *low;
}

const Replication& replication() {
  static const PostgresReplication instance;
  return instance;
}

}  // namespace manydb::engines::postgres
