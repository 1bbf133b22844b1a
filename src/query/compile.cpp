// compile_*: one walk (Shape) validates the query, keys its shape and collects its parameters;
// the SQL text comes from the shape cache, rendered (Renderer) only the first time.
#include "manydb/query/compile.hpp"

#include <algorithm>
#include <string>

#include "manydb/core/errors.hpp"
#include "query/render.hpp"
#include "query/shape.hpp"
#include "query/shape_cache.hpp"

namespace manydb {

using detail::cached_sql;
using detail::Renderer;
using detail::Shape;

namespace {

const schema::TableInfo& table_of(const SelectQuery& q) {
  if (!q.table) throw ProgrammingError("query: SelectQuery::table is not set");
  return *q.table;
}

void key_limit(Shape& shape, const std::optional<std::int64_t>& n, const char* what) {
  shape.flag(n.has_value());
  if (!n) return;
  if (*n < 0) throw ProgrammingError(std::string("query: negative ") + what);
  shape.param(*n);
}

void key_select(Shape& shape, const SelectQuery& q) {
  shape.number(q.select.size());
  for (const auto& e : q.select) {
    if (!e) throw ProgrammingError("query: a null expression in the select list");
    shape.expr(e);
  }
  shape.expr(q.where);
  shape.number(q.group_by.size());
  for (std::size_t c : q.group_by) shape.column(c);
  shape.number(q.order.size());
  for (const auto& o : q.order) {
    shape.column(o.column);
    shape.flag(o.descending);
  }
  key_limit(shape, q.limit, "LIMIT");
  key_limit(shape, q.offset, "OFFSET");
  shape.flag(q.for_update);
}

std::string select_list(const SelectQuery& q, const Renderer& r) {
  if (q.select.empty()) return r.every_column();
  std::string out;
  for (const auto& e : q.select) {
    if (!out.empty()) out += ", ";
    r.expr(*e, Renderer::Context::bare, out);
  }
  return out;
}

std::string render_select(const SelectQuery& q, const Dialect& d) {
  const Renderer r(*q.table, d);
  std::string sql = "SELECT " + select_list(q, r) + " FROM " + r.table();
  r.where(q.where, sql);
  if (!q.group_by.empty()) sql += " GROUP BY " + r.columns(q.group_by);
  for (std::size_t i = 0; i < q.order.size(); ++i) {
    sql += (i ? ", " : " ORDER BY ") + r.column(q.order[i].column);
    if (q.order[i].descending) sql += " DESC";
  }
  r.limit_offset(q.limit.has_value(), q.offset.has_value(), sql);
  // SQLite has no FOR UPDATE; its write transaction already locks the whole database.
  if (q.for_update && d.supports_for_update()) sql += " FOR UPDATE";
  return sql;
}

std::string render_assignments(const std::vector<Assignment>& assignments, const Renderer& r) {
  std::string out;
  for (const auto& a : assignments) {
    out += (out.empty() ? "" : ", ") + r.column(a.column) + " = ";
    r.expr(*a.value, Renderer::Context::operand, out);
  }
  return out;
}

// Rows of `columns.size()` values each; with no columns, one row of defaults.
std::size_t insert_rows(const std::vector<std::size_t>& columns, const std::vector<Value>& values) {
  if (columns.empty()) {
    if (!values.empty()) throw ProgrammingError("query: INSERT values without columns");
    return 1;
  }
  if (values.empty() || values.size() % columns.size() != 0) {
    throw ProgrammingError("query: INSERT needs one or more rows of " +
                           std::to_string(columns.size()) + " values, got " +
                           std::to_string(values.size()));
  }
  return values.size() / columns.size();
}

std::string render_insert(const schema::TableInfo& table, const std::vector<std::size_t>& columns,
                          std::size_t rows, const std::vector<std::size_t>& returning,
                          const Dialect& d, std::size_t sequence_key) {
  const Renderer r(table, d);
  std::string sql = "INSERT INTO " + r.table();
  if (columns.empty()) {
    sql += d.insert_default_values();
  } else {
    std::string row = "(";
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) row += ", ";
      if (columns[i] == sequence_key) {
        row += d.sequence_key_sql();
      } else {
        row += '?';
      }
    }
    row += ')';
    sql += " (" + r.columns(columns) + ") VALUES " + row;
    for (std::size_t i = 1; i < rows; ++i) sql += ", " + row;
  }
  if (!returning.empty()) sql += " RETURNING " + r.columns(returning);
  return sql;
}

}  // namespace

