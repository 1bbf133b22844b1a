// information_schema, within the connection's current database.
#include "engines/mariadb/catalogue.hpp"

namespace manydb::engines::mariadb {

namespace {

std::vector<CatalogueColumn> read_columns(const CatalogueQuery& query, const std::string& table) {
  std::vector<CatalogueColumn> out;
  const Value params[] = {Value(table)};
  auto& cols = query(
      "SELECT column_name, column_type, is_nullable FROM information_schema.columns "
      "WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
      params);
  while (cols.next()) {
    out.push_back(
        {std::string(cols.get_text(0)), std::string(cols.get_text(1)), cols.get_text(2) == "YES"});
  }
  return out;
}

std::vector<CatalogueIndex> read_indexes(const CatalogueQuery& query, const std::string& table) {
  const Value params[] = {Value(table)};
  return catalogue::group_indexes(
      query("SELECT index_name, 1 - non_unique, column_name FROM information_schema.statistics "
            "WHERE table_schema = DATABASE() AND table_name = ? AND index_name <> 'PRIMARY' "
            "ORDER BY index_name, seq_in_index",
            params));
}

}  // namespace

std::vector<CatalogueTable> read_catalogue(const CatalogueQuery& query) {
  std::vector<CatalogueTable> tables;
  for (const auto& name : catalogue::first_column(
           query("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                 "DATABASE() AND table_type = 'BASE TABLE' ORDER BY table_name",
                 {}))) {
    tables.push_back({name, read_columns(query, name), read_indexes(query, name)});
  }
  return tables;
}

CatalogueType classify_type(std::string_view type) {
  const std::string t = catalogue::lower(type);
  if (t == "tinyint(1)" || t == "boolean") return {ValueType::boolean};
  if (t.find("int") != std::string::npos) return {ValueType::int64};
  if (t.starts_with("double") || t.starts_with("float") || t.starts_with("decimal")) {
    return {ValueType::real};
  }
  if (t.starts_with("varchar") || t.starts_with("char")) {
    return {ValueType::text, catalogue::length_in(t)};
  }
  if (t.find("text") != std::string::npos) return {ValueType::text};
  if (t.find("blob") != std::string::npos || t.starts_with("varbinary")) return {ValueType::blob};
  if (t.starts_with("datetime") || t.starts_with("timestamp")) return {ValueType::timestamp};
  return {};
}

}  // namespace manydb::engines::mariadb
