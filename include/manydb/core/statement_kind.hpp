#pragma once
// What a raw SQL statement does, told from its first keyword alone (no parsing): enough to
// know whether running it twice can change anything.
#include <cstddef>
#include <string_view>

namespace manydb {

// True for a statement that only reads: its first keyword, after whitespace and comments, is
// SELECT, SHOW, VALUES, TABLE, DESCRIBE, DESC or EXPLAIN without ANALYZE. False for anything
// else, WITH included (a PostgreSQL WITH may hold an INSERT or a DELETE), and for what it
// cannot tell. SELECT ... INTO a new table (PostgreSQL) counts as a read; run twice, its second
// run fails as the table exists, so nothing is written twice.
bool reads_only(std::string_view sql);

// What a statement is, for metrics: transaction control (BEGIN, START, COMMIT, END, ROLLBACK,
// SAVEPOINT, RELEASE, XA), DDL (CREATE, ALTER, DROP, TRUNCATE, RENAME, COMMENT), a read
// (reads_only) or else a write. Told from the first keyword alone, so it costs a few compares.
enum class StatementKind { read, write, ddl, transaction };
inline constexpr std::size_t kStatementKinds = 4;
StatementKind statement_kind(std::string_view sql);

}  // namespace manydb
