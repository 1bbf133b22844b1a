#include "manydb/driver/catalogue.hpp"

#include <cctype>
#include <charconv>

namespace manydb {

const CatalogueColumn* CatalogueTable::column(std::string_view column_name) const {
  for (const auto& c : columns) {
    if (c.name == column_name) return &c;
  }
  return nullptr;
}

namespace catalogue {

std::size_t length_in(std::string_view type) {
  const auto open = type.find('(');
  if (open == std::string_view::npos) return 0;
  std::size_t n = 0;
  std::from_chars(type.data() + open + 1, type.data() + type.size(), n);
  return n;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool truthy(const Value& v) {
  if (v.type() == ValueType::boolean) return v.as_bool();
  if (v.type() == ValueType::int64) return v.as_int64() != 0;
  return v.type() == ValueType::text && (v.as_text() == "YES" || v.as_text() == "1");
}

std::vector<std::string> first_column(Cursor& rows) {
  std::vector<std::string> out;
  while (rows.next()) out.emplace_back(rows.get_text(0));
  return out;
}

std::vector<CatalogueIndex> group_indexes(Cursor& rows) {
  std::vector<CatalogueIndex> out;
  while (rows.next()) {
    const std::string name(rows.get_text(0));
    if (out.empty() || out.back().name != name)
      out.push_back({name, {}, truthy(rows.get_value(1))});
    out.back().columns.emplace_back(rows.get_text(2));
  }
  return out;
}

}  // namespace catalogue

}  // namespace manydb
