// sqlite_master and the table_info / index_list / index_info PRAGMAs.
#include "engines/sqlite/catalogue.hpp"

#include "engines/sqlite/factory.hpp"

namespace manydb::engines::sqlite {

namespace {

bool has(const std::string& text, std::string_view word) {
  return text.find(word) != std::string::npos;
}

Result read(const CatalogueQuery& query, const std::string& sql) {
  return read_all(query(sql, {}));
}

void read_indexes(const CatalogueQuery& query, const std::string& quoted, CatalogueTable& t) {
  for (const auto& ix : read(query, "PRAGMA index_list(" + quoted + ")").rows) {
    if (ix[3].as_text() == "pk") continue;
    CatalogueIndex index{ix[1].as_text(), {}, catalogue::truthy(ix[2])};
    const auto info =
        read(query, "PRAGMA index_info(" + dialect().quote_identifier(index.name) + ")");
    for (const auto& col : info.rows) index.columns.push_back(col[2].as_text());
    t.indexes.push_back(std::move(index));
  }
}

}  // namespace

std::vector<CatalogueTable> read_catalogue(const CatalogueQuery& query) {
  std::vector<CatalogueTable> tables;
  const auto names = catalogue::first_column(
      query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name",
            {}));
  for (const auto& name : names) {
    CatalogueTable t{name, {}, {}};
    const auto quoted = dialect().quote_identifier(name);
    for (const auto& row : read(query, "PRAGMA table_info(" + quoted + ")").rows) {
      // A primary key is never NULL, even where SQLite's notnull flag says otherwise.
      const bool not_null = catalogue::truthy(row[3]) || row[5].as_int64() > 0;
      t.columns.push_back({row[1].as_text(), row[2].as_text(), !not_null});
    }
    read_indexes(query, quoted, t);
    tables.push_back(std::move(t));
  }
  return tables;
}

// SQLite's type affinity rules, plus the names manydb declares for bool and timestamp.
CatalogueType classify_type(std::string_view type) {
  const std::string t = catalogue::lower(type);
  if (has(t, "bool")) return {ValueType::boolean};
  if (has(t, "int")) return {ValueType::int64};
  if (has(t, "timestamp") || has(t, "datetime")) return {ValueType::timestamp};
  if (has(t, "char") || has(t, "clob") || has(t, "text")) {
    return {ValueType::text, catalogue::length_in(t)};
  }
  if (has(t, "blob") || t.empty()) return {ValueType::blob};
  if (has(t, "real") || has(t, "floa") || has(t, "doub")) return {ValueType::real};
  return {};
}

}  // namespace manydb::engines::sqlite
