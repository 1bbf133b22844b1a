#include "manydb/core/statement_kind.hpp"

#include <array>
#include <initializer_list>

namespace manydb {

namespace {

// ASCII only, without the C library's locale lookups: this runs before statements a lease may
// run again.
constexpr bool is_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
constexpr bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
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

// The leading word; `rest` is what follows it.
std::string_view first_word(std::string_view sql, std::string_view& rest) {
  std::size_t n = 0;
  while (n < sql.size() && (is_letter(sql[n]) || sql[n] == '_')) {
    ++n;
  }
  rest = sql.substr(n);
  return sql.substr(0, n);
}

bool same_word(std::string_view word, std::string_view wanted) {
  if (word.size() != wanted.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (upper(word[i]) != wanted[i]) return false;
  }
  return true;
}

// reads_only() for a statement already split into its first word and the rest.
bool word_reads_only(std::string_view word, std::string_view rest) {
  static constexpr std::array<std::string_view, 6> kReads{"SELECT", "SHOW",     "VALUES",
                                                          "TABLE",  "DESCRIBE", "DESC"};
  for (auto read : kReads) {
    if (same_word(word, read)) return true;
  }
  if (!same_word(word, "EXPLAIN")) return false;
  // EXPLAIN ANALYZE runs the statement it explains. Told apart by the word anywhere in the
  // text (PostgreSQL also spells it "EXPLAIN (ANALYZE, ...)" and "ANALYSE"): when in doubt, a
  // write.
  for (std::size_t i = 0; i + 6 < rest.size(); ++i) {
    const auto candidate = rest.substr(i, 7);
    if (same_word(candidate, "ANALYZE") || same_word(candidate, "ANALYSE")) return false;
  }
  return true;
}

}  // namespace

bool reads_only(std::string_view sql) {
  std::string_view rest;
  const auto word = first_word(skip_blanks(sql), rest);
  return word_reads_only(word, rest);
}

namespace {

bool is_one_of(std::string_view word, std::initializer_list<std::string_view> wanted) {
  for (auto w : wanted) {
    if (same_word(word, w)) return true;
  }
  return false;
}

}  // namespace

StatementKind statement_kind(std::string_view sql) {
  std::string_view rest;
  const auto word = first_word(skip_blanks(sql), rest);
  if (word.empty()) return StatementKind::write;
  // The first letter picks the few keywords worth comparing: this runs for every statement.
  switch (upper(word.front())) {
    case 'S':
      if (same_word(word, "START") || same_word(word, "SAVEPOINT"))
        return StatementKind::transaction;
      break;
    case 'B':
      if (same_word(word, "BEGIN")) return StatementKind::transaction;
      break;
    case 'C':
      if (same_word(word, "COMMIT")) return StatementKind::transaction;
      if (is_one_of(word, {"CREATE", "COMMENT"})) return StatementKind::ddl;
      break;
    case 'E':
      if (same_word(word, "END")) return StatementKind::transaction;
      break;
    case 'R':
      if (is_one_of(word, {"ROLLBACK", "RELEASE"})) return StatementKind::transaction;
      if (same_word(word, "RENAME")) return StatementKind::ddl;
      break;
    case 'X':
      if (same_word(word, "XA")) return StatementKind::transaction;
      break;
    case 'A':
      if (same_word(word, "ALTER")) return StatementKind::ddl;
      break;
    case 'D':
      if (same_word(word, "DROP")) return StatementKind::ddl;
      break;
    case 'T':
      if (same_word(word, "TRUNCATE")) return StatementKind::ddl;
      break;
    default: break;
  }
  return word_reads_only(word, rest) ? StatementKind::read : StatementKind::write;
}

}  // namespace manydb
