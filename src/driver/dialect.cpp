#include "manydb/driver/dialect.hpp"

#include "manydb/core/errors.hpp"
#include "manydb/driver/registry.hpp"

namespace manydb {

namespace {
bool is_identifier_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_identifier_char(char c) {
  return is_identifier_start(c) || (c >= '0' && c <= '9') || c == '$';
}
}  // namespace

void validate_identifier(std::string_view name) {
  bool valid = !name.empty() && name.size() <= 63 && is_identifier_start(name[0]);
  for (char c : name) valid = valid && is_identifier_char(c);
  if (!valid) {
    throw ConfigError("invalid identifier '" + std::string(name) +
                      "': use letters, digits and '_' (starting with a letter or '_'), at most 63");
  }
}

std::string Dialect::quote_identifier(std::string_view name) const {
  validate_identifier(name);
  const char q = identifier_quote();
  std::string out;
  out.reserve(name.size() + 2);
  out.push_back(q);
  out.append(name);
  out.push_back(q);
  return out;
}

std::string Dialect::quote_literal(std::string_view text) const {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || (c == '\\' && backslash_escapes())) out.push_back(c);
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string Dialect::rewrite_placeholders(std::string_view sql, std::size_t* count) const {
  std::string out;
  out.reserve(sql.size() + 8);
  std::size_t n = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {  // copy a literal or quoted identifier whole
      const std::size_t end = sql.find(c, i + 1);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t end = sql.find('\n', i);
      const std::size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, stop - i));
      i = stop - 1;
    } else if (c == '?') {
      out += placeholder(++n);
    } else {
      out.push_back(c);
    }
  }
  if (count) *count = n;
  return out;
}

const Dialect& dialect_for(Backend backend) { return registered_engine(backend).dialect(); }

std::string Dialect::skip_existing_keys(std::string_view) const {
  return " ON CONFLICT DO NOTHING";
}

}  // namespace manydb
