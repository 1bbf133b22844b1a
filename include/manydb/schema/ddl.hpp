#pragma once
// CREATE TABLE / CREATE INDEX / DROP TABLE / ALTER TABLE text per dialect, from a model's
// TableInfo. Identifiers are quoted per dialect.
#include <string>
#include <vector>

#include "manydb/driver/dialect.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb::schema {

// CREATE TABLE IF NOT EXISTS, then one CREATE INDEX IF NOT EXISTS per index: idempotent.
std::vector<std::string> create_statements(const TableInfo& table, const Dialect& dialect);
std::string drop_statement(const TableInfo& table, const Dialect& dialect);

// A column as CREATE TABLE declares it: name, type, NOT NULL, UNIQUE, DEFAULT, CHECK (a foreign
// key is a table constraint of CREATE TABLE, not part of it).
std::string column_definition(const ColumnInfo& column, const Dialect& dialect);
// CREATE [UNIQUE] INDEX IF NOT EXISTS, as create_statements makes it.
std::string create_index_statement(const TableInfo& table, const IndexInfo& index,
                                   const Dialect& dialect);
// DROP INDEX IF EXISTS (MariaDB's names its table).
std::string drop_index_statement(const std::string& table, const std::string& index,
                                 const Dialect& dialect);
std::string add_column_statement(const TableInfo& table, const ColumnInfo& column,
                                 const Dialect& dialect);
std::string drop_column_statement(const std::string& table, const std::string& column,
                                  const Dialect& dialect);

// `tables` reordered so a referenced table comes before the tables that reference it (create
// in this order, drop in reverse).
std::vector<const TableInfo*> dependency_order(std::vector<const TableInfo*> tables);

}  // namespace manydb::schema
