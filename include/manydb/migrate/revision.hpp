#pragma once
// The step that brings a bind's live schema to its models (`revision`, docs/migrations.md): SQL
// for what the models add (a table, a column, an index) with the SQL that undoes it, and notes
// for a person on what only a person should decide (what the database has and the models do
// not, a type or NULL that differs): never SQL that drops or rewrites data.
#include <string>
#include <vector>

#include "manydb/driver/dialect.hpp"
#include "manydb/schema/live_schema.hpp"
#include "manydb/schema/registry.hpp"

namespace manydb::migrate {

struct Revision {
  std::vector<std::string> up;     // statements, in order
  std::vector<std::string> down;   // the statements that undo `up`, in order
  std::vector<std::string> notes;  // for the reviewer, one line each
  bool empty() const { return up.empty() && notes.empty(); }
};

// What `live` (a bind's schema, or one tenant's copy of a tenant bind's) lacks or holds
// differently from the models of live.bind, as statements in `dialect`. A live table that no
// model of any bind has is noted (binds may share a database); manydb's own (manydb_*) are not.
Revision make_revision(const schema::LiveSchema& live, const schema::ModelRegistry& models,
                       const Dialect& dialect);

}  // namespace manydb::migrate
