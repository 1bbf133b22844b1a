#include "manydb/schema/live_schema.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace manydb::schema {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool has(const std::string& text, std::string_view word) {
  return text.find(word) != std::string::npos;
}

// The first number in parentheses: "varchar(80)" -> 80.
std::size_t length_of(const std::string& type) {
  const auto open = type.find('(');
  if (open == std::string::npos) return 0;
  std::size_t n = 0;
  std::from_chars(type.data() + open + 1, type.data() + type.size(), n);
  return n;
}

// SQLite's type affinity rules, plus the names manydb declares for bool and timestamp.
LiveType classify_sqlite(const std::string& t) {
  if (has(t, "bool")) return {ValueType::boolean};
  if (has(t, "int")) return {ValueType::int64};
  if (has(t, "timestamp") || has(t, "datetime")) return {ValueType::timestamp};
  if (has(t, "char") || has(t, "clob") || has(t, "text")) return {ValueType::text, length_of(t)};
  if (has(t, "blob") || t.empty()) return {ValueType::blob};
  if (has(t, "real") || has(t, "floa") || has(t, "doub")) return {ValueType::real};
  return {};
}

LiveType classify_postgres(const std::string& t) {
  if (t == "boolean") return {ValueType::boolean};
  if (t == "bigint" || t == "integer" || t == "smallint") return {ValueType::int64};
  if (t == "double precision" || t == "real" || t.starts_with("numeric")) return {ValueType::real};
  if (t == "text") return {ValueType::text};
  if (t.starts_with("character")) return {ValueType::text, length_of(t)};
  if (t == "bytea") return {ValueType::blob};
  if (t.starts_with("timestamp")) return {ValueType::timestamp};
  return {};
}

LiveType classify_mariadb(const std::string& t) {
  if (t == "tinyint(1)" || t == "boolean") return {ValueType::boolean};
  if (has(t, "int")) return {ValueType::int64};
  if (t.starts_with("double") || t.starts_with("float") || t.starts_with("decimal")) {
    return {ValueType::real};
  }
  if (t.starts_with("varchar") || t.starts_with("char")) return {ValueType::text, length_of(t)};
  if (has(t, "text")) return {ValueType::text};
  if (has(t, "blob") || t.starts_with("varbinary")) return {ValueType::blob};
  if (t.starts_with("datetime") || t.starts_with("timestamp")) return {ValueType::timestamp};
  return {};
}

std::string describe(ValueType type, std::size_t length) {
  std::string out(manydb::to_string(type));
  if (length) out += "(" + std::to_string(length) + ")";
  return out;
}

void compare_column(const ColumnInfo& model, const LiveColumn& live, const LiveSchema& schema,
                    const TableInfo& table, std::vector<SchemaDifference>& out) {
  const LiveType found = classify(schema.backend, live.type);
  if (found.type != model.type || (model.length && found.length != model.length)) {
    out.push_back({schema.bind, table.name, model.name, SchemaDifference::Kind::type_mismatch,
                   "the model has " + describe(model.type, model.length) + ", the database has " +
                       live.type});
  }
  if (found.type == model.type && live.nullable != model.nullable) {
    out.push_back({schema.bind, table.name, model.name,
                   SchemaDifference::Kind::nullability_mismatch,
                   std::string("the model says ") + (model.nullable ? "NULL" : "NOT NULL") +
                       ", the database says " + (live.nullable ? "NULL" : "NOT NULL")});
  }
}

}  // namespace

const LiveColumn* LiveTable::column(std::string_view column_name) const {
  for (const auto& c : columns) {
    if (c.name == column_name) return &c;
  }
  return nullptr;
}

const LiveTable* LiveSchema::table(std::string_view table_name) const {
  for (const auto& t : tables) {
    if (t.name == table_name) return &t;
  }
  return nullptr;
}

LiveType classify(Backend backend, std::string_view type) {
  const auto t = lower(type);
  switch (backend) {
    case Backend::sqlite: return classify_sqlite(t);
    case Backend::postgresql: return classify_postgres(t);
    case Backend::mariadb: return classify_mariadb(t);
  }
  return {};
}

std::vector<SchemaDifference> compare(const LiveSchema& live,
                                      const std::vector<const TableInfo*>& models) {
  std::vector<SchemaDifference> out;
  for (const TableInfo* table : models) {
    const LiveTable* found = live.table(table->name);
    if (!found) {
      out.push_back({live.bind, table->name, "", SchemaDifference::Kind::missing_table,
                     "the model " + table->model + " has no table"});
      continue;
    }
    for (const auto& column : table->columns) {
      if (const LiveColumn* lc = found->column(column.name)) {
        compare_column(column, *lc, live, *table, out);
      } else {
        out.push_back({live.bind, table->name, column.name, SchemaDifference::Kind::missing_column,
                       "the model has it, the table does not"});
      }
    }
    for (const auto& lc : found->columns) {
      if (!table->column(lc.name)) {
        out.push_back({live.bind, table->name, lc.name, SchemaDifference::Kind::extra_column,
                       "the table has it, the model does not"});
      }
    }
  }
  return out;
}

std::string SchemaDifference::to_string() const {
  static constexpr std::string_view kNames[] = {"missing table", "missing column", "type mismatch",
                                                "nullability mismatch", "column not in the model"};
  std::string where = bind + ": " + table;
  if (!column.empty()) where += "." + column;
  return where + ": " + std::string(kNames[static_cast<int>(kind)]) + " (" + detail + ")";
}

}  // namespace manydb::schema
