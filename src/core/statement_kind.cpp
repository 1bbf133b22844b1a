#include "manydb/core/statement_kind.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>

namespace manydb {

namespace {

// ASCII only, without the C library's locale lookups: this runs before statements a lease may
// run again.
constexpr bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
constexpr char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

// Skips whitespace, "-- line" and "/* block */" comments (MariaDB's "#" comments too).
std::string_view skip_blanks(std::string_view sql) {
  for (;;) {
    while (!sql.empty() && is_space(sql.front())) {
      sql.remove_prefix(1);
    }
    if (sql.starts_with("--") || sql.starts_with("#")) {
      const auto end = sql.find('\n');
      sql = end == std::string_view::npos ? std::string_view() : sql.substr(end + 1);
    } else if (sql.starts_with("/*")) {
      const auto end = sql.find("*/", 2);
      sql = end == std::string_view::npos ? std::string_view() : sql.substr(end + 2);
    } else {
      return sql;
    }
  }
}

// The leading word, upper-cased and packed into an integer (its first letter in the lowest
// byte; only the first 8 letters), so that one switch tells it from every keyword; and what
// follows it. One pass, as this runs for every statement.
struct FirstWord {
  std::string_view word;
  std::uint64_t packed = 0;
  std::string_view rest;
};
FirstWord word_by_bytes(std::string_view sql) {
  FirstWord w;
  std::size_t n = 0;
  for (; n < sql.size(); ++n) {
    const auto c = static_cast<unsigned char>(sql[n]);
    const auto u = static_cast<unsigned char>(c & 0xDF);  // a letter's upper case; '_' stays
    if ((u < 'A' || u > 'Z') && c != '_') break;
    if (n < 8) w.packed |= std::uint64_t{u} << (8 * n);
  }
  w.word = sql.substr(0, n);
  w.rest = sql.substr(n);
  return w;
}

// The same for a word of fewer than 8 letters followed by at least one more byte (SELECT,
// INSERT, UPDATE...), eight bytes at a time: the letters and underscores among them are found
// by arithmetic on the bytes side by side.
std::optional<FirstWord> short_word(std::string_view sql) {
  if (std::endian::native != std::endian::little || sql.size() < 8) return std::nullopt;
  constexpr std::uint64_t kOnes = 0x0101010101010101, kHigh = kOnes * 0x80;
  std::uint64_t x;
  std::memcpy(&x, sql.data(), 8);
  const std::uint64_t upper_cased = x & ~(kOnes * 0x20);
  const std::uint64_t low = upper_cased & ~kHigh;  // 7 bits a byte: the sums do not carry
  const std::uint64_t letter =
      (low + kOnes * (0x80 - 'A')) & ~(low + kOnes * (0x80 - 'Z' - 1)) & ~upper_cased;
  const std::uint64_t z = x ^ (kOnes * '_');  // a zero byte where x has an underscore
  const std::uint64_t underscore = ~(((z & ~kHigh) + ~kHigh) | z);
  const std::uint64_t other = ~(letter | underscore) & kHigh;
  if (other == 0) return std::nullopt;  // 8 letters or more: ROLLBACK, SAVEPOINT...
  const auto n = static_cast<std::size_t>(std::countr_zero(other) / 8);
  FirstWord w;
  w.packed = n == 0 ? 0 : upper_cased & (~std::uint64_t{0} >> (64 - 8 * n));
  w.word = sql.substr(0, n);
  w.rest = sql.substr(n);
  return w;
}

FirstWord first_word(std::string_view sql) {
  if (auto w = short_word(sql)) return *w;
  return word_by_bytes(sql);
}

bool same_word(std::string_view word, std::string_view wanted) {
  if (word.size() != wanted.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (upper(word[i]) != wanted[i]) return false;
  }
  return true;
}

// A keyword as first_word() packs it.
constexpr std::uint64_t pack(std::string_view keyword) {
  std::uint64_t packed = 0;
  for (std::size_t i = 0; i < keyword.size(); ++i) {
    packed |= std::uint64_t{static_cast<unsigned char>(keyword[i])} << (8 * i);
  }
  return packed;
}

// EXPLAIN ANALYZE runs the statement it explains. Told apart by the word anywhere in the text
// (PostgreSQL also spells it "EXPLAIN (ANALYZE, ...)" and "ANALYSE"): when in doubt, a write.
bool analyzes(std::string_view rest) {
  for (std::size_t i = 0; i + 6 < rest.size(); ++i) {
    const auto candidate = rest.substr(i, 7);
    if (same_word(candidate, "ANALYZE") || same_word(candidate, "ANALYSE")) return true;
  }
  return false;
}

StatementKind kind_of(const FirstWord& w) {
  if (w.word.size() > 8) {  // the only keyword that long
    return same_word(w.word, "SAVEPOINT") ? StatementKind::transaction : StatementKind::write;
  }
  switch (w.packed) {
    case pack("SELECT"):
    case pack("SHOW"):
    case pack("VALUES"):
    case pack("TABLE"):
    case pack("DESCRIBE"):
    case pack("DESC"): return StatementKind::read;
    case pack("EXPLAIN"): return analyzes(w.rest) ? StatementKind::write : StatementKind::read;
    case pack("BEGIN"):
    case pack("START"):
    case pack("COMMIT"):
    case pack("END"):
    case pack("ROLLBACK"):
    case pack("RELEASE"):
    case pack("XA"): return StatementKind::transaction;
    case pack("CREATE"):
    case pack("COMMENT"):
    case pack("ALTER"):
    case pack("DROP"):
    case pack("TRUNCATE"):
    case pack("RENAME"): return StatementKind::ddl;
    default: return StatementKind::write;
  }
}

StatementKind kind_of(std::string_view sql) { return kind_of(first_word(skip_blanks(sql))); }

}  // namespace

bool reads_only(std::string_view sql) { return kind_of(sql) == StatementKind::read; }

StatementKind statement_kind(std::string_view sql) { return kind_of(sql); }

}  // namespace manydb
