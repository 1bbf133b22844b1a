// pg_catalog, within the connection's current schema.
#include "engines/postgres/catalogue.hpp"

namespace manydb::engines::postgres {

namespace {

std::vector<CatalogueColumn> read_columns(const CatalogueQuery& query, const std::string& table) {
  std::vector<CatalogueColumn> out;
  const Value params[] = {Value(table)};
  auto& cols = query(
      "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull "
      "FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid "
      "WHERE r.relname = ? AND r.relnamespace = current_schema()::regnamespace "
      "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
      params);
  while (cols.next()) {
    out.push_back({std::string(cols.get_text(0)), std::string(cols.get_text(1)), cols.get_bool(2)});
  }
  return out;
}

std::vector<CatalogueIndex> read_indexes(const CatalogueQuery& query, const std::string& table) {
  const Value params[] = {Value(table)};
  return catalogue::group_indexes(
      query("SELECT i.relname::text, ix.indisunique, a.attname::text FROM pg_index ix "
            "JOIN pg_class r ON r.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid "
            "JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = ANY(ix.indkey) "
            "WHERE r.relname = ? AND r.relnamespace = current_schema()::regnamespace "
            "AND NOT ix.indisprimary ORDER BY 1, array_position(ix.indkey::int2[], a.attnum)",
            params));
}

}  // namespace

std::vector<CatalogueTable> read_catalogue(const CatalogueQuery& query) {
  std::vector<CatalogueTable> tables;
  for (const auto& name : catalogue::first_column(query(
           "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
           {}))) {
    tables.push_back({name, read_columns(query, name), read_indexes(query, name)});
  }
  return tables;
}

CatalogueType classify_type(std::string_view type) {
  const std::string t = catalogue::lower(type);
  if (t == "boolean") return {ValueType::boolean};
  if (t == "bigint" || t == "integer" || t == "smallint") return {ValueType::int64};
  if (t == "double precision" || t == "real" || t.starts_with("numeric")) return {ValueType::real};
  if (t == "text") return {ValueType::text};
  if (t.starts_with("character")) return {ValueType::text, catalogue::length_in(t)};
  if (t == "bytea") return {ValueType::blob};
  if (t.starts_with("timestamp")) return {ValueType::timestamp};
  return {};
}

}  // namespace manydb::engines::postgres
