#include "manydb/schema/live_schema.hpp"

#include <algorithm>

namespace manydb::schema {

namespace {

bool has_index(const LiveTable& table, std::string_view name) {
  return std::any_of(table.indexes.begin(), table.indexes.end(),
                     [&](const LiveIndex& ix) { return ix.name == name; });
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

const LiveTable* LiveSchema::table(std::string_view table_name) const {
  for (const auto& t : tables) {
    if (t.name == table_name) return &t;
  }
  return nullptr;
}

LiveType classify(Backend backend, std::string_view type) {
  return dialect_for(backend).classify_type(type);
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
    for (const auto& ix : table->indexes) {
      if (has_index(*found, ix.name)) continue;
      std::string columns;
      for (const auto& c : ix.columns) columns += (columns.empty() ? "" : ", ") + c;
      out.push_back({live.bind, table->name, "", SchemaDifference::Kind::missing_index,
                     ix.name + " (" + columns + "): the model has it, the table does not",
                     ix.name});
    }
  }
  return out;
}

std::string SchemaDifference::to_string() const {
  static constexpr std::string_view kNames[] = {"missing table",           "missing column",
                                                "type mismatch",           "nullability mismatch",
                                                "column not in the model", "missing index"};
  std::string where = bind + ": " + table;
  if (!column.empty()) where += "." + column;
  return where + ": " + std::string(kNames[static_cast<int>(kind)]) + " (" + detail + ")";
}

}  // namespace manydb::schema