Statement compile_select(const SelectQuery& query, const Dialect& dialect) {
  Shape shape('S', table_of(query), dialect);
  key_select(shape, query);
  std::string sql = cached_sql(shape.key(), [&] { return render_select(query, dialect); });
  return {std::move(sql), shape.take_params()};
}

// count and exists read only the WHERE: FOR UPDATE is not allowed with an aggregate on
// PostgreSQL, and a grouped or paged count is not what callers of count() mean.
Statement compile_count(const SelectQuery& query, const Dialect& dialect) {
  Shape shape('C', table_of(query), dialect);
  shape.expr(query.where);
  std::string sql = cached_sql(shape.key(), [&] {
    const Renderer r(*query.table, dialect);
    std::string text = "SELECT count(*) FROM " + r.table();
    r.where(query.where, text);
    return text;
  });
  return {std::move(sql), shape.take_params()};
}

Statement compile_exists(const SelectQuery& query, const Dialect& dialect) {
  Shape shape('E', table_of(query), dialect);
  shape.expr(query.where);
  std::string sql = cached_sql(shape.key(), [&] {
    const Renderer r(*query.table, dialect);
    std::string text = "SELECT 1 FROM " + r.table();
    r.where(query.where, text);
    return text + " LIMIT 1";
  });
  return {std::move(sql), shape.take_params()};
}

Statement compile_update(const schema::TableInfo& table, const ExprPtr& where,
                         const std::vector<Assignment>& assignments, const Dialect& dialect,
                         bool returning_rows) {
  if (assignments.empty()) throw ProgrammingError("query: UPDATE without assignments");
  if (returning_rows && !dialect.supports_update_returning()) {
    throw ProgrammingError("query: " + std::string(dialect.name()) + " has no UPDATE RETURNING");
  }
  Shape shape(returning_rows ? 'R' : 'U', table, dialect);
  shape.number(assignments.size());
  for (const auto& a : assignments) {
    if (!a.value) throw ProgrammingError("query: an UPDATE assignment without a value");
    shape.column(a.column);
    shape.expr(a.value);
  }
  shape.expr(where);
  std::string sql = cached_sql(shape.key(), [&] {
    const Renderer r(table, dialect);
    std::string text = "UPDATE " + r.table() + " SET " + render_assignments(assignments, r);
    r.where(where, text);
    if (returning_rows) text += " RETURNING " + r.every_column();
    return text;
  });
  return {std::move(sql), shape.take_params()};
}

Statement compile_delete(const schema::TableInfo& table, const ExprPtr& where,
                         const Dialect& dialect) {
  Shape shape('D', table, dialect);
  shape.expr(where);
  std::string sql = cached_sql(shape.key(), [&] {
    const Renderer r(table, dialect);
    std::string text = "DELETE FROM " + r.table();
    r.where(where, text);
    return text;
  });
  return {std::move(sql), shape.take_params()};
}

Statement compile_insert(const schema::TableInfo& table, const std::vector<std::size_t>& columns,
                         std::vector<Value> values, const std::vector<std::size_t>& returning,
                         const Dialect& dialect, std::size_t sequence_key) {
  if (!returning.empty() && !dialect.supports_returning()) {
    throw ProgrammingError("query: " + std::string(dialect.name()) + " has no RETURNING");
  }
  const bool keyed = sequence_key != no_sequence_key;
  if (keyed && (dialect.sequence_key_sql().empty() ||
                std::find(columns.begin(), columns.end(), sequence_key) == columns.end())) {
    throw ProgrammingError("query: no sequence key for column " + std::to_string(sequence_key) +
                           " of '" + table.name + "' on " + std::string(dialect.name()));
  }
  // The expression's three values stand where the column's one would.
  std::vector<std::size_t> per_value(columns);
  if (keyed) per_value.insert(per_value.end(), {sequence_key, sequence_key});
  const std::size_t rows = insert_rows(per_value, values);
  Shape shape('I', table, dialect);
  shape.number(columns.size());
  for (std::size_t c : columns) shape.column(c);
  shape.number(rows);
  shape.number(returning.size());
  for (std::size_t c : returning) shape.column(c);
  shape.flag(keyed);
  if (keyed) shape.column(sequence_key);
  std::string sql = cached_sql(shape.key(), [&] {
    return render_insert(table, columns, rows, returning, dialect, sequence_key);
  });
  return {std::move(sql), std::move(values)};
}

std::size_t cached_query_shapes() { return detail::shape_count(); }

}  // namespace manydb
