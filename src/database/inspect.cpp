#include "manydb/database/inspect.hpp"

#include <map>

namespace manydb {

namespace {

using schema::LiveColumn;
using schema::LiveIndex;
using schema::LiveTable;

bool truthy(const Value& v) {
  if (v.type() == ValueType::boolean) return v.as_bool();
  if (v.type() == ValueType::int64) return v.as_int64() != 0;
  return v.type() == ValueType::text && (v.as_text() == "YES" || v.as_text() == "1");
}

std::vector<std::string> strings(Cursor& rows) {
  std::vector<std::string> out;
  while (rows.next()) out.emplace_back(rows.get_text(0));
  return out;
}

// Rows of (index name, unique, column) in index column order, grouped into indexes.
std::vector<LiveIndex> group_indexes(Cursor& rows) {
  std::vector<LiveIndex> out;
  while (rows.next()) {
    const std::string name(rows.get_text(0));
    if (out.empty() || out.back().name != name)
      out.push_back({name, {}, truthy(rows.get_value(1))});
    out.back().columns.emplace_back(rows.get_text(2));
  }
  return out;
}

void inspect_sqlite(Lease& c, std::vector<LiveTable>& tables) {
  const auto names = strings(
      c.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
              "ORDER BY name"));
  for (const auto& name : names) {
    LiveTable t{name, {}, {}};
    const auto quoted = c->dialect().quote_identifier(name);
    const Result columns = read_all(c.query("PRAGMA table_info(" + quoted + ")"));
    for (const auto& row : columns.rows) {
      // A primary key is never NULL, even where SQLite's notnull flag says otherwise.
      const bool not_null = truthy(row[3]) || row[5].as_int64() > 0;
      t.columns.push_back({row[1].as_text(), row[2].as_text(), !not_null});
    }
    const Result indexes = read_all(c.query("PRAGMA index_list(" + quoted + ")"));
    for (const auto& ix : indexes.rows) {
      if (ix[3].as_text() == "pk") continue;
      LiveIndex index{ix[1].as_text(), {}, truthy(ix[2])};
      const Result cols =
          read_all(c.query("PRAGMA index_info(" + c->dialect().quote_identifier(index.name) + ")"));
      for (const auto& col : cols.rows) index.columns.push_back(col[2].as_text());
      t.indexes.push_back(std::move(index));
    }
    tables.push_back(std::move(t));
  }
}

void inspect_postgres(Lease& c, std::vector<LiveTable>& tables) {
  for (const auto& name : strings(c.query("SELECT tablename::text FROM pg_tables WHERE schemaname "
                                          "= current_schema() ORDER BY 1"))) {
    LiveTable t{name, {}, {}};
    auto& cols = c.query(
        "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull "
        "FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid "
        "WHERE r.relname = ? AND r.relnamespace = current_schema()::regnamespace "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        {name});
    while (cols.next()) {
      t.columns.push_back(
          {std::string(cols.get_text(0)), std::string(cols.get_text(1)), cols.get_bool(2)});
    }
    t.indexes = group_indexes(
        c.query("SELECT i.relname::text, ix.indisunique, a.attname::text FROM pg_index ix "
                "JOIN pg_class r ON r.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid "
                "JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = ANY(ix.indkey) "
                "WHERE r.relname = ? AND r.relnamespace = current_schema()::regnamespace "
                "AND NOT ix.indisprimary ORDER BY 1, array_position(ix.indkey::int2[], a.attnum)",
                {name}));
    tables.push_back(std::move(t));
  }
}

void inspect_mariadb(Lease& c, std::vector<LiveTable>& tables) {
  for (const auto& name : strings(c.query(
           "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() "
           "AND table_type = 'BASE TABLE' ORDER BY table_name"))) {
    LiveTable t{name, {}, {}};
    auto& cols = c.query(
        "SELECT column_name, column_type, is_nullable FROM information_schema.columns "
        "WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position",
        {name});
    while (cols.next()) {
      t.columns.push_back({std::string(cols.get_text(0)), std::string(cols.get_text(1)),
                           cols.get_text(2) == "YES"});
    }
    t.indexes = group_indexes(
        c.query("SELECT index_name, 1 - non_unique, column_name FROM information_schema.statistics "
                "WHERE table_schema = DATABASE() AND table_name = ? AND index_name <> 'PRIMARY' "
                "ORDER BY index_name, seq_in_index",
                {name}));
    tables.push_back(std::move(t));
  }
}

}  // namespace

schema::LiveSchema inspect_schema(Engine& engine) {
  schema::LiveSchema live{engine.bind(), engine.url().backend, {}};
  Lease lease = engine.connect();
  switch (live.backend) {
    case Backend::sqlite: inspect_sqlite(lease, live.tables); break;
    case Backend::postgresql: inspect_postgres(lease, live.tables); break;
    case Backend::mariadb: inspect_mariadb(lease, live.tables); break;
  }
  return live;
}

}  // namespace manydb
