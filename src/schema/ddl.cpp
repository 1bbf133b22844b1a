#include "manydb/schema/ddl.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace manydb::schema {

namespace {

std::string literal(const DefaultValue& value, const Dialect& d) {
  return std::visit(
      [&](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, bool>) {
          return v ? "TRUE" : "FALSE";
        } else if constexpr (std::is_same_v<V, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<V, double>) {
          char buf[32];
          const auto end = std::to_chars(buf, buf + sizeof buf, v).ptr;
          return std::string(buf, end);
        } else {
          return d.quote_literal(v);
        }
      },
      value);
}

std::string column_list(const std::vector<std::string>& columns, const Dialect& d) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + d.quote_identifier(c);
  return out;
}

}  // namespace

std::string column_definition(const ColumnInfo& c, const Dialect& d) {
  std::string sql = d.quote_identifier(c.name) + " ";
  if (c.primary_key && c.autoincrement) return sql.append(d.autoincrement_primary_key());
  sql += d.type_name(c.type, c.length);
  if (c.primary_key) sql += " NOT NULL PRIMARY KEY";
  if (!c.primary_key && !c.nullable) sql += " NOT NULL";
  if (c.unique) sql += " UNIQUE";
  if (c.default_now) sql.append(" DEFAULT ").append(d.utc_now_default());
  if (c.default_value) sql += " DEFAULT " + literal(*c.default_value, d);
  if (!c.check.empty()) sql += " CHECK (" + c.check + ")";
  return sql;
}

std::string create_index_statement(const TableInfo& table, const IndexInfo& ix, const Dialect& d) {
  return std::string("CREATE ") + (ix.unique ? "UNIQUE " : "") + "INDEX IF NOT EXISTS " +
         d.quote_identifier(ix.name) + " ON " + d.quote_identifier(table.name) + " (" +
         column_list(ix.columns, d) + ")";
}

std::string drop_index_statement(const std::string& table, const std::string& index,
                                 const Dialect& d) {
  // An index belongs to its table on MariaDB, to the schema elsewhere.
  const std::string on =
      d.backend() == Backend::mariadb ? " ON " + d.quote_identifier(table) : std::string();
  return "DROP INDEX IF EXISTS " + d.quote_identifier(index) + on;
}

std::string add_column_statement(const TableInfo& table, const ColumnInfo& column,
                                 const Dialect& d) {
  return "ALTER TABLE " + d.quote_identifier(table.name) + " ADD COLUMN " +
         column_definition(column, d);
}

std::string drop_column_statement(const std::string& table, const std::string& column,
                                  const Dialect& d) {
  return "ALTER TABLE " + d.quote_identifier(table) + " DROP COLUMN " + d.quote_identifier(column);
}

std::vector<std::string> create_statements(const TableInfo& table, const Dialect& d) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + d.quote_identifier(table.name) + " (";
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    sql += (i ? ", " : "") + column_definition(table.columns[i], d);
  }
  for (const auto& c : table.columns) {
    if (!c.references) continue;
    sql += ", FOREIGN KEY (" + d.quote_identifier(c.name) + ") REFERENCES " +
           d.quote_identifier(c.references->table) + " (" +
           d.quote_identifier(c.references->column) + ")";
  }
  sql += ")";
  sql += d.table_options();
  std::vector<std::string> statements{sql};
  for (const auto& ix : table.indexes) statements.push_back(create_index_statement(table, ix, d));
  return statements;
}

std::string drop_statement(const TableInfo& table, const Dialect& d) {
  return "DROP TABLE IF EXISTS " + d.quote_identifier(table.name);
}

std::vector<const TableInfo*> dependency_order(std::vector<const TableInfo*> tables) {
  std::vector<const TableInfo*> ordered;
  std::set<std::string> placed;
  auto ready = [&](const TableInfo* t) {
    return std::all_of(t->columns.begin(), t->columns.end(), [&](const ColumnInfo& c) {
      return !c.references || c.references->table == t->name ||
             placed.contains(c.references->table) ||
             std::none_of(tables.begin(), tables.end(),
                          [&](const TableInfo* o) { return o->name == c.references->table; });
    });
  };
  while (!tables.empty()) {
    auto it = std::find_if(tables.begin(), tables.end(), ready);
    if (it == tables.end()) it = tables.begin();  // a cycle: fall back to declaration order
    placed.insert((*it)->name);
    ordered.push_back(*it);
    tables.erase(it);
  }
  return ordered;
}

}  // namespace manydb::schema
