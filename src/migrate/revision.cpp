#include "manydb/migrate/revision.hpp"

#include <algorithm>

#include "manydb/schema/ddl.hpp"

namespace manydb::migrate {
namespace {

using schema::SchemaDifference;
using Kind = SchemaDifference::Kind;

constexpr std::string_view kTodo = "TODO (review): ";

const schema::TableInfo* model_table(const std::vector<const schema::TableInfo*>& models,
                                     const std::string& name) {
  for (const auto* t : models) {
    if (t->name == name) return t;
  }
  return nullptr;
}

// Why ADD COLUMN of `c` may fail or not do all the model says: for the reviewer.
std::vector<std::string> add_column_caveats(const schema::ColumnInfo& c, const std::string& table,
                                            const Dialect& d) {
  std::vector<std::string> out;
  const std::string where = table + "." + c.name + ": ";
  if (!c.nullable && !c.default_value && !c.default_now) {
    out.push_back(where +
                  "NOT NULL without a default fails on a table that has rows (MariaDB fills "
                  "in 0 or ''): add it nullable, fill it, then make it NOT NULL");
  }
  if (c.references) {
    out.push_back(where + "ADD COLUMN does not add its foreign key to " + c.references->table +
                  "." + c.references->column + ": add the constraint by hand");
  }
  if (d.backend() == Backend::sqlite && (c.unique || c.default_now || c.primary_key)) {
    out.push_back(where +
                  "SQLite cannot add a UNIQUE, PRIMARY KEY or non-constant DEFAULT column: "
                  "rebuild the table (create the new one, copy the rows, rename)");
  }
  return out;
}

// An index the engine made for a constraint of the model (a UNIQUE column; MariaDB's index for
// a foreign key): not one the models lack.
bool made_for_a_constraint(const schema::LiveIndex& ix, const schema::TableInfo& table) {
  if (ix.columns.size() != 1) return false;
  const auto* c = table.column(ix.columns[0]);
  return c != nullptr && ((ix.unique && c->unique) || (!ix.unique && c->references));
}

void note_extra_indexes(const schema::LiveTable& live, const schema::TableInfo& table,
                        Revision& r) {
  for (const auto& ix : live.indexes) {
    const bool modelled =
        std::any_of(table.indexes.begin(), table.indexes.end(),
                    [&](const schema::IndexInfo& m) { return m.name == ix.name; });
    if (modelled || made_for_a_constraint(ix, table)) continue;
    r.notes.push_back(std::string(kTodo) + table.name + ": index " + ix.name +
                      " is in the database, not in the model: drop it by hand if it is unused");
  }
}

void note_extra_tables(const schema::LiveSchema& live, const schema::ModelRegistry& models,
                       Revision& r) {
  for (const auto& t : live.tables) {
    // manydb's own: manydb_migrations, manydb_commit_log (atomic commits), manydb_tenants.
    if (t.name.rfind("manydb_", 0) == 0 || model_table(models.tables(), t.name)) continue;
    r.notes.push_back(std::string(kTodo) + "table " + t.name +
                      " is in the database, no model has it: drop it by hand if it is unused");
  }
}

}  // namespace

Revision make_revision(const schema::LiveSchema& live, const schema::ModelRegistry& models,
                       const Dialect& d) {
  const auto tables = models.tables(live.bind);
  const auto differences = schema::compare(live, tables);
  Revision r;
  std::vector<std::string> undo;  // in the order of `up`; `down` runs it backwards
  std::vector<const schema::TableInfo*> missing;
  for (const auto& diff : differences) {
    if (diff.kind == Kind::missing_table) missing.push_back(model_table(tables, diff.table));
  }
  for (const auto* t : schema::dependency_order(missing)) {
    const auto statements = schema::create_statements(*t, d);
    r.up.insert(r.up.end(), statements.begin(), statements.end());
    undo.push_back(schema::drop_statement(*t, d));
  }
  for (const auto& diff : differences) {
    const auto* t = model_table(tables, diff.table);
    if (diff.kind == Kind::missing_column) {
      const auto* c = t->column(diff.column);
      r.up.push_back(schema::add_column_statement(*t, *c, d));
      undo.push_back(schema::drop_column_statement(t->name, c->name, d));
      for (auto& caveat : add_column_caveats(*c, t->name, d)) {
        r.notes.push_back(std::string(kTodo) + caveat);
      }
    } else if (diff.kind != Kind::missing_table && diff.kind != Kind::missing_index) {
      r.notes.push_back(std::string(kTodo) + diff.to_string() +
                        ": change it by hand, or change the model");
    }
  }
  for (const auto& diff : differences) {
    if (diff.kind != Kind::missing_index) continue;
    const auto* t = model_table(tables, diff.table);
    const auto ix = std::find_if(t->indexes.begin(), t->indexes.end(),
                                 [&](const schema::IndexInfo& i) { return i.name == diff.index; });
    r.up.push_back(schema::create_index_statement(*t, *ix, d));
    undo.push_back(schema::drop_index_statement(t->name, ix->name, d));
  }
  for (const auto* t : tables) {
    if (const auto* found = live.table(t->name)) note_extra_indexes(*found, *t, r);
  }
  note_extra_tables(live, models, r);
  r.down.assign(undo.rbegin(), undo.rend());
  return r;
}

}  // namespace manydb::migrate
