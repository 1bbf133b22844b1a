#pragma once
// CREATE TABLE / CREATE INDEX / DROP TABLE text per dialect, from a model's TableInfo.
#include <string>
#include <vector>

#include "manydb/driver/dialect.hpp"
#include "manydb/schema/table_info.hpp"

namespace manydb::schema {

// CREATE TABLE IF NOT EXISTS, then one CREATE INDEX IF NOT EXISTS per index: idempotent.
std::vector<std::string> create_statements(const TableInfo& table, const Dialect& dialect);
std::string drop_statement(const TableInfo& table, const Dialect& dialect);

// `tables` reordered so a referenced table comes before the tables that reference it (create
// in this order, drop in reverse).
std::vector<const TableInfo*> dependency_order(std::vector<const TableInfo*> tables);

}  // namespace manydb::schema
