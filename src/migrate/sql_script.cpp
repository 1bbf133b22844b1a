#include "manydb/migrate/sql_script.hpp"

#include <cctype>

#include "manydb/core/errors.hpp"

namespace manydb::migrate {
namespace {

bool only_blanks_and_comments(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "--") == 0) {
      i = s.find('\n', i);
      if (i == std::string_view::npos) return true;
    } else if (!std::isspace(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// Whether the `;` at `i` is the last thing on its line (a `--` comment may follow).
bool ends_its_line(std::string_view sql, std::size_t i) {
  for (++i; i < sql.size() && sql[i] != '\n'; ++i) {
    if (sql.compare(i, 2, "--") == 0) return true;
    if (!std::isspace(static_cast<unsigned char>(sql[i]))) return false;
  }
  return true;
}

// The dollar-quote tag ($$ or $name$) starting at `i`, or empty.
std::string_view dollar_tag(std::string_view sql, std::size_t i) {
  std::size_t j = i + 1;
  while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) ++j;
  if (j < sql.size() && sql[j] == '$') return sql.substr(i, j - i + 1);
  return {};
}

// The index just past the quoted text, comment or dollar body starting at `i`, or `i` when
// none starts there.
std::size_t skip_quoted(std::string_view sql, std::size_t i) {
  const char c = sql[i];
  if (c == '\'' || c == '"' || c == '`') {
    for (std::size_t j = i + 1; j < sql.size(); ++j) {
      if (sql[j] == '\\' && c != '"') {
        ++j;  // MariaDB escapes inside strings; harmless elsewhere for a splitter
      } else if (sql[j] == c) {
        if (j + 1 < sql.size() && sql[j + 1] == c) {
          ++j;  // a doubled quote
        } else {
          return j + 1;
        }
      }
    }
    return sql.size();
  }
  if (sql.compare(i, 2, "--") == 0) {
    const auto end = sql.find('\n', i);
    return end == std::string_view::npos ? sql.size() : end;
  }
  if (sql.compare(i, 2, "/*") == 0) {
    const auto end = sql.find("*/", i + 2);
    return end == std::string_view::npos ? sql.size() : end + 2;
  }
  if (c == '$') {
    const auto tag = dollar_tag(sql, i);
    if (tag.empty()) return i;
    const auto end = sql.find(tag, i + tag.size());
    return end == std::string_view::npos ? sql.size() : end + tag.size();
  }
  return i;
}

}  // namespace

std::vector<std::string> split_statements(std::string_view sql) {
  std::vector<std::string> statements;
  std::size_t start = 0;
  auto take = [&](std::size_t end) {
    const auto text = sql.substr(start, end - start);
    if (!only_blanks_and_comments(text)) {
      const auto first = text.find_first_not_of(" \t\r\n");
      const auto last = text.find_last_not_of(" \t\r\n");
      statements.emplace_back(text.substr(first, last - first + 1));
    }
  };
  for (std::size_t i = 0; i < sql.size();) {
    if (const auto past = skip_quoted(sql, i); past != i) {
      i = past;
    } else if (sql[i] == ';' && ends_its_line(sql, i)) {
      take(i);
      start = ++i;
    } else {
      ++i;
    }
  }
  take(sql.size());
  return statements;
}

StepText parse_step_file(std::string_view text, std::string_view source) {
  StepText parts;
  std::string* current = nullptr;
  bool seen_up = false, seen_down = false;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(pos, end - pos);
    const auto trimmed = line.substr(0, line.find_last_not_of(" \t\r") + 1);
    if (trimmed == "-- migrate:up" || trimmed == "-- migrate:down") {
      bool& seen = trimmed == "-- migrate:up" ? seen_up : seen_down;
      if (seen) throw ConfigError(std::string(source) + ": '" + std::string(trimmed) + "' twice");
      seen = true;
      current = trimmed == "-- migrate:up" ? &parts.up : &parts.down;
    } else if (current != nullptr) {
      current->append(line).append("\n");
    }
    pos = end + 1;
  }
  if (!seen_up || only_blanks_and_comments(parts.up)) {
    throw ConfigError(std::string(source) + ": no '-- migrate:up' part with statements");
  }
  return parts;
}

}  // namespace manydb::migrate
